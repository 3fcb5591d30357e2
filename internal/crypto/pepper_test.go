package crypto

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestParsePepper(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		in          string
		wantVersion int
		wantErr     string
	}{
		{name: "NoVersion", in: testKeyB64, wantVersion: 1},
		{name: "VPrefix", in: "v2:" + testKeyB64, wantVersion: 2},
		{name: "BareNumber", in: "17:" + testKeyB64 + "\n", wantVersion: 17},
		{name: "ErrVersionZero", in: "v0:" + testKeyB64, wantErr: "positive integer"},
		{name: "ErrVersionNegative", in: "-1:" + testKeyB64, wantErr: "positive integer"},
		{name: "ErrVersionWord", in: "two:" + testKeyB64, wantErr: "positive integer"},
		{name: "ErrEmptyVersion", in: ":" + testKeyB64, wantErr: "positive integer"},
		{name: "ErrShort", in: "v1:AAECAwQFBgcICQoLDA0ODw==", wantErr: "key is 16 bytes, want 32"},
		{name: "ErrBadBase64", in: "v1:%%%", wantErr: "not valid base64"},
		{name: "ErrEmpty", in: "", wantErr: "key is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePepper(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePepper error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Version != tt.wantVersion {
				t.Errorf("Version = %d, want %d", p.Version, tt.wantVersion)
			}
			if back, err := ParsePepper(p.Encode()); err != nil || back.Version != p.Version || !back.key.equal(p.key) {
				t.Errorf("Encode round trip: %v, %v", back, err)
			}
		})
	}
}

func TestGeneratePepper(t *testing.T) {
	t.Parallel()
	p, err := GeneratePepper(&countingReader{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 4 || p.Encode() != "v4:"+testKeyB64 {
		t.Errorf("GeneratePepper = %q, want v4:%s", p.Encode(), testKeyB64)
	}
	if _, err := GeneratePepper(nil, 0); err == nil {
		t.Error("GeneratePepper accepted version 0")
	}
	if _, err := GeneratePepper(shortReader(8), 1); err == nil {
		t.Error("GeneratePepper succeeded on a short random source")
	}
}

func TestHasher(t *testing.T) {
	t.Parallel()
	p1, err := ParsePepper("v1:" + testKeyB64)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := GeneratePepper(nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	old := mustHasher(t, p1)
	rotated := mustHasher(t, p2, p1)

	t.Run("KnownAnswer", func(t *testing.T) {
		t.Parallel()
		// printf sk_live_abc123 | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f
		const want = "4381d784e60120a066c108fd8b3d50af55d19c13658d62c9254bafcec8d74fcd"
		sum, v := old.Hash("sk_live_abc123")
		if got := hex.EncodeToString(sum[:]); got != want || v != 1 {
			t.Errorf("Hash = %s, v%d; want %s, v1", got, v, want)
		}
	})
	t.Run("RotationLookup", func(t *testing.T) {
		t.Parallel()
		stored, storedV := old.Hash("sk_live_abc123") // hashed before the rotation
		cur, curV := rotated.Hash("sk_live_abc123")
		if curV != 2 || cur == stored {
			t.Errorf("after rotation Hash = v%d (same sum: %v); want v2 and a new sum", curV, cur == stored)
		}
		again, ok := rotated.HashWith(storedV, "sk_live_abc123")
		if !ok || again != stored {
			t.Errorf("HashWith(v%d) = %x, %v; want the stored hash", storedV, again, ok)
		}
		if _, ok := rotated.HashWith(3, "sk_live_abc123"); ok {
			t.Error("HashWith(unknown version) ok = true")
		}
	})
	t.Run("DistinctInputs", func(t *testing.T) {
		t.Parallel()
		a, _ := old.Hash("sk_live_a")
		b, _ := old.Hash("sk_live_b")
		e, _ := old.Hash("")
		if a == b || a == e {
			t.Error("distinct inputs hash equal")
		}
	})
	t.Run("Versions", func(t *testing.T) {
		t.Parallel()
		p5, _ := GeneratePepper(nil, 5)
		h := mustHasher(t, p2, p5, p1, p2)
		if got, want := h.Versions(), []int{2, 5, 1}; !slices.Equal(got, want) {
			t.Errorf("Versions = %v, want %v", got, want)
		}
		if h.CurrentVersion() != 2 {
			t.Errorf("CurrentVersion = %d, want 2", h.CurrentVersion())
		}
	})
	t.Run("NewHasherErrors", func(t *testing.T) {
		t.Parallel()
		other, _ := GeneratePepper(nil, 1)
		if _, err := NewHasher(Pepper{}); err == nil {
			t.Error("NewHasher accepted the zero Pepper")
		}
		if _, err := NewHasher(p2, Pepper{Version: 1}); err == nil {
			t.Error("NewHasher accepted a zero old Pepper")
		}
		if _, err := NewHasher(p1, other); err == nil || !strings.Contains(err.Error(), "version 1") {
			t.Errorf("NewHasher(two peppers v1) error = %v, want duplicate version", err)
		}
	})
}

func TestHasherConcurrent(t *testing.T) {
	t.Parallel()
	p, err := ParsePepper(testKeyB64)
	if err != nil {
		t.Fatal(err)
	}
	h := mustHasher(t, p)
	want, _ := h.Hash("sk_live_abc123")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			// Interleave other inputs so a pooled HMAC state reused without
			// a reset would show up as a wrong sum.
			other := fmt.Sprintf("sk_test_%d", i)
			for range 200 {
				h.Hash(other)
				if got, _ := h.Hash("sk_live_abc123"); got != want {
					t.Errorf("concurrent Hash = %x, want %x", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestDerivePepper(t *testing.T) {
	t.Parallel()
	mk := mustMasterKey(t, testKeyB64)
	a, err := DerivePepper(mk, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DerivePepper(mustMasterKey(t, "other:"+testKeyB64), 1)
	c, _ := DerivePepper(mk, 2)
	if !a.key.equal(b.key) {
		t.Error("DerivePepper depends on the master key ID; it must depend only on the key")
	}
	if a.key.equal(c.key) {
		t.Error("pepper versions 1 and 2 derive the same key")
	}
	if a.key.equal(mk.key) {
		t.Error("derived pepper equals the master key")
	}
	if _, err := DerivePepper(MasterKey{}, 1); err == nil {
		t.Error("DerivePepper accepted the zero MasterKey")
	}
	if _, err := DerivePepper(mk, 0); err == nil {
		t.Error("DerivePepper accepted version 0")
	}
}

func TestDeriveKey(t *testing.T) {
	t.Parallel()
	master := mustMasterKey(t, testKeyB64)
	// HKDF-SHA-256, no salt, computed with Python's hmac module (RFC 5869).
	const want = "b4286762497d319f1f09d48cbfbcefc9db33653624c71ab3647f2ba95c5afdd2e3a66f7bedec879c9305"
	if got := hex.EncodeToString(master.DeriveKey("keyhouse test v1", 42)); got != want {
		t.Errorf("DeriveKey = %s, want %s", got, want)
	}
	if got := DeriveKey(master.key.bytes(), "keyhouse test v1", 42); hex.EncodeToString(got) != want {
		t.Errorf("package DeriveKey = %x, want %s", got, want)
	}
	if bytes.Equal(DeriveKey(master.key.bytes(), "a", 32), DeriveKey(master.key.bytes(), "b", 32)) {
		t.Error("different info labels derive the same key")
	}
	for _, n := range []int{0, -1, 255*32 + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DeriveKey(n=%d) did not panic", n)
				}
			}()
			DeriveKey(master.key.bytes(), "x", n)
		}()
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b []byte
		want bool
	}{
		{[]byte("abc"), []byte("abc"), true},
		{nil, []byte{}, true},
		{[]byte("abc"), []byte("abd"), false},
		{[]byte("abc"), []byte("ab"), false},
		{[]byte("abc"), nil, false},
	} {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func mustHasher(tb testing.TB, current Pepper, old ...Pepper) *Hasher {
	tb.Helper()
	h, err := NewHasher(current, old...)
	if err != nil {
		tb.Fatalf("NewHasher: %v", err)
	}
	return h
}
