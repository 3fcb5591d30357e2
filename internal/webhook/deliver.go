package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	N      int // 1, 2, 3…
	Status int // the response status; 0 when no response came
	Err    error
	At     time.Time
}

// Deliverer POSTs signed events, retrying with exponential backoff.
type Deliverer struct {
	// Client sends the requests; use netguard's for untrusted URLs.
	Client *http.Client
	// MaxAttempts is the number of tries (default 5).
	MaxAttempts int
	// Backoff is the pause after the first failure, doubled after each
	// further one up to MaxBackoff (defaults 1 s and 1 min).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Sleep waits between attempts (tests pass one that does not sleep).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now stamps webhook-timestamp (default time.Now).
	Now func() time.Time
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Deliver POSTs body to url signed under secret as message msgID, until a
// 2xx answer or MaxAttempts failures. onAttempt (optional) sees every
// attempt, for the delivery log. Every retry carries the same msgID and a
// fresh timestamp and signature, as Standard Webhooks prescribe.
func (d *Deliverer) Deliver(ctx context.Context, url string, secret []byte, msgID string, body []byte, onAttempt func(Attempt)) error {
	attempts, backoff := d.MaxAttempts, d.Backoff
	if attempts <= 0 {
		attempts = 5
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	maxBackoff := d.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = time.Minute
	}
	sleep, now := d.Sleep, d.Now
	if sleep == nil {
		sleep = sleepCtx
	}
	if now == nil {
		now = time.Now
	}
	client := d.Client
	if client == nil {
		client = http.DefaultClient
	}
	var last error
	for n := 1; n <= attempts; n++ {
		if n > 1 {
			if err := sleep(ctx, backoff); err != nil {
				return err
			}
			backoff = min(2*backoff, maxBackoff)
		}
		at := now()
		status, err := d.post(ctx, client, url, secret, msgID, at, body)
		if onAttempt != nil {
			onAttempt(Attempt{N: n, Status: status, Err: err, At: at})
		}
		if err == nil {
			return nil
		}
		last = err
	}
	return fmt.Errorf("webhook: %d attempts failed, last: %w", attempts, last)
}

func (d *Deliverer) post(ctx context.Context, client *http.Client, url string, secret []byte, msgID string, at time.Time, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range Headers(secret, msgID, at, body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Keyhouse-Webhooks/1")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook: status %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}
