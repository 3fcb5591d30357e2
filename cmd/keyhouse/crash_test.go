package main

import (
	"bufio"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/client"
)

// startBinary runs the real keyhouse binary and waits for "listening".
func startBinary(t *testing.T, bin, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database-url", filepath.Join(dir, "keyhouse.db"))
	cmd.Env = append(os.Environ(), "KEYHOUSE_ADMIN_EMAIL=admin@example.com", "KEYHOUSE_ADMIN_PASSWORD="+password, "KEYHOUSE_RATE_LIMIT=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrC := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "listening" {
				addrC <- m["addr"].(string)
			}
		}
	}()
	select {
	case a := <-addrC:
		return cmd, "http://" + a
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("binary did not start")
	}
	return nil, ""
}

// TestCrashSafety creates API keys in a loop against the real binary,
// kill -9s it at a random moment, restarts it, and finds every key whose
// creation was acknowledged with a 2xx, and its audit event.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "keyhouse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx := context.Background()
	acked := map[string]bool{}
	for round := range 3 {
		cmd, url := startBinary(t, bin, dir)
		c := client.New(url, "")
		if _, err := c.Login(ctx, "admin@example.com", password); err != nil {
			cmd.Process.Kill()
			t.Fatalf("round %d login: %v", round, err)
		}
		killAt := time.Now().Add(time.Duration(150+rand.IntN(450)) * time.Millisecond)
		killed := make(chan struct{})
		go func() {
			time.Sleep(time.Until(killAt))
			_ = cmd.Process.Signal(syscall.SIGKILL)
			close(killed)
		}()
		for i := 0; ; i++ {
			k, err := c.CreateAPIKey(ctx, client.CreateAPIKeyRequest{Name: "crash"})
			if err != nil {
				break // the server died mid-request: not acknowledged
			}
			acked[k.ID] = true
		}
		<-killed
		_ = cmd.Wait()
	}
	if len(acked) < 3 {
		t.Fatalf("only %d keys were acknowledged before the kills; the test proves little", len(acked))
	}
	cmd, url := startBinary(t, bin, dir)
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	c := client.New(url, "")
	if _, err := c.Login(ctx, "admin@example.com", password); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for page := 1; ; page++ {
		l, err := c.ListAPIKeys(ctx, page, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range l.Keys {
			found[k.ID] = true
		}
		if len(l.Keys) < 100 {
			break
		}
	}
	audited := map[string]bool{}
	var buf strings.Builder
	if err := c.ExportAudit(ctx, client.AuditQuery{EventType: "api_key.created"}, "jsonl", &buf); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var e client.AuditEntry
		if json.Unmarshal([]byte(line), &e) == nil {
			audited[e.ResourceID] = true
		}
	}
	for id := range acked {
		if !found[id] {
			t.Errorf("acknowledged key %s is gone after kill -9", id)
		}
		if !audited[id] {
			t.Errorf("acknowledged key %s has no audit event after kill -9", id)
		}
	}
	t.Logf("%d acknowledged keys survived 3 kill -9s", len(acked))
	// The chain is intact too.
	out, err := exec.Command(bin, "audit", "verify", "--database-url", filepath.Join(dir, "keyhouse.db")).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok: ") {
		t.Errorf("audit verify after crashes: %v %s", err, out)
	}
}
