package keyhouse

import "time"

// SessionKind tells a browser session from a CLI token. Both are bearer
// secrets stored only as hashes.
type SessionKind string

// Session kinds.
const (
	SessionBrowser SessionKind = "browser"
	SessionCLI     SessionKind = "cli"
)

// Session is a signed-in user's credential: a dashboard cookie or a CLI token.
type Session struct {
	ID         ID
	OrgID      ID
	UserID     ID
	Kind       SessionKind
	Hash       [32]byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// MgmtKey is a management API key (kc_…): programmatic access to Keyhouse
// itself, with the limited powers of SPEC §3.
type MgmtKey struct {
	ID            ID
	OrgID         ID
	Name          string
	KeyPrefix     string // first characters of the raw key, for display
	Hash          [32]byte
	PepperVersion int
	Scopes        []string
	CreatedBy     ID // the user or machine that created it
	CreatedAt     time.Time
	ExpiresAt     time.Time
	LastUsedAt    *time.Time
	RevokedAt     *time.Time
}

// Active reports whether k may authenticate at t.
func (k *MgmtKey) Active(t time.Time) bool {
	return k.RevokedAt == nil && t.Before(k.ExpiresAt)
}
