package keys

import (
	"math"
	"strconv"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/time/rate"
)

// Limit is a policy's rate limit: Rate requests per Window, in bursts of
// up to Burst (Rate when 0). Within any one window a key gets at most
// Rate + Burst requests.
type Limit struct {
	Rate   int
	Window time.Duration
	Burst  int
}

// Decision is the outcome of one request against a Limit.
type Decision struct {
	Allowed    bool
	Limit      int
	Remaining  int
	Reset      time.Time
	RetryAfter time.Duration
}

// Limiter enforces per-key limits. The in-memory one serves a single node;
// a Redis one (go-redis/redis_rate) can stand behind the same interface
// when several nodes must share a budget.
type Limiter interface {
	// Allow takes one request for key under l at now. version changes when
	// the limit's parameters do, so a new policy starts a fresh bucket.
	Allow(key string, version int64, l Limit, now time.Time) Decision
}

// MemoryLimiter keeps one token bucket per key (x/time/rate).
type MemoryLimiter struct {
	c *otter.Cache[string, *rate.Limiter]
}

// NewMemoryLimiter returns an empty MemoryLimiter holding at most 1,000,000
// buckets, each dropped after an hour unused.
func NewMemoryLimiter() *MemoryLimiter {
	return &MemoryLimiter{c: otter.Must(&otter.Options[string, *rate.Limiter]{
		MaximumSize:      1_000_000,
		ExpiryCalculator: otter.ExpiryAccessing[string, *rate.Limiter](time.Hour),
	})}
}

// Allow implements Limiter.
func (m *MemoryLimiter) Allow(key string, version int64, l Limit, now time.Time) Decision {
	burst := l.Burst
	if burst <= 0 {
		burst = l.Rate
	}
	window := l.Window
	if window <= 0 {
		window = time.Minute
	}
	every := rate.Limit(float64(l.Rate) / window.Seconds())
	lim, _ := m.c.ComputeIfAbsent(key+"/"+strconv.FormatInt(version, 10), func() (*rate.Limiter, bool) {
		return rate.NewLimiter(every, burst), false
	})
	r := lim.ReserveN(now, 1)
	tokens := lim.TokensAt(now)
	reset := now
	if missing := float64(burst) - tokens; missing > 0 && every > 0 {
		reset = now.Add(time.Duration(missing / float64(every) * float64(time.Second)))
	}
	if !r.OK() {
		return Decision{Limit: l.Rate, Reset: reset, RetryAfter: window}
	}
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return Decision{Limit: l.Rate, Remaining: 0, Reset: reset, RetryAfter: delay}
	}
	return Decision{Allowed: true, Limit: l.Rate, Remaining: max(0, int(math.Floor(tokens))), Reset: reset}
}
