package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const projectCols = `id, org_id, name, description, created_at, updated_at`

func scanProject(s interface{ Scan(...any) error }) (*keyhouse.Project, error) {
	var p keyhouse.Project
	var created, updated int64
	if err := s.Scan(&p.ID, &p.OrgID, &p.Name, &p.Description, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

func (t *tx) CreateProject(ctx context.Context, p *keyhouse.Project) error {
	const q = `INSERT INTO projects (` + projectCols + `) VALUES (?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, p.ID, p.OrgID, p.Name, p.Description, ms(p.CreatedAt), ms(p.UpdatedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "A project named %q already exists.", p.Name)
	}
	if err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	return nil
}

func (t *tx) Project(ctx context.Context, orgID, id keyhouse.ID) (*keyhouse.Project, error) {
	const q = `SELECT ` + projectCols + ` FROM projects WHERE org_id = ? AND id = ?`
	p, err := scanProject(t.queryRow(ctx, q, orgID, id))
	return p, notFound(err, "Project not found.")
}

func (t *tx) ProjectByName(ctx context.Context, orgID keyhouse.ID, name string) (*keyhouse.Project, error) {
	const q = `SELECT ` + projectCols + ` FROM projects WHERE org_id = ? AND name = ?`
	p, err := scanProject(t.queryRow(ctx, q, orgID, name))
	return p, notFound(err, "Project not found.")
}

func (t *tx) Projects(ctx context.Context, orgID keyhouse.ID, pg keyhouse.Page) ([]*keyhouse.Project, int, error) {
	const q = `SELECT ` + projectCols + `, COUNT(*) OVER () FROM projects WHERE org_id = ?
ORDER BY created_at, id LIMIT ? OFFSET ?`
	l, o := limitOffset(pg)
	rows, err := t.query(ctx, q, orgID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanProject)
}

func (t *tx) UpdateProject(ctx context.Context, orgID, id keyhouse.ID, u keyhouse.ProjectUpdate, at time.Time) (*keyhouse.Project, error) {
	p, err := t.Project(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if u.Name != nil {
		p.Name = *u.Name
	}
	if u.Description != nil {
		p.Description = *u.Description
	}
	p.UpdatedAt = at
	const q = `UPDATE projects SET name = ?, description = ?, updated_at = ? WHERE org_id = ? AND id = ?`
	_, err = t.exec(ctx, q, p.Name, p.Description, ms(at), orgID, id)
	if isUnique(err) {
		return nil, keyhouse.Errorf(keyhouse.ECONFLICT, "A project named %q already exists.", p.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("update project: %w", err)
	}
	return p, nil
}

func (t *tx) DeleteProject(ctx context.Context, orgID, id keyhouse.ID) error {
	const q = `DELETE FROM projects WHERE org_id = ? AND id = ?`
	err := t.execOne(ctx, "Project not found.", q, orgID, id)
	if isForeignKey(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "The project still has resources that depend on it.")
	}
	return err
}

const envCols = `id, org_id, project_id, name, created_at, updated_at`

func scanEnv(s interface{ Scan(...any) error }) (*keyhouse.Environment, error) {
	var e keyhouse.Environment
	var created, updated int64
	if err := s.Scan(&e.ID, &e.OrgID, &e.ProjectID, &e.Name, &created, &updated); err != nil {
		return nil, err
	}
	e.CreatedAt, e.UpdatedAt = fromMS(created), fromMS(updated)
	return &e, nil
}

func (t *tx) CreateEnvironment(ctx context.Context, e *keyhouse.Environment) error {
	// The project must exist in the caller's organization: the foreign key
	// alone would accept another tenant's project id.
	if _, err := t.Project(ctx, e.OrgID, e.ProjectID); err != nil {
		return err
	}
	const q = `INSERT INTO environments (` + envCols + `) VALUES (?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, e.ID, e.OrgID, e.ProjectID, e.Name, ms(e.CreatedAt), ms(e.UpdatedAt))
	if isUnique(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "An environment named %q already exists.", e.Name)
	}
	if err != nil {
		return fmt.Errorf("create environment: %w", err)
	}
	return nil
}

func (t *tx) Environment(ctx context.Context, orgID, projectID, id keyhouse.ID) (*keyhouse.Environment, error) {
	const q = `SELECT ` + envCols + ` FROM environments WHERE org_id = ? AND project_id = ? AND id = ?`
	e, err := scanEnv(t.queryRow(ctx, q, orgID, projectID, id))
	return e, notFound(err, "Environment not found.")
}

func (t *tx) EnvironmentByName(ctx context.Context, orgID, projectID keyhouse.ID, name string) (*keyhouse.Environment, error) {
	const q = `SELECT ` + envCols + ` FROM environments WHERE org_id = ? AND project_id = ? AND name = ?`
	e, err := scanEnv(t.queryRow(ctx, q, orgID, projectID, name))
	return e, notFound(err, "Environment not found.")
}

func (t *tx) Environments(ctx context.Context, orgID, projectID keyhouse.ID, pg keyhouse.Page) ([]*keyhouse.Environment, int, error) {
	const q = `SELECT ` + envCols + `, COUNT(*) OVER () FROM environments WHERE org_id = ? AND project_id = ?
ORDER BY created_at, id LIMIT ? OFFSET ?`
	l, o := limitOffset(pg)
	rows, err := t.query(ctx, q, orgID, projectID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanEnv)
}

func (t *tx) RenameEnvironment(ctx context.Context, orgID, projectID, id keyhouse.ID, name string, at time.Time) (*keyhouse.Environment, error) {
	const q = `UPDATE environments SET name = ?, updated_at = ? WHERE org_id = ? AND project_id = ? AND id = ?`
	err := t.execOne(ctx, "Environment not found.", q, name, ms(at), orgID, projectID, id)
	if isUnique(err) {
		return nil, keyhouse.Errorf(keyhouse.ECONFLICT, "An environment named %q already exists.", name)
	}
	if err != nil {
		return nil, err
	}
	return t.Environment(ctx, orgID, projectID, id)
}

func (t *tx) DeleteEnvironment(ctx context.Context, orgID, projectID, id keyhouse.ID) error {
	const q = `DELETE FROM environments WHERE org_id = ? AND project_id = ? AND id = ?`
	err := t.execOne(ctx, "Environment not found.", q, orgID, projectID, id)
	if isForeignKey(err) {
		return keyhouse.Errorf(keyhouse.ECONFLICT, "The environment still has resources that depend on it.")
	}
	return err
}
