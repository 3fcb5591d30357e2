package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const auditCols = `id, org_id, seq, time, actor_type, actor_id, action, resource_type, resource_id, request_id,
client_ip, machine_id, permission_id, provider, method, endpoint, status_code, metadata, prev_hash, hash`

func scanAudit(s interface{ Scan(...any) error }) (*keyhouse.AuditEvent, error) {
	var e keyhouse.AuditEvent
	var at int64
	var actorType, meta string
	var prev, hash []byte
	err := s.Scan(&e.ID, &e.OrgID, &e.Seq, &at, &actorType, &e.ActorID, &e.Action, &e.ResourceType, &e.ResourceID,
		&e.RequestID, &e.ClientIP, &e.MachineID, &e.PermissionID, &e.Provider, &e.Method, &e.Endpoint, &e.StatusCode,
		&meta, &prev, &hash)
	if err != nil {
		return nil, err
	}
	e.Time, e.ActorType, e.Metadata = fromMS(at), keyhouse.PrincipalKind(actorType), strMap(meta)
	e.PrevHash, e.Hash = toHash(prev), toHash(hash)
	return &e, nil
}

func (t *tx) AuditHead(ctx context.Context, orgID keyhouse.ID) (int64, [32]byte, error) {
	q := `SELECT seq, hash FROM audit_heads WHERE org_id = ?` + t.forUpdate()
	var seq int64
	var h []byte
	err := t.queryRow(ctx, q, orgID).Scan(&seq, &h)
	if errors.Is(err, sql.ErrNoRows) {
		// An empty chain. The organization's first event is written in the
		// transaction that creates it, so no two appends race on a missing head.
		return 0, [32]byte{}, nil
	}
	if err != nil {
		return 0, [32]byte{}, fmt.Errorf("audit head: %w", err)
	}
	return seq, toHash(h), nil
}

func (t *tx) AppendAuditEvent(ctx context.Context, e *keyhouse.AuditEvent) error {
	const q = `INSERT INTO audit_events (` + auditCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	meta := e.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	_, err := t.exec(ctx, q, e.ID, e.OrgID, e.Seq, ms(e.Time), string(e.ActorType), e.ActorID, e.Action, e.ResourceType,
		e.ResourceID, e.RequestID, e.ClientIP, e.MachineID, e.PermissionID, e.Provider, e.Method, e.Endpoint, e.StatusCode,
		jsonText(meta), hashBytes(e.PrevHash), hashBytes(e.Hash))
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	const head = `INSERT INTO audit_heads (org_id, seq, hash) VALUES (?, ?, ?)
ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`
	if _, err := t.exec(ctx, head, e.OrgID, e.Seq, hashBytes(e.Hash)); err != nil {
		return fmt.Errorf("move audit head: %w", err)
	}
	return nil
}

func (t *tx) AuditEvents(ctx context.Context, f keyhouse.AuditFilter) ([]*keyhouse.AuditEvent, int, error) {
	where := []string{"org_id = ?"}
	args := []any{f.OrgID}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	eq("actor_id", f.ActorID)
	eq("actor_type", f.ActorType)
	eq("action", f.Action)
	eq("resource_type", f.ResourceType)
	eq("resource_id", f.ResourceID)
	eq("machine_id", f.MachineID)
	eq("permission_id", f.PermissionID)
	eq("provider", f.Provider)
	eq("method", f.Method)
	if f.From != nil {
		where = append(where, "time >= ?")
		args = append(args, ms(*f.From))
	}
	if f.To != nil {
		where = append(where, "time < ?")
		args = append(args, ms(*f.To))
	}
	if f.AfterSeq > 0 {
		where = append(where, "seq > ?")
		args = append(args, f.AfterSeq)
	}
	order := "seq DESC"
	if f.Ascending {
		order = "seq ASC"
	}
	l, o := limitOffset(keyhouse.Page{Limit: f.Limit, Offset: f.Offset})
	args = append(args, l, o)
	q := `SELECT ` + auditCols + `, COUNT(*) OVER () FROM audit_events WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit events: %w", err)
	}
	return collectCounted(rows, scanAudit)
}

func (t *tx) AuditFilterValues(ctx context.Context, orgID keyhouse.ID) (*keyhouse.AuditFilterValues, error) {
	var v keyhouse.AuditFilterValues
	for _, c := range []struct {
		col string
		dst *[]string
	}{
		{"action", &v.Actions}, {"actor_type", &v.ActorTypes}, {"actor_id", &v.ActorIDs},
		{"machine_id", &v.MachineIDs}, {"provider", &v.Providers}, {"method", &v.Methods},
		{"permission_id", &v.Permissions},
	} {
		// c.col comes from the fixed list above, never from input.
		q := `SELECT DISTINCT ` + c.col + ` FROM audit_events WHERE org_id = ? AND ` + c.col + ` <> '' ORDER BY 1 LIMIT 1000`
		rows, err := t.query(ctx, q, orgID)
		if err != nil {
			return nil, err
		}
		vals, err := collect(rows, func(s interface{ Scan(...any) error }) (string, error) {
			var x string
			return x, s.Scan(&x)
		})
		if err != nil {
			return nil, err
		}
		if vals == nil {
			vals = []string{}
		}
		*c.dst = vals
	}
	return &v, nil
}
