// Package client is the Go SDK for Keyhouse's HTTP API. It has its own wire
// types and imports nothing from the server, so it can be versioned and
// used on its own; the keyhouse CLI is built on it.
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
	"strings"
	"time"
)

// Client talks to one Keyhouse server with one credential.
type Client struct {
	BaseURL string
	// Token is a CLI token (khc_…), a management API key (kc_…) or a
	// session token; sent as "Authorization: Bearer".
	Token string
	HTTP  *http.Client
}

// New returns a Client for baseURL (e.g. http://127.0.0.1:8080).
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimSuffix(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// Error is an error answer from the server, from any surface's format.
type Error struct {
	Status    int
	Code      string
	Message   string
	RequestID string
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Fields are the invalid fields an RFC 9457 problem names.
	Fields []FieldError
	// Body is the answer as sent (at most 64 KiB), for surfaces whose
	// failures carry more than the problem's members.
	Body []byte
}

// FieldError is one invalid field of a problem's "errors".
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	for _, f := range e.Fields {
		msg += " " + f.Field + " " + f.Message + "."
	}
	if e.Code != "" {
		return fmt.Sprintf("%s (%d %s)", msg, e.Status, e.Code)
	}
	return fmt.Sprintf("%s (%d)", msg, e.Status)
}

// StatusOf returns the HTTP status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	resp, err := c.send(ctx, method, path, query, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s %s response: %w", method, path, err)
	}
	return nil
}

// send performs a request and returns the response when it is 2xx.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, in any) (*http.Response, error) {
	u := c.BaseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, readError(resp)
	}
	return resp, nil
}

// readError understands RFC 9457 problems, Keychains' {error,
// error_description} and project keys' {error:{code,message}}.
func readError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id"), Body: b}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		var s int
		if _, err := fmt.Sscanf(ra, "%d", &s); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(b, &probe) != nil {
		e.Message = strings.TrimSpace(string(b))
		return e
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(probe[k], &s)
		return s
	}
	switch {
	case probe["detail"] != nil || probe["title"] != nil:
		e.Code, e.Message = str("code"), str("detail")
		_ = json.Unmarshal(probe["errors"], &e.Fields)
	case probe["error_description"] != nil:
		e.Code, e.Message = str("error"), str("error_description")
	case probe["error"] != nil:
		var inner struct{ Code, Message string }
		if json.Unmarshal(probe["error"], &inner) == nil {
			e.Code, e.Message = inner.Code, inner.Message
		} else {
			e.Code = str("error")
			e.Message = str("message")
		}
	}
	return e
}
