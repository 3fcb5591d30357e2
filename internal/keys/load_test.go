package keys_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore/storetest"
)

// cachingService is a service on st with a cache that never expires, so
// every read the test sees is a miss it caused.
func (e *env) cachingService(st keyhouse.Store) *keys.Service {
	return e.serviceOn(st, keys.Options{CacheTTL: time.Hour})
}

// When a hot key's entry is missing (first use, or expired), the
// validations in flight all miss at once; they share one database read
// instead of each making its own.
func TestConcurrentMissesShareOneRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	st := storetest.NewGatedStore(e.db)
	svc := e.cachingService(st)
	const n = 64
	var wg sync.WaitGroup
	var valid atomic.Int32
	for range n {
		wg.Go(func() {
			if r, err := svc.Validate(e.ctx, keys.ValidateParams{RawKey: c.RawKey}); err == nil && r.Valid {
				valid.Add(1)
			}
		})
	}
	<-st.Entered
	// Without sharing, every validator reaches the store within moments;
	// give them the time to, then open the gate.
	for deadline := time.Now().Add(200 * time.Millisecond); st.Reads.Load() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(st.Release)
	close(st.Rest)
	wg.Wait()
	if got := st.Reads.Load(); got != 1 {
		t.Errorf("%d concurrent misses made %d database reads, want 1", n, got)
	}
	if got := valid.Load(); got != n {
		t.Errorf("%d of %d validations valid, want all", got, n)
	}
}

// A validation that starts after a revocation returned never joins a read
// that began before it: it reads again and answers revoked, and the stale
// read is not cached.
func TestSharedReadNotJoinedAfterRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	st := storetest.NewGatedStore(e.db)
	svc := e.cachingService(st)
	early := make(chan keys.Result, 1)
	go func() {
		r, err := svc.Validate(e.ctx, keys.ValidateParams{RawKey: c.RawKey})
		if err != nil {
			t.Error(err)
		}
		early <- r
	}()
	<-st.Entered // the early read has seen the key active and waits
	if _, err := svc.Revoke(e.ctx, c.Key.ID, ""); err != nil {
		t.Fatal(err)
	}
	late := make(chan keys.Result, 1)
	go func() {
		r, err := svc.Validate(e.ctx, keys.ValidateParams{RawKey: c.RawKey})
		if err != nil {
			t.Error(err)
		}
		late <- r
	}()
	// The late validation makes its own read, which waits at the gate too;
	// one that joined the early read would wait on it without reading.
	for deadline := time.Now().Add(2 * time.Second); st.Reads.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if st.Reads.Load() < 2 {
		close(st.Release)
		close(st.Rest)
		t.Fatal("the validation after the revocation joined the read that began before it")
	}
	// The late read finishes first, then the early one: a cache that
	// stored whatever finished last would now hold the key as active.
	close(st.Rest)
	if r := <-late; r.Valid || r.Code != keys.CodeRevoked {
		t.Errorf("validation after revoke: valid=%v code=%q, want revoked", r.Valid, r.Code)
	}
	close(st.Release)
	<-early // began before the revocation: either answer is fair
	if r, err := svc.Validate(e.ctx, keys.ValidateParams{RawKey: c.RawKey}); err != nil || r.Code != keys.CodeRevoked {
		t.Errorf("next validation: %+v %v, want revoked (the stale read must not be cached)", r, err)
	}
}
