package crypto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDataKeySealOpen(t *testing.T) {
	t.Parallel()
	dk := mustDataKey(t)
	ad := AD("secret_version", "sv_01")
	for _, tt := range []struct {
		name      string
		plaintext []byte
	}{
		{"Empty", nil},
		{"Short", []byte("hunter2")},
		{"1KB", bytes.Repeat([]byte{'x'}, 1<<10)},
		{"64KB", bytes.Repeat([]byte{0}, 64<<10)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct, err := dk.Seal(tt.plaintext, ad)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(ct), 1+12+len(tt.plaintext)+16; got != want {
				t.Errorf("len(ciphertext) = %d, want %d (version, nonce, data, tag)", got, want)
			}
			if ct[0] != sealV1 {
				t.Errorf("version byte = %d, want %d", ct[0], sealV1)
			}
			if len(tt.plaintext) >= 8 && bytes.Contains(ct, tt.plaintext[:8]) {
				t.Error("ciphertext contains the plaintext")
			}
			got, err := dk.Open(ct, ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open = %q, want %q", got, tt.plaintext)
			}
		})
	}
}

func TestDataKeySealIsRandomized(t *testing.T) {
	t.Parallel()
	dk := mustDataKey(t)
	a, _ := dk.Seal([]byte("same"), nil)
	b, _ := dk.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Error("two seals of the same plaintext are equal: nonces are not fresh")
	}
	if bytes.Equal(a[1:13], b[1:13]) {
		t.Error("two seals share a nonce")
	}
}

func TestDataKeyOpenErrors(t *testing.T) {
	t.Parallel()
	dk, other := mustDataKey(t), mustDataKey(t)
	ad := AD("secret_version", "sv_1")
	ct, err := dk.Seal([]byte("DATABASE_URL=postgres://u:p@h/db"), ad)
	if err != nil {
		t.Fatal(err)
	}
	withVersion := func(v byte) []byte { c := bytes.Clone(ct); c[0] = v; return c }
	for _, tt := range []struct {
		name string
		key  DataKey
		ct   []byte
		ad   []byte
	}{
		// The "swapped rows" attack: a database writer copies one row's
		// ciphertext into another row.
		{"SwappedRows", dk, ct, AD("secret_version", "sv_2")},
		{"OtherKind", dk, ct, AD("connection", "sv_1")},
		{"NoAD", dk, ct, nil},
		{"WrongKey", other, ct, ad},
		{"Empty", dk, nil, ad},
		{"VersionOnly", dk, ct[:1], ad},
		{"ShorterThanOverhead", dk, ct[:1+12+15], ad},
		{"TruncatedByOne", dk, ct[:len(ct)-1], ad},
		{"Extended", dk, append(bytes.Clone(ct), 0), ad},
		{"UnknownVersion", dk, withVersion(2), ad},
		{"VersionZero", dk, withVersion(0), ad},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pt, err := tt.key.Open(tt.ct, tt.ad)
			if !errors.Is(err, ErrDecrypt) {
				t.Errorf("Open error = %v, want ErrDecrypt", err)
			}
			if pt != nil {
				t.Errorf("Open returned plaintext %q on failure", pt)
			}
		})
	}
	t.Run("TamperEveryByte", func(t *testing.T) {
		t.Parallel()
		for i := range ct {
			for _, flip := range []byte{0x01, 0x80} {
				c := bytes.Clone(ct)
				c[i] ^= flip
				if _, err := dk.Open(c, ad); !errors.Is(err, ErrDecrypt) {
					t.Fatalf("byte %d ^ %#x: Open error = %v, want ErrDecrypt", i, flip, err)
				}
			}
		}
	})
	t.Run("TruncateEveryLength", func(t *testing.T) {
		t.Parallel()
		for n := range len(ct) {
			if _, err := dk.Open(ct[:n], ad); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("first %d bytes: Open error = %v, want ErrDecrypt", n, err)
			}
		}
	})
	t.Run("OriginalStillOpens", func(t *testing.T) {
		t.Parallel()
		// Guards the cases above: they fail because of the change, not
		// because the ciphertext was bad to begin with.
		if _, err := dk.Open(ct, ad); err != nil {
			t.Fatalf("Open of the untouched ciphertext: %v", err)
		}
	})
}

func TestDataKeyZero(t *testing.T) {
	t.Parallel()
	var dk DataKey
	if _, err := dk.Seal([]byte("x"), nil); err == nil {
		t.Error("zero DataKey sealed")
	}
	if _, err := dk.Open(make([]byte, 64), nil); err == nil {
		t.Error("zero DataKey opened")
	}
	if _, err := NewDataKey(shortReader(16)); err == nil {
		t.Error("NewDataKey succeeded on a short random source")
	}
}

func TestAD(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		a, b []string
	}{
		{"MovedBoundary", []string{"ab", "c"}, []string{"a", "bc"}},
		{"Concatenated", []string{"secret_version", "1"}, []string{"secret_version1"}},
		{"TrailingEmpty", []string{"a"}, []string{"a", ""}},
		{"EmptyVsNone", []string{""}, nil},
		{"Order", []string{"org", "o1"}, []string{"o1", "org"}},
		{"LengthLooksLikeData", []string{"\x01a"}, []string{"a"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if bytes.Equal(AD(tt.a...), AD(tt.b...)) {
				t.Errorf("AD(%q) == AD(%q)", tt.a, tt.b)
			}
		})
	}
	if got, want := AD("ab", "c"), []byte("\x02ab\x01c"); !bytes.Equal(got, want) {
		t.Errorf("AD(ab, c) = %q, want %q", got, want)
	}
	long := strings.Repeat("z", 300)
	if got := AD(long); len(got) != 2+300 || got[0] != 0xac || got[1] != 0x02 {
		t.Errorf("AD of 300 bytes starts %x, want uvarint 300 = ac02", got[:2])
	}
}
