// Package ids makes and checks the prefixed, time-sortable TypeIDs every row
// carries ("proj_01h2xcejqtf2nbrexx3vqjhp41").
package ids

import (
	"github.com/gofrs/uuid/v5"
	"go.jetify.com/typeid"
	"go.jetify.com/typeid/base32"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// New returns a new ID with prefix. TypeIDs are UUIDv7 underneath, so IDs
// sort by creation time. It encodes the UUID itself rather than through
// typeid.WithPrefix, which parses back what it just encoded: the usage
// writer makes an ID for every validation. Prefixes are the constants of
// package keyhouse (TestNewIsValid checks each).
func New(prefix string) keyhouse.ID {
	u, err := uuid.NewV7()
	if err != nil {
		// Only a failing crypto/rand can fail, and then nothing is safe.
		panic("ids: " + err.Error())
	}
	return prefix + "_" + base32.Encode(u)
}

// Valid reports whether s is a well-formed TypeID with prefix.
func Valid(s, prefix string) bool {
	if !keyhouse.HasPrefix(s, prefix) || len(s) != len(prefix)+1+26 {
		return false
	}
	id, err := typeid.FromString(s)
	return err == nil && id.Prefix() == prefix
}

// Check returns ENOTFOUND with msg when s is not a valid ID with prefix.
// A malformed ID cannot name a row, so the answer is the same as for an
// unknown one, and nothing about the ID format leaks.
func Check(s, prefix, msg string) error {
	if !Valid(s, prefix) {
		return keyhouse.Errorf(keyhouse.ENOTFOUND, "%s", msg)
	}
	return nil
}
