package pricing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// The cost that issue 13 §4's figure bounds, a page of 50 price lists among 5,000, on
// every store of testStores:
//
//	go test -run '^$' -bench 'ListPriceListsPage' -benchmem -count 6 .

// listBenchLists is the number of lists of BenchmarkListPriceListsPage.
const listBenchLists = 5000

// listBenchService returns a Service over a new store of st holding n price lists
// created a second apart: half of them active, each open to one of 10 groups and to
// one of 50 customers, every fourth limited in time so that a quarter are over at
// t0+n s. The names are in no relation to the creation order.
func listBenchService(b *testing.B, st testStore, n int) *pricing.Service {
	b.Helper()
	ctx := context.Background()
	clk := newClock(t0)
	svc := pricing.New(st.open(b), pricing.WithClock(clk.Now), pricing.WithIDGenerator(seqIDs("id")))
	for g := range 10 {
		must1[pricing.CustomerGroup](b)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("g%02d", g), Name: fmt.Sprintf("Group %02d", g)}))
	}
	words := []string{"Spring", "summer", "Autumn", "winter", "VIP", "staff", "Outlet"}
	for i := range n {
		nl := pricing.NewPriceList{
			ID:               fmt.Sprintf("l%05d", i),
			Name:             fmt.Sprintf("%s %05d", words[i%len(words)], (i*7919)%n),
			Description:      "a list of the listing benchmark",
			CustomerGroupIDs: []string{fmt.Sprintf("g%02d", i%10)},
			CustomerIDs:      []string{fmt.Sprintf("c%02d", i%50)},
			Metadata:         map[string]any{"source": "bench", "n": fmt.Sprint(i)},
		}
		if i%2 == 0 {
			nl.Status = pricing.Active
		}
		if i%4 == 0 {
			nl.EndsAt = t0.Add(time.Duration(n/2) * time.Second)
		}
		must1[pricing.PriceList](b)(svc.CreatePriceList(ctx, nl))
		clk.Advance(time.Second)
	}
	return svc
}

// BenchmarkListPriceListsPage lists one page of 50 price lists among 5,000: the first
// page in the default order, one at a deep offset and the same one after a cursor, the
// first page by name, and the first pages of the filters the stores can index.
func BenchmarkListPriceListsPage(b *testing.B) {
	ctx := context.Background()
	end := t0.Add(listBenchLists * time.Second)
	cases := []struct {
		name  string
		f     pricing.PriceListFilter
		total int
	}{
		{"first", pricing.PriceListFilter{Limit: 50}, listBenchLists},
		{"offset=4000", pricing.PriceListFilter{Limit: 50, Offset: 4000}, listBenchLists},
		{"after=4000", pricing.PriceListFilter{Limit: 50}, listBenchLists}, // After: the cursor of the 4,000th list
		{"name", pricing.PriceListFilter{Limit: 50, Order: "name"}, listBenchLists},
		{"statuses", pricing.PriceListFilter{Limit: 50, Statuses: []pricing.PriceListStatus{pricing.Active}}, listBenchLists / 2},
		{"active_at", pricing.PriceListFilter{Limit: 50, ActiveAt: end}, listBenchLists / 4},
		{"group", pricing.PriceListFilter{Limit: 50, CustomerGroupIDs: []string{"g03"}}, listBenchLists / 10},
		{"customer", pricing.PriceListFilter{Limit: 50, CustomerIDs: []string{"c07"}}, listBenchLists / 50},
	}
	for _, st := range testStores {
		if st.name == "candidates" {
			continue // the memory store again: candidates change nothing of listing
		}
		b.Run(st.name, func(b *testing.B) {
			svc := listBenchService(b, st, listBenchLists)
			for _, tc := range cases {
				b.Run(tc.name, func(b *testing.B) {
					if tc.name == "after=4000" {
						p, err := svc.ListPriceListsPage(ctx, pricing.PriceListFilter{Limit: 4000})
						if err != nil {
							b.Fatal(err)
						}
						tc.f.After = p.Next
					}
					b.ReportAllocs()
					for b.Loop() {
						pls, total, err := svc.ListPriceLists(ctx, tc.f)
						if err != nil || total != tc.total || len(pls) != 50 {
							b.Fatal(len(pls), total, err)
						}
					}
				})
			}
		})
	}
}
