package cli_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
)

// ownerCLI starts a server and returns a CLI runner signed in as its owner;
// run returns what the command printed.
func ownerCLI(t *testing.T) (*cliEnv, func(args ...string) (string, error)) {
	env := apptest.New(t)
	c := &cliEnv{t: t, dir: t.TempDir()}
	auth := []string{"--server", env.URL, "--token", env.Owner.Token}
	return c, func(args ...string) (string, error) {
		var out bytes.Buffer
		err := c.run(nil, &out, append(args, auth...)...)
		return out.String(), err
	}
}

func TestCLIKeys(t *testing.T) {
	_, run := ownerCLI(t)
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

func TestCLIPoliciesUpdateAndScriptOutput(t *testing.T) {
	c, run := ownerCLI(t)
	out, err := run("policies", "create", "--name", "p", "--rate-limit", "1", "--rate-window", "1h", "--burst", "1",
		"--allow-ip", "10.0.0.0/8", "--daily-quota", "500", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var pol map[string]any
	_ = json.Unmarshal([]byte(out), &pol)
	id, _ := pol["id"].(string)
	// Only the flags given change; the rest of the policy is kept.
	if out, err = run("policies", "update", id, "--name", "renamed", "--json"); err != nil {
		t.Fatalf("update: %q %v", out, err)
	}
	var upd map[string]any
	_ = json.Unmarshal([]byte(out), &upd)
	if upd["name"] != "renamed" || upd["rate_limit"].(float64) != 1 || upd["rate_limit_window"] != "1h0m0s" || upd["daily_quota"].(float64) != 500 ||
		len(upd["allowed_ips"].([]any)) != 1 {
		t.Fatalf("updated policy %v", upd)
	}
	if _, err := run("policies", "update", id, "--rate-window", "banana"); err == nil || !strings.Contains(err.Error(), "rate_limit_window") {
		t.Fatalf("bad window: %v, want the field named", err)
	}
	// Validate --json carries the rate limit of a 429.
	k, err := run("keys", "create", "--policy", id, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Key    struct{ ID string }
		RawKey string `json:"raw_key"`
	}
	_ = json.Unmarshal([]byte(k), &created)
	var last map[string]any
	for range 3 {
		out, _ = run("keys", "validate", created.RawKey, "--ip", "10.1.1.1", "--json")
		last = nil
		_ = json.Unmarshal([]byte(out), &last)
	}
	if last["code"] != "rate_limited" || last["limit"] == nil || last["remaining"].(float64) != 0 || last["reset"] == nil {
		t.Fatalf("rate-limited validate --json: %q", out)
	}
	if _, err := run("keys", "create", "--expires-in", "-5s"); err == nil {
		t.Fatal("a negative --expires-in was accepted")
	}
	if out, err = run("keys", "suspend", created.Key.ID); err != nil || out != created.Key.ID+": suspended\n" {
		t.Fatalf("suspend: %q %v", out, err)
	}
	out, err = run("scopes", "create", "tmp:x", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var sc struct{ ID string }
	_ = json.Unmarshal([]byte(out), &sc)
	for _, del := range [][]string{{"scopes", "delete", sc.ID}, {"keys", "revoke", created.Key.ID}} {
		out, err = run(append(del, "--json")...)
		var res map[string]string
		if err != nil || json.Unmarshal([]byte(out), &res) != nil || res["id"] != del[2] || res["result"] == "" {
			t.Fatalf("%v --json: %q %v", del, out, err)
		}
	}
	for _, bad := range [][]string{{"keys", "bogus"}, {"policies", "frobnicate"}, {"scopes", "x"}} {
		var out bytes.Buffer
		if err := c.run(nil, &out, bad...); err == nil || !strings.Contains(err.Error(), "unknown command") {
			t.Errorf("%v: %v, want an unknown command error", bad, err)
		}
	}
}
