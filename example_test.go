package pricing_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// newExampleService returns a Service with a fixed clock and readable IDs, so that the
// examples print the same every time.
func newExampleService() *pricing.Service {
	n := 0
	return pricing.New(memory.New(),
		pricing.WithClock(func() time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC) }),
		pricing.WithIDGenerator(func() string { n++; return fmt.Sprintf("id_%d", n) }))
}

func ExampleService_CreateCustomerGroup() {
	ctx := context.Background()
	svc := newExampleService()

	g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{
		Name:     "  Wholesale ",
		Metadata: map[string]any{"payment_terms_days": 30},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %q %v %v\n", g.ID, g.Name, g.Metadata, g.CreatedAt)

	// Names are unique regardless of case.
	_, err = svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "WHOLESALE"})
	fmt.Println(errors.Is(err, pricing.ErrAlreadyExists))

	// Bad input names the field.
	_, err = svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "   "})
	var fe *pricing.FieldError
	fmt.Println(errors.Is(err, pricing.ErrInvalid), errors.As(err, &fe) && fe.Field == "Name")
	// Output:
	// id_1 "Wholesale" map[payment_terms_days:30] 2026-01-15 12:00:00 +0000 UTC
	// true
	// true true
}

func ExampleService_Resolve() {
	ctx := context.Background()
	svc := newExampleService()

	// Wholesale buyers pay their own price from 10 units; everyone gets a spring sale.
	wholesale, _ := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "Wholesale"})
	_ = svc.AddCustomers(ctx, wholesale.ID, []string{"cus_acme"})
	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 2000}})
	_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{
		Name: "Wholesale prices", Type: pricing.Override, Status: pricing.Active,
		CustomerGroupIDs: []string{wholesale.ID},
		Prices:           []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 1400, MinQuantity: 10}},
	})
	_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{
		Name: "Spring sale", Status: pricing.Active,
		StartsAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		EndsAt:   time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Prices:   []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 1800}},
	})

	for _, c := range []struct {
		customer string
		quantity int64
	}{{"", 1}, {"cus_acme", 1}, {"cus_acme", 10}} {
		r, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: c.customer}, "shirt", c.quantity)
		if err != nil {
			panic(err)
		}
		fmt.Printf("customer %q × %d: pays %d (%s), original %d\n", c.customer, c.quantity, r.CalculatedAmount, r.CalculatedType, r.OriginalAmount)
	}

	_, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "eur"}, "shirt", 1)
	fmt.Println(errors.Is(err, pricing.ErrNoPrice))
	// Output:
	// customer "" × 1: pays 1800 (sale), original 2000
	// customer "cus_acme" × 1: pays 1800 (sale), original 2000
	// customer "cus_acme" × 10: pays 1400 (override), original 1400
	// true
}

func ExampleService_ResolveMany() {
	ctx := context.Background()
	svc := newExampleService()

	frequent, _ := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "Frequent buyers"})
	_ = svc.AddCustomers(ctx, frequent.ID, []string{"cus_1"})
	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 2000}})
	_, _ = svc.SetBasePrices(ctx, "mug", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 900}})
	_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{
		Name: "Loyalty discount", Status: pricing.Active, CustomerGroupIDs: []string{frequent.ID},
		Prices: []pricing.PriceInput{{VariantID: "mug", CurrencyCode: "usd", Amount: 750}},
	})

	cart := []pricing.Item{{VariantID: "shirt", Quantity: 2}, {VariantID: "poster", Quantity: 1}, {VariantID: "mug"}}
	res, err := svc.ResolveMany(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, cart)
	if err != nil {
		panic(err)
	}
	for _, r := range res {
		if !r.Found {
			fmt.Printf("%s: no price\n", r.VariantID)
			continue
		}
		fmt.Printf("%s × %d: %d each (%s)\n", r.VariantID, r.Quantity, r.CalculatedAmount, r.CalculatedType)
	}
	// Output:
	// shirt × 2: 2000 each (default)
	// poster: no price
	// mug × 1: 750 each (sale)
}

// With Query.Explain the result says what became of every price of the variant.
func ExampleService_Resolve_explain() {
	ctx := context.Background()
	svc := newExampleService()

	vip, _ := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "VIP"})
	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{
		{ID: "base_usd", CurrencyCode: "usd", Amount: 2000},
		{ID: "base_usd_us", CurrencyCode: "usd", RegionID: "reg_us", Amount: 2100},
		{ID: "base_eur", CurrencyCode: "eur", Amount: 1900},
		{ID: "base_bulk", CurrencyCode: "usd", MinQuantity: 50, Amount: 1500},
	})
	for _, l := range []pricing.NewPriceList{
		{Name: "Sale", Status: pricing.Active, Prices: []pricing.PriceInput{{ID: "sale", VariantID: "shirt", CurrencyCode: "usd", Amount: 1700}}},
		{Name: "Draft", Prices: []pricing.PriceInput{{ID: "draft", VariantID: "shirt", CurrencyCode: "usd", Amount: 100}}},
		{Name: "VIP", Status: pricing.Active, CustomerGroupIDs: []string{vip.ID},
			Prices: []pricing.PriceInput{{ID: "vip", VariantID: "shirt", CurrencyCode: "usd", Amount: 1200}}},
		{Name: "Expired", Status: pricing.Active, EndsAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			Prices: []pricing.PriceInput{{ID: "expired", VariantID: "shirt", CurrencyCode: "usd", Amount: 1000}}},
	} {
		if _, err := svc.CreatePriceList(ctx, l); err != nil {
			panic(err)
		}
	}

	r, _ := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", RegionID: "reg_us", Explain: true}, "shirt", 1)
	fmt.Printf("pays %d, was %d\n", r.CalculatedAmount, r.OriginalAmount)
	for _, c := range r.Explanation {
		fmt.Printf("%-12s %-8s %s\n", c.Price.ID, c.Type, c.Outcome)
	}
	// Output:
	// pays 1700, was 2100
	// base_bulk    default  quantity
	// base_eur     default  currency
	// base_usd     default  shadowed by a region price
	// base_usd_us  default  original
	// draft        sale     draft list
	// expired      sale     ended
	// sale         sale     calculated
	// vip          sale     customer not in the audience
}

// A cache follows the change feed: it reads what changed after the last revision it
// applied, and blocks (WaitChanges) until there is more.
func ExampleService_Changes() {
	ctx := context.Background()
	svc := newExampleService()

	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 2000}})
	_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "summer", Name: "Summer", Status: pricing.Active,
		Prices: []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 1500}}})
	_ = svc.DeletePriceList(ctx, "summer")

	var applied int64 // the last revision the cache applied
	sets, err := svc.Changes(ctx, applied, 0)
	if err != nil {
		panic(err)
	}
	for _, cs := range sets {
		for _, c := range cs.Changes {
			fmt.Println(cs.Revision, c.Op, c.Kind, c.ID)
		}
		applied = cs.Revision
	}
	fmt.Println("applied up to", applied)
	// Output:
	// 1 create price id_1
	// 2 create price_list summer
	// 2 create price id_2
	// 3 delete price id_2
	// 3 delete price_list summer
	// applied up to 3
}

// Next to a reduced price, an EU shop shows the lowest price of the 30 days before the
// reduction: here the base price was 24.00 until three weeks before the sale, then
// 20.00.
func ExampleService_Resolve_lowestPrior() {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := now.AddDate(0, 0, -60)
	svc := pricing.New(memory.New(), pricing.WithClock(func() time.Time { return clock }))

	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "eur", Amount: 2400}})
	_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{Name: "Spring sale", Status: pricing.Active,
		StartsAt: now.AddDate(0, 0, -3),
		Prices:   []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "eur", Amount: 1800}}})
	clock = now.AddDate(0, 0, -24)
	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "eur", Amount: 2000}})

	clock = now
	res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "eur", PriorDays: 30}, "shirt", 1)
	if err != nil {
		panic(err)
	}
	fmt.Println("now", res.CalculatedAmount, "instead of", res.OriginalAmount)
	fmt.Println("reduction since", res.ReductionStart.Format(time.DateOnly))
	fmt.Println("lowest price of the 30 days before:", res.LowestPriorAmount, res.HasLowestPrior)
	// Output:
	// now 1800 instead of 2000
	// reduction since 2026-02-26
	// lowest price of the 30 days before: 2000 true
}
