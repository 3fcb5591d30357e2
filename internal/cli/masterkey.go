package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyhouse-dev/keyhouse/internal/app"
	"github.com/keyhouse-dev/keyhouse/internal/config"
	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/secrets"
)

func newRotateMasterKeyCmd(env *Env) *cobra.Command {
	cfg := config.Default()
	var newKey string
	var rewrapOnly bool
	cmd := &cobra.Command{
		Use:   "rotate-master-key",
		Short: "Re-wrap every data key and server secret under a new master key, while servers keep serving",
		Long: `Opens the database directly and re-wraps every organization's data key and
every server secret under the target master key, one short transaction per
row; secret values are never decrypted and servers keep serving.

The target is --new-master-key, or a newly generated key. With a key file
(no KEYHOUSE_MASTER_KEY), the file is replaced with the new key first, the old
one kept beside it as keyhouse.key.old-ID; running servers read the new file
when they meet a row wrapped under it. With KEYHOUSE_MASTER_KEY, first restart
every server with KEYHOUSE_MASTER_KEY=NEW and KEYHOUSE_OLD_MASTER_KEYS=OLD,
then run this with the same settings and --rewrap-only; then drop the old key.
Running it again after an interruption finishes the job.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			primary, old, err := secrets.ConfigKeys(cfg.MasterKey, cfg.KeyFile(), cfg.OldMasterKeys)()
			if err != nil {
				return err
			}
			target := primary
			switch {
			case rewrapOnly && newKey != "":
				return errors.New("--rewrap-only and --new-master-key do not go together")
			case newKey != "":
				if target, err = crypto.ParseMasterKey(newKey); err != nil {
					return err
				}
			case !rewrapOnly:
				if target, err = crypto.GenerateMasterKey(nil); err != nil {
					return err
				}
				if cfg.MasterKey != "" {
					// Servers configured by environment cannot learn a key
					// we invent here: hand it over, re-wrap nothing yet.
					fmt.Fprintln(env.Stderr, "A new master key (below). Restart every server with KEYHOUSE_MASTER_KEY set to it and KEYHOUSE_OLD_MASTER_KEYS to the current key, then run: keyhouse rotate-master-key --rewrap-only")
					fmt.Fprintln(env.Stdout, target.Encode())
					return nil
				}
			}
			kr, err := crypto.NewKeyring(target, append(old, primary)...)
			if err != nil {
				return err
			}
			db, err := app.OpenStore(cmd.Context(), cfg, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			if target.ID != primary.ID && cfg.MasterKey == "" {
				backup := cfg.KeyFile() + ".old-" + primary.ID
				if err := writeSecretFile(backup, primary.Encode()+"\n"); err != nil {
					return fmt.Errorf("back up the old key: %w", err)
				}
				if err := writeSecretFile(cfg.KeyFile(), target.Encode()+"\n"); err != nil {
					return fmt.Errorf("write the new key file: %w", err)
				}
				fmt.Fprintf(env.Stdout, "Wrote master key %s to %s (the old key %s is in %s until you delete it).\n", target.ID, cfg.KeyFile(), primary.ID, backup)
			}
			res, err := secrets.RotateMasterKey(cmd.Context(), db, kr)
			if err != nil {
				return fmt.Errorf("rotation stopped (run it again to finish): %w", err)
			}
			fmt.Fprintf(env.Stdout, "Re-wrapped %d data keys, %d server secrets and %d webhook secrets under master key %s.\n", res.OrgKeys, res.ServerSecrets, res.WebhookSecrets, target.ID)
			return nil
		},
	}
	cfg.BindDatabase(cmd.Flags())
	cmd.Flags().StringVar(&newKey, "new-master-key", "", "the new master key, [ID:]base64 of 32 bytes (default: generate one)")
	cmd.Flags().BoolVar(&rewrapOnly, "rewrap-only", false, "make no new key: re-wrap everything under the configured master key")
	return cmd
}
