// Package loadcache is the read-through cache in front of credential
// lookups (API keys, management keys, sessions): values by a 32-byte hash,
// bounded in size and age. Two properties make it safe on an
// authentication path:
//
//   - An invalidation is never undone by a load that raced with it. A load
//     reads the database outside any lock, so a revocation can commit
//     between the read and the store of the stale value; a generation
//     counter, bumped by every invalidation, keeps such a value out.
//   - Concurrent misses of one hash share one load. When a hot credential's
//     entry expires, every request in flight misses at once; without
//     sharing, each would read the database. The generation is part of the
//     load's name, so a caller that starts after an invalidation never
//     joins a load that began before it.
package loadcache

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/singleflight"
)

// Cache maps hashes to values of type V.
type Cache[V any] struct {
	c       *otter.Cache[[32]byte, V]
	mu      sync.Mutex
	gen     uint64
	flights singleflight.Group
}

// New returns a cache of at most size entries, each kept for at most ttl
// after it was stored.
func New[V any](size int, ttl time.Duration) *Cache[V] {
	return &Cache[V]{c: otter.Must(&otter.Options[[32]byte, V]{
		MaximumSize:      size,
		ExpiryCalculator: otter.ExpiryWriting[[32]byte, V](ttl),
	})}
}

// Get returns the cached value of h.
func (c *Cache[V]) Get(h [32]byte) (V, bool) { return c.c.GetIfPresent(h) }

// Load is the miss path: it calls load once for all callers of Load with h
// that began at the same generation, and returns its result to each. The
// value is stored when load says keep and no invalidation happened since
// the load began; an error is returned and never stored. Callers look in
// Get first, so a hit does not build the load closure.
//
// load gets a context that outlives the caller's cancellation, since other
// callers may be waiting on it, bounded by LoadTimeout instead. A caller
// whose own context ends stops waiting and gets its error.
func (c *Cache[V]) Load(ctx context.Context, h [32]byte, load func(context.Context) (v V, keep bool, err error)) (V, error) {
	gen := c.generation()
	var name [40]byte
	copy(name[:], h[:])
	binary.LittleEndian.PutUint64(name[32:], gen)
	ch := c.flights.DoChan(string(name[:]), func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), LoadTimeout)
		defer cancel()
		v, keep, err := load(lctx)
		if err != nil {
			return nil, err
		}
		if keep {
			c.store(h, v, gen)
		}
		return v, nil
	})
	var zero V
	select {
	case r := <-ch:
		if r.Err != nil {
			return zero, r.Err
		}
		v, _ := r.Val.(V) // a nil interface V asserts to nothing
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// LoadTimeout bounds a shared load, which no single caller's context does.
const LoadTimeout = 10 * time.Second

func (c *Cache[V]) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// store keeps v unless an invalidation happened since gen.
func (c *Cache[V]) store(h [32]byte, v V, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.c.Set(h, v)
	}
}

// Invalidate drops the entries of hashes, and keeps any load in flight
// from storing what it read.
func (c *Cache[V]) Invalidate(hashes ...[32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, h := range hashes {
		c.c.Invalidate(h)
	}
}

// InvalidateAll drops every entry, and keeps any load in flight from
// storing what it read.
func (c *Cache[V]) InvalidateAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.c.InvalidateAll()
}
