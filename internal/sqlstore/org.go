package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const orgCols = `id, name, created_at`

func scanOrg(s interface{ Scan(...any) error }) (*keyhouse.Organization, error) {
	var o keyhouse.Organization
	var created int64
	if err := s.Scan(&o.ID, &o.Name, &created); err != nil {
		return nil, err
	}
	o.CreatedAt = fromMS(created)
	return &o, nil
}

func (t *tx) CreateOrg(ctx context.Context, o *keyhouse.Organization) error {
	const q = `INSERT INTO orgs (id, name, created_at) VALUES (?, ?, ?)`
	if _, err := t.exec(ctx, q, o.ID, o.Name, ms(o.CreatedAt)); err != nil {
		return fmt.Errorf("create org: %w", err)
	}
	return nil
}

func (t *tx) Org(ctx context.Context, id keyhouse.ID) (*keyhouse.Organization, error) {
	const q = `SELECT ` + orgCols + ` FROM orgs WHERE id = ?`
	o, err := scanOrg(t.queryRow(ctx, q, id))
	return o, notFound(err, "Organization not found.")
}

func (t *tx) FirstOrg(ctx context.Context) (*keyhouse.Organization, error) {
	const q = `SELECT ` + orgCols + ` FROM orgs ORDER BY created_at, id LIMIT 1`
	o, err := scanOrg(t.queryRow(ctx, q))
	return o, notFound(err, "Organization not found.")
}

func (t *tx) Orgs(ctx context.Context) ([]*keyhouse.Organization, error) {
	const q = `SELECT ` + orgCols + ` FROM orgs ORDER BY created_at, id`
	rows, err := t.query(ctx, q)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanOrg)
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// collectCounted scans rows whose last column is COUNT(*) OVER ().
func collectCounted[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, int, error) {
	defer rows.Close()
	var out []T
	total := 0
	for rows.Next() {
		v, err := scan(countScanner{rows, &total})
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}

// countScanner appends the window count column to every Scan.
type countScanner struct {
	rows  *sql.Rows
	total *int
}

func (c countScanner) Scan(dest ...any) error {
	return c.rows.Scan(append(dest, c.total)...)
}
