package crypto

import (
	"encoding/base64"
	"io"
	mathrand "math/rand/v2"
	"strings"
	"testing"
)

func TestRandomToken(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		r    io.Reader
		n    int
		want string // "" means check only length and alphabet
	}{
		{"Deterministic", &countingReader{}, 16, "AAECAwQFBgcICQoLDA0ODw"},
		{"URLAlphabet", constReader(0xfb), 18, "-_v7-_v7-_v7-_v7-_v7-_v7"},
		{"Random32", nil, 32, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := RandomToken(tt.r, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("RandomToken = %q, want %q", got, tt.want)
			}
			if len(got) != base64.RawURLEncoding.EncodedLen(tt.n) || strings.ContainsAny(got, "+/=") {
				t.Errorf("RandomToken = %q: want %d chars of unpadded base64url", got, base64.RawURLEncoding.EncodedLen(tt.n))
			}
		})
	}
	for _, n := range []int{-1, 0, 15, maxRandomLen + 1} {
		if _, err := RandomToken(nil, n); err == nil {
			t.Errorf("RandomToken(n=%d) succeeded", n)
		}
	}
	if _, err := RandomToken(shortReader(10), 16); err == nil {
		t.Error("RandomToken succeeded on a short random source")
	}
	a, _ := RandomToken(nil, 16)
	b, _ := RandomToken(nil, 16)
	if a == b {
		t.Error("two random tokens are equal")
	}
}

func TestRandomBase62Deterministic(t *testing.T) {
	t.Parallel()
	// The counting reader yields 0..255: 0..247 map to the alphabet four
	// times over, 248..255 must be skipped, then 0.. starts again.
	got, err := RandomBase62(&countingReader{}, 300)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat(Base62Alphabet, 4) + Base62Alphabet[:52]
	if got != want {
		t.Errorf("RandomBase62(counting, 300) =\n%s\nwant\n%s", got, want)
	}
	// 247 is the largest accepted byte, and maps to the last character.
	if got, err := RandomBase62(constReader(247), 5); err != nil || got != "zzzzz" {
		t.Errorf("RandomBase62(all 247) = %q, %v; want zzzzz", got, err)
	}
}

func TestRandomBase62Errors(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, 0, maxRandomLen + 1} {
		if _, err := RandomBase62(nil, n); err == nil {
			t.Errorf("RandomBase62(n=%d) succeeded", n)
		}
	}
	// A source yielding only rejected bytes must fail, not loop forever.
	if _, err := RandomBase62(constReader(0xff), 40); err == nil || !strings.Contains(err.Error(), "too many unusable bytes") {
		t.Errorf("RandomBase62(all 0xff) error = %v, want too many unusable bytes", err)
	}
	if _, err := RandomBase62(shortReader(20), 40); err == nil {
		t.Error("RandomBase62 succeeded on a short random source")
	}
	if got, err := RandomBase62(nil, 1); err != nil || len(got) != 1 || !strings.Contains(Base62Alphabet, got) {
		t.Errorf("RandomBase62(1) = %q, %v", got, err)
	}
}

// Chi-square thresholds for the uniformity tests, far in the tail so the
// test using crypto/rand never flakes: for 61 degrees of freedom (62
// characters) the mean is 61 and 150 is exceeded with probability below
// 1e-8; for 3843 (character pairs) the mean is 3843, the standard deviation
// about 88, and 4800 is 11 deviations out. A modulo-biased generator scores
// over 1000 on the first (TestChiSquareDetectsModuloBias).
const (
	chiSquareSingles = 150.0
	chiSquarePairs   = 4800.0
	uniformityChars  = 200_000
)

func TestRandomBase62Uniform(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		r    io.Reader
	}{
		{"CryptoRand", nil},
		{"SeededChaCha8", mathrand.NewChaCha8([32]byte{1, 2, 3})}, // deterministic
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Many calls rather than one, as keys are made: state carried
			// between calls (or lost) must not skew the output either.
			var sb strings.Builder
			for sb.Len() < uniformityChars {
				s, err := RandomBase62(tt.r, 1000)
				if err != nil {
					t.Fatal(err)
				}
				sb.WriteString(s)
			}
			singles, pairs := base62Stats(t, sb.String())
			if singles > chiSquareSingles {
				t.Errorf("chi-square over characters = %.1f, want <= %.0f: output is not uniform", singles, chiSquareSingles)
			}
			if pairs > chiSquarePairs {
				t.Errorf("chi-square over adjacent pairs = %.1f, want <= %.0f: characters are correlated", pairs, chiSquarePairs)
			}
		})
	}
}

// TestChiSquareDetectsModuloBias shows the uniformity test has teeth: the
// naive byte%62 mapping RandomBase62 avoids fails it by a wide margin.
func TestChiSquareDetectsModuloBias(t *testing.T) {
	t.Parallel()
	buf := make([]byte, uniformityChars)
	_, _ = mathrand.NewChaCha8([32]byte{4, 5, 6}).Read(buf)
	biased := make([]byte, len(buf))
	for i, b := range buf {
		biased[i] = Base62Alphabet[int(b)%62]
	}
	if singles, _ := base62Stats(t, string(biased)); singles <= chiSquareSingles {
		t.Errorf("chi-square of modulo-biased output = %.1f, want > %.0f", singles, chiSquareSingles)
	}
}

// base62Stats returns chi-square statistics of s over single characters and
// over non-overlapping adjacent pairs, against the uniform distribution.
func base62Stats(tb testing.TB, s string) (singles, pairs float64) {
	tb.Helper()
	const k = len(Base62Alphabet)
	var counts [k]int
	pairCounts := make([]int, k*k)
	for i := range len(s) {
		c := strings.IndexByte(Base62Alphabet, s[i])
		if c < 0 {
			tb.Fatalf("character %q at %d is not base62", s[i], i)
		}
		counts[c]++
		if i%2 == 1 {
			pairCounts[strings.IndexByte(Base62Alphabet, s[i-1])*k+c]++
		}
	}
	return chiSquare(counts[:]), chiSquare(pairCounts)
}

// chiSquare returns sum((observed-expected)^2/expected) for uniform expected.
func chiSquare(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	expected := float64(total) / float64(len(counts))
	var x float64
	for _, c := range counts {
		d := float64(c) - expected
		x += d * d / expected
	}
	return x
}
