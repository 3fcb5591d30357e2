package app_test

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

var pathParam = regexp.MustCompile(`\{[a-zA-Z_]+(\.\.\.)?\}`)

// wantSurfaceError fails unless r is a 4xx in route's surface format.
func wantSurfaceError(t *testing.T, route httpapi.Route, what string, r *apptest.Response) {
	t.Helper()
	if r.Status < 400 || r.Status >= 500 {
		t.Errorf("%s %s: %s answered %s, want a 4xx", route.Method, route.Path, what, r)
		return
	}
	var m map[string]any
	if err := jsonUnmarshal(r.Body, &m); err != nil {
		t.Errorf("%s %s: %s answered a non-JSON %d: %q", route.Method, route.Path, what, r.Status, r.Body)
		return
	}
	switch route.Surface {
	case httpapi.Keychains:
		if _, ok := m["error"].(string); !ok || m["error_description"] == nil {
			t.Errorf("%s %s: %s: not a Keychains error: %s", route.Method, route.Path, what, r.Body)
		}
	default:
		if m["status"] != float64(r.Status) || m["type"] == nil || m["title"] == nil || m["code"] == nil {
			t.Errorf("%s %s: %s: not an RFC 9457 problem: %s", route.Method, route.Path, what, r.Body)
		}
	}
}

// wrongTypeBody returns a JSON body giving the request type's first field a
// value of the wrong JSON kind.
func wrongTypeBody(req any) string {
	t := reflect.TypeOf(req)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String:
			return `{"` + name + `": 12345}`
		case reflect.Bool:
			return `{"` + name + `": "yes"}`
		case reflect.Slice, reflect.Map, reflect.Struct:
			return `{"` + name + `": true}`
		default:
			return `{"` + name + `": "not-a-number"}`
		}
	}
	return `[]`
}

// TestBadInputEveryRoute sends every route, as org one's owner, the bad
// inputs of the issue: malformed JSON, unknown fields, wrong types, an
// oversized body, invalid UTF-8, out-of-range paging and invalid IDs. Each
// must answer a 4xx in the route's surface format and change nothing.
func TestBadInputEveryRoute(t *testing.T) {
	env := apptest.New(t)
	before := headSeq(t, env, env.Owner)
	huge := `{"name":"` + strings.Repeat("a", httpapi.MaxBodyBytes+10) + `"}`
	for _, route := range env.App.Router.Routes() {
		path := pathParam.ReplaceAllString(route.Path, "not_an_id")
		token := env.Owner.Token
		if route.Request != nil {
			for _, tt := range []struct{ what, body string }{
				{"malformed JSON", `{"name": `},
				{"not an object", `"just a string"`},
				{"unknown field", `{"zz_not_a_field": 1}`},
				{"wrong type", wrongTypeBody(route.Request)},
				{"trailing data", `{} {}`},
				{"invalid UTF-8", "{\"name\": \"\xff\xfe\"}"},
				{"oversized body", huge},
				{"empty body", ``},
			} {
				if tt.what == "empty body" && route.OptionalBody {
					continue
				}
				r := env.Do(route.Method, path, token, []byte(tt.body))
				wantSurfaceError(t, route, tt.what, r)
				// With a path ID the ID's check may answer first; without one
				// the size limit must.
				if tt.what == "oversized body" && path == route.Path && r.Status != http.StatusRequestEntityTooLarge {
					t.Errorf("%s %s: oversized body answered %d, want 413", route.Method, route.Path, r.Status)
				}
			}
			req := env.NewRequest(route.Method, path, token, "{}")
			req.Header.Set("Content-Type", "text/plain")
			wantSurfaceError(t, route, "wrong content type", env.Send(req))
		}
		for _, q := range route.Query {
			switch q {
			case "limit", "page", "offset", "within_days":
				for _, v := range []string{"-1", "99999999999", "abc", "1e3"} {
					r := env.Do(route.Method, pathParam.ReplaceAllStringFunc(route.Path, func(string) string { return "x" })+"?"+q+"="+v, token, nil)
					if route.Request != nil {
						continue // the body check above already answers first
					}
					// Keysmith's handlers clamp an out-of-range limit (50 for
					// 0 or less, 1000 above); only a non-number is refused.
					if route.Surface == httpapi.Keysmith && q == "limit" && (v == "-1" || v == "99999999999") && !pathParam.MatchString(route.Path) {
						if r.Status != http.StatusOK {
							t.Errorf("%s %s: limit=%s answered %s, want it clamped", route.Method, route.Path, v, r)
						}
						continue
					}
					wantSurfaceError(t, route, q+"="+v, r)
				}
			}
		}
		if pathParam.MatchString(route.Path) {
			for _, id := range []string{"not_an_id", "proj_" + strings.Repeat("z", 26), strings.Repeat("a", 2000), "%00", "%ff%fe"} {
				p := pathParam.ReplaceAllString(route.Path, id)
				var body any
				if route.Request != nil {
					body = "{}"
				}
				r := env.Do(route.Method, p, token, body)
				wantSurfaceError(t, route, "invalid ID "+id[:min(len(id), 12)], r)
			}
		}
	}
	if after := headSeq(t, env, env.Owner); after != before {
		t.Errorf("bad input changed org one: audit log moved from %d to %d", before, after)
	}
}

// TestUnknownRoutes answers 404 and 405 in the path's surface format.
func TestUnknownRoutes(t *testing.T) {
	env := apptest.New(t)
	for _, tt := range []struct {
		method, path string
		want         int
		keychains    bool
	}{
		{"GET", "/v1/nope", 404, false},
		{"GET", "/api/nope", 404, true},
		{"PUT", "/v1/projects", 405, false},
		{"PATCH", "/api/api-keys", 405, true},
	} {
		r := env.Do(tt.method, tt.path, env.Owner.Token, nil)
		m := r.Map()
		if r.Status != tt.want || (tt.keychains && m["error"] == nil) || (!tt.keychains && m["status"] != float64(tt.want)) {
			t.Errorf("%s %s: %s", tt.method, tt.path, r)
		}
		if tt.want == 405 && r.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tt.method, tt.path)
		}
	}
}
