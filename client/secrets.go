package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func vaultPath(vault string, rest ...string) (string, error) {
	owner, repo, ok := strings.Cut(vault, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return "", fmt.Errorf("vault %q must be owner/repo", vault)
	}
	p := "/v1/vaults/" + url.PathEscape(owner) + "/" + url.PathEscape(repo)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p, nil
}

// Vaults lists vaults (all of them, page by page).
func (c *Client) Vaults(ctx context.Context) ([]Vault, error) {
	var all []Vault
	for off := 0; ; off += 100 {
		var out struct {
			Data []Vault `json:"data"`
			Meta struct {
				Pagination struct{ HasMore bool } `json:"pagination"`
			} `json:"meta"`
		}
		q := url.Values{"limit": {"100"}, "offset": {strconv.Itoa(off)}}
		if err := c.do(ctx, "GET", "/v1/vaults", q, nil, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Data...)
		if !out.Meta.Pagination.HasMore {
			return all, nil
		}
	}
}

// CreateVault creates a vault named owner/repo.
func (c *Client) CreateVault(ctx context.Context, vault string) error {
	return c.do(ctx, "POST", "/v1/vaults", nil, map[string]string{"repoFullName": vault}, nil)
}

// DeleteVault deletes a vault and its secrets.
func (c *Client) DeleteVault(ctx context.Context, vault string) error {
	p, err := vaultPath(vault)
	if err != nil {
		return err
	}
	return c.do(ctx, "DELETE", p, nil, nil, nil)
}

// Environments lists a vault's environments.
func (c *Client) Environments(ctx context.Context, vault string) ([]string, error) {
	p, err := vaultPath(vault, "environments")
	if err != nil {
		return nil, err
	}
	var out envelope[struct {
		Environments []string `json:"environments"`
	}]
	if err := c.do(ctx, "GET", p, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Data.Environments, nil
}

// CreateEnvironment adds an environment to a vault.
func (c *Client) CreateEnvironment(ctx context.Context, vault, name string) error {
	p, err := vaultPath(vault, "environments")
	if err != nil {
		return err
	}
	return c.do(ctx, "POST", p, nil, map[string]string{"name": name}, nil)
}

// Push makes environment env of vault hold exactly values.
func (c *Client) Push(ctx context.Context, vault, env string, values map[string]string) (*PushStats, error) {
	var out envelope[struct {
		Stats PushStats `json:"stats"`
	}]
	in := map[string]any{"repoFullName": vault, "environment": env, "secrets": values}
	if err := c.do(ctx, "POST", "/v1/secrets/push", nil, in, &out); err != nil {
		return nil, err
	}
	return &out.Data.Stats, nil
}

// Pull returns environment env of vault as .env text.
func (c *Client) Pull(ctx context.Context, vault, env string) (string, error) {
	var out envelope[struct {
		Content string `json:"content"`
	}]
	q := url.Values{"repo": {vault}, "environment": {env}}
	if err := c.do(ctx, "GET", "/v1/secrets/pull", q, nil, &out); err != nil {
		return "", err
	}
	return out.Data.Content, nil
}

// View returns one secret's value.
func (c *Client) View(ctx context.Context, vault, env, key string) (string, error) {
	var out envelope[struct {
		Value string `json:"value"`
	}]
	q := url.Values{"repo": {vault}, "environment": {env}, "key": {key}}
	if err := c.do(ctx, "GET", "/v1/secrets/view", q, nil, &out); err != nil {
		return "", err
	}
	return out.Data.Value, nil
}

// SetSecret creates or updates key in env; created reports which.
func (c *Client) SetSecret(ctx context.Context, vault, env, key, value string) (created bool, err error) {
	p, err := vaultPath(vault, "secrets")
	if err != nil {
		return false, err
	}
	var out envelope[struct {
		Status string `json:"status"`
	}]
	if err := c.do(ctx, "POST", p, nil, map[string]string{"key": key, "value": value, "environment": env}, &out); err != nil {
		return false, err
	}
	return out.Data.Status == "created", nil
}

// Secrets lists a vault's secrets (metadata only).
func (c *Client) Secrets(ctx context.Context, vault string) ([]Secret, error) {
	p, err := vaultPath(vault, "secrets")
	if err != nil {
		return nil, err
	}
	var all []Secret
	for off := 0; ; off += 100 {
		var out struct {
			Data []Secret `json:"data"`
			Meta struct {
				Pagination struct{ HasMore bool } `json:"pagination"`
			} `json:"meta"`
		}
		if err := c.do(ctx, "GET", p, url.Values{"limit": {"100"}, "offset": {strconv.Itoa(off)}}, nil, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Data...)
		if !out.Meta.Pagination.HasMore {
			return all, nil
		}
	}
}

// FindSecret returns the live secret key of env.
func (c *Client) FindSecret(ctx context.Context, vault, env, key string) (*Secret, error) {
	list, err := c.Secrets(ctx, vault)
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		if s.Key == key && s.Environment == env {
			return &s, nil
		}
	}
	return nil, &Error{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("No secret %s in environment %s.", key, env)}
}

// TrashSecret moves a secret to the trash.
func (c *Client) TrashSecret(ctx context.Context, vault, id string) error {
	p, err := vaultPath(vault, "secrets", id)
	if err != nil {
		return err
	}
	return c.do(ctx, "DELETE", p, nil, nil, nil)
}

// Versions lists a secret's versions, newest first.
func (c *Client) Versions(ctx context.Context, vault, id string) ([]SecretVersion, error) {
	p, err := vaultPath(vault, "secrets", id, "versions")
	if err != nil {
		return nil, err
	}
	var out envelope[[]SecretVersion]
	if err := c.do(ctx, "GET", p, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// RestoreVersion makes a version's value current again.
func (c *Client) RestoreVersion(ctx context.Context, vault, id, versionID string) error {
	p, err := vaultPath(vault, "secrets", id, "versions", versionID, "restore")
	if err != nil {
		return err
	}
	return c.do(ctx, "POST", p, nil, nil, nil)
}

// Trash lists a vault's trashed secrets.
func (c *Client) Trash(ctx context.Context, vault string) ([]TrashedSecret, error) {
	p, err := vaultPath(vault, "trash")
	if err != nil {
		return nil, err
	}
	var out envelope[[]TrashedSecret]
	if err := c.do(ctx, "GET", p, url.Values{"limit": {"100"}}, nil, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// RestoreTrash brings a trashed secret back.
func (c *Client) RestoreTrash(ctx context.Context, vault, id string) error {
	p, err := vaultPath(vault, "trash", id, "restore")
	if err != nil {
		return err
	}
	return c.do(ctx, "POST", p, nil, nil, nil)
}

// StartDevice begins a device login.
func (c *Client) StartDevice(ctx context.Context, repository string) (*DeviceStart, error) {
	var out DeviceStart
	in := map[string]string{}
	if repository != "" {
		in["repository"] = repository
	}
	if err := c.do(ctx, "POST", "/v1/auth/device/start", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PollDevice asks once where a device login stands. Expired (400) and
// denied (403) logins are answers, not errors.
func (c *Client) PollDevice(ctx context.Context, deviceCode string) (*DevicePoll, error) {
	b, _ := json.Marshal(map[string]string{"deviceCode": deviceCode})
	req, err := http.NewRequestWithContext(ctx, "POST", c.BaseURL+"/v1/auth/device/poll", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var out DevicePoll
	switch resp.StatusCode {
	case http.StatusOK, http.StatusBadRequest, http.StatusForbidden:
		if json.Unmarshal(body, &out) == nil && out.Status != "" {
			return &out, nil
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return nil, readError(resp)
}

// WaitDevice polls every interval until the login is approved (and the
// client holds the new token), denied, expired, or ctx ends.
func (c *Client) WaitDevice(ctx context.Context, d *DeviceStart) (*DevicePoll, error) {
	every := time.Duration(max(1, d.Interval)) * time.Second
	for {
		p, err := c.PollDevice(ctx, d.DeviceCode)
		if err != nil {
			return nil, err
		}
		switch p.Status {
		case "approved":
			c.Token = p.KeywayToken
			return p, nil
		case "pending":
		default:
			msg := p.Message
			if msg == "" {
				msg = "device login " + p.Status
			}
			return p, errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(every):
		}
	}
}
