package keys

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/apikey"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// FailureCode names the validation check that failed. The values are
// stable: callers branch on them (docs/keys.md lists them).
type FailureCode string

// Failure codes, in the order the checks run (SPEC §4).
const (
	CodeMalformed        FailureCode = "malformed"          // 401: bad format or checksum; storage not touched
	CodeUnknown          FailureCode = "unknown"            // 401: no such key in the caller's organization
	CodeSuspended        FailureCode = "suspended"          // 403
	CodeRevoked          FailureCode = "revoked"            // 403
	CodeExpired          FailureCode = "expired"            // 403: expires_at has passed
	CodeGraceExpired     FailureCode = "rotated"            // 403: rotated and grace_expires_at has passed
	CodeTooOld           FailureCode = "max_key_age"        // 403: older than the policy's max_key_age
	CodeIPNotAllowed     FailureCode = "ip_not_allowed"     // 403
	CodeOriginNotAllowed FailureCode = "origin_not_allowed" // 403
	CodeMissingScope     FailureCode = "missing_scope"      // 403
	CodeRateLimited      FailureCode = "rate_limited"       // 429, with Retry-After
)

var failureMessages = map[FailureCode]string{
	CodeMalformed:        "The key is malformed.",
	CodeUnknown:          "The key is not valid.",
	CodeSuspended:        "The key is suspended.",
	CodeRevoked:          "The key has been revoked.",
	CodeExpired:          "The key has expired.",
	CodeGraceExpired:     "The key was rotated and its grace period has ended.",
	CodeTooOld:           "The key is older than its policy's maximum key age.",
	CodeIPNotAllowed:     "The caller's IP address is not allowed for this key.",
	CodeOriginNotAllowed: "The caller's origin is not allowed for this key.",
	CodeMissingScope:     "The key lacks a required scope.",
	CodeRateLimited:      "The key's rate limit is exceeded.",
}

// Status is the HTTP status Keysmith answers for a failure code.
func (c FailureCode) Status() int {
	switch c {
	case "":
		return http.StatusOK
	case CodeMalformed, CodeUnknown:
		return http.StatusUnauthorized
	case CodeRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusForbidden
}

// Message is the human text for the code.
func (c FailureCode) Message() string { return failureMessages[c] }

// ValidateParams is a validation request. IP is the address of the caller
// of the customer's API, as the customer's server saw it.
type ValidateParams struct {
	RawKey         string
	IP             string
	Origin         string
	RequiredScopes []string
	Endpoint       string
	Method         string
	UserAgent      string
}

// Result is a validation's answer: a value, not an error, for every
// outcome of the checks. Key is set once the key is known (also on
// failures after the lookup; surfaces show it only when Valid).
type Result struct {
	Valid bool
	Code  FailureCode
	Key   *keyhouse.Key
	// RateLimited reports whether the key's policy has a rate limit; then
	// Limit, Remaining and Reset describe it.
	RateLimited bool
	Limit       int
	Remaining   int
	Reset       time.Time
	RetryAfter  int // seconds, on CodeRateLimited
}

// Validate checks a presented key. The error is only for the caller's own
// authorization and for storage failures; an invalid key is a Result.
func (s *Service) Validate(ctx context.Context, p ValidateParams) (Result, error) {
	start := time.Now()
	pr, err := canVerify(ctx)
	if err != nil {
		return Result{}, err
	}
	res, err := s.check(ctx, pr.OrgID, &p)
	if err != nil {
		return Result{}, err
	}
	rec := usageItem{
		orgID: pr.OrgID, valid: res.Valid, code: string(res.Code), status: res.Code.Status(),
		ip: p.IP, origin: p.Origin, endpoint: p.Endpoint, method: p.Method, userAgent: p.UserAgent,
		at: s.clock.Now(), latency: time.Since(start),
	}
	if res.Key != nil {
		rec.keyID = res.Key.ID
	}
	s.usage.add(rec)
	return res, nil
}

func (s *Service) check(ctx context.Context, orgID keyhouse.ID, p *ValidateParams) (Result, error) {
	if len(p.RawKey) > 256 {
		return Result{Code: CodeMalformed}, nil
	}
	if _, err := apikey.Parse(p.RawKey); err != nil {
		return Result{Code: CodeMalformed}, nil
	}
	// Unknown and known keys take the same path from here: hash, cache
	// (unknown hashes are cached too), then one database read on a miss.
	h, _ := s.hasher.Hash(p.RawKey)
	e, err := s.lookup(ctx, h, p.RawKey)
	if err != nil {
		return Result{}, err
	}
	k := e.key
	if k == nil || k.OrgID != orgID {
		return Result{Code: CodeUnknown}, nil
	}
	// The lookup matched on the hash; comparing again in constant time
	// costs nothing and keeps the comparison independent of the index.
	want := k.Hash
	got := h
	if k.PepperVersion != s.hasher.CurrentVersion() {
		got, _ = s.hasher.HashWith(k.PepperVersion, p.RawKey)
	}
	if !crypto.Equal(got[:], want[:]) {
		return Result{Code: CodeUnknown}, nil
	}
	now := s.clock.Now()
	res := Result{Key: k}
	fail := func(c FailureCode) (Result, error) { res.Code = c; return res, nil }
	switch k.State {
	case keyhouse.KeySuspended:
		return fail(CodeSuspended)
	case keyhouse.KeyRevoked:
		return fail(CodeRevoked)
	case keyhouse.KeyExpired:
		return fail(CodeExpired)
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return fail(CodeExpired)
	}
	if k.State == keyhouse.KeyRotated && (k.GraceExpiresAt == nil || !now.Before(*k.GraceExpiresAt)) {
		return fail(CodeGraceExpired)
	}
	if pol := e.policy; pol != nil {
		if pol.MaxKeyAge > 0 && now.Sub(k.CreatedAt) >= pol.MaxKeyAge {
			return fail(CodeTooOld)
		}
		if len(pol.AllowedIPs) > 0 && !ipAllowed(e.ips, p.IP) {
			return fail(CodeIPNotAllowed)
		}
		if len(pol.AllowedOrigins) > 0 && !originAllowed(e.origins, p.Origin) {
			return fail(CodeOriginNotAllowed)
		}
	}
	for _, sc := range p.RequiredScopes {
		if !slices.Contains(k.Scopes, sc) {
			return fail(CodeMissingScope)
		}
	}
	if pol := e.policy; pol != nil && pol.RateLimit > 0 {
		d := s.limiter.Allow(k.ID, pol.UpdatedAt.UnixMilli(), Limit{Rate: pol.RateLimit, Window: pol.RateWindow, Burst: pol.Burst}, now)
		res.RateLimited, res.Limit, res.Remaining, res.Reset = true, d.Limit, d.Remaining, d.Reset
		if !d.Allowed {
			res.RetryAfter = max(1, int((d.RetryAfter+time.Second-1)/time.Second))
			return fail(CodeRateLimited)
		}
	}
	res.Valid = true
	return res, nil
}

// lookup returns the cached entry for h, loading it on a miss.
func (s *Service) lookup(ctx context.Context, h [32]byte, raw string) (*entry, error) {
	if e, ok := s.cache.Get(h); ok {
		return e, nil
	}
	return s.cache.Load(ctx, h, func(ctx context.Context) (*entry, bool, error) {
		e, err := s.load(ctx, h, raw)
		// A key found under an older pepper is not cached: mutations drop
		// the entry under the key's stored hash, not under h.
		return e, err == nil && (e.key == nil || e.key.Hash == h), err
	})
}

// load reads the entry of h from the database: the key, or the fact that
// no key has this hash, with its policy.
func (s *Service) load(ctx context.Context, h [32]byte, raw string) (*entry, error) {
	var e *entry
	err := s.store.View(ctx, func(tx keyhouse.Tx) error {
		k, err := tx.KeyByHash(ctx, h)
		if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
			// Keys hashed under an older pepper are still found.
			for _, v := range s.hasher.Versions()[1:] {
				hv, _ := s.hasher.HashWith(v, raw)
				if k, err = tx.KeyByHash(ctx, hv); keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
					break
				}
			}
		}
		switch {
		case keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND:
			k = nil
		case err != nil:
			return err
		}
		// Every miss reads one policy, the key's or none, so an unknown
		// key costs what a known one does and timing tells them apart no
		// better than the answer does.
		orgID, policyID := "", noPolicy
		if k != nil && k.PolicyID != "" {
			orgID, policyID = k.OrgID, k.PolicyID
		}
		pol, err := tx.Policy(ctx, orgID, policyID)
		if policyID == noPolicy && keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
			pol, err = nil, nil
		}
		switch {
		case err != nil:
			return err
		case k == nil:
			e = &entry{}
		default:
			e = newEntry(k, pol)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// noPolicy is a well-formed policy ID no row has.
const noPolicy = "kpol_00000000000000000000000000"
