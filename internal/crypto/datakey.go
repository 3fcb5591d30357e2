package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrDecrypt is wrapped by every error from [DataKey.Open] and
// [Keyring.UnwrapDataKey] on input that does not authenticate: a wrong key,
// wrong associated data, a truncated or tampered ciphertext or an unknown
// format version. The cause is deliberately not distinguished further: to a
// caller they all mean the stored value cannot be trusted.
var ErrDecrypt = errors.New("crypto: decryption failed")

// Format versions, the first byte of every ciphertext and wrapped key. A new
// algorithm or layout gets a new version, and Open keeps accepting the old
// ones, so stored data never needs a flag day.
const (
	sealV1 byte = 1 // AES-256-GCM, 96-bit random nonce: v || nonce || ct || tag
	wrapV1 byte = 1 // the same, over a 32-byte data key
)

// gcmOverhead is what cipher.NewGCMWithRandomNonce adds: nonce and tag.
const gcmOverhead = 12 + 16

// DataKey is a 256-bit data-encryption key: one per organization, stored only
// wrapped by a [MasterKey] (see [Keyring.WrapDataKey]). Its bytes are never
// exported and it never prints them.
//
// With random 96-bit nonces, NIST SP 800-38D allows 2^32 encryptions under
// one key before nonce collisions become a real risk. A data key seals each
// secret version once, far below that; a tenant approaching it should get a
// new data key.
//
// The zero DataKey holds no key; Seal and Open refuse it rather than encrypt
// under a key anyone could guess.
type DataKey struct {
	key *secretKey // nil in the zero DataKey
}

// errZeroDataKey is returned when the zero DataKey is used.
var errZeroDataKey = errors.New("crypto: zero DataKey (not generated or unwrapped)")

// NewDataKey returns a new random data key. A nil rand means crypto/rand.Reader.
func NewDataKey(rand io.Reader) (DataKey, error) {
	k, err := randomKey(rand)
	if err != nil {
		return DataKey{}, fmt.Errorf("new data key: %w", err)
	}
	return DataKey{key: k}, nil
}

// String returns "DataKey(redacted)", or "DataKey(none)" for the zero DataKey.
func (dk DataKey) String() string {
	if dk.key == nil {
		return "DataKey(none)"
	}
	return "DataKey(redacted)"
}

// Format implements [fmt.Formatter] so that every verb prints the redacted
// String.
func (dk DataKey) Format(f fmt.State, _ rune) { writeRedacted(f, dk.String()) }

// Seal encrypts and authenticates plaintext with AES-256-GCM under a fresh
// random nonce, binding it to ad. ad is not stored: [DataKey.Open] must be
// given the same ad. Pass where the ciphertext lives, built with [AD], for
// example AD("secret_version", rowID), so that a ciphertext copied to another
// row fails to open there.
//
// Sealing the same plaintext twice gives different ciphertexts.
func (dk DataKey) Seal(plaintext, ad []byte) ([]byte, error) {
	if dk.key == nil {
		return nil, errZeroDataKey
	}
	return sealGCM(dk.key, sealV1, plaintext, ad), nil
}

// Open decrypts a ciphertext made by [DataKey.Seal] with the same ad. Any
// failure to authenticate returns an error wrapping [ErrDecrypt], and never
// any plaintext.
func (dk DataKey) Open(ciphertext, ad []byte) ([]byte, error) {
	if dk.key == nil {
		return nil, errZeroDataKey
	}
	return openGCM(dk.key, sealV1, ciphertext, ad)
}

// sealGCM returns version || nonce || ciphertext || tag.
func sealGCM(key *secretKey, version byte, plaintext, ad []byte) []byte {
	out := make([]byte, 1, 1+gcmOverhead+len(plaintext))
	out[0] = version
	return newGCM(key).Seal(out, nil, plaintext, versionedAD(version, ad))
}

// openGCM reverses sealGCM, accepting only the given version.
func openGCM(key *secretKey, version byte, ciphertext, ad []byte) ([]byte, error) {
	if len(ciphertext) < 1+gcmOverhead {
		return nil, fmt.Errorf("%w: ciphertext too short", ErrDecrypt)
	}
	if ciphertext[0] != version {
		return nil, fmt.Errorf("%w: unsupported format version %d", ErrDecrypt, ciphertext[0])
	}
	pt, err := newGCM(key).Open(nil, nil, ciphertext[1:], versionedAD(version, ad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// versionedAD prefixes ad with the format version, so the version byte, which
// is not encrypted, is still authenticated: a future format can never be
// confused with this one by editing one byte.
func versionedAD(version byte, ad []byte) []byte {
	b := make([]byte, 0, 1+len(ad))
	return append(append(b, version), ad...)
}

// newGCM returns AES-256-GCM with random nonces under key. It is built per
// call (about a microsecond, small next to a database read) so that no
// expanded key schedule outlives its use or is shared between goroutines.
func newGCM(key *secretKey) cipher.AEAD {
	block, err := aes.NewCipher(key.bytes())
	if err != nil {
		panic("crypto: aes.NewCipher: " + err.Error()) // unreachable: the key is 32 bytes
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		panic("crypto: NewGCMWithRandomNonce: " + err.Error()) // unreachable: block is AES
	}
	return aead
}

// AD builds associated data from parts, unambiguously: each part is preceded
// by its length, so AD("ab", "c") and AD("a", "bc") differ, as do AD("a") and
// AD("a", ""). Plain concatenation would let an attacker who controls part of
// an ID move a ciphertext to a row whose parts join to the same string.
func AD(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += binary.MaxVarintLen64 + len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}
