package crypto

import (
	"bytes"
	"io"
	"testing"
)

// testKeyB64 is base64 of the bytes 0x00..0x1f, a key whose test vectors
// were computed independently (Python's hmac/hashlib, openssl dgst).
const testKeyB64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// countingReader yields 0, 1, ..., 255, 0, 1, ... forever: deterministic and
// covering every byte value, which makes rejection sampling observable.
type countingReader struct{ next byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.next
		r.next++
	}
	return len(p), nil
}

// constReader yields the same byte forever.
type constReader byte

func (r constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// shortReader is a deterministic source that runs dry after n bytes.
func shortReader(n int) io.Reader {
	return bytes.NewReader(bytes.Repeat([]byte{0xAB}, n))
}

func mustMasterKey(tb testing.TB, s string) MasterKey {
	tb.Helper()
	mk, err := ParseMasterKey(s)
	if err != nil {
		tb.Fatalf("ParseMasterKey: %v", err)
	}
	return mk
}

func mustGenerateMasterKey(tb testing.TB, id string) MasterKey {
	tb.Helper()
	mk, err := GenerateMasterKey(nil)
	if err != nil {
		tb.Fatalf("GenerateMasterKey: %v", err)
	}
	if id != "" {
		mk.ID = id
	}
	return mk
}

func mustDataKey(tb testing.TB) DataKey {
	tb.Helper()
	dk, err := NewDataKey(nil)
	if err != nil {
		tb.Fatalf("NewDataKey: %v", err)
	}
	return dk
}

func mustKeyring(tb testing.TB, primary MasterKey, old ...MasterKey) *Keyring {
	tb.Helper()
	kr, err := NewKeyring(primary, old...)
	if err != nil {
		tb.Fatalf("NewKeyring: %v", err)
	}
	return kr
}
