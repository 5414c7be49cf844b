package pricing_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/memory"
	"github.com/commercekit/pricing/replica"
	"github.com/commercekit/pricing/storetest"
)

// t0 is the fixed instant of the test clocks: the benchmark's T0.
var t0 = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// seqIDs returns a deterministic ID generator: prefix_001, prefix_002, ...
func seqIDs(prefix string) func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("%s_%03d", prefix, n.Add(1)) }
}

// testClock is a clock the test sets and advances; safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testStore opens new, empty stores of one kind for tests that run on every store.
type testStore struct {
	name string
	open func(t testing.TB) pricing.Store
	// journal says that the store keeps a journal (pricing.Journal): the tests of
	// revisions, of the change feed and of the lowest prior price run on it.
	journal bool
}

// testStores are the stores every resolution test runs on: the rules live in the
// Service, so every store must give the same answers. "candidates" is the memory store
// read through the pricing.CandidateReader path of the resolver.
var testStores = []testStore{
	{"memory", func(t testing.TB) pricing.Store {
		st := memory.New()
		t.Cleanup(func() { _ = st.Close() })
		return st
	}, true},
	{"bolt", func(t testing.TB) pricing.Store {
		st, err := bolt.Open(filepath.Join(t.TempDir(), "pricing.db"), &bolt.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}, true},
	{"candidates", func(t testing.TB) pricing.Store {
		st := memory.New()
		t.Cleanup(func() { _ = st.Close() })
		return storetest.WithCandidateReader(st)
	}, false},
	{"replica", func(t testing.TB) pricing.Store {
		src := memory.New()
		rep, err := replica.New(context.Background(), src, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = rep.Close(); _ = src.Close() })
		return rep
	}, true},
}

// onJournalStores runs fn in a subtest on a new, empty store of each kind of
// testStores that keeps a journal.
func onJournalStores(t *testing.T, fn func(t *testing.T, st pricing.Store)) {
	t.Helper()
	for _, ts := range testStores {
		if !ts.journal {
			continue
		}
		t.Run(ts.name, func(t *testing.T) {
			st := ts.open(t)
			if _, ok := st.(pricing.Journal); !ok {
				t.Fatalf("the %s store is not a pricing.Journal", ts.name)
			}
			fn(t, st)
		})
	}
}

// newService returns a Service over a fresh memory store with a fixed clock at t0 and
// sequential IDs ("id_001", ...).
func newService(t testing.TB) (*pricing.Service, *memory.Store) {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	return pricing.New(st, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id"))), st
}

// newServiceClock is newService with a clock the test controls.
func newServiceClock(t testing.TB) (*pricing.Service, *testClock) {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	clk := newClock(t0)
	return pricing.New(st, pricing.WithClock(clk.Now), pricing.WithIDGenerator(seqIDs("id"))), clk
}

// must fails the test at once on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// must1 returns v, failing the test at once on err.
func must1[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// dump is everything a store holds, read through one View.
type dump struct {
	Groups  []pricing.CustomerGroup
	Members map[string][]string // group ID → customer IDs
	Lists   []pricing.PriceList
	Prices  []pricing.Price
	ByGroup map[string][]string // group ID → IDs of the lists that name it
}

// withoutRevisions returns d with the revisions of its records zeroed, to compare the
// records of two stores, whose journals differ.
func withoutRevisions(d dump) dump {
	d.Groups, d.Lists, d.Prices = slices.Clone(d.Groups), slices.Clone(d.Lists), slices.Clone(d.Prices)
	for i := range d.Groups {
		d.Groups[i].Revision = 0
	}
	for i := range d.Lists {
		d.Lists[i].Revision = 0
	}
	for i := range d.Prices {
		d.Prices[i].Revision = 0
	}
	return d
}

func dumpStore(t testing.TB, st pricing.Store) dump {
	t.Helper()
	d := dump{Members: map[string][]string{}, ByGroup: map[string][]string{}}
	err := st.View(context.Background(), func(tx pricing.Tx) error {
		if err := tx.CustomerGroups(func(g pricing.CustomerGroup) bool {
			d.Groups = append(d.Groups, g)
			return true
		}); err != nil {
			return err
		}
		for _, g := range d.Groups {
			var ids []string
			if err := tx.Members(g.ID, 0, func(id string) bool {
				ids = append(ids, id)
				return true
			}); err != nil {
				return err
			}
			d.Members[g.ID] = ids
			lists, err := tx.AppendPriceListIDsOfGroup(nil, g.ID)
			if err != nil {
				return err
			}
			d.ByGroup[g.ID] = lists
		}
		if err := tx.PriceLists(func(pl pricing.PriceList) bool {
			d.Lists = append(d.Lists, pl)
			return true
		}); err != nil {
			return err
		}
		return tx.Prices(func(p pricing.Price) bool {
			d.Prices = append(d.Prices, p)
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fieldsOf returns the Field of every FieldError in err.
func fieldsOf(err error) []string {
	var ve *pricing.ValidationError
	if errors.As(err, &ve) {
		var out []string
		for _, f := range ve.Fields {
			out = append(out, f.Field)
		}
		return out
	}
	var fe *pricing.FieldError
	if errors.As(err, &fe) {
		return []string{fe.Field}
	}
	return nil
}

// wantInvalid checks that err matches ErrInvalid, is or holds a FieldError for field,
// and names the field in its message.
func wantInvalid(t testing.TB, err error, field string) {
	t.Helper()
	if !errors.Is(err, pricing.ErrInvalid) {
		t.Fatalf("err = %v, want one matching ErrInvalid for %s", err, field)
	}
	if fields := fieldsOf(err); !slices.Contains(fields, field) {
		t.Fatalf("err = %v: FieldError fields %q, want %q among them", err, fields, field)
	}
	var fe *pricing.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("errors.As(%v, *FieldError) = false", err)
	}
	if msg := err.Error(); !strings.Contains(msg, field) {
		t.Fatalf("message %q does not name the field %s", msg, field)
	}
}

// deepEqual reports a difference between got and want.
func deepEqual(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

// countingStore wraps a Store and counts the calls of Tx.AppendCustomerGroupIDs.
type countingStore struct {
	pricing.Store
	groupLookups atomic.Int64
}

type countingTx struct {
	pricing.Tx
	s *countingStore
}

func (s *countingStore) View(ctx context.Context, fn func(pricing.Tx) error) error {
	return s.Store.View(ctx, func(tx pricing.Tx) error { return fn(countingTx{tx, s}) })
}

func (s *countingStore) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	return s.Store.Update(ctx, func(tx pricing.Tx) error { return fn(countingTx{tx, s}) })
}

func (tx countingTx) AppendCustomerGroupIDs(dst []string, customerID string) ([]string, error) {
	tx.s.groupLookups.Add(1)
	return tx.Tx.AppendCustomerGroupIDs(dst, customerID)
}

var _ pricing.Store = (*countingStore)(nil)

// mustPage returns the page of a List call, failing the test at once on err.
func mustPage[T any](t testing.TB) func(items []T, total int, err error) []T {
	return func(items []T, _ int, err error) []T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
}

// must2 returns v and w, failing the test at once on err.
func must2[T, U any](t testing.TB) func(v T, w U, err error) (T, U) {
	return func(v T, w U, err error) (T, U) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v, w
	}
}
