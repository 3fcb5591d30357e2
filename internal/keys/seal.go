package keys

import "github.com/keyhouse-dev/keyhouse/internal/crypto"

// KeyringSealer seals webhook secrets under the server keyring
// (crypto.Keyring.Seal). It stands in until per-organization envelope
// encryption (the secrets service) can seal them under each tenant's data key.
type KeyringSealer struct{ Keyring *crypto.Keyring }

// Seal encrypts plaintext bound to ad.
func (k KeyringSealer) Seal(plaintext, ad []byte) ([]byte, string, error) {
	return k.Keyring.Seal(plaintext, ad)
}

// Open decrypts what Seal returned.
func (k KeyringSealer) Open(blob []byte, keyID string, ad []byte) ([]byte, error) {
	return k.Keyring.Open(blob, keyID, ad)
}
