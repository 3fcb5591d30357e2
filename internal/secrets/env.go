package secrets

import (
	"context"

	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

func envNames(ctx context.Context, tx keyhouse.Tx, v *keyhouse.Vault) ([]string, error) {
	envs, err := tx.VaultEnvs(ctx, v.OrgID, v.ID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(envs))
	for _, e := range envs {
		out = append(out, e.Name)
	}
	return out, nil
}

// Environments lists a vault's environments in order.
func (s *Service) Environments(ctx context.Context, owner, repo string) ([]*keyhouse.VaultEnv, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return nil, err
	}
	var out []*keyhouse.VaultEnv
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		out, err = tx.VaultEnvs(ctx, p.OrgID, v.ID)
		return err
	})
	return out, err
}

// CreateEnvironment adds an environment at the end of a vault's list and
// returns the new list of names.
func (s *Service) CreateEnvironment(ctx context.Context, owner, repo, name string) ([]string, error) {
	p, err := caller(ctx, actAdmin)
	if err != nil {
		return nil, err
	}
	if err := ValidEnvName("name", name); err != nil {
		return nil, err
	}
	var names []string
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		envs, err := tx.VaultEnvs(ctx, p.OrgID, v.ID)
		if err != nil {
			return err
		}
		pos := 0
		for _, e := range envs {
			pos = max(pos, e.Position+1)
		}
		e := &keyhouse.VaultEnv{ID: ids.New(keyhouse.PrefixEnvironment), OrgID: p.OrgID, VaultID: v.ID, Name: name, Position: pos, CreatedAt: tx.Now()}
		if err := tx.CreateVaultEnv(ctx, e); err != nil {
			return err
		}
		if names, err = envNames(ctx, tx, v); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "environment_created", audit: "vault_environment.created", resType: "environment", resID: e.ID, meta: map[string]string{"environment": name}})
	})
	return names, err
}

// RenameEnvironment renames an environment; its secrets move with it.
func (s *Service) RenameEnvironment(ctx context.Context, owner, repo, oldName, newName string) ([]string, error) {
	p, err := caller(ctx, actAdmin)
	if err != nil {
		return nil, err
	}
	if err := ValidEnvName("newName", newName); err != nil {
		return nil, err
	}
	var names []string
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		e, err := env(ctx, tx, v, oldName)
		if err != nil {
			return err
		}
		if oldName != newName {
			if err := tx.RenameVaultEnv(ctx, p.OrgID, v.ID, e.ID, newName); err != nil {
				return err
			}
		}
		if names, err = envNames(ctx, tx, v); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "environment_renamed", audit: "vault_environment.renamed", resType: "environment", resID: e.ID, meta: map[string]string{"old_name": oldName, "new_name": newName}})
	})
	return names, err
}

// DeleteEnvironment deletes an environment and its secrets. The last
// environment of a vault cannot be deleted.
func (s *Service) DeleteEnvironment(ctx context.Context, owner, repo, name string) ([]string, error) {
	p, err := caller(ctx, actAdminDelete)
	if err != nil {
		return nil, err
	}
	var names []string
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		e, err := env(ctx, tx, v, name)
		if err != nil {
			return err
		}
		envs, err := tx.VaultEnvs(ctx, p.OrgID, v.ID)
		if err != nil {
			return err
		}
		if len(envs) <= 1 {
			return keyhouse.Errorf(keyhouse.EFORBIDDEN, "Cannot delete the last environment")
		}
		if err := tx.DeleteVaultEnv(ctx, p.OrgID, v.ID, e.ID); err != nil {
			return err
		}
		if names, err = envNames(ctx, tx, v); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "environment_deleted", audit: "vault_environment.deleted", resType: "environment", resID: e.ID, meta: map[string]string{"environment": name}})
	})
	return names, err
}

// ParseRole reads an override role: a Keyhouse role, or one of GitHub's
// repository roles as Keyway names them (read, triage → viewer; write →
// member; maintain, admin → admin).
func ParseRole(s string) (keyhouse.Role, bool) {
	switch s {
	case "owner", "admin", "member", "viewer":
		return keyhouse.Role(s), true
	case "read", "triage":
		return keyhouse.RoleViewer, true
	case "write":
		return keyhouse.RoleMember, true
	case "maintain":
		return keyhouse.RoleAdmin, true
	}
	return "", false
}

// SetPermissions sets (or, with empty roles, clears) an environment's
// overrides: the least role that may read and write it.
func (s *Service) SetPermissions(ctx context.Context, owner, repo, name string, read, write keyhouse.Role) (*keyhouse.VaultEnv, error) {
	p, err := caller(ctx, actPermissions)
	if err != nil {
		return nil, err
	}
	var out *keyhouse.VaultEnv
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		e, err := env(ctx, tx, v, name)
		if err != nil {
			return err
		}
		if err := tx.SetVaultEnvRoles(ctx, p.OrgID, v.ID, e.ID, read, write); err != nil {
			return err
		}
		e.ReadRole, e.WriteRole = read, write
		out = e
		return s.record(ctx, tx, p, v, event{activity: "permission_changed", audit: "vault_environment.permissions_changed", resType: "environment", resID: e.ID,
			meta: map[string]string{"environment": name, "read": string(read), "write": string(write)}})
	})
	return out, err
}

// EffectiveRoles are the least roles that may read and write e.
func EffectiveRoles(e *keyhouse.VaultEnv) (read, write keyhouse.Role) {
	read, write = keyhouse.RoleViewer, keyhouse.RoleMember
	if e.ReadRole.AtLeast(read) {
		read = e.ReadRole
	}
	if e.WriteRole.AtLeast(write) {
		write = e.WriteRole
	}
	return read, write
}
