package auth_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore/storetest"
)

// setup returns a management key of a new organization, an owner's context
// in it, and an auth service on a gated view of the same database.
func setup(t *testing.T) (raw string, id keyhouse.ID, owner context.Context, svc *auth.Service, st *storetest.GatedStore) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "auth.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pepper, err := crypto.GeneratePepper(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := crypto.NewHasher(pepper)
	if err != nil {
		t.Fatal(err)
	}
	org := storetest.MustOrg(t, db)
	owner = keyhouse.NewContextWithPrincipal(ctx, &keyhouse.Principal{Kind: keyhouse.PrincipalUser, OrgID: org.ID,
		UserID: ids.New(keyhouse.PrefixUser), Role: keyhouse.RoleOwner, SessionKind: keyhouse.SessionCLI})
	k, raw, err := auth.NewService(db, hasher, auth.Options{}).CreateMgmtKey(owner, auth.CreateMgmtKeyParams{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	st = storetest.NewGatedStore(db)
	return raw, k.ID, owner, auth.NewService(st, hasher, auth.Options{}), st
}

// The requests in flight when a hot credential's cache entry expires share
// one database read.
func TestConcurrentAuthenticationsShareOneRead(t *testing.T) {
	raw, _, _, svc, st := setup(t)
	const n = 64
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range n {
		wg.Go(func() {
			if p, err := svc.Authenticate(context.Background(), raw); err == nil && p.Kind == keyhouse.PrincipalMgmtKey {
				ok.Add(1)
			}
		})
	}
	<-st.Entered
	for deadline := time.Now().Add(200 * time.Millisecond); st.Reads.Load() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(st.Release)
	close(st.Rest)
	wg.Wait()
	if got := st.Reads.Load(); got != 1 {
		t.Errorf("%d concurrent authentications made %d database reads, want 1", n, got)
	}
	if got := ok.Load(); got != n {
		t.Errorf("%d of %d authentications succeeded, want all", got, n)
	}
}

// A read that began before a revocation is not cached and not joined: the
// request after RevokeMgmtKey returns reads again and is refused.
func TestRevocationDuringRead(t *testing.T) {
	raw, id, owner, svc, st := setup(t)
	early := make(chan error, 1)
	go func() {
		_, err := svc.Authenticate(context.Background(), raw)
		early <- err
	}()
	<-st.Entered // the early read has seen the key live and waits
	if err := svc.RevokeMgmtKey(owner, id); err != nil {
		t.Fatal(err)
	}
	late := make(chan error, 1)
	go func() {
		_, err := svc.Authenticate(context.Background(), raw)
		late <- err
	}()
	for deadline := time.Now().Add(2 * time.Second); st.Reads.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if st.Reads.Load() < 2 {
		close(st.Release)
		close(st.Rest)
		t.Fatal("the authentication after the revocation joined the read that began before it")
	}
	// The late read finishes first, then the early one: a cache that
	// stored whatever finished last would now hold the key as live.
	close(st.Rest)
	if err := <-late; keyhouse.ErrorCode(err) != keyhouse.EUNAUTHORIZED {
		t.Errorf("authentication after revoke: %v, want unauthorized", err)
	}
	close(st.Release)
	<-early // began before the revocation: either answer is fair
	if _, err := svc.Authenticate(context.Background(), raw); keyhouse.ErrorCode(err) != keyhouse.EUNAUTHORIZED {
		t.Errorf("next authentication: %v, want unauthorized (the early read must not be cached)", err)
	}
}
