package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/app"
	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// BenchmarkValidateHTTP measures POST /v1/keys/validate through the whole
// handler chain (middleware, management-key auth, decoding, the key
// service, encoding) without the network, as the server is configured by
// default (logging at info). Profile it with -cpuprofile to see where a
// request's time goes beyond the validate core (BenchmarkCheckCacheHit).
func BenchmarkValidateHTTP(b *testing.B) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DatabaseURL = filepath.Join(b.TempDir(), "bench.db")
	cfg.AdminEmail, cfg.AdminPassword = "bench@example.com", "bench-password-123456"
	cfg.RateLimit = 0
	a, err := app.New(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		for _, fn := range a.OnShutdown {
			_ = fn(ctx)
		}
		a.Close()
	})
	var u *keyhouse.User
	if err := a.Store.View(ctx, func(tx keyhouse.Tx) (err error) { u, err = tx.UserByEmail(ctx, cfg.AdminEmail); return err }); err != nil {
		b.Fatal(err)
	}
	uctx := keyhouse.NewContextWithPrincipal(ctx, &keyhouse.Principal{Kind: keyhouse.PrincipalUser, OrgID: u.OrgID, UserID: u.ID,
		Role: keyhouse.RoleOwner, SessionKind: keyhouse.SessionCLI})
	_, mgmt, err := a.Auth.CreateMgmtKey(uctx, auth.CreateMgmtKeyParams{Name: "bench", Scopes: []string{"verify:keys"}})
	if err != nil {
		b.Fatal(err)
	}
	c, err := a.Keys.Create(uctx, keys.CreateParams{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"raw_key":"` + c.RawKey + `","ip":"10.0.0.1","endpoint":"/v1/things","method":"GET"}`)
	do := func(rd *bytes.Reader) *httptest.ResponseRecorder {
		rd.Reset(body)
		req := httptest.NewRequest(http.MethodPost, "/v1/keys/validate", rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+mgmt)
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		return rec
	}
	if rec := do(bytes.NewReader(nil)); rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"valid":true`)) {
		b.Fatalf("validate answered %d %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rd := bytes.NewReader(nil)
		for pb.Next() {
			do(rd)
		}
	})
}
