package crypto

import (
	"bytes"
	"errors"
	"testing"
)

func TestKeyringSealOpenRewrap(t *testing.T) {
	mk1, _ := GenerateMasterKey(nil)
	mk2, _ := GenerateMasterKey(nil)
	kr1, err := NewKeyring(mk1)
	if err != nil {
		t.Fatal(err)
	}
	blob, id, err := kr1.Seal([]byte("pepper"), AD("server_secret", "p"))
	if err != nil || id != mk1.ID {
		t.Fatalf("seal: %v %s", err, id)
	}
	if got, err := kr1.Open(blob, id, AD("server_secret", "p")); err != nil || string(got) != "pepper" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := kr1.Open(blob, id, AD("server_secret", "other")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("open with another AD: %v", err)
	}
	for _, bad := range [][]byte{nil, {0}, {0, 200, 1}} {
		if _, err := kr1.Open(bad, id, nil); !errors.Is(err, ErrTruncated) {
			t.Errorf("open %v: %v", bad, err)
		}
	}
	kr2, _ := NewKeyring(mk2, mk1)
	re, id2, err := kr2.RewrapSealed(blob, id, AD("server_secret", "p"))
	if err != nil || id2 != mk2.ID || bytes.Equal(re, blob) {
		t.Fatalf("rewrap: %v %s", err, id2)
	}
	only2, _ := NewKeyring(mk2)
	if got, err := only2.Open(re, id2, AD("server_secret", "p")); err != nil || string(got) != "pepper" {
		t.Errorf("open after rewrap without the old key: %q %v", got, err)
	}
}
