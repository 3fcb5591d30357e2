package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const secretNotFound = "Secret not found."

// secretSelect joins each secret with its environment's name and its
// current version's ciphertext.
const secretSelect = `SELECT s.id, s.org_id, s.vault_id, s.env_id, e.name, s.key, s.version_id, s.version_number,
 v.ciphertext, s.created_by, s.updated_by, s.created_at, s.updated_at, s.deleted_at
FROM secrets s
JOIN vault_envs e ON e.id = s.env_id AND e.org_id = s.org_id
JOIN secret_versions v ON v.id = s.version_id AND v.org_id = s.org_id`

func scanSecret(s interface{ Scan(...any) error }) (*keyhouse.Secret, error) {
	var x keyhouse.Secret
	var created, updated int64
	var deleted sql.NullInt64
	if err := s.Scan(&x.ID, &x.OrgID, &x.VaultID, &x.EnvID, &x.Environment, &x.Key, &x.VersionID, &x.VersionNumber,
		&x.Ciphertext, &x.CreatedBy, &x.UpdatedBy, &created, &updated, &deleted); err != nil {
		return nil, err
	}
	x.CreatedAt, x.UpdatedAt, x.DeletedAt = fromMS(created), fromMS(updated), fromNullMS(deleted)
	return &x, nil
}

func (t *tx) CreateSecret(ctx context.Context, s *keyhouse.Secret) error {
	// The environment must be this organization's, in this vault.
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM vault_envs WHERE org_id = ? AND vault_id = ? AND id = ?`, s.OrgID, s.VaultID, s.EnvID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, vaultEnvNotFound)
	}
	const q = `INSERT INTO secrets (id, org_id, vault_id, env_id, key, version_id, version_number, created_by, updated_by, created_at, updated_at, deleted_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, s.ID, s.OrgID, s.VaultID, s.EnvID, s.Key, s.VersionID, s.VersionNumber, s.CreatedBy, s.UpdatedBy, ms(s.CreatedAt), ms(s.UpdatedAt), nullMS(s.DeletedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "Secret '%s' already exists in this environment.", s.Key)
	}
	if err != nil {
		return fmt.Errorf("create secret: %w", err)
	}
	return nil
}

func (t *tx) Secret(ctx context.Context, orgID, vaultID, id keyhouse.ID) (*keyhouse.Secret, error) {
	const q = secretSelect + ` WHERE s.org_id = ? AND s.vault_id = ? AND s.id = ?`
	s, err := scanSecret(t.queryRow(ctx, q, orgID, vaultID, id))
	return s, notFound(err, secretNotFound)
}

func (t *tx) SecretByKey(ctx context.Context, orgID, envID keyhouse.ID, key string) (*keyhouse.Secret, error) {
	const q = secretSelect + ` WHERE s.org_id = ? AND s.env_id = ? AND s.key = ? AND s.deleted_at IS NULL`
	s, err := scanSecret(t.queryRow(ctx, q, orgID, envID, key))
	return s, notFound(err, secretNotFound)
}

func (t *tx) Secrets(ctx context.Context, f keyhouse.SecretFilter) ([]*keyhouse.Secret, int, error) {
	q := secretSelect + ` WHERE s.org_id = ? AND s.vault_id = ?`
	args := []any{f.OrgID, f.VaultID}
	if f.EnvID != "" {
		q += ` AND s.env_id = ?`
		args = append(args, f.EnvID)
	}
	if f.Deleted {
		q += ` AND s.deleted_at IS NOT NULL ORDER BY s.deleted_at DESC, s.id DESC`
	} else {
		q += ` AND s.deleted_at IS NULL ORDER BY s.updated_at DESC, s.id DESC`
	}
	// The count is a separate query: COUNT(*) OVER () would need every
	// column twice in the scan helpers, and these lists are small.
	cq := `SELECT COUNT(*) FROM secrets s WHERE s.org_id = ? AND s.vault_id = ?`
	if f.EnvID != "" {
		cq += ` AND s.env_id = ?`
	}
	if f.Deleted {
		cq += ` AND s.deleted_at IS NOT NULL`
	} else {
		cq += ` AND s.deleted_at IS NULL`
	}
	var total int
	if err := t.queryRow(ctx, cq, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Page.Limit > 0 {
		q += ` LIMIT ? OFFSET ?`
		args = append(args, f.Page.Limit, max(0, f.Page.Offset))
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	list, err := collect(rows, scanSecret)
	if err != nil {
		return nil, 0, err
	}
	if !f.WithValues {
		for _, s := range list {
			s.Ciphertext = nil
		}
	}
	return list, total, nil
}

func (t *tx) SetSecretVersion(ctx context.Context, orgID, id, versionID keyhouse.ID, number int, by keyhouse.ID, at time.Time) error {
	const q = `UPDATE secrets SET version_id = ?, version_number = ?, updated_by = ?, updated_at = ? WHERE org_id = ? AND id = ?`
	return t.execOne(ctx, secretNotFound, q, versionID, number, by, ms(at), orgID, id)
}

func (t *tx) RenameSecret(ctx context.Context, orgID, id keyhouse.ID, key string, by keyhouse.ID, at time.Time) error {
	const q = `UPDATE secrets SET key = ?, updated_by = ?, updated_at = ? WHERE org_id = ? AND id = ? AND deleted_at IS NULL`
	err := t.execOne(ctx, secretNotFound, q, key, by, ms(at), orgID, id)
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "Secret '%s' already exists in this environment.", key)
	}
	return err
}

func (t *tx) TrashSecret(ctx context.Context, orgID, id keyhouse.ID, at time.Time) error {
	const q = `UPDATE secrets SET deleted_at = ? WHERE org_id = ? AND id = ? AND deleted_at IS NULL`
	return t.execOne(ctx, secretNotFound, q, ms(at), orgID, id)
}

func (t *tx) RestoreSecret(ctx context.Context, orgID, id keyhouse.ID, at time.Time) error {
	const q = `UPDATE secrets SET deleted_at = NULL, updated_at = ? WHERE org_id = ? AND id = ? AND deleted_at IS NOT NULL`
	err := t.execOne(ctx, "Secret not found in trash", q, ms(at), orgID, id)
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "An active secret with the same key already exists in this environment.")
	}
	return err
}

func (t *tx) DeleteSecret(ctx context.Context, orgID, id keyhouse.ID) error {
	if _, err := t.exec(ctx, `DELETE FROM secret_versions WHERE org_id = ? AND secret_id = ?`, orgID, id); err != nil {
		return fmt.Errorf("delete secret: %w", err)
	}
	return t.execOne(ctx, secretNotFound, `DELETE FROM secrets WHERE org_id = ? AND id = ?`, orgID, id)
}

func (t *tx) PurgeTrash(ctx context.Context, orgID keyhouse.ID, before time.Time) (int, error) {
	const qv = `DELETE FROM secret_versions WHERE org_id = ? AND secret_id IN
 (SELECT id FROM secrets WHERE org_id = ? AND deleted_at IS NOT NULL AND deleted_at < ?)`
	if _, err := t.exec(ctx, qv, orgID, orgID, ms(before)); err != nil {
		return 0, fmt.Errorf("purge trash: %w", err)
	}
	res, err := t.exec(ctx, `DELETE FROM secrets WHERE org_id = ? AND deleted_at IS NOT NULL AND deleted_at < ?`, orgID, ms(before))
	if err != nil {
		return 0, fmt.Errorf("purge trash: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

const versionCols = `id, org_id, secret_id, number, ciphertext, created_by, created_at`

func scanVersion(s interface{ Scan(...any) error }) (*keyhouse.SecretVersion, error) {
	var v keyhouse.SecretVersion
	var created int64
	if err := s.Scan(&v.ID, &v.OrgID, &v.SecretID, &v.Number, &v.Ciphertext, &v.CreatedBy, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = fromMS(created)
	return &v, nil
}

func (t *tx) CreateSecretVersion(ctx context.Context, v *keyhouse.SecretVersion) error {
	const q = `INSERT INTO secret_versions (` + versionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, v.ID, v.OrgID, v.SecretID, v.Number, v.Ciphertext, v.CreatedBy, ms(v.CreatedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "The secret changed at the same time; try again.")
	}
	if err != nil {
		return fmt.Errorf("create secret version: %w", err)
	}
	return nil
}

func (t *tx) SecretVersions(ctx context.Context, orgID, secretID keyhouse.ID) ([]*keyhouse.SecretVersion, error) {
	const q = `SELECT ` + versionCols + ` FROM secret_versions WHERE org_id = ? AND secret_id = ? ORDER BY number DESC`
	rows, err := t.query(ctx, q, orgID, secretID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVersion)
}

func (t *tx) SecretVersion(ctx context.Context, orgID, secretID, id keyhouse.ID) (*keyhouse.SecretVersion, error) {
	const q = `SELECT ` + versionCols + ` FROM secret_versions WHERE org_id = ? AND secret_id = ? AND id = ?`
	v, err := scanVersion(t.queryRow(ctx, q, orgID, secretID, id))
	return v, notFound(err, "Version not found")
}

func (t *tx) PruneSecretVersions(ctx context.Context, orgID keyhouse.ID, keep int) (int, error) {
	// A version goes when keep newer versions of its secret exist and it
	// is not the secret's current one.
	const q = `DELETE FROM secret_versions WHERE org_id = ? AND id IN (
 SELECT v.id FROM secret_versions v JOIN secrets s ON s.id = v.secret_id AND s.org_id = v.org_id
 WHERE v.org_id = ? AND v.id <> s.version_id
 AND (SELECT COUNT(*) FROM secret_versions n WHERE n.secret_id = v.secret_id AND n.number > v.number) >= ?)`
	res, err := t.exec(ctx, q, orgID, orgID, keep)
	if err != nil {
		return 0, fmt.Errorf("prune versions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
