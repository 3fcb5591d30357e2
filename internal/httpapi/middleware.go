package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/ratelimit"
)

// SessionCookie is the dashboard session cookie's name.
const SessionCookie = "keyhouse_session"

// Authenticator resolves a raw bearer credential to a principal.
type Authenticator interface {
	Authenticate(ctx context.Context, raw string) (*keyhouse.Principal, error)
}

// Config is what the middleware chain needs.
type Config struct {
	Logger         *slog.Logger
	Auth           Authenticator
	Metrics        *Metrics
	TrustedProxies []netip.Prefix
	// RateLimit is requests per minute per credential (per client IP when
	// anonymous); 0 turns the limit off.
	RateLimit int
	// Limiter, when set, holds the per-credential buckets instead of
	// memory (Redis, shared by every node).
	Limiter ratelimit.Limiter
	Clock   keyhouse.Clock
}

// recorder remembers what a handler wrote, for logs, metrics and the
// handler adapter.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		r.wrote = true
		if r.status == 0 {
			r.status = http.StatusOK
		}
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Chain wraps the router with the middleware every request passes through,
// outermost first: request state and ID, panic recovery, access log and
// metrics, authentication and CSRF, rate limit.
func Chain(c Config, rt *Router) http.Handler {
	if c.Clock == nil {
		c.Clock = keyhouse.SystemClock{}
	}
	cop := http.NewCrossOriginProtection()
	limiter := c.Limiter
	if limiter == nil && c.RateLimit > 0 {
		limiter = ratelimit.Local{Keyed: ratelimit.NewKeyed(c.RateLimit, time.Minute, c.RateLimit, c.Clock.Now)}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		st := &reqState{requestID: requestID(r), clientIP: clientIP(r, c.TrustedProxies), rec: rec}
		ctx := context.WithValue(r.Context(), stateKey{}, st)
		ctx = keyhouse.NewContextWithRequestMeta(ctx, keyhouse.RequestMeta{RequestID: st.requestID, ClientIP: st.clientIP, UserAgent: r.UserAgent()})
		r = r.WithContext(ctx)
		rec.Header().Set("X-Request-Id", st.requestID)
		surface := SurfaceFor(r.URL.Path)
		quiet := false

		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				c.Logger.ErrorContext(ctx, "panic", "request_id", st.requestID, "panic", p)
				if !rec.wrote {
					surface.Render(rec, r, keyhouse.Errorf(keyhouse.EINTERNAL, "Internal error."))
				}
			}
			c.logAndMeasure(r, st, rec, time.Since(start), quiet)
		}()

		route := rt.match(r)
		quiet = route != nil && route.QuietLog
		// Cookies ride along on cross-site requests; bearer tokens do not.
		// So every write without an Authorization header (cookie sessions,
		// and anonymous ones such as sign-in, against login CSRF) must come
		// from our own origin.
		if r.Header.Get("Authorization") == "" {
			if err := cop.Check(r); err != nil {
				surface.Render(rec, r, keyhouse.Errorf(keyhouse.EFORBIDDEN, "Cross-origin request refused."))
				return
			}
		}
		if route == nil || !route.Public {
			p, err := authenticate(ctx, c.Auth, r)
			if err != nil {
				surface.Render(rec, r, err)
				return
			}
			if p != nil {
				st.principal = p
				r = r.WithContext(keyhouse.NewContextWithPrincipal(ctx, p))
			}
		}
		if limiter != nil && (route == nil || !route.NoRateLimit) {
			key := "ip:" + st.clientIP
			if st.principal != nil {
				key = string(st.principal.Kind) + ":" + st.principal.ActorID()
			}
			d := limiter.Allow(ctx, key)
			h := rec.Header()
			h.Set("X-RateLimit-Limit", itoa(d.Limit))
			h.Set("X-RateLimit-Remaining", itoa(d.Remaining))
			if !d.Allowed {
				surface.Render(rec, r, &keyhouse.Error{Code: keyhouse.ERATELIMITED, Message: "Too many requests. Try again later.", RetryAfter: d.RetryAfterSeconds()})
				return
			}
		}
		rt.mux.ServeHTTP(rec, r)
	})
}

// authenticate reads the Authorization header or the session cookie. No
// credential is fine (anonymous); a bad one is EUNAUTHORIZED.
func authenticate(ctx context.Context, a Authenticator, r *http.Request) (*keyhouse.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, keyhouse.Errorf(keyhouse.EUNAUTHORIZED, "The Authorization header must be \"Bearer <token>\".")
		}
		return a.Authenticate(ctx, strings.TrimSpace(tok))
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return a.Authenticate(ctx, c.Value)
	}
	return nil, nil
}

func (c Config) logAndMeasure(r *http.Request, st *reqState, rec *recorder, d time.Duration, quiet bool) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	route := st.pattern
	if route == "" {
		route = "unmatched"
	}
	if c.Metrics != nil {
		c.Metrics.observe(r.Method, route, status, d)
	}
	level := slog.LevelInfo
	if quiet && status < 500 {
		level = slog.LevelDebug
	}
	if !c.Logger.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", st.requestID),
		slog.String("method", r.Method),
		// The path only: query strings can carry codes and names a log
		// should not keep, and credentials never travel in paths.
		slog.String("path", r.URL.Path),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int("bytes", rec.bytes),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("ip", st.clientIP),
	}
	if p := st.principal; p != nil {
		attrs = append(attrs, slog.String("actor_type", string(p.Kind)), slog.String("actor_id", p.ActorID()))
	}
	c.Logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// requestID keeps a caller's X-Request-Id when it is short and plain, so
// traces join up across services; otherwise it makes one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && plain(id) {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	buf := [4 + 24]byte{'r', 'e', 'q', '_'}
	hex.Encode(buf[4:], b[:])
	return string(buf[:])
}

func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// clientIP is the peer address, unless the peer is a trusted proxy: then
// the right-most X-Forwarded-For address that is not itself a trusted proxy.
// Without trusted proxies the header is ignored, since anyone can send it.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !inPrefixes(peer, trusted) {
		return peer.String()
	}
	parts := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(parts) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(parts[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !inPrefixes(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
