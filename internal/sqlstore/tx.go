package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// tx implements keyhouse.Tx.
type tx struct {
	tx *sql.Tx
	db *DB
	// toPrepare lists execPrepared statements to prepare after commit.
	toPrepare []string
	d         *dialect
	now       time.Time
	readOnly  bool
}

// forUpdate is the row-lock suffix for SELECTs in read-write transactions
// (PostgreSQL refuses FOR UPDATE in read-only ones, and needs no lock there).
func (t *tx) forUpdate() string {
	if t.readOnly {
		return ""
	}
	return t.d.forUpdate
}

var _ keyhouse.Tx = (*tx)(nil)

func (t *tx) Now() time.Time { return t.now }

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.d.rebind(q), args...)
}

// execPrepared is exec for statements run often with large texts (the
// usage writer's multi-row INSERT): on SQLite, parsing such a statement
// costs as much as running it, so it is prepared once on the writer and
// reused. PostgreSQL's driver caches prepared statements by itself.
func (t *tx) execPrepared(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.d.dollar || t.readOnly {
		return t.exec(ctx, q, args...)
	}
	st, ok := t.db.stmts.Load(q)
	if !ok {
		// Prepared after this transaction commits, when the writer's
		// one connection is free again.
		t.toPrepare = append(t.toPrepare, q)
		return t.exec(ctx, q, args...)
	}
	// database/sql reuses the statement when it was prepared on this
	// transaction's connection, and re-prepares it there otherwise.
	return t.tx.StmtContext(ctx, st.(*sql.Stmt)).ExecContext(ctx, args...)
}

// queryRowPrepared is queryRow for the lookups every cache miss makes (a
// key by its hash, its policy, a credential by its hash): on SQLite,
// preparing the key lookup's statement was half the cost of a miss.
func (t *tx) queryRowPrepared(ctx context.Context, q string, args ...any) *sql.Row {
	if t.d.dollar {
		return t.queryRow(ctx, q, args...)
	}
	pool := t.db.w
	if t.readOnly {
		pool = t.db.r
	}
	st, ok := t.db.stmtCache(pool).Load(q)
	if !ok {
		t.toPrepare = append(t.toPrepare, q)
		return t.queryRow(ctx, q, args...)
	}
	return t.tx.StmtContext(ctx, st.(*sql.Stmt)).QueryRowContext(ctx, args...)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.d.rebind(q), args...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.d.rebind(q), args...)
}

// execOne runs q and returns ENOTFOUND with msg when it changed no row.
func (t *tx) execOne(ctx context.Context, msg, q string, args ...any) error {
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, "%s", msg)
	}
	return nil
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// isForeignKey reports whether err is a foreign-key violation.
func isForeignKey(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	return false
}

// notFound maps sql.ErrNoRows to ENOTFOUND with msg.
func notFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, "%s", msg)
	}
	return err
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func hashBytes(h [32]byte) []byte { return h[:] }

func toHash(b []byte) [32]byte {
	var h [32]byte
	copy(h[:], b)
	return h
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func strList(s string) []string {
	var v []string
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

func strMap(s string) map[string]string {
	var v map[string]string
	_ = json.Unmarshal([]byte(s), &v)
	return v
}

// limitOffset clamps a page for SQL.
func limitOffset(p keyhouse.Page) (int, int) {
	l, o := p.Limit, p.Offset
	if l <= 0 {
		l = 50
	}
	if o < 0 {
		o = 0
	}
	return l, o
}
