package secrets_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/dotenv"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
)

func mustVault(t *testing.T, ctx context.Context, s *secrets.Service, name string) {
	t.Helper()
	if _, err := s.CreateVault(ctx, name); err != nil {
		t.Fatal(err)
	}
}

func mustPush(t *testing.T, ctx context.Context, s *secrets.Service, vault, env string, values map[string]string) {
	t.Helper()
	if _, err := s.Push(ctx, vault, env, values); err != nil {
		t.Fatal(err)
	}
}

func pullMap(ctx context.Context, s *secrets.Service, vault, env string) (map[string]string, error) {
	entries, err := s.Pull(ctx, vault, env, keyhouse.Page{})
	if err != nil {
		return nil, err
	}
	return entryMap(entries), nil
}

func entryMap(entries []dotenv.Entry) map[string]string {
	m := map[string]string{}
	for _, e := range entries {
		m[e.Key] = e.Value
	}
	return m
}

func keySource(primary crypto.MasterKey, old ...crypto.MasterKey) secrets.KeySource {
	return func() (crypto.MasterKey, []crypto.MasterKey, error) { return primary, old, nil }
}

func TestDatabaseFileHoldsNoValue(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	ctx := env.UserContext(env.Owner)
	s := env.App.Secrets
	mustVault(t, ctx, s, "acme/api")
	probes := map[string]string{"PROBE_ONE": "plaintext-probe-7f3a9c2e1b", "PROBE_TWO": "another-probe-d41d8cd98f"}
	mustPush(t, ctx, s, "acme/api", "dev", probes)
	if _, err := s.UpdateSecret(ctx, "acme", "api", mustID(t, ctx, s, "PROBE_ONE"), nil, ptr("updated-probe-0c4f2aa9e3")); err != nil {
		t.Fatal(err)
	}
	probes["UPDATED"] = "updated-probe-0c4f2aa9e3"
	// The values are really there, for the service with the key.
	if got, err := pullMap(ctx, s, "acme/api", "dev"); err != nil || got["PROBE_TWO"] != probes["PROBE_TWO"] {
		t.Fatalf("pull = %v, %v", got, err)
	}
	path := env.App.Config.DatabaseURL
	var raw []byte
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(p)
		if err == nil {
			raw = append(raw, b...)
		}
	}
	if len(raw) == 0 {
		t.Fatal("read nothing from the database files")
	}
	if !bytes.Contains(raw, []byte("PROBE_ONE")) {
		t.Fatal("the key name is not in the file: the test reads the wrong file")
	}
	for k, v := range probes {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the database file holds the value of %s", k)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func mustID(t *testing.T, ctx context.Context, s *secrets.Service, key string) string {
	t.Helper()
	list, _, err := s.Secrets(ctx, "acme", "api", keyhouse.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range list {
		if sec.Key == key {
			return sec.ID
		}
	}
	t.Fatalf("no secret %s", key)
	return ""
}

func TestSwappedCiphertextDoesNotOpen(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	ctx := env.UserContext(env.Owner)
	s := env.App.Secrets
	mustVault(t, ctx, s, "acme/api")
	mustPush(t, ctx, s, "acme/api", "dev", map[string]string{"A": "value-of-a", "B": "value-of-b"})
	a, b := mustID(t, ctx, s, "A"), mustID(t, ctx, s, "B")
	db := env.App.Store
	// An attacker with write access copies B's ciphertext into A's row.
	_, err := db.SQL().Exec(db.Rebind(`UPDATE secret_versions SET ciphertext = (SELECT ciphertext FROM secret_versions WHERE secret_id = ?) WHERE secret_id = ?`), b, a)
	if err != nil {
		t.Fatal(err)
	}
	_, v, err := s.RevealSecret(ctx, "acme", "api", a)
	if err == nil || v != "" {
		t.Fatalf("swapped ciphertext opened: %q, %v", v, err)
	}
	if keyhouse.ErrorCode(err) != keyhouse.EINTERNAL || keyhouse.ErrorMessage(err) != "Internal error." {
		t.Errorf("err = %v, want an internal error that says nothing", err)
	}
	if _, err := s.Pull(ctx, "acme/api", "dev", keyhouse.Page{}); err == nil {
		t.Error("pull with a swapped ciphertext succeeded")
	}
	if _, v, err := s.RevealSecret(ctx, "acme", "api", b); err != nil || v != "value-of-b" {
		t.Errorf("B = %q, %v", v, err)
	}
}

func TestSwappedDataKeyDoesNotOpen(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	one, two := env.UserContext(env.Owner), env.UserContext(env.Other)
	mustVault(t, one, env.App.Secrets, "acme/api")
	mustPush(t, one, env.App.Secrets, "acme/api", "dev", map[string]string{"A": "a"})
	mustVault(t, two, env.App.Secrets, "acme/api")
	mustPush(t, two, env.App.Secrets, "acme/api", "dev", map[string]string{"A": "b"})
	db := env.App.Store
	// Org two's row gets org one's wrapped data key.
	_, err := db.SQL().Exec(db.Rebind(`UPDATE org_keys SET wrapped = (SELECT wrapped FROM org_keys WHERE org_id = ?) WHERE org_id = ?`), env.Owner.ID, env.Other.ID)
	if err != nil {
		t.Fatal(err)
	}
	mk, _ := crypto.ParseMasterKey(env.App.Config.MasterKey)
	fresh, err := secrets.NewService(db, keySource(mk), secrets.Options{Clock: env.Clock})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := pullMap(two, fresh, "acme/api", "dev"); err == nil {
		t.Fatalf("pull with another tenant's data key = %v", got)
	}
	if got, err := pullMap(one, fresh, "acme/api", "dev"); err != nil || got["A"] != "a" {
		t.Errorf("org one = %v, %v", got, err)
	}
}

func TestRotateMasterKeyUnderConcurrentReads(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	db := env.App.Store
	oldKey, err := crypto.ParseMasterKey(env.App.Config.MasterKey)
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := crypto.GenerateMasterKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	orgs := []context.Context{env.UserContext(env.Owner), env.UserContext(env.Other)}
	// A third tenant, so there is more than one row to re-wrap while reads run.
	extra := env.AddUser(env.Owner, "m@one.test", keyhouse.RoleMember)
	want := map[int]map[string]string{}
	for i, ctx := range orgs {
		mustVault(t, ctx, env.App.Secrets, "acme/api")
		want[i] = map[string]string{}
		for j := range 30 {
			want[i][fmt.Sprintf("K%02d", j)] = fmt.Sprintf("org%d-value-%d", i, j)
		}
		mustPush(t, ctx, env.App.Secrets, "acme/api", "dev", want[i])
	}
	_ = extra

	// Servers restarted with the new key as primary and the old one
	// retired-but-known read while the rotation runs. Each read uses a
	// fresh service, so nothing comes from a cache.
	var done atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !done.Load() || i < 3; i++ {
				svc, err := secrets.NewService(db, keySource(newKey, oldKey), secrets.Options{Clock: env.Clock})
				if err != nil {
					errs <- err
					return
				}
				o := (w + i) % len(orgs)
				got, err := pullMap(orgs[o], svc, "acme/api", "dev")
				if err != nil {
					errs <- fmt.Errorf("read during rotation: %w", err)
					return
				}
				if len(got) != len(want[o]) || got["K07"] != want[o]["K07"] {
					errs <- fmt.Errorf("read during rotation: %d values, K07=%q", len(got), got["K07"])
					return
				}
				reads.Add(1)
			}
		}()
	}
	kr, err := crypto.NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	res, err := secrets.RotateMasterKey(context.Background(), db, kr)
	done.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if res.OrgKeys != 2 || res.ServerSecrets < 1 {
		t.Errorf("rotation re-wrapped %+v, want 2 data keys and the pepper", res)
	}
	if reads.Load() == 0 {
		t.Error("no read ran")
	}
	// Nothing is left under the old key: the new key alone opens everything.
	onlyNew, err := secrets.NewService(db, keySource(newKey), secrets.Options{Clock: env.Clock})
	if err != nil {
		t.Fatal(err)
	}
	for i, ctx := range orgs {
		got, err := pullMap(ctx, onlyNew, "acme/api", "dev")
		if err != nil || len(got) != len(want[i]) {
			t.Errorf("org %d with only the new key: %d values, %v", i, len(got), err)
		}
		for k, v := range want[i] {
			if got[k] != v {
				t.Errorf("org %d %s = %q, want %q", i, k, got[k], v)
			}
		}
	}
	err = db.View(context.Background(), func(tx keyhouse.Tx) error {
		left, err := tx.OrgKeysNotUnder(context.Background(), newKey.ID)
		if len(left) != 0 {
			t.Errorf("data keys still under another key: %v", left)
		}
		names, _ := tx.ServerSecretNames(context.Background())
		for _, n := range names {
			if _, id, _ := tx.ServerSecret(context.Background(), n); id != newKey.ID {
				t.Errorf("server secret %s is under %s", n, id)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second run has nothing to do.
	if res, err := secrets.RotateMasterKey(context.Background(), db, kr); err != nil || res != (secrets.RotateResult{}) {
		t.Errorf("second rotation = %+v, %v", res, err)
	}
}

func TestServerReloadsRotatedKeyFile(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	ctx := env.UserContext(env.Owner)
	mustVault(t, ctx, env.App.Secrets, "acme/api")
	mustPush(t, ctx, env.App.Secrets, "acme/api", "dev", map[string]string{"A": "a"})
	oldKey, _ := crypto.ParseMasterKey(env.App.Config.MasterKey)
	file := filepath.Join(t.TempDir(), "keyhouse.key")
	if err := os.WriteFile(file, []byte(oldKey.Encode()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A running server that has not read this tenant's data key yet.
	server, err := secrets.NewService(env.App.Store, secrets.ConfigKeys("", file, nil), secrets.Options{Clock: env.Clock})
	if err != nil {
		t.Fatal(err)
	}
	newKey, _ := crypto.GenerateMasterKey(nil)
	if err := os.WriteFile(file, []byte(newKey.Encode()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kr, _ := crypto.NewKeyring(newKey, oldKey)
	if _, err := secrets.RotateMasterKey(context.Background(), env.App.Store, kr); err != nil {
		t.Fatal(err)
	}
	if got, err := pullMap(ctx, server, "acme/api", "dev"); err != nil || got["A"] != "a" {
		t.Errorf("after rotation the running server reads %v, %v", got, err)
	}
}

func TestRetentionPurgesOldTrashAndVersions(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	ctx := env.UserContext(env.Owner)
	s := env.App.Secrets
	mustVault(t, ctx, s, "acme/api")
	mustPush(t, ctx, s, "acme/api", "dev", map[string]string{"GONE": "x", "KEPT": "v0"})
	id := mustID(t, ctx, s, "KEPT")
	for i := 1; i <= secrets.VersionsKept+5; i++ {
		if _, err := s.UpdateSecret(ctx, "acme", "api", id, nil, ptr(fmt.Sprintf("v%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.TrashSecret(ctx, "acme", "api", mustID(t, ctx, s, "GONE")); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(secrets.TrashRetention - time.Second)
	if err := s.PurgeExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := s.Trash(ctx, "acme", "api", keyhouse.Page{Limit: 10}); len(list) != 1 {
		t.Errorf("trash before 30 days = %d entries, want 1", len(list))
	}
	env.Clock.Advance(2 * time.Second)
	if err := s.PurgeExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := s.Trash(ctx, "acme", "api", keyhouse.Page{Limit: 10}); len(list) != 0 {
		t.Errorf("trash after 30 days = %d entries, want 0", len(list))
	}
	vs, err := s.Versions(ctx, "acme", "api", id)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != secrets.VersionsKept || vs[0].Number != secrets.VersionsKept+6 {
		t.Errorf("versions = %d (newest %d), want %d", len(vs), vs[0].Number, secrets.VersionsKept)
	}
	if _, v, err := s.RevealSecret(ctx, "acme", "api", id); err != nil || v != fmt.Sprintf("v%d", secrets.VersionsKept+5) {
		t.Errorf("current value = %q, %v", v, err)
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"", "••••••••"}, {"12345678", "••••••••"}, {"123456789", "12••••89"}, {"123456789012", "12••••12"},
		{"1234567890123", "1234••••0123"}, {"ééééééééééééé", "éééé••••éééé"},
	} {
		if got := secrets.Preview(tt.in); got != tt.want {
			t.Errorf("Preview(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The server's master sealer (keys' webhook secrets) follows a key file
// replaced by rotate-master-key: it opens rows re-wrapped under the new
// key and seals new ones under it, without a restart.
func TestMasterSealerFollowsRotatedKeyFile(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	oldKey, _ := crypto.ParseMasterKey(env.App.Config.MasterKey)
	file := filepath.Join(t.TempDir(), "keyhouse.key")
	if err := os.WriteFile(file, []byte(oldKey.Encode()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	server, err := secrets.NewService(env.App.Store, secrets.ConfigKeys("", file, nil), secrets.Options{Clock: env.Clock})
	if err != nil {
		t.Fatal(err)
	}
	sealer := server.MasterSealer()
	ad := []byte("test.ad")
	blob, id, err := sealer.Seal([]byte("whsec_x"), ad)
	if err != nil || id != oldKey.ID {
		t.Fatalf("seal: %q %v, want under %s", id, err, oldKey.ID)
	}
	newKey, _ := crypto.GenerateMasterKey(nil)
	if err := os.WriteFile(file, []byte(newKey.Encode()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kr, _ := crypto.NewKeyring(newKey, oldKey)
	rewrapped, newID, err := kr.RewrapSealed(blob, id, ad)
	if err != nil || newID != newKey.ID {
		t.Fatal(newID, err)
	}
	if got, err := sealer.Open(rewrapped, newID, ad); err != nil || string(got) != "whsec_x" {
		t.Fatalf("open after rotation: %q, %v", got, err)
	}
	if _, id, _ := sealer.Seal([]byte("whsec_y"), ad); id != newKey.ID {
		t.Fatalf("sealed under %s after rotation, want %s", id, newKey.ID)
	}
	if _, err := sealer.Open(rewrapped, "mk_nobody", ad); err == nil {
		t.Fatal("opened under an unknown key ID")
	}
}
