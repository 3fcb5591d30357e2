package auth

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/ratelimit"
)

// Token prefixes tell credentials apart before any lookup.
const (
	PrefixSessionToken = "khs_"
	PrefixCLIToken     = "khc_"
	PrefixMgmtKey      = "kc_"
)

// Lifetimes.
const (
	SessionTTL        = 12 * time.Hour
	CLITokenTTL       = 30 * 24 * time.Hour
	SetupTokenTTL     = 24 * time.Hour
	MaxMgmtKeyExpiry  = 30 * 24 * time.Hour // Keychains: at most and by default 30 days
	touchEvery        = time.Minute         // last_used_at is written at most this often per credential
	loginFailsAccount = 5                   // failed logins per account per 15 minutes
	loginFailsIP      = 20                  // failed logins per client IP per 15 minutes
)

// Service issues and checks credentials.
type Service struct {
	store  keyhouse.Store
	clock  keyhouse.Clock
	hasher *crypto.Hasher
	rand   io.Reader
	log    *slog.Logger
	pw     crypto.PasswordParams

	failsByAccount *ratelimit.Keyed
	failsByIP      *ratelimit.Keyed

	mu      sync.Mutex
	touched map[keyhouse.ID]time.Time
}

// Options configure a Service; zero values take defaults.
type Options struct {
	Clock          keyhouse.Clock
	Rand           io.Reader
	Logger         *slog.Logger
	PasswordParams *crypto.PasswordParams
}

// NewService returns a Service over store, hashing tokens with hasher.
func NewService(store keyhouse.Store, hasher *crypto.Hasher, o Options) *Service {
	s := &Service{store: store, hasher: hasher, clock: o.Clock, rand: o.Rand, log: o.Logger, touched: map[keyhouse.ID]time.Time{}}
	if s.clock == nil {
		s.clock = keyhouse.SystemClock{}
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.pw = crypto.DefaultPasswordParams()
	if o.PasswordParams != nil {
		s.pw = *o.PasswordParams
	}
	now := s.clock.Now
	s.failsByAccount = ratelimit.NewKeyed(loginFailsAccount, 15*time.Minute, loginFailsAccount, now)
	s.failsByIP = ratelimit.NewKeyed(loginFailsIP, 15*time.Minute, loginFailsIP, now)
	return s
}

// HashPassword hashes a new password with the service's parameters.
func (s *Service) HashPassword(pw string) (string, error) {
	return crypto.HashPasswordWithParams(pw, s.pw, s.rand)
}

// hashToken hashes a raw credential under the current pepper.
func (s *Service) hashToken(raw string) ([32]byte, int) { return s.hasher.Hash(raw) }

// lookupHashes yields the hash of raw under every pepper version, current
// first, so credentials issued before a pepper rotation keep working.
func (s *Service) lookupHashes(raw string) [][32]byte {
	cur, v := s.hasher.Hash(raw)
	out := [][32]byte{cur}
	for _, ver := range s.hasher.Versions() {
		if ver == v {
			continue
		}
		if h, ok := s.hasher.HashWith(ver, raw); ok {
			out = append(out, h)
		}
	}
	return out
}

// shouldTouch reports whether id's last-used time is due a write, so a busy
// credential costs one write a minute, not one per request.
func (s *Service) shouldTouch(id keyhouse.ID, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.touched[id]; ok && now.Sub(t) < touchEvery {
		return false
	}
	if len(s.touched) > 100_000 {
		clear(s.touched)
	}
	s.touched[id] = now
	return true
}

func unauthorized(msg string) error { return keyhouse.Errorf(keyhouse.EUNAUTHORIZED, "%s", msg) }

// Authenticate resolves a bearer credential (a session cookie's value, a CLI
// token or a management API key) to a principal. Unknown, expired and
// revoked credentials are EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, raw string) (*keyhouse.Principal, error) {
	switch {
	case strings.HasPrefix(raw, PrefixMgmtKey):
		return s.authMgmtKey(ctx, raw)
	case strings.HasPrefix(raw, PrefixSessionToken), strings.HasPrefix(raw, PrefixCLIToken):
		return s.authSession(ctx, raw)
	}
	return nil, unauthorized("The credential is not valid.")
}

func (s *Service) authSession(ctx context.Context, raw string) (*keyhouse.Principal, error) {
	var sess *keyhouse.Session
	var user *keyhouse.User
	err := s.store.View(ctx, func(tx keyhouse.Tx) error {
		for _, h := range s.lookupHashes(raw) {
			x, err := tx.SessionByHash(ctx, h)
			if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			sess = x
			break
		}
		if sess == nil {
			return unauthorized("The session is not valid.")
		}
		var err error
		user, err = tx.User(ctx, sess.OrgID, sess.UserID)
		if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
			return unauthorized("The session is not valid.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	wantPrefix := PrefixSessionToken
	if sess.Kind == keyhouse.SessionCLI {
		wantPrefix = PrefixCLIToken
	}
	switch {
	case !strings.HasPrefix(raw, wantPrefix):
		return nil, unauthorized("The session is not valid.")
	case sess.RevokedAt != nil:
		return nil, unauthorized("The session has been signed out.")
	case !now.Before(sess.ExpiresAt):
		return nil, unauthorized("The session has expired.")
	}
	if s.shouldTouch(sess.ID, now) {
		if err := s.store.Update(ctx, func(tx keyhouse.Tx) error { return tx.TouchSession(ctx, sess.ID, now) }); err != nil {
			s.log.WarnContext(ctx, "touch session", "err", err)
		}
	}
	return &keyhouse.Principal{
		Kind: keyhouse.PrincipalUser, OrgID: sess.OrgID, UserID: user.ID, Role: user.Role,
		SessionID: sess.ID, SessionKind: sess.Kind,
	}, nil
}

func (s *Service) authMgmtKey(ctx context.Context, raw string) (*keyhouse.Principal, error) {
	var key *keyhouse.MgmtKey
	err := s.store.View(ctx, func(tx keyhouse.Tx) error {
		for _, h := range s.lookupHashes(raw) {
			k, err := tx.MgmtKeyByHash(ctx, h)
			if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
				continue
			}
			if err != nil {
				return err
			}
			// The lookup matched on the hash already; compare again in
			// constant time so no code path branches on a partial match.
			if crypto.Equal(k.Hash[:], h[:]) {
				key = k
			}
			break
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, unauthorized("The API key is not valid.")
	}
	now := s.clock.Now()
	if key.RevokedAt != nil {
		return nil, unauthorized("The API key has been revoked.")
	}
	if !now.Before(key.ExpiresAt) {
		return nil, unauthorized("The API key has expired.")
	}
	if s.shouldTouch(key.ID, now) {
		if err := s.store.Update(ctx, func(tx keyhouse.Tx) error { return tx.TouchMgmtKey(ctx, key.ID, now) }); err != nil {
			s.log.WarnContext(ctx, "touch api key", "err", err)
		}
	}
	return &keyhouse.Principal{Kind: keyhouse.PrincipalMgmtKey, OrgID: key.OrgID, MgmtKeyID: key.ID, Scopes: key.Scopes}, nil
}
