package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// requestError is a request the handler refuses before it reaches the Service: a body
// that is not JSON, too large, or of the wrong shape, or a bad query parameter.
type requestError struct {
	status int
	body   ErrorBody
}

func (e *requestError) Error() string { return e.body.Message }

// invalid returns a 400 requestError naming bad fields of the request.
func invalid(message string, fields ...FieldError) *requestError {
	return &requestError{http.StatusBadRequest, ErrorBody{Type: TypeInvalidData, Message: message, Fields: fields}}
}

// decodeBody reads the JSON body of r into v. The body must be sent as
// application/json, fit in the handler's limit (413 otherwise), hold one JSON value
// and no member that v does not have: a misspelled member is an error, not a
// silently ignored one. Errors name the member by its path in the body.
func decodeBody(r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &requestError{http.StatusUnsupportedMediaType, ErrorBody{Type: TypeInvalidData,
			Message: "the request body must be JSON, sent with Content-Type: application/json"}}
	}
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &requestError{http.StatusRequestEntityTooLarge, ErrorBody{Type: TypeInvalidData,
			Message: fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit)}}
	case err != nil:
		return invalid("reading the request body: " + err.Error())
	}
	return decodeJSON(body, v)
}

// decodeJSON decodes body, which must hold exactly one JSON value, into v, refusing
// members v does not have.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("the request body is empty; want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid(fmt.Sprintf("invalid JSON: more after the value that ends at byte %d", dec.InputOffset()))
	}
	return nil
}

// jsonError turns an error of encoding/json into a 400 that names the member, where
// the error says which.
func jsonError(body []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return invalid(fmt.Sprintf("invalid JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: ")))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("invalid JSON: the body ends inside a value")
	case errors.As(err, &typ):
		field := typePath(body, typ)
		reason := fmt.Sprintf("want %s, got %s", kindOf(typ.Type), typ.Value)
		if field == "" {
			return invalid("the request body: "+reason, FieldError{Field: "", Reason: reason})
		}
		return invalid("invalid "+field+": "+reason, FieldError{Field: field, Reason: reason})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			name = n
		}
		return invalid(fmt.Sprintf("unknown member %q in the request body", name), FieldError{Field: name, Reason: "unknown field"})
	}
	return invalid("invalid request body: " + err.Error())
}

// typePath returns the path of the member a type error is about, with the indices of
// arrays ("prices[3].amount"), found by walking body to the error's offset. An error
// whose offset is unknown (negative: see optional) has the error's own path, without
// indices.
func typePath(body []byte, e *json.UnmarshalTypeError) string {
	if e.Offset >= 0 {
		if p, ok := pathAt(body, e.Offset); ok {
			return p
		}
	}
	return e.Field
}

// pathAt returns the path of the JSON value of body that a decoder has just read when
// its offset is offset: the end of a scalar, or just past the opening bracket of an
// object or array. Members are joined with dots, array elements indexed.
func pathAt(body []byte, offset int64) (string, bool) {
	type frame struct {
		array   bool
		key     string // of an object: the member being read
		index   int    // of an array: the element being read
		wantKey bool   // of an object: the next token is a member name or '}'
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				fmt.Fprintf(&b, "[%d]", f.index)
			} else {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
		}
		return b.String()
	}
	valueDone := func() {
		if n := len(stack); n > 0 && !stack[n-1].array {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		n := len(stack)
		if n > 0 && !stack[n-1].array && stack[n-1].wantKey {
			if key, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].wantKey = key, false
				continue
			}
			stack = stack[:n-1] // '}'
			valueDone()
			continue
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			stack = stack[:n-1]
			valueDone()
			continue
		}
		// tok begins a value: a scalar, or an object or array.
		if n > 0 && stack[n-1].array {
			stack[n-1].index++
		}
		if dec.InputOffset() >= offset {
			return path(), true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{array: d == '[', index: -1, wantKey: d == '{'})
			continue
		}
		valueDone()
	}
}

// kindOf names the JSON kind that decodes into t.
func kindOf(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		if t.String() == "time.Time" {
			return "an RFC 3339 time"
		}
		return "an object"
	case reflect.Pointer:
		return kindOf(t.Elem())
	}
	return "another value"
}
