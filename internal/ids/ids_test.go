package ids

import "testing"

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
