package keys_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore"
	"github.com/keyhouse-dev/keyhouse/internal/webhook"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t.UTC().Truncate(time.Millisecond)
	c.mu.Unlock()
}

func (c *fakeClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

type env struct {
	t       testing.TB
	db      *sqlstore.DB
	path    string
	svc     *keys.Service
	clock   *fakeClock
	hasher  *crypto.Hasher
	sealer  keys.Sealer
	master  crypto.MasterKey
	logs    *syncBuffer
	org     keyhouse.ID
	project keyhouse.ID
	ctx     context.Context // the org owner
}

type opt func(*keys.Options)

// tempDir is a temporary directory on tmpfs when there is one: SQLite
// fsyncs every commit (synchronous=FULL), which on a real disk makes tests
// that commit thousands of times take minutes.
func tempDir(t testing.TB) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "keyhouse-keys-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return t.TempDir()
}

func newEnv(t testing.TB, opts ...opt) *env {
	t.Helper()
	ctx := context.Background()
	clock := &fakeClock{}
	clock.Set(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	path := filepath.Join(tempDir(t), "keys.db")
	db, err := sqlstore.Open(ctx, path, clock)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pepper, err := crypto.GeneratePepper(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := crypto.NewHasher(pepper)
	if err != nil {
		t.Fatal(err)
	}
	mk, err := crypto.GenerateMasterKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := crypto.NewKeyring(mk)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, path: path, clock: clock, hasher: hasher, sealer: keyringSealer{kr}, master: mk, logs: &syncBuffer{}}
	e.org, e.project = mustOrg(t, db, "acme")
	o := keys.Options{Clock: clock, Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sealer: e.sealer, AllowPrivateNet: true, CacheTTL: time.Hour,
		Webhook: &webhook.Deliverer{Sleep: func(context.Context, time.Duration) error { return nil }}}
	for _, f := range opts {
		f(&o)
	}
	e.svc = keys.NewService(db, hasher, o)
	t.Cleanup(func() { e.svc.Close(context.Background()) })
	e.ctx = owner(e.org)
	return e
}

func owner(org keyhouse.ID) context.Context {
	return keyhouse.NewContextWithPrincipal(context.Background(), &keyhouse.Principal{
		Kind: keyhouse.PrincipalUser, OrgID: org, UserID: ids.New(keyhouse.PrefixUser), Role: keyhouse.RoleOwner})
}

func withRole(org keyhouse.ID, role keyhouse.Role) context.Context {
	return keyhouse.NewContextWithPrincipal(context.Background(), &keyhouse.Principal{
		Kind: keyhouse.PrincipalUser, OrgID: org, UserID: ids.New(keyhouse.PrefixUser), Role: role})
}

func mgmtKey(org keyhouse.ID, scopes ...string) context.Context {
	return keyhouse.NewContextWithPrincipal(context.Background(), &keyhouse.Principal{
		Kind: keyhouse.PrincipalMgmtKey, OrgID: org, MgmtKeyID: ids.New(keyhouse.PrefixMgmtKey), Scopes: scopes})
}

// mustOrg creates an organization with a project "default" (live, test).
func mustOrg(t testing.TB, db keyhouse.Store, name string) (keyhouse.ID, keyhouse.ID) {
	t.Helper()
	org := ids.New(keyhouse.PrefixOrg)
	proj := ids.New(keyhouse.PrefixProject)
	err := db.Update(context.Background(), func(tx keyhouse.Tx) error {
		ctx := context.Background()
		now := tx.Now()
		if err := tx.CreateOrg(ctx, &keyhouse.Organization{ID: org, Name: name, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateProject(ctx, &keyhouse.Project{ID: proj, OrgID: org, Name: "default", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		for _, n := range []string{"live", "test"} {
			if err := tx.CreateEnvironment(ctx, &keyhouse.Environment{ID: ids.New(keyhouse.PrefixEnvironment), OrgID: org, ProjectID: proj, Name: n, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return org, proj
}

func (e *env) mustCreate(p keys.CreateParams) *keys.Created {
	e.t.Helper()
	c, err := e.svc.Create(e.ctx, p)
	if err != nil {
		e.t.Fatalf("create key: %v", err)
	}
	return c
}

func (e *env) mustPolicy(p keys.PolicyParams) *keyhouse.Policy {
	e.t.Helper()
	if p.Name == "" {
		p.Name = "policy"
	}
	pol, err := e.svc.CreatePolicy(e.ctx, p)
	if err != nil {
		e.t.Fatalf("create policy: %v", err)
	}
	return pol
}

func (e *env) mustScope(name string) {
	e.t.Helper()
	if _, err := e.svc.CreateScope(e.ctx, name, "", ""); err != nil {
		e.t.Fatalf("create scope: %v", err)
	}
}

func (e *env) validate(p keys.ValidateParams) keys.Result {
	e.t.Helper()
	r, err := e.svc.Validate(e.ctx, p)
	if err != nil {
		e.t.Fatalf("validate: %v", err)
	}
	return r
}

// serviceOn is another service (another node) on st with the env's hasher
// and sealer, and its clock unless o names one; closed at cleanup.
func (e *env) serviceOn(st keyhouse.Store, o keys.Options) *keys.Service {
	if o.Clock == nil {
		o.Clock = e.clock
	}
	o.Sealer = e.sealer
	svc := keys.NewService(st, e.hasher, o)
	e.t.Cleanup(func() { svc.Close(context.Background()) })
	return svc
}

// usageService is another service on st whose usage writer writes only
// full batches of the given size, flushes and close: its tick is an hour off.
func (e *env) usageService(st keyhouse.Store, batch int) *keys.Service {
	return e.serviceOn(st, keys.Options{UsageInterval: time.Hour, UsageBatch: batch})
}

// validateN validates raw n times on svc, each of which must be valid. It
// reports with Errorf, so it may run on another goroutine.
func (e *env) validateN(svc *keys.Service, raw string, n int) {
	for range n {
		if r, err := svc.Validate(e.ctx, keys.ValidateParams{RawKey: raw}); err != nil || !r.Valid {
			e.t.Errorf("validate: %+v, %v", r, err)
			return
		}
	}
}

// usageCount is how many usage records the database holds for keyID.
func (e *env) usageCount(keyID keyhouse.ID) int {
	e.t.Helper()
	var n int
	err := e.db.View(context.Background(), func(tx keyhouse.Tx) (err error) {
		_, n, err = tx.Usage(context.Background(), keyhouse.UsageFilter{OrgID: e.org, KeyID: keyID, Page: keyhouse.Page{Limit: 1}})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) code(raw string) keys.FailureCode {
	e.t.Helper()
	return e.validate(keys.ValidateParams{RawKey: raw}).Code
}

// keyringSealer seals under a fixed keyring (the server's is
// secrets.MasterSealer, which follows key rotation).
type keyringSealer struct{ kr *crypto.Keyring }

func (k keyringSealer) Seal(p, ad []byte) ([]byte, string, error) { return k.kr.Seal(p, ad) }
func (k keyringSealer) Open(b []byte, id string, ad []byte) ([]byte, error) {
	return k.kr.Open(b, id, ad)
}
