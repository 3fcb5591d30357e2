package cli

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newVaultsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "vaults", Short: "List, create and delete vaults (owner/repo)"}
	var f clientFlags
	list := &cobra.Command{
		Use: "list", Short: "List vaults", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			vs, err := c.Vaults(cmd.Context())
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, vs)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VAULT\tSECRETS\tENVIRONMENTS\tPERMISSION")
			for _, v := range vs {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", v.FullName(), v.SecretCount, strings.Join(v.Environments, ","), v.Permission)
			}
			return tw.Flush()
		},
	}
	f.bind(list)
	var cf clientFlags
	create := &cobra.Command{
		Use: "create OWNER/REPO", Short: "Create a vault with the default environments", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client(env)
			if err != nil {
				return err
			}
			if err := c.CreateVault(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Created vault %s.\n", args[0])
			return nil
		},
	}
	cf.bind(create)
	var df clientFlags
	del := &cobra.Command{
		Use: "delete OWNER/REPO", Short: "Delete a vault and all its secrets", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := df.client(env)
			if err != nil {
				return err
			}
			if err := c.DeleteVault(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Deleted vault %s.\n", args[0])
			return nil
		},
	}
	df.bind(del)
	cmd.AddCommand(list, create, del)
	return cmd
}

// vaultFlags are the flags of commands that work on one environment of
// one vault.
type vaultFlags struct {
	clientFlags
	vault string
	env   string
}

func (f *vaultFlags) bind(cmd *cobra.Command) {
	f.clientFlags.bind(cmd)
	cmd.Flags().StringVar(&f.vault, "vault", "", "vault (owner/repo); default: from the git remote \"origin\"")
	cmd.Flags().StringVar(&f.env, "env", "dev", "environment")
}

// resolveVault is --vault, else owner/repo of the git remote origin.
func (f *vaultFlags) resolveVault(ctx context.Context) (string, error) {
	if f.vault != "" {
		return f.vault, nil
	}
	out, err := exec.CommandContext(ctx, "git", "remote", "get-url", "origin").Output()
	if err == nil {
		if v := repoFromRemote(strings.TrimSpace(string(out))); v != "" {
			return v, nil
		}
	}
	return "", errors.New("no vault: pass --vault owner/repo (or run inside a git clone with an origin remote)")
}

var remoteRE = regexp.MustCompile(`[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(\.git)?/?$`)

// repoFromRemote reads owner/repo from git@host:owner/repo.git or
// https://host/owner/repo(.git).
func repoFromRemote(u string) string {
	m := remoteRE.FindStringSubmatch(u)
	if m == nil {
		return ""
	}
	return m[1] + "/" + m[2]
}
