// Package webhook signs and verifies webhook deliveries the Standard Webhooks
// way (https://www.standardwebhooks.com), so that receivers can check them
// with any Standard Webhooks library.
//
// A delivery carries three headers:
//
//	webhook-id:        the message ID, the same on every retry
//	webhook-timestamp: Unix seconds of this attempt
//	webhook-signature: v1,<base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))>
//
// The signature header may hold several space-separated signatures (one per
// secret while a secret is being rotated); a receiver accepts the delivery if
// any v1 signature matches. The key is the decoded secret: secrets are
// written "whsec_" + base64 of 24 to 64 random bytes (32 when Keyhouse makes
// them).
package webhook
