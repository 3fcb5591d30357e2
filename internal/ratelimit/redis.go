package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Limiter is a rate limit shared by whoever holds it: the in-memory Keyed
// for one server, Redis for several servers behind one budget.
type Limiter interface {
	Allow(ctx context.Context, key string) Decision
}

// Local adapts Keyed to Limiter.
type Local struct{ *Keyed }

// Allow takes a token for key.
func (l Local) Allow(_ context.Context, key string) Decision { return l.Keyed.Allow(key) }

// Redis is a Limiter whose buckets live in Redis (GCRA, via redis_rate),
// so every node sharing the Redis shares each key's budget exactly.
type Redis struct {
	lim    *redis_rate.Limiter
	limit  redis_rate.Limit
	prefix string
	// fallback answers when Redis does not: availability beats exactness
	// for a rate limit, and the local bucket still bounds each node.
	fallback *Keyed
}

// NewRedis returns a Limiter allowing n events per period per key in
// Redis at url, with burst n. It checks the connection once.
func NewRedis(ctx context.Context, url, prefix string, n int, period time.Duration) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis: %w", err)
	}
	return &Redis{
		lim:      redis_rate.NewLimiter(rdb),
		limit:    redis_rate.Limit{Rate: n, Burst: n, Period: period},
		prefix:   prefix,
		fallback: NewKeyed(n, period, n, nil),
	}, nil
}

// Allow takes a token for key from the shared bucket.
func (r *Redis) Allow(ctx context.Context, key string) Decision {
	res, err := r.lim.Allow(ctx, r.prefix+key, r.limit)
	if err != nil {
		return r.fallback.Allow(key)
	}
	d := Decision{Allowed: res.Allowed > 0, Limit: r.limit.Burst, Remaining: res.Remaining, Reset: time.Now().Add(res.ResetAfter)}
	if !d.Allowed {
		d.RetryAfter = res.RetryAfter
	}
	return d
}
