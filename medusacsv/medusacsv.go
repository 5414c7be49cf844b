// Package medusacsv reads and writes the CSV files of Medusa's price-list import, so
// that the files merchants already keep load into a price list, and a list comes back
// out in the same form.
//
// # The format
//
// A file is a header line and one row per variant (and quantity tier):
//
//	Product Variant ID,SKU,Price USD,Price Europe [EUR],Min Quantity,Max Quantity
//	variant_shirt_s,,20.00,18.50,,
//	,SHIRT-M,20.00,,,
//	variant_shirt_s,,15.00,,10,
//
// The columns are Medusa's (its v1 price-list import, batch job "price-list-import":
// packages/medusa/src/strategies/batch-jobs/price-list/import.ts in medusajs/medusa,
// whose CSV schema matches "Product Variant ID", "SKU", /Price (.*) \[([A-Z]{3})\]/
// and /Price [A-Z]{3}/, with the integration test's template
// "Product Variant ID,SKU,Price USD,Price PL Region [EUR], Price JPY"), plus two of
// this package's own for quantity tiers:
//
//   - Product Variant ID: the variant. When empty, SKU names it, through
//     Options.VariantBySKU. When both are set the ID wins, as in Medusa.
//   - Price <CUR>: a currency-wide price in the currency CUR (Price USD, Price jpy:
//     any case; codes the Service accepts, ISO 4217 or registered).
//   - Price <Region> [<CUR>]: a price for the region named Region, found through
//     Options.RegionByName, in the currency CUR. (Medusa takes the currency from the
//     region; this package has no regions, so the header says it.)
//   - Min Quantity, Max Quantity: the quantity range of every price of the row, a
//     whole number, empty or 0 for unbounded. Not Medusa's: with them a variant has
//     one row per tier.
//
// Each non-empty price cell is one price. Amounts are in major units, with a point
// for decimals ("20", "20.5", "20.50"; 3000 for jpy), converted by the currency's
// digits (pricing.ParseAmount): 20.50 USD is 2050 cents. Trailing zeros past the
// currency's digits are fine ("20.500"); other extra digits are refused, where Medusa
// would round 44.441 USD to 44.44 without a word: a price that was not meant.
// Neither a decimal comma nor a thousands separator nor a sign is read.
//
// # Reading
//
// Header names are matched after trimming spaces, in any case. A byte order mark at
// the start, CRLF line ends, quoted fields and blank lines are fine. The delimiter is
// found from the header line (a comma, a semicolon or a tab, the most frequent of
// them; Medusa's parser detects it too) unless Options.Comma sets it.
//
// A column this package does not know ("Product Title", say) is a problem of the file,
// as it is for Medusa ("Unable to treat column ... No target column found"): a typo in
// a price header would otherwise drop a whole column of prices without a word.
// Options.IgnoreUnknownColumns ignores such columns instead. Two columns that mean
// the same (two SKU columns, Price USD twice, two region names of one region) are a
// problem; so are two rows that give the same variant, currency, region and quantity
// range a price, naming both lines. A row whose price cells are all empty gives no
// price, and a row whose every cell is empty (",,,", as spreadsheets write) is skipped
// like a blank line.
//
// # Problems
//
// Every problem is reported, with its line (1-based, as an editor or a spreadsheet
// shows it; the header is line 1) and column, in one *Error that matches
// pricing.ErrInvalid, and then nothing is written. Problems of the file's form (a
// cell that is not a number, an unknown SKU or region, a duplicate) are found by
// reading the file; the prices of a file without such problems then go to the
// Service, whose rules (a known currency, valid IDs, MinQuantity not above
// MaxQuantity) report their problems in the same form, at the same lines.
package medusacsv

import "github.com/commercekit/pricing"

// The names of the columns, as Export writes them.
const (
	ColumnVariantID   = "Product Variant ID"
	ColumnSKU         = "SKU"
	ColumnMinQuantity = "Min Quantity"
	ColumnMaxQuantity = "Max Quantity"
)

// Options configures Read, Import and Export. A nil *Options selects the zero value.
type Options struct {
	// VariantBySKU returns the variant ID of a SKU, for rows whose Product Variant ID
	// is empty. Nil: such rows are problems.
	VariantBySKU func(sku string) (variantID string, ok bool)
	// SKUOf returns the SKU of a variant, for the SKU column that Export writes. Nil,
	// or not ok: the cell is empty.
	SKUOf func(variantID string) (sku string, ok bool)
	// RegionByName returns the region ID of the region named in a header
	// "Price <Region> [<CUR>]". Nil: such headers are problems.
	RegionByName func(name string) (regionID string, ok bool)
	// RegionName returns the name of a region, for the headers of region prices that
	// Export writes. Nil, or not ok for a region of the list: Export fails.
	RegionName func(regionID string) (name string, ok bool)
	// IgnoreUnknownColumns ignores columns whose header is none of this package's,
	// instead of reporting them.
	IgnoreUnknownColumns bool
	// Comma is the field delimiter. Zero: Read finds it from the header line, and
	// Export writes a comma.
	Comma rune
}

func (o *Options) orZero() *Options {
	if o == nil {
		return &Options{}
	}
	return o
}

// keyOf is the key of a price within a list: what makes two rows duplicates.
func keyOf(p pricing.PriceInput) pricing.PriceKey {
	return pricing.PriceKey{VariantID: p.VariantID, CurrencyCode: lowerASCII(p.CurrencyCode), RegionID: p.RegionID,
		MinQuantity: p.MinQuantity, MaxQuantity: p.MaxQuantity}
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
