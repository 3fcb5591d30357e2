package keyhouse

import (
	"context"
	"time"
)

// Store is the transactional storage every service works through.
type Store interface {
	// Update runs fn in one read-write transaction; an error rolls it back.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Ping checks the database answers (readiness).
	Ping(ctx context.Context) error
	// Close closes the database.
	Close() error
}

// Tx is one transaction. Every method scopes its query by organization: a row
// of another organization is ENOTFOUND, never visible.
type Tx interface {
	OrgTx
	UserTx
	SessionTx
	MgmtKeyTx
	ProjectTx
	AuditTx
	ServerSecretTx
	KeyTx
	PolicyTx
	ScopeTx
	RotationTx
	UsageTx
	WebhookDeliveryTx
	VaultTx
	SecretTx
	DeviceTx
	// Now is the transaction's time, fixed for its whole length.
	Now() time.Time
}

// OrgTx stores organizations.
type OrgTx interface {
	CreateOrg(ctx context.Context, o *Organization) error
	// Org returns ENOTFOUND.
	Org(ctx context.Context, id ID) (*Organization, error)
	// FirstOrg returns the oldest organization, ENOTFOUND on an empty database.
	FirstOrg(ctx context.Context) (*Organization, error)
	// Orgs lists every organization (for jobs that walk all tenants).
	Orgs(ctx context.Context) ([]*Organization, error)
}

// UserTx stores users and setup tokens.
type UserTx interface {
	// CreateUser returns ECONFLICT when the email is taken.
	CreateUser(ctx context.Context, u *User) error
	// User returns ENOTFOUND.
	User(ctx context.Context, orgID, id ID) (*User, error)
	// UserByEmail looks a user up across organizations (login); ENOTFOUND.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// SetUserPassword returns ENOTFOUND.
	SetUserPassword(ctx context.Context, orgID, id ID, hash string) error
	CreateSetupToken(ctx context.Context, t *SetupToken) error
	// SetupToken returns ENOTFOUND.
	SetupToken(ctx context.Context, hash [32]byte) (*SetupToken, error)
	// UseSetupToken marks it used; ECONFLICT if it already was.
	UseSetupToken(ctx context.Context, hash [32]byte) error
}

// SessionTx stores browser sessions and CLI tokens.
type SessionTx interface {
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns ENOTFOUND.
	SessionByHash(ctx context.Context, hash [32]byte) (*Session, error)
	// RevokeSession returns ENOTFOUND.
	RevokeSession(ctx context.Context, orgID, id ID) error
	TouchSession(ctx context.Context, id ID, t time.Time) error
}

// MgmtKeyTx stores management API keys.
type MgmtKeyTx interface {
	CreateMgmtKey(ctx context.Context, k *MgmtKey) error
	// MgmtKeyByHash returns ENOTFOUND.
	MgmtKeyByHash(ctx context.Context, hash [32]byte) (*MgmtKey, error)
	// MgmtKey returns ENOTFOUND.
	MgmtKey(ctx context.Context, orgID, id ID) (*MgmtKey, error)
	// MgmtKeys lists an organization's keys that are not revoked, newest first.
	MgmtKeys(ctx context.Context, orgID ID, p Page) ([]*MgmtKey, int, error)
	// RevokeMgmtKey returns ENOTFOUND (also for an already revoked key).
	RevokeMgmtKey(ctx context.Context, orgID, id ID, t time.Time) error
	TouchMgmtKey(ctx context.Context, id ID, t time.Time) error
}

// ProjectTx stores projects and their environments.
type ProjectTx interface {
	// CreateProject returns ECONFLICT when the name is taken in the organization.
	CreateProject(ctx context.Context, p *Project) error
	// Project returns ENOTFOUND.
	Project(ctx context.Context, orgID, id ID) (*Project, error)
	// ProjectByName returns ENOTFOUND.
	ProjectByName(ctx context.Context, orgID ID, name string) (*Project, error)
	Projects(ctx context.Context, orgID ID, p Page) ([]*Project, int, error)
	// UpdateProject returns ENOTFOUND or ECONFLICT.
	UpdateProject(ctx context.Context, orgID, id ID, u ProjectUpdate, t time.Time) (*Project, error)
	// DeleteProject deletes the project and its environments; ENOTFOUND.
	DeleteProject(ctx context.Context, orgID, id ID) error

	// CreateEnvironment returns ECONFLICT when the name is taken in the project.
	CreateEnvironment(ctx context.Context, e *Environment) error
	// Environment returns ENOTFOUND.
	Environment(ctx context.Context, orgID, projectID, id ID) (*Environment, error)
	// EnvironmentByName returns ENOTFOUND.
	EnvironmentByName(ctx context.Context, orgID, projectID ID, name string) (*Environment, error)
	Environments(ctx context.Context, orgID, projectID ID, p Page) ([]*Environment, int, error)
	// RenameEnvironment returns ENOTFOUND or ECONFLICT.
	RenameEnvironment(ctx context.Context, orgID, projectID, id ID, name string, t time.Time) (*Environment, error)
	// DeleteEnvironment returns ENOTFOUND.
	DeleteEnvironment(ctx context.Context, orgID, projectID, id ID) error
}

// AuditTx stores the audit log. Appending is done by internal/audit, which
// owns the hash chain; the store only keeps rows and the per-org head.
type AuditTx interface {
	// AuditHead returns the last sequence number and hash of an organization's
	// chain (0 and zero hash when empty), locking the head against concurrent
	// appends until the transaction ends.
	AuditHead(ctx context.Context, orgID ID) (int64, [32]byte, error)
	// AppendAuditEvent inserts e and moves the head to it.
	AppendAuditEvent(ctx context.Context, e *AuditEvent) error
	// AuditEvents lists events matching f with the total count.
	AuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, int, error)
	// AuditFilterValues lists distinct values for the filters.
	AuditFilterValues(ctx context.Context, orgID ID) (*AuditFilterValues, error)
}

// ServerSecretTx stores server-wide secrets sealed under the master key.
type ServerSecretTx interface {
	// ServerSecret returns ENOTFOUND.
	ServerSecret(ctx context.Context, name string) (wrapped []byte, masterKeyID string, err error)
	// CreateServerSecret stores a secret unless one of that name exists
	// (then it does nothing: the first writer wins when nodes race).
	CreateServerSecret(ctx context.Context, name string, wrapped []byte, masterKeyID string) error
	// UpdateServerSecret replaces a secret's wrapping (master key rotation); ENOTFOUND.
	UpdateServerSecret(ctx context.Context, name string, wrapped []byte, masterKeyID string) error
	// ServerSecretNames lists every stored secret's name.
	ServerSecretNames(ctx context.Context) ([]string, error)
}
