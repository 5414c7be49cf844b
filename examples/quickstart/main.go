// Quickstart shows the library end to end: customer groups, a wholesale override list,
// a frequent-buyer sale, a season sale for everyone, and the prices four shoppers get,
// with the resolver's explanation for one of them.
//
// By default the data lives in a new bbolt file in a temporary directory, removed when
// the program ends, so every run gives the same tour. -db keeps the data in a file of
// your choice: a second run on it says that it reuses the data of the first. -memory
// uses the in-memory store.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -db pricing.db
//	go run ./examples/quickstart -memory
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
	"strings"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/memory"
)

// now is the instant the example prices at, so that its output does not change.
var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func main() {
	log.SetFlags(0)
	if err := run(os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run is the program, with its arguments and output as parameters for the test.
func run(args []string, out io.Writer) (err error) {
	flags := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	dbPath := flags.String("db", "", "bbolt file to keep the data in (default: a new file, removed at the end)")
	inMemory := flags.Bool("memory", false, "use the in-memory store instead of a bbolt file")
	if err := flags.Parse(args); err != nil {
		return err
	}

	var store pricing.Store
	if *inMemory {
		store = memory.New()
		fmt.Fprintln(out, "store: memory")
	} else {
		path := *dbPath
		if path == "" {
			dir, err := os.MkdirTemp("", "pricing-quickstart-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			path = filepath.Join(dir, "pricing.db")
		}
		s, err := bolt.Open(path, nil)
		if err != nil {
			return err
		}
		store = s
		fmt.Fprintln(out, "store: bolt file", path)
	}
	defer func() { err = errors.Join(err, store.Close()) }()

	ctx := context.Background()
	svc := pricing.New(store, pricing.WithClock(func() time.Time { return now }))
	if err := seed(ctx, svc, out); err != nil {
		return err
	}
	return show(ctx, svc, out)
}

// seed creates the catalog once; on a store that already has it, it does nothing.
func seed(ctx context.Context, svc *pricing.Service, out io.Writer) error {
	if _, err := svc.CustomerGroup(ctx, "wholesale"); err == nil {
		fmt.Fprintln(out, "reusing the groups, price lists and prices of an earlier run in this file")
		return nil
	} else if !errors.Is(err, pricing.ErrNotFound) {
		return err
	}
	fmt.Fprintln(out, "creating groups, price lists and prices")

	// Customer groups: a B2B group, a loyalty group, and a buyer persona.
	for _, g := range []pricing.NewCustomerGroup{
		{ID: "wholesale", Name: "Wholesale", Metadata: map[string]any{"terms": "net 30"}},
		{ID: "frequent", Name: "Frequent buyers"},
		{ID: "students", Name: "Students"},
	} {
		if _, err := svc.CreateCustomerGroup(ctx, g); err != nil {
			return err
		}
	}
	if err := svc.AddCustomers(ctx, "wholesale", []string{"cus_acme"}); err != nil {
		return err
	}
	if err := svc.AddCustomers(ctx, "frequent", []string{"cus_ada", "cus_bob"}); err != nil {
		return err
	}
	if err := svc.SetCustomerGroups(ctx, "cus_bob", []string{"frequent", "students"}); err != nil {
		return err
	}

	// Base prices of a T-shirt: 20.00 USD, 19.00 EUR, 18.50 EUR in Germany, 3000 JPY.
	if _, err := svc.SetBasePrices(ctx, "tshirt", []pricing.PriceInput{
		{CurrencyCode: "USD", Amount: 2000},
		{CurrencyCode: "EUR", Amount: 1900},
		{CurrencyCode: "EUR", RegionID: "reg_de", Amount: 1850},
		{CurrencyCode: "JPY", Amount: 3000}, // yen have no minor unit: 3000 is ¥3000
	}); err != nil {
		return err
	}

	lists := []pricing.NewPriceList{{
		// Wholesale buyers get their own price list: it overrides the base price and has
		// a cheaper tier from 50 pieces on.
		ID: "pl_wholesale", Name: "Wholesale", Type: pricing.Override, Status: pricing.Active,
		CustomerGroupIDs: []string{"wholesale"},
		Prices: []pricing.PriceInput{
			{VariantID: "tshirt", CurrencyCode: "usd", Amount: 1400},
			{VariantID: "tshirt", CurrencyCode: "usd", MinQuantity: 50, Amount: 1100},
		},
	}, {
		ID: "pl_frequent", Name: "Loyalty discount", Type: pricing.Sale, Status: pricing.Active,
		CustomerGroupIDs: []string{"frequent"},
		Prices:           []pricing.PriceInput{{VariantID: "tshirt", CurrencyCode: "usd", Amount: 1800}},
	}, {
		ID: "pl_students", Name: "Back to school", Type: pricing.Sale, Status: pricing.Active,
		CustomerGroupIDs: []string{"students"},
		Prices:           []pricing.PriceInput{{VariantID: "tshirt", CurrencyCode: "usd", Amount: 1700}},
	}, {
		// A season sale for everyone, anonymous shoppers included, for one week.
		ID: "pl_black_friday", Name: "Black Friday", Type: pricing.Sale, Status: pricing.Active,
		StartsAt: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		EndsAt:   time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC),
		Prices:   []pricing.PriceInput{{VariantID: "tshirt", CurrencyCode: "usd", Amount: 1900}},
	}}
	for _, l := range lists {
		if _, err := svc.CreatePriceList(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// show resolves the T-shirt for four shoppers and explains one result.
func show(ctx context.Context, svc *pricing.Service, out io.Writer) error {
	fmt.Fprintln(out)
	shoppers := []struct {
		who string
		q   pricing.Query
		qty int64
	}{
		{"anonymous shopper", pricing.Query{CurrencyCode: "usd"}, 1},
		{"frequent buyer", pricing.Query{CurrencyCode: "usd", CustomerID: "cus_ada"}, 1},
		{"frequent buyer, student", pricing.Query{CurrencyCode: "usd", CustomerID: "cus_bob"}, 1},
		{"wholesale, 10 pieces", pricing.Query{CurrencyCode: "usd", CustomerID: "cus_acme"}, 10},
		{"wholesale, 60 pieces", pricing.Query{CurrencyCode: "usd", CustomerID: "cus_acme"}, 60},
		{"anonymous, in Germany", pricing.Query{CurrencyCode: "eur", RegionID: "reg_de"}, 1},
		{"anonymous, in Japan", pricing.Query{CurrencyCode: "jpy"}, 1},
	}
	for _, s := range shoppers {
		s.q.At = now
		res, err := svc.Resolve(ctx, s.q, "tshirt", s.qty)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-25s pays %s (%s", s.who, money(res.CalculatedAmount, res.CalculatedPrice.CurrencyCode), res.CalculatedType)
		if res.CalculatedPrice.PriceListID != "" {
			fmt.Fprintf(out, " from %s", res.CalculatedPrice.PriceListID)
		}
		if res.HasOriginal && res.OriginalAmount != res.CalculatedAmount {
			fmt.Fprintf(out, ", instead of %s", money(res.OriginalAmount, res.OriginalPrice.CurrencyCode))
		}
		fmt.Fprintln(out, ")")
	}

	// ExplainVisible shows the shopper only the prices they may see; Explain would show
	// the merchant every price of the variant, wholesale prices included.
	fmt.Fprintln(out, "\nwhy the frequent buyer who is a student pays what they pay (prices in usd):")
	q := pricing.Query{CurrencyCode: "usd", CustomerID: "cus_bob", At: now, ExplainVisible: true}
	res, err := svc.Resolve(ctx, q, "tshirt", 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %-16s %-8s %10s  %s\n", "price list", "region", "amount", "outcome")
	for _, c := range res.Explanation {
		if c.Price.CurrencyCode != q.CurrencyCode {
			continue
		}
		list, region := c.Price.PriceListID, c.Price.RegionID
		if list == "" {
			list = "(base price)"
		}
		if region == "" {
			region = "(any)"
		}
		fmt.Fprintf(out, "  %-16s %-8s %10s  %s\n", list, region, money(c.Price.Amount, c.Price.CurrencyCode), c.Outcome)
	}
	return nil
}

// money writes an amount with its currency's digits: 20.00 USD, 2000 JPY.
func money(amount int64, currency string) string {
	return pricing.FormatAmount(amount, currency) + " " + strings.ToUpper(currency)
}
