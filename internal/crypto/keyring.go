package crypto

import (
	"errors"
	"fmt"
)

// ErrUnknownMasterKey is wrapped by [Keyring.UnwrapDataKey] when a data key
// was wrapped by a master key the keyring does not hold, typically an old key
// that was dropped from the configuration before every data key was
// re-wrapped.
var ErrUnknownMasterKey = errors.New("crypto: unknown master key")

// wrappedKeySize is the exact length of a wrapped data key.
const wrappedKeySize = 1 + gcmOverhead + KeySize

// Keyring holds the master keys in use: the primary, which wraps every new
// data key, and older keys still needed to unwrap data keys wrapped before a
// rotation. It is safe for concurrent use; it is never modified after
// [NewKeyring].
//
// Master key rotation without downtime: configure the new key as primary and
// the old one as old, re-wrap every data key whose master key ID is not
// [Keyring.PrimaryID] with [Keyring.Rewrap], then drop the old key.
type Keyring struct {
	primary MasterKey
	byID    map[string]MasterKey
}

// NewKeyring returns a keyring that wraps with primary and unwraps with
// primary or any of old. It fails if any key is the zero MasterKey, or if
// two different keys share an ID, since the ID stored with a wrapped key
// would then not say which key to use. Repeating the same key is harmless and
// allowed.
func NewKeyring(primary MasterKey, old ...MasterKey) (*Keyring, error) {
	kr := &Keyring{primary: primary, byID: make(map[string]MasterKey, 1+len(old))}
	for _, mk := range append([]MasterKey{primary}, old...) {
		if mk.key == nil {
			return nil, errors.New("new keyring: zero MasterKey")
		}
		if prev, ok := kr.byID[mk.ID]; ok && !prev.key.equal(mk.key) {
			return nil, fmt.Errorf("new keyring: two different master keys have ID %q", mk.ID)
		}
		kr.byID[mk.ID] = mk
	}
	return kr, nil
}

// PrimaryID returns the ID of the primary master key, the one
// [Keyring.WrapDataKey] uses. Data keys stored with another ID are due for
// [Keyring.Rewrap].
func (kr *Keyring) PrimaryID() string { return kr.primary.ID }

// WrapDataKey encrypts dek under the primary master key with AES-256-GCM and
// returns the wrapped key with the ID of the master key used; store both.
// ad binds the wrapped key to its owner: pass AD("org", orgID), so a wrapped
// key copied into another organization's row fails to unwrap there.
func (kr *Keyring) WrapDataKey(dek DataKey, ad []byte) (wrapped []byte, masterKeyID string, err error) {
	if dek.key == nil {
		return nil, "", fmt.Errorf("wrap data key: %w", errZeroDataKey)
	}
	if kr.primary.key == nil {
		return nil, "", errors.New("wrap data key: Keyring not made by NewKeyring")
	}
	return sealGCM(kr.primary.key, wrapV1, dek.key.bytes(), ad), kr.primary.ID, nil
}

// UnwrapDataKey decrypts a data key wrapped by [Keyring.WrapDataKey] under the
// master key named masterKeyID, with the same ad. It returns an error wrapping
// [ErrUnknownMasterKey] if the keyring has no such key, and one wrapping
// [ErrDecrypt] if the wrapped key does not authenticate.
func (kr *Keyring) UnwrapDataKey(wrapped []byte, masterKeyID string, ad []byte) (DataKey, error) {
	mk, ok := kr.byID[masterKeyID]
	if !ok {
		return DataKey{}, fmt.Errorf("unwrap data key: %w %q", ErrUnknownMasterKey, masterKeyID)
	}
	if len(wrapped) != wrappedKeySize {
		return DataKey{}, fmt.Errorf("unwrap data key: %w: wrapped key is %d bytes, want %d", ErrDecrypt, len(wrapped), wrappedKeySize)
	}
	b, err := openGCM(mk.key, wrapV1, wrapped, ad)
	if err != nil {
		return DataKey{}, fmt.Errorf("unwrap data key with master key %q: %w", masterKeyID, err)
	}
	dk := DataKey{key: newSecretKey(b)}
	clear(b)
	return dk, nil
}

// Rewrap unwraps a data key under whichever master key wrapped it and wraps
// it again under the primary, returning the new wrapped key and master key
// ID. The data key itself, and so every ciphertext under it, is unchanged.
func (kr *Keyring) Rewrap(wrapped []byte, masterKeyID string, ad []byte) ([]byte, string, error) {
	dek, err := kr.UnwrapDataKey(wrapped, masterKeyID, ad)
	if err != nil {
		return nil, "", err
	}
	return kr.WrapDataKey(dek, ad)
}
