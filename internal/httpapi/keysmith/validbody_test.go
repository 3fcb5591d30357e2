package keysmith

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// The cached rendering of validate's answer must be exactly what
// encoding/json makes of the wire type, in every shape, and must follow
// a key's state as time passes.
func TestValidBodyMatchesMarshal(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 123e6, time.UTC)
	later := now.Add(time.Hour)
	grace := now.Add(time.Minute)
	full := &keyhouse.Key{ID: "akey_1", OrgID: "org_1", ProjectID: "proj_1", Name: `na"me<&>`, Description: "d\u2028",
		Prefix: "sk", KeyPrefix: "sk_live_ab", Hint: "wxyz", Environment: "live", State: keyhouse.KeyRotated,
		PolicyID: "kpol_1", Scopes: []string{"read:a", "write:<b>"}, Metadata: map[string]any{"z": 1.5, "a": []any{"x", nil}, "h": "<script>"},
		CreatedBy: "user_1", ExpiresAt: &later, LastUsedAt: &now, RotatedAt: &now, ReplacedByKeyID: "akey_2",
		GraceExpiresAt: &grace, CreatedAt: now, UpdatedAt: now}
	bare := &keyhouse.Key{ID: "akey_3", OrgID: "org_1", ProjectID: "proj_1", Name: "n", Prefix: "sk", KeyPrefix: "sk_test_x",
		Hint: "abcd", Environment: "test", State: keyhouse.KeyActive, CreatedAt: now, UpdatedAt: now}
	expiring := *bare
	expiring.ID, expiring.ExpiresAt = "akey_4", &later
	b := newBodies()
	for _, tc := range []struct {
		name string
		res  keys.Result
		at   time.Time
	}{
		{"full", keys.Result{Valid: true, Key: full}, now},
		{"full again, cached", keys.Result{Valid: true, Key: full}, now},
		{"rate limited", keys.Result{Valid: true, Key: full, RateLimited: true, Limit: 10, Remaining: 0, Reset: later}, now},
		{"active", keys.Result{Valid: true, Key: &expiring}, now},
		{"state changed with time", keys.Result{Valid: true, Key: &expiring}, later.Add(time.Second)},
		{"no scopes, no metadata", keys.Result{Valid: true, Key: bare}, now},
		{"no scopes, rate limited", keys.Result{Valid: true, Key: bare, RateLimited: true, Limit: 1, Remaining: 1, Reset: now}, now},
	} {
		got, err := b.valid(tc.res, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		kr := newKeyResponse(tc.res.Key, tc.at)
		want := validateResponse{Valid: true, Key: &kr, Scopes: tc.res.Key.Scopes}
		if tc.res.RateLimited {
			l, rem, rs := tc.res.Limit, tc.res.Remaining, tc.res.Reset.UTC().Format("2006-01-02T15:04:05.000Z07:00")
			want.Limit, want.Remaining, want.Reset = &l, &rem, &rs
		}
		wb, _ := json.Marshal(want)
		if string(got) != string(wb) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, wb)
		}
	}
}
