package keys

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const policyNotFound = "Policy not found."

func jsonSize(v any) []byte {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

// PolicyParams are a policy's fields (a full replacement on update).
type PolicyParams struct {
	Name           string
	Description    string
	RateLimit      int
	RateWindow     time.Duration
	Burst          int
	AllowedScopes  []string
	AllowedIPs     []string
	AllowedOrigins []string
	MaxKeyAge      time.Duration
	RotationPeriod time.Duration
	GracePeriod    time.Duration
	DailyQuota     int64
	MonthlyQuota   int64
}

func (p *PolicyParams) check() error {
	switch {
	case p.Name == "" || len(p.Name) > maxName || !utf8.ValidString(p.Name):
		return invalid("name", "invalid", "is required, at most 255 bytes")
	case len(p.Description) > maxDescription:
		return invalid("description", "too_long", "must be at most 1000 bytes")
	case p.RateLimit < 0:
		return invalid("rate_limit", "out_of_range", "must not be negative")
	case p.Burst < 0:
		return invalid("burst_limit", "out_of_range", "must not be negative")
	case p.RateWindow < 0 || p.MaxKeyAge < 0 || p.RotationPeriod < 0 || p.GracePeriod < 0:
		return invalid("duration", "out_of_range", "durations must not be negative")
	case p.DailyQuota < 0 || p.MonthlyQuota < 0:
		return invalid("quota", "out_of_range", "quotas must not be negative")
	case len(p.AllowedIPs) > 1000 || len(p.AllowedOrigins) > 1000:
		return invalid("allowed_ips", "too_many", "at most 1000 entries")
	}
	if p.RateLimit > 0 && p.RateWindow == 0 {
		p.RateWindow = time.Minute
	}
	for _, ip := range p.AllowedIPs {
		if !ValidCIDR(ip) {
			return invalid("allowed_ips", "invalid_cidr", "must hold CIDRs or IP addresses: "+ip)
		}
	}
	for _, o := range p.AllowedOrigins {
		if o == "" || len(o) > 2048 {
			return invalid("allowed_origins", "invalid", "must hold non-empty origins")
		}
	}
	return validateScopeNames(p.AllowedScopes)
}

func (p *PolicyParams) apply(pol *keyhouse.Policy) {
	pol.Name, pol.Description = p.Name, p.Description
	pol.RateLimit, pol.RateWindow, pol.Burst = p.RateLimit, p.RateWindow, p.Burst
	pol.AllowedScopes, pol.AllowedIPs, pol.AllowedOrigins = p.AllowedScopes, p.AllowedIPs, p.AllowedOrigins
	pol.MaxKeyAge, pol.RotationPeriod, pol.GracePeriod = p.MaxKeyAge, p.RotationPeriod, p.GracePeriod
	pol.DailyQuota, pol.MonthlyQuota = p.DailyQuota, p.MonthlyQuota
}

// CreatePolicy creates a policy.
func (s *Service) CreatePolicy(ctx context.Context, p PolicyParams) (*keyhouse.Policy, error) {
	pr, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	pol := &keyhouse.Policy{ID: ids.New(keyhouse.PrefixPolicy), OrgID: pr.OrgID}
	p.apply(pol)
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		pol.CreatedAt, pol.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreatePolicy(ctx, pol); err != nil {
			return err
		}
		return audit.Record(ctx, tx, pr.OrgID, audit.Entry{Action: "key_policy.created", ResourceType: "key_policy", ResourceID: pol.ID, Metadata: map[string]string{"name": pol.Name}})
	})
	if err != nil {
		return nil, err
	}
	return pol, nil
}

// Policy returns a policy.
func (s *Service) Policy(ctx context.Context, id keyhouse.ID) (*keyhouse.Policy, error) {
	pr, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixPolicy, policyNotFound); err != nil {
		return nil, err
	}
	var pol *keyhouse.Policy
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		pol, err = tx.Policy(ctx, pr.OrgID, id)
		return err
	})
	return pol, err
}

// Policies lists policies.
func (s *Service) Policies(ctx context.Context, page keyhouse.Page) ([]*keyhouse.Policy, error) {
	pr, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	var list []*keyhouse.Policy
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		list, _, err = tx.Policies(ctx, pr.OrgID, page)
		return err
	})
	return list, err
}

// UpdatePolicy replaces a policy's fields. Every cached key record is
// dropped before it returns: keys using the policy see the change at once.
func (s *Service) UpdatePolicy(ctx context.Context, id keyhouse.ID, p PolicyParams) (*keyhouse.Policy, error) {
	pr, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixPolicy, policyNotFound); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	var pol *keyhouse.Policy
	err = s.store.Update(ctx, func(tx keyhouse.Tx) (err error) {
		if pol, err = tx.Policy(ctx, pr.OrgID, id); err != nil {
			return err
		}
		p.apply(pol)
		// UpdatedAt versions the rate-limit buckets; it must move.
		pol.UpdatedAt = tx.Now()
		if err := tx.UpdatePolicy(ctx, pol); err != nil {
			return err
		}
		return audit.Record(ctx, tx, pr.OrgID, audit.Entry{Action: "key_policy.updated", ResourceType: "key_policy", ResourceID: id})
	})
	s.cache.InvalidateAll()
	if err != nil {
		return nil, err
	}
	return pol, nil
}

// DeletePolicy deletes a policy no key references (else ECONFLICT).
func (s *Service) DeletePolicy(ctx context.Context, id keyhouse.ID) error {
	pr, err := canWrite(ctx)
	if err != nil {
		return err
	}
	if err := ids.Check(id, keyhouse.PrefixPolicy, policyNotFound); err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		if _, err := tx.Policy(ctx, pr.OrgID, id); err != nil {
			return err
		}
		n, err := tx.CountKeysWithPolicy(ctx, pr.OrgID, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return keyhouse.Errorf(keyhouse.ECONFLICT, "The policy is assigned to keys.")
		}
		if err := tx.DeletePolicy(ctx, pr.OrgID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, pr.OrgID, audit.Entry{Action: "key_policy.deleted", ResourceType: "key_policy", ResourceID: id})
	})
	s.cache.InvalidateAll()
	return err
}
