package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// SecretPrefix starts every secret in its text form.
	SecretPrefix = "whsec_"
	// SecretLen is the number of random bytes in a secret made by NewSecret.
	SecretLen = 32
	// DefaultTolerance is the accepted clock difference when Verify is given
	// none, as in the reference libraries.
	DefaultTolerance = 5 * time.Minute

	// Header names, in the lower case the specification writes them.
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"

	// The specification's bounds on the decoded secret.
	minSecretLen = 24
	maxSecretLen = 64
)

var (
	// ErrInvalidSecret means a secret is not "whsec_" + base64 of 24-64 bytes.
	ErrInvalidSecret = errors.New("webhook: invalid secret")
	// ErrMissingHeader means a webhook-* header is absent or empty.
	ErrMissingHeader = errors.New("webhook: missing header")
	// ErrInvalidTimestamp means webhook-timestamp is not Unix seconds, or is
	// outside the tolerance (a replay, or a badly wrong clock).
	ErrInvalidTimestamp = errors.New("webhook: invalid timestamp")
	// ErrNoMatchingSignature means no v1 signature matches the body.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
)

// NewSecret returns a new secret in text form, reading SecretLen bytes from
// rand (crypto/rand.Reader when nil).
func NewSecret(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [SecretLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("webhook: read random: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:]), nil
}

// ParseSecret returns the key bytes of a secret in text form. The "whsec_"
// prefix is optional, as in the reference libraries.
func ParseSecret(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSecret, err)
	}
	if len(b) < minSecretLen || len(b) > maxSecretLen {
		return nil, fmt.Errorf("%w: %d bytes, want %d to %d", ErrInvalidSecret, len(b), minSecretLen, maxSecretLen)
	}
	return b, nil
}

// Sign returns the v1 signature of a delivery: "v1," + base64 of the
// HMAC-SHA256 under secret of msgID "." ts (Unix seconds) "." body.
func Sign(secret []byte, msgID string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(secret, msgID, ts.Unix(), body))
}

func mac(secret []byte, msgID string, unix int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	var buf [24]byte
	m.Write([]byte(msgID))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(buf[:0], unix, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Headers returns the three Standard Webhooks headers for a delivery.
// Each retry should pass the same msgID and a fresh ts.
func Headers(secret []byte, msgID string, ts time.Time, body []byte) http.Header {
	h := make(http.Header, 3)
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, msgID, ts, body))
	return h
}

// Verify checks that h carries a v1 signature of body under secret and a
// timestamp within tolerance of now (DefaultTolerance if tolerance ≤ 0).
// The timestamp is checked first, so a replayed delivery is refused even
// though its signature is genuine.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	// An unset secret must not turn into "anyone can sign": HMAC accepts
	// an empty key.
	if len(secret) == 0 {
		return fmt.Errorf("%w: empty", ErrInvalidSecret)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id, tsText := h.Get(HeaderID), h.Get(HeaderTimestamp)
	sigs := strings.Join(h.Values(HeaderSignature), " ")
	switch {
	case id == "":
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderID)
	case tsText == "":
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderTimestamp)
	case strings.TrimSpace(sigs) == "":
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderSignature)
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: not Unix seconds", ErrInvalidTimestamp)
	}
	// Compare in seconds: time.Unix of a huge value would overflow Duration.
	if d := now.Unix() - unix; d > int64(tolerance/time.Second) || -d > int64(tolerance/time.Second) {
		return fmt.Errorf("%w: %ds away from now, tolerance %s", ErrInvalidTimestamp, d, tolerance)
	}
	want := mac(secret, id, unix, body)
	for _, sig := range strings.Fields(sigs) {
		version, encoded, ok := strings.Cut(sig, ",")
		if !ok || version != "v1" {
			continue // other schemes (v1a) are not ours to check
		}
		got, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoMatchingSignature
}
