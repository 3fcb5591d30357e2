package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
)

func TestHealthReadyMetrics(t *testing.T) {
	env := apptest.New(t)
	if r := env.Do("GET", "/healthz", "", nil); r.Status != 200 || r.Map()["status"] != "ok" {
		t.Errorf("healthz: %s", r)
	}
	if r := env.Do("GET", "/readyz", "", nil); r.Status != 200 || r.Map()["status"] != "ready" {
		t.Errorf("readyz: %s", r)
	}
	env.Do("GET", "/v1/projects", env.Owner.Token, nil)
	r := env.Do("GET", "/metrics", "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `keyhouse_http_requests_total{method="GET",route="GET /v1/projects",status="200"} 1`) {
		t.Errorf("metrics lack the projects request:\n%.2000s", r.Body)
	}
	if !strings.Contains(string(r.Body), "go_goroutines") {
		t.Error("metrics lack the Go collector")
	}
	// A closed database makes the server unready, with a 503 problem.
	env.App.Store.Close()
	env.AllowServerErrors = true
	r = env.Do("GET", "/readyz", "", nil)
	if r.Status != 503 || r.Map()["code"] != "unavailable" {
		t.Errorf("readyz with the database closed: %s", r)
	}
}

// TestOpenAPICoversEveryRoute checks /openapi.json is a valid OpenAPI 3.1
// document naming every served route, and nothing that is not served.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	env := apptest.New(t)
	r := env.Do("GET", "/openapi.json", "", nil)
	if r.Status != 200 {
		t.Fatalf("openapi.json: %s", r)
	}
	doc, err := libopenapi.NewDocument(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("invalid OpenAPI document: %s %s", e.Message, e.Reason)
		}
	}
	var spec struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.JSON(&spec)
	if spec.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", spec.OpenAPI)
	}
	served := map[string]bool{}
	for _, route := range env.App.Router.Routes() {
		p := strings.TrimSuffix(pathParam.ReplaceAllStringFunc(route.Path, func(s string) string { return strings.Replace(s, "...", "", 1) }), "{$}")
		key := strings.ToLower(route.Method) + " " + p
		served[key] = true
		if _, ok := spec.Paths[p][strings.ToLower(route.Method)]; !ok {
			t.Errorf("route %s is not in /openapi.json", route.Pattern())
		}
	}
	for p, ops := range spec.Paths {
		for m := range ops {
			if !served[m+" "+p] {
				t.Errorf("/openapi.json names %s %s, which is not served", m, p)
			}
		}
	}
}

// TestGracefulShutdown cancels the server while a request is in flight: the
// request completes, the server returns, and hooks run after it.
func TestGracefulShutdown(t *testing.T) {
	env := apptest.New(t)
	a := env.App
	started := make(chan struct{})
	inner := a.Handler
	a.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			time.Sleep(300 * time.Millisecond)
			io.WriteString(w, "finished")
			return
		}
		inner.ServeHTTP(w, r)
	})
	hookRan := make(chan time.Time, 1)
	a.OnShutdown = append(a.OnShutdown, func(context.Context) error { hookRan <- time.Now(); return nil })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.ServeListener(ctx, ln) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	if body := <-got; body != "finished" {
		t.Errorf("in-flight request got %q", body)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("ServeListener: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	select {
	case <-hookRan:
	default:
		t.Error("shutdown hook did not run")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}
