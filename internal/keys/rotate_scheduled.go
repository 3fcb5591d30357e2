package keys

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/netguard"
	"github.com/keyhouse-dev/keyhouse/internal/webhook"
)

const (
	// ScheduledGrace is how long the old key works after a scheduled
	// rotation was delivered (reference/projectkeys.md: 24 h).
	ScheduledGrace = 24 * time.Hour
	// claimLease is how long a claimed rotation stays claimed: after a
	// failed delivery, or a crash mid-way, the key is tried again then.
	claimLease = 15 * time.Minute
	// EventAutoRotated is the rotation webhook's event type.
	EventAutoRotated = "api_key.auto_rotated"
)

// WebhookSender delivers one signed event with retries (webhook.Deliverer).
type WebhookSender interface {
	Deliver(ctx context.Context, url string, secret []byte, msgID string, body []byte, onAttempt func(webhook.Attempt)) error
}

func newHTTPSender(p netguard.Policy) WebhookSender {
	return &webhook.Deliverer{Client: p.HTTPClient(10 * time.Second)}
}

// checkWebhookURL refuses URLs that are not https (http too when private
// networks are allowed) or whose host is, or resolves to, an address the
// network policy forbids. The dial-time check still guards every delivery:
// DNS can change after this.
func (s *Service) checkWebhookURL(raw string) error {
	u, err := netguard.ValidateURL(raw, !s.net.AllowPrivate)
	if err != nil {
		return invalid("rotation_webhook_url", "invalid_url", "must be an https URL with a host and no credentials")
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if !s.net.AllowPrivate {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host); err != nil {
			return invalid("rotation_webhook_url", "unresolvable", "has a host that does not resolve")
		}
	}
	for _, a := range addrs {
		if err := s.net.CheckIP(a); err != nil {
			return invalid("rotation_webhook_url", "forbidden_address", "must not point at a loopback, private or link-local address")
		}
	}
	return nil
}

type rotationEvent struct {
	Type         string `json:"type"`
	Event        string `json:"event"`
	Timestamp    string `json:"timestamp"`
	OldKeyID     string `json:"old_key_id"`
	NewKeyID     string `json:"new_key_id"`
	NewKey       string `json:"new_key"`
	NewKeyPrefix string `json:"new_key_prefix"`
	ProjectID    string `json:"project_id"`
	RotatedAt    string `json:"rotated_at"`
}

func rfc3339ms(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// RunScheduledRotations rotates every key whose next_rotation_at has come.
// Each key is claimed by a compare-and-set on next_rotation_at, so when
// several servers run this at once each key is rotated by exactly one.
// The new key is delivered to the key's webhook; only when delivery
// succeeds is the old key marked rotated (24 h grace). When delivery fails
// for good, the new key is revoked and the old one stays active; the claim
// lease makes the next attempt wait claimLease.
func (s *Service) RunScheduledRotations(ctx context.Context) (int, error) {
	var orgs []*keyhouse.Organization
	if err := s.store.View(ctx, func(tx keyhouse.Tx) (err error) { orgs, err = tx.Orgs(ctx); return err }); err != nil {
		return 0, err
	}
	rotated := 0
	var errs []error
	for _, o := range orgs {
		var due []*keyhouse.Key
		now := s.clock.Now()
		if err := s.store.View(ctx, func(tx keyhouse.Tx) (err error) { due, err = tx.DueRotations(ctx, o.ID, now, 100); return err }); err != nil {
			return rotated, err
		}
		for _, k := range due {
			ok, err := s.rotateScheduled(ctx, k)
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				rotated++
			}
		}
	}
	return rotated, errors.Join(errs...)
}

func (s *Service) rotateScheduled(ctx context.Context, k *keyhouse.Key) (bool, error) {
	var nk *keyhouse.Key
	var raw string
	var abandoned [][32]byte // hashes to drop from the cache once committed
	err := s.store.Update(ctx, func(tx keyhouse.Tx) error {
		abandoned = abandoned[:0]
		now := tx.Now()
		won, err := tx.ClaimRotation(ctx, k.OrgID, k.ID, *k.NextRotationAt, now.Add(claimLease))
		if err != nil || !won {
			return err
		}
		old, err := tx.KeyForUpdate(ctx, k.OrgID, k.ID)
		if err != nil {
			return err
		}
		if err := s.abandonPending(ctx, tx, old, now, &abandoned); err != nil {
			return err
		}
		if old.RotationWebhookURL == "" || old.WebhookSecretSealed == nil {
			// Nothing to deliver to: stop scheduling (reference behaviour).
			old.RotationIntervalDays, old.NextRotationAt, old.UpdatedAt = 0, nil, now
			if err := tx.UpdateKey(ctx, old); err != nil {
				return err
			}
			return auditSystem(ctx, tx, old, "api_key.auto_rotation_disabled", map[string]string{"reason": "no rotation webhook"})
		}
		nk, raw, err = s.successor(old, now, "system", old.Name+" (auto-rotated)")
		if err != nil {
			return err
		}
		nk.NextRotationAt = nil // set once delivered
		if err := tx.CreateKey(ctx, nk); err != nil {
			return err
		}
		old.PendingSuccessorID = nk.ID
		return tx.UpdateKey(ctx, old)
	})
	if err == nil && len(abandoned) > 0 {
		s.cache.Invalidate(abandoned...)
	}
	if err != nil || nk == nil {
		return false, err
	}
	s.cache.Invalidate(nk.Hash)
	secretText, err := s.sealer.Open(k.WebhookSecretSealed, k.WebhookSecretKeyID, []byte(webhookSecretAD))
	var secret []byte
	if err == nil {
		secret, err = webhook.ParseSecret(string(secretText))
	}
	now := s.clock.Now()
	msgID := ids.New("msg")
	var delivered error
	if err != nil {
		delivered = err
	} else {
		body, _ := json.Marshal(rotationEvent{Type: EventAutoRotated, Event: EventAutoRotated, Timestamp: rfc3339ms(now),
			OldKeyID: k.ID, NewKeyID: nk.ID, NewKey: raw, NewKeyPrefix: nk.KeyPrefix, ProjectID: k.ProjectID, RotatedAt: rfc3339ms(now)})
		delivered = s.webhook.Deliver(ctx, k.RotationWebhookURL, secret, msgID, body, func(a webhook.Attempt) {
			d := &keyhouse.WebhookDelivery{ID: ids.New(keyhouse.PrefixWebhook), OrgID: k.OrgID, MessageID: msgID, KeyID: k.ID,
				Event: EventAutoRotated, URL: k.RotationWebhookURL, Attempt: a.N, Status: "succeeded", ResponseStatus: a.Status, CreatedAt: s.clock.Now()}
			if a.Err != nil {
				d.Status, d.Error = "failed", truncate(a.Err.Error(), 500)
			}
			// Recorded even when the job is being stopped mid-delivery: the
			// attempt happened.
			rctx := context.WithoutCancel(ctx)
			if err := s.store.Update(rctx, func(tx keyhouse.Tx) error { return tx.CreateWebhookDelivery(rctx, d) }); err != nil {
				s.log.Error("record webhook delivery", "key_id", k.ID, "err", err)
			}
		})
	}
	// The outcome is recorded even when the job is being stopped: a new
	// key left active with no delivery would outlive its rotation.
	ctx = context.WithoutCancel(ctx)
	aborted := false
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		now := tx.Now()
		n, err := tx.KeyForUpdate(ctx, nk.OrgID, nk.ID)
		if err != nil {
			return err
		}
		old, err := tx.KeyForUpdate(ctx, k.OrgID, k.ID)
		if err != nil && keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
			return err
		}
		// The delivery took seconds to minutes, and the keys may have been
		// changed meanwhile: an old key revoked, suspended or rotated by
		// hand must stay so, and its successor must not outlive it.
		owns := old != nil && old.PendingSuccessorID == nk.ID
		changed := !owns || old.State != keyhouse.KeyActive || n.State != keyhouse.KeyActive
		if owns {
			old.PendingSuccessorID = "" // written below, with the outcome
		}
		if delivered != nil || changed {
			action, reason := "api_key.auto_rotation_failed", "rotation webhook delivery failed"
			if delivered == nil {
				aborted = true
				action, reason = "api_key.auto_rotation_aborted", "the rotated key changed during delivery"
			}
			if owns {
				if err := tx.UpdateKey(ctx, old); err != nil {
					return err
				}
			}
			if err := revokeSystem(ctx, tx, n, now, reason); err != nil {
				return err
			}
			return auditSystem(ctx, tx, k, action, map[string]string{"new_key_id": nk.ID, "message_id": msgID})
		}
		t := now.Add(time.Duration(n.RotationIntervalDays) * 24 * time.Hour)
		n.NextRotationAt, n.UpdatedAt = &t, now
		if err := tx.UpdateKey(ctx, n); err != nil {
			return err
		}
		return s.markRotated(ctx, tx, old, n, ScheduledGrace, "scheduled", "system", "api_key.auto_rotated")
	})
	s.cache.Invalidate(k.Hash, nk.Hash)
	if err != nil {
		return false, err
	}
	return delivered == nil && !aborted, nil
}

// abandonPending revokes the successor an earlier attempt created but never
// saw through (the server stopped mid-delivery): the attempt about to start
// makes a new one.
func (s *Service) abandonPending(ctx context.Context, tx keyhouse.Tx, old *keyhouse.Key, now time.Time, abandoned *[][32]byte) error {
	if old.PendingSuccessorID == "" {
		return nil
	}
	p, err := tx.KeyForUpdate(ctx, old.OrgID, old.PendingSuccessorID)
	switch {
	case keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND:
	case err != nil:
		return err
	case p.State != keyhouse.KeyRevoked:
		if err := revokeSystem(ctx, tx, p, now, "scheduled rotation interrupted"); err != nil {
			return err
		}
		// Dropped from the cache after the commit: dropped now, a
		// validation could load the still-active row back before it.
		*abandoned = append(*abandoned, p.Hash)
		if err := auditSystem(ctx, tx, old, "api_key.auto_rotation_abandoned", map[string]string{"new_key_id": p.ID}); err != nil {
			return err
		}
	}
	old.PendingSuccessorID = ""
	return nil
}

// revokeSystem revokes k on the rotation job's behalf (a revoked key stays
// as it is).
func revokeSystem(ctx context.Context, tx keyhouse.Tx, k *keyhouse.Key, now time.Time, reason string) error {
	if k.State == keyhouse.KeyRevoked {
		return nil
	}
	k.State, k.RevokedAt, k.RevokeReason, k.UpdatedAt = keyhouse.KeyRevoked, &now, reason, now
	return tx.UpdateKey(ctx, k)
}

// auditSystem records what the rotation job did to key k.
func auditSystem(ctx context.Context, tx keyhouse.Tx, k *keyhouse.Key, action string, meta map[string]string) error {
	return audit.RecordAs(ctx, tx, k.OrgID, keyhouse.PrincipalSystem, "system", audit.Entry{Action: action,
		ResourceType: "api_key", ResourceID: k.ID, Metadata: meta})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// WebhookDeliveries lists rotation webhook delivery attempts; keyID "" for all.
func (s *Service) WebhookDeliveries(ctx context.Context, keyID keyhouse.ID, page keyhouse.Page) ([]*keyhouse.WebhookDelivery, int, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	if keyID != "" && !ids.Valid(keyID, keyhouse.PrefixKey) {
		return nil, 0, keyhouse.Errorf(keyhouse.ENOTFOUND, keyNotFound)
	}
	var list []*keyhouse.WebhookDelivery
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		list, total, err = tx.WebhookDeliveries(ctx, p.OrgID, keyID, page)
		return err
	})
	return list, total, err
}
