package ids

import (
	"testing"

	"go.jetify.com/typeid"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

func TestNewIsValid(t *testing.T) {
	id := New("proj")
	if !Valid(id, "proj") {
		t.Fatalf("Valid(%q) = false", id)
	}
	for _, bad := range []string{"", "proj_", "env_" + id[5:], id + "x", "proj_" + "zzzzzzzzzzzzzzzzzzzzzzzzzz", "proj-01h2xcejqtf2nbrexx3vqjhp41"} {
		if Valid(bad, "proj") {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
	if a, b := New("proj"), New("proj"); a == b {
		t.Errorf("two IDs are equal: %s", a)
	}
}

func TestNewEveryPrefix(t *testing.T) {
	for _, p := range []string{keyhouse.PrefixOrg, keyhouse.PrefixUser, keyhouse.PrefixSession, keyhouse.PrefixMgmtKey,
		keyhouse.PrefixProject, keyhouse.PrefixEnvironment, keyhouse.PrefixAuditEvent, keyhouse.PrefixKey, keyhouse.PrefixPolicy,
		keyhouse.PrefixScope, keyhouse.PrefixUsage, keyhouse.PrefixRotation, keyhouse.PrefixVault, keyhouse.PrefixSecret,
		keyhouse.PrefixVersion, keyhouse.PrefixDevice, keyhouse.PrefixWebhook} {
		id := New(p)
		tid, err := typeid.FromString(id)
		if err != nil || tid.Prefix() != p || tid.String() != id || !Valid(id, p) {
			t.Errorf("New(%q) = %q: %v", p, id, err)
		}
	}
	seen := map[string]bool{}
	for range 1000 {
		id := New("x")
		if seen[id] {
			t.Fatalf("duplicate %s", id)
		}
		seen[id] = true
	}
}

// BenchmarkNewTypeID is the library's own constructor, for comparison.
func BenchmarkNewTypeID(b *testing.B) {
	for b.Loop() {
		_ = typeid.Must(typeid.WithPrefix(keyhouse.PrefixUsage)).String()
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		_ = New(keyhouse.PrefixUsage)
	}
}
