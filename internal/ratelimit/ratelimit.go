// Package ratelimit keeps token-bucket limiters per key (a credential, an
// account, an IP) in one bounded in-memory cache.
//
// Limiters are single-node; a Redis-backed limiter can stand behind the same
// Decision type when several servers must share one budget.
package ratelimit

import (
	"math"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/time/rate"
)

// Decision is the outcome of one request against a limit.
type Decision struct {
	Allowed    bool
	Limit      int           // the bucket's size
	Remaining  int           // whole tokens left after this request
	RetryAfter time.Duration // when refused: how long until one token is back
	Reset      time.Time     // when the bucket is full again
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, at least 1.
func (d Decision) RetryAfterSeconds() int {
	s := int(math.Ceil(d.RetryAfter.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// Keyed holds one limiter per key: n events per period, in bursts of up to burst.
type Keyed struct {
	every rate.Limit
	burst int
	cache *otter.Cache[string, *rate.Limiter]
	now   func() time.Time
}

// NewKeyed returns limiters allowing n events per period per key, with a
// burst of burst (at least 1). Idle limiters are dropped after a period of
// disuse (a full bucket forgets nothing) and the cache holds at most 100,000.
func NewKeyed(n int, period time.Duration, burst int, now func() time.Time) *Keyed {
	if burst < 1 {
		burst = 1
	}
	if now == nil {
		now = time.Now
	}
	idle := period * time.Duration(max(1, burst/max(1, n))+1)
	return &Keyed{
		every: rate.Limit(float64(n) / period.Seconds()),
		burst: burst,
		now:   now,
		cache: otter.Must(&otter.Options[string, *rate.Limiter]{
			MaximumSize:      100_000,
			ExpiryCalculator: otter.ExpiryAccessing[string, *rate.Limiter](idle),
		}),
	}
}

func (k *Keyed) limiter(key string) *rate.Limiter {
	l, _ := k.cache.ComputeIfAbsent(key, func() (*rate.Limiter, bool) {
		return rate.NewLimiter(k.every, k.burst), false
	})
	return l
}

// Allow takes one token for key, if there is one.
func (k *Keyed) Allow(key string) Decision { return k.AllowN(key, 1) }

// AllowN takes n tokens for key, if there are that many.
func (k *Keyed) AllowN(key string, n int) Decision {
	now := k.now()
	l := k.limiter(key)
	r := l.ReserveN(now, n)
	if !r.OK() {
		return Decision{Limit: k.burst, RetryAfter: time.Minute, Reset: now.Add(time.Minute)}
	}
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return Decision{Limit: k.burst, Remaining: 0, RetryAfter: delay, Reset: k.reset(l, now)}
	}
	return k.decision(l, now, true)
}

// Peek reports whether key could take a token now, without taking it.
func (k *Keyed) Peek(key string) Decision {
	now := k.now()
	l := k.limiter(key)
	if l.TokensAt(now) >= 1 {
		return k.decision(l, now, true)
	}
	d := k.decision(l, now, false)
	missing := 1 - l.TokensAt(now)
	d.RetryAfter = time.Duration(missing / float64(k.every) * float64(time.Second))
	return d
}

func (k *Keyed) decision(l *rate.Limiter, now time.Time, allowed bool) Decision {
	tokens := l.TokensAt(now)
	return Decision{Allowed: allowed, Limit: k.burst, Remaining: max(0, int(math.Floor(tokens))), Reset: k.reset(l, now)}
}

func (k *Keyed) reset(l *rate.Limiter, now time.Time) time.Time {
	missing := float64(k.burst) - l.TokensAt(now)
	if missing <= 0 || k.every <= 0 {
		return now
	}
	return now.Add(time.Duration(missing / float64(k.every) * float64(time.Second)))
}

// Forget drops key's limiter (a successful login clears its failures).
func (k *Keyed) Forget(key string) { k.cache.Invalidate(key) }
