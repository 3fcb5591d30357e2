package keys_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore"
	"github.com/keyhouse-dev/keyhouse/internal/webhook"
)

func dur(d time.Duration) *time.Duration { return &d }

func TestValidateStateTransitions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{Name: "k"})
	raw, id := c.RawKey, c.Key.ID
	if got := e.code(raw); got != "" {
		t.Fatalf("new key: code %q, want valid", got)
	}
	step := func(name string, fn func() error, want keys.FailureCode) {
		t.Helper()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := e.code(raw); got != want {
			t.Fatalf("after %s: code %q, want %q", name, got, want)
		}
	}
	step("suspend", func() error { _, err := e.svc.Suspend(e.ctx, id); return err }, keys.CodeSuspended)
	step("suspend again", func() error { _, err := e.svc.Suspend(e.ctx, id); return err }, keys.CodeSuspended)
	step("reactivate", func() error { _, err := e.svc.Reactivate(e.ctx, id); return err }, "")
	if _, err := e.svc.Reactivate(e.ctx, id); keyhouse.ErrorCode(err) != keyhouse.ECONFLICT {
		t.Fatalf("reactivate active key: %v, want conflict", err)
	}
	step("revoke", func() error { _, err := e.svc.Revoke(e.ctx, id, "leaked"); return err }, keys.CodeRevoked)
	if _, err := e.svc.Reactivate(e.ctx, id); keyhouse.ErrorCode(err) != keyhouse.ECONFLICT {
		t.Fatalf("reactivate revoked key: %v, want conflict", err)
	}
	if _, err := e.svc.Suspend(e.ctx, id); keyhouse.ErrorCode(err) != keyhouse.ECONFLICT {
		t.Fatalf("suspend revoked key: %v, want conflict", err)
	}
	if _, err := e.svc.Rotate(e.ctx, id, keys.RotateParams{}); keyhouse.ErrorCode(err) != keyhouse.ECONFLICT {
		t.Fatalf("rotate revoked key: %v, want conflict", err)
	}
	k, err := e.svc.Get(e.ctx, id)
	if err != nil || k.State != keyhouse.KeyRevoked || k.RevokeReason != "leaked" || k.RevokedAt == nil {
		t.Fatalf("revoked key = %+v, %v", k, err)
	}
}

func TestValidateFailureCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	good := e.mustCreate(keys.CreateParams{Name: "k"}).RawKey
	// A typo breaks the checksum.
	typo := []byte(good)
	if typo[10] == 'a' {
		typo[10] = 'b'
	} else {
		typo[10] = 'a'
	}
	other := newEnv(t)
	foreign := other.mustCreate(keys.CreateParams{}).RawKey
	for _, tt := range []struct {
		name string
		raw  string
		want keys.FailureCode
	}{
		{"Valid", good, ""},
		{"Empty", "", keys.CodeMalformed},
		{"Garbage", "hello", keys.CodeMalformed},
		{"Typo", string(typo), keys.CodeMalformed},
		{"UnknownWellFormed", mustGenerate(t), keys.CodeUnknown},
		{"OtherOrganization", foreign, keys.CodeUnknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.validate(keys.ValidateParams{RawKey: tt.raw})
			if r.Code != tt.want || r.Valid != (tt.want == "") {
				t.Fatalf("code %q valid %v, want %q", r.Code, r.Valid, tt.want)
			}
			if want := map[keys.FailureCode]int{"": 200, keys.CodeMalformed: 401, keys.CodeUnknown: 401}[tt.want]; r.Code.Status() != want {
				t.Fatalf("status %d, want %d", r.Code.Status(), want)
			}
		})
	}
}

func mustGenerate(t *testing.T) string {
	t.Helper()
	e := newEnv(t)
	return e.mustCreate(keys.CreateParams{}).RawKey // a real key of a store nobody else uses
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	exp := e.clock.Now().Add(time.Hour)
	c := e.mustCreate(keys.CreateParams{ExpiresAt: &exp})
	e.clock.Set(exp.Add(-time.Millisecond))
	if got := e.code(c.RawKey); got != "" {
		t.Fatalf("before expiry: %q", got)
	}
	e.clock.Set(exp)
	if got := e.code(c.RawKey); got != keys.CodeExpired {
		t.Fatalf("at expiry: %q, want expired", got)
	}
	if got := keys.CodeExpired.Status(); got != 403 {
		t.Fatalf("status %d", got)
	}
	past := e.clock.Now().Add(-time.Hour)
	if _, err := e.svc.Create(e.ctx, keys.CreateParams{ExpiresAt: &past}); keyhouse.ErrorCode(err) != keyhouse.EINVALID {
		t.Fatalf("create expired: %v", err)
	}
}

func TestRotateGraceBoundary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustScope("read:users")
	c := e.mustCreate(keys.CreateParams{Name: "svc", Scopes: []string{"read:users"}, Metadata: map[string]any{"team": "a"}})
	start := e.clock.Now()
	r, err := e.svc.Rotate(e.ctx, c.Key.ID, keys.RotateParams{Grace: dur(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if r.New.ID == c.Key.ID || r.Old.ReplacedByKeyID != r.New.ID || r.Old.State != keyhouse.KeyRotated {
		t.Fatalf("rotation: old %+v new %+v", r.Old, r.New)
	}
	if !r.Old.GraceExpiresAt.Equal(start.Add(time.Hour)) {
		t.Fatalf("grace_expires_at %v, want %v", r.Old.GraceExpiresAt, start.Add(time.Hour))
	}
	if r.New.Name != "svc" || len(r.New.Scopes) != 1 || r.New.Metadata["team"] != "a" {
		t.Fatalf("new key did not inherit: %+v", r.New)
	}
	if got := e.code(r.RawKey); got != "" {
		t.Fatalf("new key: %q", got)
	}
	e.clock.Set(start.Add(time.Hour - time.Millisecond))
	if got := e.code(c.RawKey); got != "" {
		t.Fatalf("old key 1ms before grace end: %q, want valid", got)
	}
	e.clock.Set(start.Add(time.Hour))
	if got := e.code(c.RawKey); got != keys.CodeGraceExpired {
		t.Fatalf("old key at grace end: %q, want %q", got, keys.CodeGraceExpired)
	}
	if got := e.code(r.RawKey); got != "" {
		t.Fatalf("new key after grace: %q", got)
	}
	rots, err := e.svc.Rotations(e.ctx, c.Key.ID, keyhouse.Page{})
	if err != nil || len(rots) != 1 || rots[0].NewKeyID != r.New.ID || rots[0].GraceTTL != time.Hour {
		t.Fatalf("rotations = %+v, %v", rots, err)
	}
	if _, err := e.svc.Rotate(e.ctx, c.Key.ID, keys.RotateParams{}); keyhouse.ErrorCode(err) != keyhouse.ECONFLICT {
		t.Fatalf("rotate a rotated key: %v", err)
	}
}

func TestRotateZeroGraceIsImmediate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	if e.code(c.RawKey) != "" {
		t.Fatal("not valid before")
	}
	r, err := e.svc.Rotate(e.ctx, c.Key.ID, keys.RotateParams{Grace: dur(0)})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.code(c.RawKey); got != keys.CodeGraceExpired {
		t.Fatalf("old key right after grace 0 rotation: %q", got)
	}
	if got := e.code(r.RawKey); got != "" {
		t.Fatalf("new key: %q", got)
	}
}

func TestPolicyChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustScope("read:users")
	e.mustScope("write:users")
	ipPol := e.mustPolicy(keys.PolicyParams{AllowedIPs: []string{"10.0.0.0/8", "2001:db8::/32", "::ffff:192.168.1.0/120", "203.0.113.7"}})
	originPol := e.mustPolicy(keys.PolicyParams{AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"}})
	agePol := e.mustPolicy(keys.PolicyParams{MaxKeyAge: 2 * time.Hour})
	ipKey := e.mustCreate(keys.CreateParams{PolicyID: ipPol.ID}).RawKey
	originKey := e.mustCreate(keys.CreateParams{PolicyID: originPol.ID}).RawKey
	scopeKey := e.mustCreate(keys.CreateParams{Scopes: []string{"read:users"}}).RawKey
	for _, tt := range []struct {
		name string
		p    keys.ValidateParams
		want keys.FailureCode
	}{
		{"IPv4InCIDR", keys.ValidateParams{RawKey: ipKey, IP: "10.1.2.3"}, ""},
		{"IPv4OutsideCIDR", keys.ValidateParams{RawKey: ipKey, IP: "11.1.2.3"}, keys.CodeIPNotAllowed},
		{"IPv4Single", keys.ValidateParams{RawKey: ipKey, IP: "203.0.113.7"}, ""},
		{"IPv4SingleNeighbour", keys.ValidateParams{RawKey: ipKey, IP: "203.0.113.8"}, keys.CodeIPNotAllowed},
		{"IPv6InCIDR", keys.ValidateParams{RawKey: ipKey, IP: "2001:db8:1::5"}, ""},
		{"IPv6OutsideCIDR", keys.ValidateParams{RawKey: ipKey, IP: "2001:db9::1"}, keys.CodeIPNotAllowed},
		{"MappedIPv4InIPv4CIDR", keys.ValidateParams{RawKey: ipKey, IP: "::ffff:10.9.9.9"}, ""},
		{"IPv4InMappedCIDR", keys.ValidateParams{RawKey: ipKey, IP: "192.168.1.77"}, ""},
		{"MappedInMappedCIDR", keys.ValidateParams{RawKey: ipKey, IP: "::ffff:192.168.1.77"}, ""},
		{"IPv4OutsideMappedCIDR", keys.ValidateParams{RawKey: ipKey, IP: "192.168.2.1"}, keys.CodeIPNotAllowed},
		{"NoIP", keys.ValidateParams{RawKey: ipKey}, keys.CodeIPNotAllowed},
		{"BadIP", keys.ValidateParams{RawKey: ipKey, IP: "10.0.0.999"}, keys.CodeIPNotAllowed},
		{"OriginExact", keys.ValidateParams{RawKey: originKey, Origin: "https://app.example.com"}, ""},
		{"OriginCase", keys.ValidateParams{RawKey: originKey, Origin: "HTTPS://APP.EXAMPLE.COM"}, ""},
		{"OriginSubdomain", keys.ValidateParams{RawKey: originKey, Origin: "https://a.b.example.org"}, ""},
		{"OriginApex", keys.ValidateParams{RawKey: originKey, Origin: "https://example.org"}, keys.CodeOriginNotAllowed},
		{"OriginOther", keys.ValidateParams{RawKey: originKey, Origin: "https://evil.com"}, keys.CodeOriginNotAllowed},
		{"OriginPathTrick", keys.ValidateParams{RawKey: originKey, Origin: "https://evil.com/.example.org"}, keys.CodeOriginNotAllowed},
		{"OriginQueryTrick", keys.ValidateParams{RawKey: originKey, Origin: "https://evil.com?.example.org"}, keys.CodeOriginNotAllowed},
		{"OriginUserinfoTrick", keys.ValidateParams{RawKey: originKey, Origin: "https://a.example.org@evil.com"}, keys.CodeOriginNotAllowed},
		{"OriginOtherScheme", keys.ValidateParams{RawKey: originKey, Origin: "http://a.example.org"}, keys.CodeOriginNotAllowed},
		{"OriginMissing", keys.ValidateParams{RawKey: originKey}, keys.CodeOriginNotAllowed},
		{"ScopeHeld", keys.ValidateParams{RawKey: scopeKey, RequiredScopes: []string{"read:users"}}, ""},
		{"ScopeMissing", keys.ValidateParams{RawKey: scopeKey, RequiredScopes: []string{"read:users", "write:users"}}, keys.CodeMissingScope},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.validate(tt.p).Code; got != tt.want {
				t.Fatalf("code %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("MaxKeyAge", func(t *testing.T) {
		exp := e.clock.Now().Add(24 * time.Hour)
		c := e.mustCreate(keys.CreateParams{PolicyID: agePol.ID, ExpiresAt: &exp})
		e.clock.Add(2*time.Hour - time.Millisecond)
		if got := e.code(c.RawKey); got != "" {
			t.Fatalf("before max age: %q", got)
		}
		e.clock.Add(time.Millisecond)
		if got := e.code(c.RawKey); got != keys.CodeTooOld {
			t.Fatalf("at max age: %q", got)
		}
	})
}

func TestPolicyUpdateInvalidatesCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pol := e.mustPolicy(keys.PolicyParams{})
	raw := e.mustCreate(keys.CreateParams{PolicyID: pol.ID}).RawKey
	if got := e.validate(keys.ValidateParams{RawKey: raw, IP: "8.8.8.8"}).Code; got != "" {
		t.Fatalf("before: %q", got)
	}
	if _, err := e.svc.UpdatePolicy(e.ctx, pol.ID, keys.PolicyParams{Name: "p", AllowedIPs: []string{"10.0.0.0/8"}}); err != nil {
		t.Fatal(err)
	}
	if got := e.validate(keys.ValidateParams{RawKey: raw, IP: "8.8.8.8"}).Code; got != keys.CodeIPNotAllowed {
		t.Fatalf("after policy update: %q", got)
	}
	if err := e.svc.DeletePolicy(e.ctx, pol.ID); keyhouse.ErrorCode(err) != keyhouse.ECONFLICT {
		t.Fatalf("delete assigned policy: %v", err)
	}
}

func TestScopeRemovalInvalidatesCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustScope("read:users")
	c := e.mustCreate(keys.CreateParams{Scopes: []string{"read:users"}})
	p := keys.ValidateParams{RawKey: c.RawKey, RequiredScopes: []string{"read:users"}}
	if got := e.validate(p).Code; got != "" {
		t.Fatalf("before: %q", got)
	}
	if _, err := e.svc.RemoveScopes(e.ctx, c.Key.ID, []string{"read:users"}); err != nil {
		t.Fatal(err)
	}
	if got := e.validate(p).Code; got != keys.CodeMissingScope {
		t.Fatalf("after removal: %q", got)
	}
	if _, err := e.svc.AddScopes(e.ctx, c.Key.ID, []string{"nope"}); keyhouse.ErrorCode(err) != keyhouse.EINVALID {
		t.Fatalf("add unknown scope: %v, want invalid", err)
	}
	if _, err := e.svc.Create(e.ctx, keys.CreateParams{Scopes: []string{"nope"}}); keyhouse.ErrorCode(err) != keyhouse.EINVALID {
		t.Fatalf("create with unknown scope: %v", err)
	}
	if _, err := e.svc.Create(e.ctx, keys.CreateParams{PolicyID: "kpol_01h2xcejqtf2nbrexx3vqjhp41"}); keyhouse.ErrorCode(err) != keyhouse.EINVALID {
		t.Fatalf("create with unknown policy: %v", err)
	}
	if _, err := e.svc.AddScopes(e.ctx, c.Key.ID, []string{"read:users"}); err != nil {
		t.Fatal(err)
	}
	if got := e.validate(p).Code; got != "" {
		t.Fatalf("after re-adding: %q", got)
	}
}

func TestRateLimitConcurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const limit, burst = 20, 5
	pol := e.mustPolicy(keys.PolicyParams{RateLimit: limit, RateWindow: time.Minute, Burst: burst})
	raw := e.mustCreate(keys.CreateParams{PolicyID: pol.ID}).RawKey
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				// Time moves on while the validators run: over the
				// whole run exactly one window passes.
				r, err := e.svc.Validate(e.ctx, keys.ValidateParams{RawKey: raw})
				if err != nil {
					t.Error(err)
					return
				}
				switch r.Code {
				case "":
					ok.Add(1)
				case keys.CodeRateLimited:
					limited.Add(1)
					if r.RetryAfter < 1 || r.Limit != limit || r.Remaining != 0 {
						t.Errorf("rate limited result %+v", r)
					}
				default:
					t.Errorf("code %q", r.Code)
				}
			}
		}()
		if g == 32 {
			e.clock.Add(time.Minute)
		}
	}
	wg.Wait()
	if got := ok.Load(); got > limit+burst || got < burst {
		t.Fatalf("admitted %d, want between %d and %d", got, burst, limit+burst)
	}
	if ok.Load()+limited.Load() != 640 {
		t.Fatalf("answers %d", ok.Load()+limited.Load())
	}
	if keys.CodeRateLimited.Status() != 429 {
		t.Fatal("status")
	}
}

var revokeN = 1000

// bgPause paces the background validators of the revoke race.
var bgPause = 50 * time.Microsecond

func TestRevokeThenValidateNeverValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	n := revokeN
	raws := make([]string, n)
	idsList := make([]keyhouse.ID, n)
	for i := range n {
		c := e.mustCreate(keys.CreateParams{})
		raws[i], idsList[i] = c.RawKey, c.Key.ID
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	// Background validators keep every key's entry hot and race loads
	// against the revocations.
	for g := 0; g < 4; g++ {
		bg.Add(1)
		go func() {
			defer bg.Done()
			for i := g; ; i = (i + 7) % n {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = e.svc.Validate(e.ctx, keys.ValidateParams{RawKey: raws[i]})
				// Paced like a busy API (tens of thousands a second),
				// not a tight loop that only measures the usage writer.
				time.Sleep(bgPause)
			}
		}()
	}
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, err := e.svc.Revoke(e.ctx, idsList[i], ""); err != nil {
					t.Error(err)
					continue
				}
				r, err := e.svc.Validate(e.ctx, keys.ValidateParams{RawKey: raws[i]})
				if err != nil || r.Valid || r.Code != keys.CodeRevoked {
					t.Errorf("key %d after revoke: %+v, %v", i, r, err)
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(stop)
	bg.Wait()
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	for _, tt := range []struct {
		name                string
		ctx                 context.Context
		read, write, verify bool
	}{
		{"Viewer", withRole(e.org, keyhouse.RoleViewer), true, false, false},
		{"Member", withRole(e.org, keyhouse.RoleMember), true, true, true},
		{"KeyNoScopes", mgmtKey(e.org), false, false, false},
		{"KeyRead", mgmtKey(e.org, "read:keys"), true, false, false},
		{"KeyWrite", mgmtKey(e.org, "write:keys"), false, true, false},
		{"KeyVerify", mgmtKey(e.org, "verify:keys"), false, false, true},
		{"Anonymous", context.Background(), false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Get(tt.ctx, c.Key.ID)
			if (err == nil) != tt.read {
				t.Errorf("read: %v", err)
			}
			_, err = e.svc.Create(tt.ctx, keys.CreateParams{})
			if (err == nil) != tt.write {
				t.Errorf("write: %v", err)
			}
			_, err = e.svc.Validate(tt.ctx, keys.ValidateParams{RawKey: c.RawKey})
			if (err == nil) != tt.verify {
				t.Errorf("verify: %v", err)
			}
		})
	}
	// Another organization's key is not found, not forbidden.
	other := owner(newEnv(t).org)
	if _, err := e.svc.Get(other, c.Key.ID); keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
		t.Fatalf("cross-tenant get: %v", err)
	}
	if _, err := e.svc.Revoke(other, c.Key.ID, ""); keyhouse.ErrorCode(err) != keyhouse.ENOTFOUND {
		t.Fatalf("cross-tenant revoke: %v", err)
	}
}

func TestUsageAggregatesEqualRawSums(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	start := e.clock.Now()
	want := 0
	for h := 0; h < 30; h++ {
		for i := 0; i < h%4+1; i++ {
			e.validate(keys.ValidateParams{RawKey: c.RawKey, IP: "1.2.3.4", Endpoint: "/v1/things", Method: "GET", UserAgent: "ua"})
			want++
		}
		e.clock.Add(time.Hour)
	}
	e.validate(keys.ValidateParams{RawKey: "bogus"}) // no key: tenant usage only
	if err := e.svc.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs, err := e.svc.Usage(e.ctx, keys.UsageQuery{KeyID: c.Key.ID, Page: keyhouse.Page{Limit: 1000}})
	if err != nil || len(recs) != want {
		t.Fatalf("usage records %d (%v), want %d", len(recs), err, want)
	}
	if recs[0].Endpoint != "/v1/things" || recs[0].IP != "1.2.3.4" || recs[0].UserAgent != "ua" || !recs[0].Valid {
		t.Fatalf("record %+v", recs[0])
	}
	for _, p := range []keys.Period{keys.Hour, keys.Day, keys.Month} {
		bs, err := e.svc.Aggregate(e.ctx, keys.UsageQuery{KeyID: c.Key.ID}, p)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, b := range bs {
			sum += b.Requests
		}
		if sum != int64(want) {
			t.Fatalf("%s buckets sum to %d, want %d", p, sum, want)
		}
	}
	bs, _ := e.svc.Aggregate(e.ctx, keys.UsageQuery{}, keys.Day)
	var total, errs int64
	for _, b := range bs {
		total += b.Requests
		errs += b.Errors
	}
	if total != int64(want)+1 || errs != 1 {
		t.Fatalf("tenant usage %d requests %d errors", total, errs)
	}
	from, to := start, start.Add(5*time.Hour)
	win, _ := e.svc.Aggregate(e.ctx, keys.UsageQuery{KeyID: c.Key.ID, From: &from, To: &to}, keys.Hour)
	raw, _ := e.svc.Usage(e.ctx, keys.UsageQuery{KeyID: c.Key.ID, From: &from, To: &to, Page: keyhouse.Page{Limit: 1000}})
	var wsum int64
	for _, b := range win {
		wsum += b.Requests
	}
	if wsum != int64(len(raw)) || len(win) != 5 {
		t.Fatalf("window: %d buckets summing %d, raw %d", len(win), wsum, len(raw))
	}
	k, _ := e.svc.Get(e.ctx, c.Key.ID)
	if k.LastUsedAt == nil {
		t.Fatal("last_used_at not set")
	}

	// Latency sums too, in both units, with latencies that are not whole
	// milliseconds (records written as the usage writer writes them).
	lk := e.mustCreate(keys.CreateParams{}).Key
	lats := []time.Duration{50 * time.Microsecond, 1500 * time.Microsecond, 2999 * time.Microsecond, 999 * time.Microsecond, 7 * time.Millisecond}
	err = e.db.Update(context.Background(), func(tx keyhouse.Tx) error {
		var recs []*keyhouse.UsageRecord
		for i, l := range lats {
			recs = append(recs, &keyhouse.UsageRecord{ID: ids.New(keyhouse.PrefixUsage), OrgID: e.org, KeyID: lk.ID, Valid: i%2 == 0,
				StatusCode: 200, Latency: l, CreatedAt: start.Add(time.Duration(i) * time.Minute)})
		}
		return tx.InsertUsage(context.Background(), recs)
	})
	if err != nil {
		t.Fatal(err)
	}
	lraw, _ := e.svc.Usage(e.ctx, keys.UsageQuery{KeyID: lk.ID, Page: keyhouse.Page{Limit: 1000}})
	var rawUS, rawMS int64
	for _, u := range lraw {
		rawUS += u.Latency.Microseconds()
		rawMS += u.Latency.Milliseconds()
	}
	lb, _ := e.svc.Aggregate(e.ctx, keys.UsageQuery{KeyID: lk.ID}, keys.Day)
	if len(lraw) != len(lats) || len(lb) != 1 || lb[0].TotalLatency.Microseconds() != rawUS || lb[0].TotalLatencyMS != rawMS ||
		lb[0].Requests != int64(len(lats)) || lb[0].Errors != 2 {
		t.Fatalf("latency bucket %+v; raw %d records, %d us, %d ms", lb, len(lraw), rawUS, rawMS)
	}
}

func TestUsageFlushedOnClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *keys.Options) { o.UsageInterval = time.Hour; o.UsageBatch = 1 << 20 })
	c := e.mustCreate(keys.CreateParams{})
	for range 500 {
		e.validate(keys.ValidateParams{RawKey: c.RawKey})
	}
	if err := e.svc.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := e.usageCount(c.Key.ID)
	if n != 500 {
		t.Fatalf("usage after close: %d, want 500", n)
	}
}

// verifyStandardWebhook checks a Standard Webhooks signature without the
// webhook package: HMAC-SHA256 over "id.timestamp.body" under the base64
// decoded secret, base64 in "v1,<sig>".
func verifyStandardWebhook(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "."))
	m.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	for _, s := range strings.Fields(h.Get("webhook-signature")) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

type receiver struct {
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	failures int // answer 500 this many times first
	srv      *httptest.Server
}

func newReceiver(t *testing.T, failures int) *receiver {
	r := &receiver{failures: failures}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.bodies, r.headers = append(r.bodies, b), append(r.headers, req.Header.Clone())
		if r.failures != 0 {
			r.failures--
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(204)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.bodies) }

func TestScheduledRotationWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, 2)
	c := e.mustCreate(keys.CreateParams{Name: "auto", RotationIntervalDays: 1, RotationWebhookURL: rcv.srv.URL + "/hook"})
	if !strings.HasPrefix(c.WebhookSecret, "whsec_") {
		t.Fatalf("webhook secret %q", c.WebhookSecret)
	}
	if n, err := e.svc.RunScheduledRotations(context.Background()); n != 0 || err != nil {
		t.Fatalf("before due: %d, %v", n, err)
	}
	e.clock.Add(24 * time.Hour)
	n, err := e.svc.RunScheduledRotations(context.Background())
	if n != 1 || err != nil {
		t.Fatalf("rotated %d, %v", n, err)
	}
	if got := rcv.count(); got != 3 {
		t.Fatalf("receiver got %d attempts, want 3", got)
	}
	ids := map[string]bool{}
	for i, b := range rcv.bodies {
		if !verifyStandardWebhook(c.WebhookSecret, rcv.headers[i], b) {
			t.Fatalf("attempt %d: signature does not verify", i+1)
		}
		ids[rcv.headers[i].Get("webhook-id")] = true
	}
	if len(ids) != 1 {
		t.Fatalf("attempts used %d message ids, want 1", len(ids))
	}
	var ev struct {
		OldKeyID, NewKeyID, NewKey string
	}
	if err := json.Unmarshal(rcv.bodies[2], &struct {
		Old *string `json:"old_key_id"`
		New *string `json:"new_key_id"`
		Key *string `json:"new_key"`
	}{&ev.OldKeyID, &ev.NewKeyID, &ev.NewKey}); err != nil {
		t.Fatal(err)
	}
	if ev.OldKeyID != c.Key.ID || e.code(ev.NewKey) != "" {
		t.Fatalf("event %+v", ev)
	}
	old, _ := e.svc.Get(e.ctx, c.Key.ID)
	if old.State != keyhouse.KeyRotated || old.ReplacedByKeyID != ev.NewKeyID || !old.GraceExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("old key %+v", old)
	}
	dl, total, err := e.svc.WebhookDeliveries(e.ctx, "", keyhouse.Page{})
	if err != nil || total != 3 {
		t.Fatalf("deliveries %d, %v", total, err)
	}
	if dl[0].Status != "succeeded" || dl[1].Status != "failed" || dl[1].ResponseStatus != 500 {
		t.Fatalf("deliveries %+v %+v", dl[0], dl[1])
	}
	nk, _ := e.svc.Get(e.ctx, ev.NewKeyID)
	if nk.NextRotationAt == nil || !nk.NextRotationAt.Equal(e.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("new key next rotation %v", nk.NextRotationAt)
	}
	if n, _ := e.svc.RunScheduledRotations(context.Background()); n != 0 {
		t.Fatalf("second run rotated %d", n)
	}
}

func TestScheduledRotationDeliveryFailureKeepsOldKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, -1)
	c := e.mustCreate(keys.CreateParams{RotationIntervalDays: 1, RotationWebhookURL: rcv.srv.URL})
	e.clock.Add(25 * time.Hour)
	if n, err := e.svc.RunScheduledRotations(context.Background()); n != 0 || err != nil {
		t.Fatalf("rotated %d, %v", n, err)
	}
	if got := rcv.count(); got != 5 {
		t.Fatalf("attempts %d, want 5", got)
	}
	if got := e.code(c.RawKey); got != "" {
		t.Fatalf("old key after failed delivery: %q, want valid", got)
	}
	var ev struct {
		NewKey string `json:"new_key"`
	}
	_ = json.Unmarshal(rcv.bodies[0], &ev)
	if got := e.code(ev.NewKey); got != keys.CodeRevoked {
		t.Fatalf("undelivered new key: %q, want revoked", got)
	}
	_, total, _ := e.svc.WebhookDeliveries(e.ctx, c.Key.ID, keyhouse.Page{})
	if total != 5 {
		t.Fatalf("recorded %d attempts", total)
	}
}

// A key revoked, suspended or rotated by hand while its scheduled rotation
// is being delivered stays so, and the delivered successor is revoked: the
// job's last step must not undo a change made after it began.
func TestScheduledRotationYieldsToChangesDuringDelivery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		change func(e *env, id keyhouse.ID) error
		want   keys.FailureCode
	}{
		{"revoked", func(e *env, id keyhouse.ID) error { _, err := e.svc.Revoke(e.ctx, id, "compromised"); return err }, keys.CodeRevoked},
		{"suspended", func(e *env, id keyhouse.ID) error { _, err := e.svc.Suspend(e.ctx, id); return err }, keys.CodeSuspended},
		{"rotated", func(e *env, id keyhouse.ID) error {
			_, err := e.svc.Rotate(e.ctx, id, keys.RotateParams{Grace: dur(0)})
			return err
		}, keys.CodeGraceExpired},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var id keyhouse.ID
			var newKey string
			var changeErr error
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var ev struct {
					NewKey string `json:"new_key"`
				}
				_ = json.NewDecoder(r.Body).Decode(&ev)
				newKey = ev.NewKey
				changeErr = tt.change(e, id)
				w.WriteHeader(204)
			}))
			defer srv.Close()
			c := e.mustCreate(keys.CreateParams{RotationIntervalDays: 1, RotationWebhookURL: srv.URL})
			id = c.Key.ID
			e.clock.Add(24 * time.Hour)
			if n, err := e.svc.RunScheduledRotations(context.Background()); n != 0 || err != nil {
				t.Fatalf("rotated %d, %v; want 0 (the key changed during delivery)", n, err)
			}
			if changeErr != nil || newKey == "" {
				t.Fatalf("change during delivery: %v (new key delivered: %t)", changeErr, newKey != "")
			}
			if got := e.code(c.RawKey); got != tt.want {
				t.Fatalf("old key after the job: %q, want %q", got, tt.want)
			}
			if got := e.code(newKey); got != keys.CodeRevoked {
				t.Fatalf("delivered successor: %q, want revoked", got)
			}
			old, err := e.svc.Get(e.ctx, id)
			if err != nil || (tt.name != "rotated" && old.ReplacedByKeyID != "") {
				t.Fatalf("old key %+v, %v", old, err)
			}
		})
	}
}

func TestScheduledRotationExactlyOnceAcrossServers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, 0)
	const n = 5
	for range n {
		e.mustCreate(keys.CreateParams{RotationIntervalDays: 1, RotationWebhookURL: rcv.srv.URL})
	}
	e.clock.Add(24 * time.Hour)
	// A second server: its own database handle on the same file and its
	// own service and cache.
	db2, err := sqlstore.Open(context.Background(), e.path, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	svc2 := keys.NewService(db2, e.hasher, keys.Options{Clock: e.clock, Sealer: e.sealer, AllowPrivateNet: true})
	defer svc2.Close(context.Background())
	var total atomic.Int64
	var wg sync.WaitGroup
	for _, s := range []*keys.Service{e.svc, svc2, e.svc, svc2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.RunScheduledRotations(context.Background())
			if err != nil {
				t.Error(err)
			}
			total.Add(int64(got))
		}()
	}
	wg.Wait()
	if total.Load() != n || rcv.count() != n {
		t.Fatalf("rotations %d, deliveries %d, want %d each", total.Load(), rcv.count(), n)
	}
	list, _, _ := e.svc.List(e.ctx, keyhouse.KeyFilter{Page: keyhouse.Page{Limit: 100}})
	if len(list) != 2*n {
		t.Fatalf("%d keys, want %d", len(list), 2*n)
	}
}

func TestWebhookURLToLoopbackRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *keys.Options) { o.AllowPrivateNet = false })
	for _, u := range []string{"https://127.0.0.1/hook", "https://[::1]/hook", "https://10.0.0.1/x", "https://169.254.169.254/", "http://example.com/", "ftp://x/"} {
		_, err := e.svc.Create(e.ctx, keys.CreateParams{RotationIntervalDays: 1, RotationWebhookURL: u})
		if keyhouse.ErrorCode(err) != keyhouse.EINVALID {
			t.Errorf("%s: %v, want invalid", u, err)
		}
	}
	if _, err := e.svc.Create(e.ctx, keys.CreateParams{RotationIntervalDays: 1}); keyhouse.ErrorCode(err) != keyhouse.EINVALID {
		t.Errorf("interval without URL: %v", err)
	}
}

func TestRawKeyNeverStoredLoggedOrAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{Name: "secret-holder", RotationIntervalDays: 1, RotationWebhookURL: newReceiver(t, 0).srv.URL})
	r, err := e.svc.Rotate(e.ctx, c.Key.ID, keys.RotateParams{})
	if err != nil {
		t.Fatal(err)
	}
	e.validate(keys.ValidateParams{RawKey: c.RawKey})
	e.validate(keys.ValidateParams{RawKey: r.RawKey + "x"})
	_ = e.svc.Flush(context.Background())
	secrets := []string{c.RawKey, r.RawKey, c.RawKey[8:40], c.WebhookSecret}
	var events []*keyhouse.AuditEvent
	_ = e.db.View(context.Background(), func(tx keyhouse.Tx) (err error) {
		events, _, err = tx.AuditEvents(context.Background(), keyhouse.AuditFilter{OrgID: e.org, Limit: 1000})
		return err
	})
	if len(events) < 2 {
		t.Fatalf("%d audit events", len(events))
	}
	dump, _ := json.Marshal(events)
	// Every table, as text: nothing holds a raw key or webhook secret.
	var tables strings.Builder
	for _, tbl := range []string{"api_keys", "key_usage", "key_rotations", "audit_events", "webhook_deliveries"} {
		rows, err := e.db.SQL().Query("SELECT * FROM " + tbl)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = rows.Scan(ptrs...)
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					tables.Write(v)
				case string:
					tables.WriteString(v)
				default:
					tables.WriteString(strconv.Quote(""))
				}
			}
		}
		rows.Close()
	}
	for _, s := range secrets {
		if strings.Contains(string(dump), s) {
			t.Errorf("audit events contain a secret")
		}
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("logs contain a secret")
		}
		if strings.Contains(tables.String(), s) {
			t.Errorf("database contains a secret")
		}
	}
}

func TestDeliverer(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, 2)
	secret, _ := webhook.NewSecret(nil)
	key, _ := webhook.ParseSecret(secret)
	var sleeps []time.Duration
	d := &webhook.Deliverer{Backoff: time.Second, Sleep: func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }}
	var attempts []webhook.Attempt
	if err := d.Deliver(context.Background(), rcv.srv.URL, key, "msg_1", []byte(`{"a":1}`), func(a webhook.Attempt) { attempts = append(attempts, a) }); err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 3 || attempts[2].Status != 204 || attempts[0].Status != 500 {
		t.Fatalf("attempts %+v", attempts)
	}
	if len(sleeps) != 2 || sleeps[0] != time.Second || sleeps[1] != 2*time.Second {
		t.Fatalf("backoff %v, want [1s 2s]", sleeps)
	}
	for i := range rcv.bodies {
		if !verifyStandardWebhook(secret, rcv.headers[i], rcv.bodies[i]) {
			t.Fatal("signature")
		}
	}
}

// A key's webhook secret is sealed under the master key; after
// rotate-master-key re-wraps it, a server holding only the new master key
// still signs the scheduled rotation's delivery with the same secret.
func TestWebhookSecretSurvivesMasterKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, 0)
	c := e.mustCreate(keys.CreateParams{RotationIntervalDays: 1, RotationWebhookURL: rcv.srv.URL})
	e.mustCreate(keys.CreateParams{Name: "no webhook"})
	mk2, err := crypto.GenerateMasterKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	both, _ := crypto.NewKeyring(mk2, e.master)
	res, err := secrets.RotateMasterKey(context.Background(), e.db, both)
	if err != nil || res.WebhookSecrets != 1 {
		t.Fatalf("rotate: %+v, %v; want 1 webhook secret re-wrapped", res, err)
	}
	if res, _ := secrets.RotateMasterKey(context.Background(), e.db, both); res.WebhookSecrets != 0 {
		t.Fatalf("second rotation re-wrapped %d webhook secrets again", res.WebhookSecrets)
	}
	onlyNew, _ := crypto.NewKeyring(mk2)
	svc := keys.NewService(e.db, e.hasher, keys.Options{Clock: e.clock, Sealer: keyringSealer{onlyNew}, AllowPrivateNet: true})
	defer svc.Close(context.Background())
	e.clock.Add(24 * time.Hour)
	if n, err := svc.RunScheduledRotations(context.Background()); n != 1 || err != nil {
		t.Fatalf("rotated %d, %v", n, err)
	}
	if rcv.count() != 1 || !verifyStandardWebhook(c.WebhookSecret, rcv.headers[0], rcv.bodies[0]) {
		t.Fatalf("%d deliveries; the signature must verify with the secret shown at create", rcv.count())
	}
}

// refusingStore is the real store with writes refused on demand, as a
// database that is briefly locked or down refuses them.
type refusingStore struct {
	keyhouse.Store
	refuse atomic.Bool
}

func (s *refusingStore) Update(ctx context.Context, fn func(keyhouse.Tx) error) error {
	if s.refuse.Load() {
		return errors.New("database is locked")
	}
	return s.Store.Update(ctx, fn)
}

// A usage write that fails keeps its records for the next one: none is lost.
func TestUsageKeptWhenAWriteFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	st := &refusingStore{Store: e.db}
	svc := e.usageService(st, 7)
	st.refuse.Store(true)
	e.validateN(svc, c.RawKey, 20)
	if err := svc.Flush(context.Background()); err == nil {
		t.Fatal("flush with the database refusing writes: no error")
	}
	st.refuse.Store(false)
	if err := svc.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := e.usageCount(c.Key.ID)
	if n != 20 {
		t.Fatalf("usage after the database recovered: %d records, want 20", n)
	}
}

// blockingStore is the real store whose first write waits for release, as
// a database stalled by a long checkpoint or a lock holder.
type blockingStore struct {
	keyhouse.Store
	once             sync.Once
	entered, release chan struct{}
}

func (s *blockingStore) Update(ctx context.Context, fn func(keyhouse.Tx) error) error {
	s.once.Do(func() {
		close(s.entered)
		<-s.release
	})
	return s.Store.Update(ctx, fn)
}

// When the usage queue is full because the database is behind, validations
// wait for room instead of dropping records; once it catches up, every
// record is written.
func TestUsageBackpressureLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	st := &blockingStore{Store: e.db, entered: make(chan struct{}), release: make(chan struct{})}
	svc := e.usageService(st, 5)
	var release sync.Once
	defer release.Do(func() { close(st.release) }) // before the cleanup's Close, or a failed test would hang in it
	svc.SetUsageQueueLimit(20)
	e.validateN(svc, c.RawKey, 5) // a batch: the writer takes it and stalls in the database
	select {
	case <-st.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("a full batch did not start a write")
	}
	e.validateN(svc, c.RawKey, 20) // fills the queue
	done := make(chan struct{})
	go func() {
		e.validateN(svc, c.RawKey, 1)
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("a validation with the usage queue full did not wait")
	case <-time.After(100 * time.Millisecond):
	}
	release.Do(func() { close(st.release) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting validation was not let through when the writer caught up")
	}
	if err := svc.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := e.usageCount(c.Key.ID); n != 26 {
		t.Fatalf("usage after the stall: %d records, want 26", n)
	}
}

// A queue that fills before a batch does wakes the writer: validations do
// not wait for the next tick.
func TestUsageQueueSmallerThanBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.mustCreate(keys.CreateParams{})
	svc := e.usageService(e.db, 1000)
	svc.SetUsageQueueLimit(10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.validateN(svc, c.RawKey, 35)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		svc.Close(context.Background()) // let the validations go before failing
		t.Fatal("validations waited on a full queue for the hourly tick")
	}
	if err := svc.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := e.usageCount(c.Key.ID); n != 35 {
		t.Fatalf("usage: %d records, want 35", n)
	}
}

// Every check of a policy runs whatever the others find, with or without a
// rate limit.
func TestPolicyParamsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	many := make([]string, 1001)
	for i := range many {
		many[i] = "10.0.0.1"
	}
	for _, rate := range []int{0, 5} {
		for name, p := range map[string]keys.PolicyParams{
			"negative daily quota":   {DailyQuota: -7},
			"negative monthly quota": {MonthlyQuota: -1},
			"too many IPs":           {AllowedIPs: many},
			"bad CIDR":               {AllowedIPs: []string{"10.0.0.0/33"}},
		} {
			p.Name, p.RateLimit = "p", rate
			if _, err := e.svc.CreatePolicy(e.ctx, p); keyhouse.ErrorCode(err) != keyhouse.EINVALID {
				t.Errorf("rate limit %d, %s: %v, want invalid", rate, name, err)
			}
		}
	}
	pol, err := e.svc.CreatePolicy(e.ctx, keys.PolicyParams{Name: "p", RateLimit: 5})
	if err != nil || pol.RateWindow != time.Minute {
		t.Fatalf("rate limit without a window: %+v, %v; want a 1m window", pol, err)
	}
}

// After a pepper rotation, keys hashed under the old pepper still validate,
// and a revoke of one is seen at once: such keys are found by their old
// hash, which is the hash mutations drop from the cache.
func TestRevokeSeenForKeyUnderOlderPepper(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v1, err := crypto.GeneratePepper(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := crypto.GeneratePepper(nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := crypto.NewHasher(v1)
	h21, _ := crypto.NewHasher(v2, v1)
	before := keys.NewService(e.db, h1, keys.Options{Clock: e.clock, CacheTTL: time.Hour})
	defer before.Close(context.Background())
	c, err := before.Create(e.ctx, keys.CreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	after := keys.NewService(e.db, h21, keys.Options{Clock: e.clock, CacheTTL: time.Hour})
	defer after.Close(context.Background())
	for range 3 {
		if r, err := after.Validate(e.ctx, keys.ValidateParams{RawKey: c.RawKey}); err != nil || !r.Valid {
			t.Fatalf("old-pepper key after rotation: %+v, %v", r, err)
		}
	}
	if _, err := after.Revoke(e.ctx, c.Key.ID, ""); err != nil {
		t.Fatal(err)
	}
	if r, _ := after.Validate(e.ctx, keys.ValidateParams{RawKey: c.RawKey}); r.Valid || r.Code != keys.CodeRevoked {
		t.Fatalf("old-pepper key right after revoke: %+v", r)
	}
}

// A due key with nowhere to deliver to (a webhook URL removed by hand or by
// an older version) stops being scheduled, and that is audited.
func TestScheduledRotationWithoutWebhookIsDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rcv := newReceiver(t, 0)
	c := e.mustCreate(keys.CreateParams{RotationIntervalDays: 1, RotationWebhookURL: rcv.srv.URL})
	err := e.db.Update(context.Background(), func(tx keyhouse.Tx) error {
		k, err := tx.KeyForUpdate(context.Background(), e.org, c.Key.ID)
		if err != nil {
			return err
		}
		k.RotationWebhookURL = ""
		return tx.UpdateKey(context.Background(), k)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(25 * time.Hour)
	if n, err := e.svc.RunScheduledRotations(context.Background()); n != 0 || err != nil {
		t.Fatalf("rotated %d, %v", n, err)
	}
	k, _ := e.svc.Get(e.ctx, c.Key.ID)
	if k.RotationIntervalDays != 0 || k.NextRotationAt != nil || rcv.count() != 0 || e.code(c.RawKey) != "" {
		t.Fatalf("key %+v, %d deliveries", k, rcv.count())
	}
	var events []*keyhouse.AuditEvent
	_ = e.db.View(context.Background(), func(tx keyhouse.Tx) (err error) {
		events, _, err = tx.AuditEvents(context.Background(), keyhouse.AuditFilter{OrgID: e.org, Limit: 100})
		return err
	})
	found := 0
	for _, ev := range events {
		if ev.Action == "api_key.auto_rotation_disabled" && ev.ResourceID == c.Key.ID {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("%d auto_rotation_disabled events", found)
	}
}

// An attempt made as the job is being stopped is still recorded.
func TestWebhookAttemptRecordedWhenStopping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel() // the server is shutting down while this attempt is answered
		w.WriteHeader(500)
	}))
	defer srv.Close()
	c := e.mustCreate(keys.CreateParams{RotationIntervalDays: 1, RotationWebhookURL: srv.URL})
	e.clock.Add(24 * time.Hour)
	_, _ = e.svc.RunScheduledRotations(ctx)
	ds, total, err := e.svc.WebhookDeliveries(e.ctx, c.Key.ID, keyhouse.Page{})
	if err != nil || total < 1 || ds[len(ds)-1].Attempt != 1 || ds[len(ds)-1].Status != "failed" {
		t.Fatalf("recorded attempts %d %v: %+v", total, err, ds)
	}
	if got := e.code(c.RawKey); got != "" {
		t.Fatalf("old key after an interrupted rotation: %q, want valid", got)
	}
}

// A server that stops between creating a scheduled successor and recording
// the outcome leaves the successor pending; the next attempt revokes it
// before it makes another, so no unrecorded key stays active.
func TestScheduledRotationCleansUpAnInterruptedAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st := &refusingStore{Store: e.db}
	svc := keys.NewService(st, e.hasher, keys.Options{Clock: e.clock, Sealer: e.sealer, AllowPrivateNet: true, CacheTTL: time.Hour,
		Webhook: &webhook.Deliverer{Sleep: func(context.Context, time.Duration) error { return nil }}})
	defer svc.Close(context.Background())
	code := func(raw string) keys.FailureCode {
		r, err := svc.Validate(e.ctx, keys.ValidateParams{RawKey: raw})
		if err != nil {
			t.Fatal(err)
		}
		return r.Code
	}
	var mu sync.Mutex
	var delivered []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			NewKey string `json:"new_key"`
		}
		_ = json.NewDecoder(r.Body).Decode(&ev)
		mu.Lock()
		delivered = append(delivered, ev.NewKey)
		if len(delivered) == 1 {
			st.refuse.Store(true) // the database goes away: nothing after this is recorded
		}
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer srv.Close()
	c, err := svc.Create(e.ctx, keys.CreateParams{RotationIntervalDays: 1, RotationWebhookURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(24 * time.Hour)
	if _, err := svc.RunScheduledRotations(context.Background()); err == nil {
		t.Fatal("the outcome was recorded with the database refusing writes")
	}
	st.refuse.Store(false)
	if got := code(delivered[0]); got != "" {
		t.Fatalf("interrupted successor before the retry: %q (the test needs it active)", got)
	}
	e.clock.Add(16 * time.Minute) // the claim lease ends
	if n, err := svc.RunScheduledRotations(context.Background()); n != 1 || err != nil {
		t.Fatalf("retry rotated %d, %v", n, err)
	}
	if len(delivered) != 2 {
		t.Fatalf("%d deliveries", len(delivered))
	}
	if got := code(delivered[0]); got != keys.CodeRevoked {
		t.Fatalf("interrupted successor after the retry: %q, want revoked", got)
	}
	if got := code(delivered[1]); got != "" {
		t.Fatalf("new successor: %q", got)
	}
	old, _ := svc.Get(e.ctx, c.Key.ID)
	if old.State != keyhouse.KeyRotated || old.PendingSuccessorID != "" || code(c.RawKey) != "" {
		t.Fatalf("old key %+v", old)
	}
}
