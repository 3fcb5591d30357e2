package device

import (
	"strings"
	"testing"
)

func TestNormalizeUserCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"ABCDE-FGHJK", "ABCDE-FGHJK", true},
		{"abcde fghjk", "ABCDE-FGHJK", true},
		{"abcdefghjk", "ABCDE-FGHJK", true},
		{"ABCDE-FGHJ", "", false},       // too short
		{"ABCDE-FGHJKL", "", false},     // L is not in the alphabet
		{"ABCDE-FGHIO", "", false},      // nor I and O
		{"ABCDE-FGH1K", "", false},      // nor 1
		{"ABCDE-FGHJ\u212a", "", false}, // Kelvin sign upper-cases to K: refused
	} {
		got, ok := NormalizeUserCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeUserCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUserCodeShape(t *testing.T) {
	t.Parallel()
	s := &Service{rand: strings.NewReader(strings.Repeat("\x00\x01\x1e\xff\xf8\x10", 20))}
	for range 3 {
		c, err := s.userCode()
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := NormalizeUserCode(c); !ok || n != c || len(c) != 11 || c[5] != '-' {
			t.Errorf("userCode() = %q", c)
		}
	}
}
