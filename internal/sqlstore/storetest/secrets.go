package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// The secrets suite runs with the rest of Run.
var _ = registerSecrets()

func registerSecrets() bool {
	extras = append(extras, func(t *testing.T, open Open) { RunSecrets(t, open) })
	return true
}

// RunSecrets runs the store behaviours of vaults, secrets, versions, data
// keys, activity and device codes.
func RunSecrets(t *testing.T, open func(t *testing.T) keyhouse.Store) {
	t.Run("Vault/CreateFindConflictTenancy", func(t *testing.T) { t.Parallel(); testVault(t, open(t)) })
	t.Run("Vault/EnvironmentsRenameDelete", func(t *testing.T) { t.Parallel(); testVaultEnvs(t, open(t)) })
	t.Run("Secret/LiveKeyUniqueTrashRestore", func(t *testing.T) { t.Parallel(); testSecretTrash(t, open(t)) })
	t.Run("Secret/VersionsPrune", func(t *testing.T) { t.Parallel(); testSecretVersions(t, open(t)) })
	t.Run("Secret/CrossTenantIsNotFound", func(t *testing.T) { t.Parallel(); testSecretTenancy(t, open(t)) })
	t.Run("OrgKey/FirstWriterWinsConditionalUpdate", func(t *testing.T) { t.Parallel(); testOrgKey(t, open(t)) })
	t.Run("Activity/NewestFirst", func(t *testing.T) { t.Parallel(); testActivity(t, open(t)) })
	t.Run("DeviceCode/DecideOnceConsumeOnce", func(t *testing.T) { t.Parallel(); testDeviceCode(t, open(t)) })
}

var bg = context.Background()

func mustVault(tb testing.TB, s keyhouse.Store, orgID keyhouse.ID, owner, repo string, envs ...string) (*keyhouse.Vault, []*keyhouse.VaultEnv) {
	tb.Helper()
	v := &keyhouse.Vault{ID: ids.New(keyhouse.PrefixVault), OrgID: orgID, Owner: owner, Repo: repo, CreatedBy: "user_x", CreatedAt: t0, UpdatedAt: t0}
	var out []*keyhouse.VaultEnv
	mustUpdate(tb, s, func(tx keyhouse.Tx) error {
		if err := tx.CreateVault(bg, v); err != nil {
			return err
		}
		for i, n := range envs {
			e := &keyhouse.VaultEnv{ID: ids.New(keyhouse.PrefixEnvironment), OrgID: orgID, VaultID: v.ID, Name: n, Position: i, CreatedAt: t0}
			if err := tx.CreateVaultEnv(bg, e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return v, out
}

// mustSecret creates a secret with one version holding ct.
func mustSecret(tb testing.TB, s keyhouse.Store, e *keyhouse.VaultEnv, key string, ct string) *keyhouse.Secret {
	tb.Helper()
	sec := &keyhouse.Secret{ID: ids.New(keyhouse.PrefixSecret), OrgID: e.OrgID, VaultID: e.VaultID, EnvID: e.ID, Key: key,
		VersionID: ids.New(keyhouse.PrefixVersion), VersionNumber: 1, CreatedBy: "user_x", UpdatedBy: "user_x", CreatedAt: t0, UpdatedAt: t0}
	mustUpdate(tb, s, func(tx keyhouse.Tx) error {
		if err := tx.CreateSecret(bg, sec); err != nil {
			return err
		}
		return tx.CreateSecretVersion(bg, &keyhouse.SecretVersion{ID: sec.VersionID, OrgID: e.OrgID, SecretID: sec.ID, Number: 1, Ciphertext: []byte(ct), CreatedBy: "user_x", CreatedAt: t0})
	})
	return sec
}

func testVault(t *testing.T, s keyhouse.Store) {
	o1, o2 := MustOrg(t, s), MustOrg(t, s)
	v, _ := mustVault(t, s, o1.ID, "Acme", "API", "dev")
	err := s.Update(bg, func(tx keyhouse.Tx) error {
		return tx.CreateVault(bg, &keyhouse.Vault{ID: ids.New(keyhouse.PrefixVault), OrgID: o1.ID, Owner: "acme", Repo: "api", CreatedBy: "u", CreatedAt: t0, UpdatedAt: t0})
	})
	wantCode(t, err, keyhouse.ECONFLICT)
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Vault, error) { return tx.VaultByName(bg, o1.ID, "acme", "api") })
	if err != nil || got.ID != v.ID || got.Owner != "Acme" || !got.CreatedAt.Equal(t0) {
		t.Errorf("VaultByName = %+v, %v", got, err)
	}
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Vault, error) { return tx.VaultByName(bg, o2.ID, "acme", "api") })
	wantCode(t, err, keyhouse.ENOTFOUND)
	// The same name in another organization is fine.
	mustVault(t, s, o2.ID, "acme", "api")
	list, err := view(t, s, func(tx keyhouse.Tx) ([]*keyhouse.Vault, error) {
		l, n, err := tx.Vaults(bg, o1.ID, keyhouse.Page{Limit: 10})
		if n != 1 {
			t.Errorf("total = %d, want 1", n)
		}
		return l, err
	})
	if err != nil || len(list) != 1 {
		t.Errorf("Vaults = %v, %v", list, err)
	}
	err = s.Update(bg, func(tx keyhouse.Tx) error { return tx.DeleteVault(bg, o2.ID, v.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.DeleteVault(bg, o1.ID, v.ID) })
}

func testVaultEnvs(t *testing.T, s keyhouse.Store) {
	o := MustOrg(t, s)
	v, envs := mustVault(t, s, o.ID, "acme", "api", "dev", "prod")
	sec := mustSecret(t, s, envs[0], "K", "ct")
	err := s.Update(bg, func(tx keyhouse.Tx) error { return tx.RenameVaultEnv(bg, o.ID, v.ID, envs[0].ID, "prod") })
	wantCode(t, err, keyhouse.ECONFLICT)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.RenameVaultEnv(bg, o.ID, v.ID, envs[0].ID, "development") })
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Secret, error) { return tx.Secret(bg, o.ID, v.ID, sec.ID) })
	if err != nil || got.Environment != "development" || string(got.Ciphertext) != "ct" {
		t.Errorf("secret after rename = %+v, %v", got, err)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error {
		return tx.SetVaultEnvRoles(bg, o.ID, v.ID, envs[1].ID, keyhouse.RoleAdmin, keyhouse.RoleOwner)
	})
	e, _ := view(t, s, func(tx keyhouse.Tx) (*keyhouse.VaultEnv, error) { return tx.VaultEnvByName(bg, o.ID, v.ID, "prod") })
	if e.ReadRole != keyhouse.RoleAdmin || e.WriteRole != keyhouse.RoleOwner {
		t.Errorf("roles = %q %q", e.ReadRole, e.WriteRole)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.DeleteVaultEnv(bg, o.ID, v.ID, envs[0].ID) })
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Secret, error) { return tx.Secret(bg, o.ID, v.ID, sec.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	st, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.VaultStats, error) { return tx.VaultStats(bg, o.ID, v.ID) })
	if err != nil || st.SecretCount != 0 || len(st.Environments) != 1 || st.Environments[0] != "prod" {
		t.Errorf("stats = %+v, %v", st, err)
	}
}

func testSecretTrash(t *testing.T, s keyhouse.Store) {
	o := MustOrg(t, s)
	v, envs := mustVault(t, s, o.ID, "acme", "api", "dev")
	a := mustSecret(t, s, envs[0], "K", "one")
	err := s.Update(bg, func(tx keyhouse.Tx) error {
		return tx.CreateSecret(bg, &keyhouse.Secret{ID: ids.New(keyhouse.PrefixSecret), OrgID: o.ID, VaultID: v.ID, EnvID: envs[0].ID, Key: "K", VersionID: "x", VersionNumber: 1, CreatedBy: "u", UpdatedBy: "u", CreatedAt: t0, UpdatedAt: t0})
	})
	wantCode(t, err, keyhouse.ECONFLICT)
	later := t0.Add(time.Hour)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.TrashSecret(bg, o.ID, a.ID, later) })
	b := mustSecret(t, s, envs[0], "K", "two") // the trash does not hold the key
	err = s.Update(bg, func(tx keyhouse.Tx) error { return tx.RestoreSecret(bg, o.ID, a.ID, later) })
	wantCode(t, err, keyhouse.ECONFLICT)
	trash, err := view(t, s, func(tx keyhouse.Tx) ([]*keyhouse.Secret, error) {
		l, _, err := tx.Secrets(bg, keyhouse.SecretFilter{OrgID: o.ID, VaultID: v.ID, Deleted: true})
		return l, err
	})
	if err != nil || len(trash) != 1 || trash[0].ID != a.ID || trash[0].DeletedAt == nil || !trash[0].DeletedAt.Equal(later) || trash[0].Ciphertext != nil {
		t.Errorf("trash = %+v, %v", trash, err)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.DeleteSecret(bg, o.ID, b.ID) })
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.RestoreSecret(bg, o.ID, a.ID, later) })
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Secret, error) { return tx.SecretByKey(bg, o.ID, envs[0].ID, "K") })
	if err != nil || got.ID != a.ID || string(got.Ciphertext) != "one" {
		t.Errorf("restored = %+v, %v", got, err)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.TrashSecret(bg, o.ID, a.ID, t0) })
	n := 0
	mustUpdate(t, s, func(tx keyhouse.Tx) (err error) {
		n, err = tx.PurgeTrash(bg, o.ID, t0.Add(time.Millisecond))
		return err
	})
	if n != 1 {
		t.Errorf("purged %d, want 1", n)
	}
}

func testSecretVersions(t *testing.T, s keyhouse.Store) {
	o := MustOrg(t, s)
	_, envs := mustVault(t, s, o.ID, "acme", "api", "dev")
	sec := mustSecret(t, s, envs[0], "K", "v1")
	for i := 2; i <= 5; i++ {
		ver := &keyhouse.SecretVersion{ID: ids.New(keyhouse.PrefixVersion), OrgID: o.ID, SecretID: sec.ID, Number: i, Ciphertext: []byte{byte(i)}, CreatedBy: "u", CreatedAt: t0}
		mustUpdate(t, s, func(tx keyhouse.Tx) error {
			if err := tx.CreateSecretVersion(bg, ver); err != nil {
				return err
			}
			return tx.SetSecretVersion(bg, o.ID, sec.ID, ver.ID, i, "u", t0)
		})
	}
	err := s.Update(bg, func(tx keyhouse.Tx) error {
		return tx.CreateSecretVersion(bg, &keyhouse.SecretVersion{ID: ids.New(keyhouse.PrefixVersion), OrgID: o.ID, SecretID: sec.ID, Number: 5, Ciphertext: []byte{0}, CreatedBy: "u", CreatedAt: t0})
	})
	wantCode(t, err, keyhouse.ECONFLICT)
	n := 0
	mustUpdate(t, s, func(tx keyhouse.Tx) (err error) { n, err = tx.PruneSecretVersions(bg, o.ID, 2); return err })
	if n != 3 {
		t.Errorf("pruned %d, want 3", n)
	}
	vs, err := view(t, s, func(tx keyhouse.Tx) ([]*keyhouse.SecretVersion, error) { return tx.SecretVersions(bg, o.ID, sec.ID) })
	if err != nil || len(vs) != 2 || vs[0].Number != 5 || vs[1].Number != 4 {
		t.Errorf("versions = %+v, %v", vs, err)
	}
}

func testSecretTenancy(t *testing.T, s keyhouse.Store) {
	o1, o2 := MustOrg(t, s), MustOrg(t, s)
	v1, envs := mustVault(t, s, o1.ID, "acme", "api", "dev")
	v2, envs2 := mustVault(t, s, o2.ID, "acme", "api", "dev")
	sec := mustSecret(t, s, envs[0], "K", "ct")
	_, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Secret, error) { return tx.Secret(bg, o2.ID, v1.ID, sec.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Secret, error) { return tx.Secret(bg, o2.ID, v2.ID, sec.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.SecretVersion, error) {
		return tx.SecretVersion(bg, o2.ID, sec.ID, sec.VersionID)
	})
	wantCode(t, err, keyhouse.ENOTFOUND)
	for name, fn := range map[string]func(tx keyhouse.Tx) error{
		"trash":  func(tx keyhouse.Tx) error { return tx.TrashSecret(bg, o2.ID, sec.ID, t0) },
		"rename": func(tx keyhouse.Tx) error { return tx.RenameSecret(bg, o2.ID, sec.ID, "X", "u", t0) },
		"delete": func(tx keyhouse.Tx) error { return tx.DeleteSecret(bg, o2.ID, sec.ID) },
		"env":    func(tx keyhouse.Tx) error { return tx.RenameVaultEnv(bg, o2.ID, v1.ID, envs[0].ID, "x") },
		"foreign": func(tx keyhouse.Tx) error {
			return tx.CreateVaultEnv(bg, &keyhouse.VaultEnv{ID: ids.New(keyhouse.PrefixEnvironment), OrgID: o2.ID, VaultID: v1.ID, Name: "x", CreatedAt: t0})
		},
		"secret in another tenant's env": func(tx keyhouse.Tx) error {
			return tx.CreateSecret(bg, &keyhouse.Secret{ID: ids.New(keyhouse.PrefixSecret), OrgID: o2.ID, VaultID: v2.ID, EnvID: envs[0].ID, Key: "Z", VersionID: "x", VersionNumber: 1, CreatedBy: "u", UpdatedBy: "u", CreatedAt: t0, UpdatedAt: t0})
		},
	} {
		wantCode(t, s.Update(bg, fn), keyhouse.ENOTFOUND)
		_ = name
	}
	_ = envs2
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Secret, error) { return tx.Secret(bg, o1.ID, v1.ID, sec.ID) })
	if err != nil || got.Key != "K" || got.DeletedAt != nil {
		t.Errorf("secret after cross-tenant writes = %+v, %v", got, err)
	}
}

func testOrgKey(t *testing.T, s keyhouse.Store) {
	o := MustOrg(t, s)
	_, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.OrgKey, error) { return tx.OrgKey(bg, o.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	mustUpdate(t, s, func(tx keyhouse.Tx) error {
		return tx.CreateOrgKey(bg, &keyhouse.OrgKey{OrgID: o.ID, Wrapped: []byte("first"), MasterKeyID: "mk1", CreatedAt: t0})
	})
	mustUpdate(t, s, func(tx keyhouse.Tx) error {
		return tx.CreateOrgKey(bg, &keyhouse.OrgKey{OrgID: o.ID, Wrapped: []byte("second"), MasterKeyID: "mk1", CreatedAt: t0})
	})
	k, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.OrgKey, error) { return tx.OrgKey(bg, o.ID) })
	if err != nil || string(k.Wrapped) != "first" {
		t.Errorf("org key = %+v, %v", k, err)
	}
	ids, _ := view(t, s, func(tx keyhouse.Tx) ([]keyhouse.ID, error) { return tx.OrgKeysNotUnder(bg, "mk2") })
	if len(ids) != 1 || ids[0] != o.ID {
		t.Errorf("not under mk2 = %v", ids)
	}
	var ok bool
	mustUpdate(t, s, func(tx keyhouse.Tx) (err error) {
		ok, err = tx.UpdateOrgKey(bg, o.ID, []byte("x"), "mk2", "mk0")
		return err
	})
	if ok {
		t.Error("update under the wrong old key succeeded")
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) (err error) {
		ok, err = tx.UpdateOrgKey(bg, o.ID, []byte("rewrapped"), "mk2", "mk1")
		return err
	})
	if !ok {
		t.Error("update under the right old key failed")
	}
	ids, _ = view(t, s, func(tx keyhouse.Tx) ([]keyhouse.ID, error) { return tx.OrgKeysNotUnder(bg, "mk2") })
	if len(ids) != 0 {
		t.Errorf("not under mk2 after update = %v", ids)
	}
}

func testActivity(t *testing.T, s keyhouse.Store) {
	o1, o2 := MustOrg(t, s), MustOrg(t, s)
	for i, a := range []string{"vault_created", "secrets_pushed"} {
		act := &keyhouse.Activity{ID: ids.New(keyhouse.PrefixActivity), OrgID: o1.ID, VaultID: "vlt_x", VaultName: "a/b", ActorType: keyhouse.PrincipalUser, ActorID: "user_x", ActorName: "x", Action: a, Platform: "cli", Metadata: map[string]string{"n": "1"}, CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.AddActivity(bg, act) })
	}
	list, err := view(t, s, func(tx keyhouse.Tx) ([]*keyhouse.Activity, error) {
		l, n, err := tx.Activities(bg, o1.ID, keyhouse.Page{Limit: 10})
		if n != 2 {
			t.Errorf("total = %d", n)
		}
		return l, err
	})
	if err != nil || len(list) != 2 || list[0].Action != "secrets_pushed" || list[0].Metadata["n"] != "1" {
		t.Errorf("activities = %+v, %v", list, err)
	}
	other, _ := view(t, s, func(tx keyhouse.Tx) ([]*keyhouse.Activity, error) {
		l, _, err := tx.Activities(bg, o2.ID, keyhouse.Page{Limit: 10})
		return l, err
	})
	if len(other) != 0 {
		t.Errorf("other tenant sees %d activities", len(other))
	}
}

func testDeviceCode(t *testing.T, s keyhouse.Store) {
	o := MustOrg(t, s)
	d := &keyhouse.DeviceCode{ID: ids.New(keyhouse.PrefixDevice), Hash: [32]byte{1}, UserCode: "ABCDE-FGHJK", Status: keyhouse.DevicePending, CreatedAt: t0, ExpiresAt: t0.Add(15 * time.Minute)}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateDeviceCode(bg, d) })
	dup := *d
	dup.ID, dup.Hash = ids.New(keyhouse.PrefixDevice), [32]byte{2}
	wantCode(t, s.Update(bg, func(tx keyhouse.Tx) error { return tx.CreateDeviceCode(bg, &dup) }), keyhouse.ECONFLICT)
	// Expired codes cannot be decided.
	wantCode(t, s.Update(bg, func(tx keyhouse.Tx) error {
		return tx.DecideDeviceCode(bg, d.ID, keyhouse.DeviceApproved, o.ID, "user_x", t0.Add(16*time.Minute))
	}), keyhouse.ENOTFOUND)
	wantCode(t, s.Update(bg, func(tx keyhouse.Tx) error { return tx.ConsumeDeviceCode(bg, d.ID) }), keyhouse.ENOTFOUND)
	mustUpdate(t, s, func(tx keyhouse.Tx) error {
		return tx.DecideDeviceCode(bg, d.ID, keyhouse.DeviceApproved, o.ID, "user_x", t0.Add(time.Minute))
	})
	wantCode(t, s.Update(bg, func(tx keyhouse.Tx) error {
		return tx.DecideDeviceCode(bg, d.ID, keyhouse.DeviceDenied, o.ID, "user_x", t0.Add(time.Minute))
	}), keyhouse.ENOTFOUND)
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.DeviceCode, error) { return tx.DeviceCodeByUserCode(bg, "ABCDE-FGHJK") })
	if err != nil || got.Status != keyhouse.DeviceApproved || got.OrgID != o.ID || got.UserID != "user_x" || got.Hash != d.Hash {
		t.Errorf("device code = %+v, %v", got, err)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.ConsumeDeviceCode(bg, d.ID) })
	wantCode(t, s.Update(bg, func(tx keyhouse.Tx) error { return tx.ConsumeDeviceCode(bg, d.ID) }), keyhouse.ENOTFOUND)
	n := 0
	mustUpdate(t, s, func(tx keyhouse.Tx) (err error) {
		n, err = tx.DeleteExpiredDeviceCodes(bg, t0.Add(time.Hour))
		return err
	})
	if n != 1 {
		t.Errorf("deleted %d expired codes, want 1", n)
	}
}
