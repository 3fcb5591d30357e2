package secrets

import (
	"context"
	"strconv"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const trashNotFound = "Secret not found in trash"

// Trash lists a vault's trashed secrets, most recently deleted first.
func (s *Service) Trash(ctx context.Context, owner, repo string, page keyhouse.Page) ([]*keyhouse.Secret, int, error) {
	return s.list(ctx, owner, repo, page, true)
}

func trashedIn(ctx context.Context, tx keyhouse.Tx, p *keyhouse.Principal, owner, repo, id string, a action) (*keyhouse.Vault, *keyhouse.VaultEnv, *keyhouse.Secret, error) {
	v, e, sec, err := secretIn(ctx, tx, p, owner, repo, id, a)
	if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND || err == nil && sec.DeletedAt == nil {
		return nil, nil, nil, keyhouse.Errorf(keyhouse.ENOTFOUND, trashNotFound)
	}
	return v, e, sec, err
}

// RestoreTrash brings a trashed secret back; ECONFLICT when a live secret
// of its key exists in its environment.
func (s *Service) RestoreTrash(ctx context.Context, owner, repo, id string) (*keyhouse.Secret, error) {
	p, err := caller(ctx, actWrite)
	if err != nil {
		return nil, err
	}
	if checkSecretID(id) != nil {
		return nil, keyhouse.Errorf(keyhouse.ENOTFOUND, trashNotFound)
	}
	var sec *keyhouse.Secret
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, e, cur, err := trashedIn(ctx, tx, p, owner, repo, id, actWrite)
		if err != nil {
			return err
		}
		if err := tx.RestoreSecret(ctx, p.OrgID, cur.ID, tx.Now()); err != nil {
			return err
		}
		cur.DeletedAt = nil
		sec = cur
		if err := tx.TouchVault(ctx, p.OrgID, v.ID, tx.Now()); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "secret_restored", audit: "secret.restored", resType: "secret", resID: cur.ID, meta: map[string]string{"key": cur.Key, "environment": e.Name}})
	})
	return sec, err
}

// DeleteTrashed deletes a trashed secret and its versions for good.
func (s *Service) DeleteTrashed(ctx context.Context, owner, repo, id string) error {
	p, err := caller(ctx, actDelete)
	if err != nil {
		return err
	}
	if checkSecretID(id) != nil {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, trashNotFound)
	}
	return s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, e, cur, err := trashedIn(ctx, tx, p, owner, repo, id, actDelete)
		if err != nil {
			return err
		}
		if err := tx.DeleteSecret(ctx, p.OrgID, cur.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "secret_permanently_deleted", audit: "secret.permanently_deleted", resType: "secret", resID: cur.ID, meta: map[string]string{"key": cur.Key, "environment": e.Name}})
	})
}

// EmptyTrash deletes every trashed secret of a vault the caller may
// delete in; it returns how many.
func (s *Service) EmptyTrash(ctx context.Context, owner, repo string) (int, error) {
	p, err := caller(ctx, actDelete)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		envs, err := tx.VaultEnvs(ctx, p.OrgID, v.ID)
		if err != nil {
			return err
		}
		allowed := map[keyhouse.ID]bool{}
		for _, e := range envs {
			allowed[e.ID] = allowedIn(p, actDelete, e) == nil
		}
		list, _, err := tx.Secrets(ctx, keyhouse.SecretFilter{OrgID: p.OrgID, VaultID: v.ID, Deleted: true})
		if err != nil {
			return err
		}
		for _, sec := range list {
			if !allowed[sec.EnvID] {
				continue
			}
			if err := tx.DeleteSecret(ctx, p.OrgID, sec.ID); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return s.record(ctx, tx, p, v, event{activity: "secret_permanently_deleted", audit: "secrets.trash_emptied", resType: "vault", resID: v.ID, meta: map[string]string{"count": strconv.Itoa(n)}})
	})
	return n, err
}
