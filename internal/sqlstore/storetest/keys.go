package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// The keys suite runs with the rest of Run.
var _ = registerKeys()

func registerKeys() bool {
	extras = append(extras, func(t *testing.T, open Open) { RunKeys(t, open) })
	return true
}

// RunKeys runs the store behaviours of API keys, policies, scopes,
// rotations, usage and webhook deliveries.
func RunKeys(t *testing.T, open func(t *testing.T) keyhouse.Store) {
	t.Run("Key/CreateFindByHashRoundTrip", func(t *testing.T) { t.Parallel(); testKeyRoundTrip(t, open(t)) })
	t.Run("Key/CrossTenantIsNotFound", func(t *testing.T) { t.Parallel(); testKeyTenancy(t, open(t)) })
	t.Run("Key/ClaimRotationOnce", func(t *testing.T) { t.Parallel(); testClaimRotation(t, open(t)) })
	t.Run("Key/PolicyScopeUsage", func(t *testing.T) { t.Parallel(); testPolicyScopeUsage(t, open(t)) })
	t.Run("Key/WebhookSecretRewrap", func(t *testing.T) { t.Parallel(); testWebhookSecretRewrap(t, open(t)) })
	t.Run("Key/ChangeFeed", func(t *testing.T) { t.Parallel(); testChangeFeed(t, open(t)) })
	t.Run("Key/RepeatedLookupsSeeCommits", func(t *testing.T) { t.Parallel(); testRepeatedLookups(t, open(t)) })
}

// The lookups of the validate path run as prepared statements from their
// second use on (SQLite); each still reads what was committed last.
func testRepeatedLookups(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	p := MustProject(t, s, o.ID, "default")
	pol := &keyhouse.Policy{ID: ids.New(keyhouse.PrefixPolicy), OrgID: o.ID, Name: "p", RateLimit: 1, CreatedAt: t0, UpdatedAt: t0}
	k := newKey(o.ID, p.ID, 31)
	k.PolicyID = pol.ID
	mustUpdate(t, s, func(tx keyhouse.Tx) error {
		if err := tx.CreatePolicy(ctx, pol); err != nil {
			return err
		}
		return tx.CreateKey(ctx, k)
	})
	for i := range 4 {
		var gotKey *keyhouse.Key
		var gotPol *keyhouse.Policy
		_, err := view(t, s, func(tx keyhouse.Tx) (any, error) {
			var err error
			if gotKey, err = tx.KeyByHash(ctx, k.Hash); err != nil {
				return nil, err
			}
			gotPol, err = tx.Policy(ctx, o.ID, pol.ID)
			return nil, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if gotKey.State != k.State || gotPol.RateLimit != pol.RateLimit {
			t.Fatalf("lookup %d: key %s, policy rate %d; want %s and %d", i, gotKey.State, gotPol.RateLimit, k.State, pol.RateLimit)
		}
		k.State, k.UpdatedAt = keyhouse.KeySuspended, t0.Add(time.Duration(i+1)*time.Second)
		if i%2 == 1 {
			k.State = keyhouse.KeyActive
		}
		pol.RateLimit++
		mustUpdate(t, s, func(tx keyhouse.Tx) error {
			if err := tx.UpdateKey(ctx, k); err != nil {
				return err
			}
			return tx.UpdatePolicy(ctx, pol)
		})
	}
}

// The change feed lists keys and policies of every organization updated at
// or after a time, oldest first.
func testChangeFeed(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	a, b := MustOrg(t, s), MustOrg(t, s)
	pa, pb := MustProject(t, s, a.ID, "default"), MustProject(t, s, b.ID, "default")
	ka, kb := newKey(a.ID, pa.ID, 21), newKey(b.ID, pb.ID, 22)
	kb.CreatedAt, kb.UpdatedAt = t0.Add(time.Second), t0.Add(time.Second)
	pol := &keyhouse.Policy{ID: ids.New(keyhouse.PrefixPolicy), OrgID: a.ID, Name: "p", CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Second)}
	mustUpdate(t, s, func(tx keyhouse.Tx) error {
		if err := tx.CreateKey(ctx, ka); err != nil {
			return err
		}
		if err := tx.CreateKey(ctx, kb); err != nil {
			return err
		}
		return tx.CreatePolicy(ctx, pol)
	})
	keysSince := func(at time.Time) []keyhouse.Change {
		t.Helper()
		c, err := view(t, s, func(tx keyhouse.Tx) ([]keyhouse.Change, error) { return tx.KeyChangesSince(ctx, at) })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if got := keysSince(t0.Add(500 * time.Millisecond)); len(got) != 1 || got[0].ID != kb.ID || got[0].Hash != kb.Hash || !got[0].UpdatedAt.Equal(kb.UpdatedAt) {
		t.Fatalf("keys changed since t0+0.5s: %+v, want only org b's key with its hash and time", got)
	}
	ka.UpdatedAt = t0.Add(3 * time.Second)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.UpdateKey(ctx, ka) })
	if got := keysSince(t0.Add(500 * time.Millisecond)); len(got) != 2 || got[0].ID != kb.ID || got[1].ID != ka.ID || got[0].Version != 0 || got[1].Version != 1 {
		t.Fatalf("after updating org a's key: %+v, want b's (version 0) then a's (version 1), oldest first", got)
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.UpdateKey(ctx, ka) }) // the same millisecond again
	if got := keysSince(ka.UpdatedAt); len(got) != 1 || got[0].Version != 2 {
		t.Fatalf("after a second update stamped the same: %+v, want version 2", got)
	}
	if got := keysSince(t0.Add(4 * time.Second)); len(got) != 0 {
		t.Fatalf("keys changed since after the last change: %+v, want none", got)
	}
	for _, c := range []struct {
		since time.Time
		want  int
	}{{t0.Add(2 * time.Second), 1}, {t0.Add(2*time.Second + time.Millisecond), 0}} {
		got, err := view(t, s, func(tx keyhouse.Tx) ([]keyhouse.Change, error) { return tx.PolicyChangesSince(ctx, c.since) })
		if err != nil || len(got) != c.want || (c.want == 1 && (got[0].ID != pol.ID || !got[0].UpdatedAt.Equal(pol.UpdatedAt))) {
			t.Fatalf("policies changed since %v: %+v %v, want %d", c.since, got, err, c.want)
		}
	}
}

func testWebhookSecretRewrap(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	a, b := MustOrg(t, s), MustOrg(t, s)
	pa, pb := MustProject(t, s, a.ID, "default"), MustProject(t, s, b.ID, "default")
	withSecret := func(k *keyhouse.Key, mk string) *keyhouse.Key {
		k.WebhookSecretSealed, k.WebhookSecretKeyID = []byte("sealed-"+mk), mk
		return k
	}
	ka, kb := withSecret(newKey(a.ID, pa.ID, 10), "mk1"), withSecret(newKey(b.ID, pb.ID, 11), "mk1")
	current, plain := withSecret(newKey(a.ID, pa.ID, 12), "mk2"), newKey(a.ID, pa.ID, 13)
	for _, k := range []*keyhouse.Key{ka, kb, current, plain} {
		mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateKey(ctx, k) })
	}
	refs, err := view(t, s, func(tx keyhouse.Tx) ([]keyhouse.KeyRef, error) { return tx.WebhookSecretsNotUnder(ctx, "mk2") })
	if err != nil || len(refs) != 2 {
		t.Fatalf("not under mk2: %v %v, want the two mk1 keys (not the mk2 one, not the one without a secret)", refs, err)
	}
	// The compare-and-set: a stale old key id, or another org, changes nothing.
	for _, try := range []struct {
		ref keyhouse.KeyRef
		old string
	}{{keyhouse.KeyRef{OrgID: a.ID, ID: ka.ID}, "mk0"}, {keyhouse.KeyRef{OrgID: b.ID, ID: ka.ID}, "mk1"}} {
		var ok bool
		mustUpdate(t, s, func(tx keyhouse.Tx) (err error) {
			ok, err = tx.UpdateWebhookSecret(ctx, try.ref, []byte("x"), "mk2", try.old)
			return err
		})
		if ok {
			t.Fatalf("UpdateWebhookSecret(%v, old %s) changed a row", try.ref, try.old)
		}
	}
	var ok bool
	mustUpdate(t, s, func(tx keyhouse.Tx) (err error) {
		ok, err = tx.UpdateWebhookSecret(ctx, keyhouse.KeyRef{OrgID: a.ID, ID: ka.ID}, []byte("rewrapped"), "mk2", "mk1")
		return err
	})
	got, _ := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Key, error) { return tx.Key(ctx, a.ID, ka.ID) })
	if !ok || string(got.WebhookSecretSealed) != "rewrapped" || got.WebhookSecretKeyID != "mk2" {
		t.Fatalf("after re-wrap: ok=%v %q %q", ok, got.WebhookSecretSealed, got.WebhookSecretKeyID)
	}
	refs, _ = view(t, s, func(tx keyhouse.Tx) ([]keyhouse.KeyRef, error) { return tx.WebhookSecretsNotUnder(ctx, "mk2") })
	if len(refs) != 1 || refs[0].ID != kb.ID || refs[0].OrgID != b.ID {
		t.Fatalf("still to re-wrap: %v, want only org b's key", refs)
	}
}

func newKey(orgID, projectID keyhouse.ID, h byte) *keyhouse.Key {
	exp := t0.Add(time.Hour)
	return &keyhouse.Key{ID: ids.New(keyhouse.PrefixKey), OrgID: orgID, ProjectID: projectID, Name: "k", Prefix: "sk",
		Environment: "live", KeyPrefix: "sk_live_abcd", Hint: "wxyz", Hash: [32]byte{h}, PepperVersion: 1,
		State: keyhouse.KeyActive, Scopes: []string{"read:users"}, Metadata: map[string]any{"team": "a"},
		CreatedBy: "user_x", CreatedAt: t0, UpdatedAt: t0, ExpiresAt: &exp}
}

func testKeyRoundTrip(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	p := MustProject(t, s, o.ID, "default")
	k := newKey(o.ID, p.ID, 1)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateKey(ctx, k) })
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Key, error) { return tx.KeyByHash(ctx, [32]byte{1}) })
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != k.ID || got.Hash != k.Hash || !got.ExpiresAt.Equal(*k.ExpiresAt) || got.Scopes[0] != "read:users" || got.Metadata["team"] != "a" || got.State != keyhouse.KeyActive {
		t.Fatalf("round trip: %+v", got)
	}
	err = s.Update(ctx, func(tx keyhouse.Tx) error { return tx.CreateKey(ctx, newKey(o.ID, p.ID, 1)) })
	wantCode(t, err, keyhouse.ECONFLICT)
	_, err = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Key, error) { return tx.KeyByHash(ctx, [32]byte{2}) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	// Touch only moves forward.
	later := t0.Add(time.Minute)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.TouchKey(ctx, o.ID, k.ID, later) })
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.TouchKey(ctx, o.ID, k.ID, t0) })
	got, _ = view(t, s, func(tx keyhouse.Tx) (*keyhouse.Key, error) { return tx.Key(ctx, o.ID, k.ID) })
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(later) {
		t.Fatalf("last used %v, want %v", got.LastUsedAt, later)
	}
	// A scheduled rotation's pending successor is kept and cleared.
	for _, pending := range []string{"akey_pending", ""} {
		got.PendingSuccessorID = pending
		mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.UpdateKey(ctx, got) })
		again, _ := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Key, error) { return tx.Key(ctx, o.ID, k.ID) })
		if again.PendingSuccessorID != pending {
			t.Fatalf("pending successor %q, want %q", again.PendingSuccessorID, pending)
		}
	}
	now := t0.Add(2 * time.Hour)
	list, total, err := view2(t, s, func(tx keyhouse.Tx) ([]*keyhouse.Key, int, error) {
		return tx.Keys(ctx, keyhouse.KeyFilter{OrgID: o.ID, State: keyhouse.KeyExpired, Now: now})
	})
	if err != nil || total != 1 || len(list) != 1 {
		t.Fatalf("expired filter: %d %v", total, err)
	}
}

func view2[T any](tb testing.TB, s keyhouse.Store, fn func(keyhouse.Tx) (T, int, error)) (T, int, error) {
	var v T
	var n int
	err := s.View(context.Background(), func(tx keyhouse.Tx) (err error) {
		v, n, err = fn(tx)
		return err
	})
	return v, n, err
}

func testKeyTenancy(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	a, b := MustOrg(t, s), MustOrg(t, s)
	p := MustProject(t, s, a.ID, "default")
	k := newKey(a.ID, p.ID, 3)
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateKey(ctx, k) })
	_, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Key, error) { return tx.Key(ctx, b.ID, k.ID) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	k2 := *k
	k2.OrgID, k2.Name = b.ID, "stolen"
	err = s.Update(ctx, func(tx keyhouse.Tx) error { return tx.UpdateKey(ctx, &k2) })
	wantCode(t, err, keyhouse.ENOTFOUND)
	_, total, _ := view2(t, s, func(tx keyhouse.Tx) ([]*keyhouse.Key, int, error) {
		return tx.Keys(ctx, keyhouse.KeyFilter{OrgID: b.ID})
	})
	if total != 0 {
		t.Fatalf("other org lists %d keys", total)
	}
}

func testClaimRotation(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	p := MustProject(t, s, o.ID, "default")
	k := newKey(o.ID, p.ID, 4)
	due := t0.Add(time.Minute)
	k.RotationIntervalDays, k.NextRotationAt = 1, &due
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateKey(ctx, k) })
	list, err := view(t, s, func(tx keyhouse.Tx) ([]*keyhouse.Key, error) { return tx.DueRotations(ctx, o.ID, due, 10) })
	if err != nil || len(list) != 1 {
		t.Fatalf("due: %d %v", len(list), err)
	}
	wins := 0
	for range 3 {
		mustUpdate(t, s, func(tx keyhouse.Tx) error {
			ok, err := tx.ClaimRotation(ctx, o.ID, k.ID, due, due.Add(time.Hour))
			if ok {
				wins++
			}
			return err
		})
	}
	if wins != 1 {
		t.Fatalf("%d claims won, want 1", wins)
	}
	list, _ = view(t, s, func(tx keyhouse.Tx) ([]*keyhouse.Key, error) { return tx.DueRotations(ctx, o.ID, due, 10) })
	if len(list) != 0 {
		t.Fatal("claimed key still due")
	}
}

func testPolicyScopeUsage(t *testing.T, s keyhouse.Store) {
	ctx := context.Background()
	o := MustOrg(t, s)
	p := MustProject(t, s, o.ID, "default")
	pol := &keyhouse.Policy{ID: ids.New(keyhouse.PrefixPolicy), OrgID: o.ID, Name: "p", RateLimit: 10, RateWindow: time.Minute,
		AllowedIPs: []string{"10.0.0.0/8"}, MaxKeyAge: 48 * time.Hour, CreatedAt: t0, UpdatedAt: t0}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreatePolicy(ctx, pol) })
	got, err := view(t, s, func(tx keyhouse.Tx) (*keyhouse.Policy, error) { return tx.Policy(ctx, o.ID, pol.ID) })
	if err != nil || got.RateWindow != time.Minute || got.MaxKeyAge != 48*time.Hour || got.AllowedIPs[0] != "10.0.0.0/8" {
		t.Fatalf("policy %+v %v", got, err)
	}
	k := newKey(o.ID, p.ID, 5)
	k.PolicyID = pol.ID
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateKey(ctx, k) })
	n, _ := view(t, s, func(tx keyhouse.Tx) (int, error) { return tx.CountKeysWithPolicy(ctx, o.ID, pol.ID) })
	if n != 1 {
		t.Fatalf("keys with policy %d", n)
	}
	sc := &keyhouse.Scope{ID: ids.New(keyhouse.PrefixScope), OrgID: o.ID, Name: "read:users", CreatedAt: t0}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateScope(ctx, sc) })
	err = s.Update(ctx, func(tx keyhouse.Tx) error {
		return tx.CreateScope(ctx, &keyhouse.Scope{ID: ids.New(keyhouse.PrefixScope), OrgID: o.ID, Name: "read:users", CreatedAt: t0})
	})
	wantCode(t, err, keyhouse.ECONFLICT)
	missing, _ := view(t, s, func(tx keyhouse.Tx) ([]string, error) {
		return tx.MissingScopes(ctx, o.ID, []string{"read:users", "x"})
	})
	if len(missing) != 1 || missing[0] != "x" {
		t.Fatalf("missing %v", missing)
	}
	var recs []*keyhouse.UsageRecord
	for i := range 450 {
		recs = append(recs, &keyhouse.UsageRecord{ID: ids.New(keyhouse.PrefixUsage), OrgID: o.ID, KeyID: k.ID, Valid: i%3 != 0,
			StatusCode: 200, Latency: time.Duration(i) * time.Microsecond, CreatedAt: t0.Add(time.Duration(i) * time.Minute)})
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.InsertUsage(ctx, recs) })
	from, to := t0, t0.Add(100*time.Minute)
	_, total, err := view2(t, s, func(tx keyhouse.Tx) ([]*keyhouse.UsageRecord, int, error) {
		return tx.Usage(ctx, keyhouse.UsageFilter{OrgID: o.ID, KeyID: k.ID, From: &from, To: &to, Page: keyhouse.Page{Limit: 10}})
	})
	if err != nil || total != 100 {
		t.Fatalf("usage window: %d %v", total, err)
	}
	// A second batch, in a later transaction, takes the prepared-statement
	// path on SQLite (the first one prepares the statements on commit).
	var more []*keyhouse.UsageRecord
	for i := range 451 {
		more = append(more, &keyhouse.UsageRecord{ID: ids.New(keyhouse.PrefixUsage), OrgID: o.ID, KeyID: k.ID, Valid: true,
			StatusCode: 201, Endpoint: "/e", Latency: time.Duration(i) * time.Microsecond, CreatedAt: t0.Add(time.Duration(1000+i) * time.Minute)})
	}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.InsertUsage(ctx, more) })
	count, latency, created := 0, time.Duration(0), 0
	_ = s.View(ctx, func(tx keyhouse.Tx) error {
		return tx.EachUsage(ctx, keyhouse.UsageFilter{OrgID: o.ID}, func(u *keyhouse.UsageRecord) error {
			count++
			latency += u.Latency
			if u.StatusCode == 201 && u.Endpoint == "/e" {
				created++
			}
			return nil
		})
	})
	if want := time.Duration(449*450/2+450*451/2) * time.Microsecond; count != 901 || created != 451 || latency != want {
		t.Fatalf("each usage: %d records (%d of the second batch), latency %v; want 901 (451), %v", count, created, latency, want)
	}
	d := &keyhouse.WebhookDelivery{ID: ids.New(keyhouse.PrefixWebhook), OrgID: o.ID, MessageID: "msg_1", KeyID: k.ID, Event: "e", URL: "https://x", Attempt: 1, Status: "failed", ResponseStatus: 500, CreatedAt: t0}
	mustUpdate(t, s, func(tx keyhouse.Tx) error { return tx.CreateWebhookDelivery(ctx, d) })
	_, dn, _ := view2(t, s, func(tx keyhouse.Tx) ([]*keyhouse.WebhookDelivery, int, error) {
		return tx.WebhookDeliveries(ctx, o.ID, "", keyhouse.Page{})
	})
	if dn != 1 {
		t.Fatalf("deliveries %d", dn)
	}
}
