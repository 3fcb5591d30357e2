package keys

import (
	"context"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Check runs the validation checks without authorization or usage
// recording: the core the benchmarks measure.
func (s *Service) Check(ctx context.Context, orgID keyhouse.ID, p *ValidateParams) (Result, error) {
	return s.check(ctx, orgID, p)
}

// DropCache empties the key cache.
func (s *Service) DropCache() { s.cache.InvalidateAll() }

// SetUsageQueueLimit changes how many usage records may wait for the writer.
func (s *Service) SetUsageQueueLimit(n int) {
	s.usage.mu.Lock()
	s.usage.maxQueued = n
	s.usage.mu.Unlock()
}

// SetTouchEvery changes how often a key in use has last_used_at written;
// call it before the service's first validation.
func (s *Service) SetTouchEvery(d time.Duration) { s.usage.touchEvery = d }
