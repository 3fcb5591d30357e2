package crypto_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/keyhouse-dev/keyhouse/internal/crypto"
)

// Example shows envelope encryption as the secrets service uses it: one data
// key per organization, wrapped by the master key, and one ciphertext per
// secret version, each bound to its row by associated data.
func Example() {
	mk, err := crypto.GenerateMasterKey(nil) // in production: LoadOrCreateKeyFile or ParseMasterKey
	if err != nil {
		log.Fatal(err)
	}
	keyring, err := crypto.NewKeyring(mk)
	if err != nil {
		log.Fatal(err)
	}

	// Once per organization: store wrapped and masterKeyID on its row.
	dek, err := crypto.NewDataKey(nil)
	if err != nil {
		log.Fatal(err)
	}
	orgAD := crypto.AD("org", "org_123")
	wrapped, masterKeyID, err := keyring.WrapDataKey(dek, orgAD)
	if err != nil {
		log.Fatal(err)
	}

	// Per secret version: store ciphertext on the version's row.
	ciphertext, err := dek.Seal([]byte("postgres://app:pw@db/app"), crypto.AD("secret_version", "sv_1"))
	if err != nil {
		log.Fatal(err)
	}

	// Reading it back.
	dek, err = keyring.UnwrapDataKey(wrapped, masterKeyID, orgAD)
	if err != nil {
		log.Fatal(err)
	}
	plaintext, err := dek.Open(ciphertext, crypto.AD("secret_version", "sv_1"))
	fmt.Println(string(plaintext), err)

	// The same ciphertext moved to another row does not open.
	_, err = dek.Open(ciphertext, crypto.AD("secret_version", "sv_2"))
	fmt.Println(errors.Is(err, crypto.ErrDecrypt))

	// Keys never print.
	fmt.Println(dek)
	// Output:
	// postgres://app:pw@db/app <nil>
	// true
	// DataKey(redacted)
}

// ExampleHasher shows how API keys are stored and looked up across a pepper
// rotation.
func ExampleHasher() {
	v1, _ := crypto.GeneratePepper(nil, 1)
	v2, _ := crypto.GeneratePepper(nil, 2)

	before, _ := crypto.NewHasher(v1)
	stored, storedVersion := before.Hash("sk_live_abc") // kept in the key's row

	after, _ := crypto.NewHasher(v2, v1) // v2 is current, v1 still known
	for _, v := range after.Versions() {
		sum, _ := after.HashWith(v, "sk_live_abc")
		if v == storedVersion && crypto.Equal(sum[:], stored[:]) {
			fmt.Println("found under pepper version", v)
		}
	}
	// Output: found under pepper version 1
}
