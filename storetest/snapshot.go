package storetest

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/commercekit/pricing"
)

// set is a set of probe IDs.
type set map[string]bool

func (s set) add(ids ...string) {
	for _, id := range ids {
		s[id] = true
	}
}

func (s set) sorted() []string { return slices.Sorted(maps.Keys(s)) }

// universe is what a snapshot asks a store about: every record and index entry that a
// rule wrote, expects, or expects absent.
type universe struct {
	groups, nameKeys, customers, lists, variants, currencies, prices set
	keys                                                             map[pricing.PriceKey]bool
}

func newUniverse() *universe {
	return &universe{
		groups: set{}, nameKeys: set{}, customers: set{}, lists: set{}, variants: set{},
		currencies: set{}, prices: set{}, keys: map[pricing.PriceKey]bool{},
	}
}

// addPrice adds the probes of a price: its ID, key, list, variant and currency.
func (u *universe) addPrice(p pricing.Price) *universe {
	u.prices.add(p.ID)
	u.keys[p.Key()] = true
	if p.PriceListID != "" {
		u.lists.add(p.PriceListID)
	}
	u.variants.add(p.VariantID)
	u.currencies.add(p.CurrencyCode)
	return u
}

// notFound stands in a snapshot for a call that returned ErrNotFound.
const notFound = "<ErrNotFound>"

// snapshot maps each read call of a universe, written as Go ("Members(\"cg_1\", 0)"),
// to what it returned: two stores, or one store at two moments, hold the same data when
// their snapshots are equal.
type snapshot map[string]any

// snapshotOf takes a snapshot of s in a View.
func snapshotOf(t *testing.T, s pricing.Store, u *universe) snapshot {
	t.Helper()
	var snap snapshot
	view(t, s, func(tx pricing.Tx) { snap = snapshotTx(t, tx, u) })
	return snap
}

// snapshotTx takes a snapshot of what tx sees. Results whose order the contract leaves
// open (AppendVariantPrices) are sorted by ID.
func snapshotTx(t *testing.T, tx pricing.Tx, u *universe) snapshot {
	t.Helper()
	snap := snapshot{}
	record := func(call string, v any, err error) {
		t.Helper()
		switch {
		case err == nil:
			snap[call] = detach(v)
		case errors.Is(err, pricing.ErrNotFound):
			snap[call] = notFound
		default:
			t.Errorf("%s: unexpected error: %v", call, err)
			snap[call] = "error: " + err.Error()
		}
	}

	gs, err := collect(tx.CustomerGroups)
	record("CustomerGroups()", gs, err)
	for _, id := range u.groups.sorted() {
		g, err := tx.CustomerGroup(id)
		record(fmt.Sprintf("CustomerGroup(%q)", id), g, err)
		ms, err := collect(func(fn func(string) bool) error { return tx.Members(id, 0, fn) })
		record(fmt.Sprintf("Members(%q, 0)", id), ms, err)
		n, err := tx.CountMembers(id)
		record(fmt.Sprintf("CountMembers(%q)", id), n, err)
		lists, err := tx.AppendPriceListIDsOfGroup(nil, id)
		record(fmt.Sprintf("AppendPriceListIDsOfGroup(nil, %q)", id), nilIfEmpty(lists), err)
	}
	for _, k := range u.nameKeys.sorted() {
		id, err := tx.CustomerGroupIDByNameKey(k)
		record(fmt.Sprintf("CustomerGroupIDByNameKey(%q)", k), id, err)
	}
	for _, c := range u.customers.sorted() {
		gids, err := tx.AppendCustomerGroupIDs(nil, c)
		record(fmt.Sprintf("AppendCustomerGroupIDs(nil, %q)", c), nilIfEmpty(gids), err)
	}

	pls, err := collect(tx.PriceLists)
	record("PriceLists()", pls, err)
	for _, id := range u.lists.sorted() {
		pl, err := tx.PriceList(id)
		record(fmt.Sprintf("PriceList(%q)", id), pl, err)
		terms, err := tx.PriceListTerms(id)
		record(fmt.Sprintf("PriceListTerms(%q)", id), terms, err)
		ps, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList(id, fn) })
		record(fmt.Sprintf("PricesOfList(%q)", id), ps, err)
	}
	base, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList("", fn) })
	record(`PricesOfList("")`, base, err)

	ps, err := collect(tx.Prices)
	record("Prices()", ps, err)
	for _, id := range u.prices.sorted() {
		p, err := tx.Price(id)
		record(fmt.Sprintf("Price(%q)", id), p, err)
	}
	keys := slices.SortedFunc(maps.Keys(u.keys), func(a, b pricing.PriceKey) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	for _, k := range keys {
		id, err := tx.PriceIDByKey(k)
		record(fmt.Sprintf("PriceIDByKey(%+v)", k), id, err)
	}
	for _, v := range u.variants.sorted() {
		ps, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfVariant(v, fn) })
		record(fmt.Sprintf("PricesOfVariant(%q)", v), ps, err)
		for _, c := range u.currencies.sorted() {
			ps, err := tx.AppendVariantPrices(nil, v, c)
			slices.SortFunc(ps, func(a, b pricing.Price) int { return strings.Compare(a.ID, b.ID) })
			record(fmt.Sprintf("AppendVariantPrices(nil, %q, %q)", v, c), nilIfEmpty(ps), err)
		}
	}
	return snap
}

// detach returns a deep copy of a read's result, so that a store that wrongly shares
// its data with callers cannot change a snapshot after it was taken.
func detach(v any) any {
	switch v := v.(type) {
	case []string:
		return slices.Clone(v)
	case []pricing.Price:
		return slices.Clone(v)
	case pricing.CustomerGroup:
		return v.Clone()
	case pricing.PriceList:
		return v.Clone()
	case pricing.PriceListTerms:
		v.CustomerGroupIDs = slices.Clone(v.CustomerGroupIDs)
		return v
	case []pricing.CustomerGroup:
		out := make([]pricing.CustomerGroup, len(v))
		for i, g := range v {
			out[i] = g.Clone()
		}
		return out
	case []pricing.PriceList:
		out := make([]pricing.PriceList, len(v))
		for i, pl := range v {
			out[i] = pl.Clone()
		}
		return out
	}
	return v
}

// nilIfEmpty returns nil for an empty slice: the contract does not say whether
// appending nothing to a nil slice returns nil.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// diff describes how got differs from want, one line per call, or returns "".
func (got snapshot) diff(want snapshot) string {
	var b strings.Builder
	for _, call := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[call]
		w := want[call]
		if !ok {
			fmt.Fprintf(&b, "\n  %s: not asked", call)
		} else if !reflect.DeepEqual(g, w) {
			fmt.Fprintf(&b, "\n  %s\n    got  %#v\n    want %#v", call, g, w)
		}
	}
	return b.String()
}

// wantSame reports how got differs from want, under the rule's explanation.
func wantSame(t *testing.T, why string, got, want snapshot) {
	t.Helper()
	if d := got.diff(want); d != "" {
		t.Errorf("%s; these reads differ:%s", why, d)
	}
}
