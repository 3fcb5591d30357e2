package sqlstore

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const rotationCols = `id, org_id, key_id, new_key_id, reason, grace_ms, grace_ends, rotated_by, created_at`

func scanRotation(s interface{ Scan(...any) error }) (*keyhouse.Rotation, error) {
	var r keyhouse.Rotation
	var grace, ends, created int64
	if err := s.Scan(&r.ID, &r.OrgID, &r.KeyID, &r.NewKeyID, &r.Reason, &grace, &ends, &r.RotatedBy, &created); err != nil {
		return nil, err
	}
	r.GraceTTL, r.GraceEnds, r.CreatedAt = fromDurMS(grace), fromMS(ends), fromMS(created)
	return &r, nil
}

func (t *tx) CreateRotation(ctx context.Context, r *keyhouse.Rotation) error {
	const q = `INSERT INTO key_rotations (` + rotationCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, r.ID, r.OrgID, r.KeyID, r.NewKeyID, r.Reason, durMS(r.GraceTTL), ms(r.GraceEnds), r.RotatedBy, ms(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("create rotation: %w", err)
	}
	return nil
}

func (t *tx) Rotations(ctx context.Context, orgID, keyID keyhouse.ID, pg keyhouse.Page) ([]*keyhouse.Rotation, int, error) {
	const q = `SELECT ` + rotationCols + `, COUNT(*) OVER () FROM key_rotations WHERE org_id = ? AND key_id = ?
ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	l, o := limitOffset(pg)
	rows, err := t.query(ctx, q, orgID, keyID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanRotation)
}
