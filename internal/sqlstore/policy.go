package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const policyCols = `id, org_id, name, description, rate_limit, rate_window_ms, burst, allowed_scopes, allowed_ips,
allowed_origins, max_key_age_ms, rotation_period_ms, grace_period_ms, daily_quota, monthly_quota, created_at, updated_at`

const policyNotFound = "Policy not found."

func anyMap(s string) map[string]any {
	var v map[string]any
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

func durMS(d time.Duration) int64 { return d.Milliseconds() }

func fromDurMS(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

func scanPolicy(s interface{ Scan(...any) error }) (*keyhouse.Policy, error) {
	var p keyhouse.Policy
	var window, age, rot, grace, created, updated int64
	var scopes, ips, origins string
	err := s.Scan(&p.ID, &p.OrgID, &p.Name, &p.Description, &p.RateLimit, &window, &p.Burst, &scopes, &ips, &origins,
		&age, &rot, &grace, &p.DailyQuota, &p.MonthlyQuota, &created, &updated)
	if err != nil {
		return nil, err
	}
	p.RateWindow, p.MaxKeyAge, p.RotationPeriod, p.GracePeriod = fromDurMS(window), fromDurMS(age), fromDurMS(rot), fromDurMS(grace)
	p.AllowedScopes, p.AllowedIPs, p.AllowedOrigins = strList(scopes), strList(ips), strList(origins)
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

func (t *tx) CreatePolicy(ctx context.Context, p *keyhouse.Policy) error {
	const q = `INSERT INTO key_policies (` + policyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, p.ID, p.OrgID, p.Name, p.Description, p.RateLimit, durMS(p.RateWindow), p.Burst,
		jsonText(listOrEmpty(p.AllowedScopes)), jsonText(listOrEmpty(p.AllowedIPs)), jsonText(listOrEmpty(p.AllowedOrigins)),
		durMS(p.MaxKeyAge), durMS(p.RotationPeriod), durMS(p.GracePeriod), p.DailyQuota, p.MonthlyQuota,
		ms(p.CreatedAt), ms(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create policy: %w", err)
	}
	return nil
}

func (t *tx) Policy(ctx context.Context, orgID, id keyhouse.ID) (*keyhouse.Policy, error) {
	const q = `SELECT ` + policyCols + ` FROM key_policies WHERE org_id = ? AND id = ?`
	p, err := scanPolicy(t.queryRowPrepared(ctx, q, orgID, id))
	return p, notFound(err, policyNotFound)
}

func (t *tx) Policies(ctx context.Context, orgID keyhouse.ID, pg keyhouse.Page) ([]*keyhouse.Policy, int, error) {
	const q = `SELECT ` + policyCols + `, COUNT(*) OVER () FROM key_policies WHERE org_id = ?
ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	l, o := limitOffset(pg)
	rows, err := t.query(ctx, q, orgID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanPolicy)
}

func (t *tx) UpdatePolicy(ctx context.Context, p *keyhouse.Policy) error {
	const q = `UPDATE key_policies SET name = ?, description = ?, rate_limit = ?, rate_window_ms = ?, burst = ?,
allowed_scopes = ?, allowed_ips = ?, allowed_origins = ?, max_key_age_ms = ?, rotation_period_ms = ?,
grace_period_ms = ?, daily_quota = ?, monthly_quota = ?, updated_at = ?, version = version + 1 WHERE org_id = ? AND id = ?`
	return t.execOne(ctx, policyNotFound, q, p.Name, p.Description, p.RateLimit, durMS(p.RateWindow), p.Burst,
		jsonText(listOrEmpty(p.AllowedScopes)), jsonText(listOrEmpty(p.AllowedIPs)), jsonText(listOrEmpty(p.AllowedOrigins)),
		durMS(p.MaxKeyAge), durMS(p.RotationPeriod), durMS(p.GracePeriod), p.DailyQuota, p.MonthlyQuota,
		ms(p.UpdatedAt), p.OrgID, p.ID)
}

func (t *tx) DeletePolicy(ctx context.Context, orgID, id keyhouse.ID) error {
	const q = `DELETE FROM key_policies WHERE org_id = ? AND id = ?`
	err := t.execOne(ctx, policyNotFound, q, orgID, id)
	if isForeignKey(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "The policy is assigned to keys.")
	}
	return err
}

func (t *tx) PolicyChangesSince(ctx context.Context, since time.Time) ([]keyhouse.Change, error) {
	const q = `SELECT id, updated_at, version FROM key_policies WHERE updated_at >= ? ORDER BY updated_at, id`
	rows, err := t.query(ctx, q, ms(since))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (keyhouse.Change, error) {
		var c keyhouse.Change
		var at int64
		err := s.Scan(&c.ID, &at, &c.Version)
		c.UpdatedAt = fromMS(at)
		return c, err
	})
}
