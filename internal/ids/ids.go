// Package ids makes and checks the prefixed, time-sortable TypeIDs every row
// carries ("proj_01h2xcejqtf2nbrexx3vqjhp41").
package ids

import (
	"go.jetify.com/typeid"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// New returns a new ID with prefix. TypeIDs are UUIDv7 underneath, so IDs
// sort by creation time.
func New(prefix string) keyhouse.ID {
	id, err := typeid.WithPrefix(prefix)
	if err != nil {
		// Only an invalid constant prefix can fail: a programming error.
		panic("ids: bad prefix " + prefix + ": " + err.Error())
	}
	return id.String()
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
