package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// The root package's BenchmarkListPriceListsPage (list_bench_test.go), the cost that
// issue 13 §4 bounds, on the postgres store, with the same shape: the root's benchmark
// cannot import this module. With a server, from the repository's root:
//
//	scripts/pgtest.sh go test -run '^$' -bench PostgresListPriceListsPage -benchmem -count 6 ./postgres/...
//
// The 5,000 lists are written once per process into a schema of their own, vacuumed
// and analyzed (as autovacuum would soon), and dropped at the end.

// pgListBenchLists is the number of lists of BenchmarkPostgresListPriceListsPage.
const pgListBenchLists = 5000

// pgListBenchT0 is the creation time of the first list.
var pgListBenchT0 = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

var pgListBench struct {
	once sync.Once
	svc  *pricing.Service
	err  error
}

// pgListBenchService returns a Service over a store holding pgListBenchLists price
// lists created a second apart: half of them active, each open to one of 10 groups and
// to one of 50 customers, every fourth limited in time so that a quarter are over at
// t0+n s. The names are in no relation to the creation order. As the root's
// listBenchService.
func pgListBenchService(b *testing.B) *pricing.Service {
	b.Helper()
	pool := sharedPool(b)
	pgListBench.once.Do(func() {
		ctx := context.Background()
		schema := fmt.Sprintf("pricing_listbench_%d", os.Getpid())
		drop := func() { _, _ = pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE") }
		drop()
		registerExit(drop)
		store, err := postgres.New(ctx, pool, &postgres.Options{Schema: schema})
		if err != nil {
			pgListBench.err = err
			return
		}
		now := pgListBenchT0
		svc := pricing.New(store, pricing.WithClock(func() time.Time { return now }))
		start := time.Now()
		if pgListBench.err = pgListBenchLoad(ctx, svc, &now, pgListBenchLists); pgListBench.err != nil {
			return
		}
		if pgListBench.err = vacuum(ctx, store); pgListBench.err != nil {
			return
		}
		fmt.Fprintf(os.Stderr, "# list benchmark: %d lists written in %v\n", pgListBenchLists, time.Since(start).Round(time.Millisecond))
		pgListBench.svc = svc
	})
	if pgListBench.err != nil {
		b.Fatal(pgListBench.err)
	}
	return pgListBench.svc
}

func pgListBenchLoad(ctx context.Context, svc *pricing.Service, now *time.Time, n int) error {
	for g := range 10 {
		if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("g%02d", g), Name: fmt.Sprintf("Group %02d", g)}); err != nil {
			return err
		}
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
			nl.EndsAt = pgListBenchT0.Add(time.Duration(n/2) * time.Second)
		}
		if _, err := svc.CreatePriceList(ctx, nl); err != nil {
			return err
		}
		*now = now.Add(time.Second)
	}
	return nil
}

// BenchmarkPostgresListPriceListsPage lists one page of 50 price lists among 5,000: the
// first page in the default order, one at a deep offset and the same one after a
// cursor, the first page by name, and the first pages of the filters the stores can
// index. The cases of the root's BenchmarkListPriceListsPage.
func BenchmarkPostgresListPriceListsPage(b *testing.B) {
	ctx := context.Background()
	svc := pgListBenchService(b)
	end := pgListBenchT0.Add(pgListBenchLists * time.Second)
	cases := []struct {
		name  string
		f     pricing.PriceListFilter
		total int
	}{
		{"first", pricing.PriceListFilter{Limit: 50}, pgListBenchLists},
		{"offset=4000", pricing.PriceListFilter{Limit: 50, Offset: 4000}, pgListBenchLists},
		{"after=4000", pricing.PriceListFilter{Limit: 50}, pgListBenchLists}, // After: the cursor of the 4,000th list
		{"name", pricing.PriceListFilter{Limit: 50, Order: "name"}, pgListBenchLists},
		{"statuses", pricing.PriceListFilter{Limit: 50, Statuses: []pricing.PriceListStatus{pricing.Active}}, pgListBenchLists / 2},
		{"active_at", pricing.PriceListFilter{Limit: 50, ActiveAt: end}, pgListBenchLists / 4},
		{"group", pricing.PriceListFilter{Limit: 50, CustomerGroupIDs: []string{"g03"}}, pgListBenchLists / 10},
		{"customer", pricing.PriceListFilter{Limit: 50, CustomerIDs: []string{"c07"}}, pgListBenchLists / 50},
	}
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
}
