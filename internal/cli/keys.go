package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyhouse-dev/keyhouse/client"
)

func newKeysCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the API keys you issue to your customers"}
	cmd.AddCommand(newKeysCreateCmd(env), newKeysListCmd(env), newKeysGetCmd(env), newKeysRotateCmd(env),
		newKeysStateCmd(env, "revoke", "Revoke a key for good"), newKeysStateCmd(env, "suspend", "Suspend a key"),
		newKeysStateCmd(env, "reactivate", "Reactivate a suspended key"), newKeysValidateCmd(env))
	return cmd
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func printKeys(env *Env, keys []client.Key) {
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tENV\tSTATE\tEXPIRES\tLAST USED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s…%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.KeyPrefix, k.Hint, k.Environment, k.State, fmtTime(k.ExpiresAt), fmtTime(k.LastUsedAt))
	}
	tw.Flush()
}

func newKeysCreateCmd(env *Env) *cobra.Command {
	var f clientFlags
	var req client.CreateKeyRequest
	var expires time.Duration
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a key and print it once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			if expires < 0 {
				return fmt.Errorf("--expires-in must be a positive duration, not %s", expires)
			}
			if expires > 0 {
				t := time.Now().Add(expires)
				req.ExpiresAt = &t
			}
			k, err := c.CreateKey(cmd.Context(), req)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, k)
			}
			fmt.Fprintln(env.Stdout, k.RawKey)
			fmt.Fprintf(env.Stderr, "Created %s. The key above is shown only once.\n", k.Key.ID)
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&req.Name, "name", "", "name of the key")
	cmd.Flags().StringVar(&req.Prefix, "prefix", "", "key prefix (default sk)")
	cmd.Flags().StringVar(&req.Environment, "environment", "", "environment: live, test… (default live)")
	cmd.Flags().StringVar(&req.PolicyID, "policy", "", "policy ID (kpol_…)")
	cmd.Flags().StringSliceVar(&req.Scopes, "scope", nil, "registered scope, repeatable")
	cmd.Flags().DurationVar(&expires, "expires-in", 0, "lifetime, e.g. 720h (default: none, or the policy's max key age)")
	return cmd
}

func newKeysListCmd(env *Env) *cobra.Command {
	var f clientFlags
	var state, environment string
	var limit, offset int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			keys, err := c.ListKeys(cmd.Context(), state, environment, limit, offset)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, keys)
			}
			printKeys(env, keys)
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&state, "state", "", "only keys in this state: active, suspended, revoked, expired, rotated")
	cmd.Flags().StringVar(&environment, "environment", "", "only keys of this environment")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many (≤ 1000)")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many")
	return cmd
}

func newKeysGetCmd(env *Env) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "get KEY_ID",
		Short: "Show a key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			k, err := c.GetKey(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, k)
			}
			printKeys(env, []client.Key{*k})
			return nil
		},
	}
	f.bind(cmd)
	return cmd
}

func newKeysRotateCmd(env *Env) *cobra.Command {
	var f clientFlags
	var reason, grace string
	cmd := &cobra.Command{
		Use:   "rotate KEY_ID",
		Short: "Rotate a key: print the new key once; the old one works until the grace period ends",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			k, err := c.RotateKey(cmd.Context(), args[0], reason, grace)
			if err != nil {
				return err
			}
			if f.json {
				return printJSON(env.Stdout, k)
			}
			fmt.Fprintln(env.Stdout, k.RawKey)
			fmt.Fprintf(env.Stderr, "Rotated %s into %s. The key above is shown only once.\n", args[0], k.Key.ID)
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why: manual, compromised, scheduled…")
	cmd.Flags().StringVar(&grace, "grace-period", "", "how long the old key keeps working: 24h, 7d, 0 (default: policy's, else 24h)")
	return cmd
}

func newKeysStateCmd(env *Env, verb, short string) *cobra.Command {
	var f clientFlags
	var reason string
	cmd := &cobra.Command{
		Use:   verb + " KEY_ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			switch verb {
			case "revoke":
				err = c.RevokeKey(cmd.Context(), args[0], reason)
			case "suspend":
				err = c.SuspendKey(cmd.Context(), args[0])
			default:
				err = c.ReactivateKey(cmd.Context(), args[0])
			}
			if err != nil {
				return err
			}
			return printDone(env, f.json, args[0], pastTense[verb])
		},
	}
	f.bind(cmd)
	if verb == "revoke" {
		cmd.Flags().StringVar(&reason, "reason", "", "why the key is revoked")
	}
	return cmd
}

// errInvalidKey makes "keys validate" exit non-zero for an invalid key.
var errInvalidKey = errors.New("the key is not valid")

func newKeysValidateCmd(env *Env) *cobra.Command {
	var f clientFlags
	var req client.ValidateRequest
	cmd := &cobra.Command{
		Use:   "validate RAW_KEY",
		Short: "Validate a key as your API would; exits 1 when it is not valid",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client(env)
			if err != nil {
				return err
			}
			req.RawKey = args[0]
			res, err := c.ValidateKey(cmd.Context(), req)
			if err != nil {
				return err
			}
			if f.json {
				if err := printJSON(env.Stdout, res); err != nil {
					return err
				}
			} else if res.Valid {
				fmt.Fprintf(env.Stdout, "valid: %s (%s)\n", res.Key.ID, res.Key.Name)
			} else {
				fmt.Fprintf(env.Stdout, "invalid: %s (%s)\n", res.Code, res.Detail)
			}
			if !res.Valid {
				return errInvalidKey
			}
			return nil
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&req.IP, "ip", "", "the caller's IP address")
	cmd.Flags().StringVar(&req.Origin, "origin", "", "the caller's origin")
	cmd.Flags().StringSliceVar(&req.RequiredScopes, "require-scope", nil, "scope the key must carry, repeatable")
	return cmd
}

var pastTense = map[string]string{"revoke": "revoked", "suspend": "suspended", "reactivate": "reactivated"}

// printDone reports an action on id that answers nothing but success.
func printDone(env *Env, asJSON bool, id, result string) error {
	if asJSON {
		return printJSON(env.Stdout, map[string]string{"id": id, "result": result})
	}
	_, err := fmt.Fprintf(env.Stdout, "%s: %s\n", id, result)
	return err
}
