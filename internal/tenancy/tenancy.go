// Package tenancy owns organizations, their first owner, and projects with
// their environments: the containers every other resource lives in.
package tenancy

import (
	"context"
	"log/slog"
	"regexp"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Service manages organizations, projects and environments.
type Service struct {
	store keyhouse.Store
	auth  *auth.Service
	log   *slog.Logger
}

// NewService returns a Service.
func NewService(store keyhouse.Store, a *auth.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, auth: a, log: log}
}

// BootstrapParams says who the first owner is. With no password, Bootstrap
// returns a one-time setup token instead.
type BootstrapParams struct {
	OrgName       string
	AdminEmail    string
	AdminPassword string
}

// BootstrapResult reports what a first start created.
type BootstrapResult struct {
	Created    bool // false when the database already had an organization
	Org        *keyhouse.Organization
	Owner      *keyhouse.User
	SetupToken string // raw, for the one-time setup link; empty when a password was given
}

// DefaultEnvironments are the environments of the default project (SPEC §1).
var DefaultEnvironments = []string{"live", "test"}

// Bootstrap gives an empty database its organization, project "default"
// with environments live and test, and an owner. It does nothing when an
// organization exists. It all happens in one transaction, so a crash leaves
// either nothing or everything.
func (s *Service) Bootstrap(ctx context.Context, p BootstrapParams) (*BootstrapResult, error) {
	if p.OrgName == "" {
		p.OrgName = "Default"
	}
	if p.AdminEmail == "" {
		p.AdminEmail = "admin@localhost"
	}
	var pwHash string
	if p.AdminPassword != "" {
		if err := auth.ValidatePassword(p.AdminPassword); err != nil {
			return nil, err
		}
		h, err := s.auth.HashPassword(p.AdminPassword)
		if err != nil {
			return nil, err
		}
		pwHash = h
	}
	res := &BootstrapResult{}
	err := s.store.Update(ctx, func(tx keyhouse.Tx) error {
		o, err := tx.FirstOrg(ctx)
		if err == nil {
			res.Org = o
			return nil
		}
		if keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
			return err
		}
		org, owner, err := s.createOrg(ctx, tx, p.OrgName, p.AdminEmail, pwHash)
		if err != nil {
			return err
		}
		res.Created, res.Org, res.Owner = true, org, owner
		if pwHash == "" {
			res.SetupToken, err = s.auth.NewSetupToken(ctx, tx, owner)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// CreateOrg creates another organization with its owner and default
// project. It is for operators and tests; the HTTP API exposes no tenant
// creation.
func (s *Service) CreateOrg(ctx context.Context, name, ownerEmail, ownerPassword string) (*keyhouse.Organization, *keyhouse.User, error) {
	pwHash, err := s.auth.HashPassword(ownerPassword)
	if err != nil {
		return nil, nil, err
	}
	var org *keyhouse.Organization
	var owner *keyhouse.User
	err = s.store.Update(ctx, func(tx keyhouse.Tx) (err error) {
		org, owner, err = s.createOrg(ctx, tx, name, ownerEmail, pwHash)
		return err
	})
	return org, owner, err
}

func (s *Service) createOrg(ctx context.Context, tx keyhouse.Tx, name, email, pwHash string) (*keyhouse.Organization, *keyhouse.User, error) {
	now := tx.Now()
	org := &keyhouse.Organization{ID: ids.New(keyhouse.PrefixOrg), Name: name, CreatedAt: now}
	if err := tx.CreateOrg(ctx, org); err != nil {
		return nil, nil, err
	}
	// The organization's first audit event opens its chain.
	if err := audit.Record(ctx, tx, org.ID, audit.Entry{Action: "organization.created", ResourceType: "organization", ResourceID: org.ID}); err != nil {
		return nil, nil, err
	}
	owner := &keyhouse.User{
		ID: ids.New(keyhouse.PrefixUser), OrgID: org.ID, Email: strings.ToLower(email), Name: nameFromEmail(email),
		Role: keyhouse.RoleOwner, PasswordHash: pwHash, CreatedAt: now, UpdatedAt: now,
	}
	if err := tx.CreateUser(ctx, owner); err != nil {
		return nil, nil, err
	}
	if err := audit.Record(ctx, tx, org.ID, audit.Entry{Action: "user.created", ResourceType: "user", ResourceID: owner.ID, Metadata: map[string]string{"role": string(owner.Role)}}); err != nil {
		return nil, nil, err
	}
	if _, err := s.createProject(ctx, tx, org.ID, "default", "The default project.", DefaultEnvironments); err != nil {
		return nil, nil, err
	}
	return org, owner, nil
}

func nameFromEmail(email string) string {
	if i := strings.IndexByte(email, '@'); i > 0 {
		return email[:i]
	}
	return email
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)
var envRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,29}$`)

func validateProjectName(name string) error {
	if !nameRE.MatchString(name) {
		return keyhouse.Invalid("The project name is invalid.", keyhouse.FieldError{Field: "name", Code: "invalid", Message: "must match ^[a-z0-9][a-z0-9_.-]{0,62}$"})
	}
	return nil
}

func validateEnvName(name string) error {
	if !envRE.MatchString(name) {
		return keyhouse.Invalid("The environment name is invalid.", keyhouse.FieldError{Field: "name", Code: "invalid", Message: "must match ^[a-z][a-z0-9_-]{0,29}$"})
	}
	return nil
}
