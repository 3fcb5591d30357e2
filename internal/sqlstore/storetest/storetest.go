// Package storetest is the conformance suite every keyhouse.Store must
// pass. It runs on SQLite always and on PostgreSQL when
// KEYHOUSE_TEST_POSTGRES_URL is set (internal/sqlstore's tests).
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Open returns a fresh, migrated, empty store for one test.
type Open func(t *testing.T) keyhouse.Store

// Run runs the whole suite.
func Run(t *testing.T, open Open) {
	t.Run("Org/CreateAndFind", func(t *testing.T) { t.Parallel(); testOrg(t, open(t)) })
	t.Run("User/EmailUniqueAndTenancy", func(t *testing.T) { t.Parallel(); testUser(t, open(t)) })
	t.Run("SetupToken/SingleUse", func(t *testing.T) { t.Parallel(); testSetupToken(t, open(t)) })
	t.Run("Session/CreateRevokeTouch", func(t *testing.T) { t.Parallel(); testSession(t, open(t)) })
	t.Run("MgmtKey/CreateListRevoke", func(t *testing.T) { t.Parallel(); testMgmtKey(t, open(t)) })
	t.Run("MgmtKey/CrossTenantIsNotFound", func(t *testing.T) { t.Parallel(); testMgmtKeyTenancy(t, open(t)) })
	t.Run("Project/CRUD", func(t *testing.T) { t.Parallel(); testProject(t, open(t)) })
	t.Run("Project/CrossTenantIsNotFound", func(t *testing.T) { t.Parallel(); testProjectTenancy(t, open(t)) })
	t.Run("Environment/CRUD", func(t *testing.T) { t.Parallel(); testEnvironment(t, open(t)) })
	t.Run("Audit/AppendFilterHead", func(t *testing.T) { t.Parallel(); testAudit(t, open(t)) })
	t.Run("ServerSecret/FirstWriterWins", func(t *testing.T) { t.Parallel(); testServerSecret(t, open(t)) })
	t.Run("Tx/RollbackOnError", func(t *testing.T) { t.Parallel(); testRollback(t, open(t)) })
	for _, extra := range extras {
		extra(t, open)
	}
}

// extras are suites of other aggregates (keys, secrets) registered by
// their files in this package.
var extras []func(t *testing.T, open Open)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)

// MustOrg creates an organization and returns it.
func MustOrg(tb testing.TB, s keyhouse.Store) *keyhouse.Organization {
	tb.Helper()
	o := &keyhouse.Organization{ID: ids.New(keyhouse.PrefixOrg), Name: "org", CreatedAt: t0}
	mustUpdate(tb, s, func(tx keyhouse.Tx) error { return tx.CreateOrg(context.Background(), o) })
	return o
}

// MustProject creates a project in org.
func MustProject(tb testing.TB, s keyhouse.Store, orgID keyhouse.ID, name string) *keyhouse.Project {
	tb.Helper()
	p := &keyhouse.Project{ID: ids.New(keyhouse.PrefixProject), OrgID: orgID, Name: name, CreatedAt: t0, UpdatedAt: t0}
	mustUpdate(tb, s, func(tx keyhouse.Tx) error { return tx.CreateProject(context.Background(), p) })
	return p
}

func mustUpdate(tb testing.TB, s keyhouse.Store, fn func(keyhouse.Tx) error) {
	tb.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		tb.Fatalf("update: %v", err)
	}
}

func view[T any](tb testing.TB, s keyhouse.Store, fn func(keyhouse.Tx) (T, error)) (T, error) {
	tb.Helper()
	var v T
	err := s.View(context.Background(), func(tx keyhouse.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v, err
}

func wantCode(tb testing.TB, err error, code keyhouse.Code) {
	tb.Helper()
	if got := keyhouse.ErrorCode(err); got != code {
		tb.Errorf("error code %q (%v), want %q", got, err, code)
	}
}

func testOrg(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	_, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Organization, error) { return tx.FirstOrg(ctx) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	a := MustOrg(t, s)
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Organization, error) { return tx.Org(ctx, a.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("org mismatch (-want +got):\n%s", diff)
	}
	first, _ := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Organization, error) { return tx.FirstOrg(ctx) })
	if first == nil || first.ID != a.ID {
		t.Errorf("FirstOrg = %v, want %s", first, a.ID)
	}
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Organization, error) { return tx.Org(ctx, ids.New(keyhouse.PrefixOrg)) })
	wantCode(t, err, keyhouse.ENOTFOUND)
}

func newUser(orgID keyhouse.ID, email string) *keyhouse.User {
	return &keyhouse.User{ID: ids.New(keyhouse.PrefixUser), OrgID: orgID, Email: email, Name: "n", Role: keyhouse.RoleMember, PasswordHash: "h", CreatedAt: t0, UpdatedAt: t0}
}

func testUser(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	a, b := MustOrg(t, s), MustOrg(t, s)
	u := newUser(a.ID, "Ann@Example.com")
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateUser(ctx, u) })
	err := s.Update(ctx, func(tx keyhouse.Tx) error { return tx.CreateUser(ctx, newUser(b.ID, "ann@example.com")) })
	wantCode(t, err, keyhouse.ECONFLICT)
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.User, error) { return tx.UserByEmail(ctx, "ANN@example.com") })
	if err != nil || got.ID != u.ID || got.Email != "ann@example.com" {
		t.Fatalf("UserByEmail = %+v, %v", got, err)
	}
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.User, error) { return tx.User(ctx, b.ID, u.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	err = s.Update(ctx, func(tx keyhouse.Tx) error { return tx.SetUserPassword(ctx, b.ID, u.ID, "x") })
	wantCode(t, err, keyhouse.ENOTFOUND)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.SetUserPassword(ctx, a.ID, u.ID, "new") })
	got, _ = view(t, s, func(tx keyhouse.Tx) (*keyhouse.User, error) { return tx.User(ctx, a.ID, u.ID) })
	if got.PasswordHash != "new" {
		t.Errorf("password hash %q, want new", got.PasswordHash)
	}
}

func testSetupToken(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	u := newUser(o.ID, "setup@example.com")
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateUser(ctx, u) })
	tok := &keyhouse.SetupToken{Hash: [32]byte{1, 2, 3}, OrgID: o.ID, UserID: u.ID, ExpiresAt: t0.Add(time.Hour)}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateSetupToken(ctx, tok) })
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.SetupToken, error) { return tx.SetupToken(ctx, tok.Hash) })
	if err != nil || got.UserID != u.ID || got.UsedAt != nil || !got.ExpiresAt.Equal(tok.ExpiresAt) {
		t.Fatalf("SetupToken = %+v, %v", got, err)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.UseSetupToken(ctx, tok.Hash) })
	err = s.Update(ctx, func(tx keyhouse.Tx) error { return tx.UseSetupToken(ctx, tok.Hash) })
	wantCode(t, err, keyhouse.ECONFLICT)
}

func testSession(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	a, b := MustOrg(t, s), MustOrg(t, s)
	u := newUser(a.ID, "sess@example.com")
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateUser(ctx, u) })
	sess := &keyhouse.Session{ID: ids.New(keyhouse.PrefixSession), OrgID: a.ID, UserID: u.ID, Kind: keyhouse.SessionCLI, Hash: [32]byte{9}, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateSession(ctx, sess) })
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Session, error) { return tx.SessionByHash(ctx, sess.Hash) })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sess, got); diff != "" {
		t.Errorf("session mismatch (-want +got):\n%s", diff)
	}
	err = s.Update(ctx, func(tx keyhouse.Tx) error { return tx.RevokeSession(ctx, b.ID, sess.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	used := t0.Add(time.Minute)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.TouchSession(ctx, sess.ID, used) })
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.RevokeSession(ctx, a.ID, sess.ID) })
	got, _ = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Session, error) { return tx.SessionByHash(ctx, sess.Hash) })
	if got.RevokedAt == nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Errorf("after revoke+touch: %+v", got)
	}
	err = s.Update(ctx, func(tx keyhouse.Tx) error { return tx.RevokeSession(ctx, a.ID, sess.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
}

func newMgmtKey(orgID keyhouse.ID, h byte, at time.Time) *keyhouse.MgmtKey {
	return &keyhouse.MgmtKey{ID: ids.New(keyhouse.PrefixMgmtKey), OrgID: orgID, Name: "k", KeyPrefix: "kc_abc", Hash: [32]byte{h}, PepperVersion: 1,
		Scopes: []string{"read:keys"}, CreatedBy: "user_x", CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
}

func testMgmtKey(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	k1, k2, k3 := newMgmtKey(o.ID, 1, t0), newMgmtKey(o.ID, 2, t0.Add(time.Second)), newMgmtKey(o.ID, 3, t0.Add(2*time.Second))
	for _, k := range []*keyhouse.MgmtKey{k1, k2, k3} {
		mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateMgmtKey(ctx, k) })
	}
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.MgmtKey, error) { return tx.MgmtKeyByHash(ctx, [32]byte{2}) })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(k2, got); diff != "" {
		t.Errorf("key mismatch (-want +got):\n%s", diff)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.RevokeMgmtKey(ctx, o.ID, k2.ID, t0.Add(time.Hour)) })
	type page struct {
		keys  []*keyhouse.MgmtKey
		total int
	}
	p, err := view(t, s, func(tx keyhouse.Tx) (page, error) {
		keys, total, err := tx.MgmtKeys(ctx, o.ID, keyhouse.Page{Limit: 1})
		return page{keys, total}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.total != 2 || len(p.keys) != 1 || p.keys[0].ID != k3.ID {
		t.Errorf("MgmtKeys(limit 1) = %d keys (first %v), total %d; want newest live key %s, total 2", len(p.keys), p.keys, p.total, k3.ID)
	}
	err = s.Update(ctx, func(tx keyhouse.Tx) error { return tx.RevokeMgmtKey(ctx, o.ID, k2.ID, t0) })
	wantCode(t, err, keyhouse.ENOTFOUND)
}

func testMgmtKeyTenancy(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	a, b := MustOrg(t, s), MustOrg(t, s)
	k := newMgmtKey(a.ID, 7, t0)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateMgmtKey(ctx, k) })
	_, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.MgmtKey, error) { return tx.MgmtKey(ctx, b.ID, k.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	err = s.Update(ctx, func(tx keyhouse.Tx) error { return tx.RevokeMgmtKey(ctx, b.ID, k.ID, t0) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	n, _ := view(t, s, func(tx keyhouse.Tx) (int, error) {
		_, total, err := tx.MgmtKeys(ctx, b.ID, keyhouse.Page{})
		return total, err
	})
	if n != 0 {
		t.Errorf("other org lists %d keys, want 0", n)
	}
	got, _ := view(t, s, func(tx keyhouse.Tx) (*keyhouse.MgmtKey, error) { return tx.MgmtKey(ctx, a.ID, k.ID) })
	if got == nil || got.RevokedAt != nil {
		t.Errorf("key changed by another org: %+v", got)
	}
}

func testProject(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	p := MustProject(t, s, o.ID, "api")
	err := s.Update(ctx, func(tx keyhouse.Tx) error {
		return tx.CreateProject(ctx, &keyhouse.Project{ID: ids.New(keyhouse.PrefixProject), OrgID: o.ID, Name: "api", CreatedAt: t0, UpdatedAt: t0})
	})
	wantCode(t, err, keyhouse.ECONFLICT)
	MustProject(t, s, o.ID, "web")
	name, desc := "api2", "the api"
	at := t0.Add(time.Hour)
	var up *keyhouse.Project
	mustUpdate(t, s, func(tx keyhouse.Tx) (err error) {
		up, err = tx.UpdateProject(ctx, o.ID, p.ID, keyhouse.ProjectUpdate{Name: &name, Description: &desc}, at)
		return err
	})
	got, _ := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Project, error) { return tx.Project(ctx, o.ID, p.ID) })
	if diff := cmp.Diff(up, got); diff != "" || got.Name != "api2" || !got.UpdatedAt.Equal(at) {
		t.Errorf("updated project mismatch (-returned +stored):\n%s", diff)
	}
	web := "web"
	err = s.Update(ctx, func(tx keyhouse.Tx) error {
		_, err := tx.UpdateProject(ctx, o.ID, p.ID, keyhouse.ProjectUpdate{Name: &web}, at)
		return err
	})
	wantCode(t, err, keyhouse.ECONFLICT)
	total, _ := view(t, s, func(tx keyhouse.Tx) (int, error) {
		_, n, err := tx.Projects(ctx, o.ID, keyhouse.Page{Limit: 1})
		return n, err
	})
	if total != 2 {
		t.Errorf("total %d, want 2", total)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.DeleteProject(ctx, o.ID, p.ID) })
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Project, error) { return tx.Project(ctx, o.ID, p.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
}

func testProjectTenancy(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	a, b := MustOrg(t, s), MustOrg(t, s)
	p := MustProject(t, s, a.ID, "api")
	name := "stolen"
	for _, fn := range []func(tx keyhouse.Tx) error{
		func(tx keyhouse.Tx) error { _, err := tx.Project(ctx, b.ID, p.ID); return err },
		func(tx keyhouse.Tx) error { _, err := tx.ProjectByName(ctx, b.ID, "api"); return err },
		func(tx keyhouse.Tx) error {
			_, err := tx.UpdateProject(ctx, b.ID, p.ID, keyhouse.ProjectUpdate{Name: &name}, t0)
			return err
		},
		func(tx keyhouse.Tx) error { return tx.DeleteProject(ctx, b.ID, p.ID) },
		func(tx keyhouse.Tx) error {
			return tx.CreateEnvironment(ctx, &keyhouse.Environment{ID: ids.New(keyhouse.PrefixEnvironment), OrgID: b.ID, ProjectID: p.ID, Name: "x", CreatedAt: t0, UpdatedAt: t0})
		},
	} {
		wantCode(t, s.Update(ctx, fn), keyhouse.ENOTFOUND)
	}
	got, _ := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Project, error) { return tx.Project(ctx, a.ID, p.ID) })
	if got == nil || got.Name != "api" {
		t.Errorf("project changed by another org: %+v", got)
	}
}

func testEnvironment(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	p := MustProject(t, s, o.ID, "api")
	mk := func(name string) *keyhouse.Environment {
		return &keyhouse.Environment{ID: ids.New(keyhouse.PrefixEnvironment), OrgID: o.ID, ProjectID: p.ID, Name: name, CreatedAt: t0, UpdatedAt: t0}
	}
	live, test := mk("live"), mk("test")
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateEnvironment(ctx, live) })
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateEnvironment(ctx, test) })
	wantCode(t, s.Update(ctx, func(tx keyhouse.Tx) error { return tx.CreateEnvironment(ctx, mk("live")) }), keyhouse.ECONFLICT)
	wantCode(t, s.Update(ctx, func(tx keyhouse.Tx) error {
		_, err := tx.RenameEnvironment(ctx, o.ID, p.ID, test.ID, "live", t0)
		return err
	}), keyhouse.ECONFLICT)
	mustUpdate(t, s, func(tx keyhouse.Tx) error {
		_, err := tx.RenameEnvironment(ctx, o.ID, p.ID, test.ID, "staging", t0)
		return err
	})
	got, _ := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Environment, error) {
		return tx.EnvironmentByName(ctx, o.ID, p.ID, "staging")
	})
	if got == nil || got.ID != test.ID {
		t.Errorf("renamed environment: %+v", got)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.DeleteProject(ctx, o.ID, p.ID) })
	_, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Environment, error) { return tx.Environment(ctx, o.ID, p.ID, live.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
}

func testAudit(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	a, b := MustOrg(t, s), MustOrg(t, s)
	head := func() (int64, [32]byte) {
		var n int64
		var h [32]byte
		if err := s.View(ctx, func(tx keyhouse.Tx) (err error) { n, h, err = tx.AuditHead(ctx, a.ID); return err }); err != nil {
			t.Fatal(err)
		}
		return n, h
	}
	if n, h := head(); n != 0 || h != ([32]byte{}) {
		t.Fatalf("empty head = %d %x", n, h)
	}
	for i := 1; i <= 5; i++ {
		ev := &keyhouse.AuditEvent{ID: ids.New(keyhouse.PrefixAuditEvent), OrgID: a.ID, Seq: int64(i), Time: t0.Add(time.Duration(i) * time.Hour),
			ActorType: keyhouse.PrincipalUser, ActorID: "user_1", Action: []string{"a.created", "a.deleted"}[i%2], Method: "GET",
			Metadata: map[string]string{"i": string(rune('0' + i))}, PrevHash: [32]byte{byte(i - 1)}, Hash: [32]byte{byte(i)}}
		mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.AppendAuditEvent(ctx, ev) })
	}
	n, h := head()
	if n != 5 || h != [32]byte{5} {
		t.Errorf("head = %d %x, want 5 05…", n, h[:1])
	}
	type res struct {
		evs   []*keyhouse.AuditEvent
		total int
	}
	find := func(f keyhouse.AuditFilter) res {
		r, err := view(t, s, func(tx keyhouse.Tx) (res, error) {
			evs, total, err := tx.AuditEvents(ctx, f)
			return res{evs, total}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	from, to := t0.Add(2*time.Hour), t0.Add(4*time.Hour)
	for _, tt := range []struct {
		name  string
		f     keyhouse.AuditFilter
		seqs  []int64
		total int
	}{
		{"all newest first", keyhouse.AuditFilter{OrgID: a.ID}, []int64{5, 4, 3, 2, 1}, 5},
		{"page", keyhouse.AuditFilter{OrgID: a.ID, Limit: 2, Offset: 1}, []int64{4, 3}, 5},
		{"action", keyhouse.AuditFilter{OrgID: a.ID, Action: "a.created"}, []int64{4, 2}, 2},
		{"date range", keyhouse.AuditFilter{OrgID: a.ID, From: &from, To: &to}, []int64{3, 2}, 2},
		{"after seq ascending", keyhouse.AuditFilter{OrgID: a.ID, AfterSeq: 3, Ascending: true}, []int64{4, 5}, 2},
		{"other org", keyhouse.AuditFilter{OrgID: b.ID}, nil, 0},
	} {
		r := find(tt.f)
		var seqs []int64
		for _, e := range r.evs {
			seqs = append(seqs, e.Seq)
		}
		if !cmp.Equal(seqs, tt.seqs) || r.total != tt.total {
			t.Errorf("%s: seqs %v total %d, want %v total %d", tt.name, seqs, r.total, tt.seqs, tt.total)
		}
	}
	r := find(keyhouse.AuditFilter{OrgID: a.ID, Limit: 1})
	if e := r.evs[0]; e.Metadata["i"] != "5" || e.PrevHash != [32]byte{4} || e.Method != "GET" {
		t.Errorf("event round trip: %+v", e)
	}
	fv, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.AuditFilterValues, error) { return tx.AuditFilterValues(ctx, a.ID) })
	if err != nil || !cmp.Equal(fv.Actions, []string{"a.created", "a.deleted"}) || !cmp.Equal(fv.Methods, []string{"GET"}) {
		t.Errorf("filter values = %+v, %v", fv, err)
	}
	// A second append with a taken sequence number must fail: the chain
	// has one order.
	dup := &keyhouse.AuditEvent{ID: ids.New(keyhouse.PrefixAuditEvent), OrgID: a.ID, Seq: 5, Time: t0, ActorType: keyhouse.PrincipalSystem, ActorID: "system", Action: "x"}
	if err := s.Update(ctx, func(tx keyhouse.Tx) error { return tx.AppendAuditEvent(ctx, dup) }); err == nil {
		t.Error("appending a duplicate sequence number succeeded")
	}
}

func testServerSecret(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateServerSecret(ctx, "pepper", []byte("one"), "mk1") })
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateServerSecret(ctx, "pepper", []byte("two"), "mk2") })
	type sec struct {
		w  []byte
		id string
	}
	got, err := view(t, s, func(tx keyhouse.Tx) (sec, error) {
		w, id, err := tx.ServerSecret(ctx, "pepper")
		return sec{w, id}, err
	})
	if err != nil || string(got.w) != "one" || got.id != "mk1" {
		t.Errorf("ServerSecret = %q %q %v, want the first writer's", got.w, got.id, err)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.UpdateServerSecret(ctx, "pepper", []byte("re"), "mk3") })
	got, _ = view(t, s, func(tx keyhouse.Tx) (sec, error) {
		w, id, err := tx.ServerSecret(ctx, "pepper")
		return sec{w, id}, err
	})
	if string(got.w) != "re" || got.id != "mk3" {
		t.Errorf("after update: %q %q", got.w, got.id)
	}
	wantCode(t, s.Update(ctx, func(tx keyhouse.Tx) error { return tx.UpdateServerSecret(ctx, "nope", nil, "x") }), keyhouse.ENOTFOUND)
	names, _ := view(t, s, func(tx keyhouse.Tx) ([]string, error) { return tx.ServerSecretNames(ctx) })
	if !cmp.Equal(names, []string{"pepper"}) {
		t.Errorf("names = %v", names)
	}
}

func testRollback(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	boom := keyhouse.Errorf(keyhouse.EINVALID, "boom")
	err := s.Update(ctx, func(tx keyhouse.Tx) error {
		if err := tx.CreateProject(ctx, &keyhouse.Project{ID: ids.New(keyhouse.PrefixProject), OrgID: o.ID, Name: "gone", CreatedAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Update returned %v, want the callback's error", err)
	}
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Project, error) { return tx.ProjectByName(ctx, o.ID, "gone") })
	wantCode(t, err, keyhouse.ENOTFOUND)
	// Tx.Now is fixed for the transaction and millisecond-precise.
	mustUpdate(t, s, func(tx keyhouse.Tx) error {
		a := tx.Now()
		if a != a.Truncate(time.Millisecond) || !tx.Now().Equal(a) {
			t.Errorf("Tx.Now %v is not fixed at millisecond precision", a)
		}
		return nil
	})
}
