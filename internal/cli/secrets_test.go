package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/cli"
	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/dotenv"
	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
)

type cliEnv struct {
	t   *testing.T
	dir string
}

func (c *cliEnv) getenv(k string) string {
	if k == "KEYHOUSE_CONFIG_DIR" {
		return c.dir
	}
	return ""
}

func (c *cliEnv) run(stdin io.Reader, stdout io.Writer, args ...string) error {
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stderr bytes.Buffer
	err := cli.Run(context.Background(), append([]string{"keyhouse"}, args...), c.getenv, stdin, stdout, &stderr)
	if err != nil {
		c.t.Logf("keyhouse %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return err
}

const realWorldEnv = `# A .env as people write them
export DATABASE_URL=postgres://user:p@ss@db:5432/app?sslmode=disable
API_KEY = 'sk_live_abc#notacomment'   # trailing comment
GREETING="Hello, \"world\"\n\tindented"
EMPTY=
SPACED=  value with inner spaces   
MULTI="line one
line two
  line three"
UNICODE=héllo✓
EQUALS=a=b=c
SINGLE='single $HOME \n "quoted"'
HASHY=abc#def
`

func TestCLIPushPullRun(t *testing.T) {
	t.Parallel()
	env := apptest.New(t)
	c := &cliEnv{t: t, dir: t.TempDir()}
	auth := []string{"--server", env.URL, "--token", env.Owner.Token}
	if err := c.run(nil, io.Discard, append([]string{"vaults", "create", "acme/api"}, auth...)...); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(c.dir, "in.env")
	if err := os.WriteFile(file, []byte(realWorldEnv), 0o600); err != nil {
		t.Fatal(err)
	}
	want, err := dotenv.Parse(strings.NewReader(realWorldEnv))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := c.run(nil, &out, append([]string{"secrets", "push", "--file", file, "--vault", "acme/api", "--env", "production"}, auth...)...); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "10 created") {
		t.Errorf("push said %q", out.String())
	}
	pulled := filepath.Join(c.dir, "out.env")
	if err := c.run(nil, io.Discard, append([]string{"secrets", "pull", "--output", pulled, "--vault", "acme/api", "--env", "production"}, auth...)...); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(pulled); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("pulled file mode = %v, %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(pulled)
	got, err := dotenv.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	toMap := func(es []dotenv.Entry) map[string]string {
		m := map[string]string{}
		for _, e := range es {
			m[e.Key] = e.Value
		}
		return m
	}
	if diff := cmp.Diff(toMap(want), toMap(got)); diff != "" {
		t.Errorf("push → pull (-want +got):\n%s", diff)
	}

	out.Reset()
	if err := c.run(nil, &out, append([]string{"secrets", "get", "GREETING", "--vault", "acme/api", "--env", "production"}, auth...)...); err != nil || out.String() != "Hello, \"world\"\n\tindented\n" {
		t.Errorf("get = %q, %v", out.String(), err)
	}

	// run: the child sees the secrets and its status comes back.
	out.Reset()
	err = c.run(nil, &out, append(append([]string{"run", "--vault", "acme/api", "--env", "production"}, auth...),
		"--", "sh", "-c", `printf '%s|%s|%s' "$API_KEY" "$MULTI" "$EQUALS"; exit 7`)...)
	var ee *cli.ExitError
	if !errors.As(err, &ee) || ee.Code != 7 {
		t.Errorf("run error = %v, want exit status 7", err)
	}
	if want := "sk_live_abc#notacomment|line one\nline two\n  line three|a=b=c"; out.String() != want {
		t.Errorf("child printed %q, want %q", out.String(), want)
	}
	if err := c.run(nil, io.Discard, append(append([]string{"run", "--vault", "acme/api", "--env", "production"}, auth...), "--", "true")...); err != nil {
		t.Errorf("run true = %v", err)
	}

	// set, rm, restore, history.
	vf := append([]string{"--vault", "acme/api", "--env", "production"}, auth...)
	for _, args := range [][]string{{"secrets", "set", "EMPTY", "now set"}, {"secrets", "rm", "HASHY"}, {"secrets", "restore", "HASHY"}, {"secrets", "restore", "EMPTY", "--version", "1"}} {
		if err := c.run(nil, io.Discard, append(args, vf...)...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	out.Reset()
	if err := c.run(nil, &out, append([]string{"secrets", "history", "EMPTY"}, vf...)...); err != nil || strings.Count(out.String(), "\n") != 4 {
		t.Errorf("history = %q, %v", out.String(), err)
	}
	out.Reset()
	c.run(nil, &out, append([]string{"secrets", "get", "EMPTY"}, vf...)...)
	if out.String() != "\n" {
		t.Errorf("EMPTY after version restore = %q", out.String())
	}
}

func TestCLIDeviceLogin(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, apptest.WithoutSpecCheck())
	c := &cliEnv{t: t, dir: t.TempDir()}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- c.run(nil, pw, "login", "--server", env.URL)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	code := ""
	re := regexp.MustCompile(`code ([A-Z0-9]{5}-[A-Z0-9]{5})`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			code = m[1]
			break
		}
	}
	if code == "" {
		t.Fatal("login printed no user code")
	}
	go io.Copy(io.Discard, pr)
	r := env.Do("POST", "/v1/auth/login", "", map[string]string{"email": env.Owner.Email, "password": apptest.Password})
	var cookie *http.Cookie
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == httpapi.SessionCookie {
			cookie = ck
		}
	}
	req := env.NewRequest("POST", "/v1/auth/device/approve", "", map[string]string{"userCode": code})
	req.AddCookie(cookie)
	if r := env.Send(req); r.Status != http.StatusOK {
		t.Fatalf("approve = %s", r)
	}
	if err := <-done; err != nil {
		t.Fatalf("login: %v", err)
	}
	path := filepath.Join(c.dir, "credentials.json")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file = %v, %v", fi, err)
	}
	// Later commands use the stored token.
	var out bytes.Buffer
	if err := c.run(nil, &out, "vaults", "list"); err != nil {
		t.Errorf("vaults list with the stored token: %v", err)
	}
}

func TestCLIRotateMasterKeyWithKeyFile(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "keyhouse.key")
	var dbURL string
	env := apptest.New(t, apptest.WithConfig(func(cfg *config.Config) {
		cfg.MasterKey, cfg.MasterKeyFile = "", keyFile
		dbURL = cfg.DatabaseURL
	}))
	tok := env.Owner.Token
	env.Do("POST", "/v1/vaults", tok, map[string]string{"repoFullName": "acme/api"})
	env.Do("POST", "/v1/secrets/push", tok, map[string]any{"repoFullName": "acme/api", "environment": "dev", "secrets": map[string]string{"A": "before"}})
	old, _, err := crypto.LoadOrCreateKeyFile(keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &cliEnv{t: t, dir: t.TempDir()}
	var out bytes.Buffer
	if err := c.run(nil, &out, "rotate-master-key", "--database-url", dbURL, "--master-key-file", keyFile); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Re-wrapped 1 data keys, ") {
		t.Errorf("rotate said %q", out.String())
	}
	nk, _, err := crypto.LoadOrCreateKeyFile(keyFile, nil)
	if err != nil || nk.ID == old.ID {
		t.Fatalf("key file still holds %s (%v)", nk.ID, err)
	}
	if _, err := os.Stat(keyFile + ".old-" + old.ID); err != nil {
		t.Errorf("no backup of the old key: %v", err)
	}
	// The running server keeps serving: new tenants' keys and old reads.
	env.Do("POST", "/v1/vaults", env.Other.Token, map[string]string{"repoFullName": "other/app"})
	if r := env.Do("POST", "/v1/secrets/push", env.Other.Token, map[string]any{"repoFullName": "other/app", "environment": "dev", "secrets": map[string]string{"B": "b"}}); r.Status != http.StatusOK {
		t.Errorf("push after rotation = %s", r)
	}
	if r := env.Do("GET", "/v1/secrets/view?repo=acme/api&environment=dev&key=A", tok, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "before") {
		t.Errorf("view after rotation = %s", r)
	}
}
