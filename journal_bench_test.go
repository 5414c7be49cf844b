package pricing_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/memory"
)

// The cost of the journal on writes: the same operations on each store with its journal
// and with the journal hidden, side by side. The bolt store runs with NoSync: the
// figures are the journal's work, not the disk's.
//
//	go test -run '^$' -bench Journal -count 6 . | benchstat -col /journal -
func BenchmarkJournalWrites(b *testing.B) {
	ctx := context.Background()
	stores := []struct {
		name string
		open func(b *testing.B) pricing.Store
	}{
		{"memory", func(*testing.B) pricing.Store { return memory.New() }},
		{"bolt", func(b *testing.B) pricing.Store {
			st, err := bolt.Open(filepath.Join(b.TempDir(), "pricing.db"), &bolt.Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		}},
	}
	prices := make([]pricing.PriceInput, 1000)
	for i := range prices {
		prices[i] = pricing.PriceInput{VariantID: fmt.Sprintf("v%d", i%300), CurrencyCode: "usd", MinQuantity: int64(i / 300), Amount: int64(i)}
	}
	for _, store := range stores {
		for _, journal := range []bool{false, true} {
			open := func(b *testing.B) *pricing.Service {
				st := store.open(b)
				if !journal {
					st = noJournal{st}
				}
				return pricing.New(st)
			}
			name := fmt.Sprintf("store=%s/journal=%v", store.name, journal)
			b.Run(name+"/CreatePriceList/1000", func(b *testing.B) {
				svc := open(b)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{Name: "l", Prices: prices}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "prices/s")
			})
			// AddPrices of 1000 prices to a list that has them: each one changes its
			// amount, and the journal keeps the price before and after.
			b.Run(name+"/AddPrices/1000", func(b *testing.B) {
				svc := open(b)
				pl, err := svc.CreatePriceList(ctx, pricing.NewPriceList{Name: "l", Prices: prices})
				if err != nil {
					b.Fatal(err)
				}
				in := make([]pricing.PriceInput, len(prices))
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					for j, p := range prices {
						p.Amount += int64(i + 1)
						in[j] = p
					}
					if _, err := svc.AddPrices(ctx, pl.ID, in, false); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "prices/s")
			})
			b.Run(name+"/AddCustomers/1000", func(b *testing.B) {
				svc := open(b)
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
}
