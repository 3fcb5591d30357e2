package sqlstore

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const scopeCols = `id, org_id, name, description, parent, created_at`

func scanScope(s interface{ Scan(...any) error }) (*keyhouse.Scope, error) {
	var sc keyhouse.Scope
	var created int64
	if err := s.Scan(&sc.ID, &sc.OrgID, &sc.Name, &sc.Description, &sc.Parent, &created); err != nil {
		return nil, err
	}
	sc.CreatedAt = fromMS(created)
	return &sc, nil
}

func (t *tx) CreateScope(ctx context.Context, s *keyhouse.Scope) error {
	const q = `INSERT INTO key_scopes (` + scopeCols + `) VALUES (?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, s.ID, s.OrgID, s.Name, s.Description, s.Parent, ms(s.CreatedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "A scope named %q already exists.", s.Name)
	}
	if err != nil {
		return fmt.Errorf("create scope: %w", err)
	}
	return nil
}

func (t *tx) Scopes(ctx context.Context, orgID keyhouse.ID, parent string, pg keyhouse.Page) ([]*keyhouse.Scope, int, error) {
	l, o := limitOffset(pg)
	if parent != "" {
		const q = `SELECT ` + scopeCols + `, COUNT(*) OVER () FROM key_scopes WHERE org_id = ? AND parent = ?
ORDER BY name, id LIMIT ? OFFSET ?`
		rows, err := t.query(ctx, q, orgID, parent, l, o)
		if err != nil {
			return nil, 0, err
		}
		return collectCounted(rows, scanScope)
	}
	const q = `SELECT ` + scopeCols + `, COUNT(*) OVER () FROM key_scopes WHERE org_id = ? ORDER BY name, id LIMIT ? OFFSET ?`
	rows, err := t.query(ctx, q, orgID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanScope)
}

func (t *tx) MissingScopes(ctx context.Context, orgID keyhouse.ID, names []string) ([]string, error) {
	var missing []string
	const q = `SELECT COUNT(*) FROM key_scopes WHERE org_id = ? AND name = ?`
	for _, n := range names {
		var c int
		if err := t.queryRow(ctx, q, orgID, n).Scan(&c); err != nil {
			return nil, err
		}
		if c == 0 {
			missing = append(missing, n)
		}
	}
	return missing, nil
}

func (t *tx) DeleteScope(ctx context.Context, orgID, id keyhouse.ID) error {
	const q = `DELETE FROM key_scopes WHERE org_id = ? AND id = ?`
	return t.execOne(ctx, "Scope not found.", q, orgID, id)
}
