// Package auth turns credentials into a keyhouse.Principal and decides what
// each kind of credential may do (SPEC §3): password logins with browser
// sessions and CLI tokens, one-time setup links, and management API keys.
//
// Every credential is a random bearer secret stored only as a peppered
// HMAC-SHA-256 (crypto.Hasher); the raw value exists in memory once, when it
// is issued, and is never logged.
package auth
