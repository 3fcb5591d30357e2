package app_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/config"
)

func TestBootstrapDefaults(t *testing.T) {
	env := apptest.New(t)
	var projects struct {
		Data []struct{ ID, Name string } `json:"data"`
	}
	env.Do("GET", "/v1/projects", env.Owner.Token, nil).JSON(&projects)
	if len(projects.Data) != 1 || projects.Data[0].Name != "default" {
		t.Fatalf("projects of a fresh server: %+v", projects.Data)
	}
	var envs struct {
		Data []struct{ Name string } `json:"data"`
	}
	env.Do("GET", "/v1/projects/"+projects.Data[0].ID+"/environments", env.Owner.Token, nil).JSON(&envs)
	if len(envs.Data) != 2 || envs.Data[0].Name != "live" || envs.Data[1].Name != "test" {
		t.Errorf("default environments: %+v", envs.Data)
	}
	// A second start on the same database creates nothing new.
	res, err := env.App.Tenancy.Bootstrap(context.Background(), tenancyParams())
	if err != nil || res.Created {
		t.Errorf("second bootstrap: created=%v err=%v", res != nil && res.Created, err)
	}
}

var setupURL = regexp.MustCompile(`/setup\?token=([A-Za-z0-9_-]+)`)

func TestSetupLink(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) {
		c.AdminPassword = ""
		c.AdminEmail = "first@one.test"
	}))
	m := setupURL.FindStringSubmatch(env.Logs.String())
	if m == nil {
		t.Fatalf("no setup link in the logs:\n%s", env.Logs.String())
	}
	token := m[1]
	if r := env.Do("POST", "/v1/auth/login", "", map[string]string{"email": "first@one.test", "password": "anything-at-all"}); r.Status != 401 {
		t.Errorf("login before setup: %s", r)
	}
	if r := env.Do("POST", "/v1/auth/setup", "", map[string]string{"token": token, "password": "short"}); r.Status != 422 {
		t.Errorf("short password: %s", r)
	}
	r := env.Do("POST", "/v1/auth/setup", "", map[string]string{"token": token, "password": "a-long-enough-password"})
	if r.Status != 200 || !strings.Contains(r.Header.Get("Set-Cookie"), "keyhouse_session=") {
		t.Fatalf("setup: %s", r)
	}
	if r := env.Do("POST", "/v1/auth/setup", "", map[string]string{"token": token, "password": "another-long-password"}); r.Status != 404 {
		t.Errorf("second use of the setup link: %s", r)
	}
	if r := env.Do("POST", "/v1/auth/login", "", map[string]string{"email": "first@one.test", "password": "a-long-enough-password"}); r.Status != 200 {
		t.Errorf("login with the chosen password: %s", r)
	}
	if r := env.Do("POST", "/v1/auth/setup", "", map[string]string{"token": "forged", "password": "a-long-enough-password"}); r.Status != 404 {
		t.Errorf("forged token: %s", r)
	}
}

// TestOnPostgres runs the main flows on PostgreSQL (skipped, saying so,
// without KEYHOUSE_TEST_POSTGRES_URL).
func TestOnPostgres(t *testing.T) {
	env := apptest.New(t, apptest.WithPostgres())
	r := env.Do("POST", "/api/api-keys", env.Owner.Token, map[string]string{"name": "pg"})
	if r.Status != 201 {
		t.Fatalf("create key: %s", r)
	}
	key := r.Map()["key"].(string)
	if r := env.Do("POST", "/v1/projects", env.Owner.Token, map[string]string{"name": "pg-project"}); r.Status != 201 {
		t.Fatalf("create project: %s", r)
	}
	if r := env.Do("GET", "/api/audit-log?eventType=project.created", key, nil); r.Status != 200 || r.Map()["total"] != float64(2) {
		t.Errorf("audit on postgres: %s", r)
	}
	if r := env.Do("GET", "/v1/projects", env.Other.Token, nil); strings.Contains(string(r.Body), "pg-project") {
		t.Errorf("org two sees org one's project on postgres")
	}
	problems, n, err := audit.Verify(context.Background(), env.App.Store)
	if err != nil || len(problems) != 0 || n == 0 {
		t.Errorf("verify on postgres: %v %d %v", problems, n, err)
	}
}
