package keys_test

import (
	"context"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

func (e *env) lastUsed(id keyhouse.ID) time.Time {
	e.t.Helper()
	var k *keyhouse.Key
	if err := e.db.View(context.Background(), func(tx keyhouse.Tx) (err error) { k, err = tx.Key(context.Background(), e.org, id); return err }); err != nil {
		e.t.Fatal(err)
	}
	if k.LastUsedAt == nil {
		return time.Time{}
	}
	return *k.LastUsedAt
}

// waitUsage waits until the writer has written n records of id.
func (e *env) waitUsage(id keyhouse.ID, n int) {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); e.usageCount(id) < n; {
		if time.Now().After(deadline) {
			e.t.Fatalf("the writer wrote %d of %d records", e.usageCount(id), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A key's first use is written at once; while it stays in use its
// last_used_at is written at most every touchEvery, and a flush (as at
// shutdown) writes what is owed.
func TestLastUsedWrittenAtMostEveryInterval(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	svc := e.usageService(e.db, 1) // each record is a batch: no flush needed to write it
	svc.SetTouchEvery(time.Hour)
	first := e.clock.Now()
	e.validateN(svc, c.RawKey, 1)
	e.waitUsage(c.Key.ID, 1)
	if got := e.lastUsed(c.Key.ID); !got.Equal(first) {
		t.Fatalf("after the first use: last_used_at %v, want %v", got, first)
	}
	e.clock.Add(time.Minute)
	e.validateN(svc, c.RawKey, 1)
	e.waitUsage(c.Key.ID, 2)
	if got := e.lastUsed(c.Key.ID); !got.Equal(first) {
		t.Fatalf("a second use within the interval: last_used_at %v, want it left at %v", got, first)
	}
	if err := svc.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := e.lastUsed(c.Key.ID), first.Add(time.Minute); !got.Equal(want) {
		t.Fatalf("after a flush: last_used_at %v, want the owed %v", got, want)
	}
}

func TestLastUsedWrittenWhenIntervalPassed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	svc := e.usageService(e.db, 1)
	svc.SetTouchEvery(20 * time.Millisecond)
	e.validateN(svc, c.RawKey, 1)
	e.waitUsage(c.Key.ID, 1)
	time.Sleep(40 * time.Millisecond)
	e.clock.Add(time.Minute)
	want := e.clock.Now()
	e.validateN(svc, c.RawKey, 1)
	e.waitUsage(c.Key.ID, 2)
	if got := e.lastUsed(c.Key.ID); !got.Equal(want) {
		t.Fatalf("a use after the interval: last_used_at %v, want %v written with its batch", got, want)
	}
}
