package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/keyhouse-dev/keyhouse/client"
	"github.com/keyhouse-dev/keyhouse/internal/dotenv"
)

func newSecretsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "secrets", Short: "Push, pull and manage a vault's secrets"}
	cmd.AddCommand(newPushCmd(env), newPullCmd(env), newSetCmd(env), newGetCmd(env), newRmCmd(env), newHistoryCmd(env), newRestoreCmd(env), newListSecretsCmd(env))
	return cmd
}

// isTerminal reports whether w is a terminal (progress bars go only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// withProgress shows a spinner on a terminal while fn runs.
func withProgress(env *Env, what string, fn func() error) error {
	if !isTerminal(env.Stdout) {
		return fn()
	}
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(env.Stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionSpinnerType(14), progressbar.OptionClearOnFinish())
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = bar.Add(1)
			}
		}
	}()
	err := fn()
	close(done)
	_ = bar.Finish()
	return err
}

func readEnvFile(env *Env, path string) (map[string]string, error) {
	var r io.Reader
	if path == "-" {
		r = env.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	entries, err := dotenv.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		out[e.Key] = e.Value
	}
	return out, nil
}

func newPushCmd(env *Env) *cobra.Command {
	var f vaultFlags
	var file string
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Make an environment hold exactly the secrets of a .env file",
		Long: `Reads a .env file (comments, export prefixes, single and double quotes,
escapes, multi-line values) and makes the environment hold exactly those
secrets: keys not in the file go to the vault's trash (30 days).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			values, err := readEnvFile(env, file)
			if err != nil {
				return err
			}
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			var st *client.PushStats
			err = withProgress(env, fmt.Sprintf("pushing %d secrets", len(values)), func() (err error) {
				st, err = c.Push(cmd.Context(), vault, f.env, values)
				return err
			})
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, st)
			}
			fmt.Fprintf(env.Stdout, "Pushed %d secrets to %s (%s): %d created, %d updated, %d moved to trash.\n", len(values), vault, f.env, st.Created, st.Updated, st.Deleted)
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&file, "file", ".env", "the .env file to push (- for standard input)")
	return cmd
}

func newPullCmd(env *Env) *cobra.Command {
	var f vaultFlags
	var output string
	cmd := &cobra.Command{
		Use: "pull", Short: "Write an environment's secrets as a .env file (mode 0600)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			var content string
			err = withProgress(env, "pulling secrets", func() (err error) {
				content, err = c.Pull(cmd.Context(), vault, f.env)
				return err
			})
			if err != nil {
				return err
			}
			if output == "-" {
				_, err := io.WriteString(env.Stdout, content)
				return err
			}
			if err := writeSecretFile(output, content); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Wrote %d secrets of %s (%s) to %s.\n", strings.Count(content, "\n"), vault, f.env, output)
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&output, "output", ".env", "file to write (- for standard output)")
	return cmd
}

// writeSecretFile replaces path atomically with a 0600 file.
func writeSecretFile(path, content string) error {
	tmp := path + ".keyhouse-tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func newSetCmd(env *Env) *cobra.Command {
	var f vaultFlags
	cmd := &cobra.Command{
		Use: "set KEY [VALUE]", Short: "Create or update one secret (the value from standard input when omitted)", Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			value := ""
			if len(args) == 2 {
				value = args[1]
			} else {
				b, err := io.ReadAll(bufio.NewReader(env.Stdin))
				if err != nil {
					return err
				}
				value = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
			}
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			created, err := c.SetSecret(cmd.Context(), vault, f.env, args[0], value)
			if err != nil {
				return err
			}
			verb := "Updated"
			if created {
				verb = "Created"
			}
			fmt.Fprintf(env.Stdout, "%s %s in %s (%s).\n", verb, args[0], vault, f.env)
			return nil
		},
	}
	f.bind(cmd)
	return cmd
}

func newGetCmd(env *Env) *cobra.Command {
	var f vaultFlags
	cmd := &cobra.Command{
		Use: "get KEY", Short: "Print one secret's value", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			v, err := c.View(cmd.Context(), vault, f.env, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, v)
			return nil
		},
	}
	f.bind(cmd)
	return cmd
}

func newRmCmd(env *Env) *cobra.Command {
	var f vaultFlags
	cmd := &cobra.Command{
		Use: "rm KEY", Short: "Move one secret to the trash", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			s, err := c.FindSecret(cmd.Context(), vault, f.env, args[0])
			if err != nil {
				return err
			}
			if err := c.TrashSecret(cmd.Context(), vault, s.ID); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Moved %s to the trash of %s (restore with: keyhouse secrets restore %s --env %s).\n", args[0], vault, args[0], f.env)
			return nil
		},
	}
	f.bind(cmd)
	return cmd
}

func newListSecretsCmd(env *Env) *cobra.Command {
	var f vaultFlags
	cmd := &cobra.Command{
		Use: "list", Short: "List a vault's secrets (keys only)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			list, err := c.Secrets(cmd.Context(), vault)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, list)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ENVIRONMENT\tKEY\tUPDATED")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Environment, s.Key, s.UpdatedAt.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	f.bind(cmd)
	return cmd
}

func newHistoryCmd(env *Env) *cobra.Command {
	var f vaultFlags
	cmd := &cobra.Command{
		Use: "history KEY", Short: "List one secret's versions", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			s, err := c.FindSecret(cmd.Context(), vault, f.env, args[0])
			if err != nil {
				return err
			}
			vs, err := c.Versions(cmd.Context(), vault, s.ID)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, vs)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tCREATED\tBY")
			for _, v := range vs {
				by := ""
				if v.CreatedBy != nil {
					by = v.CreatedBy.Username
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\n", v.VersionNumber, v.CreatedAt.Format(time.RFC3339), by)
			}
			return tw.Flush()
		},
	}
	f.bind(cmd)
	return cmd
}

func newRestoreCmd(env *Env) *cobra.Command {
	var f vaultFlags
	var version int
	cmd := &cobra.Command{
		Use:   "restore KEY",
		Short: "Restore a secret from the trash, or (with --version N) to an earlier value",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vault, err := f.resolveVault(cmd.Context())
			if err != nil {
				return err
			}
			if version > 0 {
				s, err := c.FindSecret(cmd.Context(), vault, f.env, args[0])
				if err != nil {
					return err
				}
				vs, err := c.Versions(cmd.Context(), vault, s.ID)
				if err != nil {
					return err
				}
				for _, v := range vs {
					if v.VersionNumber == version {
						if err := c.RestoreVersion(cmd.Context(), vault, s.ID, v.ID); err != nil {
							return err
						}
						fmt.Fprintf(env.Stdout, "Restored %s to version %d.\n", args[0], version)
						return nil
					}
				}
				return errors.New("no version " + strconv.Itoa(version) + " of " + args[0])
			}
			trash, err := c.Trash(cmd.Context(), vault)
			if err != nil {
				return err
			}
			for _, t := range trash {
				if t.Key == args[0] && t.Environment == f.env {
					if err := c.RestoreTrash(cmd.Context(), vault, t.ID); err != nil {
						return err
					}
					fmt.Fprintf(env.Stdout, "Restored %s from the trash.\n", args[0])
					return nil
				}
			}
			return fmt.Errorf("%s is not in the trash of %s (%s)", args[0], vault, f.env)
		},
	}
	f.bind(cmd)
	cmd.Flags().IntVar(&version, "version", 0, "restore this version number instead of from the trash")
	return cmd
}
