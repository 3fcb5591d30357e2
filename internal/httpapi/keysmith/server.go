// Package keysmith serves the Keysmith surface (/v1/keys…, /v1/policies…,
// /v1/scopes…, /v1/usage) over the one key service: snake_case, bare
// bodies and arrays, limit/offset paging, 400 for invalid input and for
// path IDs with the wrong prefix (reference/keysmith.md).
package keysmith

import (
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// Server holds the surface's dependencies.
type Server struct {
	log    *slog.Logger
	keys   *keys.Service
	bodies *bodies
}

// New returns a Server.
func New(log *slog.Logger, k *keys.Service) *Server {
	return &Server{log: log, keys: k, bodies: newBodies()}
}

// pathID reads a path ID, refusing one with the wrong prefix with 400 as
// Keysmith does ("invalid key ID").
func pathID(r *http.Request, name, prefix, kind string) (string, error) {
	id := r.PathValue(name)
	if !ids.Valid(id, prefix) {
		return "", keyhouse.Invalid("Invalid "+kind+" ID.", keyhouse.FieldError{Field: name, Code: "invalid_id", Message: "must be a " + prefix + "_… ID"})
	}
	return id, nil
}

// page reads limit and offset as Keysmith's handlers do: a limit of 0 or
// less (or none) is 50, one above 1000 is 1000; only a limit that is not an
// integer is refused.
func page(r *http.Request) (keyhouse.Page, error) {
	limit, err := httpapi.QueryInt(r, "limit", 50, math.MinInt, math.MaxInt)
	if err != nil {
		return keyhouse.Page{}, err
	}
	switch {
	case limit <= 0:
		limit = 50
	case limit > 1000:
		limit = 1000
	}
	offset, err := httpapi.QueryInt(r, "offset", 0, 0, 1_000_000_000)
	return keyhouse.Page{Limit: limit, Offset: offset}, err
}

// ParseDuration reads a Go duration ("1m", "24h") or Keysmith's days and
// weeks ("7d", "2w"). "" is zero.
func ParseDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	bad := keyhouse.Invalid("A duration is invalid.", keyhouse.FieldError{Field: field, Code: "invalid_duration", Message: "must be a duration such as 90s, 1m, 24h, 7d or 2w"})
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 || v > 100_000 {
				return 0, bad
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return d, nil
}

// timeRange reads from/to or after/before (SPEC §2 accepts both names).
func timeRange(r *http.Request) (*time.Time, *time.Time, error) {
	pick := func(a, b string) (*time.Time, error) {
		t, err := httpapi.QueryTime(r, a)
		if err != nil || t != nil {
			return t, err
		}
		return httpapi.QueryTime(r, b)
	}
	from, err := pick("from", "after")
	if err != nil {
		return nil, nil, err
	}
	to, err := pick("to", "before")
	return from, to, err
}

// period reads period=hour|day|month or granularity=hourly|daily|monthly.
func period(r *http.Request) (keys.Period, error) {
	q := r.URL.Query()
	v := q.Get("period")
	if v == "" {
		v = q.Get("granularity")
	}
	switch v {
	case "", "day", "daily":
		return keys.Day, nil
	case "hour", "hourly":
		return keys.Hour, nil
	case "month", "monthly":
		return keys.Month, nil
	}
	return "", keyhouse.Invalid("The period is invalid.", keyhouse.FieldError{Field: "period", Code: "invalid", Message: "must be hour, day or month (hourly, daily, monthly)"})
}
