package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/prometheus/client_golang/prometheus"
)

type fakeAuth struct{}

func (fakeAuth) Authenticate(ctx context.Context, raw string) (*keyhouse.Principal, error) {
	if raw == "good" {
		return &keyhouse.Principal{Kind: keyhouse.PrincipalMgmtKey, OrgID: "org_x", MgmtKeyID: "ak_x"}, nil
	}
	return nil, keyhouse.Errorf(keyhouse.EUNAUTHORIZED, "bad credential")
}

func testServer(t *testing.T, logs *bytes.Buffer, routes ...Route) *httptest.Server {
	t.Helper()
	log := slog.New(slog.NewJSONHandler(logs, nil))
	rt := NewRouter(log)
	for _, r := range routes {
		rt.Add(r)
	}
	srv := httptest.NewServer(Chain(Config{Logger: log, Auth: fakeAuth{}}, rt))
	t.Cleanup(srv.Close)
	return srv
}

func TestPanicBecomesOpaque500(t *testing.T) {
	var logs bytes.Buffer
	srv := testServer(t, &logs,
		Route{Method: "GET", Path: "/v1/boom", Handler: func(w http.ResponseWriter, r *http.Request) error { panic("secret-detail-42") }},
		Route{Method: "GET", Path: "/api/fail", Surface: Keychains, Handler: func(w http.ResponseWriter, r *http.Request) error {
			return errors.New("db password is hunter2")
		}},
	)
	for _, tt := range []struct{ path, field string }{{"/v1/boom", "detail"}, {"/api/fail", "error_description"}} {
		req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
		req.Header.Set("Authorization", "Bearer good")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if resp.StatusCode != 500 || m[tt.field] != "Internal error." {
			t.Errorf("%s: %d %v", tt.path, resp.StatusCode, m)
		}
	}
	if !strings.Contains(logs.String(), "secret-detail-42") || !strings.Contains(logs.String(), "hunter2") {
		t.Error("internal causes are not logged for the operator")
	}
}

func TestRequestID(t *testing.T) {
	srv := testServer(t, &bytes.Buffer{}, Route{Method: "GET", Path: "/x", Public: true, Handler: func(w http.ResponseWriter, r *http.Request) error {
		return JSON(w, 200, map[string]string{"id": RequestID(r.Context())})
	}})
	for _, tt := range []struct {
		sent string
		keep bool
	}{{"trace-123_abc.def", true}, {"", false}, {"has spaces", false}, {strings.Repeat("a", 65), false}, {"<script>", false}} {
		req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
		if tt.sent != "" {
			req.Header.Set("X-Request-Id", tt.sent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		got := resp.Header.Get("X-Request-Id")
		if got == "" || m["id"] != got || (got == tt.sent) != tt.keep {
			t.Errorf("sent %q: header %q body %q (keep %v)", tt.sent, got, m["id"], tt.keep)
		}
		if !tt.keep && !generatedID.MatchString(got) {
			t.Errorf("generated ID %q is not req_ and 24 hex digits", got)
		}
	}
}

var generatedID = regexp.MustCompile(`^req_[0-9a-f]{24}$`)

func TestMetricsCountPerSeries(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	rt := NewRouter(log)
	rt.Add(Route{Method: "GET", Path: "/x", Public: true, Handler: func(w http.ResponseWriter, r *http.Request) error {
		return JSON(w, 200, map[string]string{})
	}})
	m := NewMetrics(prometheus.NewRegistry())
	srv := httptest.NewServer(Chain(Config{Logger: log, Auth: fakeAuth{}, Metrics: m}, rt))
	t.Cleanup(srv.Close)
	for _, method := range []string{"GET", "GET", "GET", "BREW", "FROB"} {
		req, _ := http.NewRequest(method, srv.URL+"/x", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`keyhouse_http_requests_total{method="GET",route="GET /x",status="200"} 3`,
		`keyhouse_http_request_duration_seconds_count{method="GET",route="GET /x"} 3`,
		// Invented methods share one label value instead of growing the set.
		`keyhouse_http_requests_total{method="OTHER",route="unmatched",status="405"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s\n%s", want, body)
		}
	}
	if strings.Contains(body, "BREW") || strings.Contains(body, "FROB") {
		t.Error("a client-chosen method became a label value")
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tt := range []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"NoProxiesIgnoresHeader", "203.0.113.9:5000", "1.2.3.4", nil, "203.0.113.9"},
		{"UntrustedPeerIgnoresHeader", "203.0.113.9:5000", "1.2.3.4", trusted, "203.0.113.9"},
		{"TrustedPeerRightmostUntrusted", "10.1.1.1:5000", "1.2.3.4, 198.51.100.7, 10.2.2.2", trusted, "198.51.100.7"},
		{"AllTrustedFallsBackToPeer", "10.1.1.1:5000", "10.3.3.3", trusted, "10.1.1.1"},
		{"GarbageHeader", "10.1.1.1:5000", "not-an-ip", trusted, "10.1.1.1"},
		{"IPv6Peer", "[::1]:5000", "2001:db8::1", trusted, "2001:db8::1"},
		{"MappedIPv4", "[::ffff:203.0.113.9]:5000", "", nil, "203.0.113.9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := clientIP(r, tt.trusted); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	type req struct {
		Name  string   `json:"name"`
		Count int      `json:"count"`
		Tags  []string `json:"tags"`
		Limit *struct {
			Window int `json:"window"`
		} `json:"limit"`
		Meta map[string]int `json:"meta"`
		At   *time.Time     `json:"at"`
	}
	for _, tt := range []struct {
		name, body, ctype string
		opts              DecodeOptions
		code              keyhouse.Code
		field             string
	}{
		{"OK", `{"name":"a","count":1}`, "application/json", DecodeOptions{}, "", ""},
		{"CharsetOK", `{"name":"a"}`, "application/json; charset=utf-8", DecodeOptions{}, "", ""},
		{"Malformed", `{"name":`, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"Unknown", `{"nope":1}`, "", DecodeOptions{}, keyhouse.EINVALID, "nope"},
		{"UnknownAllowed", `{"nope":1}`, "", DecodeOptions{AllowUnknown: true}, "", ""},
		{"WrongType", `{"count":"x"}`, "", DecodeOptions{}, keyhouse.EINVALID, "count"},
		{"WrongNested", `{"tags":[1]}`, "", DecodeOptions{}, keyhouse.EINVALID, "tags"},
		{"WrongDeep", `{"limit":{"window":"1m"}}`, "", DecodeOptions{}, keyhouse.EINVALID, "limit.window"},
		{"UnknownDeep", `{"limit":{"burst":1}}`, "", DecodeOptions{}, keyhouse.EINVALID, "limit.burst"},
		// Names match exactly: a client that sends "Name" has a bug to hear about.
		{"CaseMismatch", `{"Name":"a"}`, "", DecodeOptions{}, keyhouse.EINVALID, "Name"},
		// A repeated name is how a proxy and a server come to read different requests.
		{"Duplicate", `{"name":"a","name":"b"}`, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		// Digits name a member as well as an index: only the body says which.
		{"DigitMember", `{"0":1}`, "", DecodeOptions{}, keyhouse.EINVALID, "0"},
		{"DigitMapKey", `{"meta":{"7":"x"}}`, "", DecodeOptions{}, keyhouse.EINVALID, "meta.7"},
		{"BadTime", `{"at":"2030-01-01"}`, "", DecodeOptions{}, keyhouse.EINVALID, "at"},
		// Unmarshal stops at the first bad field; the rest is still read.
		{"WrongThenTruncated", `{"count":"x",`, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"UnknownThenTruncated", `{"nope":1,"name":"a"`, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"LoneSurrogate", `{"name":"\ud800"}`, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"NotObject", `[1,2]`, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"Trailing", `{}x`, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"TwoValues", `{} {}`, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"BadUTF8", "{\"name\":\"\xff\"}", "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"Empty", ``, "", DecodeOptions{}, keyhouse.EMALFORMED, ""},
		{"EmptyAllowed", `  `, "", DecodeOptions{AllowEmpty: true}, "", ""},
		{"TooLarge", `{"name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, "", DecodeOptions{}, keyhouse.ETOOLARGE, ""},
		{"FormContentType", `{}`, "application/x-www-form-urlencoded", DecodeOptions{}, keyhouse.EUNSUPPORTED, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			var v req
			err := DecodeWith(httptest.NewRecorder(), r, &v, tt.opts)
			if got := keyhouse.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if tt.field != "" {
				e := keyhouse.AsError(err)
				if len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
					t.Errorf("fields %+v, want %s", e.Fields, tt.field)
				}
			}
		})
	}
}

// A timestamp of the wrong shape is named as one, not as "an object".
func TestDecodeTimeMessage(t *testing.T) {
	var v struct {
		At time.Time `json:"at"`
	}
	for _, body := range []string{`{"at":"2030-01-01"}`, `{"at":{}}`, `{"at":5}`} {
		err := DecodeWith(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(body)), &v, DecodeOptions{})
		e := keyhouse.AsError(err)
		if e == nil || len(e.Fields) != 1 || e.Fields[0].Message != "must be an RFC 3339 timestamp" {
			t.Errorf("%s: %+v", body, err)
		}
	}
}

// The message names a repeated member the way field errors name fields.
func TestDecodeDuplicateNamed(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"limit":{"window":1,"window":2}}`))
	var v struct {
		Limit struct {
			Window int `json:"window"`
		} `json:"limit"`
	}
	err := DecodeWith(httptest.NewRecorder(), r, &v, DecodeOptions{})
	if e := keyhouse.AsError(err); e == nil || e.Code != keyhouse.EMALFORMED || !strings.Contains(e.Message, `"limit.window" twice`) {
		t.Fatalf("duplicate member: %v", err)
	}
}

func TestStatusTable(t *testing.T) {
	for _, tt := range []struct {
		s    *Surface
		code keyhouse.Code
		want int
	}{
		{Native, keyhouse.EINVALID, 422},
		{Keyway, keyhouse.EINVALID, 422},
		{Keychains, keyhouse.EINVALID, 400},
		{Keysmith, keyhouse.EINVALID, 400},
		{Native, keyhouse.ENOTFOUND, 404},
		{Native, keyhouse.ERATELIMITED, 429},
		{Native, keyhouse.ETOOLARGE, 413},
		{Native, keyhouse.EUNAVAILABLE, 503},
	} {
		if got := Status(tt.s, keyhouse.Errorf(tt.code, "x")); got != tt.want {
			t.Errorf("%s %s → %d, want %d", tt.s.Name, tt.code, got, tt.want)
		}
	}
	if got := Status(Native, errors.New("plain")); got != 500 {
		t.Errorf("plain error → %d, want 500", got)
	}
}

func TestSurfaceFor(t *testing.T) {
	for path, want := range map[string]*Surface{
		"/api/api-keys": Keychains, "/api/machines/register": Native, "/v1/keys/validate": Keysmith, "/v1/keysmith": Native,
		"/v1/api-keys": ProjectKeys, "/v1/vaults/a/b": Keyway, "/v1/users/me": Keyway, "/v1/projects": Native, "/healthz": Native,
		"/v1/usage": Keysmith, "/v1/secrets/pull": Keyway, "/v1/auth/login": Keyway,
	} {
		if got := SurfaceFor(path); got != want {
			t.Errorf("SurfaceFor(%s) = %s, want %s", path, got.Name, want.Name)
		}
	}
}
