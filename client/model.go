package client

import "time"

// User is a signed-in user.
type User struct {
	ID             string    `json:"id"`
	Username       string    `json:"username"`
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	Role           string    `json:"role"`
	OrganizationID string    `json:"organizationId"`
	CreatedAt      time.Time `json:"createdAt"`
}

// LoginResult is a successful CLI login.
type LoginResult struct {
	User      User      `json:"user"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// CreateAPIKeyRequest describes a new management API key.
type CreateAPIKeyRequest struct {
	Name          string   `json:"name"`
	ExpirySeconds int64    `json:"expirySeconds,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
}

// CreatedAPIKey is a new management key with its raw value (shown once).
type CreatedAPIKey struct {
	Key       string    `json:"key"`
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	KeyPrefix string    `json:"keyPrefix"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// APIKey is a management key as listed (no raw value).
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	KeyPrefix  string     `json:"keyPrefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

// APIKeyList is a page of management keys.
type APIKeyList struct {
	Keys  []APIKey `json:"keys"`
	Total int      `json:"total"`
	Page  int      `json:"page"`
	Limit int      `json:"limit"`
}

// AuditEntry is one audit-log event.
type AuditEntry struct {
	ID                  string            `json:"id"`
	Seq                 int64             `json:"seq"`
	Timestamp           time.Time         `json:"timestamp"`
	EventType           string            `json:"eventType"`
	ActorType           string            `json:"actorType"`
	ActorID             string            `json:"actorId"`
	ResourceType        string            `json:"resourceType"`
	ResourceID          string            `json:"resourceId"`
	MachineID           *string           `json:"machineId"`
	PermissionRequestID *string           `json:"permissionRequestId"`
	Provider            *string           `json:"provider"`
	Method              *string           `json:"method"`
	Endpoint            *string           `json:"endpoint"`
	StatusCode          *int              `json:"statusCode"`
	RequestID           string            `json:"requestId"`
	IP                  string            `json:"ip"`
	Metadata            map[string]string `json:"metadata"`
	Hash                string            `json:"hash"`
}

// AuditLog is a page of audit entries.
type AuditLog struct {
	Entries []AuditEntry `json:"entries"`
	Total   int          `json:"total"`
	Page    int          `json:"page"`
	Limit   int          `json:"limit"`
}

// AuditQuery filters the audit log; zero fields match everything.
type AuditQuery struct {
	EventType  string
	ActorID    string
	MachineID  string
	Permission string
	Provider   string
	Method     string
	StartDate  string // RFC 3339 or YYYY-MM-DD
	EndDate    string
	Page       int
	Limit      int
}

// Project is a project.
type Project struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Environments []Environment `json:"environments,omitempty"`
}

// Environment is a project's environment.
type Environment struct {
	ID        string    `json:"id"`
	ProjectID string    `json:"project_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Pagination is a native list's page information.
type Pagination struct {
	Total   int  `json:"total"`
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"has_more"`
}

// ProjectList is a page of projects.
type ProjectList struct {
	Data       []Project  `json:"data"`
	Pagination Pagination `json:"pagination"`
}
