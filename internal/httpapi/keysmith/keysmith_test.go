package keysmith_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type created struct {
	Key struct {
		ID    string `json:"id"`
		State string `json:"state"`
	} `json:"key"`
	RawKey string `json:"raw_key"`
}

func mustCreate(t *testing.T, env *apptest.Env, body any) created {
	t.Helper()
	r := env.Do("POST", "/v1/keys", env.Owner.Token, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create key: %s", r)
	}
	var c created
	r.JSON(&c)
	return c
}

func TestKeyLifecycleOverHTTP(t *testing.T) {
	env := apptest.New(t)
	tok := env.Owner.Token
	if r := env.Do("POST", "/v1/scopes", tok, map[string]any{"name": "read:users"}); r.Status != 201 {
		t.Fatalf("create scope: %s", r)
	}
	c := mustCreate(t, env, map[string]any{"name": "svc", "scopes": []string{"read:users"}, "environment": "test"})
	if !strings.HasPrefix(c.RawKey, "sk_test_") || c.Key.State != "active" {
		t.Fatalf("created %+v", c)
	}
	verifier := env.MgmtKey(env.Owner, "verify:keys")
	v := env.Do("POST", "/v1/keys/validate", verifier, map[string]any{"raw_key": c.RawKey, "required_scopes": []string{"read:users"}})
	if v.Status != 200 || v.Map()["valid"] != true {
		t.Fatalf("validate: %s", v)
	}
	for _, tt := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/keys/" + c.Key.ID + "/suspend", 204, "suspended"},
		{"/v1/keys/" + c.Key.ID + "/reactivate", 204, ""},
		{"/v1/keys/" + c.Key.ID + "/revoke", 204, "revoked"},
	} {
		if r := env.Do("POST", tt.path, tok, nil); r.Status != tt.status {
			t.Fatalf("%s: %s", tt.path, r)
		}
		v := env.Do("POST", "/v1/keys/validate", verifier, map[string]any{"raw_key": c.RawKey})
		m := v.Map()
		want := 200
		if tt.code != "" {
			want = 403
		}
		if v.Status != want || (tt.code != "" && (m["valid"] != false || m["code"] != tt.code)) {
			t.Fatalf("after %s: %s", tt.path, v)
		}
	}
	if r := env.Do("POST", "/v1/keys/"+c.Key.ID+"/reactivate", tok, nil); r.Status != 409 {
		t.Fatalf("reactivate revoked: %s", r)
	}
	v = env.Do("POST", "/v1/keys/validate", verifier, map[string]any{"raw_key": "sk_live_nope"})
	if v.Status != 401 || v.Map()["code"] != "malformed" {
		t.Fatalf("malformed: %s", v)
	}
	// A key without verify:keys may not validate.
	if r := env.Do("POST", "/v1/keys/validate", env.MgmtKey(env.Owner, "read:keys"), map[string]any{"raw_key": c.RawKey}); r.Status != 403 {
		t.Fatalf("validate without verify:keys: %s", r)
	}
	// Another organization sees nothing.
	if r := env.Do("GET", "/v1/keys/"+c.Key.ID, env.Other.Token, nil); r.Status != 404 {
		t.Fatalf("cross-tenant get: %s", r)
	}
}

func TestRotateAndCrossSurface(t *testing.T) {
	env := apptest.New(t)
	tok := env.Owner.Token
	c := mustCreate(t, env, map[string]any{"name": "svc"})
	r := env.Do("POST", "/v1/keys/"+c.Key.ID+"/rotate", tok, map[string]any{"grace_period": "1h"})
	if r.Status != 200 {
		t.Fatalf("rotate: %s", r)
	}
	var rot created
	r.JSON(&rot)
	if rot.Key.ID == c.Key.ID || rot.RawKey == c.RawKey {
		t.Fatalf("rotation kept the key: %+v", rot)
	}
	verifier := env.MgmtKey(env.Owner, "verify:keys")
	valid := func(raw string) int {
		return env.Do("POST", "/v1/keys/validate", verifier, map[string]any{"raw_key": raw}).Status
	}
	if valid(c.RawKey) != 200 || valid(rot.RawKey) != 200 {
		t.Fatal("both keys should work during grace")
	}
	env.Clock.Advance(time.Hour)
	if got := valid(c.RawKey); got != 403 {
		t.Fatalf("old key after grace: %d", got)
	}
	// The project-key surface sees, rotates and revokes the same key.
	proj := env.Do("GET", "/v1/keys/"+rot.Key.ID, tok, nil).Map()["app_id"].(string)
	list := env.Do("GET", "/v1/api-keys?project_id="+proj, tok, nil)
	if list.Status != 200 || !strings.Contains(string(list.Body), rot.Key.ID) {
		t.Fatalf("api-keys list: %s", list)
	}
	pr := env.Do("POST", "/v1/api-keys/"+rot.Key.ID+"/rotate", tok, map[string]any{"grace_period_minutes": 0})
	m := pr.Map()
	if pr.Status != 201 || m["old_key_id"] != rot.Key.ID || m["key"] == nil {
		t.Fatalf("api-keys rotate: %s", pr)
	}
	if r := env.Do("DELETE", "/v1/api-keys/"+m["new_key_id"].(string), tok, nil); r.Status != 200 || r.Map()["status"] != "revoked" {
		t.Fatalf("api-keys revoke: %s", r)
	}
	if got := env.Do("GET", "/v1/keys/"+m["new_key_id"].(string), tok, nil).Map()["state"]; got != "revoked" {
		t.Fatalf("keysmith sees state %v", got)
	}
	// Raw keys appear only in the create and rotate answers, never in logs.
	for _, path := range []string{"/v1/keys", "/v1/keys/" + c.Key.ID, "/v1/keys/" + c.Key.ID + "/rotations", "/v1/api-keys?project_id=" + proj} {
		body := string(env.Do("GET", path, tok, nil).Body)
		for _, raw := range []string{c.RawKey, rot.RawKey, m["key"].(string)} {
			if strings.Contains(body, raw) {
				t.Fatalf("%s leaks a raw key", path)
			}
		}
	}
	for _, raw := range []string{c.RawKey, rot.RawKey, m["key"].(string)} {
		if strings.Contains(env.Logs.String(), raw) {
			t.Fatal("logs contain a raw key")
		}
	}
}

func TestBadInputIs4xx(t *testing.T) {
	env := apptest.New(t)
	tok := env.Owner.Token
	c := mustCreate(t, env, map[string]any{})
	for _, tt := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/v1/keys/kpol_01h2xcejqtf2nbrexx3vqjhp41", nil, 400},
		{"GET", "/v1/keys/nonsense", nil, 400},
		{"GET", "/v1/keys/akey_01h2xcejqtf2nbrexx3vqjhp41", nil, 404},
		{"GET", "/v1/keys?limit=ten", nil, 400},
		{"GET", "/v1/keys?state=bogus", nil, 400},
		{"POST", "/v1/keys", map[string]any{"bogus": 1}, 400},
		{"POST", "/v1/keys", map[string]any{"prefix": "Bad-Prefix"}, 400},
		{"POST", "/v1/keys", map[string]any{"scopes": []string{"unregistered"}}, 422},
		{"POST", "/v1/keys", map[string]any{"policy_id": "kpol_01h2xcejqtf2nbrexx3vqjhp41"}, 400},
		{"POST", "/v1/keys", "not an object", 400},
		{"POST", "/v1/keys/" + c.Key.ID + "/rotate", map[string]any{"grace_period": "soon"}, 400},
		{"POST", "/v1/keys/" + c.Key.ID + "/scopes", map[string]any{"scopes": []string{}}, 400},
		{"POST", "/v1/keys/" + c.Key.ID + "/scopes", map[string]any{"scopes": []string{"unregistered"}}, 422},
		{"POST", "/v1/keys/validate", map[string]any{}, 401},
		{"POST", "/v1/keys/validate", map[string]any{"raw_key": 5}, 400},
		{"GET", "/v1/keys/" + c.Key.ID + "/usage?from=yesterday", nil, 400},
		{"GET", "/v1/keys/" + c.Key.ID + "/usage/aggregate?period=week", nil, 400},
		{"GET", "/v1/usage?granularity=yearly", nil, 400},
		{"POST", "/v1/policies", map[string]any{"name": "p", "rate_limit_window": "often"}, 400},
		{"POST", "/v1/policies", map[string]any{"name": "p", "allowed_ips": []string{"10.0.0.0/99"}}, 400},
		{"POST", "/v1/policies", map[string]any{}, 400},
		{"PUT", "/v1/policies/akey_01h2xcejqtf2nbrexx3vqjhp41", map[string]any{"name": "p"}, 400},
		{"DELETE", "/v1/scopes/bad", nil, 400},
		{"POST", "/v1/scopes", map[string]any{"name": ""}, 400},
		{"GET", "/v1/api-keys", nil, 400},
		{"POST", "/v1/api-keys", map[string]any{"name": "x", "scopes": []string{"a"}}, 400},
		{"POST", "/v1/api-keys", map[string]any{"project_id": "proj_01h2xcejqtf2nbrexx3vqjhp41", "scopes": []string{"a"}}, 422},
		{"POST", "/v1/api-keys/" + c.Key.ID + "/rotate", map[string]any{"grace_period_minutes": 10081}, 400},
		{"GET", "/v1/api-keys/expiring-soon?project_id=x&within_days=366", nil, 422},
		{"GET", "/v1/webhooks/deliveries?limit=0", nil, 422},
	} {
		r := env.Do(tt.method, tt.path, tok, tt.body)
		if r.Status != tt.status {
			t.Errorf("%s %s: %s, want %d", tt.method, tt.path, r, tt.status)
			continue
		}
		if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
			t.Errorf("%s %s: content type %q", tt.method, tt.path, ct)
		}
		if tt.status != 401 {
			if code, _ := r.Map()["code"].(string); code == "" || code == string(keyhouse.EINTERNAL) {
				t.Errorf("%s %s: no code in %s", tt.method, tt.path, r)
			}
		}
	}
}

// Keysmith's handlers clamp limit rather than refuse it (reference §5), and
// policies answer with the seed's field names beside the code's (SPEC §2).
func TestListLimitClampAndPolicyNames(t *testing.T) {
	env := apptest.New(t)
	tok := env.Owner.Token
	for range 52 {
		mustCreate(t, env, map[string]any{})
	}
	for _, tt := range []struct {
		q    string
		want int
	}{{"", 50}, {"?limit=-1", 50}, {"?limit=0", 50}, {"?limit=5000", 52}, {"?limit=3", 3}, {"?limit=5000&offset=50", 2}} {
		var list []map[string]any
		r := env.Do("GET", "/v1/keys"+tt.q, tok, nil)
		r.JSON(&list)
		if r.Status != 200 || len(list) != tt.want {
			t.Errorf("GET /v1/keys%s: %d keys (%d), want %d", tt.q, len(list), r.Status, tt.want)
		}
	}
	r := env.Do("POST", "/v1/policies", tok, map[string]any{"name": "p", "rate_limit": 10, "rate_window": "1m", "max_key_age": "720h"})
	if r.Status != 201 {
		t.Fatalf("create policy: %s", r)
	}
	m := r.Map()
	if m["rate_window"] != "1m0s" || m["rate_limit_window"] != "1m0s" || m["max_key_age"] != "720h0m0s" || m["max_key_lifetime"] != "720h0m0s" {
		t.Fatalf("policy answer %v", m)
	}
}
