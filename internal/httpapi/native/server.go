// Package native serves Keyhouse's own API surface: projects and their
// environments, health, readiness, metrics and the OpenAPI description.
// Conventions: snake_case JSON, RFC 9457 problems, lists as
// {data, pagination}.
package native

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/tenancy"
)

// Pinger checks the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server holds the native surface's dependencies.
type Server struct {
	log     *slog.Logger
	tenancy *tenancy.Service
	db      Pinger
	metrics http.Handler
	openapi http.Handler
}

// New returns a Server.
func New(log *slog.Logger, t *tenancy.Service, db Pinger, metrics, openapi http.Handler) *Server {
	return &Server{log: log, tenancy: t, db: db, metrics: metrics, openapi: openapi}
}

// Pagination is the native list envelope's page information.
type Pagination struct {
	Total   int  `json:"total"`
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"has_more"`
}

func pagination(total, limit, offset int) Pagination {
	return Pagination{Total: total, Limit: limit, Offset: offset, HasMore: offset+limit < total}
}

// page reads limit (1–100, default 50) and offset (≥ 0).
func page(r *http.Request) (int, int, error) {
	limit, err := httpapi.QueryInt(r, "limit", 50, 1, 100)
	if err != nil {
		return 0, 0, err
	}
	offset, err := httpapi.QueryInt(r, "offset", 0, 0, 1_000_000_000)
	return limit, offset, err
}
