package crypto

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MasterKey is a versioned 256-bit key-encryption key. It only ever wraps
// data keys (see [Keyring]); it never encrypts user data directly, so
// rotating it touches one row per organization, not every secret.
//
// The zero MasterKey holds no key and is refused by [NewKeyring].
type MasterKey struct {
	// ID names the key in the database beside every data key it wraps, so
	// that after a rotation the right key can be found for old rows. It is
	// not secret.
	ID string

	key *secretKey // nil in the zero MasterKey
}

// ParseMasterKey parses the text form of a master key: base64 (standard or
// URL alphabet, padded or not) of exactly 32 bytes, optionally prefixed by an
// ID and a colon, as in "mk2:BASE64". Surrounding whitespace is ignored, so a
// key file may end with a newline.
//
// Without a prefix the ID is the first 8 hex characters of the key's SHA-256,
// so the same key always gets the same ID. Publishing 32 bits of a hash of a
// random 256-bit key reveals nothing useful about it.
//
// Errors never include the input, which is key material.
func ParseMasterKey(s string) (MasterKey, error) {
	s = strings.TrimSpace(s)
	id, b64, hasID := splitPrefix(s)
	if !hasID {
		id, b64 = "", s
	} else if err := validateKeyID(id); err != nil {
		return MasterKey{}, fmt.Errorf("parse master key: %w", err)
	}
	k, err := decodeKey(b64)
	if err != nil {
		return MasterKey{}, fmt.Errorf("parse master key: %w", err)
	}
	if id == "" {
		id = defaultKeyID(k)
	}
	return MasterKey{ID: id, key: k}, nil
}

// GenerateMasterKey returns a new random master key with the default ID.
// A nil rand means crypto/rand.Reader.
func GenerateMasterKey(rand io.Reader) (MasterKey, error) {
	k, err := randomKey(rand)
	if err != nil {
		return MasterKey{}, fmt.Errorf("generate master key: %w", err)
	}
	return MasterKey{ID: defaultKeyID(k), key: k}, nil
}

// Encode returns the text form "ID:BASE64" accepted by [ParseMasterKey], for
// writing to a key file or an environment variable. It is the only method
// that reveals the key.
func (mk MasterKey) Encode() string {
	if mk.key == nil {
		return ""
	}
	return mk.ID + ":" + base64.StdEncoding.EncodeToString(mk.key.bytes())
}

// String returns "MasterKey(ID)". It never reveals the key.
func (mk MasterKey) String() string {
	if mk.key == nil {
		return "MasterKey(none)"
	}
	return "MasterKey(" + mk.ID + ")"
}

// Format implements [fmt.Formatter] so that every verb (%v, %+v, %#v, %x,
// %d...) prints the redacted String.
func (mk MasterKey) Format(f fmt.State, _ rune) { writeRedacted(f, mk.String()) }

// DeriveKey derives an n-byte subkey of mk for the purpose named by info; see
// the package function [DeriveKey]. It panics if mk is the zero MasterKey or
// n is out of range.
func (mk MasterKey) DeriveKey(info string, n int) []byte {
	if mk.key == nil {
		panic("crypto: DeriveKey on zero MasterKey")
	}
	return DeriveKey(mk.key.bytes(), info, n)
}

// DeriveKey derives an n-byte subkey from master with HKDF-SHA-256 (RFC 5869),
// for the purpose named by info. Distinct info labels give independent keys,
// so one configured secret can safely yield the pepper, JWT signing seeds and
// so on, and a leak of one subkey reveals neither master nor its siblings.
//
// Use a fixed, versioned label per purpose, e.g. "keyhouse pepper v1" or
// "keyhouse jwt ed25519 v1". master must be a uniformly random key of at least
// 32 bytes: no salt is used, which RFC 5869 §3.1 allows for such input.
//
// DeriveKey panics if n is not in 1..8160 (255 SHA-256 blocks): n is fixed by
// the caller's code, never by input, so a bad n is a programming error.
func DeriveKey(master []byte, info string, n int) []byte {
	if n < 1 || n > 255*sha256.Size {
		panic(fmt.Sprintf("crypto: DeriveKey length %d out of range", n))
	}
	out, err := hkdf.Key(sha256.New, master, nil, info, n)
	if err != nil {
		// Only reachable in FIPS 140-only mode with a short master key.
		panic("crypto: DeriveKey: " + err.Error())
	}
	return out
}

// defaultKeyID is the first 8 hex characters of SHA-256(key).
func defaultKeyID(k *secretKey) string {
	sum := sha256.Sum256(k.bytes())
	return hex.EncodeToString(sum[:4])
}

// validateKeyID keeps IDs short and printable: they are stored in every
// wrapped-key row and appear in logs and error messages.
func validateKeyID(id string) error {
	if id == "" || len(id) > 64 {
		return errors.New("key ID must be 1 to 64 characters")
	}
	for _, c := range id {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return errors.New("key ID may contain only letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}
