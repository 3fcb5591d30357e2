package app_test

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
)

// fixture holds org one's resources that org two will aim at.
type fixture struct {
	env *apptest.Env
	ids map[string]string // name → ID, substituted for {name} in row paths
}

// matrixRow says how to call one route with org one's IDs.
type matrixRow struct {
	path string // with {fixture-name} placeholders
	body any
	// noIDs marks routes that name no resource (lists, creates, "me"): org
	// two's call must succeed or fail on its own data, and leak nothing.
	noIDs bool
	// want overrides the expected status (404 by default; for noIDs rows
	// anything below 500).
	want int
}

// matrixRows has one row per authenticated route, keyed by its pattern.
// Files for other areas add rows (and setups) in init functions.
var matrixRows = map[string]matrixRow{
	"POST /v1/projects":                              {path: "/v1/projects", body: map[string]string{"name": "two-owns-this"}, noIDs: true},
	"GET /v1/projects":                               {path: "/v1/projects", noIDs: true},
	"GET /v1/projects/{id}":                          {path: "/v1/projects/{project}"},
	"PATCH /v1/projects/{id}":                        {path: "/v1/projects/{project}", body: map[string]string{"name": "stolen"}},
	"DELETE /v1/projects/{id}":                       {path: "/v1/projects/{project}"},
	"POST /v1/projects/{id}/environments":            {path: "/v1/projects/{project}/environments", body: map[string]string{"name": "stolen"}},
	"GET /v1/projects/{id}/environments":             {path: "/v1/projects/{project}/environments"},
	"GET /v1/projects/{id}/environments/{env_id}":    {path: "/v1/projects/{project}/environments/{environment}"},
	"PATCH /v1/projects/{id}/environments/{env_id}":  {path: "/v1/projects/{project}/environments/{environment}", body: map[string]string{"name": "stolen"}},
	"DELETE /v1/projects/{id}/environments/{env_id}": {path: "/v1/projects/{project}/environments/{environment}"},
	"POST /v1/auth/logout":                           {path: "/v1/auth/logout", noIDs: true},
	"GET /v1/users/me":                               {path: "/v1/users/me", noIDs: true},
	"POST /api/api-keys":                             {path: "/api/api-keys", body: map[string]string{"name": "two"}, noIDs: true},
	"GET /api/api-keys":                              {path: "/api/api-keys", noIDs: true},
	"DELETE /api/api-keys/{keyId}":                   {path: "/api/api-keys/{mgmt_key}"},
	"GET /api/audit-log":                             {path: "/api/audit-log", noIDs: true},
	"GET /api/audit-log/export":                      {path: "/api/audit-log/export?format=jsonl", noIDs: true},
}

// matrixSetups create org one's resources; each records their IDs.
var matrixSetups = []func(f *fixture){
	func(f *fixture) {
		var p struct {
			ID           string
			Environments []struct{ ID string }
		}
		f.env.Do("POST", "/v1/projects", f.env.Owner.Token, map[string]string{"name": "victim"}).JSON(&p)
		f.ids["project"], f.ids["environment"] = p.ID, p.Environments[0].ID
		var k struct{ ID string }
		f.env.Do("POST", "/api/api-keys", f.env.Owner.Token, map[string]string{"name": "victim"}).JSON(&k)
		f.ids["mgmt_key"] = k.ID
	},
}

// TestCrossTenantMatrix calls every authenticated route as org two with org
// one's IDs. Rows come from the router: a new route without a row fails.
func TestCrossTenantMatrix(t *testing.T) {
	env := apptest.New(t)
	f := &fixture{env: env, ids: map[string]string{}}
	for _, setup := range matrixSetups {
		setup(f)
	}
	before := headSeq(t, env, env.Owner)
	snapshot := orgOneView(t, env)

	var missing []string
	for _, route := range env.App.Router.Routes() {
		if route.Public {
			continue
		}
		row, ok := matrixRows[route.Pattern()]
		if !ok {
			missing = append(missing, route.Pattern())
			continue
		}
		path := row.path
		for name, id := range f.ids {
			path = strings.ReplaceAll(path, "{"+name+"}", id)
		}
		if strings.Contains(path, "{") {
			t.Errorf("%s: path %s names a fixture that no setup created", route.Pattern(), path)
			continue
		}
		// logout would end org two's session: give it its own token.
		token := env.Other.Token
		if route.Pattern() == "POST /v1/auth/logout" {
			token = env.AddUser(env.Other, "logout-"+strings.ToLower(route.Method)+"@two.test", "member").Token
		}
		var body any = row.body
		if row.body != nil {
			b, _ := json.Marshal(row.body)
			js := string(b)
			for name, id := range f.ids {
				js = strings.ReplaceAll(js, "{"+name+"}", id)
			}
			body = js
		}
		r := env.Do(route.Method, path, token, body)
		switch {
		case row.noIDs:
			if r.Status >= 500 {
				t.Errorf("%s: %s", route.Pattern(), r)
			}
			for name, id := range f.ids {
				if strings.Contains(string(r.Body), id) {
					t.Errorf("%s as org two shows org one's %s %s", route.Pattern(), name, id)
				}
			}
		default:
			want := 404
			if row.want != 0 {
				want = row.want
			}
			if r.Status != want {
				t.Errorf("%s as org two with org one's IDs: %s, want %d", route.Pattern(), r, want)
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("route %s has no row in the cross-tenant matrix (internal/app/matrix*_test.go)", m)
	}
	if after := headSeq(t, env, env.Owner); after != before {
		t.Errorf("org one's audit log moved from %d to %d: something changed", before, after)
	}
	if got := orgOneView(t, env); got != snapshot {
		t.Errorf("org one's data changed:\nbefore %s\nafter  %s", snapshot, got)
	}
}

// orgOneViews are the lists whose contents prove org one unchanged.
var orgOneViews = []string{"/v1/projects?limit=100", "/api/api-keys?limit=100"}

// orgOneView is a digest of what org one can see, to prove nothing changed.
func orgOneView(t *testing.T, env *apptest.Env) string {
	t.Helper()
	var b strings.Builder
	for _, p := range orgOneViews {
		r := env.Do("GET", p, env.Owner.Token, nil)
		b.WriteString(p + " " + string(r.Body))
	}
	// lastUsedAt and request IDs move with every read; drop them.
	return volatile.ReplaceAllString(b.String(), "")
}

var volatile = regexp.MustCompile(`"(lastUsedAt|requestId)":("[^"]*"|null)`)
