package pricing

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error the Service and the stores return that falls into one of
// these classes wraps the sentinel, so callers match with errors.Is, never by message.
// The Service's own errors carry one message that names the record, such as
// `pricing: customer group "vip" not found`, and unwrap to the sentinel.
var (
	// ErrNotFound reports that a customer group, price list or price does not exist.
	ErrNotFound = errors.New("pricing: not found")
	// ErrAlreadyExists reports that an ID, a group name or a price key is already taken:
	// by another record of the same kind, or, for a price ID, by a price of another
	// list or variant.
	ErrAlreadyExists = errors.New("pricing: already exists")
	// ErrInvalid reports bad input. The error names each bad field; see FieldError.
	ErrInvalid = errors.New("pricing: invalid input")
	// ErrConflict reports an operation refused because of the state of other records,
	// such as deleting a customer group that a price list still names.
	ErrConflict = errors.New("pricing: conflict")
	// ErrNoPrice reports that no price applies to the item of a Resolve call.
	ErrNoPrice = errors.New("pricing: no price")
	// ErrClosed reports use of a Store after Close.
	ErrClosed = errors.New("pricing: store closed")
)

// recordError is an error of the Service about a record: its message says what went
// wrong in full, and it matches its sentinel with errors.Is.
type recordError struct {
	msg      string
	sentinel error
}

func (e *recordError) Error() string { return e.msg }
func (e *recordError) Unwrap() error { return e.sentinel }

// errorf returns an error matching sentinel whose message is "pricing: " and the
// formatted text, so that the sentinel's own text is not repeated.
func errorf(sentinel error, format string, args ...any) error {
	return &recordError{msg: "pricing: " + fmt.Sprintf(format, args...), sentinel: sentinel}
}

// FieldError reports one invalid input field. It matches ErrInvalid with errors.Is.
// Field is the path of the field in the input, in Go syntax: "Name",
// "Prices[3].CurrencyCode", "Items[0].Quantity".
type FieldError struct {
	Field  string
	Reason string
}

// Error returns "pricing: invalid FIELD: REASON".
func (e *FieldError) Error() string {
	return "pricing: invalid " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// fieldErrors collects the FieldErrors of one validation pass.
type fieldErrors []*FieldError

func (fe *fieldErrors) add(field, reason string) {
	*fe = append(*fe, &FieldError{Field: field, Reason: reason})
}

// err returns nil, the single FieldError, or a ValidationError holding them all.
func (fe fieldErrors) err() error {
	switch len(fe) {
	case 0:
		return nil
	case 1:
		return fe[0]
	}
	return &ValidationError{Fields: fe}
}

// ValidationError reports several invalid fields at once. It matches ErrInvalid with
// errors.Is, and errors.As finds each of its FieldErrors.
type ValidationError struct {
	Fields []*FieldError
}

// Error lists every bad field.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("pricing: invalid input: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Reason)
	}
	return b.String()
}

// Unwrap returns the FieldErrors, so that errors.Is and errors.As see each of them.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Fields))
	for i, f := range e.Fields {
		errs[i] = f
	}
	return errs
}
