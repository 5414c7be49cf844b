package pricingtest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/pricingtest"
)

func TestNewService(t *testing.T) {
	ctx := context.Background()
	env := pricingtest.New(t, "testdata/catalog.json")
	svc := env.Service
	price := func(customer string, qty int64) (int64, string) {
		t.Helper()
		res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: customer}, "shirt", qty)
		if err != nil {
			t.Fatal(err)
		}
		return res.CalculatedAmount, res.CalculatedPrice.ID
	}
	// Before the winter sale: the wholesale tiers; IDs are generated in fixture order.
	for _, tc := range []struct {
		customer string
		qty      int64
		amount   int64
		id       string
	}{
		{"", 1, 2000, "id_0001"},
		{"cus_acme", 10, 1400, "id_0003"},
		{"cus_acme", 60, 1100, "id_0004"},
	} {
		if amount, id := price(tc.customer, tc.qty); amount != tc.amount || id != tc.id {
			t.Errorf("%q × %d: %d (%s), want %d (%s)", tc.customer, tc.qty, amount, id, tc.amount, tc.id)
		}
	}
	// The clock moves into the sale.
	env.Clock.Set(time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC))
	if amount, id := price("cus_ada", 1); amount != 1700 || id != "id_0005" {
		t.Errorf("in the winter sale: %d (%s), want 1700 (id_0005)", amount, id)
	}
	g, err := svc.CustomerGroup(ctx, "vip")
	if err != nil || !g.CreatedAt.Equal(pricingtest.T0) || g.Metadata["tier"] != "gold" {
		t.Errorf("group vip: %+v, %v; want created at T0, with its metadata", g, err)
	}
	// New records get the next IDs and the clock's time.
	env.Clock.Advance(time.Hour)
	pl, err := svc.CreatePriceList(ctx, pricing.NewPriceList{Name: "More"})
	if err != nil || pl.ID != "id_0006" || !pl.CreatedAt.Equal(time.Date(2026, 1, 15, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("new list: %+v, %v", pl, err)
	}
}

func TestLoadString(t *testing.T) {
	env := pricingtest.New(t)
	env.LoadString(t, `{"format": "pricing-snapshot", "version": 1, "prices": [{"variant_id": "mug", "currency_code": "eur", "amount": 500}]}`)
	if ps, err := env.Service.BasePrices(context.Background(), "mug"); err != nil || len(ps) != 1 || ps[0].ID != "id_0001" {
		t.Errorf("base prices of mug: %+v, %v", ps, err)
	}
}

// Each Env is its own: tests that use it can run in parallel.
func TestParallelEnvs(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := pricingtest.NewService(t, "testdata/catalog.json")
			if _, err := svc.CreateCustomerGroup(context.Background(), pricing.NewCustomerGroup{Name: fmt.Sprint("g", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestIDs(t *testing.T) {
	ids := pricingtest.IDs("cg")
	if a, b := ids(), ids(); a != "cg_0001" || b != "cg_0002" {
		t.Errorf("IDs: %s, %s", a, b)
	}
}
