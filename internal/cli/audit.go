package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyhouse-dev/keyhouse/client"
	"github.com/keyhouse-dev/keyhouse/internal/app"
	"github.com/keyhouse-dev/keyhouse/internal/audit"
	"github.com/keyhouse-dev/keyhouse/internal/config"
)

// ErrAuditBroken is returned by `audit verify` when a chain is broken, so
// the process exits non-zero.
var ErrAuditBroken = errors.New("audit log verification failed")

func newAuditCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Query, export and verify the audit log"}
	cmd.AddCommand(newAuditVerifyCmd(env), newAuditQueryCmd(env), newAuditExportCmd(env))
	return cmd
}

func newAuditVerifyCmd(env *Env) *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every organization's hash chain and name the first bad entry",
		Long: `Reads the database directly (the server may keep running) and walks each
organization's audit chain, recomputing every hash. Exits 1 and names the
first entry that was edited, deleted or moved.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := app.OpenStore(cmd.Context(), cfg, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			problems, n, err := audit.Verify(cmd.Context(), db)
			if err != nil {
				return err
			}
			if len(problems) == 0 {
				fmt.Fprintf(env.Stdout, "ok: %d audit entries verified\n", n)
				return nil
			}
			for _, p := range problems {
				fmt.Fprintf(env.Stdout, "BROKEN: %s\n", p)
			}
			return ErrAuditBroken
		},
	}
	cfg.BindDatabase(cmd.Flags())
	return cmd
}

func auditQueryFlags(cmd *cobra.Command, q *client.AuditQuery) {
	cmd.Flags().StringVar(&q.EventType, "event-type", "", "only this event type (e.g. api_key.created)")
	cmd.Flags().StringVar(&q.ActorID, "actor", "", "only this actor id")
	cmd.Flags().StringVar(&q.MachineID, "machine", "", "only this machine id")
	cmd.Flags().StringVar(&q.Permission, "permission", "", "only this permission request id")
	cmd.Flags().StringVar(&q.Provider, "provider", "", "only this provider")
	cmd.Flags().StringVar(&q.Method, "method", "", "only this HTTP method")
	cmd.Flags().StringVar(&q.StartDate, "since", "", "from this date (YYYY-MM-DD or RFC 3339)")
	cmd.Flags().StringVar(&q.EndDate, "until", "", "through this date")
}

func newAuditQueryCmd(env *Env) *cobra.Command {
	var f clientFlags
	var q client.AuditQuery
	cmd := &cobra.Command{
		Use:   "query",
		Short: "List audit entries, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			l, err := c.AuditLog(cmd.Context(), q)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, l)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tEVENT\tACTOR\tRESOURCE")
			for _, e := range l.Entries {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s:%s\t%s %s\n", e.Seq, e.Timestamp.Format(time.RFC3339), e.EventType, e.ActorType, e.ActorID, e.ResourceType, e.ResourceID)
			}
			fmt.Fprintf(tw, "(%d of %d)\n", len(l.Entries), l.Total)
			return tw.Flush()
		},
	}
	f.bind(cmd)
	auditQueryFlags(cmd, &q)
	cmd.Flags().IntVar(&q.Page, "page", 1, "page, from 1")
	cmd.Flags().IntVar(&q.Limit, "limit", 50, "entries per page, at most 100")
	return cmd
}

func newAuditExportCmd(env *Env) *cobra.Command {
	var f clientFlags
	var q client.AuditQuery
	var format string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Stream the audit log as CSV or JSON Lines to standard output",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			return c.ExportAudit(cmd.Context(), q, format, env.Stdout)
		},
	}
	f.bind(cmd)
	auditQueryFlags(cmd, &q)
	cmd.Flags().StringVar(&format, "format", "csv", "csv or jsonl")
	return cmd
}
