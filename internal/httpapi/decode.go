package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
//
// The body is read into a pooled buffer and decoded in one pass by the JSON
// v2 implementation (github.com/go-json-experiment/json): validate decodes a
// body on every request, and encoding/json's Decoder scans each body twice
// and allocates a dozen times for it. v2 is also stricter where it matters
// for an API: member names match exactly and a duplicate name is refused.
func DecodeWith(w http.ResponseWriter, r *http.Request, v any, o DecodeOptions) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") && !strings.Contains(strings.ToLower(ct), "+json") {
		return keyhouse.Errorf(keyhouse.EUNSUPPORTED, "The request body must be JSON (Content-Type: application/json).")
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer putBody(buf)
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return keyhouse.Errorf(keyhouse.ETOOLARGE, "The request body is larger than %d bytes.", MaxBodyBytes)
		}
		return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body could not be read.")
	}
	body := buf.Bytes()
	if len(bytes.TrimSpace(body)) == 0 {
		if o.AllowEmpty {
			return nil
		}
		return keyhouse.Errorf(keyhouse.EMALFORMED, "A JSON request body is required.")
	}
	if !utf8.Valid(body) {
		return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body is not valid UTF-8.")
	}
	opts := strict
	if o.AllowUnknown {
		opts = lenient
	}
	if err := jsonv2.Unmarshal(body, v, opts); err != nil {
		return decodeError(body, err)
	}
	return nil
}

var (
	strict  = jsonv2.RejectUnknownMembers(true)
	lenient = jsonv2.RejectUnknownMembers(false)
)

// bodyBuffers holds request-body buffers between requests; Unmarshal
// copies every string it keeps, so a buffer is free once it returns.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putBody(b *bytes.Buffer) {
	if b.Cap() > 64<<10 { // let the rare large body go rather than pin it
		return
	}
	b.Reset()
	bodyBuffers.Put(b)
}

func decodeError(body []byte, err error) error {
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	// doc is the body as generic JSON, which fieldPath reads. On a semantic
	// error its parse doubles as the syntax check: Unmarshal stops at the
	// first field it cannot take, before it has read the rest, and a body
	// that is not JSON at all is still 400.
	var doc any
	if errors.As(err, &sem) {
		if serr := jsonv2.Unmarshal(body, &doc); serr != nil {
			err = serr
		}
	}
	switch {
	case errors.As(err, &syn):
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			_ = jsonv2.Unmarshal(body, &doc, jsontext.AllowDuplicateNames(true))
			return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body names %q twice.", fieldPath(doc, syn.JSONPointer))
		case len(syn.JSONPointer) == 0 && strings.Contains(syn.Err.Error(), "after top-level value"):
			return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body has data after the JSON value.")
		}
		return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body is not valid JSON.")
	case errors.As(err, &sem):
		field := fieldPath(doc, sem.JSONPointer)
		if errors.Is(sem.Err, jsonv2.ErrUnknownName) {
			return keyhouse.Invalid("The request body has an unknown field.", keyhouse.FieldError{Field: field, Code: "unknown_field", Message: "is not a known field"})
		}
		if field == "" || sem.GoType == nil {
			return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body must be a JSON object.")
		}
		t := sem.GoType
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		kind := jsonKind(t.Kind().String())
		if t == timeType {
			kind = "an RFC 3339 timestamp"
		}
		return keyhouse.Invalid("A field has the wrong type.", keyhouse.FieldError{Field: field, Code: "wrong_type", Message: "must be " + kind})
	}
	return keyhouse.Errorf(keyhouse.EMALFORMED, "The request body is not valid JSON.")
}

// fieldPath turns a JSON pointer into the dotted field name the error
// bodies use ("/limit/window" → "limit.window"). Array indexes are dropped,
// so an element's error names its array ("/scopes/0" → "scopes"); which
// tokens are indexes is read from doc, the body parsed as generic JSON,
// since "0" may as well be a member's name.
func fieldPath(doc any, p jsontext.Pointer) string {
	var parts []string
	for tok := range p.Tokens() {
		switch cur := doc.(type) {
		case []any:
			doc = nil
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(cur) {
				doc = cur[i]
			}
			continue
		case map[string]any:
			doc = cur[tok]
		default:
			doc = nil
		}
		parts = append(parts, tok)
	}
	return strings.Join(parts, ".")
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
