package keyway

import (
	"net/http"
	"strconv"

	"github.com/keyhouse-dev/keyhouse/internal/dotenv"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
)

func itoa(n int) string { return strconv.Itoa(n) }

type pushRequest struct {
	RepoFullName string            `json:"repoFullName"`
	Environment  string            `json:"environment,omitempty" doc:"default \"default\""`
	Secrets      map[string]string `json:"secrets"`
}

type pushStats struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Deleted int `json:"deleted"`
}

type pushResponse struct {
	Success bool      `json:"success"`
	Message string    `json:"message"`
	Stats   pushStats `json:"stats"`
}

func (s *Server) push(w http.ResponseWriter, r *http.Request) error {
	var req pushRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	if req.Secrets == nil {
		return required("secrets")
	}
	st, err := s.secrets.Push(r.Context(), req.RepoFullName, req.Environment, req.Secrets)
	if err != nil {
		return limited(w, err, secrets.BulkPer15Min)
	}
	return reply(w, r, http.StatusOK, pushResponse{Success: true, Message: "Secrets pushed successfully", Stats: pushStats{Created: st.Created, Updated: st.Updated, Deleted: st.Deleted}})
}

type pullResponse struct {
	Content string `json:"content" doc:".env text; values with spaces, quotes, line breaks and other special characters are double-quoted with backslash escapes"`
}

func (s *Server) pull(w http.ResponseWriter, r *http.Request) error {
	repo, err := httpapi.QueryString(r, "repo", 200)
	if err != nil {
		return err
	}
	if repo == "" {
		return required("repo")
	}
	env, err := httpapi.QueryString(r, "environment", 50)
	if err != nil {
		return err
	}
	var pg keyhouse.Page
	if r.URL.Query().Has("limit") {
		if pg.Limit, err = httpapi.QueryInt(r, "limit", 0, 1, 1000); err != nil {
			return err
		}
		if pg.Offset, err = httpapi.QueryInt(r, "offset", 0, 0, 1_000_000); err != nil {
			return err
		}
	} else if r.URL.Query().Has("offset") {
		return keyhouse.Invalid("offset needs limit.", keyhouse.FieldError{Field: "offset", Code: "invalid", Message: "only with limit"})
	}
	entries, err := s.secrets.Pull(r.Context(), repo, env, pg)
	if err != nil {
		return limited(w, err, secrets.BulkPer15Min)
	}
	return reply(w, r, http.StatusOK, pullResponse{Content: dotenv.Format(entries)})
}

type viewResponse struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	Environment string `json:"environment"`
}

func (s *Server) view(w http.ResponseWriter, r *http.Request) error {
	repo, err := httpapi.QueryString(r, "repo", 200)
	if err != nil {
		return err
	}
	if repo == "" {
		return required("repo")
	}
	env, err := httpapi.QueryString(r, "environment", 50)
	if err != nil {
		return err
	}
	key, err := httpapi.QueryString(r, "key", 256)
	if err != nil {
		return err
	}
	if key == "" {
		return required("key")
	}
	value, err := s.secrets.View(r.Context(), repo, env, key)
	if err != nil {
		return err
	}
	if env == "" {
		env = "default"
	}
	return reply(w, r, http.StatusOK, viewResponse{Key: key, Value: value, Environment: env})
}
