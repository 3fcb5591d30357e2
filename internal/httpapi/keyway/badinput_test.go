package keyway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
)

// TestBadInputIsKeywayProblem sends bad input to every secrets route and
// checks each answer is a 4xx RFC 7807 problem in Keyway's shape, and that
// nothing changed.
func TestBadInputIsKeywayProblem(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	mustPush(t, env, tok, "acme/api", "dev", map[string]string{"A": "1"})
	sec := listSecrets(t, env, tok, "acme/api")["dev/A"]
	s := "/v1/vaults/acme/api/secrets/" + sec.ID
	big := strings.Repeat("x", 64<<10+1)
	for _, tc := range []struct {
		name, method, path string
		body               any
		token              string
		want               int
	}{
		{"no credential", "GET", "/v1/vaults", nil, "-", 401},
		{"bad limit", "GET", "/v1/vaults?limit=0", nil, tok, 422},
		{"huge limit", "GET", "/v1/vaults?limit=101", nil, tok, 422},
		{"negative offset", "GET", "/v1/vaults/acme/api/secrets?offset=-1", nil, tok, 422},
		{"vault malformed json", "POST", "/v1/vaults", `{"repoFullName":`, tok, 400},
		{"vault unknown field", "POST", "/v1/vaults", map[string]string{"repoFullName": "a/b", "x": "y"}, tok, 422},
		{"vault bad name", "POST", "/v1/vaults", map[string]string{"repoFullName": "no-slash"}, tok, 422},
		{"vault long owner", "POST", "/v1/vaults", map[string]string{"repoFullName": strings.Repeat("o", 40) + "/r"}, tok, 422},
		{"vault wrong type", "POST", "/v1/vaults", `{"repoFullName": 5}`, tok, 422},
		{"vault not json", "POST", "/v1/vaults", "repoFullName=a/b", tok, 400},
		{"secret lowercase key", "POST", "/v1/vaults/acme/api/secrets", map[string]string{"key": "lower", "value": "v", "environment": "dev"}, tok, 422},
		{"secret missing value", "POST", "/v1/vaults/acme/api/secrets", map[string]string{"key": "K", "environment": "dev"}, tok, 422},
		{"secret missing key", "POST", "/v1/vaults/acme/api/secrets", map[string]string{"value": "v", "environment": "dev"}, tok, 422},
		{"secret too large", "POST", "/v1/vaults/acme/api/secrets", map[string]string{"key": "K", "value": big, "environment": "dev"}, tok, 422},
		{"secret unknown env", "POST", "/v1/vaults/acme/api/secrets", map[string]string{"key": "K", "value": "v", "environment": "nope"}, tok, 404},
		{"secret default env absent", "POST", "/v1/vaults/acme/api/secrets", map[string]string{"key": "K", "value": "v"}, tok, 404},
		{"patch nothing", "PATCH", s, map[string]string{}, tok, 422},
		{"patch bad name", "PATCH", s, map[string]string{"name": "bad-name"}, tok, 422},
		{"patch unknown id", "PATCH", "/v1/vaults/acme/api/secrets/sec_01h2xcejqtf2nbrexx3vqjhp41", map[string]string{"value": "x"}, tok, 404},
		{"value unknown id", "GET", "/v1/vaults/acme/api/secrets/zzz/value", nil, tok, 404},
		{"version bad id", "GET", s + "/versions/nope/value", nil, tok, 404},
		{"restore bad version", "POST", s + "/versions/secv_01h2xcejqtf2nbrexx3vqjhp41/restore", nil, tok, 404},
		{"trash restore live", "POST", "/v1/vaults/acme/api/trash/" + sec.ID + "/restore", nil, tok, 404},
		{"trash delete live", "DELETE", "/v1/vaults/acme/api/trash/" + sec.ID, nil, tok, 404},
		{"push no secrets", "POST", "/v1/secrets/push", map[string]any{"repoFullName": "acme/api", "environment": "dev"}, tok, 422},
		{"push bad key", "POST", "/v1/secrets/push", map[string]any{"repoFullName": "acme/api", "environment": "dev", "secrets": map[string]string{"a-b": "1"}}, tok, 422},
		{"push bad repo", "POST", "/v1/secrets/push", map[string]any{"repoFullName": "x", "environment": "dev", "secrets": map[string]string{}}, tok, 422},
		{"push unknown env", "POST", "/v1/secrets/push", map[string]any{"repoFullName": "acme/api", "environment": "nope", "secrets": map[string]string{}}, tok, 422},
		{"push unknown vault", "POST", "/v1/secrets/push", map[string]any{"repoFullName": "acme/none", "environment": "dev", "secrets": map[string]string{}}, tok, 404},
		{"push values not strings", "POST", "/v1/secrets/push", `{"repoFullName":"acme/api","environment":"dev","secrets":{"A":1}}`, tok, 422},
		{"pull no repo", "GET", "/v1/secrets/pull", nil, tok, 422},
		{"pull bad limit", "GET", "/v1/secrets/pull?repo=acme/api&environment=dev&limit=1001", nil, tok, 422},
		{"pull offset without limit", "GET", "/v1/secrets/pull?repo=acme/api&environment=dev&offset=1", nil, tok, 422},
		{"pull empty env", "GET", "/v1/secrets/pull?repo=acme/api&environment=staging", nil, tok, 404},
		{"view no key", "GET", "/v1/secrets/view?repo=acme/api&environment=dev", nil, tok, 422},
		{"view unknown key", "GET", "/v1/secrets/view?repo=acme/api&environment=dev&key=NOPE", nil, tok, 404},
		{"env bad name", "POST", "/v1/vaults/acme/api/environments", map[string]string{"name": "Bad Name"}, tok, 422},
		{"env one char", "POST", "/v1/vaults/acme/api/environments", map[string]string{"name": "a"}, tok, 422},
		{"env exists", "POST", "/v1/vaults/acme/api/environments", map[string]string{"name": "dev"}, tok, 409},
		{"env rename bad", "PATCH", "/v1/vaults/acme/api/environments/dev", map[string]string{"newName": "9x"}, tok, 422},
		{"env rename unknown", "PATCH", "/v1/vaults/acme/api/environments/nope", map[string]string{"newName": "ok"}, tok, 404},
		{"env delete unknown", "DELETE", "/v1/vaults/acme/api/environments/nope", nil, tok, 404},
		{"permissions bad role", "PUT", "/v1/vaults/acme/api/permissions/dev", map[string]any{"permissions": map[string]string{"read": "god"}}, tok, 422},
		{"permissions unknown env", "PUT", "/v1/vaults/acme/api/permissions/nope", map[string]any{"permissions": map[string]string{"read": "admin"}}, tok, 404},
		{"activity bad limit", "GET", "/v1/activity?limit=abc", nil, tok, 422},
		{"device poll empty", "POST", "/v1/auth/device/poll", map[string]string{}, "-", 422},
		{"device poll unknown field", "POST", "/v1/auth/device/poll", map[string]string{"device_code": "x"}, "-", 422},
		{"device start bad json", "POST", "/v1/auth/device/start", `{`, "-", 400},
		{"device start long repo", "POST", "/v1/auth/device/start", map[string]string{"repository": strings.Repeat("r", 201)}, "-", 422},
		{"device approve no session", "POST", "/v1/auth/device/approve", map[string]string{"userCode": "AAAAA-AAAAA"}, "-", 401},
		{"delete unknown vault", "DELETE", "/v1/vaults/acme/none", nil, tok, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := tc.token
			if token == "-" {
				token = ""
			}
			r := env.Do(tc.method, tc.path, token, tc.body)
			if r.Status != tc.want {
				t.Fatalf("status = %s, want %d", r, tc.want)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type = %q", ct)
			}
			m := r.Map()
			for _, k := range []string{"type", "title", "status", "detail", "traceId"} {
				if m[k] == nil || m[k] == "" {
					t.Errorf("problem has no %s: %s", k, r.Body)
				}
			}
			if m["status"] != float64(tc.want) {
				t.Errorf("body status = %v", m["status"])
			}
			if tc.want == 422 && !strings.HasSuffix(m["type"].(string), "/validation-error") {
				t.Errorf("422 type = %v", m["type"])
			}
		})
	}
	// Nothing above changed the vault.
	if got := pull(t, env, tok, "acme/api", "dev"); len(got) != 1 || got["A"] != "1" {
		t.Errorf("after bad input dev = %v", got)
	}
	if r := env.Do("GET", "/v1/vaults/acme/api/environments", tok, nil); !strings.Contains(string(r.Body), `"local","dev","staging","production"]`) {
		t.Errorf("environments changed: %s", r)
	}
	_ = http.StatusOK
}
