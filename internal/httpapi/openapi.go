package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// OpenAPI builds the OpenAPI 3.1 description of every route from the route
// table and the wire types' reflection, so the document cannot drift from
// what is served: a route added to a surface is in the spec by construction,
// and tests validate real responses against it.
func (rt *Router) OpenAPI(version string) map[string]any {
	g := &schemaGen{components: map[string]any{}, seen: map[reflect.Type]string{}}
	paths := map[string]map[string]any{}
	for _, r := range rt.routes {
		op := map[string]any{
			"operationId": operationID(r),
			"summary":     r.Summary,
			"responses":   g.responses(r),
		}
		if r.Tag != "" {
			op["tags"] = []string{r.Tag}
		}
		if params := parameters(r); len(params) > 0 {
			op["parameters"] = params
		}
		if r.Request != nil {
			op["requestBody"] = map[string]any{
				"required": !r.OptionalBody,
				"content":  map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Request))}},
			}
		}
		if r.Public {
			op["security"] = []any{}
		}
		p := openAPIPath(r.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Keyhouse",
			"version":     version,
			"description": "Self-hosted control plane for API keys and credentials. Serves the Keysmith, project-key, Keyway and Keychains surfaces wire-compatibly, and Keyhouse's own.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie},
			},
		},
		"security": []any{map[string]any{"bearer": []string{}}, map[string]any{"session": []string{}}},
	}
}

// OpenAPIHandler serves the description as JSON.
func (rt *Router) OpenAPIHandler(version string) http.Handler {
	var once []byte
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if once == nil {
			once, _ = json.MarshalIndent(rt.OpenAPI(version), "", "  ")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(once)
	})
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z_][a-zA-Z0-9_]*)(\.\.\.)?\}`)

func openAPIPath(p string) string {
	p = strings.TrimSuffix(p, "{$}")
	return pathParam.ReplaceAllString(p, "{$1}")
}

func operationID(r Route) string {
	s := strings.ToLower(r.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "").Replace(r.Path)
	return r.Surface.Name + "_" + s
}

func parameters(r Route) []any {
	var out []any
	for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
		out = append(out, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range r.Query {
		out = append(out, map[string]any{"name": q, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
	}
	return out
}

func (g *schemaGen) responses(r Route) map[string]any {
	ok := map[string]any{"description": http.StatusText(r.Status)}
	switch {
	case r.ContentType != "":
		content := map[string]any{}
		for _, ct := range strings.Split(r.ContentType, ",") {
			content[strings.TrimSpace(ct)] = map[string]any{"schema": map[string]any{}}
		}
		ok["content"] = content
	case len(r.ResponseOneOf) > 0:
		var alts []any
		for _, v := range r.ResponseOneOf {
			alts = append(alts, g.schema(reflect.TypeOf(v)))
		}
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"oneOf": alts}}}
	case r.Response != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Response))}}
	}
	errType := "application/problem+json"
	if r.Surface == Keychains {
		errType = "application/json"
	}
	errResp := map[string]any{
		"description": "Error, in the " + r.Surface.Name + " surface's format.",
		"content":     map[string]any{errType: map[string]any{"schema": g.schema(reflect.TypeOf(r.Surface.ErrorBody))}},
	}
	out := map[string]any{strconv.Itoa(r.Status): ok, "default": errResp}
	for _, st := range r.OtherStatuses {
		out[strconv.Itoa(st)] = errResp
	}
	return out
}

// schemaGen turns Go wire types into JSON Schema (2020-12, as OpenAPI 3.1
// uses). Named structs become components, referenced by $ref.
type schemaGen struct {
	components map[string]any
	seen       map[reflect.Type]string
}

var timeType = reflect.TypeOf(time.Time{})
var rawType = reflect.TypeOf(json.RawMessage{})

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	if t == nil {
		return map[string]any{}
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schema(t.Elem())
		return nullable(s)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		// A nil Go slice encodes as null, so arrays admit null too.
		return map[string]any{"type": []string{"array", "null"}, "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": []string{"object", "null"}, "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" {
			return g.structSchema(t)
		}
		name := g.seen[t]
		if name == "" {
			name = componentName(t)
			g.seen[t] = name
			g.components[name] = map[string]any{} // placeholder for recursion
			g.components[name] = g.structSchema(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func nullable(s map[string]any) map[string]any {
	if ref, ok := s["$ref"]; ok {
		return map[string]any{"oneOf": []any{map[string]any{"$ref": ref}, map[string]any{"type": "null"}}}
	}
	out := map[string]any{}
	for k, v := range s {
		out[k] = v
	}
	switch tt := s["type"].(type) {
	case string:
		out["type"] = []string{tt, "null"}
	case []string:
		if !containsStr(tt, "null") {
			out["type"] = append(append([]string{}, tt...), "null")
		}
	}
	return out
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func componentName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	name := t.Name()
	// Generic instantiations name their arguments by full import path:
	// Envelope[github.com/…/keyway.userResponse] becomes Envelope_userResponse.
	if i := strings.IndexByte(name, '['); i >= 0 {
		args := strings.Split(strings.TrimSuffix(name[i+1:], "]"), ",")
		for j, a := range args {
			if k := strings.LastIndexAny(a, "./"); k >= 0 {
				args[j] = a[k+1:]
			}
		}
		name = name[:i] + "_" + strings.Join(args, "_")
	}
	return pkg + "." + strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, name)
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if doc := f.Tag.Get("doc"); doc != "" {
			if _, isRef := s["$ref"]; !isRef {
				s["description"] = doc
			}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}
