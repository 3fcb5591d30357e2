package keyhouse

import "time"

// Organization is a tenant. Every other row belongs to exactly one.
type Organization struct {
	ID        ID
	Name      string
	CreatedAt time.Time
}

// Role is a user's role in an organization.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r is as powerful as min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// User is a member of one organization.
type User struct {
	ID           ID
	OrgID        ID
	Email        string
	Name         string
	Role         Role
	PasswordHash string // argon2id PHC string; empty until the setup link is used
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// SetupToken is a one-time link that lets the first owner choose a password.
type SetupToken struct {
	Hash      [32]byte
	OrgID     ID
	UserID    ID
	ExpiresAt time.Time
	UsedAt    *time.Time
}
