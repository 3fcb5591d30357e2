// Package audit appends to and checks the per-organization, hash-chained
// audit log (SPEC §7).
//
// Each event's hash is SHA-256 over the previous event's hash and an
// unambiguous (length-prefixed) encoding of every field of the event, so an
// edited field, a deleted or reordered row, or a truncated tail breaks the
// chain at a place Verify can name. Appends happen inside the caller's
// transaction, so an event exists exactly when its change committed.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"

	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Entry is what a service says about a change; Record adds the actor, the
// request, the time and the chain.
type Entry struct {
	Action       string
	ResourceType string
	ResourceID   keyhouse.ID
	MachineID    keyhouse.ID
	PermissionID keyhouse.ID
	Provider     string
	Method       string
	Endpoint     string
	StatusCode   int
	// Metadata holds small, non-secret facts (a name, a count). Never a
	// value, raw key or credential.
	Metadata map[string]string
}

// Record appends e to orgID's chain within tx, as the principal in ctx (or
// the system when there is none).
func Record(ctx context.Context, tx keyhouse.Tx, orgID keyhouse.ID, e Entry) error {
	actorType, actorID := keyhouse.PrincipalSystem, keyhouse.ID("system")
	if p := keyhouse.PrincipalFromContext(ctx); p != nil {
		actorType, actorID = p.Kind, p.ActorID()
	}
	return RecordAs(ctx, tx, orgID, actorType, actorID, e)
}

// RecordAs is Record with an explicit actor (logins, where no principal exists yet).
func RecordAs(ctx context.Context, tx keyhouse.Tx, orgID keyhouse.ID, actorType keyhouse.PrincipalKind, actorID keyhouse.ID, e Entry) error {
	seq, prev, err := tx.AuditHead(ctx, orgID)
	if err != nil {
		return err
	}
	meta := keyhouse.RequestMetaFromContext(ctx)
	ev := &keyhouse.AuditEvent{
		ID:           ids.New(keyhouse.PrefixAuditEvent),
		OrgID:        orgID,
		Seq:          seq + 1,
		Time:         tx.Now(),
		ActorType:    actorType,
		ActorID:      actorID,
		Action:       e.Action,
		ResourceType: e.ResourceType,
		ResourceID:   e.ResourceID,
		RequestID:    meta.RequestID,
		ClientIP:     meta.ClientIP,
		MachineID:    e.MachineID,
		PermissionID: e.PermissionID,
		Provider:     e.Provider,
		Method:       e.Method,
		Endpoint:     e.Endpoint,
		StatusCode:   e.StatusCode,
		Metadata:     e.Metadata,
		PrevHash:     prev,
	}
	ev.Hash = Hash(ev)
	if err := tx.AppendAuditEvent(ctx, ev); err != nil {
		return fmt.Errorf("record %s: %w", e.Action, err)
	}
	return nil
}

// Hash computes an event's chain hash from its fields and PrevHash.
func Hash(e *keyhouse.AuditEvent) [32]byte {
	h := sha256.New()
	h.Write([]byte("keyhouse-audit-v1"))
	h.Write(e.PrevHash[:])
	put := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put(e.ID)
	put(e.OrgID)
	put(strconv.FormatInt(e.Seq, 10))
	put(strconv.FormatInt(e.Time.UnixMilli(), 10))
	put(string(e.ActorType))
	put(e.ActorID)
	put(e.Action)
	put(e.ResourceType)
	put(e.ResourceID)
	put(e.RequestID)
	put(e.ClientIP)
	put(e.MachineID)
	put(e.PermissionID)
	put(e.Provider)
	put(e.Method)
	put(e.Endpoint)
	put(strconv.Itoa(e.StatusCode))
	keys := make([]string, 0, len(e.Metadata))
	for k := range e.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	put(strconv.Itoa(len(keys)))
	for _, k := range keys {
		put(k)
		put(e.Metadata[k])
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}
