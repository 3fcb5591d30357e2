// Package keyway serves the Keyway surface (reference/keyway.md): sign-in,
// the signed-in user, and (in the secrets work) vaults, secrets, push/pull
// and the device flow. Conventions: {data, meta:{requestId}} envelopes,
// camelCase, RFC 7807 problems with traceId.
package keyway

import (
	"log/slog"
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/device"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
)

// Server holds the Keyway surface's dependencies.
type Server struct {
	log           *slog.Logger
	auth          *auth.Service
	secureCookies bool
	// Set by WithSecrets (vaults.go).
	secrets   *secrets.Service
	device    *device.Service
	publicURL string
}

// New returns a Server. secureCookies marks the session cookie Secure
// (set it whenever the server is reached over HTTPS).
func New(log *slog.Logger, a *auth.Service, secureCookies bool) *Server {
	return &Server{log: log, auth: a, secureCookies: secureCookies}
}

// Meta is the envelope's metadata.
type Meta struct {
	RequestID  string      `json:"requestId"`
	Pagination *Pagination `json:"pagination,omitempty"`
}

// Pagination is Keyway's list metadata.
type Pagination struct {
	Total   int  `json:"total"`
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"hasMore"`
}

// Envelope wraps every Keyway success body.
type Envelope[T any] struct {
	Data T    `json:"data"`
	Meta Meta `json:"meta"`
}

func reply[T any](w http.ResponseWriter, r *http.Request, status int, data T) error {
	return httpapi.JSON(w, status, Envelope[T]{Data: data, Meta: Meta{RequestID: httpapi.RequestID(r.Context())}})
}

// Routes adds the surface's routes to rt.
func (s *Server) Routes(rt *httpapi.Router) {
	add := func(r httpapi.Route) {
		r.Surface = httpapi.Keyway
		rt.Add(r)
	}
	add(httpapi.Route{Method: "POST", Path: "/v1/auth/login", Public: true, Summary: "Sign in with email and password: sets the session cookie (or, with client=cli, returns a CLI token).", Tag: "auth", Request: loginRequest{}, Response: Envelope[loginResponse]{}, OtherStatuses: []int{401, 429}, Handler: s.login})
	add(httpapi.Route{Method: "POST", Path: "/v1/auth/logout", Summary: "Sign out: revokes the session or CLI token.", Tag: "auth", Response: Envelope[logoutResponse]{}, Handler: s.logout})
	add(httpapi.Route{Method: "POST", Path: "/v1/auth/setup", Public: true, Summary: "Set the first owner's password with the one-time setup token.", Tag: "auth", Request: setupRequest{}, Response: Envelope[loginResponse]{}, Handler: s.setup})
	add(httpapi.Route{Method: "GET", Path: "/v1/users/me", Summary: "The signed-in user.", Tag: "users", Response: Envelope[userResponse]{}, Handler: s.me})
	add(httpapi.Route{Method: "POST", Path: "/v1/auth/token/validate", Summary: "Check a CLI token (Keyway's token validation): who it signs in as.", Tag: "auth", Response: Envelope[tokenValidateResponse]{}, Handler: s.validateToken})
	add(httpapi.Route{Method: "GET", Path: "/v1/users/me/usage", Summary: "The organization's plan limits (all unlimited) and usage.", Tag: "users", Response: Envelope[usageResponse]{}, Handler: s.usage})
	add(httpapi.Route{Method: "GET", Path: "/v1/activity", Summary: "The organization's activity feed, newest first.", Tag: "activity", Query: []string{"limit", "offset"}, Response: Envelope[[]activityItem]{}, Handler: s.activity})

	// Device login (keyhouse login). Start and poll are anonymous; approve,
	// deny and lookup need a dashboard session.
	add(httpapi.Route{Method: "POST", Path: "/v1/auth/device/start", Public: true, OptionalBody: true, Summary: "Start a device login: a device code for the CLI and a user code for the human.", Tag: "auth", Request: deviceStartRequest{}, Response: deviceStartResponse{}, Handler: s.deviceStart})
	add(httpapi.Route{Method: "POST", Path: "/v1/auth/device/poll", Public: true, Summary: "Poll a device login: pending, approved (with the CLI token, once), expired (400) or denied (403).", Tag: "auth", Request: devicePollRequest{}, Response: devicePollResponse{}, OtherStatuses: []int{400, 403}, Handler: s.devicePoll})
	add(httpapi.Route{Method: "GET", Path: "/v1/auth/device/verify", Public: true, Summary: "Keyway's verification link: redirects to the approval page.", Tag: "auth", Query: []string{"user_code"}, Status: http.StatusFound, ContentType: "text/html", Raw: http.HandlerFunc(s.deviceVerify)})
	add(httpapi.Route{Method: "GET", Path: "/v1/auth/device/lookup", Summary: "The pending device login a user code names (dashboard session only).", Tag: "auth", Query: []string{"user_code"}, Response: Envelope[deviceLookupResponse]{}, OtherStatuses: []int{429}, Handler: s.deviceLookup})
	add(httpapi.Route{Method: "POST", Path: "/v1/auth/device/approve", Summary: "Approve a device login as the signed-in dashboard user.", Tag: "auth", Request: deviceDecideRequest{}, Response: Envelope[deviceDecideResponse]{}, OtherStatuses: []int{429}, Handler: s.deviceDecide(true)})
	add(httpapi.Route{Method: "POST", Path: "/v1/auth/device/deny", Summary: "Deny a device login.", Tag: "auth", Request: deviceDecideRequest{}, Response: Envelope[deviceDecideResponse]{}, OtherStatuses: []int{429}, Handler: s.deviceDecide(false)})

	// Vaults.
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults", Summary: "List vaults.", Tag: "vaults", Query: []string{"limit", "offset"}, Response: Envelope[[]vaultListItem]{}, Handler: s.listVaults})
	add(httpapi.Route{Method: "POST", Path: "/v1/vaults", Summary: "Create a vault (owner/repo) with the default environments.", Tag: "vaults", Request: createVaultRequest{}, Status: http.StatusCreated, Response: Envelope[createVaultResponse]{}, OtherStatuses: []int{409}, Handler: s.createVault})
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults/{owner}/{repo}", Summary: "Get a vault.", Tag: "vaults", Response: Envelope[vaultResponse]{}, Handler: s.getVault})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/vaults/{owner}/{repo}", Summary: "Delete a vault and all its secrets.", Tag: "vaults", Status: http.StatusNoContent, Handler: s.deleteVault})

	// Secrets.
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults/{owner}/{repo}/secrets", Summary: "List a vault's secrets (no values).", Tag: "secrets", Query: []string{"limit", "offset"}, Response: Envelope[[]secretItem]{}, Handler: s.listSecrets})
	add(httpapi.Route{Method: "POST", Path: "/v1/vaults/{owner}/{repo}/secrets", Summary: "Create or update a secret (201 created, 200 updated).", Tag: "secrets", Request: createSecretRequest{}, Status: http.StatusCreated, Response: Envelope[createSecretResponse]{}, Handler: s.createSecret})
	add(httpapi.Route{Method: "PATCH", Path: "/v1/vaults/{owner}/{repo}/secrets/{secretId}", Summary: "Rename a secret and/or change its value.", Tag: "secrets", Request: updateSecretRequest{}, Response: Envelope[updatedSecret]{}, OtherStatuses: []int{409}, Handler: s.updateSecret})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/vaults/{owner}/{repo}/secrets/{secretId}", Summary: "Move a secret to the trash.", Tag: "secrets", Response: Envelope[trashedResponse]{}, Handler: s.deleteSecret})
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults/{owner}/{repo}/secrets/{secretId}/value", Summary: "Reveal a secret's value (10 per minute).", Tag: "secrets", Response: Envelope[valueResponse]{}, OtherStatuses: []int{429}, Handler: s.secretValue})
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults/{owner}/{repo}/secrets/{secretId}/versions", Summary: "List a secret's versions.", Tag: "secrets", Response: Envelope[[]versionItem]{}, Handler: s.listVersions})
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults/{owner}/{repo}/secrets/{secretId}/versions/{versionId}/value", Summary: "Reveal a version's value (10 per minute).", Tag: "secrets", Response: Envelope[versionValueResponse]{}, OtherStatuses: []int{429}, Handler: s.versionValue})
	add(httpapi.Route{Method: "POST", Path: "/v1/vaults/{owner}/{repo}/secrets/{secretId}/versions/{versionId}/restore", Summary: "Make a version's value current again (as a new version).", Tag: "secrets", Response: Envelope[restoreVersionResponse]{}, Handler: s.restoreVersion})

	// Trash.
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults/{owner}/{repo}/trash", Summary: "List trashed secrets, newest deleted first.", Tag: "trash", Query: []string{"limit", "offset"}, Response: Envelope[[]trashItem]{}, Handler: s.listTrash})
	add(httpapi.Route{Method: "POST", Path: "/v1/vaults/{owner}/{repo}/trash/{secretId}/restore", Summary: "Restore a secret from the trash.", Tag: "trash", Response: Envelope[restoreTrashResponse]{}, OtherStatuses: []int{409}, Handler: s.restoreTrash})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/vaults/{owner}/{repo}/trash/{secretId}", Summary: "Delete a trashed secret for good.", Tag: "trash", Status: http.StatusNoContent, Handler: s.deleteTrashed})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/vaults/{owner}/{repo}/trash", Summary: "Empty the trash.", Tag: "trash", Response: Envelope[emptyTrashResponse]{}, Handler: s.emptyTrash})

	// Bulk (CLI).
	add(httpapi.Route{Method: "POST", Path: "/v1/secrets/push", Summary: "Make an environment hold exactly these secrets (absent keys go to the trash).", Tag: "secrets", Request: pushRequest{}, Response: Envelope[pushResponse]{}, Handler: s.push})
	add(httpapi.Route{Method: "GET", Path: "/v1/secrets/pull", Summary: "An environment's secrets as .env text.", Tag: "secrets", Query: []string{"repo", "environment", "limit", "offset"}, Response: Envelope[pullResponse]{}, Handler: s.pull})
	add(httpapi.Route{Method: "GET", Path: "/v1/secrets/view", Summary: "One secret's value by key.", Tag: "secrets", Query: []string{"repo", "environment", "key"}, Response: Envelope[viewResponse]{}, Handler: s.view})

	// Environments and their permission overrides.
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults/{owner}/{repo}/environments", Summary: "List a vault's environments.", Tag: "environments", Response: Envelope[environmentsResponse]{}, Handler: s.listEnvironments})
	add(httpapi.Route{Method: "POST", Path: "/v1/vaults/{owner}/{repo}/environments", Summary: "Create an environment.", Tag: "environments", Request: createEnvironmentRequest{}, Status: http.StatusCreated, Response: Envelope[createEnvironmentResponse]{}, OtherStatuses: []int{409}, Handler: s.createEnvironment})
	add(httpapi.Route{Method: "PATCH", Path: "/v1/vaults/{owner}/{repo}/environments/{name}", Summary: "Rename an environment (its secrets move with it).", Tag: "environments", Request: renameEnvironmentRequest{}, Response: Envelope[renameEnvironmentResponse]{}, OtherStatuses: []int{409}, Handler: s.renameEnvironment})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/vaults/{owner}/{repo}/environments/{name}", Summary: "Delete an environment and its secrets (not the last one).", Tag: "environments", Response: Envelope[deleteEnvironmentResponse]{}, Handler: s.deleteEnvironment})
	add(httpapi.Route{Method: "GET", Path: "/v1/vaults/{owner}/{repo}/permissions", Summary: "Each environment's least read and write roles.", Tag: "environments", Response: Envelope[permissionsResponse]{}, Handler: s.listPermissions})
	add(httpapi.Route{Method: "PUT", Path: "/v1/vaults/{owner}/{repo}/permissions/{env}", Summary: "Raise the least roles that may read and write an environment.", Tag: "environments", Request: setPermissionsRequest{}, Response: Envelope[permissionEntry]{}, Handler: s.setPermissions})
	add(httpapi.Route{Method: "DELETE", Path: "/v1/vaults/{owner}/{repo}/permissions/{env}", Summary: "Drop an environment's overrides.", Tag: "environments", Response: Envelope[permissionEntry]{}, Handler: s.resetPermissions})
}
