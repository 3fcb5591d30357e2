package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newUsageCmd(env *Env) *cobra.Command {
	var f clientFlags
	var period string
	cmd := &cobra.Command{
		Use:   "usage KEY_ID",
		Short: "Show a key's validations per hour, day or month",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			bs, err := c.KeyUsage(cmd.Context(), args[0], period)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, bs)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PERIOD START\tREQUESTS\tERRORS\tP50 MS\tP99 MS")
			for _, b := range bs {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", b.PeriodStart.UTC().Format(time.RFC3339), b.RequestCount, b.ErrorCount, b.P50LatencyMS, b.P99LatencyMS)
			}
			return tw.Flush()
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&period, "period", "day", "hour, day or month")
	return cmd
}
