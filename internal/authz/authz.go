// Package authz decides what a principal may do (SPEC §3). Services call it
// first; it reads the principal from the context.
package authz

import (
	"context"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Caller returns the request's principal, or EUNAUTHORIZED.
func Caller(ctx context.Context) (*keyhouse.Principal, error) {
	p := keyhouse.PrincipalFromContext(ctx)
	if p == nil {
		return nil, keyhouse.Errorf(keyhouse.EUNAUTHORIZED, "Authentication is required.")
	}
	return p, nil
}

// RequireUser allows only a signed-in user (session or CLI token) with at
// least role min. Management API keys and machines get EFORBIDDEN: these are
// the actions SPEC §3 keeps for humans.
func RequireUser(ctx context.Context, min keyhouse.Role) (*keyhouse.Principal, error) {
	p, err := Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsUser() {
		return nil, keyhouse.Errorf(keyhouse.EFORBIDDEN, "This action needs a signed-in user; API keys and machines cannot perform it.")
	}
	if !p.Role.AtLeast(min) {
		return nil, keyhouse.Errorf(keyhouse.EFORBIDDEN, "This action needs the %s role or higher.", min)
	}
	return p, nil
}

// RequireBrowserSession allows only a dashboard session (not a CLI token).
func RequireBrowserSession(ctx context.Context, min keyhouse.Role) (*keyhouse.Principal, error) {
	p, err := RequireUser(ctx, min)
	if err != nil {
		return nil, err
	}
	if p.SessionKind != keyhouse.SessionBrowser {
		return nil, keyhouse.Errorf(keyhouse.EFORBIDDEN, "This action needs a dashboard session.")
	}
	return p, nil
}

// Require allows a user with at least role min, or a management API key
// when keyOK is true and the key carries every one of scopes.
func Require(ctx context.Context, min keyhouse.Role, keyOK bool, scopes ...string) (*keyhouse.Principal, error) {
	p, err := Caller(ctx)
	if err != nil {
		return nil, err
	}
	switch p.Kind {
	case keyhouse.PrincipalUser:
		if !p.Role.AtLeast(min) {
			return nil, keyhouse.Errorf(keyhouse.EFORBIDDEN, "This action needs the %s role or higher.", min)
		}
		return p, nil
	case keyhouse.PrincipalMgmtKey:
		if !keyOK {
			return nil, keyhouse.Errorf(keyhouse.EFORBIDDEN, "API keys cannot perform this action.")
		}
		for _, sc := range scopes {
			if !p.HasScope(sc) {
				return nil, keyhouse.Errorf(keyhouse.EFORBIDDEN, "The API key lacks the %s scope.", sc)
			}
		}
		return p, nil
	}
	return nil, keyhouse.Errorf(keyhouse.EFORBIDDEN, "This credential cannot perform this action.")
}
