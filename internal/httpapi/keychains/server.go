// Package keychains serves the Keychains.dev surface (reference/keychains.md):
// /api/api-keys, /api/audit-log and, later, machines, permissions and
// connections. Conventions: camelCase, bare objects with a named collection,
// page/limit (max 100), errors {"error","error_description"}.
package keychains

import (
	"log/slog"
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

// Server holds the Keychains surface's dependencies.
type Server struct {
	log   *slog.Logger
	auth  *auth.Service
	audit *audit.Service
}

// New returns a Server.
func New(log *slog.Logger, a *auth.Service, au *audit.Service) *Server {
	return &Server{log: log, auth: a, audit: au}
}

// Routes adds the surface's routes to rt.
func (s *Server) Routes(rt *httpapi.Router) {
	add := func(r httpapi.Route) {
		r.Surface = httpapi.Keychains
		rt.Add(r)
	}
	add(httpapi.Route{Method: "POST", Path: "/api/api-keys", Summary: "Create a management API key (session only; shown once).", Tag: "api-keys", Request: createKeyRequest{}, Status: http.StatusCreated, Response: createdKeyResponse{}, Handler: s.createKey})
	add(httpapi.Route{Method: "GET", Path: "/api/api-keys", Summary: "List management API keys.", Tag: "api-keys", Query: []string{"page", "limit"}, Response: keyList{}, Handler: s.listKeys})
	add(httpapi.Route{Method: "DELETE", Path: "/api/api-keys/{keyId}", Summary: "Revoke a management API key at once.", Tag: "api-keys", Response: successResponse{}, Handler: s.revokeKey})
	add(httpapi.Route{Method: "GET", Path: "/api/audit-log", Summary: "Query the audit log (action=filters lists filter values).", Tag: "audit", Query: auditQuery, ResponseOneOf: []any{auditList{}, auditFilters{}}, Handler: s.listAudit})
	add(httpapi.Route{Method: "GET", Path: "/api/audit-log/export", Summary: "Export the audit log as CSV or JSON Lines, streamed.", Tag: "audit", Query: exportQuery, ContentType: "text/csv, application/x-ndjson", Handler: s.exportAudit})
}

type successResponse struct {
	Success bool `json:"success"`
}

// page reads Keychains' page (≥ 1, default 1) and limit (1–100, default 50).
func page(r *http.Request) (pg, limit int, err error) {
	if pg, err = httpapi.QueryInt(r, "page", 1, 1, 1_000_000); err != nil {
		return 0, 0, err
	}
	limit, err = httpapi.QueryInt(r, "limit", 50, 1, 100)
	return pg, limit, err
}
