package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// orderedRules check the optional capability pricing.PriceListOrderer of a store's
// transactions: each skips a store whose Tx does not have it.
var orderedRules = []rule{
	{"Orders", testOrderedOrders},
	{"Writes", testOrderedWrites},
}

// listOrders are the orders of a listing.
var listOrders = []string{"created_at", "-created_at", "updated_at", "-updated_at", "name", "-name"}

// orderer returns the Tx's PriceListOrderer, or skips the rule.
func orderer(t *testing.T, tx pricing.Tx) pricing.PriceListOrderer {
	t.Helper()
	lo, ok := tx.(pricing.PriceListOrderer)
	if !ok {
		t.Skip("the store's Tx is not a pricing.PriceListOrderer")
	}
	return lo
}

// orderedLists returns n lists with IDs of the prefix with many ties: few distinct
// creation and update times, and names that differ only in case. A third of them name
// the group cg_1, which the caller creates.
func orderedLists(rng *rand.Rand, prefix string, n int) []pricing.PriceList {
	names := []string{"Alpha", "alpha", "ALPHA", "beta", "Beta 2", "Été", "été", "zeta", "Zeta", "a"}
	pls := make([]pricing.PriceList, n)
	for i := range pls {
		pls[i] = pricing.PriceList{
			ID: fmt.Sprintf("%s_%d", prefix, rng.IntN(1000)*1000+i), Name: names[rng.IntN(len(names))],
			Type: pricing.Sale, Status: pricing.Active,
			CreatedAt: t0.Add(time.Duration(rng.IntN(5)) * time.Second),
			UpdatedAt: t0.Add(time.Duration(rng.IntN(5)) * time.Nanosecond),
		}
		if i%3 == 0 {
			pls[i].CustomerGroupIDs = []string{"cg_1"}
			pls[i].CustomerIDs = []string{"cus_1"}
			pls[i].ChannelIDs = []string{"ch_1"}
			pls[i].EndsAt = t0.Add(time.Hour)
			pls[i].Adjustment = &pricing.Adjustment{Percent: -5, Rounding: pricing.RoundHalfUp}
		}
	}
	return pls
}

// positionIn returns the position of pl in order.
func positionIn(order string, pl pricing.PriceList) pricing.ListPosition {
	switch strings.TrimPrefix(order, "-") {
	case "created_at":
		return pricing.ListPosition{Time: pl.CreatedAt, ID: pl.ID}
	case "updated_at":
		return pricing.ListPosition{Time: pl.UpdatedAt, ID: pl.ID}
	}
	return pricing.ListPosition{Name: pricing.NameOrderKey(pl.Name), ID: pl.ID}
}

// comparePositionsIn compares two positions in order.
func comparePositionsIn(order string, a, b pricing.ListPosition) int {
	field, desc := strings.CutPrefix(order, "-")
	var c int
	if field == "name" {
		c = strings.Compare(a.Name, b.Name)
	} else {
		c = a.Time.Compare(b.Time)
	}
	if c == 0 {
		c = strings.Compare(a.ID, b.ID)
	}
	if desc {
		c = -c
	}
	return c
}

// sortedIn returns the IDs of pls in order.
func sortedIn(order string, pls []pricing.PriceList) []string {
	pls = slices.Clone(pls)
	slices.SortFunc(pls, func(a, b pricing.PriceList) int {
		return comparePositionsIn(order, positionIn(order, a), positionIn(order, b))
	})
	return ids(pls, func(pl pricing.PriceList) string { return pl.ID })
}

// walk returns the IDs that PriceListsInOrder gives, checking each head against the
// lists by ID.
func walk(t *testing.T, lo pricing.PriceListOrderer, order string, after *pricing.ListPosition, byID map[string]pricing.PriceList) []string {
	t.Helper()
	got := []string{}
	err := lo.PriceListsInOrder(order, after, func(h *pricing.PriceListHead) bool {
		got = append(got, h.ID)
		if pl, ok := byID[h.ID]; ok {
			wantEqual(t, fmt.Sprintf("the head of %s in the order %q", h.ID, order), normalHead(*h), normalHead(pl.Head()))
		}
		return true
	})
	wantNoErr(t, fmt.Sprintf("PriceListsInOrder(%q)", order), err)
	return got
}

// normalHead returns h with nil for empty slices, which the contract leaves open.
func normalHead(h pricing.PriceListHead) pricing.PriceListHead {
	h.CustomerGroupIDs, h.CustomerIDs, h.ChannelIDs = nilIfEmpty(h.CustomerGroupIDs), nilIfEmpty(h.CustomerIDs), nilIfEmpty(h.ChannelIDs)
	return h
}

// checkOrders checks every order of the Tx's lists, from the start and after every
// position of a list and between lists, its early stop, the heads and the count,
// against pls, which are every list of the store.
func checkOrders(t *testing.T, tx pricing.Tx, pls []pricing.PriceList, when string) {
	t.Helper()
	lo := orderer(t, tx)
	byID := map[string]pricing.PriceList{}
	for _, pl := range pls {
		byID[pl.ID] = pl
	}
	n, err := lo.CountPriceLists()
	wantNoErr(t, "CountPriceLists", err)
	wantEqual(t, "CountPriceLists "+when, n, len(pls))
	for _, order := range listOrders {
		want := nonNilIDs(sortedIn(order, pls))
		wantEqual(t, fmt.Sprintf("the lists in the order %q %s", order, when), walk(t, lo, order, nil, byID), want)
		for i, id := range want {
			p := positionIn(order, byID[id])
			wantEqual(t, fmt.Sprintf("the lists in the order %q after %s %s", order, id, when), walk(t, lo, order, &p, byID), want[i+1:])
			if strings.HasPrefix(order, "-") {
				continue
			}
			// A position between two lists: an ID just above this one's.
			q := p
			q.ID += "\x00"
			wantEqual(t, fmt.Sprintf("the lists in the order %q after a position just past %s %s", order, id, when), walk(t, lo, order, &q, byID), want[i+1:])
		}
		first := []string{}
		wantNoErr(t, "PriceListsInOrder", lo.PriceListsInOrder(order, nil, func(h *pricing.PriceListHead) bool {
			first = append(first, h.ID)
			return len(first) < 2
		}))
		wantEqual(t, fmt.Sprintf("the lists in the order %q when fn stops at the second", order), first, want[:min(2, len(want))])
	}
	for _, pl := range pls {
		h, err := lo.PriceListHead(pl.ID)
		wantNoErr(t, "PriceListHead", err)
		wantEqual(t, "PriceListHead("+pl.ID+") "+when, normalHead(h), normalHead(pl.Head()))
	}
	_, err = lo.PriceListHead("pl_missing")
	wantErr(t, `PriceListHead("pl_missing")`, err, pricing.ErrNotFound)
}

// PriceListsInOrder gives the lists in each order, ties broken by ID, a descending
// order the exact reverse of its ascending one, resuming after any position.
func testOrderedOrders(t *testing.T, open opener) {
	s := open(t)
	view(t, s, func(tx pricing.Tx) { checkOrders(t, tx, nil, "of an empty store") })
	write(t, s, putGroup(sampleGroup("cg_1", "Wholesale", nil), pricing.NameKey("Wholesale")))
	pls := orderedLists(rand.New(rand.NewPCG(1, 2)), "pl", 40)
	for _, pl := range pls {
		write(t, s, putList(pl))
	}
	view(t, s, func(tx pricing.Tx) { checkOrders(t, tx, pls, "") })
}

// The orders follow writes: a replaced list moves, a deleted one goes, an Update sees
// its own writes, a failed Update leaves the orders as they were, and so does one that
// writes many lists (as a bulk load does) before it fails.
func testOrderedWrites(t *testing.T, open opener) {
	s := open(t)
	view(t, s, func(tx pricing.Tx) { orderer(t, tx) })
	write(t, s, putGroup(sampleGroup("cg_1", "Wholesale", nil), pricing.NameKey("Wholesale")))
	rng := rand.New(rand.NewPCG(3, 4))
	pls := orderedLists(rng, "pl", 30)
	for _, pl := range pls {
		write(t, s, putList(pl))
	}
	view(t, s, func(tx pricing.Tx) { checkOrders(t, tx, pls, "") }) // the orders are built
	moved := slices.Clone(pls)
	moved[0].Name, moved[0].UpdatedAt = "Omega", t0.Add(time.Hour)
	moved[1].Name = strings.ToUpper(moved[1].Name) + " x"
	gone := moved[2].ID
	moved = slices.Delete(moved, 2, 3)
	update(t, s, func(tx pricing.Tx) {
		if err := apply(tx, putList(moved[0]), putList(moved[1]), deleteList(gone)); err != nil {
			t.Fatal(err)
		}
		checkOrders(t, tx, moved, "in the Update that changed them")
	})
	view(t, s, func(tx pricing.Tx) { checkOrders(t, tx, moved, "after a list is renamed, one updated and one deleted") })
	failed := errors.New("rolled back")
	many := orderedLists(rng, "bulk", 100)
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		renamed := moved[3]
		renamed.Name = "Renamed"
		ops := []op{putList(renamed), deleteList(moved[4].ID)}
		for _, pl := range many {
			ops = append(ops, putList(pl))
		}
		if err := apply(tx, ops...); err != nil {
			return err
		}
		checkOrders(t, tx, append(slices.Delete(slices.Clone(moved), 3, 5), append(many, renamed)...), "in an Update that writes many lists")
		return failed
	})
	wantErr(t, "Update that fails", err, failed)
	view(t, s, func(tx pricing.Tx) { checkOrders(t, tx, moved, "after an Update that failed") })
	err = s.Update(t.Context(), func(tx pricing.Tx) error {
		if err := apply(tx, deleteList(moved[0].ID)); err != nil {
			return err
		}
		return failed
	})
	wantErr(t, "Update that fails", err, failed)
	view(t, s, func(tx pricing.Tx) { checkOrders(t, tx, moved, "after a small Update that failed") })
	var ops []op
	for _, pl := range many {
		ops = append(ops, putList(pl))
	}
	write(t, s, ops...)
	view(t, s, func(tx pricing.Tx) {
		checkOrders(t, tx, append(moved, many...), "after an Update that wrote many lists")
	})
}

// memberPagerRules check the optional capability pricing.MemberPager of a store's
// transactions: each skips a store whose Tx does not have it.
var memberPagerRules = []rule{
	{"After", testMembersAfter},
}

// MembersAfter gives the customers of the group after any ID, in ascending order, as
// Members does, with the writes of its own Update and none of a failed one.
func testMembersAfter(t *testing.T, open opener) {
	s := open(t)
	view(t, s, func(tx pricing.Tx) {
		if _, ok := tx.(pricing.MemberPager); !ok {
			t.Skip("the store's Tx is not a pricing.MemberPager")
		}
	})
	customers := []string{"cus_1", "cus_10", "cus_2", "cus_20", "cus_3", "cus_é", "z"}
	ops := []op{putGroup(sampleGroup("cg_1", "Wholesale", nil), pricing.NameKey("Wholesale")),
		putGroup(sampleGroup("cg_2", "VIP", nil), pricing.NameKey("VIP"))}
	for _, c := range customers {
		ops = append(ops, addMember("cg_1", c))
	}
	write(t, s, append(ops, addMember("cg_2", "cus_15"))...)
	check := func(tx pricing.Tx, what string, want []string) {
		t.Helper()
		mp, ok := tx.(pricing.MemberPager)
		if !ok {
			t.Skip("the store's Tx is not a pricing.MemberPager")
		}
		slices.Sort(want)
		afters := []string{"", "a", "cus_", "cus_15", "cus_99", "zz"}
		afters = append(afters, want...)
		for _, after := range afters {
			got := []string{}
			wantNoErr(t, "MembersAfter", mp.MembersAfter("cg_1", after, func(id string) bool {
				got = append(got, id)
				return true
			}))
			i, found := slices.BinarySearch(want, after)
			if found {
				i++
			}
			wantEqual(t, fmt.Sprintf("MembersAfter(%q) %s", after, what), got, nonNilIDs(slices.Clone(want[i:])))
		}
		first := []string{}
		wantNoErr(t, "MembersAfter", mp.MembersAfter("cg_1", "", func(id string) bool {
			first = append(first, id)
			return false
		}))
		wantEqual(t, "MembersAfter when fn stops at once "+what, first, want[:1])
		none := []string{}
		wantNoErr(t, "MembersAfter", mp.MembersAfter("cg_missing", "", func(id string) bool {
			none = append(none, id)
			return true
		}))
		wantEqual(t, "MembersAfter of an unknown group", none, []string{})
	}
	view(t, s, func(tx pricing.Tx) { check(tx, "", slices.Clone(customers)) })
	update(t, s, func(tx pricing.Tx) {
		if err := apply(tx, addMember("cg_1", "cus_15"), removeMember("cg_1", "cus_2")); err != nil {
			t.Fatal(err)
		}
		check(tx, "in the Update that changed them", []string{"cus_1", "cus_10", "cus_15", "cus_20", "cus_3", "cus_é", "z"})
	})
	failed := errors.New("rolled back")
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		if err := apply(tx, removeMember("cg_1", "z"), addMember("cg_1", "cus_0")); err != nil {
			return err
		}
		return failed
	})
	wantErr(t, "Update that fails", err, failed)
	view(t, s, func(tx pricing.Tx) {
		check(tx, "after an Update that failed", []string{"cus_1", "cus_10", "cus_15", "cus_20", "cus_3", "cus_é", "z"})
	})
}
