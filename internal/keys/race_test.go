//go:build race

package keys_test

import "time"

// Under the race detector every validation is an order of magnitude
// slower; the background validators of the revoke race pause longer so
// they race the 1,000 revocations without starving them.
func init() { bgPause = time.Millisecond }
