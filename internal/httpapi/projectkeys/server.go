// Package projectkeys serves the project-level API key surface
// (/v1/api-keys…, reference/projectkeys.md) over the same key service as
// Keysmith: keys belong to a project (?project_id=), lists are bare arrays,
// rotation creates a new key row and answers old_key_id/new_key_id/key.
package projectkeys

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// Server holds the surface's dependencies.
type Server struct {
	log  *slog.Logger
	keys *keys.Service
}

// New returns a Server.
func New(log *slog.Logger, k *keys.Service) *Server { return &Server{log: log, keys: k} }

// Routes adds the surface's routes to rt.
func (s *Server) Routes(rt *httpapi.Router) {
	add := func(r httpapi.Route) {
		if r.Surface == nil {
			r.Surface = httpapi.ProjectKeys
		}
		rt.Add(r)
	}
	add(httpapi.Route{Method: "GET", Path: "/v1/api-keys", Summary: "List a project's unrevoked API keys.", Tag: "api-keys", Query: []string{"project_id", "limit", "offset"}, Response: []apiKey{}, OtherStatuses: []int{400, 404}, Handler: s.list})
	add(httpapi.Route{Method: "POST", Path: "/v1/api-keys", Summary: "Create a project API key; key and rotation_webhook_secret are shown only here.", Tag: "api-keys", Request: createRequest{}, Status: http.StatusCreated, Response: createResponse{}, OtherStatuses: []int{400, 404, 422}, Handler: s.create})
	add(httpapi.Route{Method: "GET", Path: "/v1/api-keys/expiring-soon", Summary: "A project's keys expiring within within_days.", Tag: "api-keys", Query: []string{"project_id", "within_days"}, Response: []expiringKey{}, OtherStatuses: []int{400, 404}, Handler: s.expiringSoon})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/api-keys/{keyID}", Summary: "Revoke an API key (idempotent).", Tag: "api-keys", Query: []string{"project_id"}, Response: statusResponse{}, OtherStatuses: []int{404}, Handler: s.revoke})
	add(httpapi.Route{Method: "POST", Path: "/v1/api-keys/{keyID}/rotate", OptionalBody: true, Summary: "Rotate an API key with a grace period.", Tag: "api-keys", Query: []string{"project_id"}, Request: rotateRequest{}, Status: http.StatusCreated, Response: rotateResponse{}, OtherStatuses: []int{400, 404, 409}, Handler: s.rotate})
	add(httpapi.Route{Method: "GET", Path: "/v1/webhooks/deliveries", Surface: httpapi.Native, Summary: "Rotation webhook delivery attempts, newest first.", Tag: "webhooks", Query: []string{"key_id", "limit", "offset"}, Response: deliveryList{}, Handler: s.deliveries})
}

type apiKey struct {
	ID                   string   `json:"id"`
	ProjectID            string   `json:"project_id"`
	OrgID                string   `json:"org_id"`
	Name                 string   `json:"name"`
	KeyPrefix            string   `json:"key_prefix"`
	Scopes               []string `json:"scopes"`
	State                string   `json:"state"`
	ExpiresAt            *string  `json:"expires_at"`
	LastUsedAt           *string  `json:"last_used_at"`
	CreatedAt            string   `json:"created_at"`
	RevokedAt            *string  `json:"revoked_at"`
	ReplacedByKeyID      *string  `json:"replaced_by_key_id"`
	GraceExpiresAt       *string  `json:"grace_expires_at"`
	EnvironmentID        *string  `json:"environment_id"`
	RotationIntervalDays *int     `json:"rotation_interval_days"`
	NextRotationAt       *string  `json:"next_rotation_at"`
	RotationWebhookURL   *string  `json:"rotation_webhook_url"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func scopesOf(k *keyhouse.Key) []string {
	if k.Scopes == nil {
		return []string{}
	}
	return k.Scopes
}

func newAPIKey(k *keyhouse.Key, now time.Time) apiKey {
	a := apiKey{ID: k.ID, ProjectID: k.ProjectID, OrgID: k.OrgID, Name: k.Name, KeyPrefix: k.KeyPrefix, Scopes: scopesOf(k),
		State: string(k.StateAt(now)), ExpiresAt: httpapi.TimePtr(k.ExpiresAt), LastUsedAt: httpapi.TimePtr(k.LastUsedAt),
		CreatedAt: httpapi.Time(k.CreatedAt), RevokedAt: httpapi.TimePtr(k.RevokedAt), ReplacedByKeyID: optString(k.ReplacedByKeyID),
		GraceExpiresAt: httpapi.TimePtr(k.GraceExpiresAt), EnvironmentID: optString(k.EnvironmentID),
		NextRotationAt: httpapi.TimePtr(k.NextRotationAt), RotationWebhookURL: optString(k.RotationWebhookURL)}
	if k.RotationIntervalDays > 0 {
		d := k.RotationIntervalDays
		a.RotationIntervalDays = &d
	}
	return a
}

type createRequest struct {
	ProjectID            string   `json:"project_id"`
	Name                 string   `json:"name"`
	Scopes               []string `json:"scopes"`
	ExpiresInDays        int      `json:"expires_in_days,omitempty"`
	EnvironmentID        string   `json:"environment_id,omitempty"`
	RotationIntervalDays int      `json:"rotation_interval_days,omitempty"`
	RotationWebhookURL   string   `json:"rotation_webhook_url,omitempty"`
	OrgID                string   `json:"org_id,omitempty"`
}

// createResponse is the seed's APIKey object, every field present (null
// when unset), with the two values shown only here.
type createResponse struct {
	apiKey
	Key                   string `json:"key" doc:"the key itself, shown only in this answer"`
	RotationWebhookSecret string `json:"rotation_webhook_secret,omitempty" doc:"whsec_…, shown only in this answer"`
}

type rotateRequest struct {
	GracePeriodMinutes int `json:"grace_period_minutes,omitempty" doc:"default 60, at most 10080; the old key works until then"`
}

type rotateResponse struct {
	OldKeyID       string   `json:"old_key_id"`
	NewKeyID       string   `json:"new_key_id"`
	ProjectID      string   `json:"project_id"`
	Name           string   `json:"name"`
	Key            string   `json:"key"`
	KeyPrefix      string   `json:"key_prefix"`
	Scopes         []string `json:"scopes"`
	ExpiresAt      *string  `json:"expires_at"`
	CreatedAt      string   `json:"created_at"`
	GraceExpiresAt string   `json:"grace_expires_at"`
}

type statusResponse struct {
	Status string `json:"status"`
}

type expiringKey struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	KeyPrefix string  `json:"key_prefix"`
	ExpiresAt *string `json:"expires_at"`
	DaysLeft  int     `json:"days_left"`
	NoExpiry  bool    `json:"no_expiry"`
	CreatedAt string  `json:"created_at"`
}

type delivery struct {
	ID             string `json:"id"`
	MessageID      string `json:"message_id"`
	KeyID          string `json:"key_id"`
	Event          string `json:"event"`
	URL            string `json:"url"`
	Attempt        int    `json:"attempt"`
	Status         string `json:"status"`
	ResponseStatus int    `json:"response_status"`
	Error          string `json:"error,omitempty"`
	CreatedAt      string `json:"created_at"`
}

type pagination struct {
	Total   int  `json:"total"`
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"has_more"`
}

type deliveryList struct {
	Data       []delivery `json:"data"`
	Pagination pagination `json:"pagination"`
}
