package jobs

import (
	"context"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// CacheFeed drops the key cache entries of keys and policies changed
// through another node sharing the database (keys.Service.PollChanges).
// Every node runs it: each has its own cache.
type CacheFeed struct{ Keys *keys.Service }

// NewCacheFeed returns the change-feed job.
func NewCacheFeed(k *keys.Service) *CacheFeed { return &CacheFeed{Keys: k} }

// Name implements Job.
func (c *CacheFeed) Name() string { return "key_cache_feed" }

// Interval implements Job.
func (c *CacheFeed) Interval() time.Duration { return keys.ChangePollInterval }

// RunOnce implements Job.
func (c *CacheFeed) RunOnce(ctx context.Context) error { return c.Keys.PollChanges(ctx) }
