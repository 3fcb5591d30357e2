package keyway_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/dotenv"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

type envelope[T any] struct {
	Data T `json:"data"`
	Meta struct {
		RequestID  string `json:"requestId"`
		Pagination *struct {
			Total, Limit, Offset int
			HasMore              bool
		} `json:"pagination"`
	} `json:"meta"`
}

func decode[T any](t *testing.T, r *apptest.Response, want int) T {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status = %d, want %d: %s", r.Status, want, r.Body)
	}
	var e envelope[T]
	r.JSON(&e)
	if e.Meta.RequestID == "" {
		t.Errorf("no meta.requestId in %s", r.Body)
	}
	return e.Data
}

func mustVault(t *testing.T, env *apptest.Env, token, name string) {
	t.Helper()
	r := env.Do("POST", "/v1/vaults", token, map[string]string{"repoFullName": name})
	if r.Status != http.StatusCreated {
		t.Fatalf("create vault %s: %s", name, r)
	}
}

func mustPush(t *testing.T, env *apptest.Env, token, vault, envName string, secrets map[string]string) map[string]int {
	t.Helper()
	r := env.Do("POST", "/v1/secrets/push", token, map[string]any{"repoFullName": vault, "environment": envName, "secrets": secrets})
	out := decode[struct {
		Success bool           `json:"success"`
		Stats   map[string]int `json:"stats"`
	}](t, r, http.StatusOK)
	return out.Stats
}

type secretItem struct {
	ID          string `json:"id"`
	Key         string `json:"key"`
	Environment string `json:"environment"`
}

func listSecrets(t *testing.T, env *apptest.Env, token, vault string) map[string]secretItem {
	t.Helper()
	items := decode[[]secretItem](t, env.Do("GET", "/v1/vaults/"+vault+"/secrets?limit=100", token, nil), http.StatusOK)
	out := map[string]secretItem{}
	for _, it := range items {
		out[it.Environment+"/"+it.Key] = it
	}
	return out
}

func pull(t *testing.T, env *apptest.Env, token, vault, envName string) map[string]string {
	t.Helper()
	r := env.Do("GET", "/v1/secrets/pull?repo="+url.QueryEscape(vault)+"&environment="+envName, token, nil)
	out := decode[struct {
		Content string `json:"content"`
	}](t, r, http.StatusOK)
	entries, err := dotenv.Parse(strings.NewReader(out.Content))
	if err != nil {
		t.Fatalf("pulled content does not parse: %v\n%s", err, out.Content)
	}
	m := map[string]string{}
	for _, e := range entries {
		m[e.Key] = e.Value
	}
	return m
}

// nasty holds the values a .env round trip most often breaks.
var nasty = map[string]string{
	"PLAIN":        "value",
	"EMPTY":        "",
	"SPACES":       "  leading and trailing  ",
	"HASH":         "a#b # not a comment",
	"DQUOTE":       `say "hi"`,
	"SQUOTE":       "it's",
	"MULTILINE":    "line one\nline two\r\nline three",
	"UNICODE":      "héllo wörld ✓ 日本",
	"EQUALS":       "a=b=c",
	"BACKSLASH":    `C:\dir\n\t`,
	"DOLLAR":       "$HOME ${PATH}",
	"BACKTICK":     "`whoami`",
	"TAB":          "a\tb",
	"JSON":         `{"k": ["v", 1]}`,
	"PEM":          "-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n",
	"EXPORT_ISH":   "export FOO=bar",
	"TRAILING_BSL": `ends with \`,
}

func TestPushPullRoundTrip(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	stats := mustPush(t, env, tok, "acme/api", "dev", nasty)
	if stats["created"] != len(nasty) || stats["updated"] != 0 || stats["deleted"] != 0 {
		t.Errorf("stats = %v, want %d created", stats, len(nasty))
	}
	got := pull(t, env, tok, "acme/api", "dev")
	if diff := cmp.Diff(nasty, got); diff != "" {
		t.Errorf("pull mismatch (-want +got):\n%s", diff)
	}
}

func TestPushIsFullSync(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	mustPush(t, env, tok, "acme/api", "production", map[string]string{"A": "1", "B": "2", "C": "3"})
	stats := mustPush(t, env, tok, "acme/api", "production", map[string]string{"A": "1", "B": "changed", "D": "4"})
	if diff := cmp.Diff(map[string]int{"created": 1, "updated": 1, "deleted": 1}, stats); diff != "" {
		t.Errorf("stats mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"A": "1", "B": "changed", "D": "4"}, pull(t, env, tok, "acme/api", "production")); diff != "" {
		t.Errorf("pull mismatch (-want +got):\n%s", diff)
	}
	trash := decode[[]struct {
		Key           string `json:"key"`
		DaysRemaining int    `json:"daysRemaining"`
	}](t, env.Do("GET", "/v1/vaults/acme/api/trash", tok, nil), http.StatusOK)
	if len(trash) != 1 || trash[0].Key != "C" || trash[0].DaysRemaining != 30 {
		t.Errorf("trash = %+v, want C with 30 days", trash)
	}
	// Other environments are untouched by a push.
	mustPush(t, env, tok, "acme/api", "dev", map[string]string{"X": "x"})
	if got := pull(t, env, tok, "acme/api", "production"); len(got) != 3 {
		t.Errorf("production after dev push = %v", got)
	}
}

func TestTrashAndVersionRestore(t *testing.T) {
	t.Parallel()
	// The upsert answers 200 or 201 with one body; the route table has one
	// success status per route, so the spec check would refuse the 200.
	env := apptest.New(t, apptest.WithoutSpecCheck())
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	r := env.Do("POST", "/v1/vaults/acme/api/secrets", tok, map[string]string{"key": "DB_URL", "value": "v1", "environment": "dev"})
	created := decode[struct{ ID, Status, Key, Environment string }](t, r, http.StatusCreated)
	if created.Status != "created" || created.Key != "DB_URL" || created.Environment != "dev" {
		t.Errorf("status = %q", created.Status)
	}
	r = env.Do("POST", "/v1/vaults/acme/api/secrets", tok, map[string]string{"key": "DB_URL", "value": "v2", "environment": "dev"})
	if up := decode[struct{ ID, Status string }](t, r, http.StatusOK); up.Status != "updated" || up.ID != created.ID {
		t.Errorf("upsert = %+v", up)
	}
	base := "/v1/vaults/acme/api/secrets/" + created.ID

	versions := decode[[]struct {
		ID            string `json:"id"`
		VersionNumber int    `json:"versionNumber"`
	}](t, env.Do("GET", base+"/versions", tok, nil), http.StatusOK)
	if len(versions) != 2 || versions[0].VersionNumber != 2 || versions[1].VersionNumber != 1 {
		t.Fatalf("versions = %+v", versions)
	}
	v1 := versions[1].ID
	vv := decode[struct {
		Value         string `json:"value"`
		VersionNumber int    `json:"versionNumber"`
	}](t, env.Do("GET", base+"/versions/"+v1+"/value", tok, nil), http.StatusOK)
	if vv.Value != "v1" || vv.VersionNumber != 1 {
		t.Errorf("version value = %+v", vv)
	}
	rest := decode[struct {
		Message       string `json:"message"`
		VersionNumber int    `json:"versionNumber"`
	}](t, env.Do("POST", base+"/versions/"+v1+"/restore", tok, nil), http.StatusOK)
	if rest.Message != "Restored to version 1" {
		t.Errorf("restore = %+v", rest)
	}
	if got := pull(t, env, tok, "acme/api", "dev")["DB_URL"]; got != "v1" {
		t.Errorf("after version restore DB_URL = %q, want v1", got)
	}

	del := decode[struct {
		Message   string `json:"message"`
		ExpiresAt string `json:"expiresAt"`
	}](t, env.Do("DELETE", base, tok, nil), http.StatusOK)
	if del.Message != "Secret moved to trash" {
		t.Errorf("delete = %+v", del)
	}
	if r := env.Do("GET", base+"/value", tok, nil); r.Status != http.StatusNotFound {
		t.Errorf("value of trashed secret: %s", r)
	}
	// A new live secret with the same key blocks the restore (409).
	env.Do("POST", "/v1/vaults/acme/api/secrets", tok, map[string]string{"key": "DB_URL", "value": "other", "environment": "dev"})
	if r := env.Do("POST", "/v1/vaults/acme/api/trash/"+created.ID+"/restore", tok, nil); r.Status != http.StatusConflict {
		t.Errorf("restore over live key: %s", r)
	}
	live := listSecrets(t, env, tok, "acme/api")["dev/DB_URL"]
	env.Do("DELETE", "/v1/vaults/acme/api/secrets/"+live.ID, tok, nil)
	env.Do("DELETE", "/v1/vaults/acme/api/trash/"+live.ID, tok, nil)
	res := decode[struct{ Message string }](t, env.Do("POST", "/v1/vaults/acme/api/trash/"+created.ID+"/restore", tok, nil), http.StatusOK)
	if res.Message != "Secret restored from trash" {
		t.Errorf("restore = %+v", res)
	}
	if got := pull(t, env, tok, "acme/api", "dev")["DB_URL"]; got != "v1" {
		t.Errorf("after trash restore DB_URL = %q, want v1", got)
	}
	empty := decode[struct {
		Deleted int    `json:"deleted"`
		Message string `json:"message"`
	}](t, env.Do("DELETE", "/v1/vaults/acme/api/trash", tok, nil), http.StatusOK)
	if empty.Deleted != 0 || empty.Message != "Trash is already empty" {
		t.Errorf("empty trash = %+v", empty)
	}
}

func TestEnvironmentRenameMovesSecrets(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	envs := decode[struct{ Environments []string }](t, env.Do("GET", "/v1/vaults/acme/api/environments", tok, nil), http.StatusOK)
	if diff := cmp.Diff([]string{"local", "dev", "staging", "production"}, envs.Environments); diff != "" {
		t.Errorf("default environments (-want +got):\n%s", diff)
	}
	mustPush(t, env, tok, "acme/api", "staging", map[string]string{"K": "v"})
	r := env.Do("PATCH", "/v1/vaults/acme/api/environments/staging", tok, map[string]string{"newName": "preprod"})
	ren := decode[struct {
		OldName, NewName string
		Environments     []string
	}](t, r, http.StatusOK)
	if ren.OldName != "staging" || ren.NewName != "preprod" || !strings.Contains(strings.Join(ren.Environments, ","), "preprod") {
		t.Errorf("rename = %+v", ren)
	}
	if got := pull(t, env, tok, "acme/api", "preprod"); got["K"] != "v" {
		t.Errorf("preprod = %v", got)
	}
	if r := env.Do("GET", "/v1/secrets/pull?repo=acme/api&environment=staging", tok, nil); r.Status != http.StatusNotFound {
		t.Errorf("old name still pulls: %s", r)
	}
	if r := env.Do("PATCH", "/v1/vaults/acme/api/environments/preprod", tok, map[string]string{"newName": "dev"}); r.Status != http.StatusConflict {
		t.Errorf("rename onto existing: %s", r)
	}
	c := decode[struct {
		Environment  string
		Environments []string
	}](t, env.Do("POST", "/v1/vaults/acme/api/environments", tok, map[string]string{"name": "qa"}), http.StatusCreated)
	if c.Environment != "qa" || len(c.Environments) != 5 {
		t.Errorf("create env = %+v", c)
	}
	for _, n := range []string{"local", "dev", "preprod", "production"} {
		if r := env.Do("DELETE", "/v1/vaults/acme/api/environments/"+n, tok, nil); r.Status != http.StatusOK {
			t.Fatalf("delete %s: %s", n, r)
		}
	}
	if r := env.Do("DELETE", "/v1/vaults/acme/api/environments/qa", tok, nil); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "last environment") {
		t.Errorf("delete last environment: %s", r)
	}
}

func TestCrossVaultAndCrossOrgAreNotFound(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	one, two := env.Owner.Token, env.Other.Token
	mustVault(t, env, one, "acme/api")
	mustVault(t, env, one, "acme/web")
	mustPush(t, env, one, "acme/api", "dev", map[string]string{"SECRET": "s3cr3t-value"})
	sec := listSecrets(t, env, one, "acme/api")["dev/SECRET"]
	versions := decode[[]struct{ ID string }](t, env.Do("GET", "/v1/vaults/acme/api/secrets/"+sec.ID+"/versions", one, nil), http.StatusOK)

	// The other organization has a vault of the same name: still no access.
	mustVault(t, env, two, "acme/api")
	for _, tc := range []struct {
		name, method, path, token string
	}{
		{"other org value", "GET", "/v1/vaults/acme/api/secrets/" + sec.ID + "/value", two},
		{"other org versions", "GET", "/v1/vaults/acme/api/secrets/" + sec.ID + "/versions", two},
		{"other org patch", "PATCH", "/v1/vaults/acme/api/secrets/" + sec.ID, two},
		{"other org delete", "DELETE", "/v1/vaults/acme/api/secrets/" + sec.ID, two},
		{"other org vault", "GET", "/v1/vaults/acme/web", two},
		{"cross vault value", "GET", "/v1/vaults/acme/web/secrets/" + sec.ID + "/value", one},
		{"cross vault version", "GET", "/v1/vaults/acme/web/secrets/" + sec.ID + "/versions/" + versions[0].ID + "/value", one},
		{"cross vault restore", "POST", "/v1/vaults/acme/web/secrets/" + sec.ID + "/versions/" + versions[0].ID + "/restore", one},
		{"cross vault trash restore", "POST", "/v1/vaults/acme/web/trash/" + sec.ID + "/restore", one},
		{"malformed id", "GET", "/v1/vaults/acme/api/secrets/nope/value", one},
		{"unknown vault", "GET", "/v1/vaults/acme/none/secrets", one},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.method == "PATCH" {
				body = map[string]string{"value": "x"}
			}
			r := env.Do(tc.method, tc.path, tc.token, body)
			if r.Status != http.StatusNotFound {
				t.Errorf("%s %s = %s, want 404", tc.method, tc.path, r)
			}
		})
	}
	if got := pull(t, env, one, "acme/api", "dev")["SECRET"]; got != "s3cr3t-value" {
		t.Errorf("secret changed: %q", got)
	}
}

func TestRevealRateLimit(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	mustPush(t, env, tok, "acme/api", "dev", map[string]string{"TOKEN": "abcdefghijklmnop"})
	sec := listSecrets(t, env, tok, "acme/api")["dev/TOKEN"]
	path := "/v1/vaults/acme/api/secrets/" + sec.ID + "/value"
	for i := range 10 {
		v := decode[struct{ Value, Preview string }](t, env.Do("GET", path, tok, nil), http.StatusOK)
		if v.Value != "abcdefghijklmnop" || v.Preview != "abcd••••mnop" {
			t.Fatalf("call %d: %+v", i+1, v)
		}
	}
	r := env.Do("GET", path, tok, nil)
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("11th call = %s, want 429", r)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	if m := r.Map(); m["status"] != float64(429) || m["type"] == nil || m["title"] == nil {
		t.Errorf("429 body = %s", r.Body)
	}
	// Another user has a budget of their own; the clock moving refills it.
	if r := env.Do("GET", "/v1/secrets/view?repo=acme/api&environment=dev&key=TOKEN", tok, nil); r.Status != http.StatusOK {
		t.Errorf("view is not the value budget: %s", r)
	}
	env.Clock.Advance(time.Minute)
	if r := env.Do("GET", path, tok, nil); r.Status != http.StatusOK {
		t.Errorf("after a minute: %s", r)
	}
}

func TestManagementKeyScopes(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	mustVault(t, env, env.Owner.Token, "acme/api")
	mustPush(t, env, env.Owner.Token, "acme/api", "dev", map[string]string{"A": "1"})
	read := env.MgmtKey(env.Owner, "read:secrets")
	write := env.MgmtKey(env.Owner, "read:secrets", "write:secrets")
	none := env.MgmtKey(env.Owner)
	if got := pull(t, env, read, "acme/api", "dev"); got["A"] != "1" {
		t.Errorf("read key pull = %v", got)
	}
	if r := env.Do("GET", "/v1/secrets/pull?repo=acme/api&environment=dev", none, nil); r.Status != http.StatusForbidden {
		t.Errorf("scopeless key pull = %s", r)
	}
	if r := env.Do("POST", "/v1/secrets/push", read, map[string]any{"repoFullName": "acme/api", "environment": "dev", "secrets": map[string]string{}}); r.Status != http.StatusForbidden {
		t.Errorf("read key push = %s", r)
	}
	mustPush(t, env, write, "acme/api", "dev", map[string]string{"A": "2"})
	sec := listSecrets(t, env, write, "acme/api")["dev/A"]
	if r := env.Do("DELETE", "/v1/vaults/acme/api/secrets/"+sec.ID, write, nil); r.Status != http.StatusForbidden {
		t.Errorf("delete without delete:secrets = %s", r)
	}
	if r := env.Do("PUT", "/v1/vaults/acme/api/permissions/dev", write, map[string]any{"permissions": map[string]string{"read": "admin"}}); r.Status != http.StatusForbidden {
		t.Errorf("key changing permissions = %s", r)
	}
}

func TestEnvironmentPermissionOverrides(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	owner := env.Owner.Token
	member := env.AddUser(env.Owner, "member@one.test", keyhouse.RoleMember).Token
	viewer := env.AddUser(env.Owner, "viewer@one.test", keyhouse.RoleViewer).Token
	mustVault(t, env, owner, "acme/api")
	mustPush(t, env, owner, "acme/api", "production", map[string]string{"P": "prod"})
	mustPush(t, env, owner, "acme/api", "dev", map[string]string{"D": "dev"})
	if got := pull(t, env, viewer, "acme/api", "production"); got["P"] != "prod" {
		t.Fatalf("viewer pull before override = %v", got)
	}
	if r := env.Do("POST", "/v1/secrets/push", viewer, map[string]any{"repoFullName": "acme/api", "environment": "dev", "secrets": map[string]string{}}); r.Status != http.StatusForbidden {
		t.Errorf("viewer push = %s", r)
	}
	if r := env.Do("PUT", "/v1/vaults/acme/api/permissions/production", member, map[string]any{"permissions": map[string]string{"read": "admin"}}); r.Status != http.StatusForbidden {
		t.Errorf("member changing permissions = %s", r)
	}
	p := decode[struct {
		Read, Write string
		Overridden  bool
	}](t, env.Do("PUT", "/v1/vaults/acme/api/permissions/production", owner, map[string]any{"permissions": map[string]string{"read": "member", "write": "admin"}}), http.StatusOK)
	if p.Read != "member" || p.Write != "admin" || !p.Overridden {
		t.Errorf("override = %+v", p)
	}
	if r := env.Do("GET", "/v1/secrets/pull?repo=acme/api&environment=production", viewer, nil); r.Status != http.StatusForbidden {
		t.Errorf("viewer pull after override = %s", r)
	}
	if got := pull(t, env, member, "acme/api", "production"); got["P"] != "prod" {
		t.Errorf("member pull = %v", got)
	}
	if r := env.Do("POST", "/v1/secrets/push", member, map[string]any{"repoFullName": "acme/api", "environment": "production", "secrets": map[string]string{"P": "x"}}); r.Status != http.StatusForbidden {
		t.Errorf("member push to admin-write env = %s", r)
	}
	// The viewer's list leaves the closed environment out.
	items := listSecrets(t, env, viewer, "acme/api")
	if _, ok := items["production/P"]; ok || len(items) != 1 {
		t.Errorf("viewer list = %v", items)
	}
	if r := env.Do("DELETE", "/v1/vaults/acme/api/permissions/production", owner, nil); r.Status != http.StatusOK {
		t.Errorf("reset = %s", r)
	}
	if got := pull(t, env, viewer, "acme/api", "production"); got["P"] != "prod" {
		t.Errorf("viewer pull after reset = %v", got)
	}
}

func TestVaultsAndActivity(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	if r := env.Do("POST", "/v1/vaults", tok, map[string]string{"repoFullName": "ACME/API"}); r.Status != http.StatusConflict {
		t.Errorf("duplicate vault = %s", r)
	}
	mustPush(t, env, tok, "acme/api", "dev", map[string]string{"A": "1", "B": "2"})
	list := env.Do("GET", "/v1/vaults?limit=1", tok, nil)
	var le envelope[[]struct {
		ID           string   `json:"id"`
		RepoOwner    string   `json:"repoOwner"`
		RepoName     string   `json:"repoName"`
		SecretCount  int      `json:"secretCount"`
		Environments []string `json:"environments"`
		Permission   string   `json:"permission"`
	}]
	list.JSON(&le)
	if len(le.Data) != 1 || le.Data[0].SecretCount != 2 || le.Data[0].Permission != "admin" || le.Meta.Pagination == nil || le.Meta.Pagination.Total != 1 || le.Meta.Pagination.Limit != 1 {
		t.Errorf("vault list = %s", list.Body)
	}
	get := decode[struct {
		RepoFullName string `json:"repoFullName"`
	}](t, env.Do("GET", "/v1/vaults/acme/api", tok, nil), http.StatusOK)
	if get.RepoFullName != "acme/api" {
		t.Errorf("get = %+v", get)
	}
	env.Do("GET", "/v1/secrets/view?repo=acme/api&environment=dev&key=A", tok, nil)
	acts := decode[[]struct {
		Action       string  `json:"action"`
		RepoFullName *string `json:"repoFullName"`
		Platform     string  `json:"platform"`
		Actor        struct {
			Username string `json:"username"`
		} `json:"actor"`
		Metadata map[string]string `json:"metadata"`
	}](t, env.Do("GET", "/v1/activity", tok, nil), http.StatusOK)
	var actions []string
	for _, a := range acts {
		actions = append(actions, a.Action)
		for k, v := range a.Metadata {
			if v == "1" && k != "created" && k != "count" {
				t.Errorf("activity %s metadata %s looks like a value: %v", a.Action, k, a.Metadata)
			}
		}
	}
	if diff := cmp.Diff([]string{"secret_value_accessed", "secrets_pushed", "vault_created"}, actions); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if acts[0].Platform != "cli" || acts[0].Actor.Username == "" || acts[0].RepoFullName == nil || *acts[0].RepoFullName != "acme/api" {
		t.Errorf("activity[0] = %+v", acts[0])
	}
	usage := decode[struct {
		Plan  string         `json:"plan"`
		Usage map[string]int `json:"usage"`
	}](t, env.Do("GET", "/v1/users/me/usage", tok, nil), http.StatusOK)
	if usage.Usage["private"] != 1 {
		t.Errorf("usage = %+v", usage)
	}
	if r := env.Do("DELETE", "/v1/vaults/acme/api", tok, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete vault = %s", r)
	}
	if r := env.Do("GET", "/v1/vaults/acme/api", tok, nil); r.Status != http.StatusNotFound {
		t.Errorf("deleted vault = %s", r)
	}
}

func TestAuditHasNoValues(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	const value = "very-secret-audit-probe-9c1f"
	mustPush(t, env, tok, "acme/api", "dev", map[string]string{"PROBE": value})
	pull(t, env, tok, "acme/api", "dev")
	sec := listSecrets(t, env, tok, "acme/api")["dev/PROBE"]
	env.Do("GET", "/v1/vaults/acme/api/secrets/"+sec.ID+"/value", tok, nil)
	env.Do("GET", "/v1/secrets/view?repo=acme/api&environment=dev&key=PROBE", tok, nil)
	events, _, err := env.App.Audit.Query(env.UserContext(env.Owner), keyhouse.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Action] = true
		for _, v := range e.Metadata {
			if strings.Contains(v, value) {
				t.Errorf("audit event %s holds the value", e.Action)
			}
		}
	}
	for _, a := range []string{"vault.created", "secrets.pushed", "secrets.pulled", "secret.value_accessed"} {
		if !seen[a] {
			t.Errorf("no %s audit event (have %v)", a, seen)
		}
	}
	if strings.Contains(env.Logs.String(), value) {
		t.Error("the server log holds the value")
	}
}

func TestPushPullRateLimit(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	mustPush(t, env, tok, "acme/api", "dev", map[string]string{"A": "1"})
	for range 29 {
		pull(t, env, tok, "acme/api", "dev")
	}
	r := env.Do("GET", "/v1/secrets/pull?repo=acme/api&environment=dev", tok, nil)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || r.Header.Get("X-RateLimit-Limit") != "30" {
		t.Fatalf("31st push or pull = %s %v", r, r.Header)
	}
	// A different caller has its own budget.
	key := env.MgmtKey(env.Owner, "read:secrets")
	pull(t, env, key, "acme/api", "dev")
	env.Clock.Advance(15 * time.Minute)
	pull(t, env, tok, "acme/api", "dev")
}

func TestTokenValidate(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	v := decode[struct {
		Username    string `json:"username"`
		ForgeUserID string `json:"forgeUserId"`
	}](t, env.Do("POST", "/v1/auth/token/validate", env.Owner.Token, nil), http.StatusOK)
	if v.Username == "" || v.ForgeUserID != env.Owner.UserID {
		t.Errorf("validate = %+v", v)
	}
	if r := env.Do("POST", "/v1/auth/token/validate", "khc_nope", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("bad token = %s", r)
	}
}
