// Package cli is the keyhouse command line: one file per subcommand, all
// dispatched from one cobra tree. `serve`, `migrate`, `audit verify` and
// `rotate-master-key` open the database themselves; every other command
// talks to a server through the public client SDK.
package cli

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Env is what a command may touch of the outside world; run() passes the
// real ones and tests pass fakes.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Run executes the command line args (args[0] is the program name).
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := &Env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	root := newRoot(env)
	if len(args) > 0 {
		args = args[1:]
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:           "keyhouse",
		Short:         "Keyhouse: a self-hosted control plane for API keys and credentials",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd.Flags(), env.Getenv)
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newServeCmd(env),
		newMigrateCmd(env),
		newLoginCmd(env),
		newLogoutCmd(env),
		newAPIKeyCmd(env),
		newAuditCmd(env),
		newVersionCmd(env),
		newVaultsCmd(env),
		newSecretsCmd(env),
		newRunCmd(env),
		newRotateMasterKeyCmd(env),
		newKeysCmd(env),
		newPoliciesCmd(env),
		newScopesCmd(env),
		newUsageCmd(env),
	)
	annotateEnv(root)
	strictGroups(root)
	return root
}

// strictGroups makes every command that only groups others refuse an
// unknown subcommand with an error (and a non-zero exit), where cobra
// would print the help and succeed; alone, a group prints its help.
func strictGroups(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		if c.HasSubCommands() && !c.Runnable() {
			c.Args = cobra.NoArgs
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		}
		strictGroups(c)
	}
}

// EnvName is the environment variable that backs a flag: --database-url
// reads KEYHOUSE_DATABASE_URL.
func EnvName(flag string) string {
	return "KEYHOUSE_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyEnv sets every flag the command line did not set from its
// environment variable, so flags win over the environment, which wins over
// defaults.
func applyEnv(fs *pflag.FlagSet, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = e
			}
		}
	})
	return err
}

// annotateEnv appends each flag's environment variable to its help text.
func annotateEnv(cmd *cobra.Command) {
	mark := func(f *pflag.Flag) {
		if f.Name != "help" && !strings.Contains(f.Usage, "KEYHOUSE_") {
			f.Usage += " (env " + EnvName(f.Name) + ")"
		}
	}
	cmd.Flags().VisitAll(mark)
	cmd.PersistentFlags().VisitAll(mark)
	for _, c := range cmd.Commands() {
		annotateEnv(c)
	}
}
