// Package apptest starts a whole Keyhouse server for tests: the real app
// wiring on a temporary SQLite database (or a fresh PostgreSQL schema), two
// organizations with signed-in owners, a settable clock, and a client that
// checks every response against the server's own /openapi.json.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/keyhouse-dev/keyhouse/internal/app"
	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// Password is every test user's password.
const Password = "correct-horse-battery-staple"

// Org is one organization of the test server and its signed-in owner.
type Org struct {
	ID     keyhouse.ID
	UserID keyhouse.ID
	Email  string
	// Token is the owner's CLI token (khc_…): a user credential usable as
	// a bearer token on every surface.
	Token string
}

// Env is a running test server.
type Env struct {
	T     testing.TB
	App   *app.App
	URL   string
	Owner Org // the bootstrap organization
	Other Org // a second organization, for tenant isolation tests
	Clock *Clock
	// Logs holds every log line the server wrote.
	Logs *SyncBuffer
	// AllowServerErrors stops Send from failing the test on a 5xx (for
	// tests that break the server on purpose).
	AllowServerErrors bool

	server    *httptest.Server
	checkSpec bool
	spec      *specChecker
}

// Option changes how New builds the server.
type Option func(*options)

type options struct {
	cfg       func(*config.Config)
	postgres  bool
	checkSpec bool
}

// WithConfig edits the configuration before the app starts.
func WithConfig(f func(*config.Config)) Option { return func(o *options) { o.cfg = f } }

// WithPostgres runs the server on a fresh schema of KEYHOUSE_TEST_POSTGRES_URL,
// skipping the test when it is unset.
func WithPostgres() Option { return func(o *options) { o.postgres = true } }

// WithoutSpecCheck turns off response validation against /openapi.json
// (for tests that deliberately send what the spec does not describe).
func WithoutSpecCheck() Option { return func(o *options) { o.checkSpec = false } }

// New starts a server and returns it; it stops at the end of the test.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{checkSpec: true}
	for _, f := range opts {
		f(&o)
	}
	dir := t.TempDir()
	mk, err := crypto.GenerateMasterKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(dir, "keyhouse.db")
	if o.postgres {
		cfg.DatabaseURL = PostgresURL(t)
	}
	cfg.MasterKey = mk.Encode()
	cfg.AdminEmail = "owner@one.test"
	cfg.AdminPassword = Password
	cfg.RateLimit = 0
	cfg.AllowPrivateNet = true
	cfg.Addr = "127.0.0.1:0"
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	logs := &SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	pw := crypto.TestPasswordParams()
	ctx := context.Background()
	a, err := app.New(ctx, cfg, log, app.Options{Clock: clock, PasswordParams: &pw})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	a.Config.PublicURL = srv.URL
	e := &Env{T: t, App: a, URL: srv.URL, Clock: clock, Logs: logs, server: srv, checkSpec: o.checkSpec}
	t.Cleanup(func() {
		srv.Close()
		for _, fn := range a.OnShutdown {
			_ = fn(context.Background())
		}
		a.Close()
	})

	// Without a password the owner signs in through the setup link, which
	// the test drives itself.
	if cfg.AdminPassword != "" {
		e.Owner = e.login(cfg.AdminEmail)
	}
	org, _, err := a.Tenancy.CreateOrg(ctx, "Other", "owner@two.test", Password)
	if err != nil {
		t.Fatalf("create second org: %v", err)
	}
	e.Other = e.login("owner@two.test")
	if e.Other.ID != org.ID {
		t.Fatalf("second owner is in %s, want %s", e.Other.ID, org.ID)
	}
	if e.checkSpec {
		e.spec = newSpecChecker(t, a.Router.OpenAPI("test"))
	}
	return e
}

func (e *Env) login(email string) Org {
	e.T.Helper()
	res, err := e.App.Auth.Login(context.Background(), email, Password, keyhouse.SessionCLI)
	if err != nil {
		e.T.Fatalf("login %s: %v", email, err)
	}
	return Org{ID: res.User.OrgID, UserID: res.User.ID, Email: email, Token: res.Token}
}

// UserContext returns a context acting as org's owner, for calling
// services directly.
func (e *Env) UserContext(org Org) context.Context {
	p, err := e.App.Auth.Authenticate(context.Background(), org.Token)
	if err != nil {
		e.T.Fatalf("authenticate %s: %v", org.Email, err)
	}
	return keyhouse.NewContextWithPrincipal(context.Background(), p)
}

// MgmtKey creates a management API key (kc_…) in org with scopes.
func (e *Env) MgmtKey(org Org, scopes ...string) string {
	e.T.Helper()
	_, raw, err := e.App.Auth.CreateMgmtKey(e.UserContext(org), auth.CreateMgmtKeyParams{Name: "test", Scopes: scopes})
	if err != nil {
		e.T.Fatalf("create api key: %v", err)
	}
	return raw
}

// AddUser creates a user with role in org and returns its CLI token.
func (e *Env) AddUser(org Org, email string, role keyhouse.Role) Org {
	e.T.Helper()
	hash, err := e.App.Auth.HashPassword(Password)
	if err != nil {
		e.T.Fatal(err)
	}
	now := e.Clock.Now()
	u := &keyhouse.User{ID: ids.New(keyhouse.PrefixUser), OrgID: org.ID, Email: email, Name: email, Role: role, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := e.App.Store.Update(context.Background(), func(tx keyhouse.Tx) error { return tx.CreateUser(context.Background(), u) }); err != nil {
		e.T.Fatalf("create user: %v", err)
	}
	return e.login(email)
}

// Response is a finished HTTP exchange.
type Response struct {
	T      testing.TB
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r *Response) JSON(v any) {
	r.T.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.T.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
}

// Map decodes the body as a JSON object.
func (r *Response) Map() map[string]any {
	r.T.Helper()
	var m map[string]any
	r.JSON(&m)
	return m
}

func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// Do sends a request with token as the bearer credential ("" for none).
// body may be nil, a string or []byte (sent as is, as JSON), or any value
// (JSON-encoded). The response is checked against /openapi.json.
func (e *Env) Do(method, path, token string, body any) *Response {
	e.T.Helper()
	req := e.NewRequest(method, path, token, body)
	return e.Send(req)
}

// NewRequest builds a request like Do does, for tests that need to add headers.
func (e *Env) NewRequest(method, path, token string, body any) *http.Request {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// Send performs req and checks the response against the spec.
func (e *Env) Send(req *http.Request) *Response {
	e.T.Helper()
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.T.Fatal(err)
	}
	r := &Response{T: e.T, Status: resp.StatusCode, Header: resp.Header, Body: b}
	if resp.StatusCode >= 500 && !e.AllowServerErrors {
		e.T.Errorf("%s %s answered %d: %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		e.T.Errorf("%s %s: no X-Request-Id header", req.Method, req.URL.Path)
	}
	if e.spec != nil {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		resp.Body = io.NopCloser(bytes.NewReader(b))
		e.spec.check(e.T, req, resp)
	}
	return r
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (the logger).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Clock is a settable clock, safe for concurrent use. It starts at a fixed
// instant and moves only when told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t.UTC().Truncate(time.Millisecond)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC().Truncate(time.Millisecond)
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d).Truncate(time.Millisecond)
	c.mu.Unlock()
}

// PostgresURL creates a fresh schema on KEYHOUSE_TEST_POSTGRES_URL and
// returns a URL whose connections use it; the schema is dropped at the end
// of the test. The test is skipped when the variable is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("KEYHOUSE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("set KEYHOUSE_TEST_POSTGRES_URL to run against PostgreSQL")
	}
	schema := "t_" + strings.ToLower(newID())
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b[:])
}
