// Catalog loads the benchmark dataset "catalog" (DATASET.md in the specification) at
// scale factor -scale into a store, prints how long each phase of the load took, and
// resolves a few prices: some worked out by hand in the package internal/catalog's
// tests, then the first queries of the seeded query stream.
//
// By default the store is a new bbolt file in a temporary directory, removed at the end;
// -db names a file to keep (it must not exist yet), -memory uses the in-memory store.
// The bolt store loads with NoSync, and is reopened with the default, synced, options
// to resolve. Every line is the same from run to run except those that report times
// (marked with "time").
//
//	go run ./examples/catalog
//	go run ./examples/catalog -memory
//	go run ./examples/catalog -scale 10 -db /tmp/catalog-L.db
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/internal/catalog"
	"github.com/commercekit/pricing/memory"
)

func main() {
	log.SetFlags(0)
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run is the program, with its arguments and output as parameters for the test.
func run(args []string, out io.Writer) (err error) {
	flags := flag.NewFlagSet("catalog", flag.ContinueOnError)
	scale := flags.Int("scale", 1, "scale factor S of the catalog (1: catalog-M, 10: catalog-L)")
	dbPath := flags.String("db", "", "bbolt file to create and keep (default: a temporary file, removed at the end)")
	inMemory := flags.Bool("memory", false, "use the in-memory store instead of a bbolt file")
	queries := flags.Int("queries", 5, "number of queries of the stream to resolve")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *scale < 1 {
		return fmt.Errorf("-scale %d: want at least 1", *scale)
	}
	c := catalog.New(*scale)
	n := c.Counts()
	fmt.Fprintf(out, "catalog S=%d: %d variants, %d customer groups, %d customers (%d in a group, %d memberships), %d price lists\n",
		c.S, n.Variants, n.Groups, n.Customers, n.CustomersInGroups, n.Memberships, n.Lists)
	fmt.Fprintf(out, "prices: %d base, %d in lists\n", n.BasePrices, n.ListPrices)

	ctx := context.Background()
	var store pricing.Store
	var stats catalog.Stats
	progress := func(p catalog.Phase) {
		if !p.Done {
			fmt.Fprintf(out, "  ... %-12s %10d so far, time %v\n", p.Name, p.Records, p.Duration.Round(time.Second))
		}
	}
	opts := &catalog.LoadOptions{Progress: progress}
	if *scale > 1 {
		opts.ProgressEvery = 30 * time.Second
	}
	if *inMemory {
		fmt.Fprintln(out, "store: memory")
		store = memory.New()
		if stats, err = c.Load(ctx, catalog.NewService(store), opts); err != nil {
			return err
		}
	} else {
		path := *dbPath
		if path == "" {
			dir, err := os.MkdirTemp("", "pricing-catalog-")
			if err != nil {
				return err
			}
			defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
			path = filepath.Join(dir, "catalog.db")
		} else if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("-db %s: the file exists; the catalog loads into a new file", path)
		}
		fmt.Fprintln(out, "store: bolt (loaded with NoSync, then reopened synced)")
		if stats, store, err = loadBolt(ctx, c, path, opts); err != nil {
			return err
		}
		if fi, err := os.Stat(path); err == nil {
			defer fmt.Fprintf(out, "bolt file: %d MiB (size varies with the order of the commits: time)\n", fi.Size()>>20)
		}
	}
	defer func() { err = errors.Join(err, store.Close()) }()

	fmt.Fprintln(out, "load (time):")
	for _, p := range stats.Phases {
		fmt.Fprintf(out, "  %-12s %10d records in %6d transactions, time %10v, %9.0f/s\n",
			p.Name, p.Records, p.Transactions, p.Duration.Round(time.Millisecond), p.PerSecond())
	}
	fmt.Fprintf(out, "  all prices   %10d in time %v: %.0f prices/s; whole load time %v\n",
		stats.Prices(), stats.PriceDuration().Round(time.Millisecond),
		float64(stats.Prices())/stats.PriceDuration().Seconds(), stats.Total().Round(time.Millisecond))

	svc := catalog.NewService(store)
	fmt.Fprintf(out, "resolutions at %s:\n", catalog.T0.Format(time.RFC3339))
	examples := []catalog.Query{
		{Variant: 7, Customer: -1, Region: catalog.Regions[0], Quantity: 1},
		{Variant: 7, Customer: 23, Region: catalog.Regions[0], Quantity: 1},
		{Variant: 7, Customer: 23, Region: catalog.Regions[0], Quantity: 12},
		{Variant: 16, Customer: -1, Region: catalog.Regions[2], Quantity: 1},
		{Variant: 16, Customer: 5, Region: catalog.Regions[3], Quantity: 5},
	}
	st := c.Queries(1)
	for range *queries {
		examples = append(examples, st.Next())
	}
	for _, q := range examples {
		if err := resolve(ctx, svc, c, q, out); err != nil {
			return err
		}
	}
	return nil
}

// loadBolt loads the catalog into a new bolt file with NoSync, and reopens it synced.
func loadBolt(ctx context.Context, c *catalog.Catalog, path string, opts *catalog.LoadOptions) (catalog.Stats, pricing.Store, error) {
	s, err := bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		return catalog.Stats{}, nil, err
	}
	stats, err := c.Load(ctx, catalog.NewService(s), opts)
	if err = errors.Join(err, s.Close()); err != nil {
		return stats, nil, err
	}
	if s, err = bolt.Open(path, nil); err != nil {
		return stats, nil, err
	}
	return stats, s, nil
}

func resolve(ctx context.Context, svc *pricing.Service, c *catalog.Catalog, q catalog.Query, out io.Writer) error {
	pq, variantID := c.Pricing(q)
	who := "anonymous"
	if q.Customer >= 0 {
		var groups []string
		for _, g := range c.GroupsOf(nil, q.Customer) {
			groups = append(groups, catalog.GroupID(g))
		}
		who = fmt.Sprintf("%s %v", pq.CustomerID, groups)
	}
	res, err := svc.Resolve(ctx, pq, variantID, q.Quantity)
	if err != nil {
		return err
	}
	line := fmt.Sprintf("  %s × %-2d %s %s, %s: %d %s (%s)", variantID, q.Quantity, pq.CurrencyCode, pq.RegionID, who,
		res.CalculatedAmount, res.CalculatedType, res.CalculatedPrice.ID)
	if res.HasOriginal && res.OriginalPrice.ID != res.CalculatedPrice.ID {
		line += fmt.Sprintf(", was %d %s (%s)", res.OriginalAmount, res.OriginalType, res.OriginalPrice.ID)
	}
	fmt.Fprintln(out, line)
	return nil
}
