package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// HandlerFunc is the one handler shape: write a response, or return an
// error for the surface to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// reqState is shared between the outer middleware and the routed handler,
// which runs on a copy of the request and so cannot hand values back
// through it.
type reqState struct {
	requestID string
	clientIP  string
	pattern   string
	principal *keyhouse.Principal
	rec       *recorder
}

type stateKey struct{}

func state(ctx context.Context) *reqState {
	s, _ := ctx.Value(stateKey{}).(*reqState)
	if s == nil {
		return &reqState{}
	}
	return s
}

// RequestID returns the request's ID ("" outside a request).
func RequestID(ctx context.Context) string { return state(ctx).requestID }

// ClientIP returns the request's client IP as resolved by the middleware.
func ClientIP(ctx context.Context) string { return state(ctx).clientIP }

// Handle adapts fn to http.Handler: errors are rendered in surface's format
// (and logged when internal); panics become EINTERNAL. If fn already wrote
// a header, the error is only logged: the client has a response.
func Handle(log *slog.Logger, surface *Surface, fn HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r.Context())
		st.pattern = r.Pattern
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					err = &keyhouse.Error{Code: keyhouse.EINTERNAL, Message: "Internal error.", Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
				}
			}()
			return fn(w, r)
		}()
		if err == nil {
			return
		}
		RenderError(log, surface, w, r, err)
	})
}

// RenderError writes err in surface's format, logging internal errors with
// their cause (which never reaches the client).
func RenderError(log *slog.Logger, surface *Surface, w http.ResponseWriter, r *http.Request, err error) {
	if keyhouse.ErrorCode(err) == keyhouse.EINTERNAL {
		log.ErrorContext(r.Context(), "internal error", "request_id", RequestID(r.Context()), "route", r.Pattern, "err", err)
	}
	if rec := state(r.Context()).rec; rec != nil && rec.wrote {
		if keyhouse.ErrorCode(err) != keyhouse.EINTERNAL {
			log.WarnContext(r.Context(), "error after response started", "request_id", RequestID(r.Context()), "err", err)
		}
		return
	}
	surface.Render(w, r, err)
}
