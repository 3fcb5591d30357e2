package crypto

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are argon2id cost parameters. They are recorded in every
// encoded hash, so changing them affects only new hashes.
type PasswordParams struct {
	Memory      uint32 // KiB
	Iterations  uint32 // passes over memory ("t")
	Parallelism uint8  // lanes ("p")
	SaltLength  uint32 // bytes
	KeyLength   uint32 // bytes of output
}

// Default argon2id parameters: 64 MiB, 3 passes, 2 lanes. OWASP's Password
// Storage Cheat Sheet sets the floor at 19 MiB with t=2 (or 46 MiB with t=1);
// this is RFC 9106's second recommended option (64 MiB, t=3) with p=2 to suit
// small servers, about 3x that floor. Each verification holds 64 MiB for
// about 150 ms on a 2-vCPU server (BenchmarkVerifyPassword), so callers must
// rate-limit logins and bound concurrent verifications, or a burst of logins
// becomes a memory DoS.
const (
	defaultMemory      = 64 * 1024
	defaultIterations  = 3
	defaultParallelism = 2
	defaultSaltLength  = 16 // 128 bits, RFC 9106's recommendation
	defaultKeyLength   = 32
)

// Bounds on parameters read from an encoded hash. The hash comes from the
// database, and whoever can write there can already replace it; the bounds
// exist so a corrupt or hostile row makes verification fail cleanly instead
// of allocating gigabytes or spinning for minutes.
const (
	maxMemory      = 1 << 20 // 1 GiB
	maxIterations  = 64
	minSaltLength  = 8
	maxSaltLength  = 64
	minKeyLength   = 16
	maxKeyLength   = 64
	argon2idPrefix = "$argon2id$v=19$"
)

// DefaultPasswordParams returns the parameters [HashPassword] uses.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{
		Memory:      defaultMemory,
		Iterations:  defaultIterations,
		Parallelism: defaultParallelism,
		SaltLength:  defaultSaltLength,
		KeyLength:   defaultKeyLength,
	}
}

// TestPasswordParams returns parameters cheap enough for tests that create
// many users (about 64 KiB and one pass). They give no real protection:
// never use them outside tests.
func TestPasswordParams() PasswordParams {
	return PasswordParams{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// validate reports whether p is within the bounds argon2id and this package
// accept.
func (p PasswordParams) validate() error {
	switch {
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("argon2id iterations %d not in 1..%d", p.Iterations, maxIterations)
	case p.Parallelism < 1:
		return errors.New("argon2id parallelism must be at least 1")
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory:
		// RFC 9106 §3.1: memory must be at least 8 KiB per lane.
		return fmt.Errorf("argon2id memory %d KiB not in %d..%d", p.Memory, 8*uint32(p.Parallelism), maxMemory)
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltLength:
		return fmt.Errorf("argon2id salt length %d not in %d..%d", p.SaltLength, minSaltLength, maxSaltLength)
	case p.KeyLength < minKeyLength || p.KeyLength > maxKeyLength:
		return fmt.Errorf("argon2id key length %d not in %d..%d", p.KeyLength, minKeyLength, maxKeyLength)
	}
	return nil
}

// HashPassword hashes password with argon2id under [DefaultPasswordParams] and
// a random salt read from rand (nil means crypto/rand.Reader). It returns the
// PHC string format, e.g.
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>
//
// with salt and hash in unpadded standard base64, as other argon2
// implementations write and read it.
func HashPassword(password string, rand io.Reader) (string, error) {
	return HashPasswordWithParams(password, DefaultPasswordParams(), rand)
}

// HashPasswordWithParams is [HashPassword] with explicit parameters, for
// tests ([TestPasswordParams]) and for raising the cost later. It fails if p
// is outside what [VerifyPassword] accepts: iterations 1..64, memory 8 KiB
// per lane up to 1 GiB, salt 8..64 bytes, key 16..64 bytes.
func HashPasswordWithParams(password string, p PasswordParams, rand io.Reader) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	salt := make([]byte, p.SaltLength)
	if _, err := io.ReadFull(randReader(rand), salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	hash := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return encodePHC(p, salt, hash), nil
}

// VerifyPassword reports whether password matches encoded, a hash from
// [HashPassword] or [HashPasswordWithParams], using the parameters recorded
// in it. The hashes are compared in constant time. A malformed encoded
// returns false and an error (never a panic); a wrong password returns false
// and no error.
func VerifyPassword(encoded, password string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// DummyVerify does the work of verifying password against a hash made with
// [DefaultPasswordParams], and discards the result. Call it when a login
// names an account that does not exist, so that such logins take as long as
// real ones and response time does not reveal which accounts exist.
func DummyVerify(password string) {
	p := DefaultPasswordParams()
	// All-zero salt and hash: the result is meaningless, but the work, which
	// depends only on the parameters, is identical to a real verification,
	// including parsing.
	dummy := encodePHC(p, make([]byte, p.SaltLength), make([]byte, p.KeyLength))
	_, _ = VerifyPassword(dummy, password)
}

// NeedsRehash reports whether encoded was made with parameters other than
// [DefaultPasswordParams] (or cannot be parsed). After a successful login,
// rehash the password the user just typed and store the new hash, so that
// raising the defaults upgrades accounts as their owners log in.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decodePHC(encoded)
	return err != nil || p != DefaultPasswordParams()
}

// encodePHC formats $argon2id$v=19$m=M,t=T,p=P$salt$hash.
func encodePHC(p PasswordParams, salt, hash []byte) string {
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", argon2idPrefix, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(hash))
}

// decodePHC parses what encodePHC writes, strictly: only argon2id version 19
// (0x13), parameters in the order m, t, p, and lengths within bounds. Being
// strict costs nothing, since only this package writes these strings, and
// leaves no odd forms for an attacker to probe. Errors do not quote the input,
// which contains the hash.
func decodePHC(encoded string) (p PasswordParams, salt, hash []byte, err error) {
	rest, ok := strings.CutPrefix(encoded, argon2idPrefix)
	if !ok {
		return p, nil, nil, errors.New("not an argon2id v=19 PHC string")
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return p, nil, nil, errors.New("malformed PHC string: want params$salt$hash")
	}
	m, t, par, ok := parsePHCParams(fields[0])
	if !ok {
		return p, nil, nil, errors.New("malformed PHC parameters: want m=<KiB>,t=<passes>,p=<lanes>")
	}
	if salt, err = base64.RawStdEncoding.Strict().DecodeString(fields[1]); err != nil {
		return p, nil, nil, errors.New("malformed PHC salt: not unpadded base64")
	}
	if hash, err = base64.RawStdEncoding.Strict().DecodeString(fields[2]); err != nil {
		return p, nil, nil, errors.New("malformed PHC hash: not unpadded base64")
	}
	// Lengths are clamped before the conversion so an absurd length cannot
	// wrap around uint32 into the accepted range.
	p = PasswordParams{
		Memory:      m,
		Iterations:  t,
		Parallelism: par,
		SaltLength:  uint32(min(len(salt), maxSaltLength+1)),
		KeyLength:   uint32(min(len(hash), maxKeyLength+1)),
	}
	if err := p.validate(); err != nil {
		return PasswordParams{}, nil, nil, err
	}
	return p, salt, hash, nil
}

// parsePHCParams parses "m=M,t=T,p=P".
func parsePHCParams(s string) (m, t uint32, p uint8, ok bool) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var vals [3]uint64
	for i, name := range [3]string{"m=", "t=", "p="} {
		digits, found := strings.CutPrefix(parts[i], name)
		if !found {
			return 0, 0, 0, false
		}
		bits := 32
		if name == "p=" {
			bits = 8
		}
		v, err := strconv.ParseUint(digits, 10, bits)
		if err != nil {
			return 0, 0, 0, false
		}
		vals[i] = v
	}
	return uint32(vals[0]), uint32(vals[1]), uint8(vals[2]), true
}
