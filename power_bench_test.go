package pricing_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/commercekit/pricing"
)

// The costs that issue 10's figures bound, on every store of testStores:
//
//	go test -run '^$' -bench 'PercentageList|ContractLists' -benchmem -count 6 .

// BenchmarkPercentageList resolves a variant through a sale list of 10% off written as
// prices ("written") and derived by the list's Adjustment ("adjusted"): the same
// prices, by the two ways. The variant has a base price per region, as a catalog's do,
// and the list has a price for each.
func BenchmarkPercentageList(b *testing.B) {
	ctx := context.Background()
	for _, st := range testStores {
		for _, kind := range []string{"written", "adjusted"} {
			b.Run(st.name+"/"+kind, func(b *testing.B) {
				svc := pricing.New(st.open(b))
				must1[[]pricing.Price](b)(svc.SetBasePrices(ctx, "shirt", ps(pi("", 2000),
					pi("", 2100, rg("reg_eu")), pi("", 2200, rg("reg_uk")))))
				nl := pricing.NewPriceList{Name: "10% off", Status: pricing.Active}
				if kind == "written" {
					nl.Prices = ps(pi("", 1800, variant("shirt")),
						pi("", 1890, variant("shirt"), rg("reg_eu")), pi("", 1980, variant("shirt"), rg("reg_uk")))
				} else {
					nl.Adjustment = &pricing.Adjustment{Percent: -10}
				}
				must1[pricing.PriceList](b)(svc.CreatePriceList(ctx, nl))
				q := pricing.Query{CurrencyCode: "usd"}
				b.ReportAllocs()
				for b.Loop() {
					if r, err := svc.Resolve(ctx, q, "shirt", 1); err != nil || r.CalculatedAmount != 1800 {
						b.Fatal(r, err)
					}
				}
			})
		}
	}
}

// BenchmarkContractLists resolves for a customer with a contract list of its own (an
// audience of one customer, no group) among n such lists of other customers. In
// "disjoint" each list prices 20 variants of its customer's own; in "shared" every
// list prices the variant resolved, the worst case, whose cost grows with n: the
// resolver reads every price of the variant.
func BenchmarkContractLists(b *testing.B) {
	ctx := context.Background()
	for _, st := range testStores {
		for _, shape := range []string{"disjoint", "shared"} {
			for _, n := range []int{50, 5000} {
				b.Run(fmt.Sprintf("%s/%s/lists=%d", st.name, shape, n), func(b *testing.B) {
					svc := pricing.New(st.open(b))
					for i := range n {
						var prices []pricing.PriceInput
						for k := range 20 {
							v := fmt.Sprintf("v%06d", i*20+k)
							if shape == "shared" && k == 0 {
								v = "v000000"
							}
							if i == 0 {
								must1[[]pricing.Price](b)(svc.SetBasePrices(ctx, v, ps(pi("", 1000, variant(v)))))
							}
							prices = append(prices, pi("", 900-int64(i%100), variant(v)))
						}
						must1[pricing.PriceList](b)(svc.CreatePriceList(ctx, pricing.NewPriceList{
							Name: fmt.Sprintf("contract %d", i), Type: pricing.Override, Status: pricing.Active,
							CustomerIDs: []string{fmt.Sprintf("cus_%05d", i)}, Prices: prices,
						}))
					}
					q := pricing.Query{CurrencyCode: "usd", CustomerID: "cus_00000"}
					b.ReportAllocs()
					for b.Loop() {
						if r, err := svc.Resolve(ctx, q, "v000000", 1); err != nil || r.CalculatedAmount != 900 {
							b.Fatal(r, err)
						}
					}
				})
			}
		}
	}
}
