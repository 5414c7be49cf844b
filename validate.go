package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxIDBytes       = 255
	maxNameChars     = 255
	maxMetadataBytes = 64 << 10
)

// checkID validates a caller-supplied ID: 1 to 255 bytes of valid UTF-8 without control
// characters.
func checkID(fe *fieldErrors, field, id string) {
	switch {
	case id == "":
		fe.add(field, "required")
	case len(id) > maxIDBytes:
		fe.add(field, fmt.Sprintf("longer than %d bytes", maxIDBytes))
	case !utf8.ValidString(id):
		fe.add(field, "not valid UTF-8")
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		fe.add(field, "contains a control character")
	}
}

// checkOptionalID validates id when it is not empty.
func checkOptionalID(fe *fieldErrors, field, id string) {
	if id != "" {
		checkID(fe, field, id)
	}
}

// cleanName trims a name and validates it: required, at most 255 characters, valid
// UTF-8 without control characters.
func cleanName(fe *fieldErrors, field, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		fe.add(field, "required")
	case !utf8.ValidString(name):
		fe.add(field, "not valid UTF-8")
	case utf8.RuneCountInString(name) > maxNameChars:
		fe.add(field, fmt.Sprintf("longer than %d characters", maxNameChars))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		fe.add(field, "contains a control character")
	}
	return name
}

// NameKey returns the key under which a customer group name is unique: names are
// compared case-insensitively (Unicode simple case folding of the trimmed name).
func NameKey(name string) string {
	return strings.ToLower(strings.ToUpper(strings.TrimSpace(name)))
}

// normalizeMetadata returns m as it will be stored and returned by every store: the
// value a JSON round trip gives (numbers become float64, structs become maps), nil when
// empty. It reports a value that JSON cannot encode, or an encoding over 64 KiB.
func normalizeMetadata(fe *fieldErrors, field string, m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		fe.add(field, "not encodable as JSON: "+err.Error())
		return nil
	}
	if len(b) > maxMetadataBytes {
		fe.add(field, fmt.Sprintf("encodes to %d bytes, more than %d", len(b), maxMetadataBytes))
		return nil
	}
	var out map[string]any
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&out); err != nil {
		fe.add(field, err.Error())
		return nil
	}
	return out
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

// checkCurrency validates and lower-cases a currency code.
func (s *Service) checkCurrency(fe *fieldErrors, field, code string) string {
	if code == "" {
		fe.add(field, "required")
		return ""
	}
	c := lowerASCII(code)
	if !isoCurrencies[c] && !s.currencies[c] {
		fe.add(field, fmt.Sprintf("unknown currency %q (register it with WithCurrencies)", code))
	}
	return c
}

// lowerASCII lower-cases s, without allocating when s has no upper-case ASCII letter.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// foldIDs validates a set of IDs and returns it sorted without duplicates, as a new slice.
func foldIDs(fe *fieldErrors, field string, ids []string) []string {
	for i, id := range ids {
		checkID(fe, fmt.Sprintf("%s[%d]", field, i), id)
	}
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func checkPage(fe *fieldErrors, limit, offset int) {
	if limit < 0 {
		fe.add("Limit", "negative")
	}
	if offset < 0 {
		fe.add("Offset", "negative")
	}
}
