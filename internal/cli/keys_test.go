package cli_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
)

func TestCLIKeys(t *testing.T) {
	env := apptest.New(t)
	c := &cliEnv{t: t, dir: t.TempDir()}
	auth := []string{"--server", env.URL, "--token", env.Owner.Token}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := c.run(nil, &out, append(args, auth...)...)
		return out.String(), err
	}
	if _, err := run("scopes", "create", "read:users"); err != nil {
		t.Fatal(err)
	}
	out, err := run("policies", "create", "--name", "p", "--rate-limit", "100", "--rate-window", "1m", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var pol struct{ ID string }
	_ = json.Unmarshal([]byte(out), &pol)
	out, err = run("keys", "create", "--name", "cli", "--scope", "read:users", "--policy", pol.ID, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Key    struct{ ID string }
		RawKey string `json:"raw_key"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.RawKey == "" {
		t.Fatalf("create: %q %v", out, err)
	}
	if out, err = run("keys", "validate", created.RawKey, "--require-scope", "read:users"); err != nil || !strings.HasPrefix(out, "valid:") {
		t.Fatalf("validate: %q %v", out, err)
	}
	if out, err = run("keys", "list"); err != nil || !strings.Contains(out, created.Key.ID) || strings.Contains(out, created.RawKey) {
		t.Fatalf("list: %q %v", out, err)
	}
	if _, err = run("keys", "suspend", created.Key.ID); err != nil {
		t.Fatal(err)
	}
	if out, err = run("keys", "validate", created.RawKey); err == nil || !strings.Contains(out, "suspended") {
		t.Fatalf("validate suspended: %q %v", out, err)
	}
	if _, err = run("keys", "reactivate", created.Key.ID); err != nil {
		t.Fatal(err)
	}
	out, err = run("keys", "rotate", created.Key.ID, "--grace-period", "0")
	if err != nil || !strings.HasPrefix(out, "sk_live_") {
		t.Fatalf("rotate: %q %v", out, err)
	}
	newRaw := strings.TrimSpace(out)
	if out, err = run("keys", "validate", created.RawKey); err == nil || !strings.Contains(out, "rotated") {
		t.Fatalf("old key after rotation: %q %v", out, err)
	}
	if _, err = run("keys", "validate", newRaw); err != nil {
		t.Fatal(err)
	}
	if out, err = run("usage", created.Key.ID); err != nil || !strings.Contains(out, "REQUESTS") {
		t.Fatalf("usage: %q %v", out, err)
	}
	if _, err = run("keys", "revoke", created.Key.ID); err != nil {
		t.Fatal(err)
	}
	if _, err = run("keys", "get", "akey_nope"); err == nil {
		t.Fatal("get of a bad id succeeded")
	}
	if out, err = run("policies", "list"); err != nil || !strings.Contains(out, pol.ID) {
		t.Fatalf("policies list: %q %v", out, err)
	}
	if out, err = run("scopes", "list", "--json"); err != nil || !strings.Contains(out, "read:users") {
		t.Fatalf("scopes list: %q %v", out, err)
	}
}
