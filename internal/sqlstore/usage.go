package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const usageCols = `id, org_id, key_id, valid, code, status_code, ip, origin, endpoint, method, user_agent, latency_us, created_at`

func scanUsage(s interface{ Scan(...any) error }) (*keyhouse.UsageRecord, error) {
	var u keyhouse.UsageRecord
	var valid int
	var lat, created int64
	if err := s.Scan(&u.ID, &u.OrgID, &u.KeyID, &valid, &u.Code, &u.StatusCode, &u.IP, &u.Origin, &u.Endpoint, &u.Method, &u.UserAgent, &lat, &created); err != nil {
		return nil, err
	}
	u.Valid, u.Latency, u.CreatedAt = valid == 1, time.Duration(lat)*time.Microsecond, fromMS(created)
	return &u, nil
}

// InsertUsage writes records in multi-row INSERTs: usage arrives in
// batches of hundreds, and one statement per row would make the writer
// the bottleneck of the validation path.
// usageChunk is how many records one INSERT writes: 13 values a row stays
// well under SQLite's 32,766 bound parameters.
const usageChunk = 200

// usageInsert[n] is the INSERT of n records; the full chunk and the single
// row are prepared once and reused (tx.execPrepared), since the usage
// writer runs them for every validation the server answers.
var usageInsertChunk, usageInsertOne = usageInsert(usageChunk), usageInsert(1)

func usageInsert(n int) string {
	const row = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	var q strings.Builder
	q.WriteString(`INSERT INTO key_usage (` + usageCols + `) VALUES `)
	for i := range n {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(row)
	}
	return q.String()
}

func (t *tx) InsertUsage(ctx context.Context, recs []*keyhouse.UsageRecord) error {
	args := make([]any, 0, min(len(recs), usageChunk)*13)
	for len(recs) > 0 {
		n, q := usageChunk, usageInsertChunk
		switch {
		case len(recs) >= usageChunk:
		case t.d.dollar:
			// One round trip for the rest on PostgreSQL, whose driver
			// caches the statement by its text.
			n, q = len(recs), usageInsert(len(recs))
		default:
			n, q = 1, usageInsertOne
		}
		args = args[:0]
		for _, u := range recs[:n] {
			valid := 0
			if u.Valid {
				valid = 1
			}
			args = append(args, u.ID, u.OrgID, u.KeyID, valid, u.Code, u.StatusCode, u.IP, u.Origin, u.Endpoint, u.Method,
				u.UserAgent, u.Latency.Microseconds(), ms(u.CreatedAt))
		}
		if _, err := t.execPrepared(ctx, q, args...); err != nil {
			return fmt.Errorf("insert usage: %w", err)
		}
		recs = recs[n:]
	}
	return nil
}

func usageWhere(f keyhouse.UsageFilter) (string, []any) {
	var b strings.Builder
	args := []any{f.OrgID}
	b.WriteString(`org_id = ?`)
	if f.KeyID != "" {
		b.WriteString(` AND key_id = ?`)
		args = append(args, f.KeyID)
	}
	if f.From != nil {
		b.WriteString(` AND created_at >= ?`)
		args = append(args, ms(*f.From))
	}
	if f.To != nil {
		b.WriteString(` AND created_at < ?`)
		args = append(args, ms(*f.To))
	}
	return b.String(), args
}

func (t *tx) Usage(ctx context.Context, f keyhouse.UsageFilter) ([]*keyhouse.UsageRecord, int, error) {
	where, args := usageWhere(f)
	l, o := limitOffset(f.Page)
	q := `SELECT ` + usageCols + `, COUNT(*) OVER () FROM key_usage WHERE ` + where + ` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	rows, err := t.query(ctx, q, append(args, l, o)...)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanUsage)
}

func (t *tx) EachUsage(ctx context.Context, f keyhouse.UsageFilter, fn func(*keyhouse.UsageRecord) error) error {
	where, args := usageWhere(f)
	q := `SELECT ` + usageCols + ` FROM key_usage WHERE ` + where + ` ORDER BY created_at, id`
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUsage(rows)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}
