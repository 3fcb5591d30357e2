package keyhouse

import (
	"context"
	"slices"
)

// PrincipalKind names the kind of credential a request authenticated with.
type PrincipalKind string

// Principal kinds.
const (
	PrincipalUser    PrincipalKind = "user"    // a browser session or a CLI token
	PrincipalMgmtKey PrincipalKind = "api_key" // a management API key (kc_…)
	PrincipalMachine PrincipalKind = "machine" // a machine JWT
	PrincipalSystem  PrincipalKind = "system"  // background jobs
)

// Principal is who a request acts as. Services take it from the context and
// decide what it may do; every query is scoped by its OrgID.
type Principal struct {
	Kind        PrincipalKind
	OrgID       ID
	UserID      ID          // PrincipalUser
	Role        Role        // PrincipalUser
	SessionID   ID          // PrincipalUser
	SessionKind SessionKind // PrincipalUser: browser or cli
	MgmtKeyID   ID          // PrincipalMgmtKey
	Scopes      []string    // PrincipalMgmtKey: the optional extra powers of SPEC §3
	MachineID   ID          // PrincipalMachine
}

// IsUser reports whether p is a signed-in user (session cookie or CLI token).
func (p *Principal) IsUser() bool { return p != nil && p.Kind == PrincipalUser }

// HasScope reports whether a management key carries scope.
func (p *Principal) HasScope(scope string) bool {
	return p != nil && slices.Contains(p.Scopes, scope)
}

// ActorID is the ID recorded in audit events for p.
func (p *Principal) ActorID() ID {
	switch p.Kind {
	case PrincipalUser:
		return p.UserID
	case PrincipalMgmtKey:
		return p.MgmtKeyID
	case PrincipalMachine:
		return p.MachineID
	}
	return "system"
}

type principalKey struct{}
type requestMetaKey struct{}

// NewContextWithPrincipal returns ctx carrying p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the request's principal, or nil when anonymous.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// RequestMeta is what the audit log records about the request behind a change.
type RequestMeta struct {
	RequestID string
	ClientIP  string
	UserAgent string
}

// NewContextWithRequestMeta returns ctx carrying m.
func NewContextWithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, requestMetaKey{}, m)
}

// RequestMetaFromContext returns the request's metadata (zero outside a request).
func RequestMetaFromContext(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(requestMetaKey{}).(RequestMeta)
	return m
}
