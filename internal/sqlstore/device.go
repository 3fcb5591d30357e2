package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const deviceCols = `id, hash, user_code, status, org_id, user_id, repository, created_at, expires_at, decided_at`

const deviceNotFound = "Invalid device code"

func scanDevice(s interface{ Scan(...any) error }) (*keyhouse.DeviceCode, error) {
	var d keyhouse.DeviceCode
	var h []byte
	var status string
	var created, expires int64
	var decided sql.NullInt64
	if err := s.Scan(&d.ID, &h, &d.UserCode, &status, &d.OrgID, &d.UserID, &d.Repository, &created, &expires, &decided); err != nil {
		return nil, err
	}
	d.Hash, d.Status = toHash(h), keyhouse.DeviceStatus(status)
	d.CreatedAt, d.ExpiresAt, d.DecidedAt = fromMS(created), fromMS(expires), fromNullMS(decided)
	return &d, nil
}

func (t *tx) CreateDeviceCode(ctx context.Context, d *keyhouse.DeviceCode) error {
	const q = `INSERT INTO device_codes (` + deviceCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, d.ID, hashBytes(d.Hash), d.UserCode, string(d.Status), d.OrgID, d.UserID, d.Repository, ms(d.CreatedAt), ms(d.ExpiresAt), nullMS(d.DecidedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "The device code is in use.")
	}
	if err != nil {
		return fmt.Errorf("create device code: %w", err)
	}
	return nil
}

func (t *tx) DeviceCodeByHash(ctx context.Context, hash [32]byte) (*keyhouse.DeviceCode, error) {
	d, err := scanDevice(t.queryRow(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE hash = ?`, hashBytes(hash)))
	return d, notFound(err, deviceNotFound)
}

func (t *tx) DeviceCodeByUserCode(ctx context.Context, userCode string) (*keyhouse.DeviceCode, error) {
	d, err := scanDevice(t.queryRow(ctx, `SELECT `+deviceCols+` FROM device_codes WHERE user_code = ?`, userCode))
	return d, notFound(err, deviceNotFound)
}

func (t *tx) DecideDeviceCode(ctx context.Context, id keyhouse.ID, status keyhouse.DeviceStatus, orgID, userID keyhouse.ID, at time.Time) error {
	const q = `UPDATE device_codes SET status = ?, org_id = ?, user_id = ?, decided_at = ? WHERE id = ? AND status = 'pending' AND expires_at > ?`
	return t.execOne(ctx, deviceNotFound, q, string(status), orgID, userID, ms(at), id, ms(at))
}

func (t *tx) ConsumeDeviceCode(ctx context.Context, id keyhouse.ID) error {
	const q = `UPDATE device_codes SET status = 'consumed' WHERE id = ? AND status = 'approved'`
	return t.execOne(ctx, deviceNotFound, q, id)
}

func (t *tx) DeleteExpiredDeviceCodes(ctx context.Context, before time.Time) (int, error) {
	res, err := t.exec(ctx, `DELETE FROM device_codes WHERE expires_at < ?`, ms(before))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
