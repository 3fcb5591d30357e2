package secrets

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const secretNotFound = "Secret not found"

func checkSecretID(id string) error { return ids.Check(id, keyhouse.PrefixSecret, secretNotFound) }

// put writes value as key's new current value in e: a new secret, or a
// new version of the live one. It reports whether the secret was created
// and whether the value changed.
func (s *Service) put(ctx context.Context, tx keyhouse.Tx, dk crypto.DataKey, p *keyhouse.Principal, e *keyhouse.VaultEnv, cur *keyhouse.Secret, key, value string) (*keyhouse.Secret, bool, bool, error) {
	now := tx.Now()
	if cur != nil {
		old, err := openSecret(dk, cur)
		if err != nil {
			return nil, false, false, err
		}
		if old == value {
			return cur, false, false, nil
		}
		ver := &keyhouse.SecretVersion{ID: ids.New(keyhouse.PrefixVersion), OrgID: p.OrgID, SecretID: cur.ID, Number: cur.VersionNumber + 1, CreatedBy: p.ActorID(), CreatedAt: now}
		if err := seal(dk, ver, value); err != nil {
			return nil, false, false, err
		}
		if err := tx.CreateSecretVersion(ctx, ver); err != nil {
			return nil, false, false, err
		}
		if err := tx.SetSecretVersion(ctx, p.OrgID, cur.ID, ver.ID, ver.Number, p.ActorID(), now); err != nil {
			return nil, false, false, err
		}
		cur.VersionID, cur.VersionNumber, cur.Ciphertext, cur.UpdatedBy, cur.UpdatedAt = ver.ID, ver.Number, ver.Ciphertext, p.ActorID(), now
		return cur, false, true, nil
	}
	sec := &keyhouse.Secret{
		ID: ids.New(keyhouse.PrefixSecret), OrgID: p.OrgID, VaultID: e.VaultID, EnvID: e.ID, Environment: e.Name, Key: key,
		VersionID: ids.New(keyhouse.PrefixVersion), VersionNumber: 1, CreatedBy: p.ActorID(), UpdatedBy: p.ActorID(), CreatedAt: now, UpdatedAt: now,
	}
	ver := &keyhouse.SecretVersion{ID: sec.VersionID, OrgID: p.OrgID, SecretID: sec.ID, Number: 1, CreatedBy: p.ActorID(), CreatedAt: now}
	if err := seal(dk, ver, value); err != nil {
		return nil, false, false, err
	}
	// The secret row names its version and the version its secret: insert
	// the secret first (no foreign key from it to versions), then the version.
	if err := tx.CreateSecret(ctx, sec); err != nil {
		return nil, false, false, err
	}
	if err := tx.CreateSecretVersion(ctx, ver); err != nil {
		return nil, false, false, err
	}
	sec.Ciphertext = ver.Ciphertext
	return sec, true, true, nil
}

// SetSecret creates or updates key in environment envName of a vault.
func (s *Service) SetSecret(ctx context.Context, owner, repo, envName, key, value string) (*keyhouse.Secret, bool, error) {
	p, err := caller(ctx, actWrite)
	if err != nil {
		return nil, false, err
	}
	if envName == "" {
		envName = DefaultEnvName
	}
	if err := ValidKey("key", key); err != nil {
		return nil, false, err
	}
	if err := ValidValue("value", value); err != nil {
		return nil, false, err
	}
	if len(envName) > 50 || !utf8.ValidString(envName) {
		return nil, false, keyhouse.Invalid("The environment name is invalid.", field("environment", "invalid", "1 to 50 characters"))
	}
	dk, err := s.dataKey(ctx, p.OrgID)
	if err != nil {
		return nil, false, err
	}
	var sec *keyhouse.Secret
	var created bool
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		e, err := env(ctx, tx, v, envName)
		if err != nil {
			return err
		}
		if err := allowedIn(p, actWrite, e); err != nil {
			return err
		}
		cur, err := tx.SecretByKey(ctx, p.OrgID, e.ID, key)
		if err != nil && keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
			return err
		}
		var changed bool
		if sec, created, changed, err = s.put(ctx, tx, dk, p, e, cur, key, value); err != nil {
			return err
		}
		if !changed {
			return nil
		}
		act, aud := "secret_updated", "secret.updated"
		if created {
			act, aud = "secret_created", "secret.created"
		}
		if err := tx.TouchVault(ctx, p.OrgID, v.ID, tx.Now()); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: act, audit: aud, resType: "secret", resID: sec.ID, meta: map[string]string{"key": key, "environment": e.Name, "version": strconv.Itoa(sec.VersionNumber)}})
	})
	return sec, created, err
}

// Secrets lists a vault's live secrets (metadata only).
func (s *Service) Secrets(ctx context.Context, owner, repo string, page keyhouse.Page) ([]*keyhouse.Secret, int, error) {
	return s.list(ctx, owner, repo, page, false)
}

func (s *Service) list(ctx context.Context, owner, repo string, page keyhouse.Page, trash bool) ([]*keyhouse.Secret, int, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return nil, 0, err
	}
	var list []*keyhouse.Secret
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		v, err := vault(ctx, tx, p.OrgID, owner, repo)
		if err != nil {
			return err
		}
		envs, err := tx.VaultEnvs(ctx, p.OrgID, v.ID)
		if err != nil {
			return err
		}
		if p.IsUser() {
			// Environments the caller may not read are left out whole.
			for _, e := range envs {
				if allowedIn(p, actRead, e) != nil {
					return s.listReadable(ctx, tx, p, v, envs, page, trash, &list, &total)
				}
			}
		}
		list, total, err = tx.Secrets(ctx, keyhouse.SecretFilter{OrgID: p.OrgID, VaultID: v.ID, Deleted: trash, Page: page})
		return err
	})
	return list, total, err
}

// listReadable is list when some environments are closed to the caller:
// it filters in Go and pages the rest.
func (s *Service) listReadable(ctx context.Context, tx keyhouse.Tx, p *keyhouse.Principal, v *keyhouse.Vault, envs []*keyhouse.VaultEnv, page keyhouse.Page, trash bool, out *[]*keyhouse.Secret, total *int) error {
	open := map[keyhouse.ID]bool{}
	for _, e := range envs {
		open[e.ID] = allowedIn(p, actRead, e) == nil
	}
	all, _, err := tx.Secrets(ctx, keyhouse.SecretFilter{OrgID: p.OrgID, VaultID: v.ID, Deleted: trash})
	if err != nil {
		return err
	}
	var kept []*keyhouse.Secret
	for _, sec := range all {
		if open[sec.EnvID] {
			kept = append(kept, sec)
		}
	}
	*total = len(kept)
	lo := min(page.Offset, len(kept))
	hi := len(kept)
	if page.Limit > 0 {
		hi = min(lo+page.Limit, len(kept))
	}
	*out = kept[lo:hi]
	return nil
}

// secretIn loads a secret of a vault and the vault's environment it is in,
// checking the caller may do a there.
func secretIn(ctx context.Context, tx keyhouse.Tx, p *keyhouse.Principal, owner, repo, id string, a action) (*keyhouse.Vault, *keyhouse.VaultEnv, *keyhouse.Secret, error) {
	v, err := vault(ctx, tx, p.OrgID, owner, repo)
	if err != nil {
		return nil, nil, nil, err
	}
	sec, err := tx.Secret(ctx, p.OrgID, v.ID, id)
	if err != nil {
		return nil, nil, nil, err
	}
	e, err := tx.VaultEnvByName(ctx, p.OrgID, v.ID, sec.Environment)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := allowedIn(p, a, e); err != nil {
		return nil, nil, nil, err
	}
	return v, e, sec, nil
}

func liveSecretIn(ctx context.Context, tx keyhouse.Tx, p *keyhouse.Principal, owner, repo, id string, a action) (*keyhouse.Vault, *keyhouse.VaultEnv, *keyhouse.Secret, error) {
	v, e, sec, err := secretIn(ctx, tx, p, owner, repo, id, a)
	if err == nil && sec.DeletedAt != nil {
		err = keyhouse.Errorf(keyhouse.ENOTFOUND, secretNotFound)
	}
	return v, e, sec, err
}

// UpdateSecret renames a secret and/or gives it a new value.
func (s *Service) UpdateSecret(ctx context.Context, owner, repo, id string, newKey, value *string) (*keyhouse.Secret, error) {
	p, err := caller(ctx, actWrite)
	if err != nil {
		return nil, err
	}
	if newKey == nil && value == nil {
		return nil, keyhouse.Invalid("Give a new name, a new value or both.", field("name", "required", "name or value is required"))
	}
	if newKey != nil {
		if err := ValidKey("name", *newKey); err != nil {
			return nil, err
		}
	}
	if value != nil {
		if err := ValidValue("value", *value); err != nil {
			return nil, err
		}
	}
	if err := checkSecretID(id); err != nil {
		return nil, err
	}
	dk, err := s.dataKey(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	var sec *keyhouse.Secret
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, e, cur, err := liveSecretIn(ctx, tx, p, owner, repo, id, actWrite)
		if err != nil {
			return err
		}
		sec = cur
		meta := map[string]string{"environment": e.Name}
		if newKey != nil && *newKey != cur.Key {
			if err := tx.RenameSecret(ctx, p.OrgID, cur.ID, *newKey, p.ActorID(), tx.Now()); err != nil {
				return err
			}
			meta["old_key"], cur.Key = cur.Key, *newKey
		}
		meta["key"] = cur.Key
		if value != nil {
			if sec, _, _, err = s.put(ctx, tx, dk, p, e, cur, cur.Key, *value); err != nil {
				return err
			}
			meta["version"] = strconv.Itoa(sec.VersionNumber)
		}
		if err := tx.TouchVault(ctx, p.OrgID, v.ID, tx.Now()); err != nil {
			return err
		}
		if sec, err = tx.Secret(ctx, p.OrgID, v.ID, cur.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "secret_updated", audit: "secret.updated", resType: "secret", resID: sec.ID, meta: meta})
	})
	return sec, err
}

// TrashSecret moves a secret to the trash.
func (s *Service) TrashSecret(ctx context.Context, owner, repo, id string) (*keyhouse.Secret, error) {
	p, err := caller(ctx, actDelete)
	if err != nil {
		return nil, err
	}
	if err := checkSecretID(id); err != nil {
		return nil, err
	}
	var sec *keyhouse.Secret
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, e, cur, err := liveSecretIn(ctx, tx, p, owner, repo, id, actDelete)
		if err != nil {
			return err
		}
		if err := s.trash(ctx, tx, p, v, e, cur); err != nil {
			return err
		}
		sec = cur
		return nil
	})
	return sec, err
}

func (s *Service) trash(ctx context.Context, tx keyhouse.Tx, p *keyhouse.Principal, v *keyhouse.Vault, e *keyhouse.VaultEnv, sec *keyhouse.Secret) error {
	now := tx.Now()
	if err := tx.TrashSecret(ctx, p.OrgID, sec.ID, now); err != nil {
		return err
	}
	sec.DeletedAt = &now
	if err := tx.TouchVault(ctx, p.OrgID, v.ID, now); err != nil {
		return err
	}
	return s.record(ctx, tx, p, v, event{activity: "secret_trashed", audit: "secret.trashed", resType: "secret", resID: sec.ID, meta: map[string]string{"key": sec.Key, "environment": e.Name}})
}

// allowReveal spends one of the caller's value reads for this minute.
func (s *Service) allowReveal(p *keyhouse.Principal, kind string) error {
	d := s.reveals.Allow(kind + ":" + string(p.Kind) + ":" + p.ActorID())
	if !d.Allowed {
		return &keyhouse.Error{Code: keyhouse.ERATELIMITED, Message: "Too many secret value requests. Try again later.", RetryAfter: d.RetryAfterSeconds()}
	}
	return nil
}

// allowBulk spends one of the caller's pushes or pulls for this quarter hour.
func (s *Service) allowBulk(p *keyhouse.Principal) error {
	d := s.bulk.Allow(string(p.Kind) + ":" + p.ActorID())
	if !d.Allowed {
		return &keyhouse.Error{Code: keyhouse.ERATELIMITED, Message: "Too many pushes and pulls. Try again later.", RetryAfter: d.RetryAfterSeconds()}
	}
	return nil
}

// RevealSecret returns a secret's current value (10 per minute per caller).
func (s *Service) RevealSecret(ctx context.Context, owner, repo, id string) (*keyhouse.Secret, string, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return nil, "", err
	}
	if err := checkSecretID(id); err != nil {
		return nil, "", err
	}
	if err := s.allowReveal(p, "value"); err != nil {
		return nil, "", err
	}
	dk, err := s.dataKey(ctx, p.OrgID)
	if err != nil {
		return nil, "", err
	}
	var sec *keyhouse.Secret
	var value string
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, e, cur, err := liveSecretIn(ctx, tx, p, owner, repo, id, actRead)
		if err != nil {
			return err
		}
		if value, err = openSecret(dk, cur); err != nil {
			return err
		}
		sec = cur
		return s.record(ctx, tx, p, v, event{activity: "secret_value_accessed", audit: "secret.value_accessed", resType: "secret", resID: cur.ID, meta: map[string]string{"key": cur.Key, "environment": e.Name}})
	})
	return sec, value, err
}

// Versions lists a secret's versions, newest first.
func (s *Service) Versions(ctx context.Context, owner, repo, id string) ([]*keyhouse.SecretVersion, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return nil, err
	}
	if err := checkSecretID(id); err != nil {
		return nil, err
	}
	var out []*keyhouse.SecretVersion
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		_, _, sec, err := secretIn(ctx, tx, p, owner, repo, id, actRead)
		if err != nil {
			return err
		}
		out, err = tx.SecretVersions(ctx, p.OrgID, sec.ID)
		for _, v := range out {
			v.Ciphertext = nil
		}
		return err
	})
	return out, err
}

func versionIn(ctx context.Context, tx keyhouse.Tx, p *keyhouse.Principal, owner, repo, id, versionID string, a action) (*keyhouse.Vault, *keyhouse.VaultEnv, *keyhouse.Secret, *keyhouse.SecretVersion, error) {
	v, e, sec, err := secretIn(ctx, tx, p, owner, repo, id, a)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ver, err := tx.SecretVersion(ctx, p.OrgID, sec.ID, versionID)
	return v, e, sec, ver, err
}

// VersionValue returns one version and its value (10 per minute per caller).
func (s *Service) VersionValue(ctx context.Context, owner, repo, id, versionID string) (*keyhouse.SecretVersion, string, error) {
	p, err := caller(ctx, actRead)
	if err != nil {
		return nil, "", err
	}
	if err := checkSecretID(id); err != nil {
		return nil, "", err
	}
	if err := ids.Check(versionID, keyhouse.PrefixVersion, "Version not found"); err != nil {
		return nil, "", err
	}
	if err := s.allowReveal(p, "version"); err != nil {
		return nil, "", err
	}
	dk, err := s.dataKey(ctx, p.OrgID)
	if err != nil {
		return nil, "", err
	}
	var ver *keyhouse.SecretVersion
	var value string
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, e, sec, x, err := versionIn(ctx, tx, p, owner, repo, id, versionID, actRead)
		if err != nil {
			return err
		}
		if value, err = open(dk, x); err != nil {
			return err
		}
		ver = x
		return s.record(ctx, tx, p, v, event{activity: "secret_version_value_accessed", audit: "secret.version_value_accessed", resType: "secret", resID: sec.ID, meta: map[string]string{"key": sec.Key, "environment": e.Name, "version": strconv.Itoa(x.Number)}})
	})
	return ver, value, err
}

// RestoreVersion makes an old version's value current again, as a new version.
func (s *Service) RestoreVersion(ctx context.Context, owner, repo, id, versionID string) (*keyhouse.Secret, int, error) {
	p, err := caller(ctx, actWrite)
	if err != nil {
		return nil, 0, err
	}
	if err := checkSecretID(id); err != nil {
		return nil, 0, err
	}
	if err := ids.Check(versionID, keyhouse.PrefixVersion, "Version not found"); err != nil {
		return nil, 0, err
	}
	dk, err := s.dataKey(ctx, p.OrgID)
	if err != nil {
		return nil, 0, err
	}
	var sec *keyhouse.Secret
	var number int
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		v, e, cur, x, err := versionIn(ctx, tx, p, owner, repo, id, versionID, actWrite)
		if err != nil {
			return err
		}
		if cur.DeletedAt != nil {
			return keyhouse.Errorf(keyhouse.ENOTFOUND, secretNotFound)
		}
		value, err := open(dk, x)
		if err != nil {
			return err
		}
		// Always a new version, even when the value is the current one,
		// so the history shows the restore.
		now := tx.Now()
		ver := &keyhouse.SecretVersion{ID: ids.New(keyhouse.PrefixVersion), OrgID: p.OrgID, SecretID: cur.ID, Number: cur.VersionNumber + 1, CreatedBy: p.ActorID(), CreatedAt: now}
		if err := seal(dk, ver, value); err != nil {
			return err
		}
		if err := tx.CreateSecretVersion(ctx, ver); err != nil {
			return err
		}
		if err := tx.SetSecretVersion(ctx, p.OrgID, cur.ID, ver.ID, ver.Number, p.ActorID(), now); err != nil {
			return err
		}
		if err := tx.TouchVault(ctx, p.OrgID, v.ID, now); err != nil {
			return err
		}
		number = x.Number
		if sec, err = tx.Secret(ctx, p.OrgID, v.ID, cur.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, p, v, event{activity: "secret_version_restored", audit: "secret.version_restored", resType: "secret", resID: cur.ID, meta: map[string]string{"key": cur.Key, "environment": e.Name, "version": strconv.Itoa(x.Number)}})
	})
	return sec, number, err
}

// Preview masks a value as Keyway documents: up to 8 characters show
// nothing, up to 12 the first and last 2, longer ones the first and last 4.
func Preview(value string) string {
	r := []rune(value)
	switch n := len(r); {
	case n <= 8:
		return "••••••••"
	case n <= 12:
		return string(r[:2]) + "••••" + string(r[n-2:])
	default:
		return string(r[:4]) + "••••" + string(r[n-4:])
	}
}
