package secrets

import (
	"context"
	"fmt"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/authz"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Activity lists the organization's activity feed, newest first.
func (s *Service) Activity(ctx context.Context, page keyhouse.Page) ([]*keyhouse.Activity, int, error) {
	p, err := authz.Require(ctx, keyhouse.RoleViewer, true, "read:secrets")
	if err != nil {
		return nil, 0, err
	}
	var out []*keyhouse.Activity
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		out, total, err = tx.Activities(ctx, p.OrgID, page)
		return err
	})
	return out, total, err
}

// Usage is what the caller's organization holds.
type Usage struct {
	Vaults       int
	Secrets      int
	Environments int
}

// Usage counts the organization's vaults, live secrets and environments.
func (s *Service) Usage(ctx context.Context) (*Usage, error) {
	p, err := authz.Caller(ctx)
	if err != nil {
		return nil, err
	}
	u := &Usage{}
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		for off := 0; ; off += 100 {
			list, total, err := tx.Vaults(ctx, p.OrgID, keyhouse.Page{Limit: 100, Offset: off})
			if err != nil {
				return err
			}
			u.Vaults = total
			for _, v := range list {
				st, err := tx.VaultStats(ctx, p.OrgID, v.ID)
				if err != nil {
					return err
				}
				u.Secrets += st.SecretCount
				u.Environments += len(st.Environments)
			}
			if off+100 >= total {
				return nil
			}
		}
	})
	return u, err
}

// PurgeExpired is the retention job's round: for every organization it
// deletes trash older than TrashRetention and versions beyond
// VersionsKept, each organization in its own short transaction, and
// device codes expired for a day.
func (s *Service) PurgeExpired(ctx context.Context) error {
	var orgs []*keyhouse.Organization
	if err := s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		orgs, err = tx.Orgs(ctx)
		return err
	}); err != nil {
		return err
	}
	for _, o := range orgs {
		err := s.store.Update(ctx, func(tx keyhouse.Tx) error {
			if _, err := tx.PurgeTrash(ctx, o.ID, tx.Now().Add(-TrashRetention)); err != nil {
				return err
			}
			_, err := tx.PruneSecretVersions(ctx, o.ID, VersionsKept)
			return err
		})
		if err != nil {
			return fmt.Errorf("retention for %s: %w", o.ID, err)
		}
	}
	return s.store.Update(ctx, func(tx keyhouse.Tx) error {
		_, err := tx.DeleteExpiredDeviceCodes(ctx, tx.Now().Add(-24*time.Hour))
		return err
	})
}

// Now is the service clock's time.
func (s *Service) Now() time.Time { return s.clock.Now() }
