package bolt_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// Benchmark catalog: benchVariants variants, each with 9 base prices (3 per currency:
// currency-wide, regional, tier) and, in each of benchLists lists, a price in usd and
// eur plus a usd tier in every fifth list: 15 usd prices per variant from 10 lists.
const (
	benchVariants  = 5000
	benchLists     = 10
	benchGroups    = 20
	benchCustomers = 2000
)

func benchVariantID(v int) string  { return fmt.Sprintf("variant_%07d", v) }
func benchCustomerID(c int) string { return fmt.Sprintf("cus_%08d", c) }

// loadBench fills s with the benchmark catalog.
func loadBench(b *testing.B, s pricing.Store) {
	b.Helper()
	update(b, s, func(tx pricing.Tx) error {
		for g := range benchGroups {
			id := fmt.Sprintf("cgrp_%05d", g)
			if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: id, Name: id, CreatedAt: t0, UpdatedAt: t0}, id); err != nil {
				return err
			}
		}
		for c := range benchCustomers {
			for k := range 3 {
				if err := tx.AddMember(fmt.Sprintf("cgrp_%05d", (c*(7+6*k))%benchGroups), benchCustomerID(c)); err != nil {
					return err
				}
			}
		}
		for i := range benchLists {
			pl := pricing.PriceList{
				ID: fmt.Sprintf("pl_%05d", i), Name: fmt.Sprintf("List %d", i), Type: pricing.Sale, Status: pricing.Active,
				StartsAt: t0.Add(-24 * time.Hour), EndsAt: t0.Add(24 * time.Hour), CreatedAt: t0, UpdatedAt: t0,
				Metadata: map[string]any{"campaign": "spring", "n": float64(i)},
			}
			if i%3 != 0 {
				pl.CustomerGroupIDs = []string{fmt.Sprintf("cgrp_%05d", i%benchGroups), fmt.Sprintf("cgrp_%05d", (i+7)%benchGroups)}
			}
			if err := tx.PutPriceList(pl); err != nil {
				return err
			}
		}
		return nil
	})
	for start := 0; start < benchVariants; start += 1000 {
		update(b, s, func(tx pricing.Tx) error {
			for v := start; v < start+1000 && v < benchVariants; v++ {
				for _, p := range benchPrices(v) {
					if err := tx.PutPrice(p); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}

// benchIDs returns the variant and customer IDs, made before a benchmark's clock starts.
func benchIDs() (variants, customers []string) {
	for v := range benchVariants {
		variants = append(variants, benchVariantID(v))
	}
	for c := range benchCustomers {
		customers = append(customers, benchCustomerID(c))
	}
	return variants, customers
}

func benchPrices(v int) []pricing.Price {
	vid := benchVariantID(v)
	var ps []pricing.Price
	for _, cur := range []string{"usd", "eur", "gbp"} {
		ps = append(ps,
			pricing.Price{ID: fmt.Sprintf("pb_%07d_%s_0", v, cur), VariantID: vid, CurrencyCode: cur, Amount: 1000},
			pricing.Price{ID: fmt.Sprintf("pb_%07d_%s_1", v, cur), VariantID: vid, CurrencyCode: cur, RegionID: "reg_" + cur, Amount: 1050},
			pricing.Price{ID: fmt.Sprintf("pb_%07d_%s_2", v, cur), VariantID: vid, CurrencyCode: cur, MinQuantity: 10, Amount: 900},
		)
	}
	for i := range benchLists {
		list := fmt.Sprintf("pl_%05d", i)
		for _, cur := range []string{"usd", "eur"} {
			ps = append(ps, pricing.Price{ID: fmt.Sprintf("pp_%05d_%07d_%s", i, v, cur), PriceListID: list, VariantID: vid, CurrencyCode: cur, Amount: int64(950 - i)})
		}
		if i%5 == 0 {
			ps = append(ps, pricing.Price{ID: fmt.Sprintf("pp_%05d_%07d_usd_t", i, v), PriceListID: list, VariantID: vid, CurrencyCode: "usd", MinQuantity: 5, Amount: int64(900 - i)})
		}
	}
	return ps
}

// BenchmarkResolvePath measures what the resolver asks of the store for one item: one
// View, the customer's groups, the variant's prices in a currency (15), and the terms
// of each list they come from (10).
func BenchmarkResolvePath(b *testing.B) {
	s, _ := openTemp(b)
	loadBench(b, s)
	ctx := context.Background()
	variants, customers := benchIDs()
	var (
		groups []string
		prices []pricing.Price
		seen   [benchLists + 1]string
	)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		i++
		variant, customer := variants[i*7919%benchVariants], customers[i*104729%benchCustomers]
		err := s.View(ctx, func(tx pricing.Tx) error {
			var err error
			if groups, err = tx.AppendCustomerGroupIDs(groups[:0], customer); err != nil {
				return err
			}
			if prices, err = tx.AppendVariantPrices(prices[:0], variant, "usd"); err != nil {
				return err
			}
			n := 0
		next:
			for _, p := range prices {
				if p.PriceListID == "" {
					continue
				}
				for _, l := range seen[:n] {
					if l == p.PriceListID {
						continue next
					}
				}
				seen[n] = p.PriceListID
				n++
				if _, err := tx.PriceListTerms(p.PriceListID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu)
	if len(prices) != 15 || len(groups) == 0 {
		b.Fatalf("last resolve saw %d prices and %d groups, want 15 and some", len(prices), len(groups))
	}
}

// BenchmarkAppendVariantPrices measures the resolver's index scan alone (15 prices),
// inside one long View.
func BenchmarkAppendVariantPrices(b *testing.B) {
	s, _ := openTemp(b)
	loadBench(b, s)
	variants, _ := benchIDs()
	view(b, s, func(tx pricing.Tx) error {
		var prices []pricing.Price
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			i++
			var err error
			if prices, err = tx.AppendVariantPrices(prices[:0], variants[i*7919%benchVariants], "usd"); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkPriceListTerms measures one terms lookup inside one long View.
func BenchmarkPriceListTerms(b *testing.B) {
	s, _ := openTemp(b)
	loadBench(b, s)
	var lists []string
	for i := range benchLists {
		lists = append(lists, fmt.Sprintf("pl_%05d", i))
	}
	view(b, s, func(tx pricing.Tx) error {
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			i++
			if _, err := tx.PriceListTerms(lists[i%benchLists]); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkPutPriceBulk measures PutPrice of new prices in large Updates (10,000 prices
// each, commit included, NoSync), as an import or a bulk replace writes them. One op is
// one price. "ordered" puts each list's prices in variant order with ascending IDs (an
// import sorted by SKU, IDs from a time-ordered generator such as the Service's UUID
// v7); "random" shuffles IDs and variants, so that every index is written out of order.
func BenchmarkPutPriceBulk(b *testing.B) {
	for _, order := range []string{"ordered", "random"} {
		b.Run(order, func(b *testing.B) {
			s, _ := openTemp(b)
			const batch = 10_000
			// Prices made before the clock starts.
			prices := make([]pricing.Price, b.N)
			for i := range prices {
				j, v := i, i%batch
				if order == "random" {
					j = int(uint64(i) * 0x9E3779B97F4A7C15 % (1 << 40)) // a scrambled, unique ID
					v = (i * 7919) % 100_000
				}
				prices[i] = pricing.Price{
					ID: fmt.Sprintf("price_%013d", j), PriceListID: fmt.Sprintf("pl_%05d", i/batch),
					VariantID: benchVariantID(v), CurrencyCode: "usd", Amount: int64(i),
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for lo := 0; lo < b.N; lo += batch {
				update(b, s, func(tx pricing.Tx) error {
					for _, p := range prices[lo:min(lo+batch, b.N)] {
						if err := tx.PutPrice(p); err != nil {
							return err
						}
					}
					return nil
				})
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "prices/s")
			if c := cpuTime() - cpu; c > 0 {
				b.ReportMetric(float64(b.N)/c.Seconds(), "prices/cpu-s")
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkReplaceListPrices measures a bulk replace: one Update that deletes every
// price of a 5,000-price list and puts 5,000 new ones. One op is one replace.
func BenchmarkReplaceListPrices(b *testing.B) {
	s, _ := openTemp(b)
	const n = 5000
	put := func(tx pricing.Tx, gen int) error {
		for v := range n {
			p := pricing.Price{ID: fmt.Sprintf("p_%d_%07d", gen, v), PriceListID: "pl", VariantID: benchVariantID(v), CurrencyCode: "usd", Amount: int64(gen)}
			if err := tx.PutPrice(p); err != nil {
				return err
			}
		}
		return nil
	}
	update(b, s, func(tx pricing.Tx) error {
		if err := tx.PutPriceList(pricing.PriceList{ID: "pl", Name: "pl", Type: pricing.Sale, Status: pricing.Active}); err != nil {
			return err
		}
		return put(tx, 0)
	})
	b.ReportAllocs()
	b.ResetTimer()
	gen := 0
	for b.Loop() {
		gen++
		update(b, s, func(tx pricing.Tx) error {
			var ids []string
			if err := tx.PricesOfList("pl", func(p pricing.Price) bool { ids = append(ids, p.ID); return true }); err != nil {
				return err
			}
			for _, id := range ids {
				if err := tx.DeletePrice(id); err != nil {
					return err
				}
			}
			return put(tx, gen)
		})
	}
	b.ReportMetric(float64(b.N*n*2)/b.Elapsed().Seconds(), "writes/s")
}

// reportCPU reports the CPU time per op since start (all threads: GC included). The
// machines this runs on are shared, so it is a steadier figure than ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	if cpu := cpuTime() - start; start > 0 && cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
