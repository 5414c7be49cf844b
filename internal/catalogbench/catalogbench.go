// Package catalogbench holds the catalog benchmarks of DATASET.md that every store runs:
// internal/catalog's for the memory and bolt stores and the postgres module's for its
// store, so that BENCHMARKS.md compares the same work. Each function is the body of a
// sub-benchmark over a Service loaded with the catalog c.
package catalogbench

import (
	"context"
	"fmt"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/internal/catalog"
)

// CustomerWithGroups keeps the queries for a customer who belongs to at least one group
// (customer c belongs to c mod 4 groups, folded: 0 only when c mod 4 = 0).
func CustomerWithGroups(q catalog.Query) bool { return q.Customer >= 0 && q.Customer%4 != 0 }

// Anonymous keeps the queries without a customer.
func Anonymous(q catalog.Query) bool { return q.Customer < 0 }

// ResolveQuery is a query of the stream, ready to pass to Resolve.
type ResolveQuery struct {
	Query     pricing.Query
	VariantID string
	Quantity  int64
}

// Queries returns n queries of the stream (seed 1) that keep passes.
func Queries(c *catalog.Catalog, n int, keep func(catalog.Query) bool) []ResolveQuery {
	st := c.Queries(1)
	out := make([]ResolveQuery, 0, n)
	for len(out) < n {
		q := st.Next()
		if !keep(q) {
			continue
		}
		pq, v := c.Pricing(q)
		out = append(out, ResolveQuery{pq, v, q.Quantity})
	}
	return out
}

// Resolve resolves the queries qs in turn.
func Resolve(b *testing.B, ctx context.Context, svc *pricing.Service, qs []ResolveQuery) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := &qs[i%len(qs)]
		if _, err := svc.Resolve(ctx, q.Query, q.VariantID, q.Quantity); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// ResolveMany resolves batches of 100 items of the stream (seed 2), 256 of them in
// turn.
func ResolveMany(b *testing.B, ctx context.Context, svc *pricing.Service, c *catalog.Catalog) {
	st := c.Queries(2)
	batches := make([]catalog.Batch, 256)
	for i := range batches {
		batches[i] = st.NextBatch()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bt := &batches[i%len(batches)]
		res, err := svc.ResolveMany(ctx, bt.Query(c), bt.Items)
		if err != nil {
			b.Fatal(err)
		}
		if len(res) != catalog.BatchSize || !res[0].Found {
			b.Fatalf("ResolveMany: %d results", len(res))
		}
		i++
	}
}

// ListPriceLists lists the first page of the lists active at T0 for one group.
func ListPriceLists(b *testing.B, ctx context.Context, svc *pricing.Service, c *catalog.Catalog) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := pricing.PriceListFilter{
			Statuses:         []pricing.PriceListStatus{pricing.Active},
			ActiveAt:         catalog.T0,
			CustomerGroupIDs: []string{catalog.GroupID(i % c.G)},
			Limit:            20,
		}
		if _, _, err := svc.ListPriceLists(ctx, f); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// AddCustomers adds 10,000 catalog customers to a new group; the group is created
// before and deleted after each iteration, with the timer stopped.
func AddCustomers(b *testing.B, ctx context.Context, svc *pricing.Service, c *catalog.Catalog) {
	const n = 10_000
	ids := make([]string, n)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("bench_cgrp_%d", i), Name: fmt.Sprintf("Bench %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		first := i * n % c.C
		for k := range ids {
			ids[k] = catalog.CustomerID((first + k) % c.C)
		}
		b.StartTimer()
		if err := svc.AddCustomers(ctx, g.ID, ids); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := svc.DeleteCustomerGroup(ctx, g.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "customers/s")
}

// AddPrices adds 100,000 prices, without IDs as a host's import would, to a new
// list in one call: catalog variants (variant k mod V from quantity k / V, so that keys
// are distinct) in usd, eur and gbp in turn. The list is created before and deleted after
// each iteration, with the timer stopped.
func AddPrices(b *testing.B, ctx context.Context, svc *pricing.Service, c *catalog.Catalog) {
	const n = 100_000
	prices := make([]pricing.PriceInput, n)
	for k := range prices {
		prices[k] = pricing.PriceInput{
			VariantID:    c.VariantID(k % c.V),
			CurrencyCode: catalog.Currencies[k%3],
			Amount:       int64(500 + k%1000),
			MinQuantity:  int64(k / c.V),
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		pl, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: fmt.Sprintf("bench_pl_%d", i), Name: "Bench", Status: pricing.Active})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := svc.AddPrices(ctx, pl.ID, prices, false); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := svc.DeletePriceList(ctx, pl.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "prices/s")
}

// BenchmarkLoad loads S = 1 into a new store per iteration and reports the price
// phases' prices/s and, for the memory store, the heap held per stored price (after a
// garbage collection, the growth of the heap over the price phases divided by the
