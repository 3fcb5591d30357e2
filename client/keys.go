package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
)

// CreateKey issues a key (Keysmith POST /v1/keys).
func (c *Client) CreateKey(ctx context.Context, req CreateKeyRequest) (*KeyWithRaw, error) {
	var out KeyWithRaw
	if err := c.do(ctx, "POST", "/v1/keys", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListKeys lists keys; state and environment may be "".
func (c *Client) ListKeys(ctx context.Context, state, environment string, limit, offset int) ([]Key, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	if environment != "" {
		q.Set("environment", environment)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	var out []Key
	err := c.do(ctx, "GET", "/v1/keys", q, nil, &out)
	return out, err
}

// GetKey returns one key.
func (c *Client) GetKey(ctx context.Context, id string) (*Key, error) {
	var out Key
	if err := c.do(ctx, "GET", "/v1/keys/"+url.PathEscape(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RotateKey rotates a key; grace is a Go duration ("" for the default, "0" for at once).
func (c *Client) RotateKey(ctx context.Context, id, reason, grace string) (*KeyWithRaw, error) {
	var out KeyWithRaw
	body := map[string]string{}
	if reason != "" {
		body["reason"] = reason
	}
	if grace != "" {
		body["grace_period"] = grace
	}
	if err := c.do(ctx, "POST", "/v1/keys/"+url.PathEscape(id)+"/rotate", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeKey revokes a key for good.
func (c *Client) RevokeKey(ctx context.Context, id, reason string) error {
	return c.do(ctx, "POST", "/v1/keys/"+url.PathEscape(id)+"/revoke", nil, map[string]string{"reason": reason}, nil)
}

// SuspendKey suspends a key.
func (c *Client) SuspendKey(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/v1/keys/"+url.PathEscape(id)+"/suspend", nil, nil, nil)
}

// ReactivateKey reactivates a suspended key.
func (c *Client) ReactivateKey(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/v1/keys/"+url.PathEscape(id)+"/reactivate", nil, nil, nil)
}

// ValidateKey validates a presented key. An invalid key is a result with
// Valid false and a Code, not an error.
func (c *Client) ValidateKey(ctx context.Context, req ValidateRequest) (*ValidateResult, error) {
	var out ValidateResult
	err := c.do(ctx, "POST", "/v1/keys/validate", nil, req, &out)
	var e *Error
	if errors.As(err, &e) && (e.Status == 401 || e.Status == 403 || e.Status == 429) && e.Code != "" && e.Code != "unauthorized" && e.Code != "forbidden" {
		// The failure body is the validate answer itself (valid, code and,
		// when rate limited, limit, remaining, reset).
		r := ValidateResult{}
		_ = json.Unmarshal(e.Body, &r)
		r.Valid, r.Code, r.Detail, r.Status = false, e.Code, e.Message, e.Status
		return &r, nil
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// KeyUsage returns a key's usage per period ("hour", "day", "month").
func (c *Client) KeyUsage(ctx context.Context, id, period string) ([]UsageBucket, error) {
	q := url.Values{}
	if period != "" {
		q.Set("period", period)
	}
	var out []UsageBucket
	err := c.do(ctx, "GET", "/v1/keys/"+url.PathEscape(id)+"/usage/aggregate", q, nil, &out)
	return out, err
}

// CreatePolicy creates a key policy.
func (c *Client) CreatePolicy(ctx context.Context, req PolicyRequest) (*Policy, error) {
	var out Policy
	if err := c.do(ctx, "POST", "/v1/policies", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListPolicies lists key policies.
func (c *Client) ListPolicies(ctx context.Context) ([]Policy, error) {
	var out []Policy
	err := c.do(ctx, "GET", "/v1/policies", nil, nil, &out)
	return out, err
}

// GetPolicy returns a key policy.
func (c *Client) GetPolicy(ctx context.Context, id string) (*Policy, error) {
	var out Policy
	if err := c.do(ctx, "GET", "/v1/policies/"+url.PathEscape(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReplacePolicy replaces a key policy (PUT: omitted fields are zeroed).
func (c *Client) ReplacePolicy(ctx context.Context, id string, req PolicyRequest) (*Policy, error) {
	var out Policy
	if err := c.do(ctx, "PUT", "/v1/policies/"+url.PathEscape(id), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePolicy deletes a key policy.
func (c *Client) DeletePolicy(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1/policies/"+url.PathEscape(id), nil, nil, nil)
}

// CreateScope registers a scope.
func (c *Client) CreateScope(ctx context.Context, name, description string) (*Scope, error) {
	var out Scope
	if err := c.do(ctx, "POST", "/v1/scopes", nil, map[string]string{"name": name, "description": description}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListScopes lists registered scopes.
func (c *Client) ListScopes(ctx context.Context) ([]Scope, error) {
	var out []Scope
	err := c.do(ctx, "GET", "/v1/scopes", url.Values{"limit": {"1000"}}, nil, &out)
	return out, err
}

// DeleteScope deletes a registered scope.
func (c *Client) DeleteScope(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1/scopes/"+url.PathEscape(id), nil, nil, nil)
}
