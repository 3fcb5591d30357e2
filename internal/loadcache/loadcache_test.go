package loadcache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/loadcache"
)

var h1, h2 = [32]byte{1}, [32]byte{2}

// gate is a load that counts its calls and waits until opened.
type gate struct {
	calls   atomic.Int32
	entered chan struct{}
	once    sync.Once
	open    chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}), open: make(chan struct{})} }

func (g *gate) load(v string) func(context.Context) (string, bool, error) {
	return func(ctx context.Context) (string, bool, error) {
		g.calls.Add(1)
		g.once.Do(func() { close(g.entered) })
		<-g.open
		return v, true, nil
	}
}

// waitCalls waits until the gate has had n calls or d has passed.
func (g *gate) waitCalls(n int32, d time.Duration) {
	for deadline := time.Now().Add(d); g.calls.Load() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

func TestConcurrentMissesShareOneLoad(t *testing.T) {
	c := loadcache.New[string](100, time.Hour)
	g := newGate()
	const n = 32
	var wg sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		wg.Go(func() {
			v, err := c.Load(context.Background(), h1, g.load("v"))
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	<-g.entered
	g.waitCalls(n, 200*time.Millisecond) // time for unshared loads to show
	close(g.open)
	wg.Wait()
	if calls := g.calls.Load(); calls != 1 {
		t.Errorf("%d concurrent misses made %d loads, want 1", n, calls)
	}
	for i, v := range got {
		if v != "v" {
			t.Fatalf("caller %d got %q, want the shared load's value", i, v)
		}
	}
	if v, ok := c.Get(h1); !ok || v != "v" {
		t.Errorf("after the load: Get = %q, %v; want it stored", v, ok)
	}
}

// A load that began before an invalidation stores nothing, and a caller
// that starts after the invalidation makes its own load.
func TestInvalidationDuringLoad(t *testing.T) {
	for _, tc := range []struct {
		name       string
		invalidate func(*loadcache.Cache[string])
	}{
		{"one", func(c *loadcache.Cache[string]) { c.Invalidate(h2, h1) }},
		{"all", func(c *loadcache.Cache[string]) { c.InvalidateAll() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loadcache.New[string](100, time.Hour)
			early, late := newGate(), newGate()
			done := make(chan string)
			go func() {
				v, _ := c.Load(context.Background(), h1, early.load("stale"))
				done <- v
			}()
			<-early.entered
			tc.invalidate(c)
			go func() {
				v, _ := c.Load(context.Background(), h1, late.load("fresh"))
				done <- v
			}()
			late.waitCalls(1, 2*time.Second)
			if late.calls.Load() != 1 {
				t.Fatal("a load after the invalidation joined the load that began before it")
			}
			close(late.open)
			if v := <-done; v != "fresh" {
				t.Fatalf("late caller got %q, want fresh", v)
			}
			close(early.open)
			<-done
			if v, ok := c.Get(h1); !ok || v != "fresh" {
				t.Errorf("Get = %q, %v; want fresh (the stale load must not be stored)", v, ok)
			}
		})
	}
}

func TestErrorsAndUnkeptValuesAreNotStored(t *testing.T) {
	c := loadcache.New[string](100, time.Hour)
	boom := errors.New("boom")
	if _, err := c.Load(context.Background(), h1, func(context.Context) (string, bool, error) { return "x", true, boom }); !errors.Is(err, boom) {
		t.Fatalf("Load error = %v, want boom", err)
	}
	if _, ok := c.Get(h1); ok {
		t.Error("a failed load was stored")
	}
	v, err := c.Load(context.Background(), h1, func(context.Context) (string, bool, error) { return "once", false, nil })
	if err != nil || v != "once" {
		t.Fatalf("Load = %q, %v", v, err)
	}
	if _, ok := c.Get(h1); ok {
		t.Error("a value the load said not to keep was stored")
	}
}

// The caller that starts a load may go away; the load, which others may be
// waiting on, goes on uncancelled.
func TestLoadOutlivesCallerCancellation(t *testing.T) {
	c := loadcache.New[string](100, time.Hour)
	g := newGate()
	ctx, cancel := context.WithCancel(context.Background())
	starter := make(chan error)
	go func() {
		_, err := c.Load(ctx, h1, func(lctx context.Context) (string, bool, error) {
			v, keep, _ := g.load("v")(lctx)
			return v, keep, lctx.Err() // a cancelled load fails
		})
		starter <- err
	}()
	<-g.entered
	joiner := make(chan string)
	go func() {
		v, err := c.Load(context.Background(), h1, g.load("other"))
		if err != nil {
			t.Error(err)
		}
		joiner <- v
	}()
	cancel()
	if err := <-starter; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that went away: %v, want its own cancellation", err)
	}
	close(g.open)
	if v := <-joiner; v != "v" {
		t.Fatalf("the caller still waiting got %q, want the load's value", v)
	}
}

// A caller waiting on another's load stops waiting when its own context
// ends; the load goes on for the others and is stored.
func TestJoinerHonoursItsContext(t *testing.T) {
	c := loadcache.New[string](100, time.Hour)
	g := newGate()
	first := make(chan string)
	go func() {
		v, _ := c.Load(context.Background(), h1, g.load("v"))
		first <- v
	}()
	<-g.entered
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Load(ctx, h1, g.load("other")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a joiner whose deadline passed: %v, want its deadline error", err)
	}
	close(g.open)
	if v := <-first; v != "v" {
		t.Fatalf("the first caller got %q", v)
	}
	if v, ok := c.Get(h1); !ok || v != "v" {
		t.Errorf("Get = %q, %v; want the load stored", v, ok)
	}
}

// A load may return a nil value of an interface type.
func TestNilInterfaceValue(t *testing.T) {
	c := loadcache.New[error](100, time.Hour)
	v, err := c.Load(context.Background(), h1, func(context.Context) (error, bool, error) { return nil, true, nil })
	if err != nil || v != nil {
		t.Fatalf("Load = %v, %v; want nil, nil", v, err)
	}
}
