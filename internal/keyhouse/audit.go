package keyhouse

import "time"

// AuditEvent is one entry of an organization's append-only, hash-chained
// audit log. It never holds a secret value, a raw key or a credential.
type AuditEvent struct {
	ID           ID
	OrgID        ID
	Seq          int64 // 1, 2, 3… per organization
	Time         time.Time
	ActorType    PrincipalKind
	ActorID      ID
	Action       string // e.g. "api_key.created", "proxy_call"
	ResourceType string
	ResourceID   ID
	RequestID    string
	ClientIP     string
	MachineID    ID
	PermissionID ID
	Provider     string
	Method       string
	Endpoint     string
	StatusCode   int
	Metadata     map[string]string
	PrevHash     [32]byte
	Hash         [32]byte
}

// AuditFilter selects audit events; nil and zero fields match everything.
type AuditFilter struct {
	OrgID        ID
	ActorID      string
	ActorType    string
	Action       string
	ResourceType string
	ResourceID   string
	MachineID    string
	PermissionID string
	Provider     string
	Method       string
	From, To     *time.Time // To is exclusive
	AfterSeq     int64      // keyset pagination for streaming
	Limit        int
	Offset       int
	Ascending    bool // oldest first (export, verify); default newest first
}

// AuditFilterValues lists the distinct values present for each filter.
type AuditFilterValues struct {
	Actions     []string
	ActorTypes  []string
	ActorIDs    []string
	MachineIDs  []string
	Providers   []string
	Methods     []string
	Permissions []string
}
