package keys

import (
	"context"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/keyhouse-dev/keyhouse/internal/apikey"
	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/webhook"
)

const (
	keyNotFound      = "Key not found."
	maxName          = 255
	maxDescription   = 1000
	maxScopes        = 100
	maxRotationDays  = 36500
	defaultProject   = "default"
	defaultPrefix    = "sk"
	defaultEnv       = "live"
	webhookSecretAD  = keyhouse.WebhookSecretAD
	maxMetadataBytes = 16 << 10
)

// CreateParams describe a new key. ProjectID "" means the organization's
// project named "default" (Keysmith's API has no project).
type CreateParams struct {
	ProjectID            keyhouse.ID
	EnvironmentID        keyhouse.ID // optional; its name becomes Environment
	Name                 string
	Description          string
	Prefix               string // default sk
	Environment          string // default live
	PolicyID             keyhouse.ID
	Scopes               []string
	Metadata             map[string]any
	ExpiresAt            *time.Time
	RotationIntervalDays int
	RotationWebhookURL   string
}

// Created is a new key with its raw value, shown only this once, and the
// rotation webhook secret when the key has a webhook (also shown once).
type Created struct {
	Key           *keyhouse.Key
	RawKey        string
	WebhookSecret string
}

func invalid(field, code, msg string) error {
	return keyhouse.Invalid("The request is invalid: "+field+" "+msg+".", keyhouse.FieldError{Field: field, Code: code, Message: msg})
}

func validLabel(s string) bool {
	if len(s) == 0 || len(s) > apikey.MaxLabelLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func validateScopeNames(scopes []string) error {
	if len(scopes) > maxScopes {
		return invalid("scopes", "too_many", "must hold at most 100 scopes")
	}
	for _, s := range scopes {
		if s == "" || len(s) > 128 || !utf8.ValidString(s) {
			return invalid("scopes", "invalid", "must be non-empty names of at most 128 bytes")
		}
	}
	return nil
}

// checkScopes refuses scopes missing from the organization's registry.
func checkScopes(ctx context.Context, tx keyhouse.Tx, orgID keyhouse.ID, scopes []string) error {
	missing, err := tx.MissingScopes(ctx, orgID, scopes)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return keyhouse.Invalid("Unknown scope: "+missing[0]+".", keyhouse.FieldError{Field: "scopes", Code: "unknown_scope", Message: "is not in the scope registry: " + missing[0]})
	}
	return nil
}

func (s *Service) loadPolicy(ctx context.Context, tx keyhouse.Tx, orgID, id keyhouse.ID) (*keyhouse.Policy, error) {
	if id == "" {
		return nil, nil
	}
	if !ids.Valid(id, keyhouse.PrefixPolicy) {
		return nil, invalid("policy_id", "invalid", "is not a policy ID")
	}
	p, err := tx.Policy(ctx, orgID, id)
	if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
		return nil, invalid("policy_id", "unknown_policy", "names no policy")
	}
	return p, err
}

func (s *Service) checkCreate(p *CreateParams, now time.Time) error {
	if p.Prefix == "" {
		p.Prefix = defaultPrefix
	}
	if !validLabel(p.Prefix) {
		return invalid("prefix", "invalid", "must match ^[a-z][a-z0-9]{0,15}$")
	}
	if p.Environment != "" && !validLabel(p.Environment) {
		return invalid("environment", "invalid", "must match ^[a-z][a-z0-9]{0,15}$")
	}
	if len(p.Name) > maxName || !utf8.ValidString(p.Name) {
		return invalid("name", "too_long", "must be at most 255 bytes")
	}
	if len(p.Description) > maxDescription || !utf8.ValidString(p.Description) {
		return invalid("description", "too_long", "must be at most 1000 bytes")
	}
	if err := validateScopeNames(p.Scopes); err != nil {
		return err
	}
	if len(jsonSize(p.Metadata)) > maxMetadataBytes {
		return invalid("metadata", "too_large", "must be at most 16 KiB")
	}
	if p.ExpiresAt != nil && !p.ExpiresAt.After(now) {
		return invalid("expires_at", "in_past", "must be in the future")
	}
	if p.RotationIntervalDays < 0 || p.RotationIntervalDays > maxRotationDays {
		return invalid("rotation_interval_days", "out_of_range", "must be from 1 to 36500")
	}
	if p.RotationIntervalDays > 0 && p.RotationWebhookURL == "" {
		return invalid("rotation_webhook_url", "required", "is required when rotation_interval_days is set")
	}
	if p.RotationWebhookURL != "" {
		if err := s.checkWebhookURL(p.RotationWebhookURL); err != nil {
			return err
		}
	}
	return nil
}

// Create issues a new key.
func (s *Service) Create(ctx context.Context, p CreateParams) (*Created, error) {
	pr, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkCreate(&p, s.clock.Now()); err != nil {
		return nil, err
	}
	out := &Created{}
	var sealed []byte
	var sealID string
	if p.RotationWebhookURL != "" {
		if s.sealer == nil {
			return nil, keyhouse.Errorf(keyhouse.EUNAVAILABLE, "Rotation webhooks are not configured on this server.")
		}
		if out.WebhookSecret, err = webhook.NewSecret(s.rand); err != nil {
			return nil, err
		}
		if sealed, sealID, err = s.sealer.Seal([]byte(out.WebhookSecret), []byte(webhookSecretAD)); err != nil {
			return nil, err
		}
	}
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		now := tx.Now()
		var proj *keyhouse.Project
		var err error
		if p.ProjectID == "" {
			if proj, err = tx.ProjectByName(ctx, pr.OrgID, defaultProject); err != nil {
				return keyhouse.Errorf(keyhouse.ENOTFOUND, "The organization has no project named default.")
			}
		} else {
			if err := ids.Check(p.ProjectID, keyhouse.PrefixProject, "Project not found."); err != nil {
				return err
			}
			if proj, err = tx.Project(ctx, pr.OrgID, p.ProjectID); err != nil {
				return err
			}
		}
		envName, envID := p.Environment, ""
		if p.EnvironmentID != "" {
			if err := ids.Check(p.EnvironmentID, keyhouse.PrefixEnvironment, "Environment not found."); err != nil {
				return err
			}
			env, err := tx.Environment(ctx, pr.OrgID, proj.ID, p.EnvironmentID)
			if err != nil {
				return err
			}
			if !validLabel(env.Name) {
				return invalid("environment_id", "invalid", "names an environment whose name cannot appear in a key (^[a-z][a-z0-9]{0,15}$)")
			}
			envName, envID = env.Name, env.ID
		} else {
			if envName == "" {
				envName = defaultEnv
			}
			if env, err := tx.EnvironmentByName(ctx, pr.OrgID, proj.ID, envName); err == nil {
				envID = env.ID
			}
		}
		pol, err := s.loadPolicy(ctx, tx, pr.OrgID, p.PolicyID)
		if err != nil {
			return err
		}
		if err := checkScopes(ctx, tx, pr.OrgID, p.Scopes); err != nil {
			return err
		}
		k := &keyhouse.Key{
			ID: ids.New(keyhouse.PrefixKey), OrgID: pr.OrgID, ProjectID: proj.ID, EnvironmentID: envID,
			Name: p.Name, Description: p.Description, Prefix: p.Prefix, Environment: envName, State: keyhouse.KeyActive,
			Scopes: dedupe(p.Scopes), PolicyID: p.PolicyID, Metadata: p.Metadata, CreatedBy: pr.ActorID(),
			CreatedAt: now, UpdatedAt: now, ExpiresAt: p.ExpiresAt,
			RotationIntervalDays: p.RotationIntervalDays, RotationWebhookURL: p.RotationWebhookURL,
			WebhookSecretSealed: sealed, WebhookSecretKeyID: sealID,
		}
		if k.ExpiresAt == nil && pol != nil && pol.MaxKeyAge > 0 {
			t := now.Add(pol.MaxKeyAge)
			k.ExpiresAt = &t
		}
		if k.RotationIntervalDays > 0 {
			t := now.Add(time.Duration(k.RotationIntervalDays) * 24 * time.Hour)
			k.NextRotationAt = &t
		}
		raw, err := s.mint(k)
		if err != nil {
			return err
		}
		if err := tx.CreateKey(ctx, k); err != nil {
			return err
		}
		out.Key, out.RawKey = k, raw
		return audit.Record(ctx, tx, pr.OrgID, audit.Entry{Action: "api_key.created", ResourceType: "api_key", ResourceID: k.ID,
			Metadata: map[string]string{"name": k.Name, "project_id": k.ProjectID, "environment": k.Environment}})
	})
	if err != nil {
		return nil, err
	}
	// A guessed hash may have been cached as unknown.
	s.cache.Invalidate(out.Key.Hash)
	return out, nil
}

// mint gives k a new raw key and sets its hash and display fields.
func (s *Service) mint(k *keyhouse.Key) (string, error) {
	raw, err := apikey.Generate(s.rand, k.Prefix, k.Environment)
	if err != nil {
		return "", err
	}
	k.Hash, k.PepperVersion = s.hasher.Hash(raw)
	k.KeyPrefix, k.Hint = apikey.DisplayPrefix(raw), apikey.Hint(raw)
	return raw, nil
}

func dedupe(v []string) []string {
	out := make([]string, 0, len(v))
	for _, s := range v {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Get returns one key.
func (s *Service) Get(ctx context.Context, id keyhouse.ID) (*keyhouse.Key, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixKey, keyNotFound); err != nil {
		return nil, err
	}
	var k *keyhouse.Key
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		k, err = tx.Key(ctx, p.OrgID, id)
		return err
	})
	return k, err
}

// List lists keys; f.OrgID is the caller's organization whatever is passed.
func (s *Service) List(ctx context.Context, f keyhouse.KeyFilter) ([]*keyhouse.Key, int, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	f.OrgID, f.Now = p.OrgID, s.clock.Now()
	if f.ProjectID != "" && !ids.Valid(f.ProjectID, keyhouse.PrefixProject) {
		return nil, 0, keyhouse.Errorf(keyhouse.ENOTFOUND, "Project not found.")
	}
	switch f.State {
	case "", keyhouse.KeyActive, keyhouse.KeySuspended, keyhouse.KeyRevoked, keyhouse.KeyExpired, keyhouse.KeyRotated:
	default:
		return nil, 0, invalid("state", "invalid", "must be active, suspended, revoked, expired or rotated")
	}
	var list []*keyhouse.Key
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		if f.ProjectID != "" {
			if _, err := tx.Project(ctx, p.OrgID, f.ProjectID); err != nil {
				return err
			}
		}
		var err error
		list, total, err = tx.Keys(ctx, f)
		return err
	})
	return list, total, err
}

// ExpiringSoon lists a project's unrevoked keys expiring within days.
func (s *Service) ExpiringSoon(ctx context.Context, projectID keyhouse.ID, days int) ([]*keyhouse.Key, error) {
	before := s.clock.Now().Add(time.Duration(days) * 24 * time.Hour)
	list, _, err := s.List(ctx, keyhouse.KeyFilter{ProjectID: projectID, NotRevoked: true, ExpiringBefore: &before, Page: keyhouse.Page{Limit: 1000}})
	return list, err
}

// mutate runs fn on the locked key inside one transaction, records the
// audit event fn names, and invalidates the key's cache entry before
// returning. fn returns the audit action ("" for no change) and metadata.
func (s *Service) mutate(ctx context.Context, id keyhouse.ID, fn func(tx keyhouse.Tx, k *keyhouse.Key) (string, map[string]string, error)) (*keyhouse.Key, error) {
	p, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixKey, keyNotFound); err != nil {
		return nil, err
	}
	var k *keyhouse.Key
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		var err error
		if k, err = tx.KeyForUpdate(ctx, p.OrgID, id); err != nil {
			return err
		}
		action, meta, err := fn(tx, k)
		if err != nil || action == "" {
			return err
		}
		k.UpdatedAt = tx.Now()
		if err := tx.UpdateKey(ctx, k); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, audit.Entry{Action: action, ResourceType: "api_key", ResourceID: k.ID, Metadata: meta})
	})
	if k != nil {
		s.cache.Invalidate(k.Hash)
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// Revoke revokes a key for good. Revoking a revoked key changes nothing.
func (s *Service) Revoke(ctx context.Context, id keyhouse.ID, reason string) (*keyhouse.Key, error) {
	if len(reason) > maxDescription || !utf8.ValidString(reason) {
		return nil, invalid("reason", "too_long", "must be at most 1000 bytes")
	}
	return s.mutate(ctx, id, func(tx keyhouse.Tx, k *keyhouse.Key) (string, map[string]string, error) {
		if k.State == keyhouse.KeyRevoked {
			return "", nil, nil
		}
		now := tx.Now()
		k.State, k.RevokedAt, k.RevokeReason = keyhouse.KeyRevoked, &now, reason
		k.NextRotationAt = nil
		return "api_key.revoked", map[string]string{"reason": reason}, nil
	})
}

// Suspend suspends an active key; Reactivate restores it.
func (s *Service) Suspend(ctx context.Context, id keyhouse.ID) (*keyhouse.Key, error) {
	return s.mutate(ctx, id, func(tx keyhouse.Tx, k *keyhouse.Key) (string, map[string]string, error) {
		switch k.State {
		case keyhouse.KeySuspended:
			return "", nil, nil
		case keyhouse.KeyActive:
			k.State = keyhouse.KeySuspended
			return "api_key.suspended", nil, nil
		}
		return "", nil, keyhouse.Errorf(keyhouse.ECONFLICT, "Invalid state transition: a %s key cannot be suspended.", k.State)
	})
}

// Reactivate restores a suspended key; any other state is ECONFLICT.
func (s *Service) Reactivate(ctx context.Context, id keyhouse.ID) (*keyhouse.Key, error) {
	return s.mutate(ctx, id, func(tx keyhouse.Tx, k *keyhouse.Key) (string, map[string]string, error) {
		if k.State != keyhouse.KeySuspended {
			return "", nil, keyhouse.Errorf(keyhouse.ECONFLICT, "Invalid state transition: only a suspended key can be reactivated.")
		}
		k.State = keyhouse.KeyActive
		return "api_key.reactivated", nil, nil
	})
}

// AddScopes adds registered scopes to a key.
func (s *Service) AddScopes(ctx context.Context, id keyhouse.ID, scopes []string) (*keyhouse.Key, error) {
	if err := validateScopeNames(scopes); err != nil {
		return nil, err
	}
	return s.mutate(ctx, id, func(tx keyhouse.Tx, k *keyhouse.Key) (string, map[string]string, error) {
		if err := checkScopes(ctx, tx, k.OrgID, scopes); err != nil {
			return "", nil, err
		}
		k.Scopes = dedupe(append(k.Scopes, scopes...))
		if len(k.Scopes) > maxScopes {
			return "", nil, invalid("scopes", "too_many", "a key holds at most 100 scopes")
		}
		return "api_key.scopes_added", map[string]string{"count": strconv.Itoa(len(scopes))}, nil
	})
}

// RemoveScopes removes scopes from a key.
func (s *Service) RemoveScopes(ctx context.Context, id keyhouse.ID, scopes []string) (*keyhouse.Key, error) {
	if err := validateScopeNames(scopes); err != nil {
		return nil, err
	}
	return s.mutate(ctx, id, func(tx keyhouse.Tx, k *keyhouse.Key) (string, map[string]string, error) {
		k.Scopes = slices.DeleteFunc(slices.Clone(k.Scopes), func(s string) bool { return slices.Contains(scopes, s) })
		return "api_key.scopes_removed", map[string]string{"count": strconv.Itoa(len(scopes))}, nil
	})
}

// Rotations lists a key's rotation records.
func (s *Service) Rotations(ctx context.Context, id keyhouse.ID, page keyhouse.Page) ([]*keyhouse.Rotation, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixKey, keyNotFound); err != nil {
		return nil, err
	}
	var list []*keyhouse.Rotation
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		if _, err := tx.Key(ctx, p.OrgID, id); err != nil {
			return err
		}
		var err error
		list, _, err = tx.Rotations(ctx, p.OrgID, id, page)
		return err
	})
	return list, err
}
