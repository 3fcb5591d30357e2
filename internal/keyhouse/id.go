package keyhouse

import "strings"

// ID is a prefixed, sortable identifier (TypeID style: "proj_01h2xce…").
// internal/ids generates and parses them; the domain only needs the prefixes.
type ID = string

// ID prefixes, one per kind of row (SPEC §1).
const (
	PrefixOrg         = "org"
	PrefixUser        = "user"
	PrefixSession     = "sess"
	PrefixMgmtKey     = "ak"
	PrefixProject     = "proj"
	PrefixEnvironment = "env"
	PrefixAuditEvent  = "evt"
	PrefixKey         = "akey"
	PrefixPolicy      = "kpol"
	PrefixScope       = "kscp"
	PrefixUsage       = "kusg"
	PrefixRotation    = "krot"
	PrefixVault       = "vlt"
	PrefixSecret      = "sec"
	PrefixVersion     = "secv"
	PrefixDevice      = "dev"
	PrefixWebhook     = "whd"
)

// HasPrefix reports whether id has the given TypeID prefix.
func HasPrefix(id, prefix string) bool {
	return len(id) > len(prefix)+1 && strings.HasPrefix(id, prefix) && id[len(prefix)] == '_'
}
