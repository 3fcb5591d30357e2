package sqlstore

import (
	"context"
	"fmt"
)

func (t *tx) ServerSecret(ctx context.Context, name string) ([]byte, string, error) {
	const q = `SELECT wrapped, master_key_id FROM server_secrets WHERE name = ?`
	var w []byte
	var id string
	err := t.queryRow(ctx, q, name).Scan(&w, &id)
	return w, id, notFound(err, "Server secret not found.")
}

func (t *tx) CreateServerSecret(ctx context.Context, name string, wrapped []byte, masterKeyID string) error {
	const q = `INSERT INTO server_secrets (name, wrapped, master_key_id) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`
	if _, err := t.exec(ctx, q, name, wrapped, masterKeyID); err != nil {
		return fmt.Errorf("create server secret: %w", err)
	}
	return nil
}

func (t *tx) UpdateServerSecret(ctx context.Context, name string, wrapped []byte, masterKeyID string) error {
	const q = `UPDATE server_secrets SET wrapped = ?, master_key_id = ? WHERE name = ?`
	return t.execOne(ctx, "Server secret not found.", q, wrapped, masterKeyID, name)
}

func (t *tx) ServerSecretNames(ctx context.Context) ([]string, error) {
	rows, err := t.query(ctx, `SELECT name FROM server_secrets ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(s interface{ Scan(...any) error }) (string, error) {
		var n string
		return n, s.Scan(&n)
	})
}
