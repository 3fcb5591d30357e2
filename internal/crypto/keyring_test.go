package crypto

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestKeyringWrapUnwrap(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, mustGenerateMasterKey(t, "mk1"))
	dek := mustDataKey(t)
	ad := AD("org", "org_A")

	wrapped, id, err := kr.WrapDataKey(dek, ad)
	if err != nil {
		t.Fatal(err)
	}
	if id != "mk1" || id != kr.PrimaryID() {
		t.Errorf("master key ID = %q, want mk1", id)
	}
	if len(wrapped) != wrappedKeySize {
		t.Errorf("len(wrapped) = %d, want %d", len(wrapped), wrappedKeySize)
	}
	if bytes.Contains(wrapped, dek.key.bytes()[:8]) {
		t.Error("wrapped key contains the data key")
	}
	got, err := kr.UnwrapDataKey(wrapped, id, ad)
	if err != nil {
		t.Fatal(err)
	}
	if !got.key.equal(dek.key) {
		t.Error("unwrapped data key differs from the one wrapped")
	}
}

func TestKeyringUnwrapErrors(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, mustGenerateMasterKey(t, "mk1"))
	impostor := mustKeyring(t, mustGenerateMasterKey(t, "mk1")) // same ID, other key
	ad := AD("org", "org_A")
	wrapped, _, err := kr.WrapDataKey(mustDataKey(t), ad)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(wrapped)
	tampered[len(tampered)-1] ^= 1
	for _, tt := range []struct {
		name    string
		kr      *Keyring
		wrapped []byte
		id      string
		ad      []byte
		want    error
	}{
		// A wrapped key copied into another organization's row.
		{"OtherOrg", kr, wrapped, "mk1", AD("org", "org_B"), ErrDecrypt},
		{"NoAD", kr, wrapped, "mk1", nil, ErrDecrypt},
		{"UnknownID", kr, wrapped, "mk2", ad, ErrUnknownMasterKey},
		{"EmptyID", kr, wrapped, "", ad, ErrUnknownMasterKey},
		{"SameIDOtherKey", impostor, wrapped, "mk1", ad, ErrDecrypt},
		{"Tampered", kr, tampered, "mk1", ad, ErrDecrypt},
		{"Truncated", kr, wrapped[:len(wrapped)-1], "mk1", ad, ErrDecrypt},
		{"Empty", kr, nil, "mk1", ad, ErrDecrypt},
		{"Extended", kr, append(bytes.Clone(wrapped), 0), "mk1", ad, ErrDecrypt},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dk, err := tt.kr.UnwrapDataKey(tt.wrapped, tt.id, tt.ad)
			if !errors.Is(err, tt.want) {
				t.Errorf("UnwrapDataKey error = %v, want %v", err, tt.want)
			}
			if dk.key != nil {
				t.Error("UnwrapDataKey returned a key on failure")
			}
		})
	}
}

// TestKeyringRotation walks through a master key rotation: data wrapped
// under the old key stays readable, Rewrap moves it to the new key, and the
// old key can then be dropped.
func TestKeyringRotation(t *testing.T) {
	t.Parallel()
	mk1, mk2 := mustGenerateMasterKey(t, "mk1"), mustGenerateMasterKey(t, "mk2")
	ad := AD("org", "org_A")
	dek := mustDataKey(t)
	secretAD := AD("secret_version", "sv_1")
	ct, err := dek.Seal([]byte("s3cr3t"), secretAD)
	if err != nil {
		t.Fatal(err)
	}
	wrapped1, id1, err := mustKeyring(t, mk1).WrapDataKey(dek, ad)
	if err != nil {
		t.Fatal(err)
	}

	rotated := mustKeyring(t, mk2, mk1)
	if _, err := rotated.UnwrapDataKey(wrapped1, id1, ad); err != nil {
		t.Fatalf("old wrapped key under rotated keyring: %v", err)
	}
	wrapped2, id2, err := rotated.Rewrap(wrapped1, id1, ad)
	if err != nil {
		t.Fatal(err)
	}
	if id2 != "mk2" {
		t.Errorf("Rewrap master key ID = %q, want mk2", id2)
	}

	final := mustKeyring(t, mk2) // mk1 retired
	if _, err := final.UnwrapDataKey(wrapped1, id1, ad); !errors.Is(err, ErrUnknownMasterKey) {
		t.Errorf("unwrap under retired key: error = %v, want ErrUnknownMasterKey", err)
	}
	dek2, err := final.UnwrapDataKey(wrapped2, id2, ad)
	if err != nil {
		t.Fatal(err)
	}
	// The data key is unchanged, so existing ciphertext still opens.
	if pt, err := dek2.Open(ct, secretAD); err != nil || string(pt) != "s3cr3t" {
		t.Errorf("Open after rotation = %q, %v; want s3cr3t", pt, err)
	}
	if _, _, err := final.Rewrap(wrapped2, id2, AD("org", "org_B")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Rewrap with wrong AD: error = %v, want ErrDecrypt", err)
	}
}

func TestNewKeyring(t *testing.T) {
	t.Parallel()
	mk1 := mustGenerateMasterKey(t, "mk1")
	for _, tt := range []struct {
		name    string
		primary MasterKey
		old     []MasterKey
		wantErr string
	}{
		{name: "OK", primary: mk1, old: []MasterKey{mustGenerateMasterKey(t, "mk0")}},
		{name: "SameKeyTwice", primary: mk1, old: []MasterKey{mk1}},
		{name: "ErrZeroPrimary", primary: MasterKey{}, wantErr: "zero MasterKey"},
		{name: "ErrZeroOld", primary: mk1, old: []MasterKey{{}}, wantErr: "zero MasterKey"},
		{name: "ErrDuplicateID", primary: mk1, old: []MasterKey{mustGenerateMasterKey(t, "mk1")}, wantErr: `two different master keys have ID "mk1"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kr, err := NewKeyring(tt.primary, tt.old...)
			if tt.wantErr == "" {
				if err != nil || kr == nil {
					t.Fatalf("NewKeyring = %v, %v", kr, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewKeyring error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("ErrZeroDataKey", func(t *testing.T) {
		t.Parallel()
		if _, _, err := mustKeyring(t, mk1).WrapDataKey(DataKey{}, nil); err == nil {
			t.Error("WrapDataKey wrapped the zero DataKey")
		}
	})
	t.Run("ErrZeroKeyring", func(t *testing.T) {
		t.Parallel()
		var kr Keyring
		if _, _, err := kr.WrapDataKey(mustDataKey(t), nil); err == nil {
			t.Error("zero Keyring wrapped a key")
		}
	})
}

func TestKeyringConcurrent(t *testing.T) {
	t.Parallel()
	kr := mustKeyring(t, mustGenerateMasterKey(t, "mk1"))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ad := AD("org", string(rune('A'+i)))
			for range 50 {
				dek, err := NewDataKey(nil) // not mustDataKey: no Fatal off the test goroutine
				if err != nil {
					t.Error(err)
					return
				}
				w, id, err := kr.WrapDataKey(dek, ad)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := kr.UnwrapDataKey(w, id, ad)
				if err != nil || !got.key.equal(dek.key) {
					t.Errorf("round trip failed: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
