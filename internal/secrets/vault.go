package secrets

import (
	"context"

	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// VaultInfo is a vault with its counts, as lists and gets show it.
type VaultInfo struct {
	Vault *keyhouse.Vault
	keyhouse.VaultStats
	Permission string
}

func vaultNotFound(owner, repo string) error {
	return keyhouse.Errorf(keyhouse.ENOTFOUND, "Vault '%s/%s' not found or you don't have access", owner, repo)
}

// vault looks a vault up by name in the caller's organization.
func vault(ctx context.Context, tx keyhouse.Tx, orgID keyhouse.ID, owner, repo string) (*keyhouse.Vault, error) {
	if !repoRE.MatchString(owner + "/" + repo) {
		return nil, vaultNotFound(owner, repo)
	}
	v, err := tx.VaultByName(ctx, orgID, owner, repo)
	if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
		return nil, vaultNotFound(owner, repo)
	}
	return v, err
}

// env looks an environment of v up by name.
func env(ctx context.Context, tx keyhouse.Tx, v *keyhouse.Vault, name string) (*keyhouse.VaultEnv, error) {
	e, err := tx.VaultEnvByName(ctx, v.OrgID, v.ID, name)
	if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
		return nil, keyhouse.Errorf(keyhouse.ENOTFOUND, "Environment '%s' not found in vault '%s'.", name, v.FullName())
	}
	return e, err
}

// CreateVault creates a vault with the default environments.
func (s *Service) CreateVault(ctx context.Context, fullName string) (*keyhouse.Vault, error) {
	p, err := caller(ctx, actAdmin)
	if err != nil {
		return nil, err
	}
	owner, repo, err := SplitRepo("repoFullName", fullName)
	if err != nil {
		return nil, err
	}
	var v *keyhouse.Vault
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		now := tx.Now()
		v = &keyhouse.Vault{ID: ids.New(keyhouse.PrefixVault), OrgID: p.OrgID, Owner: owner, Repo: repo, CreatedBy: p.ActorID(), CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateVault(ctx, v); err != nil {
			return err
		}
		for i, name := range DefaultEnvironments {
			e := &keyhouse.VaultEnv{ID: ids.New(keyhouse.PrefixEnvironment), OrgID: p.OrgID, VaultID: v.ID, Name: name, Position: i, CreatedAt: now}
			if err := tx.CreateVaultEnv(ctx, e); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, p, v, event{activity: "vault_created", audit: "vault.created", resType: "vault", resID: v.ID})
	})
	return v, err
}

// Vaults lists the organization's vaults.
func (s *Service) Vaults(ctx context.Context, page keyhouse.Page) ([]*VaultInfo, int, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return nil, 0, err
	}
	var out []*VaultInfo
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		list, n, err := tx.Vaults(ctx, p.OrgID, page)
		if err != nil {
			return err
		}
		total = n
		for _, v := range list {
			st, err := tx.VaultStats(ctx, p.OrgID, v.ID)
			if err != nil {
				return err
			}
			out = append(out, &VaultInfo{Vault: v, VaultStats: *st, Permission: Permission(p)})
		}
		return nil
	})
	return out, total, err
}

// Vault returns one vault by name.
func (s *Service) Vault(ctx context.Context, owner, repo string) (*VaultInfo, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return nil, err
	}
	var out *VaultInfo
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		st, err := tx.VaultStats(ctx, p.OrgID, v.ID)
		if err != nil {
			return err
		}
		out = &VaultInfo{Vault: v, VaultStats: *st, Permission: Permission(p)}
		return nil
	})
	return out, err
}

// DeleteVault deletes a vault with all its secrets.
func (s *Service) DeleteVault(ctx context.Context, owner, repo string) error {
	p, err := caller(ctx, actAdminDelete)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		if err := tx.DeleteVault(ctx, p.OrgID, v.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "vault_deleted", audit: "vault.deleted", resType: "vault", resID: v.ID})
	})
}
