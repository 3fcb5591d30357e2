package httpapi

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// QueryInt reads an integer query parameter: def when absent, EINVALID when
// it is not an integer in [min, max]. Huge values are refused, not clamped,
// so a client learns its request was not what it meant.
func QueryInt(r *http.Request, name string, def, min, max int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, keyhouse.Invalid("A query parameter is out of range.", keyhouse.FieldError{
			Field: name, Code: "out_of_range", Message: "must be an integer from " + strconv.Itoa(min) + " to " + strconv.Itoa(max),
		})
	}
	return n, nil
}

// QueryString reads a string query parameter of at most maxLen bytes of
// valid UTF-8.
func QueryString(r *http.Request, name string, maxLen int) (string, error) {
	s := r.URL.Query().Get(name)
	if len(s) > maxLen || !utf8.ValidString(s) {
		return "", keyhouse.Invalid("A query parameter is invalid.", keyhouse.FieldError{Field: name, Code: "invalid", Message: "must be valid UTF-8 of at most " + strconv.Itoa(maxLen) + " bytes"})
	}
	return s, nil
}

// QueryTime reads an RFC 3339 timestamp or a YYYY-MM-DD date (midnight UTC).
func QueryTime(r *http.Request, name string) (*time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, keyhouse.Invalid("A query parameter is not a date.", keyhouse.FieldError{Field: name, Code: "invalid_date", Message: "must be an RFC 3339 timestamp or YYYY-MM-DD"})
}

// Time renders t as RFC 3339 UTC with milliseconds, as every surface does.
func Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// TimePtr renders an optional time (nil stays nil).
func TimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := Time(*t)
	return &s
}
