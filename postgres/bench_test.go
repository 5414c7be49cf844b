package postgres_test

// The catalog benchmarks of internal/catalog (the dataset of DATASET.md, loaded through
// the Service) on the postgres store, with the same shapes, so that BENCHMARKS.md can
// put the three stores side by side. With a server (scripts/pgtest.sh, or
// PRICING_POSTGRES_URL):
//
//	scripts/pgtest.sh go test -run '^$' -bench . -benchmem -count 6 -timeout 2h | tee pg.txt
//	benchstat pg.txt
//
// The dataset is loaded once per process into a new schema, by the first benchmark
// that needs it, with two workers, then the schema's tables are vacuumed and analyzed
// (autovacuum would do the same after a bulk load, a little later), and dropped at the
// end. -pg.keep SCHEMA keeps it in that schema instead, and reuses it on the next run
// when its load completed. BenchmarkPostgresLoad loads S = 1 into a new schema per
// iteration.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/internal/catalog"
	"github.com/commercekit/pricing/internal/catalogbench"
	"github.com/commercekit/pricing/postgres"
)

var (
	flagScale = flag.Int("pg.scale", 1, "scale factor of the catalog the postgres benchmarks load")
	flagKeep  = flag.String("pg.keep", "", "schema that keeps the loaded catalog between runs (default: a new schema, dropped at the end)")
)

// loadedComment marks a schema whose load completed.
const loadedComment = "catalog loaded: S=%d"

// benchData is the loaded catalog.
type benchData struct {
	c     *catalog.Catalog
	store *postgres.Store
	svc   *pricing.Service
}

var bench *benchData

// loadBench returns the catalog, loading it on first use.
func loadBench(b *testing.B) *benchData {
	b.Helper()
	if bench != nil {
		return bench
	}
	ctx := context.Background()
	pool := sharedPool(b)
	schema := *flagKeep
	if schema == "" {
		schema = fmt.Sprintf("pricing_bench_%d", os.Getpid())
		drop := func() { _, _ = pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE") }
		drop()
		registerExit(drop)
	}
	want := fmt.Sprintf(loadedComment, *flagScale)
	var comment *string
	if err := pool.QueryRow(ctx, `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`, schema).Scan(&comment); err != nil && err != pgx.ErrNoRows {
		b.Fatal(err)
	}
	if comment == nil || *comment != want {
		if _, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			b.Fatal(err)
		}
	}
	store, err := postgres.New(ctx, pool, &postgres.Options{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	d := &benchData{c: catalog.New(*flagScale), store: store, svc: catalog.NewService(store)}
	if comment != nil && *comment == want {
		fmt.Fprintf(os.Stderr, "# catalog load: reusing schema %s\n", schema)
	} else {
		start := time.Now()
		if _, err := d.c.Load(ctx, d.svc, &catalog.LoadOptions{Progress: progress("postgres", *flagScale), ProgressEvery: time.Minute}); err != nil {
			b.Fatalf("loading the catalog: %v", err)
		}
		fmt.Fprintf(os.Stderr, "# catalog load postgres S=%d: loaded in %v, %d retries\n", *flagScale, time.Since(start).Round(time.Millisecond), store.Stats().Retries)
		if err := vacuum(ctx, d.store); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, "COMMENT ON SCHEMA "+pgx.Identifier{schema}.Sanitize()+" IS '"+want+"'"); err != nil {
			b.Fatal(err)
		}
	}
	bench = d
	return d
}

// vacuum vacuums and analyzes the store's tables, as autovacuum does after a bulk load.
func vacuum(ctx context.Context, s *postgres.Store) error {
	start := time.Now()
	for _, table := range []string{"customer_groups", "customer_group_members", "price_lists", "prices", "journal_entries", "journal_items"} {
		if _, err := s.Pool().Exec(ctx, "VACUUM (ANALYZE) "+pgx.Identifier{s.Schema(), table}.Sanitize()); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "# catalog load: VACUUM (ANALYZE) in %v\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func progress(kind string, s int) func(catalog.Phase) {
	return func(p catalog.Phase) {
		state := "done"
		if !p.Done {
			state = "so far"
		}
		fmt.Fprintf(os.Stderr, "# catalog load %s S=%d: %-12s %9d records %7d txs %10v %10.0f/s %s\n",
			kind, s, p.Name, p.Records, p.Transactions, p.Duration.Round(time.Millisecond), p.PerSecond(), state)
	}
}

// exits are run by TestMain after the tests and benchmarks.
var exits []func()

func registerExit(f func()) { exits = append(exits, f) }

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range exits {
		f()
	}
	os.Exit(code)
}

func BenchmarkPostgres(b *testing.B) {
	d := loadBench(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		keep    func(catalog.Query) bool
		explain bool
	}{
		{"customer", catalogbench.CustomerWithGroups, false},
		{"customer+explain", catalogbench.CustomerWithGroups, true},
		{"anonymous", catalogbench.Anonymous, false},
		{"anonymous+explain", catalogbench.Anonymous, true},
	} {
		b.Run(fmt.Sprintf("S=%d/Resolve/%s", *flagScale, bc.name), func(b *testing.B) {
			benchResolve(b, ctx, d, bc.keep, bc.explain)
		})
	}
	b.Run(fmt.Sprintf("S=%d/ResolveMany/100", *flagScale), func(b *testing.B) { catalogbench.ResolveMany(b, ctx, d.svc, d.c) })
	b.Run(fmt.Sprintf("S=%d/ListPriceLists/active+group", *flagScale), func(b *testing.B) { catalogbench.ListPriceLists(b, ctx, d.svc, d.c) })
	b.Run(fmt.Sprintf("S=%d/AddCustomers/10000", *flagScale), func(b *testing.B) { catalogbench.AddCustomers(b, ctx, d.svc, d.c) })
	b.Run(fmt.Sprintf("S=%d/AddPrices/100000", *flagScale), func(b *testing.B) { catalogbench.AddPrices(b, ctx, d.svc, d.c) })
	// The write benchmarks undo their writes, and leave dead rows: vacuum them, as
	// autovacuum would soon, so that the reads of the next -count do not wade through
	// them.
	if err := vacuum(ctx, d.store); err != nil {
		b.Fatal(err)
	}
}

func benchResolve(b *testing.B, ctx context.Context, d *benchData, keep func(catalog.Query) bool, explain bool) {
	qs := catalogbench.Queries(d.c, 4096, keep)
	for i := range qs {
		qs[i].Query.Explain = explain
	}
	catalogbench.Resolve(b, ctx, d.svc, qs)
}

// BenchmarkPostgresLoad loads S = 1 through the Service into a new schema per
// iteration, with two workers, and reports the price phases' prices/s.
func BenchmarkPostgresLoad(b *testing.B) {
	ctx := context.Background()
	pool := sharedPool(b)
	c := catalog.New(1)
	var prices float64
	var priceTime time.Duration
	var retries uint64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		schema := fmt.Sprintf("pricing_load_%d_%d", os.Getpid(), i)
		drop := func() { _, _ = pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE") }
		drop()
		store, err := postgres.New(ctx, pool, &postgres.Options{Schema: schema})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := c.Load(ctx, catalog.NewService(store), &catalog.LoadOptions{Workers: 2})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		prices += float64(st.Prices())
		priceTime += st.PriceDuration()
		retries += store.Stats().Retries
		for _, p := range st.Phases {
			fmt.Fprintf(os.Stderr, "# load %d: %-12s %9d records %7d txs %10v %10.0f/s\n", i, p.Name, p.Records, p.Transactions, p.Duration.Round(time.Millisecond), p.PerSecond())
		}
		_ = store.Close()
		drop()
		b.StartTimer()
	}
	b.ReportMetric(prices/priceTime.Seconds(), "prices/s")
	b.ReportMetric(float64(retries)/float64(b.N), "retries/op")
}

// noJournal hides the store's journal from the Service: its Update passes fn a Tx that
// is not a pricing.JournalTx, so that the Service writes no entry (as the root's
// BenchmarkJournalWrites does), and it still reads candidates in one round trip.
type noJournal struct {
	pricing.Store
	pricing.CandidateReader
}

func (s noJournal) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	return s.Store.Update(ctx, func(tx pricing.Tx) error { return fn(struct{ pricing.Tx }{tx}) })
}

// BenchmarkPostgresJournal is the cost of the journal: Resolve, AddCustomers and
// AddPrices on the loaded catalog, with the journal and with it hidden, side by side
// (issue 9's budget: at most 25% off the writes).
//
//	scripts/pgtest.sh go test -run '^$' -bench PostgresJournal -benchmem -count 6 -timeout 2h \
//	    ./postgres/... -pg.keep=catalog_s1 | tee pgj.txt
//	benchstat -col /journal pgj.txt
func BenchmarkPostgresJournal(b *testing.B) {
	d := loadBench(b)
	ctx := context.Background()
	for _, journal := range []bool{false, true} {
		dj := *d
		if !journal {
			dj.svc = catalog.NewService(noJournal{d.store, d.store})
		}
		b.Run(fmt.Sprintf("journal=%v/S=%d/Resolve/customer", journal, *flagScale), func(b *testing.B) {
			benchResolve(b, ctx, &dj, catalogbench.CustomerWithGroups, false)
		})
		b.Run(fmt.Sprintf("journal=%v/S=%d/AddCustomers/10000", journal, *flagScale), func(b *testing.B) {
			catalogbench.AddCustomers(b, ctx, dj.svc, dj.c)
		})
		b.Run(fmt.Sprintf("journal=%v/S=%d/AddPrices/100000", journal, *flagScale), func(b *testing.B) {
			catalogbench.AddPrices(b, ctx, dj.svc, dj.c)
		})
	}
	if err := vacuum(ctx, d.store); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPostgresJournalPaired measures the journal's cost on writes in pairs: each
// iteration runs the operation without the journal and with it, back to back (in
// turns, which first), so that the load of a shared machine, which moves a single
// benchmark's figures by 2×, weighs on both alike. It reports the medians of each, and
// the median of the pairs' ratios, the journal's cost:
//
//	scripts/pgtest.sh go test -run '^$' -bench PostgresJournalPaired -benchtime 12x ./postgres/...
func BenchmarkPostgresJournalPaired(b *testing.B) {
	d := loadBench(b)
	ctx := context.Background()
	without := *d
	without.svc = catalog.NewService(noJournal{d.store, d.store})
	for _, op := range []struct {
		name string
		once func(ctx context.Context, d *benchData, i int) (time.Duration, error)
	}{
		{"AddPrices/100000", addPricesOnce},
		{"AddCustomers/10000", addCustomersOnce},
	} {
		b.Run(fmt.Sprintf("S=%d/%s", *flagScale, op.name), func(b *testing.B) {
			var with, wo []time.Duration
			var ratios []float64
			for i := 0; b.Loop(); i++ {
				var t [2]time.Duration
				for k := range 2 {
					side := (i + k) % 2 // 0: without the journal
					dd := d
					if side == 0 {
						dd = &without
					}
					var err error
					if t[side], err = op.once(ctx, dd, 2*i+k); err != nil {
						b.Fatal(err)
					}
				}
				wo, with = append(wo, t[0]), append(with, t[1])
				ratios = append(ratios, float64(t[1])/float64(t[0]))
			}
			b.ReportMetric(float64(median(wo).Milliseconds()), "ms-without")
			b.ReportMetric(float64(median(with).Milliseconds()), "ms-with")
			b.ReportMetric(100*(median(ratios)-1), "%-cost")
		})
	}
	if err := vacuum(ctx, d.store); err != nil {
		b.Fatal(err)
	}
}

func median[T time.Duration | float64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// addPricesOnce is one iteration of catalogbench.AddPrices: AddPrices of 100,000 prices to a
// new list, timed; the list is made before and deleted after.
func addPricesOnce(ctx context.Context, d *benchData, i int) (time.Duration, error) {
	const n = 100_000
	prices := make([]pricing.PriceInput, n)
	for k := range prices {
		prices[k] = pricing.PriceInput{
			VariantID:    d.c.VariantID(k % d.c.V),
			CurrencyCode: catalog.Currencies[k%3],
			Amount:       int64(500 + k%1000),
			MinQuantity:  int64(k / d.c.V),
		}
	}
	pl, err := d.svc.CreatePriceList(ctx, pricing.NewPriceList{ID: fmt.Sprintf("bench_pair_pl_%d", i), Name: "Bench", Status: pricing.Active})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	_, err = d.svc.AddPrices(ctx, pl.ID, prices, false)
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	return elapsed, d.svc.DeletePriceList(ctx, pl.ID)
}

// addCustomersOnce is one iteration of catalogbench.AddCustomers: AddCustomers of 10,000
// catalog customers to a new group, timed; the group is made before and deleted after.
func addCustomersOnce(ctx context.Context, d *benchData, i int) (time.Duration, error) {
	const n = 10_000
	g, err := d.svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("bench_pair_cg_%d", i), Name: fmt.Sprintf("Bench pair %d", i)})
	if err != nil {
		return 0, err
	}
	ids := make([]string, n)
	first := i * n % d.c.C
	for k := range ids {
		ids[k] = catalog.CustomerID((first + k) % d.c.C)
	}
	start := time.Now()
	err = d.svc.AddCustomers(ctx, g.ID, ids)
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	return elapsed, d.svc.DeleteCustomerGroup(ctx, g.ID)
}

// BenchmarkPostgresLoadPaired loads S = 1 through the Service into a new schema, with
// two workers, without the journal and with it, in pairs (see
// BenchmarkPostgresJournalPaired); it reports the medians of the loads' times and of
// the pairs' ratios.
func BenchmarkPostgresLoadPaired(b *testing.B) {
	ctx := context.Background()
	pool := sharedPool(b)
	c := catalog.New(1)
	var with, wo []time.Duration
	var ratios []float64
	for i := 0; b.Loop(); i++ {
		var t [2]time.Duration
		for k := range 2 {
			side := (i + k) % 2 // 0: without the journal
			schema := fmt.Sprintf("pricing_loadpair_%d_%d_%d", os.Getpid(), i, k)
			drop := func() { _, _ = pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE") }
			drop()
			store, err := postgres.New(ctx, pool, &postgres.Options{Schema: schema})
			if err != nil {
				b.Fatal(err)
			}
			var st pricing.Store = store
			if side == 0 {
				st = noJournal{store, store}
			}
			start := time.Now()
			if _, err := c.Load(ctx, catalog.NewService(st), &catalog.LoadOptions{Workers: 2}); err != nil {
				b.Fatal(err)
			}
			t[side] = time.Since(start)
			fmt.Fprintf(os.Stderr, "# load journal=%v: %v, %d retries\n", side == 1, t[side].Round(time.Millisecond), store.Stats().Retries)
			_ = store.Close()
			drop()
		}
		wo, with = append(wo, t[0]), append(with, t[1])
		ratios = append(ratios, float64(t[1])/float64(t[0]))
	}
	b.ReportMetric(median(wo).Seconds(), "s-without")
	b.ReportMetric(median(with).Seconds(), "s-with")
	b.ReportMetric(100*(median(ratios)-1), "%-cost")
}
