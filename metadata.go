package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"unicode/utf8"
)

// Metadata is a JSON object: the Service keeps what a JSON round trip of the caller's
// map gives, so that every store returns the same value.

const (
	// maxMetadataBytes bounds the JSON encoding of metadata.
	maxMetadataBytes = 64 << 10
	// maxMetadataDepth bounds the nesting of objects and arrays in metadata, the
	// top-level object included.
	maxMetadataDepth = 64
)

// CloneMetadata returns a deep copy of a metadata map as the Service stores it: nested
// maps and slices are copied, other values are immutable. Nil stays nil.
func CloneMetadata(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = cloneJSONValue(v)
	}
	return out
}

func cloneJSONValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return CloneMetadata(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneJSONValue(e)
		}
		return out
	}
	return v
}

// normalizeMetadata returns m as it will be stored and returned by every store: the
// value a JSON round trip gives (numbers become float64, structs become maps), nil when
// empty. One pass of encoding/json checks every value whatever its Go type (it refuses
// cycles, channels, functions, NaN and infinities); the encoding must then be at most
// 64 KiB, nest at most 64 levels, and hold valid UTF-8 only: encoding/json would
// silently replace bad bytes with U+FFFD.
func normalizeMetadata(fe *fieldErrors, field string, m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		fe.add(field, "not encodable as JSON: "+err.Error())
		return nil
	}
	b := buf.Bytes()[:buf.Len()-1] // Encode ends with a newline
	if len(b) > maxMetadataBytes {
		fe.add(field, fmt.Sprintf("encodes to %d bytes, more than %d", len(b), maxMetadataBytes))
		return nil
	}
	if !utf8.Valid(b) { // bytes a json.Marshaler wrote as they were
		fe.add(field, "not valid UTF-8")
		return nil
	}
	depth, bad := inspectJSON(b)
	if depth > maxMetadataDepth {
		fe.add(field, fmt.Sprintf("nests %d levels deep, more than %d", depth, maxMetadataDepth))
		return nil
	}
	if bad != "" {
		fe.add(field, "not valid UTF-8 at "+bad)
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		fe.add(field, err.Error())
		return nil
	}
	return out
}

// inspectJSON walks b, compact JSON text as encoding/json writes it, and returns how
// deep its objects and arrays nest and the path (such as `tags[2].name`) of the first
// key or string in which encoding/json replaced invalid UTF-8 with the escape \ufffd
// ("" when none; a U+FFFD of the input is written as it is, not escaped).
func inspectJSON(b []byte) (depth int, badPath string) {
	var stack []jsonFrame
	expectKey := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '{', '[':
			stack = append(stack, jsonFrame{object: c == '{'})
			depth = max(depth, len(stack))
			expectKey = c == '{'
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			if top := &stack[len(stack)-1]; top.object {
				expectKey = true
			} else {
				top.index++
			}
		case '"':
			start := i + 1
			bad := false
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
					if b[i] == 'u' {
						bad = bad || string(b[i+1:i+5]) == "fffd"
						i += 4
					}
				}
			}
			if expectKey {
				stack[len(stack)-1].key = b[start:i]
			}
			if bad && badPath == "" {
				badPath = jsonPath(stack)
			}
			expectKey = false
		}
	}
	return depth, badPath
}

// jsonFrame is an object or array that inspectJSON is in.
type jsonFrame struct {
	object bool
	key    []byte // the raw key of the current member of an object
	index  int    // the index of the current element of an array
}

// jsonPath spells where the innermost of the frames is: `tags[2].name`.
func jsonPath(stack []jsonFrame) string {
	var p []byte
	for _, f := range stack {
		if !f.object {
			p = append(append(append(p, '['), strconv.Itoa(f.index)...), ']')
			continue
		}
		if len(p) > 0 {
			p = append(p, '.')
		}
		p = append(p, f.key...)
	}
	return string(p)
}

// mergeMetadata applies patch to base: keys in patch overwrite, a key whose value is ""
// is removed. Neither argument is modified. The result is nil when empty.
func mergeMetadata(base, patch map[string]any) map[string]any {
	if len(patch) == 0 {
		return CloneMetadata(base)
	}
	out := CloneMetadata(base)
	if out == nil {
		out = make(map[string]any, len(patch))
	}
	for k, v := range patch {
		if s, ok := v.(string); ok && s == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mergeMetadataChecked merges and checks that the result still fits the size limit.
func mergeMetadataChecked(base, patch map[string]any) (map[string]any, error) {
	if len(patch) == 0 {
		return base, nil
	}
	var fe fieldErrors
	m := normalizeMetadata(&fe, "Metadata", mergeMetadata(base, patch))
	return m, fe.err()
}
