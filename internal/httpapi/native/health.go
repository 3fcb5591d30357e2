package native

import (
	"context"
	"net/http"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type healthResponse struct {
	Status string `json:"status"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return httpapi.JSON(w, http.StatusOK, healthResponse{Status: "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		return &keyhouse.Error{Code: keyhouse.EUNAVAILABLE, Message: "The database is not answering.", Err: err}
	}
	return httpapi.JSON(w, http.StatusOK, healthResponse{Status: "ready"})
}
