package keys_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// gatedStore is the real store whose reads wait at a gate after reading,
// as reads do on a busy database.
type gatedStore struct {
	keyhouse.Store
	reads   atomic.Int32
	entered chan struct{} // closed when the first read has run
	release chan struct{} // opens the gate for the first read
	rest    chan struct{} // opens it for the others
}

func newGatedStore(st keyhouse.Store) *gatedStore {
	return &gatedStore{Store: st, entered: make(chan struct{}), release: make(chan struct{}), rest: make(chan struct{})}
}

func (s *gatedStore) View(ctx context.Context, fn func(keyhouse.Tx) error) error {
	first := s.reads.Add(1) == 1
	err := s.Store.View(ctx, fn)
	if first {
		close(s.entered)
		<-s.release
	} else {
		<-s.rest
	}
	return err
}

// cachingService is a service on st with a cache that never expires, so
// every read the test sees is a miss it caused.
func (e *env) cachingService(st keyhouse.Store) *keys.Service {
	svc := keys.NewService(st, e.hasher, keys.Options{Clock: e.clock, CacheTTL: time.Hour, Sealer: e.sealer})
	e.t.Cleanup(func() { svc.Close(context.Background()) })
	return svc
}

// When a hot key's entry is missing (first use, or expired), the
// validations in flight all miss at once; they share one database read
// instead of each making its own.
func TestConcurrentMissesShareOneRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	st := newGatedStore(e.db)
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
	<-st.entered
	// Without sharing, every validator reaches the store within moments;
	// give them the time to, then open the gate.
	for deadline := time.Now().Add(200 * time.Millisecond); st.reads.Load() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(st.release)
	close(st.rest)
	wg.Wait()
	if got := st.reads.Load(); got != 1 {
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
	st := newGatedStore(e.db)
	svc := e.cachingService(st)
	early := make(chan keys.Result, 1)
	go func() {
		r, err := svc.Validate(e.ctx, keys.ValidateParams{RawKey: c.RawKey})
		if err != nil {
			t.Error(err)
		}
		early <- r
	}()
	<-st.entered // the early read has seen the key active and waits
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
	for deadline := time.Now().Add(2 * time.Second); st.reads.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if st.reads.Load() < 2 {
		close(st.release)
		close(st.rest)
		t.Fatal("the validation after the revocation joined the read that began before it")
	}
	// The late read finishes first, then the early one: a cache that
	// stored whatever finished last would now hold the key as active.
	close(st.rest)
	if r := <-late; r.Valid || r.Code != keys.CodeRevoked {
		t.Errorf("validation after revoke: valid=%v code=%q, want revoked", r.Valid, r.Code)
	}
	close(st.release)
	<-early // began before the revocation: either answer is fair
	if r, err := svc.Validate(e.ctx, keys.ValidateParams{RawKey: c.RawKey}); err != nil || r.Code != keys.CodeRevoked {
		t.Errorf("next validation: %+v %v, want revoked (the stale read must not be cached)", r, err)
	}
}
