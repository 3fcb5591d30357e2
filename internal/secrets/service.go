// Package secrets is Keyhouse's secrets manager (SPEC §5, the Keyway
// surface): vaults named "owner/repo", their environments, secrets with
// versions and a trash, push/pull of whole environments, the activity
// feed, and the envelope encryption that keeps every value sealed at rest.
//
// Values are sealed with AES-256-GCM under the organization's data key,
// with associated data naming the version row, its secret and its tenant,
// so a ciphertext copied to another row does not open. Data keys are
// stored wrapped by the master key (see RotateMasterKey).
//
// Who may do what: a user's organization role (viewer reads, member writes
// and deletes, admin administers vaults and environments), raised per
// environment by its overrides; a management key needs read:secrets,
// write:secrets or delete:secrets. Vaults of other organizations, and
// secrets of other vaults, are not found.
package secrets

import (
	"context"
	"log/slog"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/authz"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/ratelimit"
)

// Limits.
const (
	MaxValueBytes    = 64 << 10 // Keyway: values ≤ 64 KB
	MaxPushEntries   = 1000
	TrashRetention   = 30 * 24 * time.Hour
	VersionsKept     = 50 // per secret; older versions are pruned by the retention job
	RevealsPerMinute = 10
	// BulkPer15Min bounds pushes and pulls per caller (Keyway's docs: 30 per 15 minutes).
	BulkPer15Min   = 30
	DefaultEnvName = "default" // the API's default "environment" (Keyway docs and code)
)

// DefaultEnvironments are a new vault's environments. Keyway's docs say
// local, dev, staging, production (its code: development, staging,
// production); SPEC §2 puts the docs first.
var DefaultEnvironments = []string{"local", "dev", "staging", "production"}

// Options configure a Service; zero values take defaults.
type Options struct {
	Clock  keyhouse.Clock
	Logger *slog.Logger
}

// Service manages vaults and secrets.
type Service struct {
	store   keyhouse.Store
	keys    *keys
	clock   keyhouse.Clock
	log     *slog.Logger
	reveals *ratelimit.Keyed
	bulk    *ratelimit.Keyed
}

// NewService returns a Service sealing values under data keys wrapped by
// the master keys src yields.
func NewService(store keyhouse.Store, src KeySource, o Options) (*Service, error) {
	if o.Clock == nil {
		o.Clock = keyhouse.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	k, err := newKeys(src)
	if err != nil {
		return nil, err
	}
	return &Service{
		store: store, keys: k, clock: o.Clock, log: o.Logger,
		reveals: ratelimit.NewKeyed(RevealsPerMinute, time.Minute, RevealsPerMinute, o.Clock.Now),
		bulk:    ratelimit.NewKeyed(BulkPer15Min, 15*time.Minute, BulkPer15Min, o.Clock.Now),
	}, nil
}

// action is what a caller wants to do with a vault.
type action int

const (
	actRead action = iota
	actWrite
	actDelete
	actAdmin       // create vaults and environments, rename environments
	actAdminDelete // delete vaults and environments
	actPermissions // change per-environment overrides (users only)
)

var (
	actionRole = map[action]keyhouse.Role{
		actRead: keyhouse.RoleViewer, actWrite: keyhouse.RoleMember, actDelete: keyhouse.RoleMember,
		actAdmin: keyhouse.RoleAdmin, actAdminDelete: keyhouse.RoleAdmin, actPermissions: keyhouse.RoleAdmin,
	}
	actionScope = map[action]string{
		actRead: "read:secrets", actWrite: "write:secrets", actDelete: "delete:secrets",
		actAdmin: "write:secrets", actAdminDelete: "delete:secrets",
	}
)

// caller checks the coarse rule (role or scope) before any lookup.
func caller(ctx context.Context, a action) (*keyhouse.Principal, error) {
	if a == actPermissions {
		return authz.RequireUser(ctx, keyhouse.RoleAdmin)
	}
	return authz.Require(ctx, actionRole[a], true, actionScope[a])
}

// allowedIn applies an environment's overrides, which only ever raise the
// least role needed: they narrow who may read or write that environment.
// Management keys are bound by their scopes alone.
func allowedIn(p *keyhouse.Principal, a action, e *keyhouse.VaultEnv) error {
	if !p.IsUser() || e == nil {
		return nil
	}
	min := actionRole[a]
	switch a {
	case actRead:
		if e.ReadRole.AtLeast(min) {
			min = e.ReadRole
		}
	case actWrite, actDelete:
		if e.WriteRole.AtLeast(min) {
			min = e.WriteRole
		}
	}
	if !p.Role.AtLeast(min) {
		return keyhouse.Errorf(keyhouse.EFORBIDDEN, "You need the %s role or higher for environment '%s'.", min, e.Name)
	}
	return nil
}

// Permission is how Keyway names a caller's access to a vault.
func Permission(p *keyhouse.Principal) string {
	switch {
	case p.IsUser() && p.Role.AtLeast(keyhouse.RoleAdmin):
		return "admin"
	case p.IsUser() && p.Role.AtLeast(keyhouse.RoleMember):
		return "write"
	case p.IsUser():
		return "read"
	case p.HasScope("write:secrets"):
		return "write"
	}
	return "read"
}

var (
	repoRE   = regexp.MustCompile(`^[a-zA-Z0-9_.-]+/[a-zA-Z0-9_.-]+$`)
	envRE    = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,29}$`)
	keyRE    = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,255}$`)
	ownerMax = 39
	repoMax  = 100
)

func field(name, code, msg string) keyhouse.FieldError {
	return keyhouse.FieldError{Field: name, Code: code, Message: msg}
}

// SplitRepo checks an "owner/repo" name and splits it.
func SplitRepo(fieldName, full string) (string, string, error) {
	if !repoRE.MatchString(full) {
		return "", "", keyhouse.Invalid("The repository name is invalid.", field(fieldName, "invalid", "must be owner/repo (letters, digits, '_', '.', '-')"))
	}
	for i := 0; i < len(full); i++ {
		if full[i] == '/' {
			owner, repo := full[:i], full[i+1:]
			if len(owner) > ownerMax || len(repo) > repoMax {
				return "", "", keyhouse.Invalid("The repository name is too long.", field(fieldName, "too_long", "owner at most 39 characters, repo at most 100"))
			}
			return owner, repo, nil
		}
	}
	return "", "", keyhouse.Invalid("The repository name is invalid.", field(fieldName, "invalid", "must be owner/repo"))
}

// ValidEnvName checks an environment name.
func ValidEnvName(fieldName, name string) error {
	if !envRE.MatchString(name) {
		return keyhouse.Invalid("The environment name is invalid.", field(fieldName, "invalid", "must match ^[a-z][a-z0-9_-]*$, 2 to 30 characters"))
	}
	return nil
}

// ValidKey checks a secret's key.
func ValidKey(fieldName, key string) error {
	if !keyRE.MatchString(key) {
		return keyhouse.Invalid("The secret key is invalid.", field(fieldName, "invalid", "must match ^[A-Z][A-Z0-9_]*$, 1 to 256 characters"))
	}
	return nil
}

// ValidValue checks a secret's value.
func ValidValue(fieldName, value string) error {
	if len(value) > MaxValueBytes {
		return keyhouse.Invalid("The secret value is too large.", field(fieldName, "too_large", "must be at most 64 KB"))
	}
	if !utf8.ValidString(value) {
		return keyhouse.Invalid("The secret value is not valid UTF-8.", field(fieldName, "invalid", "must be valid UTF-8"))
	}
	return nil
}

// event is one change or read, for the audit log and the activity feed.
type event struct {
	activity string // Keyway's action name (secret_created…)
	audit    string // Keyhouse's audit action (secret.created…)
	resType  string
	resID    keyhouse.ID
	meta     map[string]string // never a value
}

func platform(p *keyhouse.Principal) string {
	switch {
	case p.Kind == keyhouse.PrincipalMgmtKey:
		return "api"
	case p.SessionKind == keyhouse.SessionCLI:
		return "cli"
	}
	return "web"
}

// record writes e to the audit log and the activity feed, in tx.
func (s *Service) record(ctx context.Context, tx keyhouse.Tx, p *keyhouse.Principal, v *keyhouse.Vault, e event) error {
	meta := map[string]string{}
	for k, val := range e.meta {
		meta[k] = val
	}
	a := &keyhouse.Activity{
		ID: ids.New(keyhouse.PrefixActivity), OrgID: p.OrgID, ActorType: p.Kind, ActorID: p.ActorID(), ActorName: actorName(ctx, tx, p.OrgID, p.ActorID()),
		Action: e.activity, Platform: platform(p), Metadata: e.meta, CreatedAt: tx.Now(),
	}
	if v != nil {
		a.VaultID, a.VaultName = v.ID, v.FullName()
		meta["vault"] = v.FullName()
	}
	if err := tx.AddActivity(ctx, a); err != nil {
		return err
	}
	return audit.Record(ctx, tx, p.OrgID, audit.Entry{Action: e.audit, ResourceType: e.resType, ResourceID: e.resID, Metadata: meta})
}

// actorName is a user's name or a management key's name, for display.
func actorName(ctx context.Context, tx keyhouse.Tx, orgID, id keyhouse.ID) string {
	switch {
	case keyhouse.HasPrefix(id, keyhouse.PrefixUser):
		if u, err := tx.User(ctx, orgID, id); err == nil {
			return u.Name
		}
	case keyhouse.HasPrefix(id, keyhouse.PrefixMgmtKey):
		if k, err := tx.MgmtKey(ctx, orgID, id); err == nil {
			return k.Name
		}
	}
	return ""
}

// ActorNames resolves actor IDs to display names within the caller's
// organization (unknown IDs map to "").
func (s *Service) ActorNames(ctx context.Context, idList []keyhouse.ID) (map[keyhouse.ID]string, error) {
	p, err := authz.Caller(ctx)
	if err != nil {
		return nil, err
	}
	out := map[keyhouse.ID]string{}
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		for _, id := range idList {
			if _, ok := out[id]; !ok && id != "" {
				out[id] = actorName(ctx, tx, p.OrgID, id)
			}
		}
		return nil
	})
	return out, err
}
