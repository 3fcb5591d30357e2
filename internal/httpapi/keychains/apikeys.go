package keychains

import (
	"net/http"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type createKeyRequest struct {
	Name          string   `json:"name"`
	ExpirySeconds *int64   `json:"expirySeconds,omitempty" doc:"1 to 2592000 (30 days), default 2592000"`
	Scopes        []string `json:"scopes,omitempty" doc:"optional extra powers: read:secrets, write:secrets, delete:secrets, admin:api-keys, read:keys, write:keys, verify:keys, write:projects"`
}

type createdKeyResponse struct {
	Key       string   `json:"key" doc:"the raw key, shown only here"`
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	KeyPrefix string   `json:"keyPrefix"`
	Scopes    []string `json:"scopes"`
	CreatedAt string   `json:"createdAt"`
	ExpiresAt string   `json:"expiresAt"`
}

type keyResponse struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	KeyPrefix  string   `json:"keyPrefix"`
	Scopes     []string `json:"scopes"`
	CreatedAt  string   `json:"createdAt"`
	ExpiresAt  string   `json:"expiresAt"`
	LastUsedAt *string  `json:"lastUsedAt"`
}

type keyList struct {
	Keys  []keyResponse `json:"keys"`
	Total int           `json:"total"`
	Page  int           `json:"page"`
	Limit int           `json:"limit"`
}

func scopesOf(k *keyhouse.MgmtKey) []string {
	if k.Scopes == nil {
		return []string{}
	}
	return k.Scopes
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	var req createKeyRequest
	if err := httpapi.Decode(w, r, &req); err != nil {
		return err
	}
	var expiry time.Duration
	if req.ExpirySeconds != nil {
		if *req.ExpirySeconds < 1 || *req.ExpirySeconds > int64(auth.MaxMgmtKeyExpiry/time.Second) {
			return keyhouse.Invalid("expirySeconds must be between 1 and 2592000.", keyhouse.FieldError{Field: "expirySeconds", Code: "out_of_range", Message: "must be between 1 and 2592000"})
		}
		expiry = time.Duration(*req.ExpirySeconds) * time.Second
	}
	k, raw, err := s.auth.CreateMgmtKey(r.Context(), auth.CreateMgmtKeyParams{Name: req.Name, Expiry: expiry, Scopes: req.Scopes})
	if err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusCreated, createdKeyResponse{
		Key: raw, ID: k.ID, Name: k.Name, KeyPrefix: k.KeyPrefix, Scopes: scopesOf(k),
		CreatedAt: httpapi.Time(k.CreatedAt), ExpiresAt: httpapi.Time(k.ExpiresAt),
	})
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	pg, limit, err := page(r)
	if err != nil {
		return err
	}
	keys, total, err := s.auth.ListMgmtKeys(r.Context(), keyhouse.Page{Limit: limit, Offset: (pg - 1) * limit})
	if err != nil {
		return err
	}
	out := keyList{Keys: []keyResponse{}, Total: total, Page: pg, Limit: limit}
	for _, k := range keys {
		out.Keys = append(out.Keys, keyResponse{
			ID: k.ID, Name: k.Name, KeyPrefix: k.KeyPrefix, Scopes: scopesOf(k),
			CreatedAt: httpapi.Time(k.CreatedAt), ExpiresAt: httpapi.Time(k.ExpiresAt), LastUsedAt: httpapi.TimePtr(k.LastUsedAt),
		})
	}
	return httpapi.JSON(w, http.StatusOK, out)
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.RevokeMgmtKey(r.Context(), r.PathValue("keyId")); err != nil {
		return err
	}
	return httpapi.JSON(w, http.StatusOK, successResponse{Success: true})
}
