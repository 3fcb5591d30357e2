package keys

import (
	"context"
	"sync"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// feedOverlap is how far back each read of the change feed reaches before
// the previous read: a change is found even when its transaction committed
// up to this long after it stamped updated_at (the stamp is taken when the
// transaction begins), or when the clock of the node that made it is up to
// this far behind ours. Changes found again are skipped (feed.seen), so
// the overlap costs a query, not cache misses. Beyond it, the cache's
// lifetime (Options.CacheTTL) bounds how long a change goes unseen.
const feedOverlap = 30 * time.Second

// feed is the service's position in the change feed: the keys and
// policies updated since its last read, through any node.
type feed struct {
	mu   sync.Mutex
	last time.Time              // when the previous read began
	seen map[keyhouse.ID]seenAt // changes acted on, by record
}

type seenAt struct {
	version   int64
	updatedAt time.Time
}

// fresh reports whether c has not been acted on, and marks it. Versions
// tell changes apart (two in one millisecond share updated_at).
func (f *feed) fresh(c keyhouse.Change) bool {
	if st, ok := f.seen[c.ID]; ok && st.version >= c.Version {
		return false
	}
	f.seen[c.ID] = seenAt{c.Version, c.UpdatedAt}
	return true
}

// PollChanges reads the keys and policies updated since the previous poll,
// by this node or another sharing the database, and drops their cache
// entries: a changed key's entry, or every entry when a policy changed.
// The cache's own expiry (Options.CacheTTL) then only backs this up.
// jobs.CacheFeed runs it every ChangePollInterval.
func (s *Service) PollChanges(ctx context.Context) error {
	f := &s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	start := s.clock.Now()
	since := f.last.Add(-feedOverlap)
	var keyChanges, policyChanges []keyhouse.Change
	err := s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		if keyChanges, err = tx.KeyChangesSince(ctx, since); err != nil {
			return err
		}
		policyChanges, err = tx.PolicyChangesSince(ctx, since)
		return err
	})
	if err != nil {
		return err
	}
	var hashes [][32]byte
	for _, c := range keyChanges {
		if f.fresh(c) {
			hashes = append(hashes, c.Hash)
		}
	}
	all := false
	for _, c := range policyChanges {
		all = f.fresh(c) || all
	}
	switch {
	case all:
		s.cache.InvalidateAll()
	case len(hashes) > 0:
		s.cache.Invalidate(hashes...)
	}
	f.last = start
	// What the next read cannot return again need not be remembered.
	next := start.Add(-feedOverlap)
	for id, st := range f.seen {
		if st.updatedAt.Before(next) {
			delete(f.seen, id)
		}
	}
	return nil
}

// ChangePollInterval is how often jobs.CacheFeed polls the change feed: a
// change through another node reaches this node's cache within about this
// long (SPEC §9: within 1 s).
const ChangePollInterval = 250 * time.Millisecond
