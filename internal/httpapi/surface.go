package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Surface is one of the API dialects Keyhouse speaks (SPEC §2): it decides
// how errors look.
type Surface struct {
	Name string
	// InvalidStatus is the status of EINVALID errors (0: the table's 422).
	InvalidStatus int
	// FieldStatus overrides InvalidStatus for EINVALID errors about one
	// field, keyed "field.code" or "field.*", where a seed documents
	// another status for that failure.
	FieldStatus map[string]int
	// Render writes err as this surface's error body.
	Render func(w http.ResponseWriter, r *http.Request, err error)
	// ErrorBody is a zero value of the error body, for the OpenAPI schema.
	ErrorBody any
}

// ErrorDocsBase is where problem types point.
const ErrorDocsBase = "https://keyhouse.dev/errors/"

// Problem is an RFC 9457 problem details body, with Keyhouse's extensions.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Instance  string         `json:"instance"`
	Code      string         `json:"code"`
	RequestID string         `json:"request_id"`
	TraceID   string         `json:"traceId,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
}

// ProblemField is one invalid field.
type ProblemField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// KeychainsError is the Keychains surface's OAuth-style error body.
type KeychainsError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// Surfaces.
var (
	// Native is Keyhouse's own API: RFC 9457 problems, 422 for invalid input.
	Native = &Surface{Name: "native", ErrorBody: Problem{}}
	// Keysmith answers invalid input with 400, like Forge's BadRequest,
	// except an unknown scope, which SPEC §4 makes a 422.
	Keysmith = &Surface{Name: "keysmith", InvalidStatus: http.StatusBadRequest,
		FieldStatus: map[string]int{"scopes.unknown_scope": http.StatusUnprocessableEntity}, ErrorBody: Problem{}}
	// ProjectKeys answers validation failures with 422 (validation_failed),
	// and with 400 the failures its reference lists as 400.
	ProjectKeys = &Surface{Name: "projectkeys", FieldStatus: map[string]int{
		"rotation_webhook_url.*": http.StatusBadRequest, "limit.*": http.StatusBadRequest,
	}, ErrorBody: Problem{}}
	// Keyway is RFC 7807 with traceId, 422 validation-error as documented.
	Keyway = &Surface{Name: "keyway", ErrorBody: Problem{}}
	// Keychains is {"error","error_description"} with 400 for bad parameters.
	Keychains = &Surface{Name: "keychains", InvalidStatus: http.StatusBadRequest, ErrorBody: KeychainsError{}}
)

func init() {
	// Render funcs refer to the surfaces themselves, so they are set here.
	Native.Render = problemRenderer(Native, false)
	Keysmith.Render = problemRenderer(Keysmith, false)
	ProjectKeys.Render = problemRenderer(ProjectKeys, false)
	Keyway.Render = problemRenderer(Keyway, true)
	Keychains.Render = renderKeychains
}

// SurfaceFor returns the surface that owns path, for errors raised before a
// route is chosen (authentication, rate limits, unknown routes).
func SurfaceFor(path string) *Surface {
	switch {
	case strings.HasPrefix(path, "/api/machines/"):
		return Native
	case strings.HasPrefix(path, "/api/"):
		return Keychains
	case hasSegmentPrefix(path, "/v1/keys"), hasSegmentPrefix(path, "/v1/policies"),
		hasSegmentPrefix(path, "/v1/scopes"), hasSegmentPrefix(path, "/v1/usage"):
		return Keysmith
	case hasSegmentPrefix(path, "/v1/api-keys"):
		return ProjectKeys
	case hasSegmentPrefix(path, "/v1/vaults"), hasSegmentPrefix(path, "/v1/secrets"),
		hasSegmentPrefix(path, "/v1/users"), hasSegmentPrefix(path, "/v1/activity"),
		hasSegmentPrefix(path, "/v1/auth"):
		return Keyway
	}
	return Native
}

func hasSegmentPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func problemRenderer(s *Surface, keyway bool) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		status := Status(s, err)
		code := string(keyhouse.ErrorCode(err))
		rid := RequestID(r.Context())
		p := Problem{
			Type:      ErrorDocsBase + code,
			Title:     http.StatusText(status),
			Status:    status,
			Detail:    keyhouse.ErrorMessage(err),
			Instance:  r.URL.Path,
			Code:      code,
			RequestID: rid,
		}
		if keyway {
			p.TraceID = rid
			if code == string(keyhouse.EINVALID) {
				p.Type, p.Title = ErrorDocsBase+"validation-error", "Validation Error"
			}
		}
		if e := keyhouse.AsError(err); e != nil {
			for _, f := range e.Fields {
				p.Errors = append(p.Errors, ProblemField(f))
			}
		}
		setRetryAfter(w, err)
		writeJSON(w, status, "application/problem+json", p)
	}
}

func renderKeychains(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(Keychains, err)
	setRetryAfter(w, err)
	writeJSON(w, status, "application/json", KeychainsError{Error: string(keyhouse.ErrorCode(err)), ErrorDescription: keyhouse.ErrorMessage(err)})
}

// JSON writes v as a JSON response with status.
func JSON(w http.ResponseWriter, status int, v any) error {
	writeJSON(w, status, "application/json", v)
	return nil
}

// RawJSON writes b, JSON encoded already, as JSON does (for hot paths
// that cache their encodings).
func RawJSON(w http.ResponseWriter, status int, b []byte) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// NoContent writes a 204.
func NoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func writeJSON(w http.ResponseWriter, status int, ctype string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal","error_description":"Internal error."}`)
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func itoa(n int) string { return strconv.Itoa(n) }
