package memory_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// The figures of the store alone, below the Service: the resolver's reads, bulk price
// writes and the memory a price costs. The catalog benchmarks of internal/catalog
// measure the whole library. Run with
//
//	go test -run '^$' -bench . -benchmem ./memory/

// shop is a generated catalog in the shape of the benchmark dataset (DATASET.md): 7
// base prices per variant, 200 price lists pricing one variant in 20 each in two or
// three currencies, a third of them with a tier, 50 groups, customers in up to three
// groups. Its prices are made on the fly by eachPrice.
type shop struct {
	variants, customers []string
	lists               []pricing.PriceList
	members             [][2]string
}

var currencies = [3]string{"usd", "eur", "gbp"}

func newShop(variants int) *shop {
	const groups, lists = 50, 200
	t0 := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	sh := &shop{}
	for v := range variants {
		sh.variants = append(sh.variants, fmt.Sprintf("variant_%07d", v))
	}
	for c := range variants * 10 {
		id := fmt.Sprintf("cus_%08d", c)
		sh.customers = append(sh.customers, id)
		for _, m := range []int{7, 13, 29}[:c%4] {
			sh.members = append(sh.members, [2]string{fmt.Sprintf("cgrp_%05d", c*m%groups), id})
		}
	}
	for i := range lists {
		pl := pricing.PriceList{
			ID: fmt.Sprintf("pl_%05d", i), Name: fmt.Sprintf("List %05d", i), Type: pricing.Sale, Status: pricing.Active,
			StartsAt: t0.AddDate(0, 0, -30), EndsAt: t0.AddDate(0, 0, 30), CreatedAt: t0, UpdatedAt: t0,
		}
		if i%10 < 7 {
			pl.CustomerGroupIDs = []string{fmt.Sprintf("cgrp_%05d", i%groups)}
		}
		sh.lists = append(sh.lists, pl)
	}
	return sh
}

// eachPrice calls fn with every price of the shop, the base prices first.
func (sh *shop) eachPrice(fn func(pricing.Price)) {
	for v, vid := range sh.variants {
		base := int64(1000 + v*37%9000)
		for k, c := range currencies {
			fn(pricing.Price{ID: fmt.Sprintf("bp_%07d_%d", v, k), VariantID: vid, CurrencyCode: c, Amount: base})
			fn(pricing.Price{ID: fmt.Sprintf("bp_%07d_%d", v, k+4), VariantID: vid, CurrencyCode: c, Amount: base * 9 / 10, MinQuantity: 10})
		}
		fn(pricing.Price{ID: fmt.Sprintf("bp_%07d_3", v), VariantID: vid, CurrencyCode: "eur", RegionID: "reg_de", Amount: base + 50})
	}
	for i, pl := range sh.lists {
		for v := (20 - i*53%20) % 20; v < len(sh.variants); v += 20 {
			amount := int64(1000+v*37%9000) * int64(95-i%40) / 100
			nc := 2
			if i%4 == 0 {
				nc = 3
			}
			for k, c := range currencies[:nc] {
				fn(pricing.Price{
					ID: fmt.Sprintf("lp_%05d_%07d_%d", i, v, 2*k), PriceListID: pl.ID, VariantID: sh.variants[v], CurrencyCode: c, Amount: amount,
				})
				if i%3 == 1 {
					fn(pricing.Price{
						ID: fmt.Sprintf("lp_%05d_%07d_%d", i, v, 2*k+1), PriceListID: pl.ID, VariantID: sh.variants[v], CurrencyCode: c, Amount: amount * 95 / 100, MinQuantity: 5,
					})
				}
			}
		}
	}
}

// loadRecords stores the shop's groups, members and lists in s.
func (sh *shop) loadRecords(tb testing.TB, s *memory.Store) {
	tb.Helper()
	err := s.Update(context.Background(), func(tx pricing.Tx) error {
		for g := range 50 {
			id := fmt.Sprintf("cgrp_%05d", g)
			if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: id, Name: id}, id); err != nil {
				return err
			}
		}
		for _, m := range sh.members {
			if err := tx.AddMember(m[0], m[1]); err != nil {
				return err
			}
		}
		for _, pl := range sh.lists {
			if err := tx.PutPriceList(pl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// loadPrices stores the shop's prices in s, in Updates of 10,000, and returns how many.
func (sh *shop) loadPrices(tb testing.TB, s *memory.Store) int {
	tb.Helper()
	n := 0
	batch := make([]pricing.Price, 0, 10_000)
	flush := func() {
		err := s.Update(context.Background(), func(tx pricing.Tx) error {
			for _, p := range batch {
				if err := tx.PutPrice(p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		n += len(batch)
		clear(batch)
		batch = batch[:0]
	}
	sh.eachPrice(func(p pricing.Price) {
		if batch = append(batch, p); len(batch) == cap(batch) {
			flush()
		}
	})
	flush()
	return n
}

// load stores the whole shop in s.
func (sh *shop) load(tb testing.TB, s *memory.Store) {
	tb.Helper()
	sh.loadRecords(tb, s)
	sh.loadPrices(tb, s)
}

// resolverReads does what the resolver reads for one item: the customer's groups, the
// variant's prices in the currency, and the terms of each list among them. Its buffers
// are reused, as the resolver's are; run is bound once so that calls do not allocate.
type resolverReads struct {
	customer, variant string
	groups            []string
	prices            []pricing.Price
	terms             []pricing.PriceListTerms
	run               func(pricing.Tx) error
}

func newResolverReads() *resolverReads {
	r := &resolverReads{groups: make([]string, 0, 8), prices: make([]pricing.Price, 0, 64), terms: make([]pricing.PriceListTerms, 0, 16)}
	r.run = r.read
	return r
}

func (r *resolverReads) read(tx pricing.Tx) error {
	var err error
	if r.groups, err = tx.AppendCustomerGroupIDs(r.groups[:0], r.customer); err != nil {
		return err
	}
	if r.prices, err = tx.AppendVariantPrices(r.prices[:0], r.variant, "usd"); err != nil {
		return err
	}
	r.terms = r.terms[:0]
next:
	for _, p := range r.prices {
		if p.PriceListID == "" {
			continue
		}
		for _, t := range r.terms {
			if t.ID == p.PriceListID {
				continue next
			}
		}
		t, err := tx.PriceListTerms(p.PriceListID)
		if err != nil {
			return err
		}
		r.terms = append(r.terms, t)
	}
	return nil
}

// BenchmarkResolverReads is the store's share of one Resolve: a View with the reads of
// resolverReads, over a shop of 10,000 variants.
func BenchmarkResolverReads(b *testing.B) {
	sh := newShop(10_000)
	s := memory.New()
	defer s.Close()
	sh.load(b, s)
	ctx := context.Background()
	r := newResolverReads()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.customer = sh.customers[i*7919%len(sh.customers)]
		r.variant = sh.variants[i*104729%len(sh.variants)]
		if err := s.View(ctx, r.run); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkView is the cost of an empty View.
func BenchmarkView(b *testing.B) {
	s := memory.New()
	defer s.Close()
	ctx := context.Background()
	fn := func(pricing.Tx) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := s.View(ctx, fn); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutPrice inserts new prices in Updates of 10,000, undo log included, into
// a store that grows with b.N. It reports prices/s.
func BenchmarkPutPrice(b *testing.B) {
	const batch = 10_000
	s := memory.New()
	defer s.Close()
	ctx := context.Background()
	b.ReportAllocs()
	var elapsed time.Duration
	n := 0
	prices := make([]pricing.Price, batch)
	for b.Loop() {
		// Make the batch with the timer stopped: only the Update is measured.
		b.StopTimer()
		for k := range prices {
			j := n + k // 7 prices per variant, in one currency, keyed by MinQuantity
			prices[k] = pricing.Price{
				ID: "pr_" + strconv.Itoa(j), VariantID: "variant_" + strconv.Itoa(j/7), CurrencyCode: currencies[j/7%3],
				MinQuantity: int64(j % 7), Amount: 1000,
			}
		}
		b.StartTimer()
		start := time.Now()
		err := s.Update(ctx, func(tx pricing.Tx) error {
			for _, p := range prices {
				if err := tx.PutPrice(p); err != nil {
					return err
				}
			}
			return nil
		})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		n += batch
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "prices/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(n), "ns/price")
}

// BenchmarkPutPriceReplace replaces stored prices (same ID and key, another amount).
func BenchmarkPutPriceReplace(b *testing.B) {
	sh := newShop(10_000)
	s := memory.New()
	defer s.Close()
	sh.load(b, s)
	ctx := context.Background()
	var base []pricing.Price
	sh.eachPrice(func(p pricing.Price) {
		if p.PriceListID == "" {
			base = append(base, p)
		}
	})
	prices := base
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		err := s.Update(ctx, func(tx pricing.Tx) error {
			for _, p := range prices[:10_000] {
				p.Amount++
				if err := tx.PutPrice(p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		n += 10_000
		prices = prices[10_000:]
		if len(prices) < 10_000 {
			prices = base
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "prices/s")
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(n), "ns/price")
}

// TestResolverReadsAllocations checks that the resolver's reads allocate nothing once
// the caller's buffers have grown: View, AppendCustomerGroupIDs, AppendVariantPrices and
// PriceListTerms.
func TestResolverReadsAllocations(t *testing.T) {
	sh := newShop(200)
	s := memory.New()
	defer s.Close()
	sh.load(t, s)
	ctx := context.Background()
	r := newResolverReads()
	for _, c := range []struct{ customer, variant string }{
		{sh.customers[3], sh.variants[0]},   // three groups, list prices
		{sh.customers[0], sh.variants[7]},   // no group
		{"cus_unknown", "variant_unknown"},  // nothing at all
		{sh.customers[7], sh.variants[199]}, // three groups
	} {
		r.customer, r.variant = c.customer, c.variant
		if err := s.View(ctx, r.run); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if err := s.View(ctx, r.run); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("View with the resolver's reads of customer %s, variant %s: %v allocations, want 0", c.customer, c.variant, allocs)
		}
	}
	if len(r.terms) == 0 && len(r.prices) == 0 {
		t.Fatal("the allocation test read nothing")
	}
}

// TestBytesPerPrice measures the heap a stored price holds, indexes and its ID string
// included, in a shop shaped like the benchmark dataset, and fails only past a
// generous bound.
func TestBytesPerPrice(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 74,100 prices")
	}
	sh := newShop(2_000)
	s := memory.New()
	defer s.Close()
	sh.loadRecords(t, s)
	sh.members, sh.customers = nil, nil
	before := heapInUse()
	n := sh.loadPrices(t, s)
	after := heapInUse()
	perPrice := (float64(after) - float64(before)) / float64(n)
	t.Logf("%.0f bytes of heap per stored price (%d prices; their ID strings, 16 to 24 bytes, included)", perPrice, n)
	if perPrice > 500 {
		t.Errorf("%.0f bytes per stored price, want well under 500 (the target is 300)", perPrice)
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(sh)
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkReads measures the resolver's read methods one by one, inside one View,
// over a shop of 10,000 variants, with random keys.
func BenchmarkReads(b *testing.B) {
	sh := newShop(10_000)
	s := memory.New()
	defer s.Close()
	sh.load(b, s)
	for _, c := range []struct {
		name string
		read func(tx pricing.Tx, i int) (int, error)
	}{
		{"AppendCustomerGroupIDs", func() func(pricing.Tx, int) (int, error) {
			dst := make([]string, 0, 8)
			return func(tx pricing.Tx, i int) (n int, err error) {
				dst, err = tx.AppendCustomerGroupIDs(dst[:0], sh.customers[i*7919%len(sh.customers)])
				return len(dst), err
			}
		}()},
		{"AppendVariantPrices", func() func(pricing.Tx, int) (int, error) {
			dst := make([]pricing.Price, 0, 64)
			return func(tx pricing.Tx, i int) (n int, err error) {
				dst, err = tx.AppendVariantPrices(dst[:0], sh.variants[i*104729%len(sh.variants)], "usd")
				return len(dst), err
			}
		}()},
		{"PriceListTerms", func(tx pricing.Tx, i int) (int, error) {
			_, err := tx.PriceListTerms(sh.lists[i*7%len(sh.lists)].ID)
			return 1, err
		}},
		{"PriceIDByKey", func(tx pricing.Tx, i int) (int, error) {
			// List 1 prices the variants 7, 27, 47...
			_, err := tx.PriceIDByKey(pricing.PriceKey{PriceListID: "pl_00001", VariantID: sh.variants[(i*20+7)%len(sh.variants)], CurrencyCode: "usd"})
			return 1, err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i, n := 0, 0
			err := s.View(context.Background(), func(tx pricing.Tx) error {
				for b.Loop() {
					k, err := c.read(tx, i)
					if err != nil {
						return err
					}
					i, n = i+1, n+k
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n)/float64(i), "results/op")
		})
	}
}
