package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/authz"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// MgmtKeyScopes are the optional powers a management key may carry beyond
// the base ones of SPEC §3.
var MgmtKeyScopes = []string{
	"read:secrets", "write:secrets", "delete:secrets", "admin:api-keys",
	"read:keys", "write:keys", "verify:keys", "write:projects",
}

// CreateMgmtKeyParams describes a new management key.
type CreateMgmtKeyParams struct {
	Name   string
	Expiry time.Duration // 0 means the maximum, 30 days
	Scopes []string
}

// CreateMgmtKey issues a management API key and returns it with its raw
// value, which is never available again. Only signed-in users (and, later,
// machines) may: an API key cannot mint another (SPEC §3).
func (s *Service) CreateMgmtKey(ctx context.Context, p CreateMgmtKeyParams) (*keyhouse.MgmtKey, string, error) {
	caller, err := authz.RequireUser(ctx, keyhouse.RoleAdmin)
	if err != nil {
		return nil, "", err
	}
	p.Name = strings.TrimSpace(p.Name)
	var fields []keyhouse.FieldError
	if p.Name == "" || len(p.Name) > 100 {
		fields = append(fields, keyhouse.FieldError{Field: "name", Code: "invalid", Message: "name is required, 1 to 100 characters"})
	}
	if p.Expiry < 0 || p.Expiry > MaxMgmtKeyExpiry {
		fields = append(fields, keyhouse.FieldError{Field: "expirySeconds", Code: "out_of_range", Message: "must be between 1 and 2592000"})
	}
	for _, sc := range p.Scopes {
		if !slices.Contains(MgmtKeyScopes, sc) {
			fields = append(fields, keyhouse.FieldError{Field: "scopes", Code: "unknown_scope", Message: "unknown scope " + sc})
		}
	}
	if len(fields) > 0 {
		return nil, "", keyhouse.Invalid("The API key parameters are invalid.", fields...)
	}
	if p.Expiry == 0 {
		p.Expiry = MaxMgmtKeyExpiry
	}
	secret, err := crypto.RandomBase62(s.rand, 40)
	if err != nil {
		return nil, "", err
	}
	raw := PrefixMgmtKey + secret
	hash, ver := s.hashToken(raw)
	var k *keyhouse.MgmtKey
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		now := tx.Now()
		k = &keyhouse.MgmtKey{
			ID: ids.New(keyhouse.PrefixMgmtKey), OrgID: caller.OrgID, Name: p.Name, KeyPrefix: raw[:len(PrefixMgmtKey)+8],
			Hash: hash, PepperVersion: ver, Scopes: p.Scopes, CreatedBy: caller.ActorID(),
			CreatedAt: now, ExpiresAt: now.Add(p.Expiry),
		}
		if err := tx.CreateMgmtKey(ctx, k); err != nil {
			return err
		}
		return audit.Record(ctx, tx, caller.OrgID, audit.Entry{
			Action: "api_key.created", ResourceType: "api_key", ResourceID: k.ID,
			Metadata: map[string]string{"name": k.Name},
		})
	})
	if err != nil {
		return nil, "", err
	}
	return k, raw, nil
}

// ListMgmtKeys lists the organization's live management keys.
func (s *Service) ListMgmtKeys(ctx context.Context, page keyhouse.Page) ([]*keyhouse.MgmtKey, int, error) {
	caller, err := authz.Require(ctx, keyhouse.RoleAdmin, true)
	if err != nil {
		return nil, 0, err
	}
	var keys []*keyhouse.MgmtKey
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		keys, total, err = tx.MgmtKeys(ctx, caller.OrgID, page)
		return err
	})
	return keys, total, err
}

// RevokeMgmtKey revokes a management key at once: the next request with it fails.
func (s *Service) RevokeMgmtKey(ctx context.Context, id keyhouse.ID) error {
	caller, err := authz.Require(ctx, keyhouse.RoleAdmin, true)
	if err != nil {
		return err
	}
	if err := ids.Check(id, keyhouse.PrefixMgmtKey, "API key not found."); err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		if err := tx.RevokeMgmtKey(ctx, caller.OrgID, id, tx.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, caller.OrgID, audit.Entry{Action: "api_key.revoked", ResourceType: "api_key", ResourceID: id})
	})
	// Forget cached credentials before answering, so the revoked key's
	// very next request fails.
	s.forget()
	return err
}
