package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/commercekit/pricing"
)

var priceRules = []rule{
	{"RoundTrip", testPriceRoundTrip},
	{"NotFound", testPriceNotFound},
	{"KeyUnique", testPriceKeyUnique},
	{"SameKeyReplace", testPriceSameKeyReplace},
	{"KeyChange", testPriceKeyChange},
	{"Delete", testPriceDelete},
	{"PricesOfList", testPricesOfList},
	{"PricesOfVariant", testPricesOfVariant},
	{"AppendVariantPrices", testAppendVariantPrices},
}

// A stored price reads back equal to what was put, by ID and by key.
func testPriceRoundTrip(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	view(t, s, func(tx pricing.Tx) {
		for _, want := range f.prices {
			got, err := tx.Price(want.ID)
			wantNoErr(t, "Price("+want.ID+")", err)
			wantEqual(t, "round trip: Price("+want.ID+") must equal the price put", got, want)
			id, err := tx.PriceIDByKey(want.Key())
			wantNoErr(t, fmt.Sprintf("PriceIDByKey(%+v)", want.Key()), err)
			wantEqual(t, fmt.Sprintf("PriceIDByKey(%+v) must return the price put under that key", want.Key()), id, want.ID)
		}
	})
}

// Price, PriceIDByKey and DeletePrice report ErrNotFound for a missing price, and a key
// differing from a stored one in any single field is missing.
func testPriceNotFound(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	update(t, s, func(tx pricing.Tx) {
		_, err := tx.Price("pr_missing")
		wantErr(t, `Price("pr_missing")`, err, pricing.ErrNotFound)
		wantErr(t, `DeletePrice("pr_missing")`, tx.DeletePrice("pr_missing"), pricing.ErrNotFound)
	})
	stored := f.price("pr_08").Key() // every field set
	for _, c := range []struct {
		field  string
		change func(*pricing.PriceKey)
	}{
		{"PriceListID", func(k *pricing.PriceKey) { k.PriceListID = "pl_2" }},
		{"PriceListID empty", func(k *pricing.PriceKey) { k.PriceListID = "" }},
		{"VariantID", func(k *pricing.PriceKey) { k.VariantID = "var_1" }},
		{"CurrencyCode", func(k *pricing.PriceKey) { k.CurrencyCode = "eur" }},
		{"RegionID", func(k *pricing.PriceKey) { k.RegionID = "reg_us" }},
		{"MinQuantity", func(k *pricing.PriceKey) { k.MinQuantity = 0 }},
		{"MaxQuantity", func(k *pricing.PriceKey) { k.MaxQuantity = 10 }},
	} {
		key := stored
		c.change(&key)
		view(t, s, func(tx pricing.Tx) {
			_, err := tx.PriceIDByKey(key)
			wantErr(t, fmt.Sprintf("a key differing from a stored key in %s is missing: PriceIDByKey(%+v)", c.field, key), err, pricing.ErrNotFound)
		})
	}
}

// A price key held by one price cannot be given to another, new or stored, and the
// refused write changes nothing.
func testPriceKeyUnique(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	intruder := f.price("pr_01")
	intruder.ID, intruder.Amount = "pr_99", 1
	moved := f.price("pr_02")
	moved.RegionID = "" // pr_01's key
	u := f.universe().addPrice(intruder)
	before := snapshotOf(t, s, u)
	update(t, s, func(tx pricing.Tx) {
		wantErr(t, `a new price cannot take a held key: PutPrice("pr_99")`, tx.PutPrice(intruder), pricing.ErrAlreadyExists)
		wantErr(t, `a stored price cannot take a held key: PutPrice("pr_02")`, tx.PutPrice(moved), pricing.ErrAlreadyExists)
	})
	wantSame(t, "a write refused with ErrAlreadyExists must change nothing", snapshotOf(t, s, u), before)
}

// Putting a price again under its own key replaces it.
func testPriceSameKeyReplace(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	p := f.price("pr_06")
	p.Amount, p.IncludesTax = 750, false
	write(t, s, putPrice(p))
	want := f.clone()
	want.prices[slices.IndexFunc(want.prices, func(q pricing.Price) bool { return q.ID == p.ID })] = p
	u := f.universe()
	wantSame(t, "a price put again under its own key must replace the stored one",
		snapshotOf(t, s, u), snapshotOf(t, model(t, open, want), u))
}

// A price put again with another key leaves its old key, list, variant and currency
// index entries for the new ones; the old key is then free.
func testPriceKeyChange(t *testing.T, open opener) {
	for _, c := range []struct {
		name, id string
		change   func(*pricing.Price)
	}{
		{"RegionID", "pr_01", func(p *pricing.Price) { p.RegionID = "reg_ca" }},
		{"MinQuantity", "pr_01", func(p *pricing.Price) { p.MinQuantity = 2 }},
		{"MaxQuantity", "pr_01", func(p *pricing.Price) { p.MaxQuantity = 99 }},
		{"VariantID", "pr_01", func(p *pricing.Price) { p.VariantID = "var_3" }},
		{"CurrencyCode", "pr_01", func(p *pricing.Price) { p.CurrencyCode = "gbp" }},
		{"PriceListID", "pr_01", func(p *pricing.Price) { p.PriceListID = "pl_3" }},
		// pr_11 is the only price of var_3 in usd.
		{"PriceListID of a price alone in its variant and currency", "pr_11", func(p *pricing.Price) { p.PriceListID = "pl_1" }},
		{"VariantID of a price alone in its variant and currency", "pr_11", func(p *pricing.Price) { p.VariantID = "var_1" }},
		{"all", "pr_01", func(p *pricing.Price) {
			p.PriceListID, p.VariantID, p.CurrencyCode, p.RegionID = "pl_2", "var_9", "jpy", "reg_jp"
			p.MinQuantity, p.MaxQuantity, p.Amount = 3, 4, 5
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := baseFixture()
			s := model(t, open, f)
			old := f.price(c.id)
			p := old
			c.change(&p)
			write(t, s, putPrice(p))

			want := f.clone()
			want.prices[slices.IndexFunc(want.prices, func(q pricing.Price) bool { return q.ID == p.ID })] = p
			u := f.universe().addPrice(p)
			wantSame(t, fmt.Sprintf("after %s's %s changed, the store must hold what it would hold had %[1]s been put so", c.id, c.name),
				snapshotOf(t, s, u), snapshotOf(t, model(t, open, want), u))

			taker := old
			taker.ID = "pr_98"
			write(t, s, putPrice(taker))
			view(t, s, func(tx pricing.Tx) {
				id, err := tx.PriceIDByKey(old.Key())
				wantNoErr(t, "PriceIDByKey(old key)", err)
				wantEqual(t, "a key change frees the old key for another price: PriceIDByKey(old key)", id, "pr_98")
			})
		})
	}
}

// Deleting a price deletes it from every index and frees its key.
func testPriceDelete(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	write(t, s, deletePrice("pr_01"), deletePrice("pr_08"))
	want := f.clone()
	want.prices = slices.DeleteFunc(want.prices, func(p pricing.Price) bool { return p.ID == "pr_01" || p.ID == "pr_08" })
	u := f.universe()
	wantSame(t, "after DeletePrice the store must hold what it would hold had the price never been put",
		snapshotOf(t, s, u), snapshotOf(t, model(t, open, want), u))
}

// PricesOfList yields exactly the list's prices, ascending; "" selects the base prices.
func testPricesOfList(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	for _, list := range []string{"", "pl_1", "pl_2", "pl_3", "pl_missing"} {
		view(t, s, func(tx pricing.Tx) {
			got, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList(list, fn) })
			wantNoErr(t, fmt.Sprintf("PricesOfList(%q)", list), err)
			want := f.priceIDs(func(p pricing.Price) bool { return p.PriceListID == list })
			what := "the list's prices"
			if list == "" {
				what = "the base prices"
			}
			wantEqual(t, fmt.Sprintf("PricesOfList(%q) must yield %s in ascending ID order", list, what), ids(got, priceID), want)
		})
	}
}

// PricesOfVariant yields exactly the variant's base and list prices, ascending.
func testPricesOfVariant(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	for _, variant := range []string{"var_1", "var_2", "var_3", "var_missing"} {
		view(t, s, func(tx pricing.Tx) {
			got, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfVariant(variant, fn) })
			wantNoErr(t, fmt.Sprintf("PricesOfVariant(%q)", variant), err)
			want := f.priceIDs(func(p pricing.Price) bool { return p.VariantID == variant })
			wantEqual(t, fmt.Sprintf("PricesOfVariant(%q) must yield its base and list prices in ascending ID order", variant), ids(got, priceID), want)
		})
	}
}

// AppendVariantPrices appends, after dst, exactly the base and list prices of the
// variant in the currency, in any order.
func testAppendVariantPrices(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	keep := pricing.Price{ID: "keep", VariantID: "var_0"}
	for _, c := range []struct {
		variant, currency string
		dst               []pricing.Price
	}{
		{"var_1", "usd", nil},
		{"var_1", "eur", nil},
		{"var_2", "usd", nil},
		{"var_2", "gbp", nil},
		{"var_1", "usd", []pricing.Price{keep}},
		{"var_1", "usd", make([]pricing.Price, 0, 32)},
		{"var_1", "gbp", []pricing.Price{keep}},
		{"var_missing", "usd", []pricing.Price{keep}},
	} {
		view(t, s, func(tx pricing.Tx) {
			call := fmt.Sprintf("AppendVariantPrices(%d prices, %q, %q)", len(c.dst), c.variant, c.currency)
			got, err := tx.AppendVariantPrices(c.dst, c.variant, c.currency)
			wantNoErr(t, call, err)
			if len(got) < len(c.dst) || !slices.Equal(got[:len(c.dst)], c.dst) {
				t.Errorf("%s must keep dst as the start of the result: got %v", call, ids(got, priceID))
				return
			}
			appended := slices.Clone(got[len(c.dst):])
			slices.SortFunc(appended, func(a, b pricing.Price) int { return strings.Compare(a.ID, b.ID) })
			var want []pricing.Price
			for _, id := range f.priceIDs(func(p pricing.Price) bool { return p.VariantID == c.variant && p.CurrencyCode == c.currency }) {
				want = append(want, f.price(id))
			}
			wantEqual(t, call+" must append exactly the variant's base and list prices in the currency", nilIfEmpty(appended), want)
		})
	}
}
