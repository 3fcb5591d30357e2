package apikey

import (
	"crypto/rand"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

const (
	// SecretLen is the number of base62 characters of the random secret.
	SecretLen = 40
	// ChecksumLen is the number of base62 characters of the checksum.
	ChecksumLen = 6
	// MaxLabelLen is the longest prefix or environment.
	MaxLabelLen = 16
	// DisplayPrefixLen is the length of DisplayPrefix, stored as key_prefix.
	DisplayPrefixLen = 12
	// HintLen is the length of Hint.
	HintLen = 4

	// Pattern matches keys in free text, for secret scanners. It matches the
	// shape only; Parse also verifies the checksum.
	Pattern = `\b[a-z][a-z0-9]{0,15}_[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{46}\b`

	alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

	minLen = 1 + 1 + 1 + 1 + SecretLen + ChecksumLen
	maxLen = MaxLabelLen + 1 + MaxLabelLen + 1 + SecretLen + ChecksumLen
)

// ErrMalformed is the error Parse returns, wrapped with a reason, for any
// string that is not a well-formed key with a valid checksum.
var ErrMalformed = errors.New("apikey: malformed key")

// malformedError carries the reason. The reasons are fixed values so that
// rejecting garbage, which validate sees from anyone, allocates nothing.
// They never quote the input: it may be a real key with a typo.
type malformedError struct{ reason string }

func (e *malformedError) Error() string { return ErrMalformed.Error() + ": " + e.reason }
func (e *malformedError) Unwrap() error { return ErrMalformed }

var (
	errLength      = &malformedError{"wrong length"}
	errShape       = &malformedError{"want prefix_environment_secret"}
	errPrefix      = &malformedError{"invalid prefix"}
	errEnvironment = &malformedError{"invalid environment"}
	errTailLength  = &malformedError{"wrong secret length"}
	errBase62      = &malformedError{"secret is not base62"}
	errChecksum    = &malformedError{"checksum mismatch"}
)

// base62Value maps a byte to its base62 digit value, or 0xff if it is not one.
var base62Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// Parts are the fields of a parsed key. They are substrings of the raw key.
type Parts struct {
	Prefix      string
	Environment string
	Secret      string
}

// Generate returns a new key with the given prefix and environment, drawing
// the secret from r (crypto/rand.Reader when nil).
func Generate(r io.Reader, prefix, environment string) (string, error) {
	if !validLabel(prefix) {
		return "", fmt.Errorf("apikey: invalid prefix %q: want ^[a-z][a-z0-9]{0,15}$", prefix)
	}
	if !validLabel(environment) {
		return "", fmt.Errorf("apikey: invalid environment %q: want ^[a-z][a-z0-9]{0,15}$", environment)
	}
	var secret [SecretLen]byte
	if err := randomBase62(r, secret[:]); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(prefix) + len(environment) + 2 + SecretLen + ChecksumLen)
	b.WriteString(prefix)
	b.WriteByte('_')
	b.WriteString(environment)
	b.WriteByte('_')
	b.Write(secret[:])
	body := b.String()
	var sum [ChecksumLen]byte
	encodeChecksum(&sum, checksum(body))
	return body + string(sum[:]), nil
}

// maxRandomBytes bounds how much Generate reads before giving up, so a broken
// reader (say, one stuck on 0xff) fails instead of looping forever. A real
// source needs about 41 bytes for 40 characters; 1024 is never reached.
const maxRandomBytes = 1024

// randomBase62 fills dst with uniformly random base62 characters.
func randomBase62(r io.Reader, dst []byte) error {
	if r == nil {
		r = rand.Reader
	}
	// 248 = 4*62: bytes at or above it are dropped so that b%62 is uniform.
	const limit = 256 - 256%len(alphabet)
	var buf [64]byte
	n, read := 0, 0
	for n < len(dst) {
		if read >= maxRandomBytes {
			return errors.New("apikey: random source yields too many rejected bytes")
		}
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return fmt.Errorf("apikey: read random: %w", err)
		}
		read += len(buf)
		for _, c := range buf {
			if int(c) >= limit {
				continue
			}
			dst[n] = alphabet[int(c)%len(alphabet)]
			n++
			if n == len(dst) {
				break
			}
		}
	}
	return nil
}

// Parse splits raw into its parts and verifies its checksum. Every failure
// wraps ErrMalformed. It does not allocate.
func Parse(raw string) (Parts, error) {
	if len(raw) < minLen || len(raw) > maxLen {
		return Parts{}, errLength
	}
	i := strings.IndexByte(raw, '_')
	if i < 0 {
		return Parts{}, errShape
	}
	prefix, rest := raw[:i], raw[i+1:]
	j := strings.IndexByte(rest, '_')
	if j < 0 {
		return Parts{}, errShape
	}
	env, tail := rest[:j], rest[j+1:]
	if !validLabel(prefix) {
		return Parts{}, errPrefix
	}
	if !validLabel(env) {
		return Parts{}, errEnvironment
	}
	if len(tail) != SecretLen+ChecksumLen {
		return Parts{}, errTailLength
	}
	// Decode the checksum digits while checking the alphabet: one pass.
	var got uint64
	for k := range len(tail) {
		v := base62Value[tail[k]]
		if v == 0xff {
			return Parts{}, errBase62
		}
		if k >= SecretLen {
			got = got*62 + uint64(v)
		}
	}
	body := raw[:len(raw)-ChecksumLen]
	if got != uint64(checksum(body)) {
		return Parts{}, errChecksum
	}
	return Parts{Prefix: prefix, Environment: env, Secret: tail[:SecretLen]}, nil
}

// DisplayPrefix returns the first DisplayPrefixLen characters of raw (all of
// raw if shorter), the part of a key safe to store and show as key_prefix.
func DisplayPrefix(raw string) string {
	return raw[:min(len(raw), DisplayPrefixLen)]
}

// Hint returns the last HintLen characters of raw (all of raw if shorter).
// For a well-formed key they are checksum characters, so they reveal nothing
// of the secret.
func Hint(raw string) string {
	return raw[len(raw)-min(len(raw), HintLen):]
}

// validLabel reports whether s matches ^[a-z][a-z0-9]{0,15}$. Hand-written
// because it runs on every validation.
func validLabel(s string) bool {
	if len(s) == 0 || len(s) > MaxLabelLen || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// checksum is crc32.ChecksumIEEE over a string. The standard function takes
// a []byte, and the conversion would allocate on every Parse (the slice
// escapes through crc32's function variables), so this is the same
// slicing-by-8 algorithm crc32 uses for short inputs, over the same tables.
func checksum(s string) uint32 {
	t := &crc8Tables
	crc := ^uint32(0)
	for len(s) >= 8 {
		crc ^= uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
		crc = t[0][s[7]] ^ t[1][s[6]] ^ t[2][s[5]] ^ t[3][s[4]] ^
			t[4][crc>>24] ^ t[5][crc>>16&0xff] ^ t[6][crc>>8&0xff] ^ t[7][crc&0xff]
		s = s[8:]
	}
	for i := range len(s) {
		crc = t[0][byte(crc)^s[i]] ^ (crc >> 8)
	}
	return ^crc
}

// crc8Tables are the slicing-by-8 tables for CRC32 IEEE: t[0] is the
// standard table, t[k][b] is the CRC of b followed by k zero bytes.
var crc8Tables = func() (t [8][256]uint32) {
	t[0] = *crc32.IEEETable
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xff] ^ (crc >> 8)
			t[k][i] = crc
		}
	}
	return t
}()

// encodeChecksum writes v as fixed-width base62, most significant digit first.
func encodeChecksum(dst *[ChecksumLen]byte, v uint32) {
	n := uint64(v)
	for i := ChecksumLen - 1; i >= 0; i-- {
		dst[i] = alphabet[n%62]
		n /= 62
	}
}
