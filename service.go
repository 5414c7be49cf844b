package pricing

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Service applies the pricing rules over a Store. It is safe for concurrent use; it
// holds no state of its own beyond its options.
type Service struct {
	store      Store
	now        func() time.Time
	newID      func() string
	currencies map[string]bool
	retention  time.Duration
	lastTrim   atomic.Int64 // the clock's Unix nanoseconds at the last trim of the journal
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock that stamps CreatedAt and UpdatedAt and that a Query with a
// zero At resolves at. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// WithIDGenerator sets the function that makes the IDs of new groups, lists and prices
// when the caller gives none. Default: UUID version 7, canonical text form.
func WithIDGenerator(newID func() string) Option {
	return func(s *Service) { s.newID = newID }
}

// WithCurrencies registers currency codes beyond ISO 4217 (for example loyalty points),
// compared case-insensitively. Codes must be 1 to 16 ASCII letters or digits; others are
// ignored.
func WithCurrencies(codes ...string) Option {
	return func(s *Service) {
		for _, c := range codes {
			if c = strings.ToLower(c); validCurrencyShape(c) {
				s.currencies[c] = true
			}
		}
	}
}

// New returns a Service over store.
func New(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, newID: newUUID, currencies: map[string]bool{}, retention: DefaultRetention}
	for _, o := range opts {
		o(s)
	}
	return s
}

func newUUID() string { return uuid.Must(uuid.NewV7()).String() }

// clock returns the service's now in UTC without a monotonic reading.
func (s *Service) clock() time.Time { return s.now().UTC() }

func validCurrencyShape(c string) bool {
	if len(c) == 0 || len(c) > 16 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if b := c[i]; !('a' <= b && b <= 'z' || '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}
