package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/app"
	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// login signs in through the HTTP API and returns the session cookie value.
func login(t *testing.T, env *apptest.Env, email, password string) (*apptest.Response, string) {
	t.Helper()
	r := env.Do("POST", "/v1/auth/login", "", map[string]string{"email": email, "password": password})
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == httpapi.SessionCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie HttpOnly=%v SameSite=%v, want HttpOnly and Lax", c.HttpOnly, c.SameSite)
			}
			return r, c.Value
		}
	}
	return r, ""
}

func withCookie(env *apptest.Env, method, path, cookie string, body any) *http.Request {
	req := env.NewRequest(method, path, "", body)
	req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: cookie})
	return req
}

func TestSessionCookie(t *testing.T) {
	env := apptest.New(t)
	r, cookie := login(t, env, env.Owner.Email, apptest.Password)
	if r.Status != 200 || cookie == "" {
		t.Fatalf("login: %s (cookie %q)", r, cookie)
	}
	var body struct {
		Data struct {
			User struct{ Email, Role string } `json:"user"`
		} `json:"data"`
		Meta struct {
			RequestID string `json:"requestId"`
		} `json:"meta"`
	}
	r.JSON(&body)
	if body.Data.User.Email != env.Owner.Email || body.Data.User.Role != "owner" || body.Meta.RequestID != r.Header.Get("X-Request-Id") {
		t.Errorf("login body: %s", r.Body)
	}
	if strings.Contains(string(r.Body), cookie) {
		t.Error("the session token appears in the login body")
	}

	me := env.Send(withCookie(env, "GET", "/v1/users/me", cookie, nil))
	if me.Status != 200 || !strings.Contains(string(me.Body), env.Owner.Email) {
		t.Fatalf("me with cookie: %s", me)
	}

	t.Run("Expired", func(t *testing.T) {
		_, c2 := login(t, env, env.Owner.Email, apptest.Password)
		env.Clock.Advance(13 * time.Hour)
		defer env.Clock.Advance(-13 * time.Hour)
		r := env.Send(withCookie(env, "GET", "/v1/users/me", c2, nil))
		if r.Status != 401 || r.Map()["detail"] != "The session has expired." {
			t.Errorf("expired session: %s", r)
		}
	})

	t.Run("LoggedOut", func(t *testing.T) {
		_, c3 := login(t, env, env.Owner.Email, apptest.Password)
		if r := env.Send(withCookie(env, "POST", "/v1/auth/logout", c3, nil)); r.Status != 200 {
			t.Fatalf("logout: %s", r)
		}
		r := env.Send(withCookie(env, "GET", "/v1/users/me", c3, nil))
		if r.Status != 401 {
			t.Errorf("after logout: %s", r)
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		req := withCookie(env, "POST", "/v1/projects", cookie, map[string]string{"name": "csrf"})
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		if r := env.Send(req); r.Status != 403 {
			t.Errorf("cross-site cookie write: %s", r)
		}
		// The same request with a bearer token is not forgeable by a browser.
		req = env.NewRequest("POST", "/v1/projects", env.Owner.Token, map[string]string{"name": "csrf"})
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := env.Send(req); r.Status != 201 {
			t.Errorf("cross-site bearer write: %s", r)
		}
		// Login CSRF: a cross-site page cannot sign the browser in either.
		req = env.NewRequest("POST", "/v1/auth/login", "", map[string]string{"email": env.Owner.Email, "password": apptest.Password})
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := env.Send(req); r.Status != 403 {
			t.Errorf("cross-site login: %s", r)
		}
		req = withCookie(env, "POST", "/v1/projects", cookie, map[string]string{"name": "same-origin"})
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if r := env.Send(req); r.Status != 201 {
			t.Errorf("same-origin cookie write: %s", r)
		}
	})
}

func TestCookieJarRoundTrip(t *testing.T) {
	env := apptest.New(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(env.URL+"/v1/auth/login", "application/json", strings.NewReader(`{"email":"owner@one.test","password":"`+apptest.Password+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = c.Get(env.URL + "/v1/users/me")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("me: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestCLIToken(t *testing.T) {
	env := apptest.New(t)
	if r := env.Do("GET", "/v1/users/me", env.Owner.Token, nil); r.Status != 200 {
		t.Fatalf("valid CLI token: %s", r)
	}
	for _, tt := range []struct{ name, token, detail string }{
		{"Garbage", "khc_not-a-real-token", "The session is not valid."},
		{"UnknownPrefix", "zzz_abc", "The credential is not valid."},
		{"CookieValueAsWrongKind", "khs_" + strings.TrimPrefix(env.Owner.Token, "khc_"), "The session is not valid."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do("GET", "/v1/users/me", tt.token, nil)
			if r.Status != 401 || r.Map()["detail"] != tt.detail {
				t.Errorf("got %s, want 401 %q", r, tt.detail)
			}
		})
	}
	t.Run("Expired", func(t *testing.T) {
		env.Clock.Advance(31 * 24 * time.Hour)
		defer env.Clock.Advance(-31 * 24 * time.Hour)
		r := env.Do("GET", "/v1/users/me", env.Owner.Token, nil)
		if r.Status != 401 || r.Map()["detail"] != "The session has expired." {
			t.Errorf("expired CLI token: %s", r)
		}
	})
	t.Run("Revoked", func(t *testing.T) {
		o := env.AddUser(env.Owner, "leaver@one.test", keyhouse.RoleMember)
		if r := env.Do("POST", "/v1/auth/logout", o.Token, nil); r.Status != 200 {
			t.Fatalf("logout: %s", r)
		}
		r := env.Do("GET", "/v1/users/me", o.Token, nil)
		if r.Status != 401 || r.Map()["detail"] != "The session has been signed out." {
			t.Errorf("revoked CLI token: %s", r)
		}
	})
	t.Run("MalformedHeader", func(t *testing.T) {
		req := env.NewRequest("GET", "/v1/projects", "", nil)
		req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
		if r := env.Send(req); r.Status != 401 {
			t.Errorf("basic auth: %s", r)
		}
	})
}

func TestMgmtKeyPowers(t *testing.T) {
	env := apptest.New(t)
	key := env.MgmtKey(env.Owner)

	r := env.Do("GET", "/api/api-keys", key, nil)
	if r.Status != 200 {
		t.Fatalf("list with key: %s", r)
	}
	var list struct {
		Keys []struct {
			ID         string  `json:"id"`
			LastUsedAt *string `json:"lastUsedAt"`
		} `json:"keys"`
	}
	r.JSON(&list)
	if len(list.Keys) != 1 || list.Keys[0].LastUsedAt == nil {
		t.Errorf("the key's own use is not recorded as lastUsedAt: %s", r.Body)
	}

	for _, tt := range []struct {
		name, method, path string
		body               any
		want               int
		format             string // "keychains" or "problem"
	}{
		{"CannotMintKeys", "POST", "/api/api-keys", map[string]string{"name": "child"}, 403, "keychains"},
		{"NoUserEndpoint", "GET", "/v1/users/me", nil, 403, "problem"},
		{"NoLogout", "POST", "/v1/auth/logout", nil, 403, "problem"},
		{"NoProjectWritesWithoutScope", "POST", "/v1/projects", map[string]string{"name": "nope"}, 403, "problem"},
		{"ReadsProjects", "GET", "/v1/projects", nil, 200, ""},
		{"ReadsAudit", "GET", "/api/audit-log", nil, 200, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(tt.method, tt.path, key, tt.body)
			if r.Status != tt.want {
				t.Fatalf("got %s, want %d", r, tt.want)
			}
			m := map[string]any{}
			if tt.format != "" {
				m = r.Map()
			}
			switch tt.format {
			case "keychains":
				if m["error"] != "forbidden" || m["error_description"] == "" {
					t.Errorf("not a Keychains error: %s", r.Body)
				}
			case "problem":
				if m["status"] != float64(tt.want) || m["code"] != "forbidden" || m["type"] == nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("not a problem: %s (%s)", r.Body, r.Header.Get("Content-Type"))
				}
			}
		})
	}

	t.Run("ScopeGrantsProjectWrites", func(t *testing.T) {
		k := env.MgmtKey(env.Owner, "write:projects")
		if r := env.Do("POST", "/v1/projects", k, map[string]string{"name": "scoped"}); r.Status != 201 {
			t.Errorf("with write:projects: %s", r)
		}
	})

	t.Run("Revoked", func(t *testing.T) {
		k := env.MgmtKey(env.Owner)
		var l struct {
			Keys []struct{ ID string } `json:"keys"`
		}
		env.Do("GET", "/api/api-keys?limit=1", k, nil).JSON(&l)
		id := l.Keys[0].ID
		if r := env.Do("DELETE", "/api/api-keys/"+id, env.Owner.Token, nil); r.Status != 200 || r.Map()["success"] != true {
			t.Fatalf("revoke: %s", r)
		}
		r := env.Do("GET", "/api/api-keys", k, nil)
		if r.Status != 401 || r.Map()["error_description"] != "The API key has been revoked." {
			t.Errorf("revoked key: %s", r)
		}
		if r := env.Do("DELETE", "/api/api-keys/"+id, env.Owner.Token, nil); r.Status != 404 {
			t.Errorf("second revoke: %s", r)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		r := env.Do("POST", "/api/api-keys", env.Owner.Token, map[string]any{"name": "short", "expirySeconds": 60})
		if r.Status != 201 {
			t.Fatalf("create: %s", r)
		}
		k := r.Map()["key"].(string)
		if r := env.Do("GET", "/api/api-keys", k, nil); r.Status != 200 {
			t.Fatalf("fresh key: %s", r)
		}
		env.Clock.Advance(61 * time.Second)
		defer env.Clock.Advance(-61 * time.Second)
		r = env.Do("GET", "/api/api-keys", k, nil)
		if r.Status != 401 || r.Map()["error_description"] != "The API key has expired." {
			t.Errorf("expired key: %s", r)
		}
	})

	t.Run("ExpiryBounds", func(t *testing.T) {
		for _, secs := range []any{0, -1, 2_592_001, "60", 1.5} {
			r := env.Do("POST", "/api/api-keys", env.Owner.Token, map[string]any{"name": "x", "expirySeconds": secs})
			if r.Status != 400 || r.Map()["error"] != "invalid" {
				t.Errorf("expirySeconds %v: %s", secs, r)
			}
		}
		r := env.Do("POST", "/api/api-keys", env.Owner.Token, map[string]any{"name": "default"})
		var k struct{ CreatedAt, ExpiresAt time.Time }
		r.JSON(&k)
		if got := k.ExpiresAt.Sub(k.CreatedAt); got != 30*24*time.Hour {
			t.Errorf("default expiry %v, want 30 days", got)
		}
	})
}

func TestRolePowers(t *testing.T) {
	env := apptest.New(t)
	viewer := env.AddUser(env.Owner, "viewer@one.test", keyhouse.RoleViewer)
	member := env.AddUser(env.Owner, "member@one.test", keyhouse.RoleMember)
	for _, tt := range []struct {
		who    apptest.Org
		method string
		path   string
		body   any
		want   int
	}{
		{viewer, "GET", "/v1/projects", nil, 200},
		{viewer, "POST", "/v1/projects", map[string]string{"name": "v"}, 403},
		{member, "POST", "/v1/projects", map[string]string{"name": "m"}, 403},
		{member, "POST", "/api/api-keys", map[string]string{"name": "m"}, 403},
		{member, "GET", "/api/audit-log", nil, 403},
		{env.Owner, "POST", "/v1/projects", map[string]string{"name": "o"}, 201},
	} {
		if r := env.Do(tt.method, tt.path, tt.who.Token, tt.body); r.Status != tt.want {
			t.Errorf("%s %s %s: %s, want %d", tt.who.Email, tt.method, tt.path, r, tt.want)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	env := apptest.New(t)
	for i := range 5 {
		r, _ := login(t, env, env.Owner.Email, "wrong-password-"+string(rune('a'+i)))
		if r.Status != 401 {
			t.Fatalf("attempt %d: %s", i+1, r)
		}
	}
	r, _ := login(t, env, env.Owner.Email, apptest.Password)
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt with the right password: %s (Retry-After %q), want 429", r, r.Header.Get("Retry-After"))
	}
	env.Clock.Advance(15 * time.Minute)
	if r, _ := login(t, env, env.Owner.Email, apptest.Password); r.Status != 200 {
		t.Errorf("after the window: %s", r)
	}
	// Per IP: failures spread over many accounts still stop at 20.
	for i := range 20 {
		r, _ := login(t, env, "nobody"+string(rune('a'+i))+"@x.test", "wrong-password")
		if r.Status != 401 {
			t.Fatalf("ip attempt %d: %s", i+1, r)
		}
	}
	if r, _ := login(t, env, env.Other.Email, apptest.Password); r.Status != 429 {
		t.Errorf("21st attempt from one IP: %s, want 429", r)
	}
	// An unknown email and a wrong password answer the same.
	env.Clock.Advance(15 * time.Minute)
	a, _ := login(t, env, "ghost@x.test", "whatever-password")
	b, _ := login(t, env, env.Other.Email, "whatever-password")
	if a.Status != b.Status || a.Map()["detail"] != b.Map()["detail"] {
		t.Errorf("unknown email %s vs wrong password %s", a, b)
	}
}

func TestRateLimitPerCredential(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *configT) { c.RateLimit = 3 }))
	for i := range 3 {
		r := env.Do("GET", "/v1/projects", env.Owner.Token, nil)
		if r.Status != 200 || r.Header.Get("X-RateLimit-Limit") != "3" || r.Header.Get("X-RateLimit-Remaining") != string(rune('0'+2-i)) {
			t.Fatalf("request %d: %s limit=%q remaining=%q", i+1, r, r.Header.Get("X-RateLimit-Limit"), r.Header.Get("X-RateLimit-Remaining"))
		}
	}
	r := env.Do("GET", "/api/api-keys", env.Owner.Token, nil)
	if r.Status != 429 || r.Header.Get("Retry-After") != "20" || r.Map()["error"] != "rate_limited" {
		t.Errorf("4th request: %s Retry-After=%q", r, r.Header.Get("Retry-After"))
	}
	if r := env.Do("GET", "/v1/projects", env.Other.Token, nil); r.Status != 200 {
		t.Errorf("another credential is limited too: %s", r)
	}
	if r := env.Do("GET", "/healthz", "", nil); r.Status != 200 {
		t.Errorf("health checks are limited: %s", r)
	}
}

// TestRateLimitAcrossNodes runs two servers on one Redis: a credential's
// budget is shared, so the second node refuses what the first used up.
func TestRateLimitAcrossNodes(t *testing.T) {
	url := os.Getenv("KEYHOUSE_TEST_REDIS_URL")
	if url == "" {
		t.Skip("set KEYHOUSE_TEST_REDIS_URL to run against Redis")
	}
	env := apptest.New(t, apptest.WithConfig(func(c *configT) { c.RateLimit = 2; c.RedisURL = url }))
	second, err := app.New(context.Background(), env.App.Config, slog.New(slog.DiscardHandler), app.Options{Clock: env.Clock})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	node2 := httptest.NewServer(second.Handler)
	defer node2.Close()
	get := func(base string) *http.Response {
		req, _ := http.NewRequest("GET", base+"/v1/projects", nil)
		req.Header.Set("Authorization", "Bearer "+env.Owner.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get(env.URL); r.StatusCode != 200 {
		t.Fatalf("node 1: %d", r.StatusCode)
	}
	if r := get(node2.URL); r.StatusCode != 200 || r.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("node 2: %d remaining %q", r.StatusCode, r.Header.Get("X-RateLimit-Remaining"))
	}
	if r := get(node2.URL); r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Errorf("third request across nodes: %d, want 429", r.StatusCode)
	}
}
