package sqlstore

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const activityCols = `id, org_id, vault_id, vault_name, actor_type, actor_id, actor_name, action, platform, metadata, created_at`

func scanActivity(s interface{ Scan(...any) error }) (*keyhouse.Activity, error) {
	var a keyhouse.Activity
	var actorType, meta string
	var created int64
	if err := s.Scan(&a.ID, &a.OrgID, &a.VaultID, &a.VaultName, &actorType, &a.ActorID, &a.ActorName, &a.Action, &a.Platform, &meta, &created); err != nil {
		return nil, err
	}
	a.ActorType, a.Metadata, a.CreatedAt = keyhouse.PrincipalKind(actorType), strMap(meta), fromMS(created)
	return &a, nil
}

func (t *tx) AddActivity(ctx context.Context, a *keyhouse.Activity) error {
	const q = `INSERT INTO activities (` + activityCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	meta := a.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	_, err := t.exec(ctx, q, a.ID, a.OrgID, a.VaultID, a.VaultName, string(a.ActorType), a.ActorID, a.ActorName, a.Action, a.Platform, jsonText(meta), ms(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("add activity: %w", err)
	}
	return nil
}

func (t *tx) Activities(ctx context.Context, orgID keyhouse.ID, p keyhouse.Page) ([]*keyhouse.Activity, int, error) {
	const q = `SELECT ` + activityCols + `, COUNT(*) OVER () FROM activities WHERE org_id = ?
ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	l, o := limitOffset(p)
	rows, err := t.query(ctx, q, orgID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanActivity)
}
