package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/internal/catalog"
	"github.com/commercekit/pricing/internal/catalogbench"
	"github.com/commercekit/pricing/postgres"
	"github.com/commercekit/pricing/replica"
)

// BenchmarkPostgresReplica runs the catalog's reads through an in-memory replica of the
// postgres store (package replica), as an instance of a host that shares the database
// would, and measures its lag: the time from the return of a write made by another
// instance (a Store on a pool of its own) to the replica holding that write's revision.
//
//	scripts/pgtest.sh go test -run '^$' -bench PostgresReplica -benchmem -count 6 \
//	    ./postgres/... -pg.keep=catalog_s1
func BenchmarkPostgresReplica(b *testing.B) {
	d := loadBench(b)
	ctx := context.Background()
	start := time.Now()
	rep, err := replica.New(ctx, d.store, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer rep.Close()
	b.Logf("the replica loaded the catalog in %v", time.Since(start).Round(time.Millisecond))
	rd := &benchData{c: d.c, store: d.store, svc: catalog.NewService(rep)}
	b.Run(fmt.Sprintf("S=%d/Resolve/customer", *flagScale), func(b *testing.B) {
		benchResolve(b, ctx, rd, catalogbench.CustomerWithGroups, false)
	})
	b.Run(fmt.Sprintf("S=%d/ResolveMany/100", *flagScale), func(b *testing.B) { catalogbench.ResolveMany(b, ctx, rd.svc, rd.c) })
	b.Run(fmt.Sprintf("S=%d/Lag", *flagScale), func(b *testing.B) { benchReplicaLag(b, ctx, d, rep) })
}

// benchReplicaLag adds a customer to a group per iteration through another Store, and
// waits for the replica to hold the write's revision. It reports the median and the
// 99th percentile of the lags, each an upper bound: it includes the round trip that
// reads the revision.
func benchReplicaLag(b *testing.B, ctx context.Context, d *benchData, rep *replica.Replica) {
	pool, err := pgxpool.New(ctx, serverURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	other, err := postgres.New(ctx, pool, &postgres.Options{Schema: d.store.Schema()})
	if err != nil {
		b.Fatal(err)
	}
	defer other.Close()
	svc := catalog.NewService(other)
	g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: fmt.Sprintf("Lag %d", time.Now().UnixNano())})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := svc.DeleteCustomerGroup(ctx, g.ID); err != nil {
			b.Error(err)
		}
	}()
	var lags []time.Duration
	for i := 0; b.Loop(); i++ {
		if err := svc.AddCustomers(ctx, g.ID, []string{fmt.Sprint("lag_", i)}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rev, err := svc.Revision(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := rep.Wait(ctx, rev); err != nil {
			b.Fatal(err)
		}
		lags = append(lags, time.Since(start))
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds()), "p99-µs")
}
