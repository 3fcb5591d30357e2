package keyway_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

type deviceStart struct {
	DeviceCode              string `json:"deviceCode"`
	UserCode                string `json:"userCode"`
	VerificationURI         string `json:"verificationUri"`
	VerificationURIComplete string `json:"verificationUriComplete"`
	ExpiresIn               int    `json:"expiresIn"`
	Interval                int    `json:"interval"`
	Data                    struct {
		DeviceCode string `json:"deviceCode"`
		UserCode   string `json:"userCode"`
	} `json:"data"`
}

type devicePoll struct {
	Status      string `json:"status"`
	KeywayToken string `json:"keywayToken"`
	Error       string `json:"error"`
	Data        struct {
		Status      string `json:"status"`
		KeywayToken string `json:"keywayToken"`
	} `json:"data"`
}

func startDevice(t *testing.T, env *apptest.Env) deviceStart {
	t.Helper()
	r := env.Do("POST", "/v1/auth/device/start", "", map[string]string{"repository": "acme/api"})
	if r.Status != http.StatusOK {
		t.Fatalf("start: %s", r)
	}
	var d deviceStart
	r.JSON(&d)
	return d
}

func poll(t *testing.T, env *apptest.Env, code string, want int) devicePoll {
	t.Helper()
	r := env.Do("POST", "/v1/auth/device/poll", "", map[string]string{"deviceCode": code})
	if r.Status != want {
		t.Fatalf("poll = %s, want %d", r, want)
	}
	var p devicePoll
	r.JSON(&p)
	if p.Status != p.Data.Status {
		t.Errorf("top-level status %q, data status %q", p.Status, p.Data.Status)
	}
	return p
}

// browserSession signs in the way the dashboard does and returns the cookie.
func browserSession(t *testing.T, env *apptest.Env, email string) *http.Cookie {
	t.Helper()
	r := env.Do("POST", "/v1/auth/login", "", map[string]string{"email": email, "password": apptest.Password})
	if r.Status != http.StatusOK {
		t.Fatalf("login: %s", r)
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == httpapi.SessionCookie {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func decide(env *apptest.Env, cookie *http.Cookie, verb, code string) *apptest.Response {
	req := env.NewRequest("POST", "/v1/auth/device/"+verb, "", map[string]string{"userCode": code})
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return env.Send(req)
}

func TestDeviceFlowEndToEnd(t *testing.T) {
	t.Parallel()
	// Poll answers 400 and 403 with Keyway's status bodies, not problems.
	env := apptest.New(t, apptest.WithoutSpecCheck())
	d := startDevice(t, env)
	if len(d.DeviceCode) != 64 || len(d.UserCode) != 11 || d.UserCode[5] != '-' || d.ExpiresIn != 900 || d.Interval != 5 {
		t.Errorf("start = %+v", d)
	}
	if d.Data.DeviceCode != d.DeviceCode || d.Data.UserCode != d.UserCode {
		t.Errorf("data envelope differs from top level: %+v", d)
	}
	if !strings.HasSuffix(d.VerificationURI, "/device") || d.VerificationURIComplete != d.VerificationURI+"?user_code="+d.UserCode {
		t.Errorf("verification URIs = %q, %q", d.VerificationURI, d.VerificationURIComplete)
	}
	if p := poll(t, env, d.DeviceCode, http.StatusOK); p.Status != "pending" || p.KeywayToken != "" {
		t.Errorf("poll before approval = %+v", p)
	}
	// A CLI token or an API key cannot approve: only a dashboard session.
	if r := env.Do("POST", "/v1/auth/device/approve", env.Owner.Token, map[string]string{"userCode": d.UserCode}); r.Status != http.StatusForbidden {
		t.Errorf("approve with a CLI token = %s", r)
	}
	if r := decide(env, nil, "approve", d.UserCode); r.Status != http.StatusUnauthorized {
		t.Errorf("approve anonymously = %s", r)
	}
	cookie := browserSession(t, env, env.Owner.Email)
	// The page's lookup understands a code typed in lower case without the dash.
	lk := env.NewRequest("GET", "/v1/auth/device/lookup?user_code="+strings.ToLower(strings.ReplaceAll(d.UserCode, "-", "")), "", nil)
	lk.AddCookie(cookie)
	if r := env.Send(lk); r.Status != http.StatusOK || !strings.Contains(string(r.Body), d.UserCode) {
		t.Errorf("lookup = %s", r)
	}
	if r := decide(env, cookie, "approve", d.UserCode); r.Status != http.StatusOK {
		t.Fatalf("approve = %s", r)
	}
	p := poll(t, env, d.DeviceCode, http.StatusOK)
	if p.Status != "approved" || !strings.HasPrefix(p.KeywayToken, "khc_") || p.Data.KeywayToken != p.KeywayToken {
		t.Fatalf("poll after approval = %+v", p)
	}
	if r := env.Do("GET", "/v1/users/me", p.KeywayToken, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), env.Owner.Email) {
		t.Errorf("me with the device token = %s", r)
	}
	// The code gave its token; polling again gets nothing.
	if p := poll(t, env, d.DeviceCode, http.StatusBadRequest); p.Status != "expired" || p.Error != "device_code_expired" || p.KeywayToken != "" {
		t.Errorf("reused code = %+v", p)
	}
	if r := decide(env, cookie, "approve", d.UserCode); r.Status != http.StatusNotFound {
		t.Errorf("approving a used code = %s", r)
	}

	// Denied.
	d2 := startDevice(t, env)
	if r := decide(env, cookie, "deny", d2.UserCode); r.Status != http.StatusOK {
		t.Fatalf("deny = %s", r)
	}
	if p := poll(t, env, d2.DeviceCode, http.StatusForbidden); p.Status != "denied" || p.Error != "authorization_denied" {
		t.Errorf("denied poll = %+v", p)
	}

	// Expired.
	d3 := startDevice(t, env)
	env.Clock.Advance(15*time.Minute + time.Second)
	if r := decide(env, cookie, "approve", d3.UserCode); r.Status != http.StatusNotFound {
		t.Errorf("approving an expired code = %s", r)
	}
	if p := poll(t, env, d3.DeviceCode, http.StatusBadRequest); p.Status != "expired" {
		t.Errorf("expired poll = %+v", p)
	}
	if r := env.Do("POST", "/v1/auth/device/poll", "", map[string]string{"deviceCode": strings.Repeat("0", 64)}); r.Status != http.StatusNotFound {
		t.Errorf("unknown device code = %s", r)
	}
}

func TestDeviceVerificationIsRateLimited(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, apptest.WithoutSpecCheck())
	cookie := browserSession(t, env, env.Owner.Email)
	var last *apptest.Response
	for range 6 {
		last = decide(env, cookie, "approve", "AAAAA-AAAAA")
	}
	if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("6th guess = %s", last)
	}
}
