package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// KeySource yields the master keys in use: the primary, which wraps new
// data keys, and older ones still needed to unwrap.
type KeySource func() (primary crypto.MasterKey, old []crypto.MasterKey, err error)

// ConfigKeys is the KeySource of a server's configuration: the master key
// itself when given (KEYHOUSE_MASTER_KEY), else the key file, read afresh on
// every call so a server notices `keyhouse rotate-master-key` writing a new
// one; and the retired keys of --old-master-keys.
func ConfigKeys(masterKey, keyFile string, oldKeys []string) KeySource {
	return func() (crypto.MasterKey, []crypto.MasterKey, error) {
		var primary crypto.MasterKey
		var err error
		if masterKey != "" {
			primary, err = crypto.ParseMasterKey(masterKey)
		} else {
			primary, _, err = crypto.LoadOrCreateKeyFile(keyFile, nil)
		}
		if err != nil {
			return crypto.MasterKey{}, nil, fmt.Errorf("master key: %w", err)
		}
		var old []crypto.MasterKey
		for _, s := range oldKeys {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			mk, err := crypto.ParseMasterKey(s)
			if err != nil {
				return crypto.MasterKey{}, nil, fmt.Errorf("old master key: %w", err)
			}
			old = append(old, mk)
		}
		return primary, old, nil
	}
}

// keys holds the keyring and the unwrapped per-organization data keys.
// Data keys are cached for the process's life: a master key rotation
// re-wraps them but never changes them, so a cached key stays right.
type keys struct {
	src KeySource

	mu    sync.Mutex
	kr    *crypto.Keyring
	known []crypto.MasterKey // every master key seen, so a reload never forgets one
	tried map[string]bool
	cache map[keyhouse.ID]crypto.DataKey
}

func newKeys(src KeySource) (*keys, error) {
	k := &keys{src: src, cache: map[keyhouse.ID]crypto.DataKey{}, tried: map[string]bool{}}
	if err := k.reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// reload re-reads the key source. Keys seen before stay in the keyring,
// so rows not yet re-wrapped by a running rotation still open.
func (k *keys) reload() error {
	primary, old, err := k.src()
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	all := append(append([]crypto.MasterKey{}, old...), k.known...)
	seen := map[string]bool{primary.ID: true}
	known := []crypto.MasterKey{}
	for _, mk := range all {
		if !seen[mk.ID] {
			seen[mk.ID] = true
			known = append(known, mk)
		}
	}
	kr, err := crypto.NewKeyring(primary, known...)
	if err != nil {
		return err
	}
	k.kr, k.known = kr, append(known, primary)
	return nil
}

func (k *keys) keyring() *crypto.Keyring {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.kr
}

// OrgAD is the associated data an organization's data key is wrapped with.
func OrgAD(orgID keyhouse.ID) []byte { return crypto.AD("org", orgID) }

// versionAD binds a sealed value to its version row, secret and tenant.
func versionAD(v *keyhouse.SecretVersion) []byte {
	return crypto.AD("secret_version", v.ID, v.SecretID, v.OrgID)
}

// dataKey returns orgID's data key, creating it on first use. Creation is
// its own short transaction, and the first writer wins when two race.
func (k *keys) dataKey(ctx context.Context, store keyhouse.Store, orgID keyhouse.ID) (crypto.DataKey, error) {
	k.mu.Lock()
	dk, ok := k.cache[orgID]
	k.mu.Unlock()
	if ok {
		return dk, nil
	}
	var row *keyhouse.OrgKey
	err := store.View(ctx, func(tx keyhouse.Tx) (err error) {
		row, err = tx.OrgKey(ctx, orgID)
		return err
	})
	if keyhouse.ErrorCode(err) == keyhouse.ENOTFOUND {
		// Re-read the key source first, so a key file replaced by a
		// rotation is used for the new data key too.
		if err := k.reload(); err != nil {
			return crypto.DataKey{}, err
		}
		fresh, err := crypto.NewDataKey(nil)
		if err != nil {
			return crypto.DataKey{}, err
		}
		wrapped, mkID, err := k.keyring().WrapDataKey(fresh, OrgAD(orgID))
		if err != nil {
			return crypto.DataKey{}, err
		}
		err = store.Update(ctx, func(tx keyhouse.Tx) error {
			return tx.CreateOrgKey(ctx, &keyhouse.OrgKey{OrgID: orgID, Wrapped: wrapped, MasterKeyID: mkID, CreatedAt: tx.Now()})
		})
		if err != nil {
			return crypto.DataKey{}, err
		}
		return k.dataKey(ctx, store, orgID)
	}
	if err != nil {
		return crypto.DataKey{}, err
	}
	dk, err = k.keyring().UnwrapDataKey(row.Wrapped, row.MasterKeyID, OrgAD(orgID))
	if errors.Is(err, crypto.ErrUnknownMasterKey) && k.mayReload(row.MasterKeyID) {
		// A rotation may have moved this row to a key written since we
		// started: read the key source again, once.
		if rerr := k.reload(); rerr == nil {
			dk, err = k.keyring().UnwrapDataKey(row.Wrapped, row.MasterKeyID, OrgAD(orgID))
		}
	}
	if err != nil {
		return crypto.DataKey{}, &keyhouse.Error{Code: keyhouse.EINTERNAL, Message: "Internal error.", Err: fmt.Errorf("unwrap data key of %s: %w", orgID, err)}
	}
	k.mu.Lock()
	k.cache[orgID] = dk
	k.mu.Unlock()
	return dk, nil
}

// mayReload allows one reload per unknown master key ID, so a row
// wrapped under a key nobody configured cannot make every read re-read
// the key file.
func (k *keys) mayReload(masterKeyID string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tried[masterKeyID] {
		return false
	}
	k.tried[masterKeyID] = true
	return true
}

// dataKey returns the organization's data key. Call it before opening a
// write transaction: creating the key is a transaction of its own, and
// SQLite has one writer.
func (s *Service) dataKey(ctx context.Context, orgID keyhouse.ID) (crypto.DataKey, error) {
	return s.keys.dataKey(ctx, s.store, orgID)
}

func seal(dk crypto.DataKey, v *keyhouse.SecretVersion, value string) error {
	ct, err := dk.Seal([]byte(value), versionAD(v))
	v.Ciphertext = ct
	return err
}

func open(dk crypto.DataKey, v *keyhouse.SecretVersion) (string, error) {
	b, err := dk.Open(v.Ciphertext, versionAD(v))
	if err != nil {
		// A ciphertext that does not open here was tampered with or moved
		// from another row: never return anything in its place.
		return "", &keyhouse.Error{Code: keyhouse.EINTERNAL, Message: "Internal error.", Err: fmt.Errorf("open secret version %s: %w", v.ID, err)}
	}
	return string(b), nil
}

// openSecret opens a secret's current value (loaded with its ciphertext).
func openSecret(dk crypto.DataKey, sec *keyhouse.Secret) (string, error) {
	return open(dk, &keyhouse.SecretVersion{ID: sec.VersionID, OrgID: sec.OrgID, SecretID: sec.ID, Ciphertext: sec.Ciphertext})
}

// MasterSealer seals small server-held secrets (keys' rotation-webhook
// signing secrets) under the master keyring, kept current the way data
// keys are: the key source is re-read before sealing, so a rotated key
// file is used at once, and once per unknown key ID when opening, so rows
// re-wrapped by `keyhouse rotate-master-key` still open on a running
// server. It satisfies keys.Sealer.
type MasterSealer struct{ k *keys }

// MasterSealer returns the service's master-keyring sealer.
func (s *Service) MasterSealer() MasterSealer { return MasterSealer{s.keys} }

// Seal encrypts plaintext bound to ad under the current primary master key.
func (m MasterSealer) Seal(plaintext, ad []byte) ([]byte, string, error) {
	if err := m.k.reload(); err != nil {
		return nil, "", err
	}
	return m.k.keyring().Seal(plaintext, ad)
}

// Open decrypts what Seal returned.
func (m MasterSealer) Open(blob []byte, keyID string, ad []byte) ([]byte, error) {
	out, err := m.k.keyring().Open(blob, keyID, ad)
	if errors.Is(err, crypto.ErrUnknownMasterKey) && m.k.mayReload(keyID) {
		if rerr := m.k.reload(); rerr == nil {
			out, err = m.k.keyring().Open(blob, keyID, ad)
		}
	}
	return out, err
}
