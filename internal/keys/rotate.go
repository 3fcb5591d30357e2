package keys

import (
	"context"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// DefaultGrace is the grace period of a rotation that names none and whose
// key's policy has none (Keysmith's 24 h).
const DefaultGrace = 24 * time.Hour

// RotateParams describe a manual rotation.
type RotateParams struct {
	Reason string
	// Grace is how long the old key keeps working; nil: the policy's grace
	// period, else DefaultGrace. Zero ends the old key at once.
	Grace *time.Duration
	// NewName names the new key; "" keeps the old name.
	NewName string
}

// Rotated is the outcome of a rotation: the old key (now rotated, valid
// until its GraceExpiresAt), the new key and its raw value, shown once.
type Rotated struct {
	Old    *keyhouse.Key
	New    *keyhouse.Key
	RawKey string
}

// Rotate replaces a key by a new one (SPEC §4): the new key inherits name,
// scopes, policy, metadata, environment and rotation schedule and works at
// once; the old one keeps working until now + grace and not a moment after.
func (s *Service) Rotate(ctx context.Context, id keyhouse.ID, p RotateParams) (*Rotated, error) {
	pr, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixKey, keyNotFound); err != nil {
		return nil, err
	}
	if p.Grace != nil && *p.Grace < 0 {
		return nil, invalid("grace_period", "invalid", "must not be negative")
	}
	if len(p.Reason) > maxDescription {
		return nil, invalid("reason", "too_long", "must be at most 1000 bytes")
	}
	if len(p.NewName) > maxName {
		return nil, invalid("name", "too_long", "must be at most 255 bytes")
	}
	if p.Reason == "" {
		p.Reason = "manual"
	}
	var out *Rotated
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		old, err := tx.KeyForUpdate(ctx, pr.OrgID, id)
		if err != nil {
			return err
		}
		out, err = s.rotateTx(ctx, tx, old, p, pr.ActorID(), "api_key.rotated")
		return err
	})
	if out != nil {
		s.cache.Invalidate(out.Old.Hash, out.New.Hash)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rotateTx does a rotation inside tx: new key row, old key marked, rotation
// record, audit event.
func (s *Service) rotateTx(ctx context.Context, tx keyhouse.Tx, old *keyhouse.Key, p RotateParams, actor keyhouse.ID, action string) (*Rotated, error) {
	now := tx.Now()
	switch st := old.StateAt(now); st {
	case keyhouse.KeyActive:
	case keyhouse.KeyRevoked:
		return nil, keyhouse.Errorf(keyhouse.ECONFLICT, "The key is already revoked.")
	default:
		return nil, keyhouse.Errorf(keyhouse.ECONFLICT, "A %s key cannot be rotated.", st)
	}
	var pol *keyhouse.Policy
	if old.PolicyID != "" {
		var err error
		if pol, err = tx.Policy(ctx, old.OrgID, old.PolicyID); err != nil && keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
			return nil, err
		}
	}
	grace := DefaultGrace
	switch {
	case p.Grace != nil:
		grace = *p.Grace
	case pol != nil && pol.GracePeriod > 0:
		grace = pol.GracePeriod
	}
	nk, raw, err := s.successor(old, now, actor, p.NewName)
	if err != nil {
		return nil, err
	}
	if err := tx.CreateKey(ctx, nk); err != nil {
		return nil, err
	}
	if err := s.markRotated(ctx, tx, old, nk, grace, p.Reason, actor, action); err != nil {
		return nil, err
	}
	return &Rotated{Old: old, New: nk, RawKey: raw}, nil
}

// successor builds (not stores) the key that replaces old, with a new raw key.
func (s *Service) successor(old *keyhouse.Key, now time.Time, actor keyhouse.ID, name string) (*keyhouse.Key, string, error) {
	nk := *old
	nk.ID = ids.New(keyhouse.PrefixKey)
	if name != "" {
		nk.Name = name
	}
	nk.State, nk.CreatedAt, nk.UpdatedAt, nk.CreatedBy = keyhouse.KeyActive, now, now, actor
	nk.LastUsedAt, nk.RotatedAt, nk.RevokedAt, nk.RevokeReason = nil, nil, nil, ""
	nk.ReplacedByKeyID, nk.GraceExpiresAt, nk.PendingSuccessorID = "", nil, ""
	nk.Scopes = append([]string(nil), old.Scopes...)
	if old.ExpiresAt != nil {
		// The new key gets the lifetime the old one was given.
		t := now.Add(old.ExpiresAt.Sub(old.CreatedAt))
		nk.ExpiresAt = &t
	}
	nk.NextRotationAt = nil
	if nk.RotationIntervalDays > 0 {
		t := now.Add(time.Duration(nk.RotationIntervalDays) * 24 * time.Hour)
		nk.NextRotationAt = &t
	}
	raw, err := s.mint(&nk)
	if err != nil {
		return nil, "", err
	}
	return &nk, raw, nil
}

// markRotated marks old as replaced by nk, valid until now + grace, with a
// rotation record and an audit event.
func (s *Service) markRotated(ctx context.Context, tx keyhouse.Tx, old, nk *keyhouse.Key, grace time.Duration, reason string, actor keyhouse.ID, action string) error {
	now := tx.Now()
	ends := now.Add(grace)
	old.State, old.ReplacedByKeyID, old.GraceExpiresAt, old.RotatedAt = keyhouse.KeyRotated, nk.ID, &ends, &now
	old.NextRotationAt, old.UpdatedAt = nil, now
	if err := tx.UpdateKey(ctx, old); err != nil {
		return err
	}
	rot := &keyhouse.Rotation{ID: ids.New(keyhouse.PrefixRotation), OrgID: old.OrgID, KeyID: old.ID, NewKeyID: nk.ID,
		Reason: reason, GraceTTL: grace, GraceEnds: ends, RotatedBy: actor, CreatedAt: now}
	if err := tx.CreateRotation(ctx, rot); err != nil {
		return err
	}
	return audit.Record(ctx, tx, old.OrgID, audit.Entry{Action: action, ResourceType: "api_key", ResourceID: old.ID,
		Metadata: map[string]string{"new_key_id": nk.ID, "reason": reason, "grace_period": grace.String()}})
}
