package keyway_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
)

// TestSecretsOnPostgres runs the main secrets flows on PostgreSQL (skipped
// without KEYHOUSE_TEST_POSTGRES_URL).
func TestSecretsOnPostgres(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, apptest.WithPostgres())
	tok := env.Owner.Token
	mustVault(t, env, tok, "acme/api")
	mustPush(t, env, tok, "acme/api", "dev", nasty)
	if diff := cmp.Diff(nasty, pull(t, env, tok, "acme/api", "dev")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	stats := mustPush(t, env, tok, "acme/api", "dev", map[string]string{"PLAIN": "changed", "NEW": "n"})
	if diff := cmp.Diff(map[string]int{"created": 1, "updated": 1, "deleted": len(nasty) - 1}, stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	sec := listSecrets(t, env, tok, "acme/api")["dev/PLAIN"]
	if r := env.Do("PATCH", "/v1/vaults/acme/api/environments/dev", tok, map[string]string{"newName": "develop"}); r.Status != http.StatusOK {
		t.Fatalf("rename = %s", r)
	}
	if got := pull(t, env, tok, "acme/api", "develop"); got["PLAIN"] != "changed" {
		t.Errorf("after rename = %v", got)
	}
	if r := env.Do("GET", "/v1/vaults/acme/api/secrets/"+sec.ID+"/value", env.Other.Token, nil); r.Status != http.StatusNotFound {
		t.Errorf("cross-org value = %s", r)
	}
	if r := env.Do("DELETE", "/v1/vaults/acme/api", tok, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete vault = %s", r)
	}
}
