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
	"github.com/keyhouse-dev/keyhouse/internal/loadcache"
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

	// verifySlots bounds concurrent password verifications: each argon2id
	// run holds 64 MiB, so a login burst must queue, not exhaust memory.
	verifySlots chan struct{}

	failsByAccount *ratelimit.Keyed
	failsByIP      *ratelimit.Keyed

	mu      sync.Mutex
	touched map[keyhouse.ID]time.Time

	// cache holds recently authenticated credentials by hash for at most
	// cacheTTL, so a hot credential costs one database read a second. A
	// revocation through this server invalidates it at once; one through
	// another server sharing the database is seen within cacheTTL.
	cache *loadcache.Cache[cachedCredential]
}

// cacheTTL bounds how stale a cached credential may be (SPEC §9: revocation
// reaches every node within 1 s).
const cacheTTL = time.Second

type cachedCredential struct {
	principal *keyhouse.Principal
	id        keyhouse.ID
	expiresAt time.Time
	revoked   bool
	kind      keyhouse.SessionKind // for sessions: which token prefix is valid
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
	s.verifySlots = make(chan struct{}, 4)
	s.pw = crypto.DefaultPasswordParams()
	if o.PasswordParams != nil {
		s.pw = *o.PasswordParams
	}
	s.cache = loadcache.New[cachedCredential](100_000, cacheTTL)
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
	if !strings.HasPrefix(raw, PrefixMgmtKey) && !strings.HasPrefix(raw, PrefixSessionToken) && !strings.HasPrefix(raw, PrefixCLIToken) {
		return nil, unauthorized("The credential is not valid.")
	}
	hash, _ := s.hashToken(raw)
	c, ok := s.cache.Get(hash)
	if !ok {
		load := s.loadSession
		if strings.HasPrefix(raw, PrefixMgmtKey) {
			load = s.loadMgmtKey
		}
		var err error
		c, err = s.cache.Load(ctx, hash, func(ctx context.Context) (cachedCredential, bool, error) {
			c, err := load(ctx, raw)
			return c, err == nil, err
		})
		if err != nil {
			return nil, err
		}
	}
	return s.checkCached(ctx, c)
}

// loadSession reads the session (web or CLI) raw names.
func (s *Service) loadSession(ctx context.Context, raw string) (cachedCredential, error) {
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
		return cachedCredential{}, err
	}
	wantPrefix := PrefixSessionToken
	if sess.Kind == keyhouse.SessionCLI {
		wantPrefix = PrefixCLIToken
	}
	if !strings.HasPrefix(raw, wantPrefix) {
		return cachedCredential{}, unauthorized("The session is not valid.")
	}
	c := cachedCredential{
		principal: &keyhouse.Principal{
			Kind: keyhouse.PrincipalUser, OrgID: sess.OrgID, UserID: user.ID, Role: user.Role,
			SessionID: sess.ID, SessionKind: sess.Kind,
		},
		id: sess.ID, expiresAt: sess.ExpiresAt, revoked: sess.RevokedAt != nil, kind: sess.Kind,
	}
	return c, nil
}

// checkCached applies the time-dependent checks to a (possibly cached)
// credential and records its use.
func (s *Service) checkCached(ctx context.Context, c cachedCredential) (*keyhouse.Principal, error) {
	now := s.clock.Now()
	what := "session"
	if c.principal.Kind == keyhouse.PrincipalMgmtKey {
		what = "API key"
	}
	if c.revoked {
		if what == "session" {
			return nil, unauthorized("The session has been signed out.")
		}
		return nil, unauthorized("The API key has been revoked.")
	}
	if !now.Before(c.expiresAt) {
		return nil, unauthorized("The " + what + " has expired.")
	}
	if s.shouldTouch(c.id, now) {
		touch := func(tx keyhouse.Tx) error { return tx.TouchSession(ctx, c.id, now) }
		if c.principal.Kind == keyhouse.PrincipalMgmtKey {
			touch = func(tx keyhouse.Tx) error { return tx.TouchMgmtKey(ctx, c.id, now) }
		}
		if err := s.store.Update(ctx, touch); err != nil {
			s.log.WarnContext(ctx, "record credential use", "err", err)
		}
	}
	// Each request gets its own copy: handlers may not share mutable state.
	p := *c.principal
	return &p, nil
}

// forget drops every cached credential; called after a revocation, which
// is rare, so the whole cache going is cheaper than an index by ID.
func (s *Service) forget() { s.cache.InvalidateAll() }

// loadMgmtKey reads the management key raw names.
func (s *Service) loadMgmtKey(ctx context.Context, raw string) (cachedCredential, error) {
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
		return cachedCredential{}, err
	}
	if key == nil {
		return cachedCredential{}, unauthorized("The API key is not valid.")
	}
	return cachedCredential{
		principal: &keyhouse.Principal{Kind: keyhouse.PrincipalMgmtKey, OrgID: key.OrgID, MgmtKeyID: key.ID, Scopes: key.Scopes},
		id:        key.ID, expiresAt: key.ExpiresAt, revoked: key.RevokedAt != nil,
	}, nil
}
