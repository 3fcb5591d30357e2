package keyhouse

import (
	"context"
	"time"
)

// DeviceStatus is where a device login stands.
type DeviceStatus string

// Device login states.
const (
	DevicePending  DeviceStatus = "pending"
	DeviceApproved DeviceStatus = "approved"
	DeviceDenied   DeviceStatus = "denied"
	DeviceConsumed DeviceStatus = "consumed" // the CLI token was issued
)

// DeviceCode is one `keyhouse login` device flow. The device code is a
// bearer secret kept only as a hash; the short user code is typed by a
// human and is unique while it lives. OrgID and UserID are set when a
// signed-in user approves it.
type DeviceCode struct {
	ID         ID
	Hash       [32]byte
	UserCode   string
	Status     DeviceStatus
	OrgID      ID
	UserID     ID
	Repository string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	DecidedAt  *time.Time
}

// DeviceTx stores device codes. They exist before any organization is
// known, so lookups are by code, like sessions by hash.
type DeviceTx interface {
	// CreateDeviceCode returns ECONFLICT when the user code is in use.
	CreateDeviceCode(ctx context.Context, d *DeviceCode) error
	// DeviceCodeByHash returns ENOTFOUND.
	DeviceCodeByHash(ctx context.Context, hash [32]byte) (*DeviceCode, error)
	// DeviceCodeByUserCode returns ENOTFOUND.
	DeviceCodeByUserCode(ctx context.Context, userCode string) (*DeviceCode, error)
	// DecideDeviceCode moves a pending, unexpired code to approved or
	// denied; ENOTFOUND when it is not pending any more.
	DecideDeviceCode(ctx context.Context, id ID, status DeviceStatus, orgID, userID ID, t time.Time) error
	// ConsumeDeviceCode moves an approved code to consumed; ENOTFOUND when
	// it is not approved (so a token is issued once).
	ConsumeDeviceCode(ctx context.Context, id ID) error
	// DeleteExpiredDeviceCodes deletes codes that expired before t.
	DeleteExpiredDeviceCodes(ctx context.Context, before time.Time) (int, error)
}
