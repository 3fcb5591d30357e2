// Package apikey generates and parses the key material of Keyhouse API keys
// (SPEC §4):
//
//	{prefix}_{environment}_{secret}{checksum}
//	sk_live_4f7Qb…(40 base62 chars)…0fZk9a
//
// prefix and environment match ^[a-z][a-z0-9]{0,15}$, so neither contains an
// underscore and the first two underscores split the key unambiguously. The
// secret is 40 base62 characters (about 238 bits) drawn without modulo bias.
// The checksum is CRC32 (IEEE) of everything before it ("prefix_env_secret"),
// written as 6 base62 digits, most significant first, left-padded with '0'
// (62^6 > 2^32, so every CRC fits).
//
// The checksum is not a security measure: it lets Parse reject a mistyped,
// truncated or made-up key without touching storage, and, with the fixed
// shape, lets secret scanners match keys with few false positives (Pattern).
//
// The base62 alphabet is 0-9, A-Z, a-z, in that order.
//
// DisplayPrefix (12 characters, kept as key_prefix) and Hint (the last 4,
// which are checksum characters) are the only parts meant to be shown
// after creation.
package apikey
