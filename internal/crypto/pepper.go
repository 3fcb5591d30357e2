package crypto

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Pepper is a versioned server-side secret under which API keys and tokens
// are hashed ([Hasher]). It lives outside the database, so a stolen database
// does not let anyone test guesses against the stored hashes, and a write to
// the database cannot insert a working key: the writer cannot compute the
// hash of a key they chose.
//
// The zero Pepper holds no key and is refused by [NewHasher].
type Pepper struct {
	// Version is stored beside every hash made under this pepper, so old
	// hashes can still be checked after the pepper is rotated. It is at
	// least 1, and not secret.
	Version int

	key *secretKey // nil in the zero Pepper
}

// pepperDeriveInfo is the HKDF label for a pepper derived from a master key;
// the version is appended so each derived version is independent.
const pepperDeriveInfo = "keyhouse pepper v"

// ParsePepper parses the text form of a pepper: base64 (standard or URL
// alphabet, padded or not) of exactly 32 bytes, optionally prefixed by a
// version and a colon, as in "v2:BASE64" or "2:BASE64". Without a prefix the
// version is 1. Errors never include the input.
func ParsePepper(s string) (Pepper, error) {
	s = strings.TrimSpace(s)
	version := 1
	label, b64, hasVersion := splitPrefix(s)
	if hasVersion {
		v, err := strconv.Atoi(strings.TrimPrefix(label, "v"))
		if err != nil || v < 1 {
			return Pepper{}, errors.New("parse pepper: version must be a positive integer, as in v2:BASE64")
		}
		version = v
	} else {
		b64 = s
	}
	k, err := decodeKey(b64)
	if err != nil {
		return Pepper{}, fmt.Errorf("parse pepper: %w", err)
	}
	return Pepper{Version: version, key: k}, nil
}

// GeneratePepper returns a new random pepper with the given version (at
// least 1). A nil rand means crypto/rand.Reader.
func GeneratePepper(rand io.Reader, version int) (Pepper, error) {
	if version < 1 {
		return Pepper{}, fmt.Errorf("generate pepper: version %d must be at least 1", version)
	}
	k, err := randomKey(rand)
	if err != nil {
		return Pepper{}, fmt.Errorf("generate pepper: %w", err)
	}
	return Pepper{Version: version, key: k}, nil
}

// DerivePepper derives the pepper of the given version from mk with HKDF, for
// installations whose operator configures no pepper. The derived pepper is
// as secret as mk and no more: anyone with the master key can recompute it,
// which is acceptable because the master key already decrypts everything.
//
// The pepper is tied to mk, not to whichever key is primary: after a master
// key rotation, keep deriving from the old key (or configure an explicit
// pepper first), or stored API key hashes stop matching.
func DerivePepper(mk MasterKey, version int) (Pepper, error) {
	if mk.key == nil {
		return Pepper{}, errors.New("derive pepper: zero MasterKey")
	}
	if version < 1 {
		return Pepper{}, fmt.Errorf("derive pepper: version %d must be at least 1", version)
	}
	b := mk.DeriveKey(pepperDeriveInfo+strconv.Itoa(version), KeySize)
	defer clear(b)
	return Pepper{Version: version, key: newSecretKey(b)}, nil
}

// Encode returns the text form "vN:BASE64" accepted by [ParsePepper]. It is
// the only method that reveals the pepper.
func (p Pepper) Encode() string {
	if p.key == nil {
		return ""
	}
	return "v" + strconv.Itoa(p.Version) + ":" + base64.StdEncoding.EncodeToString(p.key.bytes())
}

// String returns "Pepper(vN)". It never reveals the key.
func (p Pepper) String() string {
	if p.key == nil {
		return "Pepper(none)"
	}
	return "Pepper(v" + strconv.Itoa(p.Version) + ")"
}

// Format implements [fmt.Formatter] so that every verb prints the redacted
// String.
func (p Pepper) Format(f fmt.State, _ rune) { writeRedacted(f, p.String()) }

// Hasher computes keyed hashes of API keys and tokens: HMAC-SHA-256 under a
// [Pepper]. A fast keyed hash, not a password hash, is right here because the
// inputs are long random strings (≥ 40 base62 characters, over 230 bits),
// which no amount of guessing can find; the pepper is what stops an attacker
// holding only the database. It is safe for concurrent use.
type Hasher struct {
	current *keyedMAC
	macs    map[int]*keyedMAC
	order   []int // versions, current first, for Versions
}

// NewHasher returns a Hasher that hashes under current and can also hash
// under each of old, for looking up hashes stored before a pepper rotation.
// It fails if any pepper is the zero Pepper, or if two different peppers
// share a version.
func NewHasher(current Pepper, old ...Pepper) (*Hasher, error) {
	h := &Hasher{macs: make(map[int]*keyedMAC, 1+len(old))}
	for _, p := range append([]Pepper{current}, old...) {
		if p.key == nil {
			return nil, errors.New("new hasher: zero Pepper")
		}
		if prev, ok := h.macs[p.Version]; ok {
			if !prev.key.equal(p.key) {
				return nil, fmt.Errorf("new hasher: two different peppers have version %d", p.Version)
			}
			continue
		}
		h.macs[p.Version] = newKeyedMAC(p.key)
		h.order = append(h.order, p.Version)
	}
	h.current = h.macs[current.Version]
	return h, nil
}

// Hash returns HMAC-SHA-256 of raw under the current pepper, and that
// pepper's version. Store both.
func (h *Hasher) Hash(raw string) (sum [32]byte, version int) {
	if h.current == nil {
		panic("crypto: Hasher not made by NewHasher")
	}
	return h.current.sum(raw), h.order[0]
}

// HashWith returns HMAC-SHA-256 of raw under the pepper of the given version,
// and false if the Hasher has no such pepper. To look up a presented key,
// hash it with [Hasher.Hash] first and then under each older version in
// [Hasher.Versions] until a row matches.
func (h *Hasher) HashWith(version int, raw string) ([32]byte, bool) {
	m, ok := h.macs[version]
	if !ok {
		return [32]byte{}, false
	}
	return m.sum(raw), true
}

// CurrentVersion returns the version of the pepper [Hasher.Hash] uses.
func (h *Hasher) CurrentVersion() int { return h.order[0] }

// Versions returns every pepper version the Hasher holds, current first,
// then the others in the order given to [NewHasher].
func (h *Hasher) Versions() []int {
	return append([]int(nil), h.order...)
}

// keyedMAC computes HMAC-SHA-256 under one pepper, reusing keyed HMAC states:
// keying a new one costs two SHA-256 blocks and several allocations, about
// half the cost of hashing an API key, on the path every validation takes.
type keyedMAC struct {
	key  *secretKey
	pool sync.Pool // of hash.Hash keyed with key, each in the reset state
}

func newKeyedMAC(key *secretKey) *keyedMAC {
	m := &keyedMAC{key: key}
	m.pool.New = func() any { return hmac.New(sha256.New, key.bytes()) }
	return m
}

// sum returns HMAC-SHA-256(key, raw).
func (m *keyedMAC) sum(raw string) [32]byte {
	mac := m.pool.Get().(hash.Hash)
	_, _ = io.WriteString(mac, raw) // hash.Hash writes never fail
	var sum [32]byte
	mac.Sum(sum[:0])
	// Reset before pooling so no idle state depends on a presented key.
	mac.Reset()
	m.pool.Put(mac)
	return sum
}

// Equal reports whether a and b are equal, in time that depends only on their
// lengths, never on where they first differ: use it to compare hashes, MACs
// and tokens, where an early-exit comparison would let an attacker learn a
// valid value byte by byte from response times.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}
