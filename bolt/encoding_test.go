package bolt

import (
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// benchPrice is a list price with a region, as the resolver's index holds it.
var benchPrice = pricing.Price{
	ID: "price_0190a4b2c3d4e5f6a7b8c9d0e1f2a3b4", PriceListID: "pl_00042", VariantID: "variant_0001234",
	CurrencyCode: "usd", RegionID: "reg_eu", Amount: 1999, MinQuantity: 10, MaxQuantity: 99, IncludesTax: true,
}

// benchList is a list with a window and an audience of three groups.
var benchList = pricing.PriceList{
	ID: "pl_00042", Type: pricing.Sale, Status: pricing.Active,
	StartsAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
	CustomerGroupIDs: []string{"cg_gold", "cg_silver", "cg_wholesale"}, IncludesTax: true,
}

// BenchmarkDecodeVariantPrice measures the decoder of the resolver's index entries.
func BenchmarkDecodeVariantPrice(b *testing.B) {
	p := benchPrice
	k := variantCurrencyKey(nil, p.VariantID, p.CurrencyCode, p.ID)
	v := encodeVariantPrice(nil, &p)
	b.ReportAllocs()
	for b.Loop() {
		if got, err := decodeVariantPrice(k, v); err != nil || got != p {
			b.Fatalf("got %+v, %v", got, err)
		}
	}
}

// BenchmarkDecodeTerms measures the decoder of list terms, which the resolver reads
// when the store's cache of terms misses.
func BenchmarkDecodeTerms(b *testing.B) {
	v := encodeTerms(benchList)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeTerms(benchList.ID, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParsePriceValue measures the parse of an index value alone, as
// AppendVariantPrices does it for each entry of its scan.
func BenchmarkParsePriceValue(b *testing.B) {
	v := encodeVariantPrice(nil, &benchPrice)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := parsePriceValue(v, 2); !ok {
			b.Fatal("bad value")
		}
	}
}
