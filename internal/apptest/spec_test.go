package apptest

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

// recordingT captures Errorf calls so a test can assert the checker fails.
type recordingT struct {
	testing.TB
	errors []string
}

func (r *recordingT) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingT) Helper() {}

type wire struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestSpecCheckerCatchesDrift(t *testing.T) {
	rt := httpapi.NewRouter(slog.New(slog.DiscardHandler))
	rt.Add(httpapi.Route{Method: "GET", Path: "/good", Public: true, Response: wire{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
		return httpapi.JSON(w, 200, wire{Name: "a", Count: 1})
	}})
	rt.Add(httpapi.Route{Method: "GET", Path: "/bad", Public: true, Response: wire{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
		return httpapi.JSON(w, 200, map[string]any{"name": 5})
	}})
	srv := httptest.NewServer(httpapi.Chain(httpapi.Config{Logger: slog.New(slog.DiscardHandler)}, rt))
	defer srv.Close()
	sc := newSpecChecker(t, rt.OpenAPI("test"))
	for _, tt := range []struct {
		path    string
		wantErr bool
	}{{"/good", false}, {"/bad", true}} {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rec := &recordingT{TB: t}
		sc.check(rec, req, resp)
		resp.Body.Close()
		if got := len(rec.errors) > 0; got != tt.wantErr {
			t.Errorf("%s: spec errors %v, want error %v", tt.path, rec.errors, tt.wantErr)
		}
	}
}
