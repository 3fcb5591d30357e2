package crypto

import (
	cryptorand "crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// KeySize is the size in bytes of every symmetric key in this package:
// master keys, data keys and peppers. 256 bits leaves a margin against
// multi-target attacks on AES and is the natural HMAC-SHA-256 key size.
const KeySize = 32

// base64Encodings are tried in order by decodeKey. Operators paste keys made
// by many tools (openssl, Go, Python, browsers), so we accept standard and URL
// alphabets, padded or not. The alphabets differ only in characters that never
// appear in the other, so at most one interpretation is valid. Strict rejects
// non-zero padding bits, so each key has one text form per alphabet.
var base64Encodings = [...]*base64.Encoding{
	base64.StdEncoding.Strict(),
	base64.RawStdEncoding.Strict(),
	base64.URLEncoding.Strict(),
	base64.RawURLEncoding.Strict(),
}

// secretKey holds KeySize bytes of key material where fmt cannot print them,
// even from inside a struct that has no Format method of its own (fmt cannot
// call methods on unexported fields). fmt prints a pointer nested in a struct
// as an address, except that for verbs that do not apply to pointers (%s,
// %q) it prints the pointee with %v, one level deep. A second pointer keeps
// even that an address; TestKeysNeverPrint checks every verb.
type secretKey struct{ b *[KeySize]byte }

// newSecretKey copies b, which must be KeySize bytes, into a new secretKey.
func newSecretKey(b []byte) *secretKey {
	k := &secretKey{b: new([KeySize]byte)}
	copy(k.b[:], b)
	return k
}

// bytes returns the key material. Callers must not modify or retain it.
func (k *secretKey) bytes() []byte { return k.b[:] }

// isZero reports whether every byte is zero.
func (k *secretKey) isZero() bool { return *k.b == [KeySize]byte{} }

// equal reports whether k and o hold the same bytes, in constant time.
func (k *secretKey) equal(o *secretKey) bool { return Equal(k.b[:], o.b[:]) }

// decodeKey decodes s as base64 of exactly KeySize bytes. Its errors never
// quote s: the input is key material, and errors end up in logs.
func decodeKey(s string) (*secretKey, error) {
	if s == "" {
		return nil, errors.New("key is empty")
	}
	for _, enc := range base64Encodings {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, fmt.Errorf("key is %d bytes, want %d", len(b), KeySize)
		}
		k := newSecretKey(b)
		clear(b)
		if k.isZero() {
			// An all-zero key is a configuration mistake (e.g. base64 of
			// /dev/zero), never a random one: refuse rather than encrypt
			// every secret under a key anyone can guess.
			return nil, errors.New("key is all zeros")
		}
		return k, nil
	}
	return nil, errors.New("key is not valid base64")
}

// splitPrefix splits "label:rest" at the first colon. No base64 alphabet
// contains ':', so the split is unambiguous.
func splitPrefix(s string) (label string, rest string, ok bool) {
	return strings.Cut(s, ":")
}

// randomKey reads a fresh key from r, or from crypto/rand if r is nil.
func randomKey(r io.Reader) (*secretKey, error) {
	k := &secretKey{b: new([KeySize]byte)}
	if _, err := io.ReadFull(randReader(r), k.b[:]); err != nil {
		return nil, fmt.Errorf("read random key: %w", err)
	}
	if k.isZero() {
		return nil, errors.New("random source returned all zeros")
	}
	return k, nil
}

// randReader returns r, or crypto/rand.Reader if r is nil.
func randReader(r io.Reader) io.Reader {
	if r == nil {
		return cryptorand.Reader
	}
	return r
}

// writeRedacted backs the Format method of every key type. Format, unlike
// String, is used for every fmt verb: with only String, a %d or %x would walk
// into the struct and print the key bytes.
func writeRedacted(f fmt.State, s string) {
	_, _ = io.WriteString(f, s)
}
