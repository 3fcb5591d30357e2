package apikey

import (
	"bytes"
	"crypto/rand"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
)

// counterReader yields 0, 1, 2, … so generated secrets are predictable.
type counterReader struct{ n byte }

func (r *counterReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// nextDigit returns the base62 digit after c, wrapping around.
func nextDigit(c byte) string {
	return string(alphabet[(strings.IndexByte(alphabet, c)+1)%len(alphabet)])
}

func mustGenerate(tb testing.TB, prefix, env string) string {
	tb.Helper()
	k, err := Generate(rand.Reader, prefix, env)
	if err != nil {
		tb.Fatalf("Generate(%q, %q): %v", prefix, env, err)
	}
	return k
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	t.Run("Deterministic", func(t *testing.T) {
		t.Parallel()
		k, err := Generate(&counterReader{}, "sk", "live")
		if err != nil {
			t.Fatal(err)
		}
		// Bytes 0..39 map to alphabet[0..39]; none is rejected.
		wantSecret := alphabet[:SecretLen]
		body := "sk_live_" + wantSecret
		var sum [ChecksumLen]byte
		encodeChecksum(&sum, crc32.ChecksumIEEE([]byte(body)))
		if want := body + string(sum[:]); k != want {
			t.Errorf("Generate = %q, want %q", k, want)
		}
		p, err := Parse(k)
		if err != nil {
			t.Fatalf("Parse(Generate()): %v", err)
		}
		if want := (Parts{"sk", "live", wantSecret}); p != want {
			t.Errorf("Parse = %+v, want %+v", p, want)
		}
	})
	t.Run("RejectsBiasedBytes", func(t *testing.T) {
		t.Parallel()
		// 248..255 would bias b%62 towards 0..7 and must be skipped.
		src := append(bytes.Repeat([]byte{248, 255}, 32), bytes.Repeat([]byte{61}, 64)...)
		k, err := Generate(bytes.NewReader(src), "sk", "test")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := k[len("sk_test_"):len(k)-ChecksumLen], strings.Repeat("z", SecretLen); got != want {
			t.Errorf("secret = %q, want %q", got, want)
		}
	})
	t.Run("ErrStuckSource", func(t *testing.T) {
		t.Parallel()
		stuck := bytes.NewReader(bytes.Repeat([]byte{0xff}, 4096))
		if _, err := Generate(stuck, "sk", "live"); err == nil {
			t.Error("Generate with a source of only rejected bytes succeeded")
		}
	})
	t.Run("ErrShortSource", func(t *testing.T) {
		t.Parallel()
		_, err := Generate(bytes.NewReader(make([]byte, 10)), "sk", "live")
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("NilReaderUsesCryptoRand", func(t *testing.T) {
		t.Parallel()
		a, err := Generate(nil, "sk", "live")
		if err != nil {
			t.Fatal(err)
		}
		b := mustGenerate(t, "sk", "live")
		if a == b {
			t.Error("two keys are equal")
		}
	})
}

func TestGenerateLabels(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, prefix, env string
		ok                bool
	}{
		{"Default", "sk", "live", true},
		{"OneChar", "a", "b", true},
		{"MaxLen", "abcdefghijklmnop", "a234567890123456", true},
		{"Digits", "k8s", "env2", true},
		{"EmptyPrefix", "", "live", false},
		{"EmptyEnv", "sk", "", false},
		{"PrefixTooLong", "abcdefghijklmnopq", "live", false},
		{"EnvTooLong", "sk", "abcdefghijklmnopq", false},
		{"Upper", "SK", "live", false},
		{"LeadingDigit", "1sk", "live", false},
		{"Underscore", "s_k", "live", false},
		{"Dash", "sk", "li-ve", false},
		{"Unicode", "sk", "lïve", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := Generate(rand.Reader, tt.prefix, tt.env)
			if (err == nil) != tt.ok {
				t.Fatalf("Generate(%q, %q) err = %v, want ok=%v", tt.prefix, tt.env, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			p, err := Parse(k)
			if err != nil {
				t.Fatalf("Parse(%q): %v", k, err)
			}
			if p.Prefix != tt.prefix || p.Environment != tt.env || len(p.Secret) != SecretLen {
				t.Errorf("Parse(%q) = %+v", k, p)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	good := mustGenerate(t, "sk", "live")
	tail := good[len("sk_live_"):]
	for _, tt := range []struct {
		name, raw string
		want      error
	}{
		{"Empty", "", errLength},
		{"TooShort", good[:len(good)-1], errTailLength},
		{"TooLong", good + "a", errTailLength},
		{"WayTooLong", strings.Repeat("a", maxLen+1), errLength},
		{"NoUnderscore", strings.Repeat("a", 60), errShape},
		{"OneUnderscore", "sk_" + strings.Repeat("a", 60), errShape},
		{"EmptyPrefix", "_live_" + tail, errPrefix},
		{"EmptyEnv", "sk__" + tail, errEnvironment},
		{"UpperPrefix", "SK_live_" + tail, errPrefix},
		{"PrefixTooLong", "abcdefghijklmnopq_live_" + tail, errPrefix},
		{"ThreeUnderscores", "sk_live_x_" + tail[2:], errBase62},
		{"NotBase62", "sk_live_" + tail[:10] + "-" + tail[11:], errBase62},
		{"NonASCII", "sk_live_" + tail[:10] + "é" + tail[12:], errBase62},
		{"Space", " " + good[1:], errPrefix},
		{"BadChecksum", good[:len(good)-1] + nextDigit(good[len(good)-1]), errChecksum},
		{"ChecksumAboveMaxUint32", good[:len(good)-ChecksumLen] + "zzzzzz", errChecksum},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.raw)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(%q) err = %v, want ErrMalformed", tt.raw, err)
			}
			if err != tt.want {
				t.Errorf("Parse(%q) err = %v, want %v", tt.raw, err, tt.want)
			}
		})
	}
}

// TestParseSingleChange changes every position of one key to every other
// byte a user might type; CRC32 catches any single-byte change, so all fail.
func TestParseSingleChange(t *testing.T) {
	t.Parallel()
	k := mustGenerate(t, "sk", "live")
	repl := alphabet + "_-. "
	for i := range len(k) {
		for _, c := range []byte(repl) {
			if c == k[i] {
				continue
			}
			changed := k[:i] + string(c) + k[i+1:]
			if _, err := Parse(changed); !errors.Is(err, ErrMalformed) {
				t.Errorf("Parse accepted %q (position %d changed to %q)", changed, i, c)
			}
		}
	}
}

func TestParseTransposition(t *testing.T) {
	t.Parallel()
	k := mustGenerate(t, "sk", "live")
	for i := range len(k) - 1 {
		if k[i] == k[i+1] {
			continue
		}
		swapped := k[:i] + string(k[i+1]) + string(k[i]) + k[i+2:]
		if _, err := Parse(swapped); err == nil {
			t.Errorf("Parse accepted %q (positions %d and %d swapped)", swapped, i, i+1)
		}
	}
}

func TestChecksum(t *testing.T) {
	t.Parallel()
	var all [256]byte
	for i := range all {
		all[i] = byte(i)
	}
	for _, s := range []string{"", "a", "1234567", "12345678", "123456789", "sk_live_" + strings.Repeat("Z", SecretLen), string(all[:])} {
		if got, want := checksum(s), crc32.ChecksumIEEE([]byte(s)); got != want {
			t.Errorf("checksum(%q) = %#x, want %#x", s, got, want)
		}
	}
	for _, tt := range []struct {
		v    uint32
		want string
	}{
		{0, "000000"},
		{61, "00000z"},
		{62, "000010"},
		{math.MaxUint32, "4gfFC3"},
	} {
		var got [ChecksumLen]byte
		if encodeChecksum(&got, tt.v); string(got[:]) != tt.want {
			t.Errorf("encodeChecksum(%d) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestPattern(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(Pattern)
	keys := []string{
		mustGenerate(t, "sk", "live"),
		mustGenerate(t, "sk", "test"),
		mustGenerate(t, "a", "b"),
		mustGenerate(t, "abcdefghijklmnop", "production123456"),
	}
	for _, k := range keys {
		for _, text := range []string{
			k,
			"KEY=" + k + "\n",
			`{"raw_key":"` + k + `"}`,
			"Authorization: Bearer " + k,
			"'" + k + "'.",
		} {
			if got := re.FindAllString(text, -1); len(got) != 1 || got[0] != k {
				t.Errorf("Pattern in %q found %q, want [%q]", text, got, k)
			}
		}
	}
	k := keys[0]
	for _, text := range []string{
		k[:len(k)-1], // 45 tail characters
		k + "Q",      // 47: no word boundary after 46
		"SK" + k[2:],
		"1" + k,
		strings.ReplaceAll(k, "_", "-"),
		k[:len(k)-10] + "-" + k[len(k)-9:],
	} {
		if m := re.FindString(text); m != "" {
			t.Errorf("Pattern found %q in %q", m, text)
		}
	}
}

func TestDisplayPrefixHint(t *testing.T) {
	t.Parallel()
	k := mustGenerate(t, "sk", "live")
	if got, want := DisplayPrefix(k), k[:12]; got != want {
		t.Errorf("DisplayPrefix = %q, want %q", got, want)
	}
	if got, want := Hint(k), k[len(k)-4:]; got != want {
		t.Errorf("Hint = %q, want %q", got, want)
	}
	if got := DisplayPrefix("abc"); got != "abc" {
		t.Errorf("DisplayPrefix(short) = %q", got)
	}
	if got := Hint("ab"); got != "ab" {
		t.Errorf("Hint(short) = %q", got)
	}
}

func TestParseAllocs(t *testing.T) {
	good := mustGenerate(t, "sk", "live")
	bad := good[:len(good)-1] + "!"
	for name, raw := range map[string]string{"Valid": good, "Invalid": bad} {
		if n := testing.AllocsPerRun(100, func() { _, _ = Parse(raw) }); n != 0 {
			t.Errorf("%s: Parse allocates %v times, want 0", name, n)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	k := mustGenerate(b, "sk", "live")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(k); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBadChecksum(b *testing.B) {
	k := mustGenerate(b, "sk", "live")
	k = k[:len(k)-1] + nextDigit(k[len(k)-1])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(k); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(rand.Reader, "sk", "live"); err != nil {
			b.Fatal(err)
		}
	}
}
