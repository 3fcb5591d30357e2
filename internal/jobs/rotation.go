package jobs

import (
	"context"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// Rotation rotates API keys whose next_rotation_at has come and delivers
// the new keys to their webhooks. Each key is claimed with a conditional
// UPDATE of next_rotation_at, so several servers can run it at once.
type Rotation struct{ Keys *keys.Service }

// NewRotation returns the scheduled-rotation job.
func NewRotation(k *keys.Service) *Rotation { return &Rotation{Keys: k} }

// Name implements Job.
func (r *Rotation) Name() string { return "key_rotation" }

// Interval implements Job (reference/projectkeys.md: every 30 s).
func (r *Rotation) Interval() time.Duration { return 30 * time.Second }

// RunOnce implements Job.
func (r *Rotation) RunOnce(ctx context.Context) error {
	_, err := r.Keys.RunScheduledRotations(ctx)
	return err
}
