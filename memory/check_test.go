package memory

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/storetest"
)

// TestConformanceChecked runs the conformance suite on stores that check every index
// against the records after each Update, committed, failed or panicked, and at Close:
// it catches what the suite cannot see through the Tx methods, such as an index entry
// left behind.
func TestConformanceChecked(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pricing.Store { return &checkedStore{New(), t} })
}

// checkedStore is a Store that checks its state after each Update and before Close.
type checkedStore struct {
	*Store
	t *testing.T
}

func (c *checkedStore) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	defer c.check("after Update")
	return c.Store.Update(ctx, fn)
}

func (c *checkedStore) Close() error {
	c.check("at Close")
	return c.Store.Close()
}

func (c *checkedStore) check(when string) {
	c.Store.mu.RLock()
	defer c.Store.mu.RUnlock()
	if c.Store.closed {
		return
	}
	if len(c.Store.w.undo) != 0 || len(c.Store.w.oldPrices) != 0 {
		c.t.Errorf("%s: the undo log was not reset", when)
	}
	if err := c.Store.st.check(); err != nil {
		c.t.Errorf("%s: inconsistent state:\n%v", when, err)
	}
}

// check reports every way in which the indexes disagree with the records.
func (s *state) check() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for id, rec := range s.groups {
		if rec.g.ID != id {
			fail("group %q stored under ID %q", rec.g.ID, id)
		}
		if s.groupByName[rec.nameKey] != id {
			fail("group %q: name key %q names %q", id, rec.nameKey, s.groupByName[rec.nameKey])
		}
	}
	for key, id := range s.groupByName {
		if rec := s.groups[id]; rec == nil || rec.nameKey != key {
			fail("name key %q names group %q, which does not hold it", key, id)
		}
	}

	memberships := 0
	for g, m := range s.members {
		if len(m.ids) == 0 {
			fail("group %q: empty member set kept", g)
		}
		for c := range m.ids {
			if _, ok := slices.BinarySearch(s.groupsOf[c], g); !ok {
				fail("customer %q is a member of %q, which is not among its groups", c, g)
			}
		}
		if p := m.sorted.Load(); p != nil && (len(*p) != len(m.ids) || !slices.IsSorted(*p)) {
			fail("group %q: stale member cache", g)
		}
		memberships += len(m.ids)
	}
	for c, gs := range s.groupsOf {
		if len(gs) == 0 || !strictlySorted(gs) {
			fail("customer %q: groups %q not a non-empty ascending set", c, gs)
		}
		for _, g := range gs {
			if m := s.members[g]; m == nil {
				fail("customer %q: group %q has no members", c, g)
			} else if _, ok := m.ids[c]; !ok {
				fail("customer %q: not a member of its group %q", c, g)
			}
		}
		memberships -= len(gs)
	}
	if memberships != 0 {
		fail("memberships counted both ways differ by %d", memberships)
	}

	if len(s.heads) != len(s.lists) {
		fail("%d list heads for %d lists", len(s.heads), len(s.lists))
	}
	if o := s.orders.Load(); o != nil {
		for _, field := range orderFields {
			es := *o.by(field)
			if len(es) != len(s.lists) {
				fail("order %s: %d entries for %d lists", field, len(es), len(s.lists))
			}
			for i, e := range es {
				if s.heads[e.h.ID] != e {
					fail("order %s: entry %d of list %q is not its head", field, i, e.h.ID)
				}
				if p := e.position(field); i > 0 && compareEntry(field, es[i-1], &p) >= 0 {
					fail("order %s: entries %d and %d out of order", field, i-1, i)
				}
			}
		}
	}
	for id, pl := range s.lists {
		if pl.ID != id {
			fail("list %q stored under ID %q", pl.ID, id)
		}
		if e := s.heads[id]; e == nil || !reflect.DeepEqual(e.h, pl.Head()) || e.nameKey != pricing.NameOrderKey(pl.Name) {
			fail("list %q: stale head", id)
		}
		if !strictlySorted(pl.CustomerGroupIDs) {
			fail("list %q: audience %q not ascending", id, pl.CustomerGroupIDs)
		}
		for _, g := range pl.CustomerGroupIDs {
			if _, ok := s.listsOfGroup[g][id]; !ok {
				fail("list %q: group %q does not index it", id, g)
			}
		}
	}
	for g, set := range s.listsOfGroup {
		if len(set) == 0 {
			fail("group %q: empty list set kept", g)
		}
		for id := range set {
			if pl := s.lists[id]; pl == nil || !slices.Contains(pl.CustomerGroupIDs, g) {
				fail("group %q indexes list %q, which does not name it", g, id)
			}
		}
	}

	var adjusted []string
	for id, pl := range s.lists {
		if pl.Adjustment != nil {
			adjusted = append(adjusted, id)
		}
	}
	slices.Sort(adjusted)
	if !slices.Equal(adjusted, s.adjusted) {
		fail("adjusted lists %q, lists with an adjustment %q", s.adjusted, adjusted)
	}

	prices := 0
	listCounts := map[string]map[*bucket]int32{}
	for k, b := range s.byVC {
		if len(b.prices) == 0 {
			fail("bucket %v: empty bucket kept", k)
		}
		if _, ok := slices.BinarySearch(s.currencies[k.variant], k.currency); !ok {
			fail("bucket %v: currency not among the variant's", k)
		}
		if b.byID != nil && (len(b.byID) != len(b.prices) || len(b.byKey) != len(b.prices)) {
			fail("bucket %v: %d prices, %d in its ID index, %d in its key index", k, len(b.prices), len(b.byID), len(b.byKey))
		}
		if b.byID == nil && len(b.prices) > smallBucket {
			fail("bucket %v: %d prices and no index", k, len(b.prices))
		}
		for i, p := range b.prices {
			if j, ok := b.index(p.ID); !ok || j != i {
				fail("price %q: found at %d, %v, not %d", p.ID, j, ok, i)
			}
			if p.VariantID != k.variant || p.CurrencyCode != k.currency {
				fail("price %q in bucket %v", p.ID, k)
			}
			if s.prices[p.ID] != b {
				fail("price %q: the ID index does not point to its bucket", p.ID)
			}
			key := p.Key()
			if j := b.find(&key); j != i {
				fail("price %q: key %+v found at %d, not %d", p.ID, key, j, i)
			}
			if listCounts[p.PriceListID] == nil {
				listCounts[p.PriceListID] = map[*bucket]int32{}
			}
			listCounts[p.PriceListID][b]++
			prices++
		}
	}
	if prices != len(s.prices) {
		fail("%d prices in buckets, %d in the ID index", prices, len(s.prices))
	}
	for v, cs := range s.currencies {
		if len(cs) == 0 || !strictlySorted(cs) {
			fail("variant %q: currencies %q not a non-empty ascending set", v, cs)
		}
		for _, c := range cs {
			if s.byVC[vcKey{v, c}] == nil {
				fail("variant %q: currency %q has no bucket", v, c)
			}
		}
	}
	for list, set := range s.byList {
		if len(set) == 0 {
			fail("list %q: empty bucket set kept", list)
		}
		for b, n := range set {
			if listCounts[list][b] != n {
				fail("list %q: counts %d prices in a bucket that holds %d of them", list, n, listCounts[list][b])
			}
		}
		if len(set) != len(listCounts[list]) {
			fail("list %q: indexes %d buckets, its prices are in %d", list, len(set), len(listCounts[list]))
		}
	}
	for list := range listCounts {
		if s.byList[list] == nil {
			fail("list %q: prices not indexed by list", list)
		}
	}
	// The journal's key index: every key of every entry, with the span of its items.
	want := map[string][]keyRef{}
	for _, e := range s.j.entries {
		for i, it := range e.Items {
			refs := want[it.Key]
			if n := len(refs); n > 0 && refs[n-1].rev == e.Revision {
				refs[n-1].last = int32(i)
				continue
			}
			want[it.Key] = append(refs, keyRef{e.Revision, int32(i), int32(i)})
		}
	}
	if len(want) != len(s.j.byKey) {
		fail("journal: %d keys indexed, its entries have %d", len(s.j.byKey), len(want))
	}
	for key, refs := range want {
		if !slices.Equal(s.j.byKey[key], refs) {
			fail("journal: key %q indexed as %v, its entries give %v", key, s.j.byKey[key], refs)
		}
	}
	return errors.Join(errs...)
}

func strictlySorted(ids []string) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			return false
		}
	}
	return true
}

// A bucket that grows past smallBucket indexes its prices; every write keeps the
// indexes right, rollbacks included, with caller IDs in any order.
func TestLargeBucket(t *testing.T) {
	ctx := context.Background()
	st := &checkedStore{New(), t}
	svc := pricing.New(st)
	if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "tiers", Status: pricing.Active}); err != nil {
		t.Fatal(err)
	}
	tier := func(id string, min, amount int64) pricing.PriceInput {
		return pricing.PriceInput{ID: id, VariantID: "v", CurrencyCode: "usd", MinQuantity: min, Amount: amount}
	}
	// 200 tiers, IDs in descending order, base prices of the same variant and currency
	// in the same bucket.
	var in []pricing.PriceInput
	for i := range 200 {
		in = append(in, tier(fmt.Sprintf("p%03d", 199-i), int64(i+1), int64(10000-i)))
	}
	if _, err := svc.AddPrices(ctx, "pl", in, false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetBasePrices(ctx, "v", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 20000}}); err != nil {
		t.Fatal(err)
	}
	// Move ten prices to new keys by ID, update ten by key, delete ten, fail one Update.
	var moves, updates []pricing.PriceInput
	for i := range 10 {
		moves = append(moves, tier(fmt.Sprintf("p%03d", i), int64(1000+i), 5))
		updates = append(updates, tier("", int64(100+i), 7))
	}
	if _, err := svc.AddPrices(ctx, "pl", append(moves, updates...), false); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeletePrices(ctx, "pl", []string{"p150", "p151", "p152", "p153", "p154", "p155", "p156", "p157", "p158", "p159"}); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("fail")
	err := st.Update(ctx, func(tx pricing.Tx) error {
		for i := range 50 {
			if err := tx.DeletePrice(fmt.Sprintf("p%03d", 20+i)); err != nil {
				return err
			}
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Update: %v", err)
	}
	prices, total, err := svc.ListPrices(ctx, pricing.PriceFilter{PriceListID: "pl"})
	if err != nil || total != 190 {
		t.Fatalf("ListPrices: %d prices, %v; want 190", total, err)
	}
	byID := map[string]pricing.Price{}
	for _, p := range prices {
		byID[p.ID] = p
	}
	if p := byID["p003"]; p.MinQuantity != 1003 || p.Amount != 5 {
		t.Errorf("moved price p003: %+v", p)
	}
	if p := byID["p099"]; p.MinQuantity != 101 || p.Amount != 7 {
		t.Errorf("price p099, updated by its key (min 101): %+v", p)
	}
	res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd"}, "v", 1001)
	if err != nil || res.CalculatedAmount != 5 {
		t.Errorf("Resolve at 1001: %+v, %v; want 5", res, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
