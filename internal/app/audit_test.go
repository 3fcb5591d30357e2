package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/audit"
)

type auditEntry struct {
	Seq          int64             `json:"seq"`
	EventType    string            `json:"eventType"`
	ActorType    string            `json:"actorType"`
	ActorID      string            `json:"actorId"`
	ResourceType string            `json:"resourceType"`
	ResourceID   string            `json:"resourceId"`
	RequestID    string            `json:"requestId"`
	IP           string            `json:"ip"`
	Metadata     map[string]string `json:"metadata"`
}

func auditSince(t *testing.T, env *apptest.Env, token string, after int64) []auditEntry {
	t.Helper()
	var l struct {
		Entries []auditEntry `json:"entries"`
	}
	r := env.Do("GET", "/api/audit-log?limit=100", token, nil)
	if r.Status != 200 {
		t.Fatalf("audit log: %s", r)
	}
	r.JSON(&l)
	var out []auditEntry
	for i := len(l.Entries) - 1; i >= 0; i-- { // oldest first
		if l.Entries[i].Seq > after {
			out = append(out, l.Entries[i])
		}
	}
	return out
}

func headSeq(t *testing.T, env *apptest.Env, org apptest.Org) int64 {
	t.Helper()
	evs, _, err := env.App.Audit.Query(env.UserContext(org), auditFilter(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[0].Seq
}

func TestAuditOneEventPerMutation(t *testing.T) {
	env := apptest.New(t)
	start := headSeq(t, env, env.Owner)
	key := env.MgmtKey(env.Owner, "write:projects") // api_key.created by the owner

	var p struct{ ID string }
	env.Do("POST", "/v1/projects", env.Owner.Token, map[string]any{"name": "shop", "environments": []string{"prod"}}).JSON(&p)
	var e struct{ ID string }
	env.Do("POST", "/v1/projects/"+p.ID+"/environments", key, map[string]string{"name": "staging"}).JSON(&e)
	env.Do("PATCH", "/v1/projects/"+p.ID+"/environments/"+e.ID, key, map[string]string{"name": "stage"})
	env.Do("PATCH", "/v1/projects/"+p.ID, env.Owner.Token, map[string]string{"description": "the shop"})
	env.Do("DELETE", "/v1/projects/"+p.ID+"/environments/"+e.ID, env.Owner.Token, nil)
	env.Do("DELETE", "/v1/projects/"+p.ID, key, nil)
	// Reads and refused writes record nothing.
	env.Do("GET", "/v1/projects", env.Owner.Token, nil)
	env.Do("POST", "/v1/projects", env.Owner.Token, map[string]any{"name": "BAD NAME"})

	var keyID string
	for _, ev := range auditSince(t, env, env.Owner.Token, start) {
		if ev.EventType == "api_key.created" {
			keyID = ev.ResourceID
		}
	}
	got := auditSince(t, env, env.Owner.Token, start)
	type row struct{ Action, ActorType, ActorID, Resource string }
	var rows []row
	for _, ev := range got {
		rows = append(rows, row{ev.EventType, ev.ActorType, ev.ActorID, ev.ResourceType})
		if ev.EventType != "api_key.created" && ev.RequestID == "" {
			t.Errorf("%s has no request id", ev.EventType)
		}
	}
	u, k := env.Owner.UserID, keyID
	want := []row{
		{"api_key.created", "user", u, "api_key"},
		{"project.created", "user", u, "project"},
		{"environment.created", "user", u, "environment"},
		{"environment.created", "api_key", k, "environment"},
		{"environment.renamed", "api_key", k, "environment"},
		{"project.updated", "user", u, "project"},
		{"environment.deleted", "user", u, "environment"},
		{"project.deleted", "api_key", k, "project"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("audit events (-want +got):\n%s", diff)
	}
	for _, ev := range got {
		if ev.EventType == "project.created" && (ev.IP != "127.0.0.1" || ev.Metadata["name"] != "shop") {
			t.Errorf("project.created: ip %q metadata %v", ev.IP, ev.Metadata)
		}
	}
	// The other organization's log holds none of it.
	for _, ev := range auditSince(t, env, env.Other.Token, 0) {
		if ev.ActorID == u || ev.ResourceID == p.ID {
			t.Errorf("org two sees org one's event %+v", ev)
		}
	}
}

func TestAuditFiltersAndExport(t *testing.T) {
	env := apptest.New(t)
	for _, n := range []string{"a1", "a2", "a3"} {
		env.Do("POST", "/v1/projects", env.Owner.Token, map[string]string{"name": n})
	}
	r := env.Do("GET", "/api/audit-log?eventType=project.created&limit=2&page=1", env.Owner.Token, nil)
	var l struct {
		Entries []auditEntry `json:"entries"`
		Total   int          `json:"total"`
		Page    int          `json:"page"`
		Limit   int          `json:"limit"`
	}
	r.JSON(&l)
	// The default project counts too.
	if l.Total != 4 || len(l.Entries) != 2 || l.Page != 1 || l.Limit != 2 || l.Entries[0].Metadata["name"] != "a3" {
		t.Errorf("filtered page: %s", r.Body)
	}
	r = env.Do("GET", "/api/audit-log?action=filters", env.Owner.Token, nil)
	var f struct {
		Filters struct {
			EventTypes []string `json:"eventTypes"`
		} `json:"filters"`
	}
	r.JSON(&f)
	if !strings.Contains(strings.Join(f.Filters.EventTypes, ","), "project.created") {
		t.Errorf("filter values: %s", r.Body)
	}
	for _, bad := range []string{"startDate=yesterday", "limit=101", "page=0", "action=drop", "limit=-1"} {
		if r := env.Do("GET", "/api/audit-log?"+bad, env.Owner.Token, nil); r.Status != 400 || r.Map()["error"] != "invalid" {
			t.Errorf("%s: %s", bad, r)
		}
	}

	r = env.Do("GET", "/api/audit-log/export?format=csv&eventType=project.created", env.Owner.Token, nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv export: %s", r)
	}
	recs, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0][3] != "eventType" || recs[4][3] != "project.created" {
		t.Errorf("csv rows: %v", recs)
	}
	r = env.Do("GET", "/api/audit-log/export?format=jsonl", env.Owner.Token, nil)
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	var seqs []int64
	for sc.Scan() {
		var e auditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("jsonl line %q: %v", sc.Text(), err)
		}
		seqs = append(seqs, e.Seq)
	}
	for i := range seqs {
		if seqs[i] != int64(i+1) {
			t.Fatalf("jsonl export not in chain order: %v", seqs)
		}
	}
	if r := env.Do("GET", "/api/audit-log/export?format=xml", env.Owner.Token, nil); r.Status != 400 {
		t.Errorf("xml export: %s", r)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tamper string // SQL run against org one's chain; ? is its org id; ; separates statements
		want   string
	}{
		{"Edited", `UPDATE audit_events SET action = 'project.deleted' WHERE org_id = ? AND seq = 3`, "entry 3"},
		{"EditedMetadata", `UPDATE audit_events SET metadata = '{"name":"evil"}' WHERE org_id = ? AND seq = 2`, "entry 2"},
		{"Deleted", `DELETE FROM audit_events WHERE org_id = ? AND seq = 4`, "entry 4"},
		{"DeletedTail", `DELETE FROM audit_events WHERE org_id = ? AND seq = (SELECT MAX(seq) FROM audit_events WHERE org_id = ?)`, "deleted from the end"},
		{"Reordered", `UPDATE audit_events SET seq = -2 WHERE org_id = ? AND seq = 2; UPDATE audit_events SET seq = 2 WHERE org_id = ? AND seq = 3; UPDATE audit_events SET seq = 3 WHERE org_id = ? AND seq = -2`, "entry 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := apptest.New(t)
			for _, n := range []string{"p1", "p2", "p3"} {
				env.Do("POST", "/v1/projects", env.Owner.Token, map[string]string{"name": n})
			}
			ctx := context.Background()
			if problems, n, err := audit.Verify(ctx, env.App.Store); err != nil || len(problems) != 0 || n < 10 {
				t.Fatalf("clean chain: %v %d %v", problems, n, err)
			}
			for _, stmt := range strings.Split(tt.tamper, "; ") {
				var args []any
				for range strings.Count(stmt, "?") {
					args = append(args, env.Owner.ID)
				}
				if _, err := env.App.Store.SQL().Exec(env.App.Store.Rebind(stmt), args...); err != nil {
					t.Fatal(err)
				}
			}
			problems, _, err := audit.Verify(ctx, env.App.Store)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 || problems[0].OrgID != env.Owner.ID || !strings.Contains(problems[0].String(), tt.want) {
				t.Fatalf("problems = %v, want one in org one mentioning %q", problems, tt.want)
			}
		})
	}
}
