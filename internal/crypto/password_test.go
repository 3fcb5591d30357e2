package crypto

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	t.Parallel()
	p := TestPasswordParams()
	for _, pw := range []string{"", "correct horse battery staple", "pässwörd ✓", strings.Repeat("x", 10_000)} {
		encoded, err := HashPasswordWithParams(pw, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := VerifyPassword(encoded, pw); !ok || err != nil {
			t.Errorf("VerifyPassword(right password %.10q) = %v, %v; want true, nil", pw, ok, err)
		}
		if ok, err := VerifyPassword(encoded, pw+"!"); ok || err != nil {
			t.Errorf("VerifyPassword(wrong password) = %v, %v; want false, nil", ok, err)
		}
	}
	a, _ := HashPasswordWithParams("same", p, nil)
	b, _ := HashPasswordWithParams("same", p, nil)
	if a == b {
		t.Error("two hashes of one password are equal: salts are not random")
	}
}

func TestHashPasswordFormat(t *testing.T) {
	t.Parallel()
	// With a deterministic salt source the whole string is fixed: salt is
	// bytes 0x00..0x0f.
	encoded, err := HashPasswordWithParams("password", TestPasswordParams(), &countingReader{})
	if err != nil {
		t.Fatal(err)
	}
	const wantPrefix = "$argon2id$v=19$m=64,t=1,p=1$AAECAwQFBgcICQoLDA0ODw$"
	if !strings.HasPrefix(encoded, wantPrefix) {
		t.Errorf("encoded = %q, want prefix %q", encoded, wantPrefix)
	}
	if hash := strings.TrimPrefix(encoded, wantPrefix); len(hash) != 43 || strings.ContainsAny(hash, "=$") {
		t.Errorf("hash field %q: want 43 chars of unpadded base64 (32 bytes)", hash)
	}
	if _, err := HashPasswordWithParams("x", TestPasswordParams(), shortReader(15)); err == nil {
		t.Error("HashPasswordWithParams succeeded with a short salt source")
	}
}

// TestHashPasswordDefault runs the real parameters once: slow (~100 ms, more
// under -race), so skipped with -short.
func TestHashPasswordDefault(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("default argon2id parameters are deliberately slow")
	}
	encoded, err := HashPassword("hunter2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("encoded = %q, want default parameters m=65536,t=3,p=2", encoded)
	}
	if ok, err := VerifyPassword(encoded, "hunter2"); !ok || err != nil {
		t.Errorf("VerifyPassword = %v, %v; want true, nil", ok, err)
	}
	if NeedsRehash(encoded) {
		t.Error("NeedsRehash(default hash) = true")
	}
}

// TestVerifyPasswordKnownAnswer checks interoperability and that m, t and p
// are read in the right order, against a vector from the argon2 reference
// implementation (password "password", salt "somesalt", argon2id, t=3,
// m=256 KiB, p=2, 24-byte output; also in x/crypto's argon2 tests).
func TestVerifyPasswordKnownAnswer(t *testing.T) {
	t.Parallel()
	const encoded = "$argon2id$v=19$m=256,t=3,p=2$c29tZXNhbHQ$RmjTCsQYfmh47t6s8P2DxaCjDbLMFu8L"
	if ok, err := VerifyPassword(encoded, "password"); !ok || err != nil {
		t.Errorf("VerifyPassword(reference vector) = %v, %v; want true, nil", ok, err)
	}
	for _, changed := range []string{
		strings.Replace(encoded, "t=3", "t=2", 1),
		strings.Replace(encoded, "m=256", "m=512", 1),
		strings.Replace(encoded, "p=2", "p=1", 1),
		strings.Replace(encoded, "c29tZXNhbHQ", "c29tZXNbbHQ", 1), // another salt
	} {
		if ok, err := VerifyPassword(changed, "password"); ok || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want false, nil", changed, ok, err)
		}
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	t.Parallel()
	salt := base64.RawStdEncoding.EncodeToString(make([]byte, 16))
	hash := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	valid := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + hash
	hash65 := base64.RawStdEncoding.EncodeToString(make([]byte, 65))
	for _, tt := range []struct {
		name, encoded, wantErr string
	}{
		{"Empty", "", "not an argon2id v=19"},
		{"Bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "not an argon2id v=19"},
		{"Argon2i", strings.Replace(valid, "argon2id", "argon2i", 1), "not an argon2id v=19"},
		{"Argon2d", strings.Replace(valid, "argon2id", "argon2d", 1), "not an argon2id v=19"},
		{"Version16", strings.Replace(valid, "v=19", "v=16", 1), "not an argon2id v=19"},
		{"NoVersion", strings.Replace(valid, "v=19$", "", 1), "not an argon2id v=19"},
		{"NoHash", "$argon2id$v=19$m=64,t=1,p=1$" + salt, "want params$salt$hash"},
		{"ExtraField", valid + "$x", "want params$salt$hash"},
		{"TrailingDollar", valid + "$", "want params$salt$hash"},
		{"ParamsReordered", strings.Replace(valid, "m=64,t=1,p=1", "t=1,m=64,p=1", 1), "malformed PHC parameters"},
		{"ParamsMissing", strings.Replace(valid, "m=64,t=1,p=1", "m=64,t=1", 1), "malformed PHC parameters"},
		{"ParamsExtra", strings.Replace(valid, "p=1", "p=1,keyid=x", 1), "malformed PHC parameters"},
		{"ParamsSpaces", strings.Replace(valid, "t=1", "t= 1", 1), "malformed PHC parameters"},
		{"ParamNegative", strings.Replace(valid, "t=1", "t=-1", 1), "malformed PHC parameters"},
		{"ParamPlus", strings.Replace(valid, "t=1", "t=+1", 1), "malformed PHC parameters"},
		{"ParamHex", strings.Replace(valid, "m=64", "m=0x40", 1), "malformed PHC parameters"},
		{"ParallelismOverflow", strings.Replace(valid, "p=1", "p=256", 1), "malformed PHC parameters"},
		{"MemoryOverflow", strings.Replace(valid, "m=64", "m=4294967296", 1), "malformed PHC parameters"},
		{"IterationsZero", strings.Replace(valid, "t=1", "t=0", 1), "iterations 0 not in"},
		{"IterationsHuge", strings.Replace(valid, "t=1", "t=4294967295", 1), "iterations 4294967295 not in"},
		{"ParallelismZero", strings.Replace(valid, "p=1", "p=0", 1), "parallelism must be at least 1"},
		{"MemoryZero", strings.Replace(valid, "m=64", "m=0", 1), "memory 0 KiB"},
		{"MemoryBelow8PerLane", strings.Replace(valid, "m=64,t=1,p=1", "m=15,t=1,p=2", 1), "memory 15 KiB"},
		{"MemoryHuge", strings.Replace(valid, "m=64", "m=4294967295", 1), "memory 4294967295 KiB"},
		{"SaltBadBase64", strings.Replace(valid, salt, "!!!!", 1), "malformed PHC salt"},
		{"SaltPadded", strings.Replace(valid, salt, salt+"==", 1), "malformed PHC salt"},
		{"SaltShort", strings.Replace(valid, salt, "AAAA", 1), "salt length 3 not in"},
		{"SaltEmpty", strings.Replace(valid, salt, "", 1), "salt length 0 not in"},
		{"HashBadBase64", strings.Replace(valid, hash, "*"+hash[1:], 1), "malformed PHC hash"},
		{"HashShort", strings.Replace(valid, hash, hash[:16], 1), "key length 12 not in"},
		{"HashLong", strings.Replace(valid, hash, hash65, 1), "key length 65 not in"},
		{"HashEmpty", strings.Replace(valid, hash, "", 1), "key length 0 not in"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := VerifyPassword(tt.encoded, "password")
			if ok {
				t.Error("VerifyPassword = true for a malformed hash")
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("VerifyPassword error = %v, want containing %q", err, tt.wantErr)
			}
			if !NeedsRehash(tt.encoded) {
				t.Error("NeedsRehash = false for a malformed hash")
			}
		})
	}
	// Guard: the template the cases are made from is itself valid.
	if _, err := VerifyPassword(valid, "password"); err != nil {
		t.Fatalf("template %q: %v", valid, err)
	}
}

func TestHashPasswordWithParamsInvalid(t *testing.T) {
	t.Parallel()
	base := TestPasswordParams()
	for _, tt := range []struct {
		name   string
		modify func(*PasswordParams)
	}{
		{"ZeroIterations", func(p *PasswordParams) { p.Iterations = 0 }},
		{"ZeroParallelism", func(p *PasswordParams) { p.Parallelism = 0 }},
		{"LowMemory", func(p *PasswordParams) { p.Memory = 7 }},
		{"HugeMemory", func(p *PasswordParams) { p.Memory = maxMemory + 1 }},
		{"ShortSalt", func(p *PasswordParams) { p.SaltLength = 4 }},
		{"ShortKey", func(p *PasswordParams) { p.KeyLength = 8 }},
		{"ZeroValue", func(p *PasswordParams) { *p = PasswordParams{} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			tt.modify(&p)
			if _, err := HashPasswordWithParams("pw", p, nil); err == nil {
				t.Errorf("HashPasswordWithParams(%+v) succeeded", p)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	cheap, err := HashPasswordWithParams("pw", TestPasswordParams(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !NeedsRehash(cheap) {
		t.Error("NeedsRehash(test-params hash) = false, want true")
	}
	p := DefaultPasswordParams()
	current := encodePHC(p, make([]byte, p.SaltLength), make([]byte, p.KeyLength))
	if NeedsRehash(current) {
		t.Error("NeedsRehash(default-params hash) = true, want false")
	}
}

func TestDummyVerify(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("DummyVerify costs a real argon2id verification")
	}
	// DummyVerify must go through the same parsing as a real hash; if the
	// dummy encoding failed to parse it would return at once, defeating
	// its purpose.
	p := DefaultPasswordParams()
	if _, _, _, err := decodePHC(encodePHC(p, make([]byte, p.SaltLength), make([]byte, p.KeyLength))); err != nil {
		t.Fatalf("dummy hash does not parse: %v", err)
	}
	DummyVerify("whatever")
}
