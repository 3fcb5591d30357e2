package keys

import (
	"context"
	"unicode/utf8"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// CreateScope adds a name to the organization's scope registry.
func (s *Service) CreateScope(ctx context.Context, name, description, parent string) (*keyhouse.Scope, error) {
	pr, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if name == "" || len(name) > 128 || !utf8.ValidString(name) {
		return nil, invalid("name", "invalid", "is required, at most 128 bytes")
	}
	if len(description) > maxDescription || len(parent) > 128 {
		return nil, invalid("description", "too_long", "description at most 1000 bytes, parent at most 128")
	}
	sc := &keyhouse.Scope{ID: ids.New(keyhouse.PrefixScope), OrgID: pr.OrgID, Name: name, Description: description, Parent: parent}
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		sc.CreatedAt = tx.Now()
		if err := tx.CreateScope(ctx, sc); err != nil {
			return err
		}
		return audit.Record(ctx, tx, pr.OrgID, audit.Entry{Action: "key_scope.created", ResourceType: "key_scope", ResourceID: sc.ID, Metadata: map[string]string{"name": name}})
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// Scopes lists the registry, optionally the children of parent.
func (s *Service) Scopes(ctx context.Context, parent string, page keyhouse.Page) ([]*keyhouse.Scope, error) {
	pr, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	var list []*keyhouse.Scope
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		list, _, err = tx.Scopes(ctx, pr.OrgID, parent, page)
		return err
	})
	return list, err
}

// DeleteScope removes a name from the registry. Keys keep the scope names
// they carry; only new assignments are refused.
func (s *Service) DeleteScope(ctx context.Context, id keyhouse.ID) error {
	pr, err := canWrite(ctx)
	if err != nil {
		return err
	}
	if err := ids.Check(id, keyhouse.PrefixScope, "Scope not found."); err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		if err := tx.DeleteScope(ctx, pr.OrgID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, pr.OrgID, audit.Entry{Action: "key_scope.deleted", ResourceType: "key_scope", ResourceID: id})
	})
	s.cache.InvalidateAll()
	return err
}
