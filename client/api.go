package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

type envelope[T any] struct {
	Data T `json:"data"`
}

// Login signs in with email and password and returns a CLI token; the
// client keeps using it.
func (c *Client) Login(ctx context.Context, email, password string) (*LoginResult, error) {
	var out envelope[LoginResult]
	in := map[string]string{"email": email, "password": password, "client": "cli"}
	if err := c.do(ctx, "POST", "/v1/auth/login", nil, in, &out); err != nil {
		return nil, err
	}
	c.Token = out.Data.Token
	return &out.Data, nil
}

// Logout revokes the client's token.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, "POST", "/v1/auth/logout", nil, nil, nil)
}

// Me returns the signed-in user.
func (c *Client) Me(ctx context.Context) (*User, error) {
	var out envelope[User]
	if err := c.do(ctx, "GET", "/v1/users/me", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}

// CreateAPIKey creates a management API key.
func (c *Client) CreateAPIKey(ctx context.Context, req CreateAPIKeyRequest) (*CreatedAPIKey, error) {
	var out CreatedAPIKey
	if err := c.do(ctx, "POST", "/api/api-keys", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAPIKeys lists management API keys (page from 1; limit ≤ 100, 0 for the default).
func (c *Client) ListAPIKeys(ctx context.Context, page, limit int) (*APIKeyList, error) {
	q := url.Values{}
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out APIKeyList
	if err := c.do(ctx, "GET", "/api/api-keys", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeAPIKey revokes a management API key.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/api/api-keys/"+url.PathEscape(id), nil, nil, nil)
}

func (q AuditQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("eventType", q.EventType)
	set("actorId", q.ActorID)
	set("machineId", q.MachineID)
	set("permissionRequestId", q.Permission)
	set("provider", q.Provider)
	set("method", q.Method)
	set("startDate", q.StartDate)
	set("endDate", q.EndDate)
	if q.Page > 0 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// AuditLog queries the audit log.
func (c *Client) AuditLog(ctx context.Context, q AuditQuery) (*AuditLog, error) {
	var out AuditLog
	if err := c.do(ctx, "GET", "/api/audit-log", q.values(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExportAudit streams the audit log to w as "csv" or "jsonl".
func (c *Client) ExportAudit(ctx context.Context, q AuditQuery, format string, w io.Writer) error {
	v := q.values()
	v.Set("format", format)
	resp, err := c.send(ctx, "GET", "/api/audit-log/export", v, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

// CreateProject creates a project with environments (nil: live and test).
func (c *Client) CreateProject(ctx context.Context, name, description string, environments []string) (*Project, error) {
	in := map[string]any{"name": name}
	if description != "" {
		in["description"] = description
	}
	if environments != nil {
		in["environments"] = environments
	}
	var out Project
	if err := c.do(ctx, "POST", "/v1/projects", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListProjects lists projects.
func (c *Client) ListProjects(ctx context.Context, limit, offset int) (*ProjectList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	var out ProjectList
	if err := c.do(ctx, "GET", "/v1/projects", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Health reports whether the server is ready.
func (c *Client) Health(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/readyz", nil, nil, nil)
}
