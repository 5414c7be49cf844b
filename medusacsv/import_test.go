package medusacsv_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/medusacsv"
	"github.com/commercekit/pricing/pricingtest"
)

// fixture is a store with a list "wholesale" of two prices and a base price.
const fixture = `{"format":"pricing-snapshot","version":1,
"price_lists":[{"id":"wholesale","name":"Wholesale","type":"override","status":"active"},
               {"id":"copy","name":"Copy","type":"override","status":"active"}],
"prices":[
{"id":"p_shirt","price_list_id":"wholesale","variant_id":"shirt","currency_code":"usd","amount":1400},
{"id":"p_old","price_list_id":"wholesale","variant_id":"discontinued","currency_code":"usd","amount":900},
{"id":"p_base","variant_id":"shirt","currency_code":"usd","amount":2000}]}`

// listPrices returns the list's prices as show writes them, sorted.
func listPrices(t *testing.T, svc *pricing.Service, listID string) []string {
	t.Helper()
	prices, _, err := svc.ListPrices(context.Background(), pricing.PriceFilter{PriceListID: listID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range prices {
		out = append(out, show(pricing.PriceInput{VariantID: p.VariantID, CurrencyCode: p.CurrencyCode, RegionID: p.RegionID,
			Amount: p.Amount, MinQuantity: p.MinQuantity, MaxQuantity: p.MaxQuantity}))
	}
	slices.Sort(out)
	return out
}

func TestImportReplacesTheList(t *testing.T) {
	ctx := context.Background()
	env := pricingtest.New(t)
	env.LoadString(t, fixture)
	file := "Product Variant ID,SKU,Price USD,Price Europe [EUR],Min Quantity\nshirt,,12.00,11.50,\n,SHIRT-M,13,,\nshirt,,10,,50\n"
	stored, err := medusacsv.Import(ctx, env.Service, "wholesale", strings.NewReader(file), hostOptions())
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if len(stored) != 4 || stored[0].ID != "p_shirt" || stored[0].Amount != 1200 {
		t.Errorf("stored %+v: want 4 prices, the first updating p_shirt (its key is the file's first price) to 1200", stored)
	}
	want := []string{"shirt/eur/reg_eu=1150", "shirt/usd/50-0=1000", "shirt/usd=1200", "shirt_m/usd=1300"}
	if got := listPrices(t, env.Service, "wholesale"); !slices.Equal(got, want) {
		t.Errorf("list prices %v, want %v (the discontinued variant's price deleted)", got, want)
	}
	if base, _ := env.Service.BasePrices(ctx, "shirt"); len(base) != 1 || base[0].Amount != 2000 {
		t.Errorf("base prices %+v: the import touched them", base)
	}
}

func TestImportWritesNothingWhenARowIsBad(t *testing.T) {
	ctx := context.Background()
	before := []string{"discontinued/usd=900", "shirt/usd=1400"}
	for _, tc := range []struct {
		name, file string
		problems   []string
	}{
		{
			name:     "a cell the reader refuses",
			file:     "Product Variant ID,Price USD\nshirt,12\nhat,12.345\n",
			problems: []string{`line 3, column B (Price USD): amount "12.345" in usd: more than 2 decimals`},
		},
		{
			// The Service's rules, found after reading: one problem for a header's
			// currency however many rows use it, and each bad row at its line. The
			// reasons are the Service's: only their beginnings are pinned here.
			name: "prices the Service refuses",
			file: "Product Variant ID,Price XYZ,Price USD,Min Quantity,Max Quantity\nshirt,1,12,10,5\nhat,2,3,,\n\"bad\x01id\",,3,,\n",
			problems: []string{
				`line 1, column B (Price XYZ): unknown currency`,
				`line 2, column E (Max Quantity): less than MinQuantity`,
				`line 4, column A (Product Variant ID): contains`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := pricingtest.New(t)
			env.LoadString(t, fixture)
			_, err := medusacsv.Import(ctx, env.Service, "wholesale", strings.NewReader(tc.file), hostOptions())
			got := problemsOf(t, err)
			if !slices.EqualFunc(got, tc.problems, strings.HasPrefix) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.problems, "\n"))
			}
			if got := listPrices(t, env.Service, "wholesale"); !slices.Equal(got, before) {
				t.Errorf("list prices %v after a refused import, want them unchanged: %v", got, before)
			}
		})
	}
}

func TestImportUnknownList(t *testing.T) {
	env := pricingtest.New(t)
	_, err := medusacsv.Import(context.Background(), env.Service, "nope", strings.NewReader("Product Variant ID,Price USD\nshirt,1\n"), nil)
	if !errors.Is(err, pricing.ErrNotFound) {
		t.Errorf("error %v, want ErrNotFound", err)
	}
}

func TestImportHeaderOnlyEmptiesTheList(t *testing.T) {
	env := pricingtest.New(t)
	env.LoadString(t, fixture)
	if _, err := medusacsv.Import(context.Background(), env.Service, "wholesale", strings.NewReader("Product Variant ID,Price USD\n"), nil); err != nil {
		t.Fatal(err)
	}
	if got := listPrices(t, env.Service, "wholesale"); len(got) != 0 {
		t.Errorf("list prices %v, want none", got)
	}
}
