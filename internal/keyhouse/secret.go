package keyhouse

import (
	"context"
	"time"
)

// Secret is one KEY of one environment of a vault. Its value lives only in
// its versions, sealed; Ciphertext is the current version's, when the
// query that loaded the secret asked for it.
type Secret struct {
	ID            ID
	OrgID         ID
	VaultID       ID
	EnvID         ID
	Environment   string // the environment's name
	Key           string
	VersionID     ID // the current version
	VersionNumber int
	Ciphertext    []byte // the current version's sealed value (nil when not loaded)
	CreatedBy     ID
	UpdatedBy     ID
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeletedAt     *time.Time // in the trash since
}

// SecretVersion is one value a secret has had, sealed under the
// organization's data key with associated data naming this row.
type SecretVersion struct {
	ID         ID
	OrgID      ID
	SecretID   ID
	Number     int
	Ciphertext []byte
	CreatedBy  ID
	CreatedAt  time.Time
}

// SecretFilter selects a vault's secrets.
type SecretFilter struct {
	OrgID      ID
	VaultID    ID
	EnvID      ID   // "" for every environment
	Deleted    bool // the trash instead of live secrets
	WithValues bool // load the current version's ciphertext
	Page       Page // Limit 0: all
}

// OrgKey is an organization's data key, wrapped by a master key.
type OrgKey struct {
	OrgID       ID
	Wrapped     []byte
	MasterKeyID string
	CreatedAt   time.Time
}

// Activity is one entry of Keyway's activity feed.
type Activity struct {
	ID        ID
	OrgID     ID
	VaultID   ID // "" when not about a vault
	VaultName string
	ActorType PrincipalKind
	ActorID   ID
	ActorName string
	Action    string
	Platform  string // cli, web, api
	Metadata  map[string]string
	CreatedAt time.Time
}

// SecretTx stores secrets, their versions, organization data keys and the
// activity feed. Every method filters by organization.
type SecretTx interface {
	// CreateSecret inserts a secret row (its first version separately);
	// ECONFLICT when a live secret of that key exists in the environment.
	CreateSecret(ctx context.Context, s *Secret) error
	// Secret returns a live or trashed secret of a vault, with its
	// ciphertext; ENOTFOUND.
	Secret(ctx context.Context, orgID, vaultID, id ID) (*Secret, error)
	// SecretByKey returns the live secret of key in an environment; ENOTFOUND.
	SecretByKey(ctx context.Context, orgID, envID ID, key string) (*Secret, error)
	// Secrets lists secrets, most recently updated (or deleted) first.
	Secrets(ctx context.Context, f SecretFilter) ([]*Secret, int, error)
	// SetSecretVersion points a secret at a new current version.
	SetSecretVersion(ctx context.Context, orgID, id, versionID ID, number int, by ID, t time.Time) error
	// RenameSecret returns ENOTFOUND or ECONFLICT.
	RenameSecret(ctx context.Context, orgID, id ID, key string, by ID, t time.Time) error
	// TrashSecret sets deleted_at; ENOTFOUND if live no more.
	TrashSecret(ctx context.Context, orgID, id ID, t time.Time) error
	// RestoreSecret clears deleted_at; ECONFLICT when a live secret of the
	// same key exists, ENOTFOUND when not in the trash.
	RestoreSecret(ctx context.Context, orgID, id ID, t time.Time) error
	// DeleteSecret deletes a secret and its versions for good; ENOTFOUND.
	DeleteSecret(ctx context.Context, orgID, id ID) error
	// PurgeTrash deletes every secret of orgID trashed before t; it returns how many.
	PurgeTrash(ctx context.Context, orgID ID, before time.Time) (int, error)

	CreateSecretVersion(ctx context.Context, v *SecretVersion) error
	// SecretVersions lists a secret's versions, newest first.
	SecretVersions(ctx context.Context, orgID, secretID ID) ([]*SecretVersion, error)
	// SecretVersion returns ENOTFOUND.
	SecretVersion(ctx context.Context, orgID, secretID, id ID) (*SecretVersion, error)
	// PruneSecretVersions keeps the newest keep versions of each of orgID's
	// secrets (never the current one); it returns how many it deleted.
	PruneSecretVersions(ctx context.Context, orgID ID, keep int) (int, error)

	// OrgKey returns ENOTFOUND.
	OrgKey(ctx context.Context, orgID ID) (*OrgKey, error)
	// CreateOrgKey inserts unless the organization has one (first writer wins).
	CreateOrgKey(ctx context.Context, k *OrgKey) error
	// UpdateOrgKey replaces the wrapping (master key rotation) if the row
	// is still wrapped under oldMasterKeyID; it reports whether it was.
	UpdateOrgKey(ctx context.Context, orgID ID, wrapped []byte, masterKeyID, oldMasterKeyID string) (bool, error)
	// OrgKeysNotUnder lists organizations whose data key is not wrapped under masterKeyID.
	OrgKeysNotUnder(ctx context.Context, masterKeyID string) ([]ID, error)

	AddActivity(ctx context.Context, a *Activity) error
	// Activities lists an organization's feed, newest first.
	Activities(ctx context.Context, orgID ID, p Page) ([]*Activity, int, error)
}

// PrefixActivity is the ID prefix of activity entries.
const PrefixActivity = "act"
