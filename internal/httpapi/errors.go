package httpapi

import (
	"net/http"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// statuses is the one code→status table (STYLE §4). EINVALID's status
// depends on the surface (422 by default; Keychains and Keysmith say 400).
var statuses = map[keyhouse.Code]int{
	keyhouse.EINVALID:      http.StatusUnprocessableEntity,
	keyhouse.EMALFORMED:    http.StatusBadRequest,
	keyhouse.EUNAUTHORIZED: http.StatusUnauthorized,
	keyhouse.EFORBIDDEN:    http.StatusForbidden,
	keyhouse.ENOTFOUND:     http.StatusNotFound,
	keyhouse.EMETHOD:       http.StatusMethodNotAllowed,
	keyhouse.ECONFLICT:     http.StatusConflict,
	keyhouse.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	keyhouse.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	keyhouse.ERATELIMITED:  http.StatusTooManyRequests,
	keyhouse.EUNAVAILABLE:  http.StatusServiceUnavailable,
	keyhouse.EINTERNAL:     http.StatusInternalServerError,
}

// Status returns the HTTP status for err on surface s.
func Status(s *Surface, err error) int {
	code := keyhouse.ErrorCode(err)
	if code == keyhouse.EINVALID && s != nil {
		if e := keyhouse.AsError(err); e != nil && s.FieldStatus != nil {
			for _, f := range e.Fields {
				if st, ok := s.FieldStatus[f.Field+"."+f.Code]; ok {
					return st
				}
				if st, ok := s.FieldStatus[f.Field+".*"]; ok {
					return st
				}
			}
		}
		if s.InvalidStatus != 0 {
			return s.InvalidStatus
		}
	}
	if st, ok := statuses[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// setRetryAfter adds Retry-After to rate-limited answers.
func setRetryAfter(w http.ResponseWriter, err error) {
	if e := keyhouse.AsError(err); e != nil && e.Code == keyhouse.ERATELIMITED {
		ra := e.RetryAfter
		if ra < 1 {
			ra = 1
		}
		w.Header().Set("Retry-After", itoa(ra))
	}
}
