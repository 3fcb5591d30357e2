// Command benchseed prepares a SQLite database for scripts/bench-validate.sh:
// it bootstraps the server (the same wiring keyhouse serve uses), creates N
// API keys and a management key with verify:keys, and prints
// "MGMT=<kc_…>" and "KEY=<raw key>" for the load test. With -keys FILE it
// also writes every raw key to FILE, one a line (bench data only: the file
// lives in the script's temporary directory and goes with it).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/keyhouse-dev/keyhouse/internal/app"
	"github.com/keyhouse-dev/keyhouse/internal/auth"
	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

func main() {
	db := flag.String("db", "", "SQLite database path")
	n := flag.Int("n", 10000, "API keys to create")
	email := flag.String("email", "bench@example.com", "owner email")
	keysFile := flag.String("keys", "", "write every raw key to this file, one a line")
	flag.Parse()
	if err := run(*db, *n, *email, *keysFile); err != nil {
		fmt.Fprintln(os.Stderr, "benchseed:", err)
		os.Exit(1)
	}
}

func run(db string, n int, email, keysFile string) error {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DatabaseURL, cfg.AdminEmail, cfg.AdminPassword = db, email, "bench-password-123456"
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	var u *keyhouse.User
	if err := a.Store.View(ctx, func(tx keyhouse.Tx) (err error) { u, err = tx.UserByEmail(ctx, email); return err }); err != nil {
		return err
	}
	uctx := keyhouse.NewContextWithPrincipal(ctx, &keyhouse.Principal{Kind: keyhouse.PrincipalUser, OrgID: u.OrgID, UserID: u.ID,
		Role: keyhouse.RoleOwner, SessionKind: keyhouse.SessionCLI})
	_, mgmt, err := a.Auth.CreateMgmtKey(uctx, auth.CreateMgmtKeyParams{Name: "bench", Scopes: []string{"verify:keys"}})
	if err != nil {
		return err
	}
	var first string
	var all []byte
	for i := range n {
		c, err := a.Keys.Create(uctx, keys.CreateParams{Name: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			return err
		}
		if i == 0 {
			first = c.RawKey
		}
		if keysFile != "" {
			all = append(append(all, c.RawKey...), '\n')
		}
	}
	if keysFile != "" {
		if err := os.WriteFile(keysFile, all, 0o600); err != nil {
			return err
		}
	}
	if err := a.Keys.Close(ctx); err != nil {
		return err
	}
	fmt.Printf("MGMT=%s\nKEY=%s\n", mgmt, first)
	return nil
}
