package pricing_test

import (
	"context"
	"fmt"

	"github.com/commercekit/pricing"
)

// A list with an Adjustment prices every variant that has a base price: here 12.5% off
// for VIP customers, rounded down to a cent, so it never goes stale when a base price
// changes. A price written into the list takes precedence for its key, and Explain
// shows how a derived price was made.
func ExampleAdjustment() {
	ctx := context.Background()
	svc := newExampleService()

	vip, _ := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "VIP"})
	_ = svc.AddCustomers(ctx, vip.ID, []string{"cus_1"})
	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 1999}})
	_, _ = svc.SetBasePrices(ctx, "mug", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 900}})
	_, err := svc.CreatePriceList(ctx, pricing.NewPriceList{
		Name: "VIP 12.5% off", Type: pricing.Override, Status: pricing.Active,
		CustomerGroupIDs: []string{vip.ID},
		Adjustment:       &pricing.Adjustment{Percent: -12.5, Rounding: pricing.RoundDown},
		Prices:           []pricing.PriceInput{{VariantID: "mug", CurrencyCode: "usd", Amount: 700}},
	})
	if err != nil {
		panic(err)
	}
	q := pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1", Explain: true}
	for _, variant := range []string{"shirt", "mug"} {
		r, err := svc.Resolve(ctx, q, variant, 1)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: pays %d (%s)\n", variant, r.CalculatedAmount, r.CalculatedType)
		for _, c := range r.Explanation {
			if d := c.Derivation; d != nil {
				fmt.Printf("  %d = %d %+g%%, rounded %s: %s\n", c.Price.Amount, d.BasePrice.Amount, d.Adjustment.Percent, d.Adjustment.Rounding, c.Outcome)
			}
		}
	}
	// Output:
	// shirt: pays 1749 (override)
	//   1749 = 1999 -12.5%, rounded down: calculated
	// mug: pays 700 (override)
}

// A list's audience can name customers beside groups: a contract price for one
// customer needs no group of its own.
func ExamplePriceList_customerIDs() {
	ctx := context.Background()
	svc := newExampleService()

	_, _ = svc.SetBasePrices(ctx, "bolt-m8", []pricing.PriceInput{{CurrencyCode: "eur", Amount: 40}})
	_, err := svc.CreatePriceList(ctx, pricing.NewPriceList{
		Name: "Acme contract", Type: pricing.Override, Status: pricing.Active,
		CustomerIDs: []string{"cus_acme"},
		Prices:      []pricing.PriceInput{{VariantID: "bolt-m8", CurrencyCode: "eur", Amount: 31}},
	})
	if err != nil {
		panic(err)
	}
	for _, customer := range []string{"cus_acme", "cus_other", ""} {
		r, _ := svc.Resolve(ctx, pricing.Query{CurrencyCode: "eur", CustomerID: customer}, "bolt-m8", 1)
		fmt.Printf("%q pays %d (%s)\n", customer, r.CalculatedAmount, r.CalculatedType)
	}
	// Output:
	// "cus_acme" pays 31 (override)
	// "cus_other" pays 40 (default)
	// "" pays 40 (default)
}

// A list limited to channels applies only to queries that name one of them; a query
// that names no channel, or another one, sees only the lists of every channel.
func ExampleQuery_channelID() {
	ctx := context.Background()
	svc := newExampleService()

	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 2000}})
	_, err := svc.CreatePriceList(ctx, pricing.NewPriceList{
		Name: "Point of sale", Type: pricing.Override, Status: pricing.Active,
		ChannelIDs: []string{"pos"},
		Prices:     []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 1900}},
	})
	if err != nil {
		panic(err)
	}
	for _, channel := range []string{"pos", "web", ""} {
		r, _ := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", ChannelID: channel, Explain: true}, "shirt", 1)
		fmt.Printf("channel %q: pays %d (%s);", channel, r.CalculatedAmount, r.CalculatedType)
		for _, c := range r.Explanation {
			fmt.Printf(" %d %s;", c.Price.Amount, c.Outcome)
		}
		fmt.Println()
	}
	// Output:
	// channel "pos": pays 1900 (override); 2000 replaced by an override; 1900 calculated;
	// channel "web": pays 2000 (default); 2000 calculated; 1900 channel;
	// channel "": pays 2000 (default); 2000 calculated; 1900 channel;
}
