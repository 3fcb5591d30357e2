package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/client"
)

const password = "correct-horse-battery-staple"

// lineWriter collects output and reports the "listening" address.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	addrC chan string
	sent  bool
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent {
		sc := bufio.NewScanner(bytes.NewReader(w.buf.Bytes()))
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "listening" {
				w.addrC <- m["addr"].(string)
				w.sent = true
				break
			}
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func getenvFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// startServer runs `keyhouse serve` through run() on 127.0.0.1:0 and
// returns its URL and a function that stops it and returns run's error.
func startServer(t *testing.T, env map[string]string) (string, *lineWriter, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lineWriter{addrC: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"keyhouse", "serve", "--addr", "127.0.0.1:0"}, getenvFrom(env), strings.NewReader(""), io.Discard, logs)
	}()
	select {
	case addr := <-logs.addrC:
		return "http://" + addr, logs, func() error { cancel(); return <-done }
	case err := <-done:
		t.Fatalf("server exited: %v\n%s", err, logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start:\n%s", logs)
	}
	return "", nil, nil
}

// TestQuickstart walks the README's quickstart against run(): sign in,
// create a management API key, list the audit log with it, stop cleanly.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"KEYHOUSE_DATABASE_URL":   filepath.Join(dir, "keyhouse.db"),
		"KEYHOUSE_ADMIN_EMAIL":    "admin@example.com",
		"KEYHOUSE_ADMIN_PASSWORD": password,
	}
	url, logs, stop := startServer(t, env)
	ctx := context.Background()

	c := client.New(url, "")
	if err := c.Health(ctx); err != nil {
		t.Fatalf("readyz: %v", err)
	}
	res, err := c.Login(ctx, "admin@example.com", password)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if res.User.Role != "owner" || !strings.HasPrefix(res.Token, "khc_") {
		t.Fatalf("login result: %+v", res.User)
	}
	k, err := c.CreateAPIKey(ctx, client.CreateAPIKeyRequest{Name: "ci"})
	if err != nil {
		t.Fatalf("create api key: %v", err)
	}
	if !strings.HasPrefix(k.Key, "kc_") || k.ExpiresAt.Sub(k.CreatedAt) != 30*24*time.Hour {
		t.Errorf("api key: %+v", k)
	}
	kc := client.New(url, k.Key)
	l, err := kc.AuditLog(ctx, client.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatalf("audit log with the api key: %v", err)
	}
	if len(l.Entries) == 0 || l.Entries[0].EventType != "api_key.created" || l.Entries[0].ResourceID != k.ID {
		t.Errorf("newest audit entry: %+v", l.Entries)
	}
	if _, err := kc.CreateAPIKey(ctx, client.CreateAPIKeyRequest{Name: "child"}); client.StatusOf(err) != 403 {
		t.Errorf("api key minting a key: %v, want 403", err)
	}
	if err := stop(); err != nil {
		t.Errorf("run returned %v after SIGINT-equivalent", err)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s", want)
		}
	}
	// No credential ever reaches a log line.
	for _, secret := range []string{k.Key, res.Token, password} {
		if strings.Contains(out, secret) {
			t.Errorf("a credential appears in the logs")
		}
	}
}

// TestCLI drives the client commands through run() as a user would.
func TestCLI(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"KEYHOUSE_DATABASE_URL":   filepath.Join(dir, "keyhouse.db"),
		"KEYHOUSE_ADMIN_EMAIL":    "admin@example.com",
		"KEYHOUSE_ADMIN_PASSWORD": password,
		"KEYHOUSE_CONFIG_DIR":     filepath.Join(dir, "config"),
	}
	url, _, stop := startServer(t, env)
	defer stop()
	env["KEYHOUSE_SERVER"] = url
	cli := func(stdin string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"keyhouse"}, args...), getenvFrom(env), strings.NewReader(stdin), &out, &errOut)
		if err != nil {
			return out.String() + errOut.String(), err
		}
		return out.String(), nil
	}
	if out, err := cli(password+"\n", "login", "--password", "--email", "admin@example.com", "--password-stdin"); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	fi, err := os.Stat(filepath.Join(dir, "config", "credentials.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", fi, err)
	}
	key, err := cli("", "api-key", "create", "--name", "deploy")
	if err != nil || !strings.HasPrefix(key, "kc_") {
		t.Fatalf("api-key create: %q %v", key, err)
	}
	out, err := cli("", "api-key", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var keys []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(out), &keys); err != nil || len(keys) != 1 || keys[0].Name != "deploy" {
		t.Fatalf("api-key list --json: %q %v", out, err)
	}
	if strings.Contains(out, strings.TrimSpace(key)) {
		t.Error("list shows the raw key")
	}
	if out, err := cli("", "api-key", "list"); err != nil || !strings.Contains(out, "deploy") || !strings.Contains(out, "LAST USED") {
		t.Errorf("api-key list table: %q %v", out, err)
	}
	if out, err := cli("", "audit", "query", "--event-type", "api_key.created"); err != nil || !strings.Contains(out, "api_key.created") {
		t.Errorf("audit query: %q %v", out, err)
	}
	if out, err := cli("", "api-key", "revoke", keys[0].ID); err != nil {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if out, err := cli("", "api-key", "list", "--token", strings.TrimSpace(key)); err == nil || !strings.Contains(out, "revoked") {
		t.Errorf("revoked key still works: %q %v", out, err)
	}
	if out, err := cli("", "audit", "verify", "--database-url", env["KEYHOUSE_DATABASE_URL"]); err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Errorf("audit verify: %q %v", out, err)
	}
	if out, err := cli("", "logout"); err != nil {
		t.Errorf("logout: %v %s", err, out)
	}
	if out, err := cli("", "api-key", "list"); err == nil {
		t.Errorf("list after logout worked: %s", out)
	}
}

func TestServeHelpNamesEnvironmentVariables(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"keyhouse", "serve", "--help"}, getenvFrom(nil), strings.NewReader(""), &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--addr", "KEYHOUSE_ADDR", "--database-url", "KEYHOUSE_DATABASE_URL", "KEYHOUSE_MASTER_KEY", "KEYHOUSE_ADMIN_PASSWORD", "KEYHOUSE_RATE_LIMIT"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve --help lacks %s", want)
		}
	}
}

func TestEnvironmentFallbackAndFlagPrecedence(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	env := getenvFrom(map[string]string{"KEYHOUSE_DATABASE_URL": filepath.Join(dir, "from-env.db")})
	if err := run(context.Background(), []string{"keyhouse", "migrate"}, env, strings.NewReader(""), &out, &out); err != nil {
		t.Fatalf("migrate: %v %s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "from-env.db")); err != nil {
		t.Errorf("KEYHOUSE_DATABASE_URL was not used: %v", err)
	}
	flag := filepath.Join(dir, "from-flag.db")
	if err := run(context.Background(), []string{"keyhouse", "migrate", "--database-url", flag}, env, strings.NewReader(""), &out, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(flag); err != nil {
		t.Errorf("the flag did not win over the environment: %v", err)
	}
}
