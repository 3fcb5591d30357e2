package crypto

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// Base62Alphabet is the alphabet of [RandomBase62]: digits, then upper case,
// then lower case. It is URL-safe, survives double-click selection, and is
// what secret scanners expect in API keys (SPEC §4).
const Base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Bounds on token sizes: below minTokenBytes a token is guessable, and
// above maxRandomLen a request is a bug, not a token.
const (
	minTokenBytes = 16 // 128 bits
	maxRandomLen  = 1 << 16
)

// RandomToken returns nBytes random bytes (from rand; nil means
// crypto/rand.Reader) encoded as unpadded base64url, for session tokens,
// device codes, CSRF tokens and the like. nBytes must be at least 16 (128
// bits), so no caller can make a guessable token by accident.
func RandomToken(rand io.Reader, nBytes int) (string, error) {
	if nBytes < minTokenBytes || nBytes > maxRandomLen {
		return "", fmt.Errorf("random token: %d bytes not in %d..%d", nBytes, minTokenBytes, maxRandomLen)
	}
	b := make([]byte, nBytes)
	if _, err := io.ReadFull(randReader(rand), b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// RandomBase62 returns n characters drawn uniformly from [Base62Alphabet]
// (from rand; nil means crypto/rand.Reader). Each character carries log2(62)
// ≈ 5.95 bits, so a secret needs at least 22 characters for 128 bits; API
// keys use 40 or more.
//
// Uniformity matters: taking each byte mod 62 would make the first 8
// characters 25% more likely than the rest (256 = 4*62 + 8), shaving entropy
// off every key. Instead bytes of 248 or more (248 = 4*62) are rejected and
// redrawn, so every character has probability exactly 1/62.
func RandomBase62(rand io.Reader, n int) (string, error) {
	if n < 1 || n > maxRandomLen {
		return "", fmt.Errorf("random base62: length %d not in 1..%d", n, maxRandomLen)
	}
	const limit = 256 - 256%len(Base62Alphabet) // 248
	r := randReader(rand)
	out := make([]byte, 0, n)
	// About 3% of bytes are rejected, so read a little more than needed.
	buf := make([]byte, n+n/16+8)
	// A healthy source yields n accepted bytes long before this budget is
	// spent (failing would take ~75% rejections); a source that never does
	// is broken, and must not hang the caller.
	budget := 4*n + 64
	for len(out) < n {
		if budget <= 0 {
			return "", errors.New("random base62: random source returned too many unusable bytes")
		}
		chunk := buf[:min(len(buf), budget)]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return "", fmt.Errorf("random base62: %w", err)
		}
		budget -= len(chunk)
		for _, b := range chunk {
			if int(b) < limit && len(out) < n {
				out = append(out, Base62Alphabet[int(b)%len(Base62Alphabet)])
			}
		}
	}
	clear(buf)
	return string(out), nil
}
