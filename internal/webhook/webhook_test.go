package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks specification's published test vector.
const (
	vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorUnix   = 1614265330
	vectorBody   = `{"test": 2432232314}`
	vectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustParseSecret(tb testing.TB, s string) []byte {
	tb.Helper()
	k, err := ParseSecret(s)
	if err != nil {
		tb.Fatalf("ParseSecret(%q): %v", s, err)
	}
	return k
}

func TestSignVector(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	ts := time.Unix(vectorUnix, 0)
	if got := Sign(key, vectorID, ts, []byte(vectorBody)); got != vectorSig {
		t.Errorf("Sign = %q, want %q", got, vectorSig)
	}
}

// TestSignIndependent recomputes the signature with crypto/hmac directly,
// from the specification's recipe rather than from the code under test.
func TestSignIndependent(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	ts := time.Date(2026, 1, 2, 3, 4, 5, 999_000_000, time.UTC) // fraction is dropped
	body := []byte(`{"event":"api_key.rotated","key":"sk_live_x"}`)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("msg_1." + strconv.FormatInt(ts.Unix(), 10) + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	if got := Sign(key, "msg_1", ts, body); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	h := Headers(key, vectorID, time.Unix(vectorUnix, 0), []byte(vectorBody))
	for name, want := range map[string]string{
		"webhook-id":        vectorID,
		"webhook-timestamp": "1614265330",
		"webhook-signature": vectorSig,
	} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if len(h) != 3 {
		t.Errorf("Headers set %d headers, want 3: %v", len(h), h)
	}
}

func TestSecret(t *testing.T) {
	t.Parallel()
	t.Run("NewSecretRoundTrip", func(t *testing.T) {
		t.Parallel()
		s, err := NewSecret(bytes.NewReader(bytes.Repeat([]byte{0xab}, SecretLen)))
		if err != nil {
			t.Fatal(err)
		}
		if want := SecretPrefix + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xab}, SecretLen)); s != want {
			t.Errorf("NewSecret = %q, want %q", s, want)
		}
		if k := mustParseSecret(t, s); !bytes.Equal(k, bytes.Repeat([]byte{0xab}, SecretLen)) {
			t.Errorf("ParseSecret(NewSecret()) = %x", k)
		}
	})
	t.Run("NilReader", func(t *testing.T) {
		t.Parallel()
		a, errA := NewSecret(nil)
		b, errB := NewSecret(nil)
		if errA != nil || errB != nil || a == b {
			t.Errorf("NewSecret(nil) = %q, %v and %q, %v", a, errA, b, errB)
		}
	})
	t.Run("ErrShortRandom", func(t *testing.T) {
		t.Parallel()
		if _, err := NewSecret(bytes.NewReader(make([]byte, 5))); err == nil {
			t.Error("NewSecret with 5 random bytes succeeded")
		}
	})
	for _, tt := range []struct {
		name, in string
		ok       bool
	}{
		{"Prefixed", vectorSecret, true},
		{"Unprefixed", strings.TrimPrefix(vectorSecret, SecretPrefix), true},
		{"Max64Bytes", SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 64)), true},
		{"Empty", "", false},
		{"PrefixOnly", SecretPrefix, false},
		{"NotBase64", "whsec_!!!!", false},
		{"URLAlphabet", "whsec_" + strings.Repeat("_-", 16), false},
		{"TooShort", SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 23)), false},
		{"TooLong", SecretPrefix + base64.StdEncoding.EncodeToString(make([]byte, 65)), false},
	} {
		t.Run("Parse/"+tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSecret(tt.in)
			if tt.ok && err != nil {
				t.Errorf("ParseSecret(%q): %v", tt.in, err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidSecret) {
				t.Errorf("ParseSecret(%q) err = %v, want ErrInvalidSecret", tt.in, err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	key := mustParseSecret(t, vectorSecret)
	other := mustParseSecret(t, SecretPrefix+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)))
	ts := time.Unix(vectorUnix, 0)
	body := []byte(vectorBody)
	headers := func(edit func(h http.Header)) http.Header {
		h := Headers(key, vectorID, ts, body)
		if edit != nil {
			edit(h)
		}
		return h
	}
	t.Run("ErrEmptySecret", func(t *testing.T) {
		t.Parallel()
		h := Headers(nil, vectorID, ts, body) // what an unset secret would sign
		if err := Verify(nil, h, body, ts, 0); !errors.Is(err, ErrInvalidSecret) {
			t.Errorf("Verify(nil secret) = %v, want ErrInvalidSecret", err)
		}
	})
	for _, tt := range []struct {
		name string
		h    http.Header
		body []byte
		now  time.Time
		tol  time.Duration
		want error
	}{
		{"OK", headers(nil), body, ts, time.Minute, nil},
		{"VectorHeaders", http.Header{"Webhook-Id": {vectorID}, "Webhook-Timestamp": {"1614265330"}, "Webhook-Signature": {vectorSig}}, body, ts, 0, nil},
		{"EdgeOfTolerancePast", headers(nil), body, ts.Add(5 * time.Minute), 0, nil},
		{"EdgeOfToleranceFuture", headers(nil), body, ts.Add(-time.Minute), time.Minute, nil},
		{"MultipleSignatures", headers(func(h http.Header) {
			h.Set(HeaderSignature, "v1a,abc v1,bm9wZQ== "+Sign(other, vectorID, ts, body)+" "+Sign(key, vectorID, ts, body))
		}), body, ts, 0, nil},
		{"RepeatedHeader", headers(func(h http.Header) {
			sig := h.Get(HeaderSignature)
			h.Set(HeaderSignature, Sign(other, vectorID, ts, body))
			h.Add(HeaderSignature, sig)
		}), body, ts, 0, nil},
		{"TooOld", headers(nil), body, ts.Add(5*time.Minute + time.Second), 0, ErrInvalidTimestamp},
		{"TooNew", headers(nil), body, ts.Add(-2 * time.Minute), time.Minute, ErrInvalidTimestamp},
		{"HugeTimestamp", headers(func(h http.Header) { h.Set(HeaderTimestamp, "9223372036854775807") }), body, ts, 0, ErrInvalidTimestamp},
		{"NegativeTimestamp", headers(func(h http.Header) { h.Set(HeaderTimestamp, "-9223372036854775808") }), body, ts, 0, ErrInvalidTimestamp},
		{"MillisecondTimestamp", headers(func(h http.Header) { h.Set(HeaderTimestamp, "1614265330000") }), body, ts, 0, ErrInvalidTimestamp},
		{"NotNumber", headers(func(h http.Header) { h.Set(HeaderTimestamp, "2021-02-25T15:02:10Z") }), body, ts, 0, ErrInvalidTimestamp},
		{"TamperedBody", headers(nil), []byte(`{"test": 2432232315}`), ts, 0, ErrNoMatchingSignature},
		{"TamperedID", headers(func(h http.Header) { h.Set(HeaderID, "msg_other") }), body, ts, 0, ErrNoMatchingSignature},
		{"ShiftedTimestamp", headers(func(h http.Header) { h.Set(HeaderTimestamp, "1614265331") }), body, ts, 0, ErrNoMatchingSignature},
		{"WrongSecret", headers(func(h http.Header) { h.Set(HeaderSignature, Sign(other, vectorID, ts, body)) }), body, ts, 0, ErrNoMatchingSignature},
		{"WrongVersion", headers(func(h http.Header) { h.Set(HeaderSignature, "v2"+h.Get(HeaderSignature)[2:]) }), body, ts, 0, ErrNoMatchingSignature},
		{"NoComma", headers(func(h http.Header) { h.Set(HeaderSignature, "v1"+h.Get(HeaderSignature)[3:]) }), body, ts, 0, ErrNoMatchingSignature},
		{"BadBase64", headers(func(h http.Header) { h.Set(HeaderSignature, "v1,%%%") }), body, ts, 0, ErrNoMatchingSignature},
		{"Truncated", headers(func(h http.Header) { s := h.Get(HeaderSignature); h.Set(HeaderSignature, s[:len(s)-4]) }), body, ts, 0, ErrNoMatchingSignature},
		{"MissingID", headers(func(h http.Header) { h.Del(HeaderID) }), body, ts, 0, ErrMissingHeader},
		{"MissingTimestamp", headers(func(h http.Header) { h.Del(HeaderTimestamp) }), body, ts, 0, ErrMissingHeader},
		{"MissingSignature", headers(func(h http.Header) { h.Del(HeaderSignature) }), body, ts, 0, ErrMissingHeader},
		{"BlankSignature", headers(func(h http.Header) { h.Set(HeaderSignature, "  ") }), body, ts, 0, ErrMissingHeader},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(key, tt.h, tt.body, tt.now, tt.tol)
			if !errors.Is(err, tt.want) { // errors.Is(err, nil) is err == nil
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}
