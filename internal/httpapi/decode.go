package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// MaxBodyBytes caps request bodies (Keyway documents 1 MB).
const MaxBodyBytes = 1 << 20

// DecodeOptions relax Decode for the few routes whose seed allows it.
type DecodeOptions struct {
	AllowUnknown bool // ignore fields the wire type does not name
	AllowEmpty   bool // an empty body decodes as {}
}

// Decode reads r's JSON body into v strictly: at most MaxBodyBytes (413),
// valid UTF-8 and JSON (400), no unknown fields and the right types (422 or
// the surface's status for EINVALID), and nothing after the value (400).
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	return DecodeWith(w, r, v, DecodeOptions{})
}

// DecodeWith is Decode with options.
func DecodeWith(w http.ResponseWriter, r *http.Request, v any, o DecodeOptions) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") && !strings.Contains(strings.ToLower(ct), "+json") {
		return keyhouse.Errorf(keyhouse.EUNSUPPORTED, "The request body must be JSON (Content-Type: application/json).")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return keyhouse.Errorf(keyhouse.ETOOLARGE, "The request body is larger than %d bytes.", MaxBodyBytes)
		}
		return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if o.AllowEmpty {
			return nil
		}
		return keyhouse.Errorf(keyhouse.EMALFORMED, "A JSON request body is required.")
	}
	if !utf8.Valid(body) {
		return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if !o.AllowUnknown {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body has data after the JSON value.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body has data after the JSON value.")
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body is not valid JSON.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body must be a JSON object.")
		}
		return keyhouse.Invalid("A field has the wrong type.", keyhouse.FieldError{Field: field, Code: "wrong_type", Message: "must be " + jsonKind(typ.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return keyhouse.Invalid("The request body has an unknown field.", keyhouse.FieldError{Field: name, Code: "unknown_field", Message: "is not a known field"})
	}
	return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body is not valid JSON.")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return "of another type"
}
