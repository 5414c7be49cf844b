package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/commercekit/pricing"
)

// ErrorBody is the JSON body of an error response, in the shape of Medusa's errors:
// a type a program can switch on, a message for a person, and, for invalid input, each
// bad field by its path in the request's JSON ("prices[3].currency_code").
type ErrorBody struct {
	Type    string       `json:"type"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

// FieldError is one bad field of a request.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// The types of ErrorBody, one per class of error.
const (
	TypeInvalidData   = "invalid_data"     // 400: pricing.ErrInvalid
	TypeNotFound      = "not_found"        // 404: pricing.ErrNotFound
	TypeNoPrice       = "no_price"         // 404: pricing.ErrNoPrice
	TypeDuplicate     = "duplicate_error"  // 409: pricing.ErrAlreadyExists
	TypeConflict      = "conflict"         // 409: pricing.ErrConflict
	TypeUnavailable   = "unavailable"      // 503: pricing.ErrClosed, a canceled or timed-out request
	TypeUnexpected    = "unexpected_state" // 500: anything else
	internalErrorText = "internal error"
)

// Error returns the HTTP status and the body for err. Errors of no known class are 500
// with a generic message, so that a store's internals never reach a client: log err.
func Error(err error) (status int, body ErrorBody) {
	switch {
	case errors.Is(err, pricing.ErrInvalid):
		body = ErrorBody{Type: TypeInvalidData, Message: err.Error()}
		var ve *pricing.ValidationError
		var fe *pricing.FieldError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				body.Fields = append(body.Fields, FieldError{f.JSONField(), f.Reason})
			}
		} else if errors.As(err, &fe) {
			body.Fields = []FieldError{{fe.JSONField(), fe.Reason}}
		}
		return http.StatusBadRequest, body
	case errors.Is(err, pricing.ErrNotFound):
		return http.StatusNotFound, ErrorBody{Type: TypeNotFound, Message: err.Error()}
	case errors.Is(err, pricing.ErrNoPrice):
		return http.StatusNotFound, ErrorBody{Type: TypeNoPrice, Message: err.Error()}
	case errors.Is(err, pricing.ErrAlreadyExists):
		return http.StatusConflict, ErrorBody{Type: TypeDuplicate, Message: err.Error()}
	case errors.Is(err, pricing.ErrConflict):
		return http.StatusConflict, ErrorBody{Type: TypeConflict, Message: err.Error()}
	case errors.Is(err, pricing.ErrClosed), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, ErrorBody{Type: TypeUnavailable, Message: err.Error()}
	}
	return http.StatusInternalServerError, ErrorBody{Type: TypeUnexpected, Message: internalErrorText}
}

// WriteError writes the response of Error for err.
func WriteError(w http.ResponseWriter, err error) {
	status, body := Error(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
