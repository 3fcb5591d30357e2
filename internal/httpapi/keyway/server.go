// Package keyway serves the Keyway surface (reference/keyway.md): sign-in,
// the signed-in user, and (in the secrets work) vaults, secrets, push/pull
// and the device flow. Conventions: {data, meta:{requestId}} envelopes,
// camelCase, RFC 7807 problems with traceId.
package keyway

import (
	"log/slog"
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

// Server holds the Keyway surface's dependencies.
type Server struct {
	log           *slog.Logger
	auth          *auth.Service
	secureCookies bool
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
}
