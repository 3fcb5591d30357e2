package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const mgmtKeyCols = `id, org_id, name, key_prefix, hash, pepper_version, scopes, created_by, created_at, expires_at, last_used_at, revoked_at`

func scanMgmtKey(s interface{ Scan(...any) error }) (*keyhouse.MgmtKey, error) {
	var k keyhouse.MgmtKey
	var h []byte
	var scopes string
	var created, expires int64
	var used, revoked sql.NullInt64
	if err := s.Scan(&k.ID, &k.OrgID, &k.Name, &k.KeyPrefix, &h, &k.PepperVersion, &scopes, &k.CreatedBy, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	k.Hash, k.Scopes = toHash(h), strList(scopes)
	k.CreatedAt, k.ExpiresAt = fromMS(created), fromMS(expires)
	k.LastUsedAt, k.RevokedAt = fromNullMS(used), fromNullMS(revoked)
	return &k, nil
}

func (t *tx) CreateMgmtKey(ctx context.Context, k *keyhouse.MgmtKey) error {
	const q = `INSERT INTO mgmt_keys (` + mgmtKeyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	scopes := k.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	_, err := t.exec(ctx, q, k.ID, k.OrgID, k.Name, k.KeyPrefix, hashBytes(k.Hash), k.PepperVersion, jsonText(scopes), k.CreatedBy, ms(k.CreatedAt), ms(k.ExpiresAt), nullMS(k.LastUsedAt), nullMS(k.RevokedAt))
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

func (t *tx) MgmtKeyByHash(ctx context.Context, hash [32]byte) (*keyhouse.MgmtKey, error) {
	const q = `SELECT ` + mgmtKeyCols + ` FROM mgmt_keys WHERE hash = ?`
	k, err := scanMgmtKey(t.queryRowPrepared(ctx, q, hashBytes(hash)))
	return k, notFound(err, "API key not found.")
}

func (t *tx) MgmtKey(ctx context.Context, orgID, id keyhouse.ID) (*keyhouse.MgmtKey, error) {
	const q = `SELECT ` + mgmtKeyCols + ` FROM mgmt_keys WHERE org_id = ? AND id = ?`
	k, err := scanMgmtKey(t.queryRow(ctx, q, orgID, id))
	return k, notFound(err, "API key not found.")
}

func (t *tx) MgmtKeys(ctx context.Context, orgID keyhouse.ID, p keyhouse.Page) ([]*keyhouse.MgmtKey, int, error) {
	const q = `SELECT ` + mgmtKeyCols + `, COUNT(*) OVER () FROM mgmt_keys
WHERE org_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	l, o := limitOffset(p)
	rows, err := t.query(ctx, q, orgID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanMgmtKey)
}

func (t *tx) RevokeMgmtKey(ctx context.Context, orgID, id keyhouse.ID, at time.Time) error {
	const q = `UPDATE mgmt_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL`
	return t.execOne(ctx, "API key not found.", q, ms(at), orgID, id)
}

func (t *tx) TouchMgmtKey(ctx context.Context, id keyhouse.ID, at time.Time) error {
	const q = `UPDATE mgmt_keys SET last_used_at = ? WHERE id = ?`
	_, err := t.exec(ctx, q, ms(at), id)
	return err
}
