package native

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type createProjectRequest struct {
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Environments []string `json:"environments,omitempty" doc:"environments to create with the project; default live and test"`
}

type updateProjectRequest struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

type projectResponse struct {
	ID           string                `json:"id"`
	Name         string                `json:"name"`
	Description  string                `json:"description"`
	CreatedAt    string                `json:"created_at"`
	UpdatedAt    string                `json:"updated_at"`
	Environments []environmentResponse `json:"environments,omitempty"`
}

type projectList struct {
	Data       []projectResponse `json:"data"`
	Pagination Pagination        `json:"pagination"`
}

type environmentRequest struct {
	Name string `json:"name"`
}

type environmentResponse struct {
	ID        string `json:"id"`
	ProjectID string `json:"project_id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

type environmentList struct {
	Data       []environmentResponse `json:"data"`
	Pagination Pagination            `json:"pagination"`
}

func newProjectResponse(p *keyhouse.Project) projectResponse {
	return projectResponse{ID: p.ID, Name: p.Name, Description: p.Description, CreatedAt: httpapi.Time(p.CreatedAt), UpdatedAt: httpapi.Time(p.UpdatedAt)}
}

func newEnvironmentResponse(e *keyhouse.Environment) environmentResponse {
	return environmentResponse{ID: e.ID, ProjectID: e.ProjectID, Name: e.Name, CreatedAt: httpapi.Time(e.CreatedAt), UpdatedAt: httpapi.Time(e.UpdatedAt)}
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request) error {
	var req createProjectRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	envs := req.Environments
	if envs == nil {
		envs = []string{"live", "test"}
	}
	p, created, err := s.tenancy.CreateProject(r.Context(), req.Name, req.Description, envs)
	if err != nil {
		return err
	}
	resp := newProjectResponse(p)
	resp.Environments = []environmentResponse{}
	for _, e := range created {
		resp.Environments = append(resp.Environments, newEnvironmentResponse(e))
	}
	return httpapi.JSON(w, http.StatusCreated, resp)
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	list, total, err := s.tenancy.Projects(r.Context(), keyhouse.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := projectList{Data: []projectResponse{}, Pagination: pagination(total, limit, offset)}
	for _, p := range list {
		out.Data = append(out.Data, newProjectResponse(p))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request) error {
	p, err := s.tenancy.Project(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, newProjectResponse(p))
}

func (s *Server) updateProject(w http.ResponseWriter, r *http.Request) error {
	var req updateProjectRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	p, err := s.tenancy.UpdateProject(r.Context(), r.PathValue("id"), keyhouse.ProjectUpdate{Name: req.Name, Description: req.Description})
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, newProjectResponse(p))
}

func (s *Server) deleteProject(w http.ResponseWriter, r *http.Request) error {
	if err := s.tenancy.DeleteProject(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) error {
	var req environmentRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	e, err := s.tenancy.CreateEnvironment(r.Context(), r.PathValue("id"), req.Name)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusCreated, newEnvironmentResponse(e))
}

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	list, total, err := s.tenancy.Environments(r.Context(), r.PathValue("id"), keyhouse.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := environmentList{Data: []environmentResponse{}, Pagination: pagination(total, limit, offset)}
	for _, e := range list {
		out.Data = append(out.Data, newEnvironmentResponse(e))
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request) error {
	e, err := s.tenancy.Environment(r.Context(), r.PathValue("id"), r.PathValue("env_id"))
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, newEnvironmentResponse(e))
}

func (s *Server) renameEnvironment(w http.ResponseWriter, r *http.Request) error {
	var req environmentRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	e, err := s.tenancy.RenameEnvironment(r.Context(), r.PathValue("id"), r.PathValue("env_id"), req.Name)
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, newEnvironmentResponse(e))
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) error {
	if err := s.tenancy.DeleteEnvironment(r.Context(), r.PathValue("id"), r.PathValue("env_id")); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}
