// Package jobs runs Keyhouse's background work: each Job is run once per
// interval by a Runner until the context ends. Jobs expose RunOnce so tests
// drive them directly instead of sleeping.
package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Job is one kind of periodic background work.
type Job interface {
	// Name identifies the job in logs.
	Name() string
	// Interval is the pause between runs.
	Interval() time.Duration
	// RunOnce does one round of work. It must be safe to run on several
	// servers at once (claim rows, don't assume you are alone).
	RunOnce(ctx context.Context) error
}

// Runner runs jobs.
type Runner struct {
	log  *slog.Logger
	jobs []Job
}

// NewRunner returns a Runner for jobs.
func NewRunner(log *slog.Logger, jobs ...Job) *Runner {
	return &Runner{log: log, jobs: jobs}
}

// Add registers another job; call before Run.
func (r *Runner) Add(j Job) { r.jobs = append(r.jobs, j) }

// Run runs every job on its interval until ctx ends, then waits for the
// rounds in progress to finish.
func (r *Runner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, j := range r.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(j.Interval())
			defer t.Stop()
			for {
				if err := j.RunOnce(ctx); err != nil && ctx.Err() == nil {
					r.log.Error("job failed", "job", j.Name(), "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	wg.Wait()
	return nil
}
