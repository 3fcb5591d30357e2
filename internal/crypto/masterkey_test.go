package crypto

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func TestParseMasterKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xfb}, 32) // 0xfb... encodes with '+'/'/' vs '-'/'_'
	std := base64.StdEncoding.EncodeToString(key)
	for _, tt := range []struct {
		name    string
		in      string
		wantID  string // "" means the default ID
		wantErr string // substring; "" means success
	}{
		{name: "StdPadded", in: std},
		{name: "StdRaw", in: base64.RawStdEncoding.EncodeToString(key)},
		{name: "URLPadded", in: base64.URLEncoding.EncodeToString(key)},
		{name: "URLRaw", in: base64.RawURLEncoding.EncodeToString(key)},
		{name: "WithID", in: "mk2:" + std, wantID: "mk2"},
		{name: "WithIDAndWhitespace", in: "  mk-2025_01.a:" + std + "\n", wantID: "mk-2025_01.a"},
		{name: "TrailingNewline", in: std + "\n"},
		{name: "Empty", in: "", wantErr: "key is empty"},
		{name: "OnlyID", in: "mk2:", wantErr: "key is empty"},
		{name: "EmptyID", in: ":" + std, wantErr: "key ID must be 1 to 64"},
		{name: "BadIDChar", in: "mk 2:" + std, wantErr: "key ID may contain only"},
		{name: "LongID", in: strings.Repeat("a", 65) + ":" + std, wantErr: "key ID must be 1 to 64"},
		{name: "BadBase64", in: "not base64!", wantErr: "not valid base64"},
		{name: "MixedPaddingJunk", in: std + "==", wantErr: "not valid base64"},
		{name: "NonZeroPaddingBits", in: setPaddingBits(base64.RawStdEncoding.EncodeToString(key)), wantErr: "not valid base64"},
		{name: "TooShort", in: base64.StdEncoding.EncodeToString(key[:31]), wantErr: "key is 31 bytes, want 32"},
		{name: "TooLong", in: base64.StdEncoding.EncodeToString(append(key, 1)), wantErr: "key is 33 bytes, want 32"},
		{name: "AllZeros", in: base64.StdEncoding.EncodeToString(make([]byte, 32)), wantErr: "all zeros"},
		{name: "Hex", in: fmt.Sprintf("%x", key), wantErr: "key is 48 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mk, err := ParseMasterKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMasterKey error = %v, want containing %q", err, tt.wantErr)
				}
				// Errors reach logs: they must not echo key material.
				if b64 := strings.TrimSpace(tt.in); len(b64) > 8 && strings.Contains(err.Error(), b64) {
					t.Errorf("error %q quotes the input", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMasterKey: %v", err)
			}
			if !bytes.Equal(mk.key.bytes(), key) {
				t.Errorf("key bytes = %x, want %x", mk.key.bytes(), key)
			}
			wantID := tt.wantID
			if wantID == "" {
				wantID = defaultKeyID(mk.key)
			}
			if mk.ID != wantID {
				t.Errorf("ID = %q, want %q", mk.ID, wantID)
			}
		})
	}
}

// setPaddingBits sets the unused low bits of the last character of an
// unpadded base64 encoding of 32 bytes, giving a second, non-canonical
// spelling of the same bytes.
func setPaddingBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	last := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[last|1])
}

func TestMasterKeyDefaultID(t *testing.T) {
	t.Parallel()
	// SHA-256 of 0x00..0x1f begins 630dcd29 (computed with Python hashlib).
	mk := mustMasterKey(t, testKeyB64)
	if mk.ID != "630dcd29" {
		t.Errorf("default ID = %q, want %q", mk.ID, "630dcd29")
	}
	// Stable: the same key in another encoding gets the same ID.
	raw, _ := base64.StdEncoding.DecodeString(testKeyB64)
	if again := mustMasterKey(t, base64.RawURLEncoding.EncodeToString(raw)); again.ID != mk.ID {
		t.Errorf("ID changed with encoding: %q vs %q", again.ID, mk.ID)
	}
}

func TestMasterKeyEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, in := range []string{testKeyB64, "mk7:" + testKeyB64} {
		mk := mustMasterKey(t, in)
		back := mustMasterKey(t, mk.Encode())
		if back.ID != mk.ID || !back.key.equal(mk.key) {
			t.Errorf("Encode round trip of %s: got %s", mk, back)
		}
	}
	if got := mustMasterKey(t, "mk7:"+testKeyB64).Encode(); got != "mk7:"+testKeyB64 {
		t.Errorf("Encode = %q, want %q", got, "mk7:"+testKeyB64)
	}
	if got := (MasterKey{}).Encode(); got != "" {
		t.Errorf("zero MasterKey Encode = %q, want empty", got)
	}
}

func TestGenerateMasterKey(t *testing.T) {
	t.Parallel()
	t.Run("Deterministic", func(t *testing.T) {
		t.Parallel()
		mk, err := GenerateMasterKey(&countingReader{})
		if err != nil {
			t.Fatal(err)
		}
		if want := mustMasterKey(t, testKeyB64); !mk.key.equal(want.key) || mk.ID != want.ID {
			t.Errorf("GenerateMasterKey(counting) = %s, want %s", mk, want)
		}
	})
	t.Run("Distinct", func(t *testing.T) {
		t.Parallel()
		a, b := mustGenerateMasterKey(t, ""), mustGenerateMasterKey(t, "")
		if a.key.equal(b.key) || a.ID == b.ID {
			t.Error("two generated master keys are equal")
		}
	})
	t.Run("ErrShortRead", func(t *testing.T) {
		t.Parallel()
		if _, err := GenerateMasterKey(shortReader(31)); err == nil {
			t.Error("GenerateMasterKey succeeded on a 31-byte source")
		}
	})
	t.Run("ErrZeroSource", func(t *testing.T) {
		t.Parallel()
		if _, err := GenerateMasterKey(constReader(0)); err == nil {
			t.Error("GenerateMasterKey accepted an all-zero key")
		}
	})
}

// TestKeysNeverPrint checks that no fmt verb reveals key bytes, whether the
// key is printed directly, through a pointer, or nested in a struct in an
// unexported field, where fmt cannot call the Format method.
func TestKeysNeverPrint(t *testing.T) {
	t.Parallel()
	mk := mustMasterKey(t, "mk2:"+testKeyB64)
	dk, err := NewDataKey(&countingReader{})
	if err != nil {
		t.Fatal(err)
	}
	pep, err := ParsePepper("v3:" + testKeyB64)
	if err != nil {
		t.Fatal(err)
	}
	kr := mustKeyring(t, mk)
	h, err := NewHasher(pep)
	if err != nil {
		t.Fatal(err)
	}
	h.Hash("fill the pool of keyed HMAC states, which hold key-derived pads")
	type config struct {
		mk  MasterKey
		dk  DataKey
		pep Pepper
		kr  *Keyring
		h   *Hasher
	}
	cfg := config{mk, dk, pep, kr, h}
	values := []any{mk, &mk, dk, &dk, pep, &pep, kr, h, cfg, &cfg, []MasterKey{mk}, map[string]DataKey{"a": dk}}

	// Forms in which the key bytes 0x00..0x1f could appear.
	raw := mk.key.bytes()
	leaks := []string{
		testKeyB64[:20],
		fmt.Sprintf("%x", raw[8:20]),
		fmt.Sprintf("%X", raw[8:20]),
		strings.Trim(fmt.Sprint(raw[8:20]), "[]"),
		strings.Trim(fmt.Sprintf("%#v", raw[8:20]), "[]byte{}"),
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
			out := fmt.Sprintf(verb, v)
			for _, leak := range leaks {
				if strings.Contains(out, leak) {
					t.Errorf("Sprintf(%q, %T) = %q reveals key bytes (%q)", verb, v, out, leak)
				}
			}
		}
	}
	for _, tt := range []struct{ got, want string }{
		{mk.String(), "MasterKey(mk2)"},
		{fmt.Sprintf("%v", mk), "MasterKey(mk2)"},
		{(MasterKey{}).String(), "MasterKey(none)"},
		{dk.String(), "DataKey(redacted)"},
		{(DataKey{}).String(), "DataKey(none)"},
		{pep.String(), "Pepper(v3)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
