package pricing

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxIDBytes   = 255
	maxNameChars = 255
)

// checkID validates a caller-supplied ID: 1 to 255 bytes of valid UTF-8 without control
// characters.
func checkID(fe *fieldErrors, field, id string) {
	if reason := idReason(id); reason != "" {
		fe.add(field, reason)
	}
}

// idReason returns why id is not a valid caller-supplied ID, or "" when it is one.
func idReason(id string) string {
	switch {
	case id == "":
		return "required"
	case len(id) > maxIDBytes:
		return fmt.Sprintf("longer than %d bytes", maxIDBytes)
	case printableASCII(id):
		return "" // the common case, checked without decoding runes
	case !utf8.ValidString(id):
		return "not valid UTF-8"
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return "contains a control character"
	}
	return ""
}

// derivedIDSeparator joins a list's ID and a base price's ID in a derived price's ID
// (DerivedPriceID). New list and price IDs cannot contain it, so that a derived ID is
// never the ID of a stored price, nor of another derivation.
const derivedIDSeparator = "~"

// checkNewListOrPriceID validates the ID chosen for a new list or price: an ID, without
// derivedIDSeparator.
func checkNewListOrPriceID(fe *fieldErrors, field, id string) {
	if reason := idReason(id); reason != "" {
		fe.add(field, reason)
	} else if strings.Contains(id, derivedIDSeparator) {
		fe.add(field, `contains "~", which is kept for derived prices`)
	}
}

// printableASCII reports whether s has only the bytes 0x20 to 0x7E: valid UTF-8 without
// a control character.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b > 0x7e {
			return false
		}
	}
	return true
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

// NameKey returns the key under which a customer group name is unique: the trimmed name
// with every letter replaced by the smallest letter of its simple case-folding orbit, so
// that two names have the same key exactly when strings.EqualFold says they are equal.
func NameKey(name string) string {
	name = strings.TrimSpace(name)
	return strings.Map(foldRune, name)
}

// foldRune returns the smallest rune equivalent to r under simple case folding.
func foldRune(r rune) rune {
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}

// checkCurrency validates and lower-cases a currency code.
func (s *Service) checkCurrency(fe *fieldErrors, field, code string) string {
	c, reason := s.currency(code)
	if reason != "" {
		fe.add(field, reason)
	}
	return c
}

// currency returns the lower-cased code and why it is not a currency, or "" when it is
// one.
func (s *Service) currency(code string) (c, reason string) {
	if code == "" {
		return "", "required"
	}
	c = lowerASCII(code)
	if !isoCurrencies[c] && !s.currencies[c] {
		return c, fmt.Sprintf("unknown currency %q (register it with WithCurrencies)", code)
	}
	return c, ""
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
		if reason := idReason(id); reason != "" { // the field's name made only when needed
			fe.add(fmt.Sprintf("%s[%d]", field, i), reason)
		}
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
