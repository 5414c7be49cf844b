package memory

import (
	"context"
	"errors"
	"fmt"
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

	for id, pl := range s.lists {
		if pl.ID != id {
			fail("list %q stored under ID %q", pl.ID, id)
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

	prices := 0
	listCounts := map[string]map[*bucket]int32{}
	for k, b := range s.byVC {
		if len(b.prices) == 0 {
			fail("bucket %v: empty bucket kept", k)
		}
		if _, ok := slices.BinarySearch(s.currencies[k.variant], k.currency); !ok {
			fail("bucket %v: currency not among the variant's", k)
		}
		for i, p := range b.prices {
			if i > 0 && b.prices[i-1].ID >= p.ID {
				fail("bucket %v: prices not in ascending ID order", k)
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
