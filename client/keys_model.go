package client

import "time"

// Key is an API key issued to a customer (Keysmith surface).
type Key struct {
	ID              string         `json:"id"`
	TenantID        string         `json:"tenant_id"`
	AppID           string         `json:"app_id"`
	Name            string         `json:"name"`
	Description     string         `json:"description,omitempty"`
	Prefix          string         `json:"prefix"`
	KeyPrefix       string         `json:"key_prefix"`
	Hint            string         `json:"hint"`
	Environment     string         `json:"environment"`
	State           string         `json:"state"`
	PolicyID        string         `json:"policy_id,omitempty"`
	Scopes          []string       `json:"scopes,omitempty"`
	Metadata        map[string]any `json:"metadata,omitempty"`
	CreatedBy       string         `json:"created_by,omitempty"`
	ExpiresAt       *time.Time     `json:"expires_at,omitempty"`
	LastUsedAt      *time.Time     `json:"last_used_at,omitempty"`
	RotatedAt       *time.Time     `json:"rotated_at,omitempty"`
	RevokedAt       *time.Time     `json:"revoked_at,omitempty"`
	ReplacedByKeyID string         `json:"replaced_by_key_id,omitempty"`
	GraceExpiresAt  *time.Time     `json:"grace_expires_at,omitempty"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// CreateKeyRequest describes a new key.
type CreateKeyRequest struct {
	Name        string         `json:"name,omitempty"`
	Description string         `json:"description,omitempty"`
	Prefix      string         `json:"prefix,omitempty"`
	Environment string         `json:"environment,omitempty"`
	PolicyID    string         `json:"policy_id,omitempty"`
	Scopes      []string       `json:"scopes,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	ExpiresAt   *time.Time     `json:"expires_at,omitempty"`
}

// KeyWithRaw is a created or rotated key with its raw value, shown once.
type KeyWithRaw struct {
	Key    Key    `json:"key"`
	RawKey string `json:"raw_key"`
}

// ValidateRequest asks whether a presented key is valid.
type ValidateRequest struct {
	RawKey         string   `json:"raw_key"`
	IP             string   `json:"ip,omitempty"`
	Origin         string   `json:"origin,omitempty"`
	RequiredScopes []string `json:"required_scopes,omitempty"`
	Endpoint       string   `json:"endpoint,omitempty"`
	Method         string   `json:"method,omitempty"`
	UserAgent      string   `json:"user_agent,omitempty"`
}

// ValidateResult is validate's answer. On failure Code names the check.
type ValidateResult struct {
	Valid     bool     `json:"valid"`
	Code      string   `json:"code,omitempty"`
	Detail    string   `json:"detail,omitempty"`
	Status    int      `json:"status,omitempty"`
	Key       *Key     `json:"key,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	Limit     *int     `json:"limit,omitempty"`
	Remaining *int     `json:"remaining,omitempty"`
	Reset     *string  `json:"reset,omitempty"`
}

// Policy is a key policy.
type Policy struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Description     string    `json:"description,omitempty"`
	RateLimit       int       `json:"rate_limit"`
	RateLimitWindow string    `json:"rate_limit_window"`
	BurstLimit      int       `json:"burst_limit"`
	AllowedScopes   []string  `json:"allowed_scopes,omitempty"`
	AllowedIPs      []string  `json:"allowed_ips,omitempty"`
	AllowedOrigins  []string  `json:"allowed_origins,omitempty"`
	MaxKeyLifetime  string    `json:"max_key_lifetime,omitempty"`
	RotationPeriod  string    `json:"rotation_period,omitempty"`
	GracePeriod     string    `json:"grace_period"`
	DailyQuota      int64     `json:"daily_quota"`
	MonthlyQuota    int64     `json:"monthly_quota"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// PolicyRequest creates or replaces a policy. Durations are Go durations
// or Nd / Nw.
type PolicyRequest struct {
	Name            string   `json:"name"`
	Description     string   `json:"description,omitempty"`
	RateLimit       int      `json:"rate_limit,omitempty"`
	RateLimitWindow string   `json:"rate_limit_window,omitempty"`
	BurstLimit      int      `json:"burst_limit,omitempty"`
	AllowedScopes   []string `json:"allowed_scopes,omitempty"`
	AllowedIPs      []string `json:"allowed_ips,omitempty"`
	AllowedOrigins  []string `json:"allowed_origins,omitempty"`
	MaxKeyLifetime  string   `json:"max_key_lifetime,omitempty"`
	RotationPeriod  string   `json:"rotation_period,omitempty"`
	GracePeriod     string   `json:"grace_period,omitempty"`
	DailyQuota      int64    `json:"daily_quota,omitempty"`
	MonthlyQuota    int64    `json:"monthly_quota,omitempty"`
}

// Request is the policy as a PolicyRequest, for a read-modify-replace.
func (p *Policy) Request() PolicyRequest {
	return PolicyRequest{Name: p.Name, Description: p.Description, RateLimit: p.RateLimit, RateLimitWindow: p.RateLimitWindow,
		BurstLimit: p.BurstLimit, AllowedScopes: p.AllowedScopes, AllowedIPs: p.AllowedIPs, AllowedOrigins: p.AllowedOrigins,
		MaxKeyLifetime: p.MaxKeyLifetime, RotationPeriod: p.RotationPeriod, GracePeriod: p.GracePeriod,
		DailyQuota: p.DailyQuota, MonthlyQuota: p.MonthlyQuota}
}

// Scope is a registered scope.
type Scope struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Parent      string    `json:"parent,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// UsageBucket is a key's (or the organization's) usage in one period.
type UsageBucket struct {
	KeyID          string    `json:"key_id"`
	Period         string    `json:"period"`
	PeriodStart    time.Time `json:"period_start"`
	RequestCount   int64     `json:"request_count"`
	ErrorCount     int64     `json:"error_count"`
	TotalLatencyMS int64     `json:"total_latency_ms"`
	P50LatencyMS   int64     `json:"p50_latency_ms"`
	P99LatencyMS   int64     `json:"p99_latency_ms"`
}
