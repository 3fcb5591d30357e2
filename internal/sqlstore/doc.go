// Package sqlstore is the one implementation of keyhouse.Store, over
// database/sql, for SQLite (modernc.org/sqlite, the embedded default) and
// PostgreSQL (pgx's stdlib driver).
//
// SQL is hand-written in the common subset of both databases; the few
// differences (placeholders, row locks) live in the dialect value. Times are
// stored as Unix milliseconds and hashes as blobs. Storage holds no business
// rules: services compose atomic work inside Store.Update.
package sqlstore
