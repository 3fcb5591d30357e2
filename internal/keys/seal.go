package keys

import (
	"errors"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
)

// KeyringSealer seals secrets under the server keyring by wrapping a one-off
// data key with the ciphertext, the layout internal/app uses for server
// secrets. It stands in until per-organization envelope encryption (the
// secrets service) can seal webhook secrets under each tenant's data key.
type KeyringSealer struct{ Keyring *crypto.Keyring }

// Seal encrypts plaintext bound to ad.
func (k KeyringSealer) Seal(plaintext, ad []byte) ([]byte, string, error) {
	dk, err := crypto.NewDataKey(nil)
	if err != nil {
		return nil, "", err
	}
	wrapped, id, err := k.Keyring.WrapDataKey(dk, ad)
	if err != nil {
		return nil, "", err
	}
	ct, err := dk.Seal(plaintext, ad)
	if err != nil {
		return nil, "", err
	}
	// Layout: 2-byte length of the wrapped key, the wrapped key, the ciphertext.
	out := make([]byte, 0, 2+len(wrapped)+len(ct))
	out = append(out, byte(len(wrapped)>>8), byte(len(wrapped)))
	out = append(out, wrapped...)
	return append(out, ct...), id, nil
}

// Open decrypts what Seal returned.
func (k KeyringSealer) Open(blob []byte, keyID string, ad []byte) ([]byte, error) {
	if len(blob) < 2 {
		return nil, errors.New("sealed secret: truncated")
	}
	n := int(blob[0])<<8 | int(blob[1])
	if len(blob) < 2+n {
		return nil, errors.New("sealed secret: truncated")
	}
	dk, err := k.Keyring.UnwrapDataKey(blob[2:2+n], keyID, ad)
	if err != nil {
		return nil, err
	}
	return dk.Open(blob[2+n:], ad)
}
