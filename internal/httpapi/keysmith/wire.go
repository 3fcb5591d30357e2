package keysmith

import (
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

type keyResponse struct {
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
	ExpiresAt       *string        `json:"expires_at,omitempty"`
	LastUsedAt      *string        `json:"last_used_at,omitempty"`
	RotatedAt       *string        `json:"rotated_at,omitempty"`
	RevokedAt       *string        `json:"revoked_at,omitempty"`
	ReplacedByKeyID string         `json:"replaced_by_key_id,omitempty"`
	GraceExpiresAt  *string        `json:"grace_expires_at,omitempty"`
	CreatedAt       string         `json:"created_at"`
	UpdatedAt       string         `json:"updated_at"`
}

func newKeyResponse(k *keyhouse.Key, now time.Time) keyResponse {
	return keyResponse{
		ID: k.ID, TenantID: k.OrgID, AppID: k.ProjectID, Name: k.Name, Description: k.Description, Prefix: k.Prefix,
		KeyPrefix: k.KeyPrefix, Hint: k.Hint, Environment: k.Environment, State: string(k.StateAt(now)), PolicyID: k.PolicyID,
		Scopes: k.Scopes, Metadata: k.Metadata, CreatedBy: k.CreatedBy, ExpiresAt: httpapi.TimePtr(k.ExpiresAt),
		LastUsedAt: httpapi.TimePtr(k.LastUsedAt), RotatedAt: httpapi.TimePtr(k.RotatedAt), RevokedAt: httpapi.TimePtr(k.RevokedAt),
		ReplacedByKeyID: k.ReplacedByKeyID, GraceExpiresAt: httpapi.TimePtr(k.GraceExpiresAt),
		CreatedAt: httpapi.Time(k.CreatedAt), UpdatedAt: httpapi.Time(k.UpdatedAt),
	}
}

type createKeyRequest struct {
	Name        string         `json:"name,omitempty"`
	Description string         `json:"description,omitempty"`
	Prefix      string         `json:"prefix,omitempty" doc:"first part of the key, default sk"`
	Environment string         `json:"environment,omitempty" doc:"live, test, staging…; default live"`
	PolicyID    string         `json:"policy_id,omitempty"`
	Scopes      []string       `json:"scopes,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	ExpiresAt   *time.Time     `json:"expires_at,omitempty"`
}

type keyWithRaw struct {
	Key    keyResponse `json:"key"`
	RawKey string      `json:"raw_key" doc:"the key itself, shown only in this answer"`
}

type rotateRequest struct {
	Reason      string `json:"reason,omitempty"`
	GracePeriod string `json:"grace_period,omitempty" doc:"how long the old key keeps working: Go duration (24h), 7d, or 0 for at once; default the policy's grace period, else 24h"`
}

type reasonRequest struct {
	Reason string `json:"reason,omitempty"`
}

type scopesRequest struct {
	Scopes []string `json:"scopes"`
}

type validateRequest struct {
	RawKey         string   `json:"raw_key"`
	IP             string   `json:"ip,omitempty" doc:"the address of the client calling your API"`
	Origin         string   `json:"origin,omitempty"`
	RequiredScopes []string `json:"required_scopes,omitempty"`
	Endpoint       string   `json:"endpoint,omitempty"`
	Method         string   `json:"method,omitempty"`
	UserAgent      string   `json:"user_agent,omitempty"`
}

type validateResponse struct {
	Valid     bool         `json:"valid"`
	Key       *keyResponse `json:"key,omitempty"`
	Scopes    []string     `json:"scopes,omitempty"`
	Limit     *int         `json:"limit,omitempty"`
	Remaining *int         `json:"remaining,omitempty"`
	Reset     *string      `json:"reset,omitempty"`
}

// validateFailure is an RFC 9457 problem that also carries valid and the
// failure code, so problem-reading and Keysmith-reading callers both parse it.
type validateFailure struct {
	httpapi.Problem
	Valid     bool    `json:"valid"`
	Limit     *int    `json:"limit,omitempty"`
	Remaining *int    `json:"remaining,omitempty"`
	Reset     *string `json:"reset,omitempty"`
}

type policyRequest struct {
	Name            string   `json:"name"`
	Description     string   `json:"description,omitempty"`
	RateLimit       int      `json:"rate_limit,omitempty"`
	RateWindow      string   `json:"rate_window,omitempty" doc:"alias of rate_limit_window"`
	RateLimitWindow string   `json:"rate_limit_window,omitempty"`
	BurstLimit      int      `json:"burst_limit,omitempty"`
	AllowedScopes   []string `json:"allowed_scopes,omitempty"`
	AllowedIPs      []string `json:"allowed_ips,omitempty"`
	AllowedOrigins  []string `json:"allowed_origins,omitempty"`
	MaxKeyAge       string   `json:"max_key_age,omitempty" doc:"alias of max_key_lifetime"`
	MaxKeyLifetime  string   `json:"max_key_lifetime,omitempty"`
	RotationPeriod  string   `json:"rotation_period,omitempty"`
	GracePeriod     string   `json:"grace_period,omitempty"`
	DailyQuota      int64    `json:"daily_quota,omitempty"`
	MonthlyQuota    int64    `json:"monthly_quota,omitempty"`
}

func (p policyRequest) params() (keys.PolicyParams, error) {
	out := keys.PolicyParams{Name: p.Name, Description: p.Description, RateLimit: p.RateLimit, Burst: p.BurstLimit,
		AllowedScopes: p.AllowedScopes, AllowedIPs: p.AllowedIPs, AllowedOrigins: p.AllowedOrigins,
		DailyQuota: p.DailyQuota, MonthlyQuota: p.MonthlyQuota}
	var err error
	window := p.RateLimitWindow
	if window == "" {
		window = p.RateWindow
	}
	age := p.MaxKeyLifetime
	if age == "" {
		age = p.MaxKeyAge
	}
	for _, f := range []struct {
		name string
		v    string
		dst  *time.Duration
	}{{"rate_limit_window", window, &out.RateWindow}, {"max_key_lifetime", age, &out.MaxKeyAge},
		{"rotation_period", p.RotationPeriod, &out.RotationPeriod}, {"grace_period", p.GracePeriod, &out.GracePeriod}} {
		if *f.dst, err = ParseDuration(f.name, f.v); err != nil {
			return out, err
		}
	}
	return out, nil
}

// policyResponse carries the seed's names (rate_window, max_key_age) and,
// with the same values, the names Keysmith's code reads (SPEC §2).
type policyResponse struct {
	ID              string   `json:"id"`
	TenantID        string   `json:"tenant_id"`
	AppID           string   `json:"app_id"`
	Name            string   `json:"name"`
	Description     string   `json:"description,omitempty"`
	RateLimit       int      `json:"rate_limit"`
	RateWindow      string   `json:"rate_window"`
	RateLimitWindow string   `json:"rate_limit_window"`
	BurstLimit      int      `json:"burst_limit"`
	AllowedScopes   []string `json:"allowed_scopes,omitempty"`
	AllowedIPs      []string `json:"allowed_ips,omitempty"`
	AllowedOrigins  []string `json:"allowed_origins,omitempty"`
	MaxKeyAge       string   `json:"max_key_age,omitempty"`
	MaxKeyLifetime  string   `json:"max_key_lifetime,omitempty"`
	RotationPeriod  string   `json:"rotation_period,omitempty"`
	GracePeriod     string   `json:"grace_period"`
	DailyQuota      int64    `json:"daily_quota"`
	MonthlyQuota    int64    `json:"monthly_quota"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
}

func optDur(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func newPolicyResponse(p *keyhouse.Policy) policyResponse {
	return policyResponse{ID: p.ID, TenantID: p.OrgID, Name: p.Name, Description: p.Description, RateLimit: p.RateLimit,
		RateWindow: p.RateWindow.String(), RateLimitWindow: p.RateWindow.String(), BurstLimit: p.Burst, AllowedScopes: p.AllowedScopes, AllowedIPs: p.AllowedIPs,
		AllowedOrigins: p.AllowedOrigins, MaxKeyAge: optDur(p.MaxKeyAge), MaxKeyLifetime: optDur(p.MaxKeyAge), RotationPeriod: optDur(p.RotationPeriod),
		GracePeriod: p.GracePeriod.String(), DailyQuota: p.DailyQuota, MonthlyQuota: p.MonthlyQuota,
		CreatedAt: httpapi.Time(p.CreatedAt), UpdatedAt: httpapi.Time(p.UpdatedAt)}
}

type scopeRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Parent      string `json:"parent,omitempty"`
}

type scopeResponse struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenant_id"`
	AppID       string `json:"app_id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Parent      string `json:"parent,omitempty"`
	CreatedAt   string `json:"created_at"`
}

func newScopeResponse(s *keyhouse.Scope) scopeResponse {
	return scopeResponse{ID: s.ID, TenantID: s.OrgID, Name: s.Name, Description: s.Description, Parent: s.Parent, CreatedAt: httpapi.Time(s.CreatedAt)}
}

type usageResponse struct {
	ID         string `json:"id"`
	KeyID      string `json:"key_id"`
	TenantID   string `json:"tenant_id"`
	Valid      bool   `json:"valid"`
	Code       string `json:"code,omitempty"`
	Endpoint   string `json:"endpoint"`
	Method     string `json:"method"`
	StatusCode int    `json:"status_code"`
	IPAddress  string `json:"ip_address,omitempty"`
	Origin     string `json:"origin,omitempty"`
	UserAgent  string `json:"user_agent,omitempty"`
	LatencyMS  int64  `json:"latency_ms"`
	LatencyUS  int64  `json:"latency_us"`
	CreatedAt  string `json:"created_at"`
}

func newUsageResponse(u *keyhouse.UsageRecord) usageResponse {
	return usageResponse{ID: u.ID, KeyID: u.KeyID, TenantID: u.OrgID, Valid: u.Valid, Code: u.Code, Endpoint: u.Endpoint,
		Method: u.Method, StatusCode: u.StatusCode, IPAddress: u.IP, Origin: u.Origin, UserAgent: u.UserAgent,
		LatencyMS: u.Latency.Milliseconds(), LatencyUS: u.Latency.Microseconds(), CreatedAt: httpapi.Time(u.CreatedAt)}
}

type aggregateResponse struct {
	KeyID          string `json:"key_id"`
	TenantID       string `json:"tenant_id"`
	Period         string `json:"period"`
	PeriodStart    string `json:"period_start"`
	RequestCount   int64  `json:"request_count"`
	ErrorCount     int64  `json:"error_count"`
	TotalLatencyMS int64  `json:"total_latency_ms" doc:"the sum of the records' latency_ms"`
	TotalLatencyUS int64  `json:"total_latency_us" doc:"the sum of the records' latency_us"`
	P50LatencyMS   int64  `json:"p50_latency_ms"`
	P99LatencyMS   int64  `json:"p99_latency_ms"`
}

func newAggregates(org string, bs []keys.Bucket) []aggregateResponse {
	out := make([]aggregateResponse, 0, len(bs))
	for _, b := range bs {
		out = append(out, aggregateResponse{KeyID: b.KeyID, TenantID: org, Period: string(b.Period), PeriodStart: httpapi.Time(b.Start),
			RequestCount: b.Requests, ErrorCount: b.Errors, TotalLatencyMS: b.TotalLatencyMS, TotalLatencyUS: b.TotalLatency.Microseconds(),
			P50LatencyMS: b.P50.Milliseconds(), P99LatencyMS: b.P99.Milliseconds()})
	}
	return out
}

type rotationResponse struct {
	ID        string `json:"id"`
	KeyID     string `json:"key_id"`
	NewKeyID  string `json:"new_key_id"`
	TenantID  string `json:"tenant_id"`
	Reason    string `json:"reason"`
	GraceTTL  string `json:"grace_ttl"`
	GraceEnds string `json:"grace_ends"`
	RotatedBy string `json:"rotated_by,omitempty"`
	CreatedAt string `json:"created_at"`
}

func newRotationResponse(r *keyhouse.Rotation) rotationResponse {
	return rotationResponse{ID: r.ID, KeyID: r.KeyID, NewKeyID: r.NewKeyID, TenantID: r.OrgID, Reason: r.Reason,
		GraceTTL: r.GraceTTL.String(), GraceEnds: httpapi.Time(r.GraceEnds), RotatedBy: r.RotatedBy, CreatedAt: httpapi.Time(r.CreatedAt)}
}
