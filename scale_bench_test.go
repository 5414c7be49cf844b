package pricing_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/commercekit/pricing"
)

// Benchmarks of the calls whose cost grows with the size of one input: each runs at
// n = 1,024, 8,192 and 65,536, so that a cost quadratic in n (as these were: a 64k ID
// filter took 3.7 s) shows as a 64-fold step where a linear one shows an 8-fold one.
// Compare the ns/op of the sizes:
//
//	go test -run '^$' -bench 'Scale' -benchmem .

var scaleSizes = []int{1 << 10, 1 << 13, 1 << 16}

// scaleService returns a Service over memory with n groups g00000.. and n lists
// l00000.., list i open to group i.
func scaleService(b *testing.B, n int) (*pricing.Service, []string, []string) {
	b.Helper()
	svc, _ := newService(b)
	ctx := context.Background()
	groups, lists := make([]string, n), make([]string, n)
	for i := range n {
		groups[i], lists[i] = fmt.Sprintf("g%05d", i), fmt.Sprintf("l%05d", i)
		must1[pricing.CustomerGroup](b)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: groups[i], Name: groups[i]}))
		must1[pricing.PriceList](b)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: lists[i], Name: lists[i], CustomerGroupIDs: groups[i : i+1],
			Prices: ps(pi("p"+lists[i], 100, variant(fmt.Sprintf("v%05d", i))))}))
	}
	return svc, groups, lists
}

func BenchmarkScaleListFilters(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func(svc *pricing.Service, groups, lists, variants []string) (int, error)
	}{
		{"ListCustomerGroups/IDs", func(svc *pricing.Service, groups, _, _ []string) (int, error) {
			_, total, err := svc.ListCustomerGroups(ctx, pricing.CustomerGroupFilter{IDs: groups, Limit: 10})
			return total, err
		}},
		{"ListPriceLists/IDs", func(svc *pricing.Service, _, lists, _ []string) (int, error) {
			_, total, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{IDs: lists, Limit: 10})
			return total, err
		}},
		{"ListPriceLists/CustomerGroupIDs", func(svc *pricing.Service, groups, _, _ []string) (int, error) {
			_, total, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{CustomerGroupIDs: groups, Limit: 10})
			return total, err
		}},
		{"ListPrices/VariantIDs", func(svc *pricing.Service, _, _, variants []string) (int, error) {
			_, total, err := svc.ListPrices(ctx, pricing.PriceFilter{VariantIDs: variants, Limit: 10})
			return total, err
		}},
	} {
		for _, n := range scaleSizes {
			b.Run(fmt.Sprintf("%s/n=%d", tc.name, n), func(b *testing.B) {
				svc, groups, lists := scaleService(b, n)
				variants := make([]string, n)
				for i := range n {
					variants[i] = fmt.Sprintf("v%05d", i)
				}
				b.ReportAllocs()
				for b.Loop() {
					if total, err := tc.call(svc, groups, lists, variants); err != nil || total != n {
						b.Fatal(total, err)
					}
				}
			})
		}
	}
}

// Resolve with n explicit groups against a list whose audience is n other groups (the
// worst case: no group in common).
func BenchmarkScaleResolveExplicitGroups(b *testing.B) {
	ctx := context.Background()
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			svc, groups, _ := scaleService(b, 2*n)
			must1[pricing.PriceList](b)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "wide", Name: "wide", Status: pricing.Active,
				CustomerGroupIDs: groups[:n], Prices: ps(pi("wide_p", 50))}))
			must1[[]pricing.Price](b)(svc.SetBasePrices(ctx, "shirt", ps(pi("b", 100))))
			q := pricing.Query{CurrencyCode: "usd", CustomerGroupIDs: groups[n:]}
			b.ReportAllocs()
			for b.Loop() {
				if res, err := svc.Resolve(ctx, q, "shirt", 1); err != nil || res.CalculatedAmount != 100 {
					b.Fatal(res, err)
				}
			}
		})
	}
}

// AddPrices of n quantity tiers of one variant and currency to a list (memory's price
// buckets are per variant and currency: a bucket of n prices must not cost n² to fill).
// Each iteration adds the tiers to a new list, made with the timer stopped.
func BenchmarkScaleAddPricesTiers(b *testing.B) {
	ctx := context.Background()
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			svc, _ := newService(b)
			tiers := make([]pricing.PriceInput, n)
			for i := range tiers {
				tiers[i] = pricing.PriceInput{VariantID: "shirt", CurrencyCode: "usd", MinQuantity: int64(i + 1), MaxQuantity: int64(i + 1), Amount: int64(1_000_000 - i)}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				pl := must1[pricing.PriceList](b)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: fmt.Sprintf("tiers%d", i), Name: "tiers"}))
				b.StartTimer()
				if added, err := svc.AddPrices(ctx, pl.ID, tiers, false); err != nil || len(added) != n {
					b.Fatal(len(added), err)
				}
			}
		})
	}
}
