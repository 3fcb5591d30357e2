package keyhouse

import (
	"context"
	"time"
)

// KeyState is the lifecycle state of an API key issued to a customer (SPEC §4).
type KeyState string

// Key states. Expired is never stored: a key is expired when its ExpiresAt
// has passed, whatever is stored (see Key.StateAt).
const (
	KeyActive    KeyState = "active"
	KeySuspended KeyState = "suspended"
	KeyRevoked   KeyState = "revoked"
	KeyExpired   KeyState = "expired"
	KeyRotated   KeyState = "rotated"
)

// Key is an API key a team issues to its customers, through the Keysmith
// (/v1/keys) or the project-key (/v1/api-keys) surface: one record for both.
// The raw key is never stored: only its peppered hash.
type Key struct {
	ID            ID
	OrgID         ID
	ProjectID     ID
	EnvironmentID ID // "" when the environment names no environment row
	Name          string
	Description   string
	Prefix        string // first part of the raw key (sk, pk…)
	Environment   string // second part of the raw key (live, test…)
	KeyPrefix     string // first characters of the raw key, for display
	Hint          string // last characters of the raw key (checksum digits)
	Hash          [32]byte
	PepperVersion int
	State         KeyState
	Scopes        []string
	PolicyID      ID
	Metadata      map[string]any
	CreatedBy     ID
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ExpiresAt     *time.Time
	LastUsedAt    *time.Time
	RotatedAt     *time.Time
	RevokedAt     *time.Time
	RevokeReason  string
	// ReplacedByKeyID and GraceExpiresAt are set when the key was rotated:
	// it stays valid until GraceExpiresAt and not a moment after.
	ReplacedByKeyID ID
	GraceExpiresAt  *time.Time
	// PendingSuccessorID names the key a scheduled rotation created and is
	// still delivering; "" once the outcome is recorded.
	PendingSuccessorID ID
	// Scheduled rotation: every RotationIntervalDays (0: never), at
	// NextRotationAt, the new key POSTed to RotationWebhookURL, signed with
	// the per-key secret kept sealed in WebhookSecretSealed.
	RotationIntervalDays int
	NextRotationAt       *time.Time
	RotationWebhookURL   string
	WebhookSecretSealed  []byte
	WebhookSecretKeyID   string // the master key that sealed it
}

// StateAt is the key's state as seen at t: an active key whose expiry has
// passed is expired.
func (k *Key) StateAt(t time.Time) KeyState {
	if k.State == KeyActive && k.ExpiresAt != nil && !t.Before(*k.ExpiresAt) {
		return KeyExpired
	}
	return k.State
}

// KeyFilter selects keys; zero fields match everything.
type KeyFilter struct {
	OrgID       ID
	ProjectID   ID
	Environment string
	State       KeyState // stored state; KeyExpired selects active keys past expiry
	PolicyID    ID
	NotRevoked  bool
	// ExpiringBefore selects unrevoked keys with an expiry before it.
	ExpiringBefore *time.Time
	Now            time.Time // for the expired filters
	Page           Page
}

// Policy is a reusable set of rules for keys: rate limit, allowed IPs and
// origins, maximum key age, and the quotas Keysmith stores.
type Policy struct {
	ID             ID
	OrgID          ID
	Name           string
	Description    string
	RateLimit      int // requests per RateWindow; 0: no limit
	RateWindow     time.Duration
	Burst          int
	AllowedScopes  []string
	AllowedIPs     []string // CIDRs or addresses
	AllowedOrigins []string
	MaxKeyAge      time.Duration
	RotationPeriod time.Duration
	GracePeriod    time.Duration
	DailyQuota     int64
	MonthlyQuota   int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Scope is one entry of an organization's scope vocabulary (read:users).
type Scope struct {
	ID          ID
	OrgID       ID
	Name        string
	Description string
	Parent      string
	CreatedAt   time.Time
}

// Rotation records one rotation of a key.
type Rotation struct {
	ID        ID
	OrgID     ID
	KeyID     ID // the rotated (old) key
	NewKeyID  ID
	Reason    string
	GraceTTL  time.Duration
	GraceEnds time.Time
	RotatedBy ID
	CreatedAt time.Time
}

// UsageRecord is one validation of a key.
type UsageRecord struct {
	ID         ID
	OrgID      ID
	KeyID      ID
	Valid      bool
	Code       string // the failure code; "" when valid
	StatusCode int
	IP         string
	Origin     string
	Endpoint   string
	Method     string
	UserAgent  string
	Latency    time.Duration
	CreatedAt  time.Time
}

// UsageFilter selects usage records. From is inclusive, To exclusive.
type UsageFilter struct {
	OrgID    ID
	KeyID    ID // "": every key of the organization
	From, To *time.Time
	Page     Page
}

// WebhookDelivery is one attempt to deliver an event to a webhook URL.
// Attempts of one event share MessageID (the webhook-id header).
type WebhookDelivery struct {
	ID             ID
	OrgID          ID
	MessageID      string
	KeyID          ID
	Event          string
	URL            string
	Attempt        int
	Status         string // succeeded | failed
	ResponseStatus int
	Error          string
	CreatedAt      time.Time
}

// KeyTx stores API keys.
type KeyTx interface {
	// CreateKey returns ECONFLICT on a duplicate hash.
	CreateKey(ctx context.Context, k *Key) error
	// Key returns ENOTFOUND.
	Key(ctx context.Context, orgID, id ID) (*Key, error)
	// KeyForUpdate is Key, locking the row until the transaction ends.
	KeyForUpdate(ctx context.Context, orgID, id ID) (*Key, error)
	// KeyByHash looks a presented key up across organizations; ENOTFOUND.
	KeyByHash(ctx context.Context, hash [32]byte) (*Key, error)
	// Keys lists keys matching f, newest first, with the total.
	Keys(ctx context.Context, f KeyFilter) ([]*Key, int, error)
	// UpdateKey writes every mutable field of k (not LastUsedAt); ENOTFOUND.
	UpdateKey(ctx context.Context, k *Key) error
	// TouchKey moves last_used_at forward to t (never back).
	TouchKey(ctx context.Context, orgID, id ID, t time.Time) error
	// CountKeysWithPolicy counts the keys referencing a policy.
	CountKeysWithPolicy(ctx context.Context, orgID, policyID ID) (int, error)
	// DueRotations lists active keys of orgID whose next_rotation_at ≤ now.
	DueRotations(ctx context.Context, orgID ID, now time.Time, limit int) ([]*Key, error)
	// ClaimRotation moves a due key's next_rotation_at from due to until,
	// and reports whether this caller did it: of several schedulers racing
	// for one key, exactly one wins.
	ClaimRotation(ctx context.Context, orgID, id ID, due, until time.Time) (bool, error)
	// WebhookSecretsNotUnder lists, across organizations, the keys whose
	// rotation-webhook secret is sealed under a master key other than
	// masterKeyID (master key rotation).
	WebhookSecretsNotUnder(ctx context.Context, masterKeyID string) ([]KeyRef, error)
	// UpdateWebhookSecret replaces a key's sealed webhook secret if it is
	// still sealed under oldMasterKeyID, and reports whether it was.
	UpdateWebhookSecret(ctx context.Context, ref KeyRef, sealed []byte, masterKeyID, oldMasterKeyID string) (bool, error)
	// KeyChangesSince lists, across organizations, the keys updated at or
	// after t, oldest first: the feed by which every node drops the cache
	// entries of keys another node changed. It carries no tenant data
	// beyond IDs and hashes and is not for serving requests.
	KeyChangesSince(ctx context.Context, t time.Time) ([]Change, error)
}

// Change is a record's update as the change feed sees it; Hash is set
// for keys only. Version counts the row's updates: two changes in one
// millisecond share UpdatedAt but not Version.
type Change struct {
	ID        ID
	Hash      [32]byte
	UpdatedAt time.Time
	Version   int64
}

// KeyRef names one key of one organization.
type KeyRef struct{ OrgID, ID ID }

// WebhookSecretAD is the associated data a key's rotation-webhook secret
// is sealed with (crypto.Keyring.Seal); the keys service seals and opens
// with it, master key rotation re-wraps with it.
const WebhookSecretAD = "api_key.rotation_webhook_secret"

// PolicyTx stores key policies.
type PolicyTx interface {
	CreatePolicy(ctx context.Context, p *Policy) error
	// Policy returns ENOTFOUND.
	Policy(ctx context.Context, orgID, id ID) (*Policy, error)
	Policies(ctx context.Context, orgID ID, p Page) ([]*Policy, int, error)
	// UpdatePolicy replaces a policy; ENOTFOUND.
	UpdatePolicy(ctx context.Context, p *Policy) error
	// DeletePolicy returns ENOTFOUND.
	DeletePolicy(ctx context.Context, orgID, id ID) error
	// PolicyChangesSince is KeyChangesSince for policies.
	PolicyChangesSince(ctx context.Context, t time.Time) ([]Change, error)
}

// ScopeTx stores the scope registry.
type ScopeTx interface {
	// CreateScope returns ECONFLICT when the name is taken.
	CreateScope(ctx context.Context, s *Scope) error
	// Scopes lists scopes, optionally only the children of parent.
	Scopes(ctx context.Context, orgID ID, parent string, p Page) ([]*Scope, int, error)
	// MissingScopes returns the names that are not in the registry.
	MissingScopes(ctx context.Context, orgID ID, names []string) ([]string, error)
	// DeleteScope returns ENOTFOUND.
	DeleteScope(ctx context.Context, orgID, id ID) error
}

// RotationTx stores rotation records.
type RotationTx interface {
	CreateRotation(ctx context.Context, r *Rotation) error
	Rotations(ctx context.Context, orgID, keyID ID, p Page) ([]*Rotation, int, error)
}

// UsageTx stores usage records.
type UsageTx interface {
	InsertUsage(ctx context.Context, recs []*UsageRecord) error
	// Usage lists records newest first, with the total.
	Usage(ctx context.Context, f UsageFilter) ([]*UsageRecord, int, error)
	// EachUsage calls fn for every record matching f (Page ignored), oldest first.
	EachUsage(ctx context.Context, f UsageFilter, fn func(*UsageRecord) error) error
}

// WebhookDeliveryTx stores webhook delivery attempts.
type WebhookDeliveryTx interface {
	CreateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// WebhookDeliveries lists attempts newest first; keyID "" for all.
	WebhookDeliveries(ctx context.Context, orgID, keyID ID, p Page) ([]*WebhookDelivery, int, error)
}
