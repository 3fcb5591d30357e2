// Package device runs the device login flow of `keyhouse login`
// (SPEC §3): the CLI starts a flow and shows a short user code; a
// signed-in user approves or denies that code on the dashboard; the CLI's
// poll then receives a CLI token. Codes expire after 15 minutes, give out
// one token at most, and wrong user codes are rate limited.
package device

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/authz"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/ratelimit"
)

// Flow parameters (Keyway's).
const (
	TTL          = 15 * time.Minute
	PollInterval = 5 // seconds
	// VerifyPerMinute bounds user-code lookups, approvals and denials per
	// client IP and per user: 31^10 codes cannot be guessed at this rate.
	VerifyPerMinute = 5
)

// userAlphabet is A–Z without I, L and O, and 2–9: no look-alikes.
const userAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// Service runs device flows.
type Service struct {
	store  keyhouse.Store
	auth   *auth.Service
	rand   io.Reader
	clock  keyhouse.Clock
	byIP   *ratelimit.Keyed
	byUser *ratelimit.Keyed
}

// NewService returns a Service.
func NewService(store keyhouse.Store, a *auth.Service, clock keyhouse.Clock) *Service {
	if clock == nil {
		clock = keyhouse.SystemClock{}
	}
	return &Service{
		store: store, auth: a, rand: rand.Reader, clock: clock,
		byIP:   ratelimit.NewKeyed(VerifyPerMinute, time.Minute, VerifyPerMinute, clock.Now),
		byUser: ratelimit.NewKeyed(VerifyPerMinute, time.Minute, VerifyPerMinute, clock.Now),
	}
}

// Started is a new flow: DeviceCode is the CLI's bearer secret.
type Started struct {
	DeviceCode string
	UserCode   string
	ExpiresAt  time.Time
}

func hashCode(deviceCode string) [32]byte {
	return sha256.Sum256([]byte("keyhouse-device-v1\x00" + deviceCode))
}

// Start begins a flow. repository is kept only for display.
func (s *Service) Start(ctx context.Context, repository string) (*Started, error) {
	if len(repository) > 200 {
		return nil, keyhouse.Invalid("The repository is invalid.", keyhouse.FieldError{Field: "repository", Code: "too_long", Message: "at most 200 characters"})
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, raw); err != nil {
		return nil, err
	}
	dc := hex.EncodeToString(raw)
	for attempt := 0; ; attempt++ {
		uc, err := s.userCode()
		if err != nil {
			return nil, err
		}
		var d *keyhouse.DeviceCode
		err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
			now := tx.Now()
			d = &keyhouse.DeviceCode{ID: ids.New(keyhouse.PrefixDevice), Hash: hashCode(dc), UserCode: uc, Status: keyhouse.DevicePending, Repository: repository, CreatedAt: now, ExpiresAt: now.Add(TTL)}
			return tx.CreateDeviceCode(ctx, d)
		})
		if keyhouse.ErrorCode(err) == keyhouse.ECONFLICT && attempt < 5 {
			continue // a live code collided: draw another
		}
		if err != nil {
			return nil, err
		}
		return &Started{DeviceCode: dc, UserCode: uc, ExpiresAt: d.ExpiresAt}, nil
	}
}

func (s *Service) userCode() (string, error) {
	b := make([]byte, 10)
	var out strings.Builder
	for i := 0; i < 10; {
		if _, err := io.ReadFull(s.rand, b[:1]); err != nil {
			return "", err
		}
		// Rejection sampling keeps every character equally likely.
		if b[0] >= 248 {
			continue
		}
		if i == 5 {
			out.WriteByte('-')
		}
		out.WriteByte(userAlphabet[int(b[0])%len(userAlphabet)])
		i++
	}
	return out.String(), nil
}

// NormalizeUserCode upper-cases a typed code and puts the dash back; it
// reports false for anything that cannot be a code.
func NormalizeUserCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
		case r < 128 && strings.IndexByte(userAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	c := b.String()
	if len(c) != 10 {
		return "", false
	}
	return c[:5] + "-" + c[5:], true
}

// PollResult is where a flow stands for the CLI.
type PollResult struct {
	Status  keyhouse.DeviceStatus // pending, approved, denied, or "expired"
	Login   *auth.LoginResult     // approved: the new CLI token
	Message string
}

// Expired is the PollResult status of an expired or already used code.
const Expired keyhouse.DeviceStatus = "expired"

// Poll reports on a flow; when approved it issues the CLI token, once.
func (s *Service) Poll(ctx context.Context, deviceCode string) (*PollResult, error) {
	if deviceCode == "" || len(deviceCode) > 128 {
		return nil, keyhouse.Invalid("deviceCode is required.", keyhouse.FieldError{Field: "deviceCode", Code: "required", Message: "must be the device code from start"})
	}
	var d *keyhouse.DeviceCode
	err := s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		d, err = tx.DeviceCodeByHash(ctx, hashCode(deviceCode))
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	switch {
	case d.Status == keyhouse.DeviceConsumed:
		return &PollResult{Status: Expired, Message: "This device code has already been used. Run keyhouse login again."}, nil
	case d.Status == keyhouse.DeviceDenied:
		return &PollResult{Status: keyhouse.DeviceDenied, Message: "The login request was denied."}, nil
	case !now.Before(d.ExpiresAt):
		return &PollResult{Status: Expired, Message: "The device code has expired. Run keyhouse login again."}, nil
	case d.Status == keyhouse.DevicePending:
		return &PollResult{Status: keyhouse.DevicePending}, nil
	}
	// Approved: consume first, so two polls racing get one token.
	if err := s.store.Update(ctx, func(tx keyhouse.Tx) error { return tx.ConsumeDeviceCode(ctx, d.ID) }); err != nil {
		if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
			return &PollResult{Status: Expired, Message: "This device code has already been used. Run keyhouse login again."}, nil
		}
		return nil, err
	}
	res, err := s.auth.IssueCLIToken(ctx, d.OrgID, d.UserID)
	if err != nil {
		return nil, err
	}
	return &PollResult{Status: keyhouse.DeviceApproved, Login: res}, nil
}

// limit spends one verification attempt for the request's IP and user.
func (s *Service) limit(ctx context.Context, p *keyhouse.Principal) error {
	ip := keyhouse.RequestMetaFromContext(ctx).ClientIP
	d := s.byIP.Allow(ip)
	if d.Allowed && p != nil {
		d = s.byUser.Allow(p.UserID)
	}
	if !d.Allowed {
		return &keyhouse.Error{Code: keyhouse.ERATELIMITED, Message: "Too many device verification attempts. Try again later.", RetryAfter: d.RetryAfterSeconds()}
	}
	return nil
}

func (s *Service) pending(ctx context.Context, userCode string) (*keyhouse.DeviceCode, error) {
	uc, ok := NormalizeUserCode(userCode)
	if !ok {
		return nil, keyhouse.Errorf(keyhouse.ENOTFOUND, "Invalid or expired code.")
	}
	var d *keyhouse.DeviceCode
	err := s.store.View(ctx, func(tx keyhouse.Tx) error {
		var err error
		d, err = tx.DeviceCodeByUserCode(ctx, uc)
		if err == nil && (d.Status != keyhouse.DevicePending || !tx.Now().Before(d.ExpiresAt)) {
			err = keyhouse.Errorf(keyhouse.ENOTFOUND, "Invalid or expired code.")
		}
		if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
			err = keyhouse.Errorf(keyhouse.ENOTFOUND, "Invalid or expired code.")
		}
		return err
	})
	return d, err
}

// Lookup returns the pending flow a user code names, for the approval
// page. It needs a signed-in dashboard user and is rate limited.
func (s *Service) Lookup(ctx context.Context, userCode string) (*keyhouse.DeviceCode, error) {
	p, err := authz.RequireBrowserSession(ctx, keyhouse.RoleViewer)
	if err != nil {
		return nil, err
	}
	if err := s.limit(ctx, p); err != nil {
		return nil, err
	}
	return s.pending(ctx, userCode)
}

// Decide approves or denies the flow a user code names, as the signed-in
// dashboard user (never an API key or a CLI token).
func (s *Service) Decide(ctx context.Context, userCode string, approve bool) (*keyhouse.DeviceCode, error) {
	p, err := authz.RequireBrowserSession(ctx, keyhouse.RoleViewer)
	if err != nil {
		return nil, err
	}
	if err := s.limit(ctx, p); err != nil {
		return nil, err
	}
	d, err := s.pending(ctx, userCode)
	if err != nil {
		return nil, err
	}
	status, action := keyhouse.DeviceDenied, "device_login.denied"
	if approve {
		status, action = keyhouse.DeviceApproved, "device_login.approved"
	}
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		if err := tx.DecideDeviceCode(ctx, d.ID, status, p.OrgID, p.UserID, tx.Now()); err != nil {
			if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
				return keyhouse.Errorf(keyhouse.ENOTFOUND, "Invalid or expired code.")
			}
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, audit.Entry{Action: action, ResourceType: "device_code", ResourceID: d.ID})
	})
	if err != nil {
		return nil, err
	}
	d.Status, d.OrgID, d.UserID = status, p.OrgID, p.UserID
	return d, nil
}
