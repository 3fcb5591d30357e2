package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyhouse-dev/keyhouse/client"
)

func newAPIKeyCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "api-key", Short: "Manage management API keys (kc_…)"}
	cmd.AddCommand(newAPIKeyCreateCmd(env), newAPIKeyListCmd(env), newAPIKeyRevokeCmd(env))
	return cmd
}

func newAPIKeyCreateCmd(env *Env) *cobra.Command {
	var f clientFlags
	var name string
	var expiry time.Duration
	var scopes []string
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create a management API key and print it once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			k, err := c.CreateAPIKey(cmd.Context(), client.CreateAPIKeyRequest{Name: name, ExpirySeconds: int64(expiry / time.Second), Scopes: scopes})
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, k)
			}
			fmt.Fprintf(env.Stdout, "%s\n", k.Key)
			fmt.Fprintf(env.Stderr, "Created %s (%s), expires %s. The key above is shown only once.\n", k.ID, k.Name, k.ExpiresAt.Format(time.RFC3339))
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&name, "name", "", "name of the key (required)")
	cmd.Flags().DurationVar(&expiry, "expiry", 0, "lifetime, at most 720h (default 720h)")
	cmd.Flags().StringSliceVar(&scopes, "scope", nil, "extra power, repeatable: read:secrets, write:secrets, delete:secrets, admin:api-keys, read:keys, write:keys, verify:keys, write:projects")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newAPIKeyListCmd(env *Env) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List management API keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			var all []client.APIKey
			for page := 1; ; page++ {
				l, err := c.ListAPIKeys(cmd.Context(), page, 100)
				if err != nil {
					return err
				}
				all = append(all, l.Keys...)
				if len(all) >= l.Total || len(l.Keys) == 0 {
					break
				}
			}
			if f.json {
				return printJSON(env.Stdout, all)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tEXPIRES\tLAST USED")
			for _, k := range all {
				last := "never"
				if k.LastUsedAt != nil {
					last = k.LastUsedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.KeyPrefix, k.ExpiresAt.Format(time.RFC3339), last)
			}
			return tw.Flush()
		},
	}
	f.bind(cmd)
	return cmd
}

func newAPIKeyRevokeCmd(env *Env) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a management API key at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			if err := c.RevokeAPIKey(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Revoked %s.\n", args[0])
			return nil
		},
	}
	f.bind(cmd)
	return cmd
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
