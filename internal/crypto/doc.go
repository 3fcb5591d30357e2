// Package crypto holds Keyhouse's cryptographic building blocks, so that the
// services never touch a cipher, a nonce or a hash function directly.
//
// # Envelope encryption
//
// Secret values and connection credentials (SPEC §5) are sealed with
// AES-256-GCM under a per-organization [DataKey]. The data key is stored only
// in wrapped form: sealed, again with AES-256-GCM, under a [MasterKey] held in
// a [Keyring]. The master key lives outside the database (KEYHOUSE_MASTER_KEY or
// a 0600 key file, see [LoadOrCreateKeyFile]), so a copy of the database alone
// reveals no secret. Rotating the master key only re-wraps the data keys
// ([Keyring.Rewrap]); the bulk ciphertext is untouched, which is what makes
// rotation cheap and possible without downtime.
//
// Every ciphertext is bound to where it is stored by associated data built
// with [AD]: a data key is wrapped with AD("org", orgID) and a value sealed
// with AD("secret_version", rowID). Someone with write access to the database
// who copies a ciphertext or a wrapped key into another row (or another
// tenant's row) gets [ErrDecrypt], not the other row's plaintext.
//
// # Passwords
//
// [HashPassword] and [VerifyPassword] use argon2id with parameters above the
// OWASP minimum, encoded in the PHC string format so parameters can be raised
// later without breaking existing hashes ([NeedsRehash]). [DummyVerify] costs
// the same as a real verification and is for logins to accounts that do not
// exist, so response time does not reveal which emails are registered.
//
// # Tokens and API keys
//
// API keys, management keys and session tokens are high-entropy, so they are
// stored as HMAC-SHA-256 under a server-side [Pepper] rather than a slow
// password hash ([Hasher]). The pepper is versioned and the version is kept
// beside each hash, so the pepper can be rotated while old keys keep working.
// Neither a read nor a write of the database alone lets anyone find or mint
// a working key, because the pepper is not in it.
//
// When the operator configures no pepper, one is derived from the master key
// with [DerivePepper] (HKDF-SHA-256, see [DeriveKey]). JWT signing keys are
// derived the same way under their own label, e.g.
// ed25519.NewKeyFromSeed(mk.DeriveKey("keyhouse jwt ed25519 v1", 32)).
// Distinct labels make the subkeys independent, so a leaked JWT key reveals
// neither the master key nor the pepper. A derived key follows the master key
// it came from: after a master key rotation, keep deriving the pepper from the
// old key (which must then stay configured) or configure an explicit pepper
// first, or every stored API key hash stops matching. Derived JWT keys may
// simply change: they only sign short-lived tokens.
//
// # Randomness and key material
//
// Every function that needs entropy takes an io.Reader so tests can be
// deterministic; nil means crypto/rand.Reader. Nonces are the exception: they
// always come from the standard library's own generator inside
// [crypto/cipher.NewGCMWithRandomNonce], because a repeated GCM nonce under one key
// is catastrophic and no test needs to control them.
//
// Key types ([MasterKey], [DataKey], [Pepper]) never print their bytes: their
// String and Format methods redact, and the bytes sit behind pointers so
// that even fmt's printing of an enclosing struct shows only addresses.
package crypto
