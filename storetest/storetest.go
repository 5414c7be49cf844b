// Package storetest is the conformance suite of pricing.Store: it checks that an
// implementation keeps every rule of the contract documented on pricing.Store and
// pricing.Tx, so that the pricing.Service behaves the same on every store.
//
// A store package runs the whole suite from a one-line test. The function it passes
// returns a new, empty store; the suite calls it once per subtest (sometimes twice, to
// compare a store with a model of the expected state) and closes every store it gets
// when the subtest ends:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) pricing.Store {
//			s, err := bolt.Open(filepath.Join(t.TempDir(), "pricing.db"), nil)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// Every rule is one subtest, named after the part of the contract it checks (for
// example "Price/KeyUnique" or "Update/RollbackOnPanic"), so `go test -run` selects
// rules, and every failure message says which rule broke and how. The suite exercises
// the store directly, below the Service: it writes what the Service would write (IDs,
// ascending audiences, name keys, UTC timestamps without monotonic reading, JSON-normal
// metadata with nil for none) and checks what the store gives back.
//
// What the suite checks:
//   - round trips of groups, price lists and prices, compared with reflect.DeepEqual;
//   - ErrNotFound from every getter and every delete, ErrAlreadyExists for a name key
//     or price key held by another record, and no change after a refused write;
//   - the indexes: name keys, memberships both ways, the audience index, the price key
//     and the variant-and-currency index, kept right through replace and delete;
//   - the order of every iteration method and its early stop;
//   - transactions: reads see the same transaction's writes, an Update whose fn fails or
//     panics leaves no trace, a View cannot write, cancelled contexts and Close;
//   - copies: the store never shares a map or slice with its caller, except the
//     documented read-only CustomerGroupIDs of PriceListTerms;
//   - isolation under concurrent readers and writers (meaningful under -race);
//   - the optional pricing.CandidateReader, when the store has it: it reads what the
//     Tx methods read, in one consistent snapshot;
//   - the optional pricing.AdjustedLister, when the store's Tx has it: exactly the lists
//     with an adjustment;
//   - the optional pricing.PriceListOrderer, when the store's Tx has it: the lists in
//     every order of a listing, ties by ID, resumed after any position, through writes
//     and rollbacks, and their heads and count;
//   - the optional pricing.MemberPager, when the store's Tx has it: a group's customers
//     after any ID, as Members gives them;
//   - the optional pricing.Journal, when the store has it: dense revisions in commit
//     order under concurrent writers, one entry per Update, exact round trips, reads by
//     revision and key, waiting, trimming, and the revisions of the records (which a
//     store without a journal need not keep).
//
// The contract leaves some cases open, and the suite does not test them: references
// between records (a membership of an unknown group, a price of an unknown list), and
// whether an empty, non-nil map or slice comes back nil.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/commercekit/pricing"
)

// Run runs the conformance suite against the stores that newStore returns. newStore
// must return a new, empty store each time it is called; it may call t.Fatal and
// register its own cleanups. Run closes every store at the end of the subtest that
// opened it.
func Run(t *testing.T, newStore func(t *testing.T) pricing.Store) {
	t.Helper()
	open := func(t *testing.T) pricing.Store {
		t.Helper()
		s := newStore(t)
		if s == nil {
			t.Fatal("storetest: newStore returned a nil store")
		}
		t.Cleanup(func() {
			// A subtest may have closed the store already; Close again returns nil.
			if err := s.Close(); err != nil && !errors.Is(err, pricing.ErrClosed) {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	for _, g := range suite {
		t.Run(g.name, func(t *testing.T) {
			for _, r := range g.rules {
				t.Run(r.name, func(t *testing.T) { r.test(t, open) })
			}
		})
	}
}

// opener returns a new, empty store that is closed when t ends.
type opener func(t *testing.T) pricing.Store

// rule is one subtest: one rule of the contract.
type rule struct {
	name string
	test func(t *testing.T, open opener)
}

// suite is every rule, by part of the contract.
var suite = []struct {
	name  string
	rules []rule
}{
	{"CustomerGroup", groupRules},
	{"Members", memberRules},
	{"PriceList", listRules},
	{"Price", priceRules},
	{"Iteration", iterationRules},
	{"Update", updateRules},
	{"View", viewRules},
	{"Copies", copyRules},
	{"Concurrency", concurrencyRules},
	{"Context", contextRules},
	{"Close", closeRules},
	{"CandidateReader", candidateRules},
	{"Journal", journalRules},
	{"AdjustedLister", adjustedRules},
	{"PriceListOrderer", orderedRules},
	{"MemberPager", memberPagerRules},
}

// op is one write, named for error messages.
type op struct {
	name string
	do   func(pricing.Tx) error
}

func putGroup(g pricing.CustomerGroup, nameKey string) op {
	return op{fmt.Sprintf("PutCustomerGroup(%q, %q)", g.ID, nameKey), func(tx pricing.Tx) error { return tx.PutCustomerGroup(g, nameKey) }}
}

func deleteGroup(id string) op {
	return op{fmt.Sprintf("DeleteCustomerGroup(%q)", id), func(tx pricing.Tx) error { return tx.DeleteCustomerGroup(id) }}
}

func addMember(groupID, customerID string) op {
	return op{fmt.Sprintf("AddMember(%q, %q)", groupID, customerID), func(tx pricing.Tx) error { return tx.AddMember(groupID, customerID) }}
}

func removeMember(groupID, customerID string) op {
	return op{fmt.Sprintf("RemoveMember(%q, %q)", groupID, customerID), func(tx pricing.Tx) error { return tx.RemoveMember(groupID, customerID) }}
}

func putList(pl pricing.PriceList) op {
	return op{fmt.Sprintf("PutPriceList(%q)", pl.ID), func(tx pricing.Tx) error { return tx.PutPriceList(pl) }}
}

func deleteList(id string) op {
	return op{fmt.Sprintf("DeletePriceList(%q)", id), func(tx pricing.Tx) error { return tx.DeletePriceList(id) }}
}

func putPrice(p pricing.Price) op {
	return op{fmt.Sprintf("PutPrice(%q)", p.ID), func(tx pricing.Tx) error { return tx.PutPrice(p) }}
}

func deletePrice(id string) op {
	return op{fmt.Sprintf("DeletePrice(%q)", id), func(tx pricing.Tx) error { return tx.DeletePrice(id) }}
}

// apply runs ops in order and returns the first error, naming its op.
func apply(tx pricing.Tx, ops ...op) error {
	for _, o := range ops {
		if err := o.do(tx); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
	}
	return nil
}

// write runs ops in one Update and stops the test if it fails.
func write(t *testing.T, s pricing.Store, ops ...op) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx pricing.Tx) error { return apply(tx, ops...) }); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a View and stops the test if View fails. fn reports with t.Errorf.
func view(t *testing.T, s pricing.Store, fn func(tx pricing.Tx)) {
	t.Helper()
	if err := s.View(t.Context(), func(tx pricing.Tx) error { fn(tx); return nil }); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// update runs fn in an Update that commits and stops the test if Update fails.
func update(t *testing.T, s pricing.Store, fn func(tx pricing.Tx)) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx pricing.Tx) error { fn(tx); return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// wantErr reports unless err wraps target.
func wantErr(t *testing.T, call string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one wrapping %v", call, err, target)
	}
}

// wantNoErr reports a non-nil err.
func wantNoErr(t *testing.T, call string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: unexpected error: %v", call, err)
	}
}

// wantEqual reports unless got and want are reflect.DeepEqual.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

// collect gathers what an iteration method yields.
func collect[T any](iter func(func(T) bool) error) ([]T, error) {
	var out []T
	err := iter(func(v T) bool { out = append(out, v); return true })
	return out, err
}

// ids returns the IDs of records, in order.
func ids[T any](recs []T, id func(T) string) []string {
	var out []string
	for _, r := range recs {
		out = append(out, id(r))
	}
	return out
}

func priceID(p pricing.Price) string { return p.ID }
