package app

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// pepperName is the server secret under which API keys and tokens are hashed.
const pepperName = "pepper.v1"

// loadPepper returns the key-hashing pepper, creating it on first start.
// It is stored in the database sealed under the master key, so every node
// sharing a database and a master key hashes alike, neither the database
// nor the master key alone can compute a key's hash, and a master key
// rotation re-wraps it without changing any stored hash.
func loadPepper(ctx context.Context, store keyhouse.Store, kr *crypto.Keyring) (crypto.Pepper, error) {
	raw, err := loadServerSecret(ctx, store, kr, pepperName)
	if err != nil {
		return crypto.Pepper{}, err
	}
	return crypto.ParsePepper(string(raw))
}

func serverSecretAD(name string) []byte { return crypto.AD("server_secret", name) }

// loadServerSecret returns a server secret's plaintext, generating a new
// pepper-format secret the first time. When nodes race, the first insert
// wins and everyone reads it back.
func loadServerSecret(ctx context.Context, store keyhouse.Store, kr *crypto.Keyring, name string) ([]byte, error) {
	var wrapped []byte
	var mkID string
	err := store.View(ctx, func(tx keyhouse.Tx) (err error) {
		wrapped, mkID, err = tx.ServerSecret(ctx, name)
		return err
	})
	if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
		p, err := crypto.GeneratePepper(nil, 1)
		if err != nil {
			return nil, err
		}
		w, id, err := kr.Seal([]byte(p.Encode()), serverSecretAD(name))
		if err != nil {
			return nil, err
		}
		if err := store.Update(ctx, func(tx keyhouse.Tx) error { return tx.CreateServerSecret(ctx, name, w, id) }); err != nil {
			return nil, err
		}
		return loadServerSecret(ctx, store, kr, name)
	}
	if err != nil {
		return nil, err
	}
	plain, err := kr.Open(wrapped, mkID, serverSecretAD(name))
	if err != nil {
		return nil, fmt.Errorf("server secret %s: %w (is this the master key the database was created with?)", name, err)
	}
	return plain, nil
}
