package keyhouse

import "time"

// Clock tells the time. Services take one so tests can move time without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC, truncated to milliseconds: the
// precision every surface renders and every store keeps, so a value read back
// equals the value written.
type SystemClock struct{}

// Now returns the current UTC time truncated to milliseconds.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }
