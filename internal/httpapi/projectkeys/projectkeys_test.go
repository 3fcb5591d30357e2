package projectkeys_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

func defaultProject(t *testing.T, env *apptest.Env) string {
	t.Helper()
	var list struct {
		Data []struct{ ID, Name string }
	}
	env.Do("GET", "/v1/projects", env.Owner.Token, nil).JSON(&list)
	for _, p := range list.Data {
		if p.Name == "default" {
			return p.ID
		}
	}
	t.Fatal("no default project")
	return ""
}

func TestProjectKeys(t *testing.T) {
	env := apptest.New(t)
	tok := env.Owner.Token
	proj := defaultProject(t, env)
	if r := env.Do("POST", "/v1/scopes", tok, map[string]any{"name": "jobs:run"}); r.Status != 201 {
		t.Fatalf("scope: %s", r)
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer hook.Close()
	r := env.Do("POST", "/v1/api-keys", tok, map[string]any{"project_id": proj, "name": "worker", "scopes": []string{"jobs:run"},
		"expires_in_days": 10, "rotation_interval_days": 30, "rotation_webhook_url": hook.URL})
	if r.Status != 201 {
		t.Fatalf("create: %s", r)
	}
	m := r.Map()
	if !strings.HasPrefix(m["key"].(string), "sk_live_") || !strings.HasPrefix(m["rotation_webhook_secret"].(string), "whsec_") || m["next_rotation_at"] == nil {
		t.Fatalf("create answer %v", m)
	}
	// Seed 004 answers create with the whole APIKey object.
	for _, f := range []string{"id", "project_id", "name", "key_prefix", "scopes", "expires_at", "last_used_at", "created_at",
		"revoked_at", "replaced_by_key_id", "grace_expires_at", "environment_id", "rotation_interval_days", "next_rotation_at",
		"rotation_webhook_url"} {
		if _, ok := m[f]; !ok {
			t.Errorf("create answer has no %q: %v", f, m)
		}
	}
	if m["revoked_at"] != nil || m["replaced_by_key_id"] != nil || m["rotation_interval_days"].(float64) != 30 {
		t.Errorf("create answer %v", m)
	}
	id := m["id"].(string)
	var list []map[string]any
	env.Do("GET", "/v1/api-keys?project_id="+proj, tok, nil).JSON(&list)
	if len(list) != 1 || list[0]["id"] != id || list[0]["rotation_webhook_url"] != hook.URL {
		t.Fatalf("list %v", list)
	}
	var soon []map[string]any
	env.Do("GET", "/v1/api-keys/expiring-soon?project_id="+proj+"&within_days=30", tok, nil).JSON(&soon)
	if len(soon) != 1 || soon[0]["days_left"].(float64) != 10 {
		t.Fatalf("expiring soon %v", soon)
	}
	start := env.Clock.Now()
	rot := env.Do("POST", "/v1/api-keys/"+id+"/rotate", tok, map[string]any{})
	if rot.Status != 201 {
		t.Fatalf("rotate: %s", rot)
	}
	rm := rot.Map()
	grace, _ := time.Parse(time.RFC3339, rm["grace_expires_at"].(string))
	if !grace.Equal(start.Add(time.Hour)) || rm["name"] != "worker (rotated)" || rm["old_key_id"] != id {
		t.Fatalf("rotate answer %v (grace %v, want %v)", rm, grace, start.Add(time.Hour))
	}
	env.Do("GET", "/v1/api-keys?project_id="+proj, tok, nil).JSON(&list)
	if len(list) != 2 {
		t.Fatalf("after rotation %d keys listed", len(list))
	}
	for _, k := range list {
		if k["id"] == id && (k["replaced_by_key_id"] != rm["new_key_id"] || k["grace_expires_at"] == nil) {
			t.Fatalf("old key %v", k)
		}
	}
	if d := env.Do("GET", "/v1/webhooks/deliveries", tok, nil); d.Status != 200 || len(d.Map()["data"].([]any)) != 0 {
		t.Fatalf("deliveries before: %s", d)
	}
	if r := env.Do("DELETE", "/v1/api-keys/"+rm["new_key_id"].(string)+"?project_id=proj_01h2xcejqtf2nbrexx3vqjhp41", tok, nil); r.Status != 404 {
		t.Fatalf("revoke in another project: %s", r)
	}
	if r := env.Do("GET", "/v1/api-keys?project_id="+proj, env.Other.Token, nil); r.Status != 404 {
		t.Fatalf("other org lists: %s", r)
	}
	// Scheduled rotation: the new key is due in 30 days; the job delivers
	// it and records the attempt. (The CLI token has expired by then, so
	// the listing goes through the service as the owner.)
	env.Clock.Advance(31 * 24 * time.Hour)
	if n, err := env.App.Keys.RunScheduledRotations(t.Context()); err != nil || n != 1 {
		t.Fatalf("scheduled rotations %d, %v", n, err)
	}
	owner := keyhouse.NewContextWithPrincipal(t.Context(), &keyhouse.Principal{Kind: keyhouse.PrincipalUser, OrgID: env.Owner.ID, UserID: env.Owner.UserID, Role: keyhouse.RoleOwner})
	ds, total, err := env.App.Keys.WebhookDeliveries(owner, "", keyhouse.Page{})
	if err != nil || total != 1 || ds[0].Status != "succeeded" {
		t.Fatalf("deliveries %v %d %v", ds, total, err)
	}
}

func TestWebhookToLoopbackRefusedByDefault(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.AllowPrivateNet = false }))
	proj := defaultProject(t, env)
	env.Do("POST", "/v1/scopes", env.Owner.Token, map[string]any{"name": "a"})
	for _, u := range []string{"https://127.0.0.1/hook", "http://127.0.0.1/hook", "https://[::1]:8443/x"} {
		r := env.Do("POST", "/v1/api-keys", env.Owner.Token, map[string]any{"project_id": proj, "name": "w", "scopes": []string{"a"},
			"rotation_interval_days": 1, "rotation_webhook_url": u})
		if r.Status != 400 || r.Map()["code"] != "invalid" {
			t.Errorf("%s: %s", u, r)
		}
	}
}
