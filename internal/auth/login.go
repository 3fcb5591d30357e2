package auth

import (
	"context"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/authz"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// LoginResult is a new session and the raw token that authenticates it.
type LoginResult struct {
	Session *keyhouse.Session
	User    *keyhouse.User
	Token   string // shown once: the cookie value or the CLI token
}

// Login checks an email and password and opens a session of kind. Failed
// attempts are limited per account and per client IP; an unknown email
// costs the same time as a wrong password, so neither reveals which emails
// exist.
func (s *Service) Login(ctx context.Context, email, password string, kind keyhouse.SessionKind) (*LoginResult, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	ip := keyhouse.RequestMetaFromContext(ctx).ClientIP
	if d := s.failsByAccount.Peek(email); !d.Allowed {
		return nil, &keyhouse.Error{Code: keyhouse.ERATELIMITED, Message: "Too many failed sign-in attempts for this account. Try again later.", RetryAfter: d.RetryAfterSeconds()}
	}
	if d := s.failsByIP.Peek(ip); !d.Allowed {
		return nil, &keyhouse.Error{Code: keyhouse.ERATELIMITED, Message: "Too many failed sign-in attempts. Try again later.", RetryAfter: d.RetryAfterSeconds()}
	}

	var user *keyhouse.User
	err := s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		user, err = tx.UserByEmail(ctx, email)
		return err
	})
	if err != nil && keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
		return nil, err
	}
	err = nil
	select {
	case s.verifySlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ok := false
	if user == nil || user.PasswordHash == "" {
		crypto.DummyVerify(password)
	} else {
		ok, err = crypto.VerifyPassword(user.PasswordHash, password)
	}
	<-s.verifySlots
	if err != nil {
		return nil, err
	}
	if !ok {
		s.failsByAccount.Allow(email)
		s.failsByIP.Allow(ip)
		if user != nil {
			s.recordFailure(ctx, user)
		}
		return nil, unauthorized("The email or password is incorrect.")
	}
	s.failsByAccount.Forget(email)
	return s.openSession(ctx, user, kind, "user.login")
}

func (s *Service) recordFailure(ctx context.Context, u *keyhouse.User) {
	err := s.store.Update(ctx, func(tx keyhouse.Tx) error {
		return audit.RecordAs(ctx, tx, u.OrgID, keyhouse.PrincipalUser, u.ID, audit.Entry{
			Action: "user.login_failed", ResourceType: "user", ResourceID: u.ID,
		})
	})
	if err != nil {
		s.log.WarnContext(ctx, "record failed login", "err", err)
	}
}

func (s *Service) openSession(ctx context.Context, u *keyhouse.User, kind keyhouse.SessionKind, action string) (*LoginResult, error) {
	prefix, ttl := PrefixSessionToken, SessionTTL
	if kind == keyhouse.SessionCLI {
		prefix, ttl = PrefixCLIToken, CLITokenTTL
	}
	tok, err := crypto.RandomToken(s.rand, 32)
	if err != nil {
		return nil, err
	}
	raw := prefix + tok
	hash, _ := s.hashToken(raw)
	var sess *keyhouse.Session
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		now := tx.Now()
		sess = &keyhouse.Session{
			ID: ids.New(keyhouse.PrefixSession), OrgID: u.OrgID, UserID: u.ID, Kind: kind, Hash: hash,
			CreatedAt: now, ExpiresAt: now.Add(ttl),
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		return audit.RecordAs(ctx, tx, u.OrgID, keyhouse.PrincipalUser, u.ID, audit.Entry{
			Action: action, ResourceType: "session", ResourceID: sess.ID,
			Metadata: map[string]string{"kind": string(kind)},
		})
	})
	if err != nil {
		return nil, err
	}
	return &LoginResult{Session: sess, User: u, Token: raw}, nil
}

// IssueCLIToken opens a CLI session for a user who approved a device code.
func (s *Service) IssueCLIToken(ctx context.Context, orgID, userID keyhouse.ID) (*LoginResult, error) {
	var u *keyhouse.User
	if err := s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		u, err = tx.User(ctx, orgID, userID)
		return err
	}); err != nil {
		return nil, err
	}
	return s.openSession(ctx, u, keyhouse.SessionCLI, "user.device_login")
}

// Logout revokes the caller's session or CLI token.
func (s *Service) Logout(ctx context.Context) error {
	p, err := authz.RequireUser(ctx, keyhouse.RoleViewer)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		if err := tx.RevokeSession(ctx, p.OrgID, p.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, audit.Entry{Action: "user.logout", ResourceType: "session", ResourceID: p.SessionID})
	})
	s.forget()
	return err
}

// Me returns the signed-in user.
func (s *Service) Me(ctx context.Context) (*keyhouse.User, error) {
	p, err := authz.RequireUser(ctx, keyhouse.RoleViewer)
	if err != nil {
		return nil, err
	}
	var u *keyhouse.User
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		u, err = tx.User(ctx, p.OrgID, p.UserID)
		return err
	})
	return u, err
}

// NewSetupToken creates a one-time link token for a user without a password.
// It is called inside the bootstrap transaction.
func (s *Service) NewSetupToken(ctx context.Context, tx keyhouse.Tx, u *keyhouse.User) (string, error) {
	tok, err := crypto.RandomToken(s.rand, 32)
	if err != nil {
		return "", err
	}
	hash, _ := s.hashToken(tok)
	err = tx.CreateSetupToken(ctx, &keyhouse.SetupToken{Hash: hash, OrgID: u.OrgID, UserID: u.ID, ExpiresAt: tx.Now().Add(SetupTokenTTL)})
	return tok, err
}

// CompleteSetup sets the password of the user a setup token names, once,
// and signs them in.
func (s *Service) CompleteSetup(ctx context.Context, token, password string) (*LoginResult, error) {
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	hash, _ := s.hashToken(token)
	pwHash, err := s.HashPassword(password)
	if err != nil {
		return nil, err
	}
	var u *keyhouse.User
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		st, err := tx.SetupToken(ctx, hash)
		if err != nil {
			return err
		}
		if st.UsedAt != nil || !tx.Now().Before(st.ExpiresAt) {
			return keyhouse.Errorf(keyhouse.ENOTFOUND, "Setup link not found.")
		}
		if err := tx.UseSetupToken(ctx, hash); err != nil {
			return err
		}
		if err := tx.SetUserPassword(ctx, st.OrgID, st.UserID, pwHash); err != nil {
			return err
		}
		if u, err = tx.User(ctx, st.OrgID, st.UserID); err != nil {
			return err
		}
		return audit.RecordAs(ctx, tx, u.OrgID, keyhouse.PrincipalUser, u.ID, audit.Entry{Action: "user.password_set", ResourceType: "user", ResourceID: u.ID})
	})
	if err != nil {
		return nil, err
	}
	return s.openSession(ctx, u, keyhouse.SessionBrowser, "user.login")
}

// ValidatePassword enforces the minimum password rules.
func ValidatePassword(pw string) error {
	if len(pw) < 10 {
		return keyhouse.Invalid("The password must be at least 10 characters.", keyhouse.FieldError{Field: "password", Code: "too_short", Message: "must be at least 10 characters"})
	}
	if len(pw) > 1024 {
		return keyhouse.Invalid("The password is too long.", keyhouse.FieldError{Field: "password", Code: "too_long", Message: "must be at most 1024 bytes"})
	}
	return nil
}
