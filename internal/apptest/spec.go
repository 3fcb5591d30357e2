package apptest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// specChecker validates responses against the server's own OpenAPI
// description, so the description cannot lie about what is served.
type specChecker struct {
	mu sync.Mutex
	v  validator.Validator
}

func newSpecChecker(t testing.TB, spec map[string]any) *specChecker {
	t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatalf("openapi document: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("openapi validator: %v", errs)
	}
	return &specChecker{v: v}
}

func (s *specChecker) check(t testing.TB, req *http.Request, resp *http.Response) {
	t.Helper()
	// Unmatched paths answer a generic 404/405 that no operation describes.
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
			t.Errorf("%s %s: %d answered %q, not a JSON error", req.Method, req.URL.Path, resp.StatusCode, ct)
		}
		return
	}
	// JSON Lines is many JSON values; the validator would parse it as one.
	if strings.Contains(resp.Header.Get("Content-Type"), "ndjson") {
		return
	}
	s.mu.Lock()
	ok, errs := s.v.ValidateHttpResponse(req, resp)
	s.mu.Unlock()
	if ok {
		return
	}
	var msgs []string
	for _, e := range errs {
		m := e.Message
		if e.Reason != "" {
			m += ": " + e.Reason
		}
		for _, se := range e.SchemaValidationErrors {
			m += " [" + se.FieldPath + ": " + se.Reason + "]"
		}
		msgs = append(msgs, m)
	}
	t.Errorf("%s %s → %d does not match /openapi.json:\n  %s", req.Method, req.URL.Path, resp.StatusCode, strings.Join(msgs, "\n  "))
}
