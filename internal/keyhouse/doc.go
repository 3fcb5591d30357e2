// Package keyhouse is the domain of Keyhouse: the types every service and
// adapter shares (organizations, users, credentials, projects, audit events),
// the Store and Tx interfaces that storage implements, the Error type with its
// stable codes, and the request-scoped Principal.
//
// It imports only the standard library. Domain structs carry no JSON tags:
// each HTTP surface owns its wire types and renders the same domain value in
// its own shape, so a secret-bearing field can never be serialized by accident.
package keyhouse
