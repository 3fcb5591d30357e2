package crypto

import "errors"

// ErrTruncated is returned for a sealed blob too short to hold its parts.
var ErrTruncated = errors.New("sealed blob: truncated")

// Seal encrypts a small secret directly under the keyring's primary master
// key: a one-off data key seals plaintext, and the blob carries that key
// wrapped (layout: 2-byte length of the wrapped key, the wrapped key, the
// ciphertext). It returns the blob and the master key's ID to store with it.
func (kr *Keyring) Seal(plaintext, ad []byte) ([]byte, string, error) {
	dk, err := NewDataKey(nil)
	if err != nil {
		return nil, "", err
	}
	wrapped, id, err := kr.WrapDataKey(dk, ad)
	if err != nil {
		return nil, "", err
	}
	ct, err := dk.Seal(plaintext, ad)
	if err != nil {
		return nil, "", err
	}
	return joinSealed(wrapped, ct), id, nil
}

// Open decrypts a blob made by Seal under master key masterKeyID.
func (kr *Keyring) Open(blob []byte, masterKeyID string, ad []byte) ([]byte, error) {
	wrapped, ct, err := splitSealed(blob)
	if err != nil {
		return nil, err
	}
	dk, err := kr.UnwrapDataKey(wrapped, masterKeyID, ad)
	if err != nil {
		return nil, err
	}
	return dk.Open(ct, ad)
}

// RewrapSealed re-wraps a Seal blob's data key under the primary master key
// without decrypting the secret itself (master key rotation).
func (kr *Keyring) RewrapSealed(blob []byte, masterKeyID string, ad []byte) ([]byte, string, error) {
	wrapped, ct, err := splitSealed(blob)
	if err != nil {
		return nil, "", err
	}
	w, id, err := kr.Rewrap(wrapped, masterKeyID, ad)
	if err != nil {
		return nil, "", err
	}
	return joinSealed(w, ct), id, nil
}

func joinSealed(wrapped, ct []byte) []byte {
	out := make([]byte, 0, 2+len(wrapped)+len(ct))
	out = append(out, byte(len(wrapped)>>8), byte(len(wrapped)))
	out = append(out, wrapped...)
	return append(out, ct...)
}

func splitSealed(blob []byte) (wrapped, ct []byte, err error) {
	if len(blob) < 2 {
		return nil, nil, ErrTruncated
	}
	n := int(blob[0])<<8 | int(blob[1])
	if len(blob) < 2+n {
		return nil, nil, ErrTruncated
	}
	return blob[2 : 2+n], blob[2+n:], nil
}
