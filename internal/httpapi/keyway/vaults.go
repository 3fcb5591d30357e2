package keyway

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/device"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
)

// WithSecrets gives the surface the secrets and device-flow services and
// the public URL device verification links point at ("" means the URL the
// request came in on). It returns s.
func (s *Server) WithSecrets(sec *secrets.Service, dev *device.Service, publicURL string) *Server {
	s.secrets, s.device, s.publicURL = sec, dev, publicURL
	return s
}

// Keyway's paginated lists: default 25 (its docs), at most 100.
func page(r *http.Request) (keyhouse.Page, error) {
	l, err := httpapi.QueryInt(r, "limit", 25, 1, 100)
	if err != nil {
		return keyhouse.Page{}, err
	}
	o, err := httpapi.QueryInt(r, "offset", 0, 0, 1_000_000)
	if err != nil {
		return keyhouse.Page{}, err
	}
	return keyhouse.Page{Limit: l, Offset: o}, nil
}

func replyList[T any](w http.ResponseWriter, r *http.Request, data []T, pg keyhouse.Page, total int) error {
	if data == nil {
		data = []T{}
	}
	return httpapi.JSON(w, http.StatusOK, Envelope[[]T]{Data: data, Meta: Meta{
		RequestID:  httpapi.RequestID(r.Context()),
		Pagination: &Pagination{Total: total, Limit: pg.Limit, Offset: pg.Offset, HasMore: pg.Offset+len(data) < total},
	}})
}

type vaultListItem struct {
	ID           string   `json:"id"`
	RepoOwner    string   `json:"repoOwner"`
	RepoName     string   `json:"repoName"`
	RepoAvatar   *string  `json:"repoAvatar"`
	SecretCount  int      `json:"secretCount"`
	Environments []string `json:"environments"`
	Permission   *string  `json:"permission"`
	UpdatedAt    string   `json:"updatedAt"`
}

type vaultResponse struct {
	ID           string   `json:"id"`
	RepoFullName string   `json:"repoFullName"`
	RepoOwner    string   `json:"repoOwner"`
	RepoName     string   `json:"repoName"`
	RepoAvatar   *string  `json:"repoAvatar"`
	SecretCount  int      `json:"secretCount"`
	Environments []string `json:"environments"`
	Permission   *string  `json:"permission"`
	CreatedAt    string   `json:"createdAt"`
	UpdatedAt    string   `json:"updatedAt"`
}

type createVaultRequest struct {
	RepoFullName string `json:"repoFullName"`
}

type createVaultResponse struct {
	VaultID      string `json:"vaultId"`
	RepoFullName string `json:"repoFullName"`
	Message      string `json:"message"`
}

func (s *Server) listVaults(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	list, total, err := s.secrets.Vaults(r.Context(), pg)
	if err != nil {
		return err
	}
	out := make([]vaultListItem, 0, len(list))
	for _, v := range list {
		perm := v.Permission
		out = append(out, vaultListItem{ID: v.Vault.ID, RepoOwner: v.Vault.Owner, RepoName: v.Vault.Repo, SecretCount: v.SecretCount,
			Environments: v.Environments, Permission: &perm, UpdatedAt: httpapi.Time(v.Vault.UpdatedAt)})
	}
	return replyList(w, r, out, pg, total)
}

func (s *Server) createVault(w http.ResponseWriter, r *http.Request) error {
	var req createVaultRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	v, err := s.secrets.CreateVault(r.Context(), req.RepoFullName)
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusCreated, createVaultResponse{VaultID: v.ID, RepoFullName: v.FullName(), Message: "Vault created successfully"})
}

func (s *Server) getVault(w http.ResponseWriter, r *http.Request) error {
	v, err := s.secrets.Vault(r.Context(), r.PathValue("owner"), r.PathValue("repo"))
	if err != nil {
		return err
	}
	perm := v.Permission
	return reply(w, r, http.StatusOK, vaultResponse{
		ID: v.Vault.ID, RepoFullName: v.Vault.FullName(), RepoOwner: v.Vault.Owner, RepoName: v.Vault.Repo, SecretCount: v.SecretCount,
		Environments: v.Environments, Permission: &perm, CreatedAt: httpapi.Time(v.Vault.CreatedAt), UpdatedAt: httpapi.Time(v.Vault.UpdatedAt),
	})
}

func (s *Server) deleteVault(w http.ResponseWriter, r *http.Request) error {
	if err := s.secrets.DeleteVault(r.Context(), r.PathValue("owner"), r.PathValue("repo")); err != nil {
		return err
	}
	return httpapi.NoContent(w)
}
