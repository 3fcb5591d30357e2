package keyway

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
)

type environmentsResponse struct {
	Environments []string `json:"environments"`
}

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) error {
	envs, err := s.secrets.Environments(r.Context(), r.PathValue("owner"), r.PathValue("repo"))
	if err != nil {
		return err
	}
	out := environmentsResponse{Environments: []string{}}
	for _, e := range envs {
		out.Environments = append(out.Environments, e.Name)
	}
	return reply(w, r, http.StatusOK, out)
}

type createEnvironmentRequest struct {
	Name string `json:"name"`
}

type createEnvironmentResponse struct {
	Environment  string   `json:"environment"`
	Environments []string `json:"environments"`
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) error {
	var req createEnvironmentRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	names, err := s.secrets.CreateEnvironment(r.Context(), r.PathValue("owner"), r.PathValue("repo"), req.Name)
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusCreated, createEnvironmentResponse{Environment: req.Name, Environments: names})
}

type renameEnvironmentRequest struct {
	NewName string `json:"newName"`
}

type renameEnvironmentResponse struct {
	OldName      string   `json:"oldName"`
	NewName      string   `json:"newName"`
	Environments []string `json:"environments"`
}

func (s *Server) renameEnvironment(w http.ResponseWriter, r *http.Request) error {
	var req renameEnvironmentRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	old := r.PathValue("name")
	names, err := s.secrets.RenameEnvironment(r.Context(), r.PathValue("owner"), r.PathValue("repo"), old, req.NewName)
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, renameEnvironmentResponse{OldName: old, NewName: req.NewName, Environments: names})
}

type deleteEnvironmentResponse struct {
	Deleted      string   `json:"deleted"`
	Environments []string `json:"environments"`
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	names, err := s.secrets.DeleteEnvironment(r.Context(), r.PathValue("owner"), r.PathValue("repo"), name)
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, deleteEnvironmentResponse{Deleted: name, Environments: names})
}

// permissionEntry is one environment's effective minimum roles.
type permissionEntry struct {
	Environment string `json:"environment"`
	Read        string `json:"read"`
	Write       string `json:"write"`
	Overridden  bool   `json:"overridden"`
}

type permissionsResponse struct {
	Permissions []permissionEntry `json:"permissions"`
}

type rolePair struct {
	Read  string `json:"read,omitempty"`
	Write string `json:"write,omitempty"`
}

type setPermissionsRequest struct {
	Permissions rolePair `json:"permissions"`
}

func newPermissionEntry(e *keyhouse.VaultEnv) permissionEntry {
	read, write := secrets.EffectiveRoles(e)
	return permissionEntry{Environment: e.Name, Read: string(read), Write: string(write), Overridden: e.ReadRole != "" || e.WriteRole != ""}
}

func (s *Server) listPermissions(w http.ResponseWriter, r *http.Request) error {
	envs, err := s.secrets.Environments(r.Context(), r.PathValue("owner"), r.PathValue("repo"))
	if err != nil {
		return err
	}
	out := permissionsResponse{Permissions: []permissionEntry{}}
	for _, e := range envs {
		out.Permissions = append(out.Permissions, newPermissionEntry(e))
	}
	return reply(w, r, http.StatusOK, out)
}

func parseRole(fieldName, s string) (keyhouse.Role, error) {
	if s == "" {
		return "", nil
	}
	role, ok := secrets.ParseRole(s)
	if !ok {
		return "", keyhouse.Invalid("Unknown role.", keyhouse.FieldError{Field: fieldName, Code: "invalid", Message: "must be owner, admin, member or viewer (or read, triage, write, maintain)"})
	}
	return role, nil
}

func (s *Server) setPermissions(w http.ResponseWriter, r *http.Request) error {
	var req setPermissionsRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	read, err := parseRole("permissions.read", req.Permissions.Read)
	if err != nil {
		return err
	}
	write, err := parseRole("permissions.write", req.Permissions.Write)
	if err != nil {
		return err
	}
	e, err := s.secrets.SetPermissions(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("env"), read, write)
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, newPermissionEntry(e))
}

func (s *Server) resetPermissions(w http.ResponseWriter, r *http.Request) error {
	e, err := s.secrets.SetPermissions(r.Context(), r.PathValue("owner"), r.PathValue("repo"), r.PathValue("env"), "", "")
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, newPermissionEntry(e))
}
