package keyhouse

import (
	"context"
	"time"
)

// Vault holds one repository's secrets ("owner/repo"), per environment.
type Vault struct {
	ID        ID
	OrgID     ID
	Owner     string
	Repo      string
	CreatedBy ID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// FullName is "owner/repo".
func (v *Vault) FullName() string { return v.Owner + "/" + v.Repo }

// VaultEnv is one environment of a vault. ReadRole and WriteRole are the
// per-environment overrides: the least role that may read or write its
// secrets (empty: the vault's default).
type VaultEnv struct {
	ID        ID
	OrgID     ID
	VaultID   ID
	Name      string
	Position  int
	ReadRole  Role
	WriteRole Role
	CreatedAt time.Time
}

// VaultStats are counts shown beside a vault.
type VaultStats struct {
	SecretCount  int
	Environments []string // in order
}

// VaultTx stores vaults and their environments. Every method filters by
// organization.
type VaultTx interface {
	// CreateVault returns ECONFLICT when the name is taken (case-insensitively).
	CreateVault(ctx context.Context, v *Vault) error
	// VaultByName returns ENOTFOUND.
	VaultByName(ctx context.Context, orgID ID, owner, repo string) (*Vault, error)
	// Vaults lists an organization's vaults, most recently updated first.
	Vaults(ctx context.Context, orgID ID, p Page) ([]*Vault, int, error)
	// VaultStats counts live secrets and lists environments.
	VaultStats(ctx context.Context, orgID, vaultID ID) (*VaultStats, error)
	// TouchVault sets updated_at.
	TouchVault(ctx context.Context, orgID, vaultID ID, t time.Time) error
	// DeleteVault deletes the vault with its environments, secrets and
	// versions; ENOTFOUND.
	DeleteVault(ctx context.Context, orgID, vaultID ID) error

	// CreateVaultEnv returns ECONFLICT when the name is taken in the vault.
	CreateVaultEnv(ctx context.Context, e *VaultEnv) error
	// VaultEnvs lists a vault's environments in order.
	VaultEnvs(ctx context.Context, orgID, vaultID ID) ([]*VaultEnv, error)
	// VaultEnvByName returns ENOTFOUND.
	VaultEnvByName(ctx context.Context, orgID, vaultID ID, name string) (*VaultEnv, error)
	// RenameVaultEnv returns ENOTFOUND or ECONFLICT. Secrets refer to the
	// environment by ID, so they move with it.
	RenameVaultEnv(ctx context.Context, orgID, vaultID, envID ID, name string) error
	// SetVaultEnvRoles sets the per-environment overrides; ENOTFOUND.
	SetVaultEnvRoles(ctx context.Context, orgID, vaultID, envID ID, read, write Role) error
	// DeleteVaultEnv deletes the environment and its secrets; ENOTFOUND.
	DeleteVaultEnv(ctx context.Context, orgID, vaultID, envID ID) error
}
