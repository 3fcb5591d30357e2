package sqlstore_test

import (
	"context"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/apptest"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore/storetest"
)

// openPostgres gives each test a fresh schema (apptest.PostgresURL skips
// the test, saying so, when KEYHOUSE_TEST_POSTGRES_URL is unset).
func openPostgres(t *testing.T) keyhouse.Store {
	db, err := sqlstore.Open(context.Background(), apptest.PostgresURL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestPostgres(t *testing.T) {
	apptest.PostgresURL(t) // skip the whole suite at once when unset
	storetest.Run(t, openPostgres)
}
