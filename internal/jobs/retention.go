package jobs

import (
	"context"
	"time"
)

// Purger deletes what has outlived its retention (secrets.Service).
type Purger interface {
	PurgeExpired(ctx context.Context) error
}

// Retention runs a Purger hourly: trash older than 30 days, secret
// versions beyond the kept number, expired device codes.
type Retention struct {
	p Purger
}

// NewRetention returns the retention job for p.
func NewRetention(p Purger) *Retention { return &Retention{p: p} }

// Name implements Job.
func (*Retention) Name() string { return "secrets-retention" }

// Interval implements Job.
func (*Retention) Interval() time.Duration { return time.Hour }

// RunOnce implements Job. Each organization is its own transaction, so
// several servers running it at once only repeat deletes.
func (r *Retention) RunOnce(ctx context.Context) error { return r.p.PurgeExpired(ctx) }
