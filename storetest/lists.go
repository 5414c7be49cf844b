package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/commercekit/pricing"
)

var listRules = []rule{
	{"RoundTrip", testListRoundTrip},
	{"NotFound", testListNotFound},
	{"Replace", testListReplace},
	{"AudienceIndex", testListAudienceIndex},
	{"PutKeepsPrices", testListPutKeepsPrices},
	{"DeleteCascade", testListDeleteCascade},
}

// A stored list reads back equal to what was put, by ID and in PriceLists, and its
// PriceListTerms are its Terms.
func testListRoundTrip(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	view(t, s, func(tx pricing.Tx) {
		var all []pricing.PriceList
		for _, id := range []string{"pl_1", "pl_2", "pl_3"} {
			want := f.list(id)
			got, err := tx.PriceList(id)
			wantNoErr(t, "PriceList("+id+")", err)
			wantEqual(t, "round trip: PriceList("+id+") must equal the list put", got, want)
			terms, err := tx.PriceListTerms(id)
			wantNoErr(t, "PriceListTerms("+id+")", err)
			wantEqual(t, "PriceListTerms("+id+") must equal the list's Terms()", terms, want.Terms())
			all = append(all, want)
		}
		got, err := collect(tx.PriceLists)
		wantNoErr(t, "PriceLists", err)
		wantEqual(t, "round trip: PriceLists must yield every list put, in ascending ID order", got, all)
	})
}

// Every getter and delete of a list reports ErrNotFound for a missing one.
func testListNotFound(t *testing.T, open opener) {
	s := open(t)
	seed(t, s, baseFixture())
	for _, c := range []struct {
		call string
		do   func(tx pricing.Tx) error
	}{
		{`PriceList("pl_missing")`, func(tx pricing.Tx) error { _, err := tx.PriceList("pl_missing"); return err }},
		{`PriceListTerms("pl_missing")`, func(tx pricing.Tx) error { _, err := tx.PriceListTerms("pl_missing"); return err }},
		{`DeletePriceList("pl_missing")`, func(tx pricing.Tx) error { return tx.DeletePriceList("pl_missing") }},
	} {
		update(t, s, func(tx pricing.Tx) { wantErr(t, c.call, c.do(tx), pricing.ErrNotFound) })
	}
}

// Putting a list with a stored ID replaces every field.
func testListReplace(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	want := f.clone()
	pl := &want.lists[slices.IndexFunc(want.lists, func(pl pricing.PriceList) bool { return pl.ID == "pl_1" })]
	pl.Name, pl.Description = "Trade 2", ""
	pl.Type, pl.Status = pricing.Override, pricing.Draft
	pl.StartsAt, pl.EndsAt = t0, t0.AddDate(1, 0, 0)
	pl.CustomerGroupIDs = []string{"cg_3"}
	pl.IncludesTax = false
	pl.Metadata = map[string]any{"season": "summer"}
	pl.UpdatedAt = t0.AddDate(0, 0, 1)
	write(t, s, putList(pl.Clone()))
	view(t, s, func(tx pricing.Tx) {
		got, err := tx.PriceList("pl_1")
		wantNoErr(t, `PriceList("pl_1")`, err)
		wantEqual(t, "replace: PriceList must return the replacing list", got, *pl)
	})
	u := want.universe()
	wantSame(t, "replacing a list must leave the store as if the new list had been put first",
		snapshotOf(t, s, u), snapshotOf(t, model(t, open, want), u))
}

// AppendPriceListIDsOfGroup follows each PutPriceList: a replaced audience drops the
// groups it no longer names and gains the new ones.
func testListAudienceIndex(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	check := func(step string, want map[string][]string) {
		t.Helper()
		view(t, s, func(tx pricing.Tx) {
			for _, g := range []string{"cg_1", "cg_2", "cg_3", "cg_4"} {
				got, err := tx.AppendPriceListIDsOfGroup(nil, g)
				wantNoErr(t, "AppendPriceListIDsOfGroup(nil, "+g+")", err)
				wantEqual(t, fmt.Sprintf("%s: AppendPriceListIDsOfGroup(nil, %q) must list, ascending, the lists naming the group", step, g), nilIfEmpty(got), want[g])
			}
		})
	}
	check("after seeding", map[string][]string{"cg_1": {"pl_1"}, "cg_2": {"pl_1", "pl_3"}})
	view(t, s, func(tx pricing.Tx) {
		got, err := tx.AppendPriceListIDsOfGroup([]string{"keep"}, "cg_2")
		wantNoErr(t, "AppendPriceListIDsOfGroup", err)
		wantEqual(t, `AppendPriceListIDsOfGroup([]string{"keep"}, "cg_2") must append after dst`, got, []string{"keep", "pl_1", "pl_3"})
	})

	pl := f.list("pl_1")
	pl.CustomerGroupIDs = []string{"cg_2", "cg_3", "cg_4"}
	write(t, s, putList(pl))
	check("after pl_1's audience changed from cg_1 cg_2 to cg_2 cg_3 cg_4",
		map[string][]string{"cg_2": {"pl_1", "pl_3"}, "cg_3": {"pl_1"}, "cg_4": {"pl_1"}})

	pl3 := f.list("pl_3")
	pl3.CustomerGroupIDs = []string{"cg_1", "cg_3"}
	pl.CustomerGroupIDs = nil
	write(t, s, putList(pl), putList(pl3))
	check("after pl_1 opened to everyone and pl_3's audience changed from cg_2 to cg_1 cg_3",
		map[string][]string{"cg_1": {"pl_3"}, "cg_3": {"pl_3"}})
	view(t, s, func(tx pricing.Tx) {
		terms, err := tx.PriceListTerms("pl_3")
		wantNoErr(t, `PriceListTerms("pl_3")`, err)
		wantEqual(t, "PriceListTerms must follow PutPriceList", terms, pl3.Terms())
	})
}

// PutPriceList does not touch the list's prices.
func testListPutKeepsPrices(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	pl := f.list("pl_1")
	pl.IncludesTax = false
	pl.CustomerGroupIDs = []string{"cg_3"}
	write(t, s, putList(pl))
	view(t, s, func(tx pricing.Tx) {
		got, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList("pl_1", fn) })
		wantNoErr(t, `PricesOfList("pl_1")`, err)
		want := []pricing.Price{f.price("pr_06"), f.price("pr_07"), f.price("pr_08")}
		wantEqual(t, "PutPriceList must not touch the list's prices: PricesOfList", got, want)
	})
}

// Deleting a list deletes its record, its audience entries and its prices with their
// key and variant index entries, leaving the store as if the list had never been.
func testListDeleteCascade(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	write(t, s, deleteList("pl_1"))

	want := f.clone()
	want.lists = slices.DeleteFunc(want.lists, func(pl pricing.PriceList) bool { return pl.ID == "pl_1" })
	want.prices = slices.DeleteFunc(want.prices, func(p pricing.Price) bool { return p.PriceListID == "pl_1" })
	u := f.universe()
	wantSame(t, "after DeletePriceList the store must hold what it would hold had the list never been put",
		snapshotOf(t, s, u), snapshotOf(t, model(t, open, want), u))

	// The list put again under its ID has no prices, and its old keys are free.
	pl := f.list("pl_1")
	taker := f.price("pr_06")
	taker.ID = "pr_60"
	write(t, s, putList(pl), putPrice(taker))
	view(t, s, func(tx pricing.Tx) {
		got, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList("pl_1", fn) })
		wantNoErr(t, `PricesOfList("pl_1")`, err)
		wantEqual(t, "DeletePriceList must delete the prices, not hide them: PricesOfList of the list put again", got, []pricing.Price{taker})
		id, err := tx.PriceIDByKey(taker.Key())
		wantNoErr(t, "PriceIDByKey", err)
		wantEqual(t, "DeletePriceList must free its prices' keys: PriceIDByKey", id, "pr_60")
	})
}
