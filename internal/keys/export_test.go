package keys

import (
	"context"

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
