package pricing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/commercekit/pricing"
)

func TestBatchPrices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The list "pl" holds p1 (shirt usd 1000), p2 (shirt usd reg_us 900), p3 (hat usd 500);
	// "other" holds o1 (shirt usd 800).
	setup := func(t *testing.T) (*pricing.Service, pricing.Store) {
		svc, st := newService(t)
		must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "pl",
			Prices: ps(pi("p1", 1000), pi("p2", 900, rg("reg_us")), pi("p3", 500, variant("hat")))}))
		must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "other", Name: "other", Prices: ps(pi("o1", 800))}))
		return svc, st
	}
	t.Run("create, update and delete in one call", func(t *testing.T) {
		t.Parallel()
		svc, _ := setup(t)
		got, err := svc.BatchPrices(ctx, "pl", pricing.PriceBatch{
			Create: ps(pi("", 700, variant("mug")), pi("p9", 600, qty(10, 0))),
			Update: ps(pi("p1", 950), pi("p2", 880, rg("reg_ca"))), // p2 moves to reg_ca
			Delete: []string{"p3", "ghost", "o1", "p3"},
		})
		must(t, err)
		deepEqual(t, "created", priceIDs(got.Created), []string{"id_001", "p9"})
		deepEqual(t, "updated, at revision 3", got.Updated, []pricing.Price{
			{ID: "p1", PriceListID: "pl", VariantID: "shirt", CurrencyCode: "usd", Amount: 950, Revision: 3},
			{ID: "p2", PriceListID: "pl", VariantID: "shirt", CurrencyCode: "usd", RegionID: "reg_ca", Amount: 880, Revision: 3},
		})
		deepEqual(t, "deleted (not o1, another list's)", got.Deleted, []string{"p3"})
		list := mustPage[pricing.Price](t)(svc.ListPrices(ctx, pricing.PriceFilter{PriceListID: "pl"}))
		deepEqual(t, "the list afterwards", priceIDs(list), []string{"id_001", "p1", "p2", "p9"})
		if p := must1[pricing.Price](t)(svc.Price(ctx, "o1")); p.Amount != 800 {
			t.Errorf("o1 changed: %+v", p)
		}
	})
	t.Run("a delete frees a key that a create takes", func(t *testing.T) {
		t.Parallel()
		svc, _ := setup(t)
		got, err := svc.BatchPrices(ctx, "pl", pricing.PriceBatch{Delete: []string{"p1"}, Create: ps(pi("p1b", 990))})
		must(t, err)
		deepEqual(t, "created", priceIDs(got.Created), []string{"p1b"})
	})
	for _, tc := range []struct {
		name  string
		batch pricing.PriceBatch
		want  error
		field string
	}{
		{"update of an unknown ID", pricing.PriceBatch{Create: ps(pi("", 1, variant("mug"))), Update: ps(pi("ghost", 1))}, pricing.ErrNotFound, ""},
		{"update of another list's price", pricing.PriceBatch{Update: ps(pi("o1", 1))}, pricing.ErrNotFound, ""},
		{"create of a taken key", pricing.PriceBatch{Delete: []string{"p3"}, Create: ps(pi("", 1, rg("reg_us")))}, pricing.ErrAlreadyExists, ""},
		{"create of a taken ID", pricing.PriceBatch{Create: ps(pi("o1", 1, variant("mug")))}, pricing.ErrAlreadyExists, ""},
		{"update to a taken key", pricing.PriceBatch{Update: ps(pi("p1", 1, rg("reg_us")))}, pricing.ErrAlreadyExists, ""},
		{"update without an ID", pricing.PriceBatch{Update: ps(pi("p1", 1), pi("", 2))}, pricing.ErrInvalid, "Update[1].ID"},
		{"update of a deleted price", pricing.PriceBatch{Update: ps(pi("p1", 1)), Delete: []string{"p1"}}, pricing.ErrInvalid, "Update[0].ID"},
		{"a bad create amount", pricing.PriceBatch{Create: ps(pi("", 1, variant("a")), pi("", -1, variant("b")))}, pricing.ErrInvalid, "Create[1].Amount"},
		{"a bad delete ID", pricing.PriceBatch{Delete: []string{"p1", ""}}, pricing.ErrInvalid, "Delete[1]"},
		{"a tax flag the list does not have", pricing.PriceBatch{Update: ps(pi("p1", 1, taxIncl))}, pricing.ErrInvalid, "Update[0].IncludesTax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, st := setup(t)
			before := dumpStore(t, st)
			_, err := svc.BatchPrices(ctx, "pl", tc.batch)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.field != "" {
				wantInvalid(t, err, tc.field)
			}
			deepEqual(t, "store after a refused batch", dumpStore(t, st), before)
		})
	}
	t.Run("unknown list", func(t *testing.T) {
		t.Parallel()
		svc, _ := setup(t)
		if _, err := svc.BatchPrices(ctx, "ghost", pricing.PriceBatch{Delete: []string{"p1"}}); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestPriceByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	must1[[]pricing.Price](t)(svc.SetBasePrices(ctx, "shirt", ps(pi("b", 1000))))
	_, prices := must2[pricing.PriceList, []pricing.Price](t)(svc.CreatePriceListWithPrices(ctx, pricing.NewPriceList{ID: "pl", Name: "pl",
		IncludesTax: true, Prices: ps(pi("", 900), pi("p2", 800, cur("EUR")))}))
	deepEqual(t, "CreatePriceListWithPrices prices", prices, []pricing.Price{
		{ID: "id_001", PriceListID: "pl", VariantID: "shirt", CurrencyCode: "usd", Amount: 900, IncludesTax: true, Revision: 2},
		{ID: "p2", PriceListID: "pl", VariantID: "shirt", CurrencyCode: "eur", Amount: 800, IncludesTax: true, Revision: 2},
	})
	for _, want := range append(prices, pricing.Price{ID: "b", VariantID: "shirt", CurrencyCode: "usd", Amount: 1000, Revision: 1}) {
		deepEqual(t, "Price "+want.ID, must1[pricing.Price](t)(svc.Price(ctx, want.ID)), want)
	}
	if _, err := svc.Price(ctx, "ghost"); !errors.Is(err, pricing.ErrNotFound) || err.Error() != `pricing: price "ghost" not found` {
		t.Errorf("Price(ghost): %v", err)
	}
	if _, prices, err := svc.CreatePriceListWithPrices(ctx, pricing.NewPriceList{Name: "empty"}); err != nil || prices == nil || len(prices) != 0 {
		t.Errorf("CreatePriceListWithPrices without prices: %v, %v; want an empty slice", prices, err)
	}
}
