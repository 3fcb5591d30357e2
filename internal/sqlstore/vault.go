package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const vaultCols = `id, org_id, owner, repo, created_by, created_at, updated_at`

const vaultNotFound = "Vault not found."

func scanVault(s interface{ Scan(...any) error }) (*keyhouse.Vault, error) {
	var v keyhouse.Vault
	var created, updated int64
	if err := s.Scan(&v.ID, &v.OrgID, &v.Owner, &v.Repo, &v.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	v.CreatedAt, v.UpdatedAt = fromMS(created), fromMS(updated)
	return &v, nil
}

func vaultKey(owner, repo string) string { return strings.ToLower(owner + "/" + repo) }

func (t *tx) CreateVault(ctx context.Context, v *keyhouse.Vault) error {
	const q = `INSERT INTO vaults (id, org_id, owner, repo, name_lower, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, v.ID, v.OrgID, v.Owner, v.Repo, vaultKey(v.Owner, v.Repo), v.CreatedBy, ms(v.CreatedAt), ms(v.UpdatedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "Vault '%s' already exists.", v.FullName())
	}
	if err != nil {
		return fmt.Errorf("create vault: %w", err)
	}
	return nil
}

func (t *tx) VaultByName(ctx context.Context, orgID keyhouse.ID, owner, repo string) (*keyhouse.Vault, error) {
	const q = `SELECT ` + vaultCols + ` FROM vaults WHERE org_id = ? AND name_lower = ?`
	v, err := scanVault(t.queryRow(ctx, q, orgID, vaultKey(owner, repo)))
	return v, notFound(err, vaultNotFound)
}

func (t *tx) Vaults(ctx context.Context, orgID keyhouse.ID, p keyhouse.Page) ([]*keyhouse.Vault, int, error) {
	const q = `SELECT ` + vaultCols + `, COUNT(*) OVER () FROM vaults WHERE org_id = ?
ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`
	l, o := limitOffset(p)
	rows, err := t.query(ctx, q, orgID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanVault)
}

func (t *tx) VaultStats(ctx context.Context, orgID, vaultID keyhouse.ID) (*keyhouse.VaultStats, error) {
	var st keyhouse.VaultStats
	const qc = `SELECT COUNT(*) FROM secrets WHERE org_id = ? AND vault_id = ? AND deleted_at IS NULL`
	if err := t.queryRow(ctx, qc, orgID, vaultID).Scan(&st.SecretCount); err != nil {
		return nil, err
	}
	envs, err := t.VaultEnvs(ctx, orgID, vaultID)
	if err != nil {
		return nil, err
	}
	st.Environments = make([]string, 0, len(envs))
	for _, e := range envs {
		st.Environments = append(st.Environments, e.Name)
	}
	return &st, nil
}

func (t *tx) TouchVault(ctx context.Context, orgID, vaultID keyhouse.ID, at time.Time) error {
	const q = `UPDATE vaults SET updated_at = ? WHERE org_id = ? AND id = ?`
	return t.execOne(ctx, vaultNotFound, q, ms(at), orgID, vaultID)
}

func (t *tx) DeleteVault(ctx context.Context, orgID, vaultID keyhouse.ID) error {
	// Children go first and explicitly: the cascade would do it, but only
	// where foreign keys are on, and each statement stays tenant-scoped.
	for _, q := range []string{
		`DELETE FROM secret_versions WHERE org_id = ? AND secret_id IN (SELECT id FROM secrets WHERE org_id = ? AND vault_id = ?)`,
	} {
		if _, err := t.exec(ctx, q, orgID, orgID, vaultID); err != nil {
			return fmt.Errorf("delete vault: %w", err)
		}
	}
	for _, q := range []string{
		`DELETE FROM secrets WHERE org_id = ? AND vault_id = ?`,
		`DELETE FROM vault_envs WHERE org_id = ? AND vault_id = ?`,
	} {
		if _, err := t.exec(ctx, q, orgID, vaultID); err != nil {
			return fmt.Errorf("delete vault: %w", err)
		}
	}
	return t.execOne(ctx, vaultNotFound, `DELETE FROM vaults WHERE org_id = ? AND id = ?`, orgID, vaultID)
}

const vaultEnvCols = `id, org_id, vault_id, name, position, read_role, write_role, created_at`

const vaultEnvNotFound = "Environment not found."

func scanVaultEnv(s interface{ Scan(...any) error }) (*keyhouse.VaultEnv, error) {
	var e keyhouse.VaultEnv
	var read, write string
	var created int64
	if err := s.Scan(&e.ID, &e.OrgID, &e.VaultID, &e.Name, &e.Position, &read, &write, &created); err != nil {
		return nil, err
	}
	e.ReadRole, e.WriteRole, e.CreatedAt = keyhouse.Role(read), keyhouse.Role(write), fromMS(created)
	return &e, nil
}

func (t *tx) CreateVaultEnv(ctx context.Context, e *keyhouse.VaultEnv) error {
	// The vault must be the caller's: the foreign key alone would accept
	// another tenant's vault id.
	var n int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM vaults WHERE org_id = ? AND id = ?`, e.OrgID, e.VaultID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, vaultNotFound)
	}
	const q = `INSERT INTO vault_envs (` + vaultEnvCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, e.ID, e.OrgID, e.VaultID, e.Name, e.Position, string(e.ReadRole), string(e.WriteRole), ms(e.CreatedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "Environment '%s' already exists.", e.Name)
	}
	if err != nil {
		return fmt.Errorf("create environment: %w", err)
	}
	return nil
}

func (t *tx) VaultEnvs(ctx context.Context, orgID, vaultID keyhouse.ID) ([]*keyhouse.VaultEnv, error) {
	const q = `SELECT ` + vaultEnvCols + ` FROM vault_envs WHERE org_id = ? AND vault_id = ? ORDER BY position, created_at, id`
	rows, err := t.query(ctx, q, orgID, vaultID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanVaultEnv)
}

func (t *tx) VaultEnvByName(ctx context.Context, orgID, vaultID keyhouse.ID, name string) (*keyhouse.VaultEnv, error) {
	const q = `SELECT ` + vaultEnvCols + ` FROM vault_envs WHERE org_id = ? AND vault_id = ? AND name = ?`
	e, err := scanVaultEnv(t.queryRow(ctx, q, orgID, vaultID, name))
	return e, notFound(err, vaultEnvNotFound)
}

func (t *tx) RenameVaultEnv(ctx context.Context, orgID, vaultID, envID keyhouse.ID, name string) error {
	const q = `UPDATE vault_envs SET name = ? WHERE org_id = ? AND vault_id = ? AND id = ?`
	err := t.execOne(ctx, vaultEnvNotFound, q, name, orgID, vaultID, envID)
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "Environment '%s' already exists.", name)
	}
	return err
}

func (t *tx) SetVaultEnvRoles(ctx context.Context, orgID, vaultID, envID keyhouse.ID, read, write keyhouse.Role) error {
	const q = `UPDATE vault_envs SET read_role = ?, write_role = ? WHERE org_id = ? AND vault_id = ? AND id = ?`
	return t.execOne(ctx, vaultEnvNotFound, q, string(read), string(write), orgID, vaultID, envID)
}

func (t *tx) DeleteVaultEnv(ctx context.Context, orgID, vaultID, envID keyhouse.ID) error {
	if _, err := t.exec(ctx, `DELETE FROM secret_versions WHERE org_id = ? AND secret_id IN (SELECT id FROM secrets WHERE org_id = ? AND env_id = ?)`, orgID, orgID, envID); err != nil {
		return fmt.Errorf("delete environment: %w", err)
	}
	if _, err := t.exec(ctx, `DELETE FROM secrets WHERE org_id = ? AND vault_id = ? AND env_id = ?`, orgID, vaultID, envID); err != nil {
		return fmt.Errorf("delete environment: %w", err)
	}
	return t.execOne(ctx, vaultEnvNotFound, `DELETE FROM vault_envs WHERE org_id = ? AND vault_id = ? AND id = ?`, orgID, vaultID, envID)
}
