// Package httpapi is the HTTP plumbing every surface shares: the handler
// adapter (handlers return errors; one place renders them), strict JSON
// decoding, the code→status table, the error renderers, the middleware
// chain (request IDs, client IPs, access logs, metrics, authentication,
// CSRF, rate limits, panic recovery) and the route table that also produces
// /openapi.json.
//
// The surfaces (keysmith, projectkeys, keyway, keychains, native) live in
// subpackages; each lists its routes in one routes.go.
package httpapi
