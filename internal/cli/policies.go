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
	policyFlags(create, &req)
	_ = create.MarkFlagRequired("name")

	var uf clientFlags
	var upd client.PolicyRequest
	update := &cobra.Command{Use: "update POLICY_ID [flags]", Short: "Change a policy: only the flags given change", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := uf.client(env)
			if err != nil {
				return err
			}
			cur, err := c.GetPolicy(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			// The API replaces the whole policy; start from what it holds.
			req := cur.Request()
			fl := cmd.Flags()
			set := func(name string, apply func()) {
				if fl.Changed(name) {
					apply()
				}
			}
			set("name", func() { req.Name = upd.Name })
			set("description", func() { req.Description = upd.Description })
			set("rate-limit", func() { req.RateLimit = upd.RateLimit })
			set("rate-window", func() { req.RateLimitWindow = upd.RateLimitWindow })
			set("burst", func() { req.BurstLimit = upd.BurstLimit })
			set("allow-ip", func() { req.AllowedIPs = upd.AllowedIPs })
			set("allow-origin", func() { req.AllowedOrigins = upd.AllowedOrigins })
			set("max-key-age", func() { req.MaxKeyLifetime = upd.MaxKeyLifetime })
			set("grace-period", func() { req.GracePeriod = upd.GracePeriod })
			set("daily-quota", func() { req.DailyQuota = upd.DailyQuota })
			set("monthly-quota", func() { req.MonthlyQuota = upd.MonthlyQuota })
			p, err := c.ReplacePolicy(cmd.Context(), args[0], req)
			if err != nil {
				return err
			}
			if uf.json {
				return printJSON(env.Stdout, p)
			}
			printPolicies(env, []client.Policy{*p})
			return nil
		}}
	uf.bind(update)
	policyFlags(update, &upd)

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
			return printDone(env, df.json, args[0], "deleted")
		}}
	df.bind(del)
	cmd.AddCommand(create, update, list, get, del)
	return cmd
}

// policyFlags binds the flags create and update share.
func policyFlags(cmd *cobra.Command, req *client.PolicyRequest) {
	f := cmd.Flags()
	f.StringVar(&req.Name, "name", "", "name (required on create)")
	f.StringVar(&req.Description, "description", "", "description")
	f.IntVar(&req.RateLimit, "rate-limit", 0, "requests per window (0: none)")
	f.StringVar(&req.RateLimitWindow, "rate-window", "", "window: 1m, 1h…")
	f.IntVar(&req.BurstLimit, "burst", 0, "burst (default: the rate limit)")
	f.StringSliceVar(&req.AllowedIPs, "allow-ip", nil, "allowed CIDR or address, repeatable")
	f.StringSliceVar(&req.AllowedOrigins, "allow-origin", nil, "allowed origin, repeatable")
	f.StringVar(&req.MaxKeyLifetime, "max-key-age", "", "maximum key age: 90d, 2160h…")
	f.StringVar(&req.GracePeriod, "grace-period", "", "rotation grace period")
	f.Int64Var(&req.DailyQuota, "daily-quota", 0, "daily quota, stored (0: unlimited)")
	f.Int64Var(&req.MonthlyQuota, "monthly-quota", 0, "monthly quota, stored (0: unlimited)")
}

func printPolicies(env *Env, ps []client.Policy) {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tRATE LIMIT\tWINDOW\tBURST\tALLOWED IPS\tMAX KEY AGE")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%s\n", p.ID, p.Name, p.RateLimit, p.RateLimitWindow, p.BurstLimit, len(p.AllowedIPs), p.MaxKeyLifetime)
	}
	tw.Flush()
}
