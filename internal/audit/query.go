package audit

import (
	"context"

	"github.com/keyhouse-dev/keyhouse/internal/authz"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Service answers audit-log queries and exports.
type Service struct {
	store keyhouse.Store
}

// NewService returns a Service.
func NewService(store keyhouse.Store) *Service { return &Service{store: store} }

// Reading the audit log needs an admin, or any management key (SPEC §3:
// keys may query and export audit).
func canRead(ctx context.Context) (*keyhouse.Principal, error) {
	return authz.Require(ctx, keyhouse.RoleAdmin, true)
}

// Query lists events matching f in the caller's organization, newest first.
func (s *Service) Query(ctx context.Context, f keyhouse.AuditFilter) ([]*keyhouse.AuditEvent, int, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	f.OrgID = p.OrgID
	var evs []*keyhouse.AuditEvent
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		evs, total, err = tx.AuditEvents(ctx, f)
		return err
	})
	return evs, total, err
}

// FilterValues lists the values each filter can take.
func (s *Service) FilterValues(ctx context.Context) (*keyhouse.AuditFilterValues, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	var v *keyhouse.AuditFilterValues
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		v, err = tx.AuditFilterValues(ctx, p.OrgID)
		return err
	})
	return v, err
}

// Authorize checks the caller may export before any byte is written, so an
// export refused for lack of power answers a clean error.
func (s *Service) Authorize(ctx context.Context) error {
	_, err := canRead(ctx)
	return err
}

// Export streams every event matching f, oldest first, to fn, in batches
// read with keyset pagination so no transaction stays open while the
// client reads.
func (s *Service) Export(ctx context.Context, f keyhouse.AuditFilter, fn func(*keyhouse.AuditEvent) error) error {
	p, err := canRead(ctx)
	if err != nil {
		return err
	}
	f.OrgID, f.Ascending, f.Offset = p.OrgID, true, 0
	const batch = 500
	f.Limit = batch
	for {
		var evs []*keyhouse.AuditEvent
		err := s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
			evs, _, err = tx.AuditEvents(ctx, f)
			return err
		})
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := fn(e); err != nil {
				return err
			}
			f.AfterSeq = e.Seq
		}
		if len(evs) < batch {
			return nil
		}
	}
}
