package crypto

import (
	"bytes"
	"testing"
)

func BenchmarkSeal1KB(b *testing.B) {
	dk := mustDataKey(b)
	pt, ad := bytes.Repeat([]byte{'v'}, 1<<10), AD("secret_version", "sv_01jb3k5r8x")
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dk.Seal(pt, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen1KB(b *testing.B) {
	dk := mustDataKey(b)
	pt, ad := bytes.Repeat([]byte{'v'}, 1<<10), AD("secret_version", "sv_01jb3k5r8x")
	ct, err := dk.Seal(pt, ad)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pt)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dk.Open(ct, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnwrapDataKey(b *testing.B) {
	kr := mustKeyring(b, mustGenerateMasterKey(b, "mk1"))
	ad := AD("org", "org_01jb3k5r8x")
	wrapped, id, err := kr.WrapDataKey(mustDataKey(b), ad)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kr.UnwrapDataKey(wrapped, id, ad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHasherHash is the per-request cost of looking up an API key.
func BenchmarkHasherHash(b *testing.B) {
	p, err := GeneratePepper(nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	h := mustHasher(b, p)
	raw := "sk_live_" + "4fJ9kLmN0pQrStUvWxYz1a2B3c4D5e6F7g8H9i0J" + "x1Y2z3"
	b.ReportAllocs()
	for b.Loop() {
		h.Hash(raw)
	}
}

// BenchmarkVerifyPassword and BenchmarkDummyVerify should report the same
// time: that is DummyVerify's whole point.
func BenchmarkVerifyPassword(b *testing.B) {
	encoded, err := HashPassword("correct horse battery staple", nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := VerifyPassword(encoded, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDummyVerify(b *testing.B) {
	for b.Loop() {
		DummyVerify("correct horse battery staple")
	}
}

func BenchmarkRandomBase62(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RandomBase62(nil, 40); err != nil {
			b.Fatal(err)
		}
	}
}
