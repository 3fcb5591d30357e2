package httpapi

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Route is one served endpoint and what the OpenAPI description says of it.
type Route struct {
	Method  string // GET, POST…
	Path    string // ServeMux path pattern: /v1/projects/{id}
	Surface *Surface
	Summary string
	Tag     string
	// Public routes skip authentication (health, login, device flow…).
	Public bool
	// NoRateLimit exempts the route from the per-credential limit: the key
	// validation hot path has its own per-key policy limits.
	NoRateLimit bool
	// QuietLog logs the route's requests at debug level: the validate hot
	// path records every call as usage already, and an info line per
	// validation costs a sixth of its CPU.
	QuietLog bool
	// Request is a zero value of the JSON body type (nil: no body).
	Request any
	// OptionalBody marks a Request body the client may leave out (the
	// handler decodes with DecodeOptions.AllowEmpty).
	OptionalBody bool
	// Query names the query parameters the route reads.
	Query []string
	// Status is the success status; Response a zero value of its body (nil: no body).
	Status   int
	Response any
	// ResponseOneOf lists alternative success bodies (a query switches the shape).
	ResponseOneOf []any
	// ContentType is set for non-JSON answers (text/csv, text/html…); a
	// comma-separated list when the answer's type depends on the request.
	ContentType string
	// OtherStatuses lists the documented error statuses beyond the common ones.
	OtherStatuses []int

	Handler HandlerFunc
	Raw     http.Handler // instead of Handler, for handlers that own the response
}

// Pattern is the ServeMux pattern of r.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Router collects every route of every surface into one ServeMux.
type Router struct {
	mux    *http.ServeMux
	log    *slog.Logger
	routes []Route
	byPat  map[string]*Route
}

// NewRouter returns an empty router.
func NewRouter(log *slog.Logger) *Router {
	rt := &Router{mux: http.NewServeMux(), log: log, byPat: map[string]*Route{}}
	rt.mux.Handle("/", http.HandlerFunc(rt.notFound))
	return rt
}

// Add serves r.
func (rt *Router) Add(r Route) {
	if r.Surface == nil {
		r.Surface = Native
	}
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	var h http.Handler
	switch {
	case r.Raw != nil:
		fn := r.Raw
		h = Handle(rt.log, r.Surface, func(w http.ResponseWriter, req *http.Request) error {
			fn.ServeHTTP(w, req)
			return nil
		})
	case r.Handler != nil:
		h = Handle(rt.log, r.Surface, r.Handler)
	default:
		panic("httpapi: route " + r.Pattern() + " has no handler")
	}
	rt.mux.Handle(r.Pattern(), h)
	rt.routes = append(rt.routes, r)
	rt.byPat[r.Pattern()] = &rt.routes[len(rt.routes)-1]
	// byPat points into routes; rebuild it when append moved the array.
	for i := range rt.routes {
		rt.byPat[rt.routes[i].Pattern()] = &rt.routes[i]
	}
}

// Routes lists every route, in the order added.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// match returns the route r will be served by, or nil.
func (rt *Router) match(r *http.Request) *Route {
	_, pat := rt.mux.Handler(r)
	if pat == "" || pat == "/" {
		return nil
	}
	if route, ok := rt.byPat[pat]; ok {
		return route
	}
	// HEAD requests match GET patterns.
	return rt.byPat["GET "+strings.TrimPrefix(pat, "HEAD ")]
}

// notFound answers unmatched requests in the path's surface format, with
// 405 and Allow when the path exists under another method.
func (rt *Router) notFound(w http.ResponseWriter, r *http.Request) {
	surface := SurfaceFor(r.URL.Path)
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pat := rt.mux.Handler(probe); pat != "" && pat != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		surface.Render(w, r, keyhouse.Errorf(keyhouse.EMETHOD, "Method %s is not allowed here.", r.Method))
		return
	}
	surface.Render(w, r, keyhouse.Errorf(keyhouse.ENOTFOUND, "No such endpoint."))
}
