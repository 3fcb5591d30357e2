package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore"
	"github.com/keyhouse-dev/keyhouse/internal/sqlstore/storetest"
)

func openSQLite(t *testing.T) keyhouse.Store {
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSQLite(t *testing.T) { storetest.Run(t, openSQLite) }
