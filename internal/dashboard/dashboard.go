// Package dashboard serves the HTML pages of the binary's dashboard:
// sign-in, the one-time owner setup, and device login approval. Pages are
// html/template files embedded with go:embed, with a little inline script
// that calls the JSON API with same-origin fetch (so the session cookie's
// writes pass http.CrossOriginProtection); no build step, no npm.
package dashboard

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

//go:embed templates/*.html
var files embed.FS

var pages = template.Must(template.ParseFS(files, "templates/*.html"))

// Server serves the pages.
type Server struct{}

// New returns a Server.
func New() *Server { return &Server{} }

// Routes adds the pages to rt. They are public: each page asks the API
// whether the browser is signed in.
func (s *Server) Routes(rt *httpapi.Router) {
	add := func(path, tmpl, summary string) {
		rt.Add(httpapi.Route{Method: "GET", Path: path, Public: true, Summary: summary, Tag: "dashboard", ContentType: "text/html", Raw: s.page(tmpl)})
	}
	add("/login", "login.html", "Dashboard sign-in page.")
	add("/setup", "setup.html", "One-time owner setup page (posts to /v1/auth/setup).")
	add("/device", "device.html", "Device login approval page.")
}

type pageData struct {
	UserCode string
	Token    string
	Next     string
}

func (s *Server) page(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		d := pageData{UserCode: q.Get("user_code"), Token: q.Get("token"), Next: q.Get("next")}
		if len(d.UserCode) > 32 || len(d.Token) > 200 || len(d.Next) > 500 {
			d = pageData{}
		}
		var buf bytes.Buffer
		if err := pages.ExecuteTemplate(&buf, name, d); err != nil {
			http.Error(w, "Internal error.", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		// Inline scripts only from us; no framing (clickjacking an Approve
		// button); no referrer, so a setup token in the URL goes nowhere.
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
	})
}
