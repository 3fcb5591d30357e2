package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/ids"
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

// BenchmarkInsertUsage is the usage writer's share of every validation:
// one transaction of 1,000 records, as the writer commits them under load.
// ns/row is the CPU one validation costs in storage.
func BenchmarkInsertUsage(b *testing.B) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "k.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	org := storetest.MustOrg(b, db)
	keyID := ids.New(keyhouse.PrefixKey)
	recs := make([]*keyhouse.UsageRecord, 1000)
	at := time.Now()
	for i := range recs {
		recs[i] = &keyhouse.UsageRecord{OrgID: org.ID, KeyID: keyID, Valid: true, StatusCode: 200, IP: "10.0.0.1",
			Endpoint: "/v1/things", Method: "GET", Latency: 12 * time.Microsecond, CreatedAt: at}
	}
	for b.Loop() {
		for _, r := range recs {
			r.ID = ids.New(keyhouse.PrefixUsage)
		}
		if err := db.Update(ctx, func(tx keyhouse.Tx) error { return tx.InsertUsage(ctx, recs) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
}
