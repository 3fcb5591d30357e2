package keys_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// countingStore is the real store, counting reads.
type countingStore struct {
	keyhouse.Store
	views atomic.Int32
}

func (s *countingStore) View(ctx context.Context, fn func(keyhouse.Tx) error) error {
	s.views.Add(1)
	return s.Store.View(ctx, fn)
}

// node is a second server on the same database, with the default cache
// lifetime: what it learns of changes made through e.svc, it learns from
// the change feed.
func (e *env) node() (*keys.Service, *countingStore) {
	st := &countingStore{Store: e.db}
	return e.serviceOn(st, keys.Options{}), st
}

func (e *env) codeOn(svc *keys.Service, p keys.ValidateParams) keys.FailureCode {
	e.t.Helper()
	r, err := svc.Validate(e.ctx, p)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Code
}

func TestChangeFeedReachesOtherNodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pol := e.mustPolicy(keys.PolicyParams{})
	revoked := e.mustCreate(keys.CreateParams{})
	limited := e.mustCreate(keys.CreateParams{PolicyID: pol.ID})
	other, _ := e.node()
	for _, raw := range []string{revoked.RawKey, limited.RawKey} {
		if c := e.codeOn(other, keys.ValidateParams{RawKey: raw, IP: "10.0.0.1"}); c != "" {
			t.Fatalf("before the changes: %q, want valid", c)
		}
	}
	if _, err := e.svc.Revoke(e.ctx, revoked.Key.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdatePolicy(e.ctx, pol.ID, keys.PolicyParams{Name: "policy", AllowedIPs: []string{"192.168.0.0/16"}}); err != nil {
		t.Fatal(err)
	}
	// The other node's cache lives a minute: only the feed tells it.
	if c := e.codeOn(other, keys.ValidateParams{RawKey: revoked.RawKey}); c != "" {
		t.Fatalf("before the other node polled: %q; the test needs its cache to hold the old record", c)
	}
	if err := other.PollChanges(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := e.codeOn(other, keys.ValidateParams{RawKey: revoked.RawKey}); c != keys.CodeRevoked {
		t.Errorf("revoked through one node, validated on the other after its poll: %q, want revoked", c)
	}
	if c := e.codeOn(other, keys.ValidateParams{RawKey: limited.RawKey, IP: "10.0.0.1"}); c != keys.CodeIPNotAllowed {
		t.Errorf("policy narrowed through one node, validated on the other after its poll: %q, want ip_not_allowed", c)
	}
}

// A change found again by the feed's overlapping reads is not acted on
// again: the cache keeps what it loaded after the first time.
func TestChangeFeedActsOncePerChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	other, st := e.node()
	if _, err := e.svc.Suspend(e.ctx, c.Key.ID); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := other.PollChanges(context.Background()); err != nil {
			t.Fatal(err)
		}
		if code := e.codeOn(other, keys.ValidateParams{RawKey: c.RawKey}); code != keys.CodeSuspended {
			t.Fatalf("after the poll: %q, want suspended", code)
		}
	}
	before := st.views.Load()
	if err := other.PollChanges(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.codeOn(other, keys.ValidateParams{RawKey: c.RawKey})
	// One read is the poll itself; a second would be the cache reloading.
	if n := st.views.Load() - before; n != 1 {
		t.Errorf("a poll finding the same change again, then a validation: %d reads, want 1 (the poll)", n)
	}
}

// Two changes of a key in one millisecond share updated_at; the feed still
// acts on the second, which here is the revocation.
func TestChangeFeedTellsApartChangesInOneMillisecond(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // the clock stands still: every change gets the same time
	c := e.mustCreate(keys.CreateParams{})
	other, _ := e.node()
	if _, err := e.svc.Suspend(e.ctx, c.Key.ID); err != nil {
		t.Fatal(err)
	}
	if err := other.PollChanges(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code := e.codeOn(other, keys.ValidateParams{RawKey: c.RawKey}); code != keys.CodeSuspended {
		t.Fatalf("after the first change: %q, want suspended", code)
	}
	if _, err := e.svc.Revoke(e.ctx, c.Key.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := other.PollChanges(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code := e.codeOn(other, keys.ValidateParams{RawKey: c.RawKey}); code != keys.CodeRevoked {
		t.Errorf("after a second change in the same millisecond: %q, want revoked", code)
	}
}

type skewedClock struct {
	keyhouse.Clock
	by time.Duration
}

func (c skewedClock) Now() time.Time { return c.Clock.Now().Add(c.by) }

// A node whose clock runs ahead of the one that made a change still finds
// it, within the feed's overlap.
func TestChangeFeedToleratesClockSkew(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	ahead := e.serviceOn(e.db, keys.Options{Clock: skewedClock{e.clock, 20 * time.Second}})
	if code := e.codeOn(ahead, keys.ValidateParams{RawKey: c.RawKey}); code != "" {
		t.Fatalf("before: %q", code)
	}
	if err := ahead.PollChanges(context.Background()); err != nil { // a poll before the change moves the window
		t.Fatal(err)
	}
	if _, err := e.svc.Revoke(e.ctx, c.Key.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := ahead.PollChanges(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code := e.codeOn(ahead, keys.ValidateParams{RawKey: c.RawKey}); code != keys.CodeRevoked {
		t.Errorf("on a node 20 s ahead: %q, want revoked", code)
	}
}
