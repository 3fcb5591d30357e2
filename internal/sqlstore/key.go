package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const keyCols = `id, org_id, project_id, environment_id, name, description, prefix, environment, key_prefix, hint,
hash, pepper_version, state, scopes, policy_id, metadata, created_by, created_at, updated_at, expires_at,
last_used_at, rotated_at, revoked_at, revoke_reason, replaced_by_key_id, grace_expires_at,
rotation_interval_days, next_rotation_at, rotation_webhook_url, webhook_secret, webhook_secret_key_id, pending_successor_id`

const keyNotFound = "Key not found."

func scanKey(s interface{ Scan(...any) error }) (*keyhouse.Key, error) {
	var k keyhouse.Key
	var envID, policyID sql.NullString
	var h, secret []byte
	var state, scopes, meta string
	var created, updated int64
	var expires, used, rotated, revoked, grace, next sql.NullInt64
	err := s.Scan(&k.ID, &k.OrgID, &k.ProjectID, &envID, &k.Name, &k.Description, &k.Prefix, &k.Environment,
		&k.KeyPrefix, &k.Hint, &h, &k.PepperVersion, &state, &scopes, &policyID, &meta, &k.CreatedBy, &created,
		&updated, &expires, &used, &rotated, &revoked, &k.RevokeReason, &k.ReplacedByKeyID, &grace,
		&k.RotationIntervalDays, &next, &k.RotationWebhookURL, &secret, &k.WebhookSecretKeyID, &k.PendingSuccessorID)
	if err != nil {
		return nil, err
	}
	k.EnvironmentID, k.PolicyID = envID.String, policyID.String
	k.Hash, k.State, k.Scopes = toHash(h), keyhouse.KeyState(state), strList(scopes)
	k.Metadata = anyMap(meta)
	k.WebhookSecretSealed = secret
	k.CreatedAt, k.UpdatedAt = fromMS(created), fromMS(updated)
	k.ExpiresAt, k.LastUsedAt, k.RotatedAt = fromNullMS(expires), fromNullMS(used), fromNullMS(rotated)
	k.RevokedAt, k.GraceExpiresAt, k.NextRotationAt = fromNullMS(revoked), fromNullMS(grace), fromNullMS(next)
	return &k, nil
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func listOrEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func (t *tx) CreateKey(ctx context.Context, k *keyhouse.Key) error {
	const q = `INSERT INTO api_keys (` + keyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	meta := k.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	_, err := t.exec(ctx, q, k.ID, k.OrgID, k.ProjectID, nullStr(k.EnvironmentID), k.Name, k.Description, k.Prefix,
		k.Environment, k.KeyPrefix, k.Hint, hashBytes(k.Hash), k.PepperVersion, string(k.State),
		jsonText(listOrEmpty(k.Scopes)), nullStr(k.PolicyID), jsonText(meta), k.CreatedBy, ms(k.CreatedAt),
		ms(k.UpdatedAt), nullMS(k.ExpiresAt), nullMS(k.LastUsedAt), nullMS(k.RotatedAt), nullMS(k.RevokedAt),
		k.RevokeReason, k.ReplacedByKeyID, nullMS(k.GraceExpiresAt), k.RotationIntervalDays, nullMS(k.NextRotationAt),
		k.RotationWebhookURL, k.WebhookSecretSealed, k.WebhookSecretKeyID, k.PendingSuccessorID)
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "The key already exists.")
	}
	if isForeignKey(err) {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, "The key's project, environment or policy was not found.")
	}
	if err != nil {
		return fmt.Errorf("create key: %w", err)
	}
	return nil
}

func (t *tx) Key(ctx context.Context, orgID, id keyhouse.ID) (*keyhouse.Key, error) {
	const q = `SELECT ` + keyCols + ` FROM api_keys WHERE org_id = ? AND id = ?`
	k, err := scanKey(t.queryRow(ctx, q, orgID, id))
	return k, notFound(err, keyNotFound)
}

func (t *tx) KeyForUpdate(ctx context.Context, orgID, id keyhouse.ID) (*keyhouse.Key, error) {
	q := `SELECT ` + keyCols + ` FROM api_keys WHERE org_id = ? AND id = ?` + t.d.forUpdate
	k, err := scanKey(t.queryRow(ctx, q, orgID, id))
	return k, notFound(err, keyNotFound)
}

// KeyByHash is the one query not scoped by organization: a presented key
// names its organization only through its hash.
func (t *tx) KeyByHash(ctx context.Context, hash [32]byte) (*keyhouse.Key, error) {
	const q = `SELECT ` + keyCols + ` FROM api_keys WHERE hash = ?`
	k, err := scanKey(t.queryRowPrepared(ctx, q, hashBytes(hash)))
	return k, notFound(err, keyNotFound)
}

func (t *tx) Keys(ctx context.Context, f keyhouse.KeyFilter) ([]*keyhouse.Key, int, error) {
	var where strings.Builder
	args := []any{f.OrgID}
	where.WriteString(`org_id = ?`)
	add := func(cond string, vals ...any) {
		where.WriteString(" AND " + cond)
		args = append(args, vals...)
	}
	if f.ProjectID != "" {
		add(`project_id = ?`, f.ProjectID)
	}
	if f.Environment != "" {
		add(`environment = ?`, f.Environment)
	}
	if f.PolicyID != "" {
		add(`policy_id = ?`, f.PolicyID)
	}
	switch f.State {
	case "":
	case keyhouse.KeyExpired:
		add(`state = 'active' AND expires_at IS NOT NULL AND expires_at <= ?`, ms(f.Now))
	case keyhouse.KeyActive:
		add(`state = 'active' AND (expires_at IS NULL OR expires_at > ?)`, ms(f.Now))
	default:
		add(`state = ?`, string(f.State))
	}
	if f.NotRevoked {
		add(`state <> 'revoked'`)
	}
	if f.ExpiringBefore != nil {
		add(`expires_at IS NOT NULL AND expires_at < ?`, ms(*f.ExpiringBefore))
	}
	l, o := limitOffset(f.Page)
	q := `SELECT ` + keyCols + `, COUNT(*) OVER () FROM api_keys WHERE ` + where.String() +
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	rows, err := t.query(ctx, q, append(args, l, o)...)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanKey)
}

func (t *tx) UpdateKey(ctx context.Context, k *keyhouse.Key) error {
	const q = `UPDATE api_keys SET name = ?, description = ?, state = ?, scopes = ?, policy_id = ?, metadata = ?,
updated_at = ?, expires_at = ?, rotated_at = ?, revoked_at = ?, revoke_reason = ?, replaced_by_key_id = ?,
grace_expires_at = ?, rotation_interval_days = ?, next_rotation_at = ?, rotation_webhook_url = ?,
pending_successor_id = ?, version = version + 1 WHERE org_id = ? AND id = ?`
	meta := k.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	err := t.execOne(ctx, keyNotFound, q, k.Name, k.Description, string(k.State), jsonText(listOrEmpty(k.Scopes)),
		nullStr(k.PolicyID), jsonText(meta), ms(k.UpdatedAt), nullMS(k.ExpiresAt), nullMS(k.RotatedAt),
		nullMS(k.RevokedAt), k.RevokeReason, k.ReplacedByKeyID, nullMS(k.GraceExpiresAt), k.RotationIntervalDays,
		nullMS(k.NextRotationAt), k.RotationWebhookURL, k.PendingSuccessorID, k.OrgID, k.ID)
	if isForeignKey(err) {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, "Policy not found.")
	}
	return err
}

func (t *tx) TouchKey(ctx context.Context, orgID, id keyhouse.ID, at time.Time) error {
	const q = `UPDATE api_keys SET last_used_at = ? WHERE org_id = ? AND id = ? AND (last_used_at IS NULL OR last_used_at < ?)`
	_, err := t.exec(ctx, q, ms(at), orgID, id, ms(at))
	return err
}

func (t *tx) CountKeysWithPolicy(ctx context.Context, orgID, policyID keyhouse.ID) (int, error) {
	const q = `SELECT COUNT(*) FROM api_keys WHERE org_id = ? AND policy_id = ?`
	var n int
	err := t.queryRow(ctx, q, orgID, policyID).Scan(&n)
	return n, err
}

func (t *tx) DueRotations(ctx context.Context, orgID keyhouse.ID, now time.Time, limit int) ([]*keyhouse.Key, error) {
	const q = `SELECT ` + keyCols + ` FROM api_keys WHERE org_id = ? AND state = 'active' AND rotation_interval_days > 0
AND next_rotation_at IS NOT NULL AND next_rotation_at <= ? ORDER BY next_rotation_at LIMIT ?`
	rows, err := t.query(ctx, q, orgID, ms(now), limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanKey)
}

// ClaimRotation is a compare-and-set on next_rotation_at: the UPDATE only
// matches while the row still holds the due time the caller read, so when
// several schedulers race, the database lets exactly one of them move it.
func (t *tx) ClaimRotation(ctx context.Context, orgID, id keyhouse.ID, due, until time.Time) (bool, error) {
	const q = `UPDATE api_keys SET next_rotation_at = ? WHERE org_id = ? AND id = ? AND state = 'active' AND next_rotation_at = ?`
	res, err := t.exec(ctx, q, ms(until), orgID, id, ms(due))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) WebhookSecretsNotUnder(ctx context.Context, masterKeyID string) ([]keyhouse.KeyRef, error) {
	const q = `SELECT org_id, id FROM api_keys WHERE webhook_secret IS NOT NULL AND webhook_secret_key_id <> ? ORDER BY org_id, id`
	rows, err := t.query(ctx, q, masterKeyID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (keyhouse.KeyRef, error) {
		var r keyhouse.KeyRef
		return r, s.Scan(&r.OrgID, &r.ID)
	})
}

func (t *tx) UpdateWebhookSecret(ctx context.Context, ref keyhouse.KeyRef, sealed []byte, masterKeyID, oldMasterKeyID string) (bool, error) {
	const q = `UPDATE api_keys SET webhook_secret = ?, webhook_secret_key_id = ? WHERE org_id = ? AND id = ? AND webhook_secret_key_id = ?`
	res, err := t.exec(ctx, q, sealed, masterKeyID, ref.OrgID, ref.ID, oldMasterKeyID)
	if err != nil {
		return false, fmt.Errorf("update webhook secret: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func scanChange(s interface{ Scan(...any) error }) (keyhouse.Change, error) {
	var c keyhouse.Change
	var h []byte
	var at int64
	if err := s.Scan(&c.ID, &h, &at, &c.Version); err != nil {
		return c, err
	}
	c.Hash, c.UpdatedAt = toHash(h), fromMS(at)
	return c, nil
}

func (t *tx) KeyChangesSince(ctx context.Context, since time.Time) ([]keyhouse.Change, error) {
	const q = `SELECT id, hash, updated_at, version FROM api_keys WHERE updated_at >= ? ORDER BY updated_at, id`
	rows, err := t.query(ctx, q, ms(since))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanChange)
}
