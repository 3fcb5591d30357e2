package sqlstore

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

func (t *tx) OrgKey(ctx context.Context, orgID keyhouse.ID) (*keyhouse.OrgKey, error) {
	const q = `SELECT org_id, wrapped, master_key_id, created_at FROM org_keys WHERE org_id = ?`
	var k keyhouse.OrgKey
	var created int64
	err := t.queryRow(ctx, q, orgID).Scan(&k.OrgID, &k.Wrapped, &k.MasterKeyID, &created)
	if err != nil {
		return nil, notFound(err, "Organization key not found.")
	}
	k.CreatedAt = fromMS(created)
	return &k, nil
}

func (t *tx) CreateOrgKey(ctx context.Context, k *keyhouse.OrgKey) error {
	const q = `INSERT INTO org_keys (org_id, wrapped, master_key_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (org_id) DO NOTHING`
	if _, err := t.exec(ctx, q, k.OrgID, k.Wrapped, k.MasterKeyID, ms(k.CreatedAt)); err != nil {
		return fmt.Errorf("create org key: %w", err)
	}
	return nil
}

func (t *tx) UpdateOrgKey(ctx context.Context, orgID keyhouse.ID, wrapped []byte, masterKeyID, oldMasterKeyID string) (bool, error) {
	const q = `UPDATE org_keys SET wrapped = ?, master_key_id = ? WHERE org_id = ? AND master_key_id = ?`
	res, err := t.exec(ctx, q, wrapped, masterKeyID, orgID, oldMasterKeyID)
	if err != nil {
		return false, fmt.Errorf("update org key: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) OrgKeysNotUnder(ctx context.Context, masterKeyID string) ([]keyhouse.ID, error) {
	rows, err := t.query(ctx, `SELECT org_id FROM org_keys WHERE master_key_id <> ? ORDER BY org_id`, masterKeyID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (keyhouse.ID, error) {
		var id keyhouse.ID
		return id, s.Scan(&id)
	})
}
