//go:build race

package keys_test

import "time"

// Under the race detector every commit is an order of magnitude slower;
// the revoke race keeps its shape with fewer keys.
func init() { revokeN, bgPause = 100, time.Millisecond }
