package pricing_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// The cost of the journal on writes: the same operations on the memory store with its
// journal and with the journal hidden, side by side.
//
//	go test -run '^$' -bench Journal -count 6 . | benchstat -col /journal -
func BenchmarkJournalWrites(b *testing.B) {
	ctx := context.Background()
	for _, journal := range []bool{false, true} {
		open := func() *pricing.Service {
			var st pricing.Store = memory.New()
			if !journal {
				st = noJournal{st}
			}
			return pricing.New(st)
		}
		b.Run(fmt.Sprintf("journal=%v/CreatePriceList/1000", journal), func(b *testing.B) {
			svc := open()
			prices := make([]pricing.PriceInput, 1000)
			for i := range prices {
				prices[i] = pricing.PriceInput{VariantID: fmt.Sprintf("v%d", i%300), CurrencyCode: "usd", MinQuantity: int64(i / 300), Amount: int64(i)}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{Name: "l", Prices: prices}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "prices/s")
		})
		b.Run(fmt.Sprintf("journal=%v/AddCustomers/1000", journal), func(b *testing.B) {
			svc := open()
			g, _ := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "g"})
			ids := make([]string, 1000)
			for i := range ids {
				ids[i] = fmt.Sprintf("cus_%06d", i)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := svc.AddCustomers(ctx, g.ID, ids); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := svc.RemoveCustomers(ctx, g.ID, ids); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "customers/s")
		})
	}
}
