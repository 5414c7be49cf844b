package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/commercekit/pricing"
)

var iterationRules = []rule{
	{"Order", testIterationOrder},
	{"EarlyStop", testIterationEarlyStop},
}

// iterator is one iteration method, reduced to the IDs it yields, with the IDs it must
// yield from baseFixture.
type iterator struct {
	call string
	run  func(tx pricing.Tx, yield func(id string) bool) error
	want []string
}

func iterators(f fixture) []iterator {
	prices := func(keep func(pricing.Price) bool) []string { return f.priceIDs(keep) }
	byPrice := func(iter func(fn func(pricing.Price) bool) error, yield func(string) bool) error {
		return iter(func(p pricing.Price) bool { return yield(p.ID) })
	}
	return []iterator{
		{"CustomerGroups", func(tx pricing.Tx, yield func(string) bool) error {
			return tx.CustomerGroups(func(g pricing.CustomerGroup) bool { return yield(g.ID) })
		}, []string{"cg_1", "cg_2", "cg_3"}},
		{`Members("cg_1", 0)`, func(tx pricing.Tx, yield func(string) bool) error {
			return tx.Members("cg_1", 0, yield)
		}, []string{"cus_1", "cus_2", "cus_3"}},
		{`Members("cg_1", 1)`, func(tx pricing.Tx, yield func(string) bool) error {
			return tx.Members("cg_1", 1, yield)
		}, []string{"cus_2", "cus_3"}},
		{"PriceLists", func(tx pricing.Tx, yield func(string) bool) error {
			return tx.PriceLists(func(pl pricing.PriceList) bool { return yield(pl.ID) })
		}, []string{"pl_1", "pl_2", "pl_3"}},
		{"Prices", func(tx pricing.Tx, yield func(string) bool) error {
			return byPrice(tx.Prices, yield)
		}, prices(func(pricing.Price) bool { return true })},
		{`PricesOfList("pl_1")`, func(tx pricing.Tx, yield func(string) bool) error {
			return byPrice(func(fn func(pricing.Price) bool) error { return tx.PricesOfList("pl_1", fn) }, yield)
		}, prices(func(p pricing.Price) bool { return p.PriceListID == "pl_1" })},
		{`PricesOfList("")`, func(tx pricing.Tx, yield func(string) bool) error {
			return byPrice(func(fn func(pricing.Price) bool) error { return tx.PricesOfList("", fn) }, yield)
		}, prices(func(p pricing.Price) bool { return p.PriceListID == "" })},
		{`PricesOfVariant("var_1")`, func(tx pricing.Tx, yield func(string) bool) error {
			return byPrice(func(fn func(pricing.Price) bool) error { return tx.PricesOfVariant("var_1", fn) }, yield)
		}, prices(func(p pricing.Price) bool { return p.VariantID == "var_1" })},
	}
}

// Every iteration method yields its records in ascending ID order, whatever the order
// they were written in (baseFixture writes them out of order).
func testIterationOrder(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	for _, it := range iterators(f) {
		if !slices.IsSorted(it.want) || len(it.want) < 2 {
			panic("storetest: bad iterator fixture for " + it.call)
		}
		view(t, s, func(tx pricing.Tx) {
			var got []string
			err := it.run(tx, func(id string) bool { got = append(got, id); return true })
			wantNoErr(t, it.call, err)
			wantEqual(t, it.call+" must yield every record in ascending ID order", got, it.want)
		})
	}
}

// Every iteration method stops, without error, at the first fn that returns false.
func testIterationEarlyStop(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	for _, it := range iterators(f) {
		for stopAt := 1; stopAt < len(it.want); stopAt++ {
			view(t, s, func(tx pricing.Tx) {
				var got []string
				err := it.run(tx, func(id string) bool {
					got = append(got, id)
					return len(got) < stopAt
				})
				wantNoErr(t, it.call, err)
				wantEqual(t, fmt.Sprintf("%s must stop when fn returns false (the %d. call)", it.call, stopAt), got, it.want[:stopAt])
			})
		}
	}
}
