package client

import "time"

// Vault is a vault as listed.
type Vault struct {
	ID           string    `json:"id"`
	RepoOwner    string    `json:"repoOwner"`
	RepoName     string    `json:"repoName"`
	SecretCount  int       `json:"secretCount"`
	Environments []string  `json:"environments"`
	Permission   string    `json:"permission"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// FullName is "owner/repo".
func (v Vault) FullName() string { return v.RepoOwner + "/" + v.RepoName }

// Secret is a secret's metadata (never its value).
type Secret struct {
	ID          string    `json:"id"`
	Key         string    `json:"key"`
	Environment string    `json:"environment"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// SecretVersion is one past value of a secret.
type SecretVersion struct {
	ID            string    `json:"id"`
	VersionNumber int       `json:"versionNumber"`
	CreatedAt     time.Time `json:"createdAt"`
	CreatedBy     *struct {
		Username string `json:"username"`
	} `json:"createdBy"`
}

// PushStats counts what a push changed.
type PushStats struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Deleted int `json:"deleted"`
}

// TrashedSecret is a secret in the trash.
type TrashedSecret struct {
	ID            string    `json:"id"`
	Key           string    `json:"key"`
	Environment   string    `json:"environment"`
	DeletedAt     time.Time `json:"deletedAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
	DaysRemaining int       `json:"daysRemaining"`
}

// DeviceStart is a started device login.
type DeviceStart struct {
	DeviceCode              string `json:"deviceCode"`
	UserCode                string `json:"userCode"`
	VerificationURI         string `json:"verificationUri"`
	VerificationURIComplete string `json:"verificationUriComplete"`
	ExpiresIn               int    `json:"expiresIn"`
	Interval                int    `json:"interval"`
}

// DevicePoll is where a device login stands.
type DevicePoll struct {
	Status      string `json:"status"` // pending, approved, expired, denied
	KeywayToken string `json:"keywayToken"`
	GithubLogin string `json:"githubLogin"`
	Message     string `json:"message"`
}
