package secrets

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// RotateResult counts what a master key rotation re-wrapped.
type RotateResult struct {
	OrgKeys       int
	ServerSecrets int
}

// RotateMasterKey re-wraps, under kr's primary key, every organization
// data key and every server secret still wrapped under another key of kr.
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
	return res, nil
}

// rewrapServerSecret re-wraps the one-off data key at the front of a
// server secret (internal/app/secrets.go: a 2-byte length, the wrapped
// key, then the ciphertext), leaving the ciphertext as it is.
func rewrapServerSecret(kr *crypto.Keyring, name string, blob []byte, mkID string) ([]byte, string, error) {
	if len(blob) < 2 {
		return nil, "", fmt.Errorf("server secret %s: truncated", name)
	}
	n := int(blob[0])<<8 | int(blob[1])
	if len(blob) < 2+n {
		return nil, "", fmt.Errorf("server secret %s: truncated", name)
	}
	w, id, err := kr.Rewrap(blob[2:2+n], mkID, crypto.AD("server_secret", name))
	if err != nil {
		return nil, "", fmt.Errorf("re-wrap server secret %s: %w", name, err)
	}
	out := make([]byte, 0, 2+len(w)+len(blob)-2-n)
	out = append(out, byte(len(w)>>8), byte(len(w)))
	out = append(out, w...)
	return append(out, blob[2+n:]...), id, nil
}
