//go:build race

package keys_test

// Under the race detector every commit is an order of magnitude slower;
// the revoke race keeps its shape with fewer keys.
func init() { revokeN = 100 }
