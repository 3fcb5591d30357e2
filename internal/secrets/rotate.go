package secrets

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// RotateResult counts what a master key rotation re-wrapped.
type RotateResult struct {
	OrgKeys        int
	ServerSecrets  int
	WebhookSecrets int // keys' rotation-webhook signing secrets
}

// RotateMasterKey re-wraps, under kr's primary key, every organization
// data key, server secret and key rotation-webhook secret still wrapped
// under another key of kr.
// Each row is its own short transaction, re-read and updated only if it
// is still under the key it was read with, so servers keep serving (and
// creating data keys) meanwhile; a rotation that stops half-way is simply
// run again. Values are never decrypted: data keys do not change.
func RotateMasterKey(ctx context.Context, store keyhouse.Store, kr *crypto.Keyring) (RotateResult, error) {
	var res RotateResult
	primary := kr.PrimaryID()
	var orgIDs []keyhouse.ID
	if err := store.View(ctx, func(tx keyhouse.Tx) (err error) {
		orgIDs, err = tx.OrgKeysNotUnder(ctx, primary)
		return err
	}); err != nil {
		return res, err
	}
	for _, orgID := range orgIDs {
		err := store.Update(ctx, func(tx keyhouse.Tx) error {
			k, err := tx.OrgKey(ctx, orgID)
			if err != nil || k.MasterKeyID == primary {
				return err
			}
			w, id, err := kr.Rewrap(k.Wrapped, k.MasterKeyID, OrgAD(orgID))
			if err != nil {
				return fmt.Errorf("re-wrap data key of %s: %w", orgID, err)
			}
			ok, err := tx.UpdateOrgKey(ctx, orgID, w, id, k.MasterKeyID)
			if ok {
				res.OrgKeys++
			}
			return err
		})
		if err != nil {
			return res, err
		}
	}
	var names []string
	if err := store.View(ctx, func(tx keyhouse.Tx) (err error) {
		names, err = tx.ServerSecretNames(ctx)
		return err
	}); err != nil {
		return res, err
	}
	for _, name := range names {
		err := store.Update(ctx, func(tx keyhouse.Tx) error {
			blob, mkID, err := tx.ServerSecret(ctx, name)
			if err != nil || mkID == primary {
				return err
			}
			out, id, err := rewrapServerSecret(kr, name, blob, mkID)
			if err != nil {
				return err
			}
			res.ServerSecrets++
			return tx.UpdateServerSecret(ctx, name, out, id)
		})
		if err != nil {
			return res, err
		}
	}
	n, err := rewrapWebhookSecrets(ctx, store, kr)
	res.WebhookSecrets = n
	return res, err
}

// rewrapWebhookSecrets re-wraps the sealed rotation-webhook secret of
// every key not yet under kr's primary key, one key per transaction.
func rewrapWebhookSecrets(ctx context.Context, store keyhouse.Store, kr *crypto.Keyring) (int, error) {
	primary := kr.PrimaryID()
	var refs []keyhouse.KeyRef
	if err := store.View(ctx, func(tx keyhouse.Tx) (err error) {
		refs, err = tx.WebhookSecretsNotUnder(ctx, primary)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, ref := range refs {
		err := store.Update(ctx, func(tx keyhouse.Tx) error {
			k, err := tx.Key(ctx, ref.OrgID, ref.ID)
			if err != nil || k.WebhookSecretSealed == nil || k.WebhookSecretKeyID == primary {
				return err
			}
			out, id, err := kr.RewrapSealed(k.WebhookSecretSealed, k.WebhookSecretKeyID, []byte(keyhouse.WebhookSecretAD))
			if err != nil {
				return fmt.Errorf("re-wrap webhook secret of key %s: %w", ref.ID, err)
			}
			ok, err := tx.UpdateWebhookSecret(ctx, ref, out, id, k.WebhookSecretKeyID)
			if ok {
				n++
			}
			return err
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// rewrapServerSecret re-wraps the one-off data key of a server secret
// (crypto.Keyring.Seal's layout), leaving the ciphertext as it is.
func rewrapServerSecret(kr *crypto.Keyring, name string, blob []byte, mkID string) ([]byte, string, error) {
	out, id, err := kr.RewrapSealed(blob, mkID, crypto.AD("server_secret", name))
	if err != nil {
		return nil, "", fmt.Errorf("re-wrap server secret %s: %w", name, err)
	}
	return out, id, nil
}
