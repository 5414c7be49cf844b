package catalog_test

// The benchmark suite of issue 4: the catalog dataset (DATASET.md) at S = 1 and S = 10,
// on the memory store and on the bolt store. Run it with
//
//	go test -run '^$' -bench . -benchmem -count 6 -timeout 4h ./internal/catalog | tee bench.txt
//	benchstat bench.txt
//
// Each dataset is loaded once per process, lazily, by the first benchmark that needs it,
// and released when a benchmark needs another one: the benchmarks are grouped by store
// and scale (BenchmarkMemory/S=1/..., BenchmarkMemory/S=10/..., BenchmarkBolt/...), so
// that a full run loads each of the four datasets exactly once and holds one at a time.
// -catalog.scales and -catalog.stores narrow the run; -catalog.dir keeps the loaded bolt
// files in a directory between runs (a file is reused only when its load completed).
//
// The read benchmarks come first in each group; the write benchmarks (AddCustomers,
// AddPrices) remove what each iteration wrote, with the timer stopped, so that the
// dataset stays the catalog. Bolt loads with NoSync and is then reopened with the
// default, synced, options for the benchmarks, after one sequential read of the file so
// that it is in the page cache (S=10 is a 13 GB file). A full run takes about 50 minutes
// on 2 cores, 20 of them loading bolt at S=10 (-catalog.dir saves them on the next run).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/internal/catalog"
	"github.com/commercekit/pricing/internal/catalogbench"
	"github.com/commercekit/pricing/memory"
)

var (
	flagScales = flag.String("catalog.scales", "1,10", "comma-separated scale factors of the catalog benchmarks")
	flagStores = flag.String("catalog.stores", "memory,bolt", "comma-separated stores of the catalog benchmarks")
	flagDir    = flag.String("catalog.dir", "", "directory that keeps the loaded bolt files between runs (default: a temporary directory)")
)

// dataset is a loaded catalog.
type dataset struct {
	kind  string // "memory" or "bolt"
	s     int
	c     *catalog.Catalog
	store pricing.Store
	svc   *pricing.Service
	stats catalog.Stats // zero when a kept bolt file was reused
	dir   string        // temporary directory to remove, if any
}

func (d *dataset) close() {
	if d.store != nil {
		_ = d.store.Close()
	}
	if d.dir != "" {
		_ = os.RemoveAll(d.dir)
	}
}

// current is the one dataset held at a time.
var current *dataset

// load returns the dataset of the kind at scale s, loading it unless it is the current
// one; the previous one is released first.
func load(b *testing.B, kind string, s int) *dataset {
	b.Helper()
	if current != nil && current.kind == kind && current.s == s {
		return current
	}
	if current != nil {
		current.close()
		current = nil
		runtime.GC()
		debug.FreeOSMemory()
	}
	d := &dataset{kind: kind, s: s, c: catalog.New(s)}
	ctx := context.Background()
	start := time.Now()
	progress := func(p catalog.Phase) {
		state := "done"
		if !p.Done {
			state = "so far"
		}
		fmt.Fprintf(os.Stderr, "# catalog load %s S=%d: %-12s %9d records %7d txs %10v %10.0f/s %s\n",
			kind, s, p.Name, p.Records, p.Transactions, p.Duration.Round(time.Millisecond), p.PerSecond(), state)
	}
	var err error
	switch kind {
	case "memory":
		d.store = memory.New()
		d.svc = catalog.NewService(d.store)
		d.stats, err = d.c.Load(ctx, d.svc, &catalog.LoadOptions{Progress: progress, ProgressEvery: time.Minute})
	case "bolt":
		err = d.openBolt(ctx, progress)
	default:
		b.Fatalf("unknown store %q", kind)
	}
	if err != nil {
		d.close()
		b.Fatalf("loading %s S=%d: %v", kind, s, err)
	}
	fmt.Fprintf(os.Stderr, "# catalog load %s S=%d: loaded in %v\n", kind, s, time.Since(start).Round(time.Millisecond))
	current = d
	return d
}

// openBolt loads the catalog into a bolt file with NoSync, or reuses a complete file kept
// in -catalog.dir, and opens it with the default options.
func (d *dataset) openBolt(ctx context.Context, progress func(catalog.Phase)) error {
	dir := *flagDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "catalog-bench-"); err != nil {
			return err
		}
		d.dir = dir
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, fmt.Sprintf("catalog-S%d.db", d.s))
	done := path + ".loaded"
	if _, err := os.Stat(done); err != nil {
		_ = os.Remove(path)
		st, err := bolt.Open(path, &bolt.Options{NoSync: true})
		if err != nil {
			return err
		}
		d.stats, err = d.c.Load(ctx, catalog.NewService(st), &catalog.LoadOptions{Progress: progress, ProgressEvery: time.Minute})
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(os.Stderr, "# catalog load: reusing %s\n", path)
	}
	if err := warm(path); err != nil {
		return err
	}
	st, err := bolt.Open(path, nil)
	if err != nil {
		return err
	}
	d.store, d.svc = st, catalog.NewService(st)
	return nil
}

// warm reads the file once, so that the benchmarks find it in the page cache, as a
// serving process would after a while, and not on disk as a file written by an earlier
// run and evicted since.
func warm(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	start := time.Now()
	n, err := io.Copy(io.Discard, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	fmt.Fprintf(os.Stderr, "# catalog load: read %d MiB of %s in %v to warm the page cache\n", n>>20, filepath.Base(path), time.Since(start).Round(time.Millisecond))
	return err
}

func list(flagValue string) []string {
	var out []string
	for f := range strings.SplitSeq(flagValue, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func BenchmarkMemory(b *testing.B) { benchStore(b, "memory") }
func BenchmarkBolt(b *testing.B)   { benchStore(b, "bolt") }

func benchStore(b *testing.B, kind string) {
	if !slices.Contains(list(*flagStores), kind) {
		b.Skipf("store %s not in -catalog.stores", kind)
	}
	for _, f := range list(*flagScales) {
		s, err := strconv.Atoi(f)
		if err != nil || s < 1 {
			b.Fatalf("bad scale factor %q in -catalog.scales", f)
		}
		b.Run(fmt.Sprintf("S=%d", s), func(b *testing.B) { benchDataset(b, kind, s) })
	}
}

func benchDataset(b *testing.B, kind string, s int) {
	d := load(b, kind, s)
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		filter  func(catalog.Query) bool
		explain bool
	}{
		{"customer", catalogbench.CustomerWithGroups, false},
		{"customer+explain", catalogbench.CustomerWithGroups, true},
		{"anonymous", catalogbench.Anonymous, false},
		{"anonymous+explain", catalogbench.Anonymous, true},
	} {
		b.Run("Resolve/"+bc.name, func(b *testing.B) { benchResolve(b, ctx, d, bc.filter, bc.explain) })
	}
	b.Run("Resolve/sale", func(b *testing.B) { benchResolveSales(b, ctx, d, 0) })
	b.Run("Resolve/sale+prior", func(b *testing.B) { benchResolveSales(b, ctx, d, 30) })
	b.Run("ResolveMany/100", func(b *testing.B) { catalogbench.ResolveMany(b, ctx, d.svc, d.c) })
	b.Run("ListPriceLists/active+group", func(b *testing.B) { catalogbench.ListPriceLists(b, ctx, d.svc, d.c) })
	b.Run("AddCustomers/10000", func(b *testing.B) { catalogbench.AddCustomers(b, ctx, d.svc, d.c) })
	b.Run("AddPrices/100000", func(b *testing.B) { catalogbench.AddPrices(b, ctx, d.svc, d.c) })
	b.Run("Preview/publish-10000/group", func(b *testing.B) { benchPreview(b, ctx, d, "group") })
	b.Run("Preview/publish-10000/everyone", func(b *testing.B) { benchPreview(b, ctx, d, "everyone") })
	if s == 1 { // every scenario of the catalog: minutes at S=10
		b.Run("Overlaps", func(b *testing.B) { benchOverlaps(b, ctx, d) })
		b.Run("DeadWeight", func(b *testing.B) { benchDeadWeight(b, ctx, d) })
	}
}

func benchResolve(b *testing.B, ctx context.Context, d *dataset, keep func(catalog.Query) bool, explain bool) {
	qs := catalogbench.Queries(d.c, 4096, keep)
	for i := range qs {
		qs[i].Query.Explain = explain
	}
	catalogbench.Resolve(b, ctx, d.svc, qs)
}

// benchResolveSales resolves the customer queries of the stream whose price is a sale,
// with Query.PriorDays = priorDays: with 30, each one reads its variant's history for
// the lowest prior price.
func benchResolveSales(b *testing.B, ctx context.Context, d *dataset, priorDays int) {
	var qs []catalogbench.ResolveQuery
	for _, q := range catalogbench.Queries(d.c, 4096, catalogbench.CustomerWithGroups) {
		res, err := d.svc.Resolve(ctx, q.Query, q.VariantID, q.Quantity)
		if err != nil {
			b.Fatal(err)
		}
		if res.Found && res.CalculatedType == pricing.TypeSale {
			q.Query.PriorDays = priorDays
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		b.Fatal("no query of the stream resolves to a sale")
	}
	catalogbench.Resolve(b, ctx, d.svc, qs)
}

// BenchmarkLoad loads S = 1 into a new store per iteration and reports the price
// phases' prices/s and, for the memory store, the heap held per stored price (after a
// garbage collection, the growth of the heap over the price phases divided by the
// number of prices; B/price-all divides the growth over the whole load, memberships
// included).
func BenchmarkLoad(b *testing.B) {
	for _, kind := range list(*flagStores) {
		b.Run(kind+"/S=1", func(b *testing.B) {
			if current != nil {
				current.close()
				current = nil
			}
			c := catalog.New(1)
			ctx := context.Background()
			var prices, perPrice, perPriceAll float64
			var priceTime time.Duration
			for b.Loop() {
				var store pricing.Store
				var path string
				switch kind {
				case "memory":
					store = memory.New()
				case "bolt":
					path = filepath.Join(b.TempDir(), "load.db")
					st, err := bolt.Open(path, &bolt.Options{NoSync: true})
					if err != nil {
						b.Fatal(err)
					}
					store = st
				}
				h0 := heapInUse()
				var h1 uint64
				st, err := c.Load(ctx, catalog.NewService(store), &catalog.LoadOptions{Progress: func(p catalog.Phase) {
					if p.Name == catalog.PhaseMemberships && kind == "memory" {
						b.StopTimer()
						h1 = heapInUse()
						b.StartTimer()
					}
				}})
				if err != nil {
					b.Fatal(err)
				}
				if kind == "memory" {
					b.StopTimer()
					h2 := heapInUse()
					perPrice = float64(h2-h1) / float64(st.Prices())
					perPriceAll = float64(h2-h0) / float64(st.Prices())
					b.StartTimer()
				}
				prices += float64(st.Prices())
				priceTime += st.PriceDuration()
				runtime.KeepAlive(store)
				if err := store.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(prices/priceTime.Seconds(), "prices/s")
			if kind == "memory" {
				b.ReportMetric(perPrice, "B/price")
				b.ReportMetric(perPriceAll, "B/price-all")
			}
		})
	}
}

// heapInUse returns the bytes of live heap objects after a full garbage collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
