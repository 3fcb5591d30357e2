package keyway

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

// tokenValidateResponse carries the fields of Keyway's docs (username,
// githubId) and of its code (forgeType, forgeUserId, plan, createdAt): a
// shape both readers accept.
type tokenValidateResponse struct {
	Username    string `json:"username"`
	GithubID    *int64 `json:"githubId"`
	ForgeType   string `json:"forgeType" doc:"always \"keyhouse\""`
	ForgeUserID string `json:"forgeUserId"`
	Plan        string `json:"plan"`
	CreatedAt   string `json:"createdAt"`
}

func (s *Server) validateToken(w http.ResponseWriter, r *http.Request) error {
	u, err := s.auth.Me(r.Context())
	if err != nil {
		return err
	}
	return reply(w, r, http.StatusOK, tokenValidateResponse{Username: u.Name, ForgeType: "keyhouse", ForgeUserID: u.ID, Plan: "team", CreatedAt: httpapi.Time(u.CreatedAt)})
}
