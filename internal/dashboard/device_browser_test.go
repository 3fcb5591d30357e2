package dashboard_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
)

// chromium finds Debian's chromium (CI installs it) or skips.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("KEYHOUSE_TEST_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("chromium is not installed (apt-get install -y chromium); CI runs this test")
	return ""
}

func browser(t *testing.T) context.Context {
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

func TestDeviceApprovalPageInBrowser(t *testing.T) {
	t.Parallel()
	bctx := browser(t)
	env := apptest.New(t, apptest.WithoutSpecCheck())
	r := env.Do("POST", "/v1/auth/device/start", "", map[string]string{"repository": "acme/api"})
	var start struct {
		DeviceCode              string `json:"deviceCode"`
		UserCode                string `json:"userCode"`
		VerificationURIComplete string `json:"verificationUriComplete"`
	}
	r.JSON(&start)
	if !strings.HasPrefix(start.VerificationURIComplete, env.URL+"/device?user_code=") {
		t.Fatalf("verification URL %q is not this server's page", start.VerificationURIComplete)
	}
	err := chromedp.Do(bctx,
		chromedp.Navigate(start.VerificationURIComplete),
		// Not signed in: the page asks for credentials first.
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.SendKeys(chromedp.ID("email"), env.Owner.Email),
		chromedp.SendKeys(chromedp.ID("password"), apptest.Password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("confirm")),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	shown, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("confirm-code")))
	if err != nil {
		t.Fatal(err)
	}
	repo, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("confirm-repo")))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.CSS("#result.ok"))); err != nil {
		t.Fatalf("browser (approve): %v", err)
	}
	result, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("result")))
	if err != nil {
		t.Fatal(err)
	}
	if shown != start.UserCode || !strings.Contains(repo, "acme/api") || !strings.HasPrefix(result, "Approved") {
		t.Errorf("page showed code %q, repo %q, result %q", shown, repo, result)
	}
	p := env.Do("POST", "/v1/auth/device/poll", "", map[string]string{"deviceCode": start.DeviceCode})
	var poll struct {
		Status      string `json:"status"`
		KeywayToken string `json:"keywayToken"`
	}
	p.JSON(&poll)
	if poll.Status != "approved" {
		t.Fatalf("poll after approving in the browser = %s", p)
	}
	if me := env.Do("GET", "/v1/users/me", poll.KeywayToken, nil); me.Status != http.StatusOK {
		t.Errorf("the device token does not work: %s", me)
	}

	// Signed in now (the cookie stays): a second code goes straight to
	// the confirmation, and Deny denies.
	r = env.Do("POST", "/v1/auth/device/start", "", nil)
	r.JSON(&start)
	err = chromedp.Do(bctx,
		chromedp.Navigate(env.URL+"/device"),
		chromedp.WaitVisible(chromedp.ID("code-form")),
		chromedp.SendKeys(chromedp.ID("user-code"), strings.ToLower(strings.ReplaceAll(start.UserCode, "-", ""))),
		chromedp.Click(chromedp.ID("code-submit")),
		chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.Click(chromedp.ID("deny")),
		chromedp.WaitVisible(chromedp.CSS("#result:not(:empty)")),
	)
	if err != nil {
		t.Fatalf("browser (deny): %v", err)
	}
	if p := env.Do("POST", "/v1/auth/device/poll", "", map[string]string{"deviceCode": start.DeviceCode}); p.Status != http.StatusForbidden {
		t.Errorf("poll after deny = %s", p)
	}
}

func TestSetupAndLoginPagesRender(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, apptest.WithoutSpecCheck())
	for _, p := range []string{"/login", "/setup?token=abc", "/device?user_code=ABCDE-FGHJK"} {
		req, _ := http.NewRequest("GET", env.URL+p, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s = %d %v", p, resp.StatusCode, resp.Header)
		}
	}
}
