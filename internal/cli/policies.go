package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/keyhouse-dev/keyhouse/client"
)

func newPoliciesCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "policies", Short: "Manage key policies (rate limits, IPs, origins, max key age)"}
	var cf, lf, gf, df clientFlags
	var req client.PolicyRequest
	create := &cobra.Command{Use: "create --name NAME", Short: "Create a policy", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client(env)
			if err != nil {
				return err
			}
			p, err := c.CreatePolicy(cmd.Context(), req)
			if err != nil {
				return err
			}
			if cf.json {
				return printJSON(env.Stdout, p)
			}
			printPolicies(env, []client.Policy{*p})
			return nil
		}}
	cf.bind(create)
	create.Flags().StringVar(&req.Name, "name", "", "name (required)")
	create.Flags().IntVar(&req.RateLimit, "rate-limit", 0, "requests per window (0: none)")
	create.Flags().StringVar(&req.RateLimitWindow, "rate-window", "", "window: 1m, 1h…")
	create.Flags().IntVar(&req.BurstLimit, "burst", 0, "burst (default: the rate limit)")
	create.Flags().StringSliceVar(&req.AllowedIPs, "allow-ip", nil, "allowed CIDR or address, repeatable")
	create.Flags().StringSliceVar(&req.AllowedOrigins, "allow-origin", nil, "allowed origin, repeatable")
	create.Flags().StringVar(&req.MaxKeyLifetime, "max-key-age", "", "maximum key age: 90d, 2160h…")
	create.Flags().StringVar(&req.GracePeriod, "grace-period", "", "rotation grace period")
	_ = create.MarkFlagRequired("name")

	list := &cobra.Command{Use: "list", Short: "List policies", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := lf.client(env)
			if err != nil {
				return err
			}
			ps, err := c.ListPolicies(cmd.Context())
			if err != nil {
				return err
			}
			if lf.json {
				return printJSON(env.Stdout, ps)
			}
			printPolicies(env, ps)
			return nil
		}}
	lf.bind(list)
	get := &cobra.Command{Use: "get POLICY_ID", Short: "Show a policy", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := gf.client(env)
			if err != nil {
				return err
			}
			p, err := c.GetPolicy(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if gf.json {
				return printJSON(env.Stdout, p)
			}
			printPolicies(env, []client.Policy{*p})
			return nil
		}}
	gf.bind(get)
	del := &cobra.Command{Use: "delete POLICY_ID", Short: "Delete a policy no key uses", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := df.client(env)
			if err != nil {
				return err
			}
			if err := c.DeletePolicy(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: deleted\n", args[0])
			return nil
		}}
	df.bind(del)
	cmd.AddCommand(create, list, get, del)
	return cmd
}

func printPolicies(env *Env, ps []client.Policy) {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tRATE LIMIT\tWINDOW\tBURST\tALLOWED IPS\tMAX KEY AGE")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%s\n", p.ID, p.Name, p.RateLimit, p.RateLimitWindow, p.BurstLimit, len(p.AllowedIPs), p.MaxKeyLifetime)
	}
	tw.Flush()
}
