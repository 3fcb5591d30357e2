// Package keys is the service behind the Keysmith (/v1/keys…) and project-key
// (/v1/api-keys…) surfaces: it issues, lists, rotates, suspends and revokes
// the API keys a team gives its customers, keeps their policies and scope
// registry, validates presented keys on the hot path, records usage off that
// path, and rotates keys on a schedule with signed webhooks (SPEC §4).
//
// Validation answers from an in-memory cache of key records keyed by the
// key's peppered hash. Every mutation of a key, its scopes or its policy
// invalidates the cache before the mutating call returns, and a load that
// raced with a mutation is never stored (see package loadcache), so a revoked key never
// validates after Revoke returns.
package keys

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/authz"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/loadcache"
	"github.com/keyhouse-dev/keyhouse/internal/netguard"
)

// Sealer encrypts the small per-key secrets (rotation webhook secrets) at rest.
type Sealer interface {
	Seal(plaintext, ad []byte) (sealed []byte, keyID string, err error)
	Open(sealed []byte, keyID string, ad []byte) ([]byte, error)
}

// Options are a Service's optional parts.
type Options struct {
	Clock  keyhouse.Clock
	Logger *slog.Logger
	// Sealer seals webhook secrets; without one, keys cannot have a
	// rotation webhook.
	Sealer Sealer
	// AllowPrivateNet lets webhook URLs reach loopback and private
	// addresses and use plain http (tests, labs).
	AllowPrivateNet bool
	// CacheTTL bounds how long a cached key record is kept. Changes reach
	// the cache by invalidation: at once through this node, and through
	// another node by the change feed (PollChanges, every
	// ChangePollInterval), so the TTL only backs the feed up. Default 1 min.
	CacheTTL time.Duration
	// CacheSize bounds the cache (default 100,000 entries).
	CacheSize int
	// Limiter enforces policy rate limits (default: in-memory token buckets).
	Limiter Limiter
	// Rand is the entropy source for keys and secrets (crypto/rand if nil).
	Rand io.Reader
	// UsageBatch and UsageInterval tune the usage writer.
	UsageBatch    int
	UsageInterval time.Duration
	// Webhook delivers rotation webhooks (default: netguard client, 5 attempts).
	Webhook WebhookSender
}

// Service is the key service.
type Service struct {
	store   keyhouse.Store
	hasher  *crypto.Hasher
	clock   keyhouse.Clock
	log     *slog.Logger
	sealer  Sealer
	net     netguard.Policy
	rand    io.Reader
	cache   *loadcache.Cache[*entry]
	feed    feed
	limiter Limiter
	usage   *usageWriter
	webhook WebhookSender
}

// NewService returns a Service and starts its usage writer; Close flushes it.
func NewService(store keyhouse.Store, hasher *crypto.Hasher, o Options) *Service {
	if o.Clock == nil {
		o.Clock = keyhouse.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = time.Minute
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 100_000
	}
	s := &Service{
		store: store, hasher: hasher, clock: o.Clock, log: o.Logger, sealer: o.Sealer,
		net: netguard.Policy{AllowPrivate: o.AllowPrivateNet}, rand: o.Rand,
		cache: loadcache.New[*entry](o.CacheSize, o.CacheTTL), limiter: o.Limiter, webhook: o.Webhook,
	}
	if s.limiter == nil {
		s.limiter = NewMemoryLimiter()
	}
	if s.webhook == nil {
		s.webhook = newHTTPSender(s.net)
	}
	s.usage = newUsageWriter(store, o.Logger, o.UsageBatch, o.UsageInterval)
	// Changes made before now cannot be in this new, empty cache.
	s.feed = feed{last: s.clock.Now(), seen: map[keyhouse.ID]seenAt{}}
	return s
}

// Close flushes buffered usage records and last-used times to the store.
// Call it after the HTTP server has stopped taking requests.
func (s *Service) Close(ctx context.Context) error { return s.usage.close(ctx) }

// Flush writes the buffered usage now (tests, shutdown).
func (s *Service) Flush(ctx context.Context) error { return s.usage.flush(ctx) }

// Reading keys needs a viewer or a management key with read:keys; changing
// them a member or a key with write:keys; validating a member or a key with
// verify:keys (SPEC §3).
func canRead(ctx context.Context) (*keyhouse.Principal, error) {
	return authz.Require(ctx, keyhouse.RoleViewer, true, "read:keys")
}

func canWrite(ctx context.Context) (*keyhouse.Principal, error) {
	return authz.Require(ctx, keyhouse.RoleMember, true, "write:keys")
}

func canVerify(ctx context.Context) (*keyhouse.Principal, error) {
	return authz.Require(ctx, keyhouse.RoleMember, true, "verify:keys")
}

// Now is the service's clock, for surfaces rendering time-dependent state.
func (s *Service) Now() time.Time { return s.clock.Now() }
