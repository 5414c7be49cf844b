package catalog_test

import (
	"slices"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/internal/catalog"
)

// The sizes DATASET.md states for S = 1.
var wantS1 = catalog.Counts{
	Variants: 10_000, Groups: 50, Customers: 100_000, Lists: 200,
	BasePrices: 70_000, ListPrices: 300_500, Memberships: 147_000, CustomersInGroups: 75_000,
}

func TestCountsFromFormulas(t *testing.T) {
	if got := catalog.New(1).Counts(); got != wantS1 {
		t.Errorf("S=1 counts:\n got %+v\nwant %+v", got, wantS1)
	}
	// List prices grow with S²: L and the variants each list prices both grow with S.
	got := catalog.New(2).Counts()
	if got.BasePrices != 2*wantS1.BasePrices || got.Lists != 400 ||
		got.ListPrices < 4*wantS1.ListPrices*99/100 || got.ListPrices > 4*wantS1.ListPrices*101/100 {
		t.Errorf("S=2 counts: %+v", got)
	}
}

// TestFormulas checks records against values worked out by hand from DATASET.md.
func TestFormulas(t *testing.T) {
	c := catalog.New(1)
	if got := catalog.Base(7); got != 1259 { // 1000 + 259
		t.Errorf("base(7) = %d, want 1259", got)
	}
	if got := catalog.Base(250); got != 1000+9250%9000 {
		t.Errorf("base(250) = %d", got)
	}
	bp := c.BasePrices(7)
	want := []pricing.PriceInput{
		{ID: "bp_0000007_0", VariantID: "variant_0000007", CurrencyCode: "usd", Amount: 1259},
		{ID: "bp_0000007_1", VariantID: "variant_0000007", CurrencyCode: "eur", Amount: 1259},
		{ID: "bp_0000007_2", VariantID: "variant_0000007", CurrencyCode: "gbp", Amount: 1259},
		{ID: "bp_0000007_3", VariantID: "variant_0000007", CurrencyCode: "eur", RegionID: "reg_de", Amount: 1309},
		{ID: "bp_0000007_4", VariantID: "variant_0000007", CurrencyCode: "usd", Amount: 1133, MinQuantity: 10},
		{ID: "bp_0000007_5", VariantID: "variant_0000007", CurrencyCode: "eur", Amount: 1133, MinQuantity: 10},
		{ID: "bp_0000007_6", VariantID: "variant_0000007", CurrencyCode: "gbp", Amount: 1133, MinQuantity: 10},
	}
	if !slices.Equal(bp, want) {
		t.Errorf("base prices of variant 7:\n got %+v\nwant %+v", bp, want)
	}
	// Customer 23: 23 mod 4 = 3 groups, 161 mod 50, 299 mod 50, 667 mod 50.
	if got := c.GroupsOf(nil, 23); !slices.Equal(got, []int{11, 49, 17}) {
		t.Errorf("groups of customer 23 = %v", got)
	}
	// Customer 50: 2 groups, 350 mod 50 = 650 mod 50 = 0: folded.
	if got := c.GroupsOf(nil, 50); !slices.Equal(got, []int{0}) {
		t.Errorf("groups of customer 50 = %v", got)
	}
	if got := c.GroupsOf(nil, 100); len(got) != 0 {
		t.Errorf("groups of customer 100 = %v", got)
	}
	// List 88: sale (88 mod 10 = 8), active (88 mod 7 = 4), window [T0−30d, T0+30d)
	// (88 mod 5 = 3, 88 mod 6 = 4, 88 mod 3 = 1), everyone (8 >= 7).
	pl := c.List(88)
	if pl.ID != "pl_00088" || pl.Name != "List 00088" || pl.Type != pricing.Sale || pl.Status != pricing.Active ||
		!pl.StartsAt.Equal(catalog.T0.AddDate(0, 0, -30)) || !pl.EndsAt.Equal(catalog.T0.AddDate(0, 0, 30)) ||
		len(pl.CustomerGroupIDs) != 0 {
		t.Errorf("list 88 = %+v", pl)
	}
	// List 70: override, draft (70 = 7 × 10), ended, groups 20 and 37.
	pl = c.List(70)
	if pl.Type != pricing.Override || pl.Status != pricing.Draft || !pl.EndsAt.Equal(catalog.T0.AddDate(0, 0, -1)) ||
		!slices.Equal(pl.CustomerGroupIDs, []string{"cgrp_00020", "cgrp_00037"}) {
		t.Errorf("list 70 = %+v", pl)
	}
	// List 81: no window (81 mod 3 = 0), group 31 only (odd).
	pl = c.List(81)
	if !pl.StartsAt.IsZero() || !pl.EndsAt.IsZero() || !slices.Equal(pl.CustomerGroupIDs, []string{"cgrp_00031"}) {
		t.Errorf("list 81 = %+v", pl)
	}
	// List 48 has not started (48 mod 6 = 0).
	if pl = c.List(48); !pl.StartsAt.Equal(catalog.T0.AddDate(0, 0, 1)) {
		t.Errorf("list 48 = %+v", pl)
	}
	// List 88 prices v ≡ 16 (mod 20): usd, eur, gbp (88 mod 4 = 0), each with a tier
	// (88 mod 3 = 1). base(16) = 1592; 1592 − 13 × 1592 / 100 = 1386; 1386 × 95 / 100 = 1316.
	var first []pricing.PriceInput
	variants := 0
	c.ListPrices(88, nil, func(v int, prices []pricing.PriceInput) bool {
		if variants == 0 {
			if v != 16 {
				t.Errorf("list 88: first variant %d, want 16", v)
			}
			first = slices.Clone(prices)
		}
		variants++
		return true
	})
	if variants != 500 {
		t.Errorf("list 88 prices %d variants, want 500", variants)
	}
	wantFirst := []pricing.PriceInput{
		{ID: "lp_00088_0000016_0", VariantID: "variant_0000016", CurrencyCode: "usd", Amount: 1386},
		{ID: "lp_00088_0000016_1", VariantID: "variant_0000016", CurrencyCode: "usd", Amount: 1316, MinQuantity: 5},
		{ID: "lp_00088_0000016_2", VariantID: "variant_0000016", CurrencyCode: "eur", Amount: 1386},
		{ID: "lp_00088_0000016_3", VariantID: "variant_0000016", CurrencyCode: "eur", Amount: 1316, MinQuantity: 5},
		{ID: "lp_00088_0000016_4", VariantID: "variant_0000016", CurrencyCode: "gbp", Amount: 1386},
		{ID: "lp_00088_0000016_5", VariantID: "variant_0000016", CurrencyCode: "gbp", Amount: 1316, MinQuantity: 5},
	}
	if !slices.Equal(first, wantFirst) {
		t.Errorf("list 88, variant 16:\n got %+v\nwant %+v", first, wantFirst)
	}
}

func TestQueryStream(t *testing.T) {
	a, b := catalog.Queries(42, 1), catalog.Queries(42, 1)
	regions := map[string]int{}
	anonymous, n := 0, 100_000
	for range n {
		q := a.Next()
		if q != b.Next() {
			t.Fatal("same seed, different streams")
		}
		if q.Variant < 0 || q.Variant >= 10_000 || q.Customer < -1 || q.Customer >= 100_000 || q.Quantity < 1 || q.Quantity > 20 {
			t.Fatalf("query out of range: %+v", q)
		}
		if q.Customer < 0 {
			anonymous++
		}
		regions[q.Region.ID]++
	}
	if anonymous < n*18/100 || anonymous > n*22/100 {
		t.Errorf("%d anonymous queries of %d, want about 20%%", anonymous, n)
	}
	for _, r := range catalog.Regions {
		if regions[r.ID] < n*23/100 || regions[r.ID] > n*27/100 {
			t.Errorf("region %s drawn %d times of %d", r.ID, regions[r.ID], n)
		}
	}
	if catalog.Queries(43, 1).Next() == catalog.Queries(42, 1).Next() {
		t.Error("seeds 42 and 43 start alike")
	}
	batch := a.NextBatch()
	if len(batch.Items) != catalog.BatchSize || len(batch.Variants) != catalog.BatchSize {
		t.Fatalf("batch of %d items", len(batch.Items))
	}
	q := batch.Query(a.Catalog())
	if q.CurrencyCode != batch.Region.CurrencyCode || !q.At.Equal(catalog.T0) {
		t.Errorf("batch query %+v", q)
	}
}
