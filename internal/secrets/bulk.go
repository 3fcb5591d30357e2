package secrets

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/dotenv"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// PushStats counts what a push changed.
type PushStats struct {
	Created, Updated, Deleted int
}

func envNameOrDefault(fieldName, name string) (string, error) {
	if name == "" {
		return DefaultEnvName, nil
	}
	if len(name) > 50 {
		return "", keyhouse.Invalid("The environment name is invalid.", field(fieldName, "too_long", "1 to 50 characters"))
	}
	return name, nil
}

// pushEnv finds the environment a push or pull names; an unknown one is
// invalid input, and the message lists the vault's environments.
func pushEnv(ctx context.Context, tx keyhouse.Tx, v *keyhouse.Vault, name string) (*keyhouse.VaultEnv, error) {
	e, err := tx.VaultEnvByName(ctx, v.OrgID, v.ID, name)
	if keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
		return e, err
	}
	envs, err := tx.VaultEnvs(ctx, v.OrgID, v.ID)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(envs))
	for _, x := range envs {
		names = append(names, x.Name)
	}
	return nil, keyhouse.Invalid("Environment '"+name+"' does not exist in this vault. Available environments: "+strings.Join(names, ", "),
		field("environment", "not_found", "must be one of: "+strings.Join(names, ", ")))
}

// Push makes environment envName of vault repoFullName hold exactly
// values: keys not in it go to the trash. It is one transaction.
func (s *Service) Push(ctx context.Context, repoFullName, envName string, values map[string]string) (PushStats, error) {
	var st PushStats
	p, err := caller(ctx, actWrite)
	if err != nil {
		return st, err
	}
	owner, repo, err := SplitRepo("repoFullName", repoFullName)
	if err != nil {
		return st, err
	}
	if envName, err = envNameOrDefault("environment", envName); err != nil {
		return st, err
	}
	if len(values) > MaxPushEntries {
		return st, keyhouse.Invalid("Too many secrets in one push.", field("secrets", "too_many", "at most 1000 entries"))
	}
	keys := make([]string, 0, len(values))
	for k, val := range values {
		if err := ValidKey("secrets."+k, k); err != nil {
			return st, err
		}
		if err := ValidValue("secrets."+k, val); err != nil {
			return st, err
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if err := s.allowBulk(p); err != nil {
		return st, err
	}
	dk, err := s.dataKey(ctx, p.OrgID)
	if err != nil {
		return st, err
	}
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := tx.VaultByName(ctx, p.OrgID, owner, repo)
		if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
			return keyhouse.Errorf(keyhouse.ENOTFOUND, "Vault not found. Run keyhouse vaults create first.")
		}
		if err != nil {
			return err
		}
		e, err := pushEnv(ctx, tx, v, envName)
		if err != nil {
			return err
		}
		if err := allowedIn(p, actWrite, e); err != nil {
			return err
		}
		existing, _, err := tx.Secrets(ctx, keyhouse.SecretFilter{OrgID: p.OrgID, VaultID: v.ID, EnvID: e.ID, WithValues: true})
		if err != nil {
			return err
		}
		byKey := map[string]*keyhouse.Secret{}
		for _, sec := range existing {
			byKey[sec.Key] = sec
		}
		for _, k := range keys {
			_, created, changed, err := s.put(ctx, tx, dk, p, e, byKey[k], k, values[k])
			if err != nil {
				return err
			}
			switch {
			case created:
				st.Created++
			case changed:
				st.Updated++
			}
		}
		for _, sec := range existing {
			if _, keep := values[sec.Key]; keep {
				continue
			}
			now := tx.Now()
			if err := tx.TrashSecret(ctx, p.OrgID, sec.ID, now); err != nil {
				return err
			}
			st.Deleted++
		}
		if err := tx.TouchVault(ctx, p.OrgID, v.ID, tx.Now()); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "secrets_pushed", audit: "secrets.pushed", resType: "vault", resID: v.ID, meta: map[string]string{
			"environment": e.Name, "created": strconv.Itoa(st.Created), "updated": strconv.Itoa(st.Updated), "deleted": strconv.Itoa(st.Deleted),
		}})
	})
	if err != nil {
		return PushStats{}, err
	}
	return st, nil
}

// Pull returns an environment's secrets in key order, decrypted; page
// selects a window when Limit > 0.
func (s *Service) Pull(ctx context.Context, repoFullName, envName string, page keyhouse.Page) ([]dotenv.Entry, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return nil, err
	}
	owner, repo, err := SplitRepo("repo", repoFullName)
	if err != nil {
		return nil, err
	}
	if envName, err = envNameOrDefault("environment", envName); err != nil {
		return nil, err
	}
	if err := s.allowBulk(p); err != nil {
		return nil, err
	}
	dk, err := s.dataKey(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	var out []dotenv.Entry
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		e, err := tx.VaultEnvByName(ctx, p.OrgID, v.ID, envName)
		if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
			return keyhouse.Errorf(keyhouse.ENOTFOUND, "No secrets found for environment: %s", envName)
		}
		if err != nil {
			return err
		}
		if err := allowedIn(p, actRead, e); err != nil {
			return err
		}
		list, _, err := tx.Secrets(ctx, keyhouse.SecretFilter{OrgID: p.OrgID, VaultID: v.ID, EnvID: e.ID, WithValues: true})
		if err != nil {
			return err
		}
		slices.SortFunc(list, func(a, b *keyhouse.Secret) int { return strings.Compare(a.Key, b.Key) })
		if page.Limit > 0 {
			lo := min(page.Offset, len(list))
			list = list[lo:min(lo+page.Limit, len(list))]
		}
		if len(list) == 0 {
			return keyhouse.Errorf(keyhouse.ENOTFOUND, "No secrets found for environment: %s", envName)
		}
		for _, sec := range list {
			val, err := openSecret(dk, sec)
			if err != nil {
				return err
			}
			out = append(out, dotenv.Entry{Key: sec.Key, Value: val})
		}
		return s.record(ctx, tx, p, v, event{activity: "secrets_pulled", audit: "secrets.pulled", resType: "vault", resID: v.ID, meta: map[string]string{"environment": e.Name, "count": strconv.Itoa(len(out))}})
	})
	return out, err
}

// View returns one secret's value by key.
func (s *Service) View(ctx context.Context, repoFullName, envName, key string) (string, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return "", err
	}
	owner, repo, err := SplitRepo("repo", repoFullName)
	if err != nil {
		return "", err
	}
	if envName, err = envNameOrDefault("environment", envName); err != nil {
		return "", err
	}
	if key == "" || len(key) > 256 {
		return "", keyhouse.Invalid("The key is invalid.", field("key", "invalid", "1 to 256 characters"))
	}
	dk, err := s.dataKey(ctx, p.OrgID)
	if err != nil {
		return "", err
	}
	var value string
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		e, err := env(ctx, tx, v, envName)
		if err != nil {
			return err
		}
		if err := allowedIn(p, actRead, e); err != nil {
			return err
		}
		sec, err := tx.SecretByKey(ctx, p.OrgID, e.ID, key)
		if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
			list, _, lerr := tx.Secrets(ctx, keyhouse.SecretFilter{OrgID: p.OrgID, VaultID: v.ID, EnvID: e.ID})
			if lerr != nil {
				return lerr
			}
			names := make([]string, 0, len(list))
			for _, x := range list {
				names = append(names, x.Key)
			}
			slices.Sort(names)
			return keyhouse.Errorf(keyhouse.ENOTFOUND, "Secret '%s' not found in environment '%s'. Available keys: %s", key, e.Name, strings.Join(names, ", "))
		}
		if err != nil {
			return err
		}
		if value, err = openSecret(dk, sec); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "secret_value_accessed", audit: "secret.value_accessed", resType: "secret", resID: sec.ID, meta: map[string]string{"key": key, "environment": e.Name}})
	})
	return value, err
}
