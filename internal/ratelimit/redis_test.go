package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"
)

// TestRedisSharesOneBudget runs two limiters (two "nodes") on one Redis:
// together they admit exactly the burst.
func TestRedisSharesOneBudget(t *testing.T) {
	url := os.Getenv("KEYHOUSE_TEST_REDIS_URL")
	if url == "" {
		t.Skip("set KEYHOUSE_TEST_REDIS_URL to run against Redis")
	}
	var b [8]byte
	rand.Read(b[:])
	prefix := "keyhouse-test-" + hex.EncodeToString(b[:]) + ":"
	ctx := context.Background()
	a, err := NewRedis(ctx, url, prefix, 10, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewRedis(ctx, url, prefix, 10, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := a
			if i%2 == 1 {
				l = c
			}
			if l.Allow(ctx, "k").Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 10 {
		t.Errorf("two nodes admitted %d, want the shared burst of 10", allowed)
	}
	d := a.Allow(ctx, "k")
	if d.Allowed || d.RetryAfterSeconds() < 300 || d.Limit != 10 {
		t.Errorf("over the limit: %+v", d)
	}
	if !a.Allow(ctx, "other").Allowed {
		t.Error("another key shares the bucket")
	}
}

func TestRedisBadURL(t *testing.T) {
	if _, err := NewRedis(context.Background(), "not-a-url", "", 1, time.Second); err == nil {
		t.Error("a bad URL was accepted")
	}
}
