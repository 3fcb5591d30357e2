package ratelimit

import (
	"sync"
	"testing"
	"time"
)

func TestKeyedAdmitsBurstThenRefuses(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	k := NewKeyed(10, time.Minute, 10, func() time.Time { return now })
	for i := range 10 {
		d := k.Allow("a")
		if !d.Allowed {
			t.Fatalf("request %d refused", i+1)
		}
		if d.Remaining != 9-i {
			t.Errorf("request %d: remaining %d, want %d", i+1, d.Remaining, 9-i)
		}
	}
	d := k.Allow("a")
	if d.Allowed {
		t.Fatal("11th request allowed")
	}
	if d.RetryAfterSeconds() != 6 {
		t.Errorf("retry after %ds, want 6 (one token per 6s)", d.RetryAfterSeconds())
	}
	if !k.Allow("b").Allowed {
		t.Error("another key shares the bucket")
	}
	now = now.Add(6 * time.Second)
	if !k.Allow("a").Allowed {
		t.Error("token did not come back after 6s")
	}
}

func TestKeyedConcurrentNeverOveradmits(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	k := NewKeyed(1, time.Hour, 25, func() time.Time { return now })
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if k.Allow("x").Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 25 {
		t.Errorf("allowed %d, want exactly the burst of 25", allowed)
	}
}

func TestPeekDoesNotConsume(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	k := NewKeyed(1, time.Minute, 1, func() time.Time { return now })
	for range 3 {
		if !k.Peek("a").Allowed {
			t.Fatal("peek refused a fresh bucket")
		}
	}
	k.Allow("a")
	if k.Peek("a").Allowed {
		t.Error("peek allowed an empty bucket")
	}
	k.Forget("a")
	if !k.Peek("a").Allowed {
		t.Error("forget did not reset the bucket")
	}
}
