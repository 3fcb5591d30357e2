package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

//go:embed migrations
var migrations embed.FS

// DB is a keyhouse.Store over SQLite or PostgreSQL.
type DB struct {
	// w runs read-write transactions. On SQLite it holds one connection:
	// SQLite allows one writer at a time, and queueing writers in Go avoids
	// SQLITE_BUSY storms under load.
	w *sql.DB
	// r runs read-only transactions; on SQLite a separate pool, so reads are
	// never queued behind the writer (WAL lets them run concurrently).
	r     *sql.DB
	d     *dialect
	clock keyhouse.Clock
	// stmts and rstmts cache statements prepared on w and r (SQLite only,
	// see tx.execPrepared and tx.queryRowPrepared), keyed by query text.
	stmts, rstmts sync.Map
}

var _ keyhouse.Store = (*DB)(nil)

// Open opens the database named by dsn: a postgres:// or postgresql:// URL,
// or else a SQLite file path (optionally prefixed with "sqlite:" or "file:").
// It does not run migrations; call Migrate.
func Open(ctx context.Context, dsn string, clock keyhouse.Clock) (*DB, error) {
	if clock == nil {
		clock = keyhouse.SystemClock{}
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn, clock)
	}
	return openSQLite(ctx, dsn, clock)
}

func openSQLite(ctx context.Context, path string, clock keyhouse.Clock) (*DB, error) {
	path = strings.TrimPrefix(strings.TrimPrefix(path, "sqlite:"), "file:")
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	// synchronous=FULL makes every acknowledged commit survive power loss and
	// kill -9; busy_timeout covers other processes (backup, CLI) holding locks.
	pragmas := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)"
	// The writer's page cache is 64 MiB rather than 2: with many keys in
	// use, usage rows land on a different index page each, and keeping
	// those pages cached cut the cost of a row by a quarter (docs/keys.md).
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=cache_size(-65536)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	db := &DB{w: w, r: r, d: sqliteDialect, clock: clock}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string, clock keyhouse.Clock) (*DB, error) {
	if _, err := url.Parse(dsn); err != nil {
		return nil, fmt.Errorf("parse postgres url: %w", err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &DB{w: db, r: db, d: postgresDialect, clock: clock}
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return s, nil
}

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// Migrate runs the embedded migrations that have not run yet, each in its
// own transaction. On PostgreSQL a session lock keeps nodes that start
// together from migrating twice.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+db.d.name)
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	gd := goose.DialectSQLite3
	if db.d.name == "postgres" {
		gd = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, db.w, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close closes both pools. For SQLite this checkpoints the WAL.
func (db *DB) Close() error {
	var errs []error
	for _, m := range []*sync.Map{&db.stmts, &db.rstmts} {
		m.Range(func(_, v any) bool {
			errs = append(errs, v.(*sql.Stmt).Close())
			return true
		})
	}
	if db.r != db.w {
		errs = append(errs, db.r.Close())
	}
	errs = append(errs, db.w.Close())
	return errors.Join(errs...)
}

// Update runs fn in a read-write transaction.
func (db *DB) Update(ctx context.Context, fn func(keyhouse.Tx) error) error {
	return db.run(ctx, db.w, false, fn)
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(keyhouse.Tx) error) error {
	return db.run(ctx, db.r, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(keyhouse.Tx) error) (err error) {
	// SQLite's read pool is query_only already; ReadOnly would make the
	// modernc driver refuse the BEGIN, so it is only set for PostgreSQL.
	var opts *sql.TxOptions
	if readOnly && db.d.name == "postgres" {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &tx{tx: stx, db: db, d: db.d, now: db.clock.Now().UTC().Truncate(time.Millisecond), readOnly: readOnly}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(t); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, q := range t.toPrepare {
		db.prepare(ctx, pool, q)
	}
	return nil
}

// stmtCache is the cache of statements prepared on pool.
func (db *DB) stmtCache(pool *sql.DB) *sync.Map {
	if pool == db.r && db.r != db.w {
		return &db.rstmts
	}
	return &db.stmts
}

// prepare prepares q on pool for later transactions (tx.execPrepared,
// tx.queryRowPrepared). It runs after the transaction that first ran q, outside
// it: SQLite's writer pool has one connection, which a transaction holds,
// and a reader waiting for a connection while holding one could wait
// forever.
func (db *DB) prepare(ctx context.Context, pool *sql.DB, q string) {
	cache := db.stmtCache(pool)
	if _, ok := cache.Load(q); ok {
		return
	}
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return // the next use runs q unprepared, and tries again
	}
	if _, loaded := cache.LoadOrStore(q, st); loaded {
		st.Close()
	}
}

// SQL exposes the read-write pool, for tests that must tamper with rows the
// way an attacker with database access would.
func (db *DB) SQL() *sql.DB { return db.w }

// Rebind rewrites a query's ? placeholders for this database.
func (db *DB) Rebind(q string) string { return db.d.rebind(q) }
