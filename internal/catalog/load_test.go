package catalog_test

import (
	"context"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/internal/catalog"
	"github.com/commercekit/pricing/memory"
)

// TestLoad loads S = 1 into a memory store and checks its counts and a handful of
// resolutions worked out by hand from the formulas.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 370,500 prices")
	}
	ctx := context.Background()
	svc := catalog.NewService(memory.New())
	st, err := catalog.Load(ctx, svc, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Counts != wantS1 {
		t.Errorf("Load stats:\n got %+v\nwant %+v", st.Counts, wantS1)
	}
	for _, p := range st.Phases {
		t.Logf("%-12s %8d records %6d txs %v (%.0f/s)", p.Name, p.Records, p.Transactions, p.Duration, p.PerSecond())
	}

	// Counts from the store.
	_, base, err := svc.ListPrices(ctx, pricing.PriceFilter{BaseOnly: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, all, err := svc.ListPrices(ctx, pricing.PriceFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, lists, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	groups, _, err := svc.ListCustomerGroups(ctx, pricing.CustomerGroupFilter{})
	if err != nil {
		t.Fatal(err)
	}
	memberships, customers := 0, map[string]bool{}
	for _, g := range groups {
		ids, n, err := svc.GroupCustomers(ctx, g.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		memberships += n
		for _, id := range ids {
			customers[id] = true
		}
	}
	got := catalog.Counts{
		Variants: 10_000, Customers: 100_000, // not stored: the host owns them
		Groups: len(groups), Lists: lists, BasePrices: base, ListPrices: all - base,
		Memberships: memberships, CustomersInGroups: len(customers),
	}
	if got != wantS1 {
		t.Errorf("counted in the store:\n got %+v\nwant %+v", got, wantS1)
	}

	// Resolutions. Variant 7 (base 1259) is priced by lists i ≡ 1 (mod 20), all sale
	// lists for one group each (i mod 50): 21 and 161 are drafts; 1, 41, 81, 121 take
	// 6% off (1184; 1 and 121 have a tier at 1124 from 5); 61, 101, 141, 181 take 26%
	// (932; 61 and 181 have a tier at 885). Customer 23 is in groups 11, 17 and 49: of
	// these lists, only 61 (group 11) is for them.
	//
	// Variant 16 (base 1592) is priced by lists i ≡ 8 (mod 20), all for everyone: 28 and
	// 168 are drafts, 48 and 108 not started; 8, 88, 128, 188 take 13% (1386; 88 has a
	// tier at 1316); 68 and 148 take 33% (1067; 148 has a tier at 1013). 68 and 148 tie
	// at 1067 with the same start: the lower price ID, of list 68, wins.
	//
	// Variant 0 (base 1000) is priced by lists i ≡ 0 (mod 20): override lists, all
	// ended or drafts.
	type want struct {
		amount   int64
		typ      string
		priceID  string
		original int64 // 0: no original distinct from the calculated price
	}
	cases := []struct {
		name     string
		customer int
		region   catalog.Region
		variant  int
		qty      int64
		want     want
	}{
		{"anonymous, no list for them", -1, catalog.Regions[0], 7, 1, want{1259, "default", "bp_0000007_0", 0}},
		{"base tier from 10", -1, catalog.Regions[0], 7, 10, want{1133, "default", "bp_0000007_4", 0}},
		{"reg_de price shadows the eur tier", -1, catalog.Regions[2], 7, 10, want{1309, "default", "bp_0000007_3", 0}},
		{"customer's group sale", 23, catalog.Regions[0], 7, 1, want{932, "sale", "lp_00061_0000007_0", 1259}},
		{"customer's group sale tier", 23, catalog.Regions[1], 7, 5, want{885, "sale", "lp_00061_0000007_3", 1259}},
		{"sale tier under base tier", 23, catalog.Regions[0], 7, 12, want{885, "sale", "lp_00061_0000007_1", 1133}},
		{"customer without groups", 100, catalog.Regions[0], 7, 1, want{1259, "default", "bp_0000007_0", 0}},
		{"everyone's sale, tie to the lower ID", -1, catalog.Regions[0], 16, 1, want{1067, "sale", "lp_00068_0000016_0", 1592}},
		{"everyone's sale tier", 5, catalog.Regions[3], 16, 5, want{1013, "sale", "lp_00148_0000016_5", 1592}},
		{"sale under the reg_de price", -1, catalog.Regions[2], 16, 1, want{1067, "sale", "lp_00068_0000016_2", 1642}},
		{"ended overrides", 1, catalog.Regions[0], 0, 1, want{1000, "default", "bp_0000000_0", 0}},
	}
	for _, tc := range cases {
		q := catalog.Query{Variant: tc.variant, Customer: tc.customer, Region: tc.region, Quantity: tc.qty}
		pq, variantID := catalog.New(1).Pricing(q)
		res, err := svc.Resolve(ctx, pq, variantID, tc.qty)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		original := tc.want.original
		if original == 0 {
			original = tc.want.amount
		}
		if res.CalculatedAmount != tc.want.amount || res.CalculatedType != tc.want.typ ||
			res.CalculatedPrice.ID != tc.want.priceID || !res.HasOriginal || res.OriginalAmount != original {
			t.Errorf("%s: got %d %s %s (original %d), want %+v", tc.name, res.CalculatedAmount, res.CalculatedType,
				res.CalculatedPrice.ID, res.OriginalAmount, tc.want)
		}
	}
	// Every variant has a base price in every currency: the query stream always finds one.
	s := catalog.Queries(1, 1)
	for range 1000 {
		pq, variantID := s.Catalog().Pricing(s.Next())
		if _, err := svc.Resolve(ctx, pq, variantID, 1); err != nil {
			t.Fatalf("Resolve(%+v, %s): %v", pq, variantID, err)
		}
	}
}
