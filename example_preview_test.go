package pricing_test

import (
	"context"
	"fmt"
	"time"

	"github.com/commercekit/pricing"
)

func ExampleService_PreviewPriceList() {
	ctx := context.Background()
	svc := newExampleService()

	wholesale, _ := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "wholesale", Name: "Wholesale"})
	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 2000}, {CurrencyCode: "usd", Amount: 1800, MinQuantity: 10}})
	_, _ = svc.SetBasePrices(ctx, "hat", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 1000}})
	// A draft for wholesale buyers: 1500 for a shirt, 1100 for a hat (more than a hat costs).
	pl, _ := svc.CreatePriceList(ctx, pricing.NewPriceList{
		Name: "Wholesale prices", CustomerGroupIDs: []string{wholesale.ID},
		Prices: []pricing.PriceInput{
			{VariantID: "shirt", CurrencyCode: "usd", Amount: 1500},
			{VariantID: "hat", CurrencyCode: "usd", Amount: 1100},
		},
	})

	// What would publishing it change?
	active := pricing.Active
	publish := pricing.PriceListChange{Update: &pricing.PriceListUpdate{Status: &active}}
	for c, err := range svc.PreviewPriceList(ctx, pl.ID, publish, nil) {
		if err != nil {
			panic(err)
		}
		sc := c.Scenario
		fmt.Printf("%s in %s, groups %v, from %d units: %d (%s) → %d (%s); the list's price: %s → %s\n",
			sc.VariantID, sc.CurrencyCode, sc.Audience.CustomerGroupIDs, sc.MinQuantity,
			c.Before.CalculatedAmount, c.Before.CalculatedType, c.After.CalculatedAmount, c.After.CalculatedType,
			c.ListBefore.Outcome, c.ListAfter.Outcome)
	}

	// Nothing was written: the list is still a draft.
	pl, _ = svc.PriceList(ctx, pl.ID)
	fmt.Println(pl.Status)
	// Output:
	// shirt in usd, groups [wholesale], from 1 units: 2000 (default) → 1500 (sale); the list's price: draft list → calculated
	// shirt in usd, groups [wholesale], from 10 units: 1800 (default) → 1500 (sale); the list's price: draft list → calculated
	// draft
}

func ExampleService_PreviewPriceList_delete() {
	ctx := context.Background()
	svc := newExampleService()

	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 2000}})
	pl, _ := svc.CreatePriceList(ctx, pricing.NewPriceList{
		Name: "Price rise", Type: pricing.Override, Status: pricing.Active,
		Prices: []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 2200}},
	})
	for c, err := range svc.PreviewPriceList(ctx, pl.ID, pricing.PriceListChange{Delete: true}, nil) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d (%s) → %d (%s)\n", c.Scenario.VariantID,
			c.Before.CalculatedAmount, c.Before.CalculatedType, c.After.CalculatedAmount, c.After.CalculatedType)
	}
	// Output:
	// shirt: 2200 (override) → 2000 (default)
}

func ExampleService_Overlaps() {
	ctx := context.Background()
	svc := newExampleService() // now is 2026-01-15 12:00 UTC

	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 2000}})
	// Two sales at the same amount: the one that started earlier wins the tie.
	_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{
		ID: "winter", Name: "Winter sale", Status: pricing.Active, StartsAt: day(1, 1), EndsAt: day(2, 1),
		Prices: []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 1800}},
	})
	_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{
		ID: "preview", Name: "Spring preview", Status: pricing.Active, StartsAt: day(1, 10), EndsAt: day(3, 1),
		Prices: []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 1800}},
	})

	for ov, err := range svc.Overlaps(ctx, nil) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s in %s from %s to %s: %v compete; %s wins at %d\n", ov.Scenario.VariantID, ov.Scenario.CurrencyCode,
			ov.From.Format("Jan 2"), ov.To.Format("Jan 2"), ov.PriceListIDs,
			ov.Resolution.CalculatedPrice.PriceListID, ov.Resolution.CalculatedAmount)
		for _, c := range ov.Candidates {
			fmt.Printf("  %s of %q: %s\n", c.Price.ID, c.Price.PriceListID, c.Outcome)
		}
	}
	// Output:
	// shirt in usd from Jan 15 to Feb 1: [preview winter] compete; winter wins at 1800
	//   id_1 of "": original
	//   id_2 of "winter": calculated
	//   id_3 of "preview": higher than the winner
}

// Which of my 400 lists are dead weight? Here every list prices one of 20 variants,
// and on each variant the newest list undercuts the older ones; one list has ended,
// one prices nothing.
func ExampleService_DeadWeight() {
	ctx := context.Background()
	svc := newExampleService()

	for v := range 20 {
		_, _ = svc.SetBasePrices(ctx, fmt.Sprintf("var_%02d", v), []pricing.PriceInput{{CurrencyCode: "eur", Amount: 5000}})
	}
	for i := 1; i <= 400; i++ {
		nl := pricing.NewPriceList{ID: fmt.Sprintf("pl_%03d", i), Name: fmt.Sprintf("List %d", i), Status: pricing.Active,
			Prices: []pricing.PriceInput{{VariantID: fmt.Sprintf("var_%02d", i%20), CurrencyCode: "eur", Amount: int64(4000 - i)}}}
		switch i {
		case 7:
			nl.EndsAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		case 400:
			nl.Prices = nil
		}
		if _, err := svc.CreatePriceList(ctx, nl); err != nil {
			panic(err)
		}
	}

	dw, err := svc.DeadWeight(ctx, nil)
	if err != nil {
		panic(err)
	}
	reasons := map[pricing.DeadReason]int{}
	for _, l := range dw.Lists {
		reasons[l.Reason]++
	}
	fmt.Printf("%d of 400 lists are dead weight: %d never chosen, %d outside the period, %d pricing nothing\n",
		len(dw.Lists), reasons[pricing.DeadNeverChosen], reasons[pricing.DeadOutsidePeriod], reasons[pricing.DeadPricesNothing])
	for _, l := range dw.Lists[:3] {
		fmt.Println(l.PriceListID, l.Reason, l.Outcomes)
	}
	// Output:
	// 380 of 400 lists are dead weight: 378 never chosen, 1 outside the period, 1 pricing nothing
	// pl_001 never chosen [higher than the winner]
	// pl_002 never chosen [higher than the winner]
	// pl_003 never chosen [higher than the winner]
}
