package keyhouse

import "time"

// Project groups the API keys, policies and scopes a team issues for one API.
type Project struct {
	ID          ID
	OrgID       ID
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Environment is a named stage of a project (live, test, staging…).
type Environment struct {
	ID        ID
	OrgID     ID
	ProjectID ID
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ProjectUpdate holds the fields of a project that may change; nil leaves a field as it is.
type ProjectUpdate struct {
	Name        *string
	Description *string
}

// Page selects a window of a list.
type Page struct {
	Limit  int
	Offset int
}
