package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const userCols = `id, org_id, email, name, role, password_hash, created_at, updated_at`

func scanUser(s interface{ Scan(...any) error }) (*keyhouse.User, error) {
	var u keyhouse.User
	var created, updated int64
	var role string
	if err := s.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &role, &u.PasswordHash, &created, &updated); err != nil {
		return nil, err
	}
	u.Role = keyhouse.Role(role)
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return &u, nil
}

func (t *tx) CreateUser(ctx context.Context, u *keyhouse.User) error {
	const q = `INSERT INTO users (` + userCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, u.ID, u.OrgID, strings.ToLower(u.Email), u.Name, string(u.Role), u.PasswordHash, ms(u.CreatedAt), ms(u.UpdatedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "A user with this email already exists.")
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

func (t *tx) User(ctx context.Context, orgID, id keyhouse.ID) (*keyhouse.User, error) {
	const q = `SELECT ` + userCols + ` FROM users WHERE org_id = ? AND id = ?`
	u, err := scanUser(t.queryRow(ctx, q, orgID, id))
	return u, notFound(err, "User not found.")
}

func (t *tx) UserByEmail(ctx context.Context, email string) (*keyhouse.User, error) {
	const q = `SELECT ` + userCols + ` FROM users WHERE email = ?`
	u, err := scanUser(t.queryRow(ctx, q, strings.ToLower(email)))
	return u, notFound(err, "User not found.")
}

func (t *tx) SetUserPassword(ctx context.Context, orgID, id keyhouse.ID, hash string) error {
	const q = `UPDATE users SET password_hash = ?, updated_at = ? WHERE org_id = ? AND id = ?`
	return t.execOne(ctx, "User not found.", q, hash, ms(t.now), orgID, id)
}

func (t *tx) CreateSetupToken(ctx context.Context, s *keyhouse.SetupToken) error {
	const q = `INSERT INTO setup_tokens (hash, org_id, user_id, expires_at, used_at) VALUES (?, ?, ?, ?, ?)`
	if _, err := t.exec(ctx, q, hashBytes(s.Hash), s.OrgID, s.UserID, ms(s.ExpiresAt), nullMS(s.UsedAt)); err != nil {
		return fmt.Errorf("create setup token: %w", err)
	}
	return nil
}

func (t *tx) SetupToken(ctx context.Context, hash [32]byte) (*keyhouse.SetupToken, error) {
	const q = `SELECT hash, org_id, user_id, expires_at, used_at FROM setup_tokens WHERE hash = ?`
	var s keyhouse.SetupToken
	var h []byte
	var exp int64
	var used sql.NullInt64
	err := t.queryRow(ctx, q, hashBytes(hash)).Scan(&h, &s.OrgID, &s.UserID, &exp, &used)
	if err != nil {
		return nil, notFound(err, "Setup link not found.")
	}
	s.Hash, s.ExpiresAt, s.UsedAt = toHash(h), fromMS(exp), fromNullMS(used)
	return &s, nil
}

func (t *tx) UseSetupToken(ctx context.Context, hash [32]byte) error {
	const q = `UPDATE setup_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`
	err := t.execOne(ctx, "", q, ms(t.now), hashBytes(hash))
	if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "This setup link was already used.")
	}
	return err
}
