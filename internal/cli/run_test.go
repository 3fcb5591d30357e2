package cli_test

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/cli"
)

// TestRunForwardsSignals is not parallel: it sends SIGINT to the test
// process, which `keyhouse run` catches and hands to the child.
func TestRunForwardsSignals(t *testing.T) {
	env := apptest.New(t)
	tok := env.Owner.Token
	env.Do("POST", "/v1/vaults", tok, map[string]string{"repoFullName": "acme/api"})
	env.Do("POST", "/v1/secrets/push", tok, map[string]any{"repoFullName": "acme/api", "environment": "dev", "secrets": map[string]string{"GREETING": "hi"}})
	c := &cliEnv{t: t, dir: t.TempDir()}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- c.run(nil, pw, "run", "--server", env.URL, "--token", tok, "--vault", "acme/api", "--env", "dev", "--",
			"sh", "-c", `trap 'echo "got INT $GREETING"; exit 42' INT; echo ready; while :; do sleep 0.05; done`)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("child said %q", sc.Text())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text())
	}
	err := <-done
	var ee *cli.ExitError
	if !errors.As(err, &ee) || ee.Code != 42 {
		t.Errorf("run = %v, want exit status 42", err)
	}
	if rest.String() != "got INT hi" {
		t.Errorf("child printed %q", rest.String())
	}
}
