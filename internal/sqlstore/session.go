package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const sessionCols = `id, org_id, user_id, kind, hash, created_at, expires_at, last_used_at, revoked_at`

func scanSession(s interface{ Scan(...any) error }) (*keyhouse.Session, error) {
	var x keyhouse.Session
	var kind string
	var h []byte
	var created, expires int64
	var used, revoked sql.NullInt64
	if err := s.Scan(&x.ID, &x.OrgID, &x.UserID, &kind, &h, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	x.Kind, x.Hash = keyhouse.SessionKind(kind), toHash(h)
	x.CreatedAt, x.ExpiresAt = fromMS(created), fromMS(expires)
	x.LastUsedAt, x.RevokedAt = fromNullMS(used), fromNullMS(revoked)
	return &x, nil
}

func (t *tx) CreateSession(ctx context.Context, s *keyhouse.Session) error {
	const q = `INSERT INTO sessions (` + sessionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, s.ID, s.OrgID, s.UserID, string(s.Kind), hashBytes(s.Hash), ms(s.CreatedAt), ms(s.ExpiresAt), nullMS(s.LastUsedAt), nullMS(s.RevokedAt))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

func (t *tx) SessionByHash(ctx context.Context, hash [32]byte) (*keyhouse.Session, error) {
	const q = `SELECT ` + sessionCols + ` FROM sessions WHERE hash = ?`
	s, err := scanSession(t.queryRowPrepared(ctx, q, hashBytes(hash)))
	return s, notFound(err, "Session not found.")
}

func (t *tx) RevokeSession(ctx context.Context, orgID, id keyhouse.ID) error {
	const q = `UPDATE sessions SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL`
	return t.execOne(ctx, "Session not found.", q, ms(t.now), orgID, id)
}

func (t *tx) TouchSession(ctx context.Context, id keyhouse.ID, at time.Time) error {
	const q = `UPDATE sessions SET last_used_at = ? WHERE id = ?`
	_, err := t.exec(ctx, q, ms(at), id)
	return err
}
