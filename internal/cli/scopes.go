package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newScopesCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "scopes", Short: "Manage the scope registry keys draw from"}
	var cf, lf, df clientFlags
	var description string
	create := &cobra.Command{Use: "create NAME", Short: "Register a scope", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client(env)
			if err != nil {
				return err
			}
			s, err := c.CreateScope(cmd.Context(), args[0], description)
			if err != nil {
				return err
			}
			if cf.json {
				return printJSON(env.Stdout, s)
			}
			fmt.Fprintf(env.Stdout, "%s\t%s\n", s.ID, s.Name)
			return nil
		}}
	cf.bind(create)
	create.Flags().StringVar(&description, "description", "", "what the scope allows")
	list := &cobra.Command{Use: "list", Short: "List registered scopes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := lf.client(env)
			if err != nil {
				return err
			}
			ss, err := c.ListScopes(cmd.Context())
			if err != nil {
				return err
			}
			if lf.json {
				return printJSON(env.Stdout, ss)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tDESCRIPTION")
			for _, s := range ss {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.ID, s.Name, s.Description)
			}
			return tw.Flush()
		}}
	lf.bind(list)
	del := &cobra.Command{Use: "delete SCOPE_ID", Short: "Delete a registered scope", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := df.client(env)
			if err != nil {
				return err
			}
			if err := c.DeleteScope(cmd.Context(), args[0]); err != nil {
				return err
			}
			return printDone(env, df.json, args[0], "deleted")
		}}
	df.bind(del)
	cmd.AddCommand(create, list, del)
	return cmd
}
