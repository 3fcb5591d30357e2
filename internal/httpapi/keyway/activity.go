package keyway

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

type activityActor struct {
	ID        string  `json:"id"`
	Username  string  `json:"username"`
	AvatarURL *string `json:"avatarUrl"`
}

type activityItem struct {
	ID           string            `json:"id"`
	Action       string            `json:"action"`
	VaultID      *string           `json:"vaultId"`
	RepoFullName *string           `json:"repoFullName"`
	Actor        activityActor     `json:"actor"`
	Platform     string            `json:"platform"`
	Metadata     map[string]string `json:"metadata"`
	Timestamp    string            `json:"timestamp"`
}

func (s *Server) activity(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	list, total, err := s.secrets.Activity(r.Context(), pg)
	if err != nil {
		return err
	}
	out := make([]activityItem, 0, len(list))
	for _, a := range list {
		it := activityItem{ID: a.ID, Action: a.Action, Actor: activityActor{ID: a.ActorID, Username: a.ActorName}, Platform: a.Platform, Timestamp: httpapi.Time(a.CreatedAt)}
		if a.VaultID != "" {
			id, name := a.VaultID, a.VaultName
			it.VaultID, it.RepoFullName = &id, &name
		}
		if len(a.Metadata) > 0 {
			it.Metadata = a.Metadata
		}
		out = append(out, it)
	}
	return replyList(w, r, out, pg, total)
}

type usageLimits struct {
	MaxPublicRepos            any `json:"maxPublicRepos" doc:"a number or \"unlimited\""`
	MaxPrivateRepos           any `json:"maxPrivateRepos"`
	MaxProviders              any `json:"maxProviders"`
	MaxEnvironmentsPerVault   any `json:"maxEnvironmentsPerVault"`
	MaxSecretsPerPrivateVault any `json:"maxSecretsPerPrivateVault"`
}

type usageCounts struct {
	Public    int `json:"public"`
	Private   int `json:"private"`
	Providers int `json:"providers"`
}

type usageResponse struct {
	Plan   string      `json:"plan" doc:"always \"team\": a self-hosted Keyhouse has no plan limits"`
	Limits usageLimits `json:"limits"`
	Usage  usageCounts `json:"usage"`
}

// usage answers in Keyway's shape: Keyhouse is self-hosted, so every limit
// is "unlimited" and every vault counts as private.
func (s *Server) usage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.secrets.Usage(r.Context())
	if err != nil {
		return err
	}
	const unl = "unlimited"
	return reply(w, r, http.StatusOK, usageResponse{Plan: "team",
		Limits: usageLimits{MaxPublicRepos: unl, MaxPrivateRepos: unl, MaxProviders: unl, MaxEnvironmentsPerVault: unl, MaxSecretsPerPrivateVault: unl},
		Usage:  usageCounts{Private: u.Vaults}})
}
