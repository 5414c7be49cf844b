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

// reverse returns the inverse of a lookup table.
func reverse(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if _, taken := out[v]; !taken || k < out[v] {
			out[v] = k
		}
	}
	return out
}

func TestExportThenImport(t *testing.T) {
	ctx := context.Background()
	env := pricingtest.New(t)
	env.LoadString(t, fixture)
	opts := hostOptions()
	opts.SKUOf = lookupIn(reverse(skus))
	opts.RegionName = lookupIn(reverse(regions))
	in := []pricing.PriceInput{
		{VariantID: "shirt_m", CurrencyCode: "usd", Amount: 2000},
		{VariantID: "shirt_m", CurrencyCode: "usd", Amount: 1500, MinQuantity: 10, MaxQuantity: 49},
		{VariantID: "shirt_m", CurrencyCode: "eur", RegionID: "reg_de", Amount: 1850},
		{VariantID: "shirt_m", CurrencyCode: "eur", RegionID: "reg_eu", Amount: 1900},
		{VariantID: "hat", CurrencyCode: "jpy", Amount: 3000},
		{VariantID: "hat", CurrencyCode: "kwd", Amount: 1234},
	}
	if _, err := env.Service.AddPrices(ctx, "wholesale", in, true); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := medusacsv.Export(ctx, env.Service, "wholesale", &out, opts); err != nil {
		t.Fatalf("Export: %v", err)
	}
	const want = `Product Variant ID,SKU,Price JPY,Price KWD,Price USD,Price Europe [EUR],Price Germany [EUR],Min Quantity,Max Quantity
hat,,3000,1.234,,,,,
shirt_m,SHIRT-M,,,20.00,19.00,18.50,,
shirt_m,SHIRT-M,,,15.00,,,10,49
`
	if out.String() != want {
		t.Errorf("export:\n%s\nwant:\n%s", out.String(), want)
	}
	if _, err := medusacsv.Import(ctx, env.Service, "copy", strings.NewReader(out.String()), opts); err != nil {
		t.Fatalf("Import of the export: %v", err)
	}
	if a, b := listPrices(t, env.Service, "wholesale"), listPrices(t, env.Service, "copy"); !slices.Equal(a, b) {
		t.Errorf("the copy's prices %v, want the original's %v", b, a)
	}
}

func TestExportErrors(t *testing.T) {
	ctx := context.Background()
	env := pricingtest.New(t)
	env.LoadString(t, fixture)
	if err := medusacsv.Export(ctx, env.Service, "nope", &strings.Builder{}, nil); !errors.Is(err, pricing.ErrNotFound) {
		t.Errorf("unknown list: %v, want ErrNotFound", err)
	}
	if _, err := env.Service.AddPrices(ctx, "wholesale", []pricing.PriceInput{{VariantID: "v", CurrencyCode: "eur", RegionID: "reg_fr", Amount: 1}}, false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts *medusacsv.Options
		want string
	}{
		{"no RegionName", nil, `no name for region "reg_fr"`},
		{"a name the header cannot hold", &medusacsv.Options{RegionName: func(string) (string, bool) { return " ", true }}, `which a header cannot hold`},
		{"two regions of one name", &medusacsv.Options{RegionName: func(string) (string, bool) { return "Europe", true }}, ""},
	} {
		var out strings.Builder
		err := medusacsv.Export(ctx, env.Service, "wholesale", &out, tc.opts)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
		if out.Len() != 0 {
			t.Errorf("%s: wrote %q before failing", tc.name, out.String())
		}
	}
	err := medusacsv.Write(&strings.Builder{}, []pricing.Price{
		{VariantID: "v", CurrencyCode: "eur", RegionID: "a", Amount: 1},
		{VariantID: "v", CurrencyCode: "eur", RegionID: "b", Amount: 2},
	}, &medusacsv.Options{RegionName: func(string) (string, bool) { return "Europe", true }})
	if err == nil || !strings.Contains(err.Error(), "named alike") {
		t.Errorf("two regions named alike: %v", err)
	}
}
