// Package pricingtest builds pricing Services for a host application's tests, in one
// line: an in-memory store loaded from fixture files, a clock the test controls and
// deterministic IDs, so that a test's output is the same on every run.
//
//	func TestCheckout(t *testing.T) {
//		svc := pricingtest.NewService(t, "testdata/catalog.json")
//		res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, "shirt", 3)
//		...
//	}
//
// A fixture file is a snapshot (see pricing.Service.Import): an export of a real
// store, or a hand-written one, which may leave out timestamps (the clock's instant is
// used) and price IDs (generated).
package pricingtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// T0 is the instant at which the clock of New starts: 2026-01-01T00:00:00Z.
var T0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Env is a Service for a test, with its store and its clock.
type Env struct {
	Service *pricing.Service
	Store   *memory.Store
	Clock   *Clock
}

// New returns an Env: a Service over a new memory store, which is closed when the test
// ends, with a Clock at T0 and IDs "id_0001", "id_0002", ... in the order the Service
// makes them. It loads the fixture files in order and stops the test if one cannot be
// loaded. Options of the Service (pricing.WithCurrencies, say) follow the fixtures'
// options: pass them with NewWith.
func New(t testing.TB, fixtures ...string) *Env {
	t.Helper()
	return NewWith(t, nil, fixtures...)
}

// NewWith is New with more options for the Service.
func NewWith(t testing.TB, opts []pricing.Option, fixtures ...string) *Env {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	clock := NewClock(T0)
	all := append([]pricing.Option{pricing.WithClock(clock.Now), pricing.WithIDGenerator(IDs("id"))}, opts...)
	env := &Env{Service: pricing.New(st, all...), Store: st, Clock: clock}
	for _, f := range fixtures {
		env.Load(t, f)
	}
	return env
}

// NewService returns the Service of New.
func NewService(t testing.TB, fixtures ...string) *pricing.Service {
	t.Helper()
	return New(t, fixtures...).Service
}

// Load imports the fixture file at path into the Env's store, all or nothing, and
// stops the test if it cannot.
func (e *Env) Load(t testing.TB, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("pricingtest: %v", err)
	}
	defer f.Close()
	if _, err := e.Service.Import(context.Background(), f, nil); err != nil {
		t.Fatalf("pricingtest: fixture %s: %v", path, err)
	}
}

// LoadString imports a fixture given as text, as Load does a file.
func (e *Env) LoadString(t testing.TB, fixture string) {
	t.Helper()
	if _, err := e.Service.Import(context.Background(), strings.NewReader(fixture), nil); err != nil {
		t.Fatalf("pricingtest: fixture: %v", err)
	}
}

// Clock is a clock a test sets and advances. It is safe for concurrent use; pass its
// Now to pricing.WithClock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's instant.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// IDs returns an ID generator for pricing.WithIDGenerator that makes prefix_0001,
// prefix_0002, ...: deterministic, and sorted in the order they were made up to 9,999.
// It is safe for concurrent use.
func IDs(prefix string) func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("%s_%04d", prefix, n.Add(1)) }
}
