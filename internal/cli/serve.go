package cli

import (
	"github.com/spf13/cobra"

	"github.com/keyhouse-dev/keyhouse/internal/app"
	"github.com/keyhouse-dev/keyhouse/internal/config"
)

func newServeCmd(env *Env) *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Keyhouse server (SQLite by default, PostgreSQL with --database-url postgres://…)",
		Long: `Run the Keyhouse server.

On first start against an empty database it runs the migrations, creates the
organization, project "default" with environments live and test, and the
owner: from --admin-email/--admin-password (or KEYHOUSE_ADMIN_EMAIL and
KEYHOUSE_ADMIN_PASSWORD), otherwise it logs a one-time setup link.

SIGINT or SIGTERM stops it gracefully: in-flight requests finish (up to
--shutdown-timeout), background work stops and the database closes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := app.NewLogger(cfg, env.Stderr)
			a, err := app.New(cmd.Context(), cfg, log, app.Options{})
			if err != nil {
				return err
			}
			defer a.Close()
			return a.Serve(cmd.Context())
		},
	}
	cfg.BindServe(cmd.Flags())
	return cmd
}

func newMigrateCmd(env *Env) *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Run the database migrations and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := app.OpenStore(cmd.Context(), cfg, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			cmd.Printf("migrated %s database\n", db.Dialect())
			return nil
		},
	}
	cfg.BindDatabase(cmd.Flags())
	return cmd
}

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			cmd.Println(app.Version)
		},
	}
}
