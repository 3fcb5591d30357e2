package tenancy

import (
	"context"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/authz"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const (
	projectNotFound = "Project not found."
	envNotFound     = "Environment not found."
	maxDescription  = 1000
)

// Reading projects needs a viewer, or any management key (keys use project
// IDs on other surfaces). Changing them needs an admin, or a key with the
// write:projects scope.
func canRead(ctx context.Context) (*keyhouse.Principal, error) {
	return authz.Require(ctx, keyhouse.RoleViewer, true)
}

func canWrite(ctx context.Context) (*keyhouse.Principal, error) {
	return authz.Require(ctx, keyhouse.RoleAdmin, true, "write:projects")
}

// CreateProject creates a project with the given environments (none is fine).
func (s *Service) CreateProject(ctx context.Context, name, description string, envs []string) (*keyhouse.Project, []*keyhouse.Environment, error) {
	p, err := canWrite(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := validateProjectName(name); err != nil {
		return nil, nil, err
	}
	if len(description) > maxDescription {
		return nil, nil, keyhouse.Invalid("The description is too long.", keyhouse.FieldError{Field: "description", Code: "too_long", Message: "at most 1000 bytes"})
	}
	for _, e := range envs {
		if err := validateEnvName(e); err != nil {
			return nil, nil, err
		}
	}
	var proj *keyhouse.Project
	var created []*keyhouse.Environment
	err = s.store.Update(ctx, func(tx keyhouse.Tx) error {
		var err error
		proj, err = s.createProject(ctx, tx, p.OrgID, name, description, envs)
		if err != nil {
			return err
		}
		created, _, err = tx.Environments(ctx, p.OrgID, proj.ID, keyhouse.Page{Limit: 1000})
		return err
	})
	return proj, created, err
}

func (s *Service) createProject(ctx context.Context, tx keyhouse.Tx, orgID keyhouse.ID, name, description string, envs []string) (*keyhouse.Project, error) {
	now := tx.Now()
	proj := &keyhouse.Project{ID: ids.New(keyhouse.PrefixProject), OrgID: orgID, Name: name, Description: description, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateProject(ctx, proj); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, orgID, audit.Entry{Action: "project.created", ResourceType: "project", ResourceID: proj.ID, Metadata: map[string]string{"name": name}}); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, n := range envs {
		if seen[n] {
			continue
		}
		seen[n] = true
		if _, err := createEnv(ctx, tx, orgID, proj.ID, n); err != nil {
			return nil, err
		}
	}
	return proj, nil
}

func createEnv(ctx context.Context, tx keyhouse.Tx, orgID, projectID keyhouse.ID, name string) (*keyhouse.Environment, error) {
	now := tx.Now()
	e := &keyhouse.Environment{ID: ids.New(keyhouse.PrefixEnvironment), OrgID: orgID, ProjectID: projectID, Name: name, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateEnvironment(ctx, e); err != nil {
		return nil, err
	}
	err := audit.Record(ctx, tx, orgID, audit.Entry{Action: "environment.created", ResourceType: "environment", ResourceID: e.ID, Metadata: map[string]string{"project_id": projectID, "name": name}})
	return e, err
}

// Project returns one project.
func (s *Service) Project(ctx context.Context, id keyhouse.ID) (*keyhouse.Project, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixProject, projectNotFound); err != nil {
		return nil, err
	}
	var proj *keyhouse.Project
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		proj, err = tx.Project(ctx, p.OrgID, id)
		return err
	})
	return proj, err
}

// Projects lists the organization's projects.
func (s *Service) Projects(ctx context.Context, page keyhouse.Page) ([]*keyhouse.Project, int, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	var list []*keyhouse.Project
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		list, total, err = tx.Projects(ctx, p.OrgID, page)
		return err
	})
	return list, total, err
}

// UpdateProject renames or redescribes a project.
func (s *Service) UpdateProject(ctx context.Context, id keyhouse.ID, u keyhouse.ProjectUpdate) (*keyhouse.Project, error) {
	p, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixProject, projectNotFound); err != nil {
		return nil, err
	}
	if u.Name != nil {
		if err := validateProjectName(*u.Name); err != nil {
			return nil, err
		}
	}
	if u.Description != nil && len(*u.Description) > maxDescription {
		return nil, keyhouse.Invalid("The description is too long.", keyhouse.FieldError{Field: "description", Code: "too_long", Message: "at most 1000 bytes"})
	}
	var proj *keyhouse.Project
	err = s.store.Update(ctx, func(tx keyhouse.Tx) (err error) {
		if proj, err = tx.UpdateProject(ctx, p.OrgID, id, u, tx.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, audit.Entry{Action: "project.updated", ResourceType: "project", ResourceID: id})
	})
	return proj, err
}

// DeleteProject deletes a project and its environments.
func (s *Service) DeleteProject(ctx context.Context, id keyhouse.ID) error {
	p, err := canWrite(ctx)
	if err != nil {
		return err
	}
	if err := ids.Check(id, keyhouse.PrefixProject, projectNotFound); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx keyhouse.Tx) error {
		if err := tx.DeleteProject(ctx, p.OrgID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, audit.Entry{Action: "project.deleted", ResourceType: "project", ResourceID: id})
	})
}

// CreateEnvironment adds an environment to a project.
func (s *Service) CreateEnvironment(ctx context.Context, projectID keyhouse.ID, name string) (*keyhouse.Environment, error) {
	p, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(projectID, keyhouse.PrefixProject, projectNotFound); err != nil {
		return nil, err
	}
	if err := validateEnvName(name); err != nil {
		return nil, err
	}
	var e *keyhouse.Environment
	err = s.store.Update(ctx, func(tx keyhouse.Tx) (err error) {
		e, err = createEnv(ctx, tx, p.OrgID, projectID, name)
		return err
	})
	return e, err
}

// Environment returns one environment of a project.
func (s *Service) Environment(ctx context.Context, projectID, id keyhouse.ID) (*keyhouse.Environment, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(projectID, keyhouse.PrefixProject, projectNotFound); err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixEnvironment, envNotFound); err != nil {
		return nil, err
	}
	var e *keyhouse.Environment
	err = s.store.View(ctx, func(tx keyhouse.Tx) (err error) {
		e, err = tx.Environment(ctx, p.OrgID, projectID, id)
		return err
	})
	return e, err
}

// Environments lists a project's environments.
func (s *Service) Environments(ctx context.Context, projectID keyhouse.ID, page keyhouse.Page) ([]*keyhouse.Environment, int, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := ids.Check(projectID, keyhouse.PrefixProject, projectNotFound); err != nil {
		return nil, 0, err
	}
	var list []*keyhouse.Environment
	var total int
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		if _, err := tx.Project(ctx, p.OrgID, projectID); err != nil {
			return err
		}
		var err error
		list, total, err = tx.Environments(ctx, p.OrgID, projectID, page)
		return err
	})
	return list, total, err
}

// RenameEnvironment renames an environment.
func (s *Service) RenameEnvironment(ctx context.Context, projectID, id keyhouse.ID, name string) (*keyhouse.Environment, error) {
	p, err := canWrite(ctx)
	if err != nil {
		return nil, err
	}
	if err := ids.Check(projectID, keyhouse.PrefixProject, projectNotFound); err != nil {
		return nil, err
	}
	if err := ids.Check(id, keyhouse.PrefixEnvironment, envNotFound); err != nil {
		return nil, err
	}
	if err := validateEnvName(name); err != nil {
		return nil, err
	}
	var e *keyhouse.Environment
	err = s.store.Update(ctx, func(tx keyhouse.Tx) (err error) {
		if e, err = tx.RenameEnvironment(ctx, p.OrgID, projectID, id, name, tx.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, audit.Entry{Action: "environment.renamed", ResourceType: "environment", ResourceID: id, Metadata: map[string]string{"name": name}})
	})
	return e, err
}

// DeleteEnvironment deletes an environment.
func (s *Service) DeleteEnvironment(ctx context.Context, projectID, id keyhouse.ID) error {
	p, err := canWrite(ctx)
	if err != nil {
		return err
	}
	if err := ids.Check(projectID, keyhouse.PrefixProject, projectNotFound); err != nil {
		return err
	}
	if err := ids.Check(id, keyhouse.PrefixEnvironment, envNotFound); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx keyhouse.Tx) error {
		if err := tx.DeleteEnvironment(ctx, p.OrgID, projectID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, audit.Entry{Action: "environment.deleted", ResourceType: "environment", ResourceID: id})
	})
}
