package audit

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Problem describes the first place an organization's chain is broken.
type Problem struct {
	OrgID   keyhouse.ID
	Seq     int64       // the sequence number where the break shows
	EventID keyhouse.ID // the event at that place, if there is one
	Reason  string
}

func (p *Problem) String() string {
	if p.EventID != "" {
		return fmt.Sprintf("org %s: entry %d (%s): %s", p.OrgID, p.Seq, p.EventID, p.Reason)
	}
	return fmt.Sprintf("org %s: entry %d: %s", p.OrgID, p.Seq, p.Reason)
}

// Verify walks every organization's chain in order and returns the first
// problem of each broken chain, and the number of events checked.
func Verify(ctx context.Context, store keyhouse.Store) ([]*Problem, int, error) {
	var orgs []*keyhouse.Organization
	if err := store.View(ctx, func(tx keyhouse.Tx) (err error) {
		orgs, err = tx.Orgs(ctx)
		return err
	}); err != nil {
		return nil, 0, err
	}
	var problems []*Problem
	total := 0
	for _, o := range orgs {
		p, n, err := VerifyOrg(ctx, store, o.ID)
		total += n
		if err != nil {
			return nil, total, err
		}
		if p != nil {
			problems = append(problems, p)
		}
	}
	return problems, total, nil
}

// VerifyOrg checks one organization's chain: sequence numbers 1, 2, 3…
// without gaps, each prev_hash equal to the previous hash, each hash equal
// to the recomputed one, and the head naming the last event.
func VerifyOrg(ctx context.Context, store keyhouse.Store, orgID keyhouse.ID) (*Problem, int, error) {
	var (
		want  int64 = 1
		prev  [32]byte
		count int
	)
	const batch = 1000
	for {
		var evs []*keyhouse.AuditEvent
		err := store.View(ctx, func(tx keyhouse.Tx) (err error) {
			evs, _, err = tx.AuditEvents(ctx, keyhouse.AuditFilter{OrgID: orgID, AfterSeq: want - 1, Ascending: true, Limit: batch})
			return err
		})
		if err != nil {
			return nil, count, err
		}
		for _, e := range evs {
			count++
			switch {
			case e.Seq != want:
				return &Problem{OrgID: orgID, Seq: want, EventID: e.ID, Reason: fmt.Sprintf("expected entry %d, found %d: an entry is missing or out of order", want, e.Seq)}, count, nil
			case e.PrevHash != prev:
				return &Problem{OrgID: orgID, Seq: e.Seq, EventID: e.ID, Reason: "previous-hash does not match the entry before it: entries were removed or reordered"}, count, nil
			case Hash(e) != e.Hash:
				return &Problem{OrgID: orgID, Seq: e.Seq, EventID: e.ID, Reason: "hash does not match the entry's contents: the entry was edited"}, count, nil
			}
			prev = e.Hash
			want++
		}
		if len(evs) < batch {
			break
		}
	}
	var headSeq int64
	var headHash [32]byte
	err := store.View(ctx, func(tx keyhouse.Tx) (err error) {
		headSeq, headHash, err = tx.AuditHead(ctx, orgID)
		return err
	})
	if err != nil {
		return nil, count, err
	}
	if headSeq != want-1 || headHash != prev {
		return &Problem{OrgID: orgID, Seq: want, Reason: fmt.Sprintf("the chain head names entry %d but the log ends at entry %d: entries were deleted from the end", headSeq, want-1)}, count, nil
	}
	return nil, count, nil
}
