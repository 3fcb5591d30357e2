package keyhouse

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Surfaces map codes to HTTP
// statuses in one table (internal/httpapi) and render them in their format.
type Code string

// The general codes. Narrower codes are added only when a client must branch
// on them.
const (
	EINVALID      Code = "invalid"            // 400 or 422, by surface
	EMALFORMED    Code = "malformed"          // 400: a body that is not valid JSON or UTF-8
	EUNAUTHORIZED Code = "unauthorized"       // 401
	EFORBIDDEN    Code = "forbidden"          // 403
	ENOTFOUND     Code = "not_found"          // 404
	ECONFLICT     Code = "conflict"           // 409
	ETOOLARGE     Code = "too_large"          // 413
	EUNSUPPORTED  Code = "unsupported"        // 415
	ERATELIMITED  Code = "rate_limited"       // 429, with Retry-After
	EUNAVAILABLE  Code = "unavailable"        // 503
	EINTERNAL     Code = "internal"           // 500; the message is never shown
	EMETHOD       Code = "method_not_allowed" // 405
)

// FieldError is one validation problem with one input field.
type FieldError struct {
	Field   string
	Code    string
	Message string
}

// Error is the one domain error. Message is safe to show to the caller; Err is
// the cause, for logs only.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// RetryAfter is set on ERATELIMITED errors, in whole seconds (at least 1).
	RetryAfter int
	Err        error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error with per-field problems.
func Invalid(msg string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) Code {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of the first *Error in err's chain, or
// "Internal error." for anything else: causes never reach clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
