package medusacsv

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/commercekit/pricing"
)

// Export writes the prices of the list as a file that Import reads back to the same
// prices (see Write). An unknown list is pricing.ErrNotFound.
func Export(ctx context.Context, svc *pricing.Service, listID string, w io.Writer, opts *Options) error {
	if _, err := svc.PriceList(ctx, listID); err != nil {
		return err
	}
	prices, _, err := svc.ListPrices(ctx, pricing.PriceFilter{PriceListID: listID})
	if err != nil {
		return err
	}
	return Write(w, prices, opts)
}

// Write writes prices, those of one list (or the base prices), as a file: the columns
// Product Variant ID and SKU (from Options.SKUOf, empty without it), a Price <CUR>
// column per currency with currency-wide prices, a Price <Region> [<CUR>] column per
// region and currency (the name from Options.RegionName), in that order, and Min
// Quantity and Max Quantity when a price has a quantity range; then a row per variant
// and quantity range, in ascending order. Amounts are in major units (20.00 USD).
// Prices that share a key, or a region without a name, are an error and write nothing.
func Write(w io.Writer, prices []pricing.Price, opts *Options) error {
	opts = opts.orZero()
	type colKey struct{ currency, region string }
	type rowKey struct {
		variant  string
		min, max int64
	}
	colOf := map[colKey]string{} // the header of each price column
	rows := map[rowKey]map[colKey]int64{}
	tiers := false
	for _, p := range prices {
		ck := colKey{lowerASCII(p.CurrencyCode), p.RegionID}
		if _, ok := colOf[ck]; !ok {
			h, err := priceHeader(ck.currency, ck.region, opts)
			if err != nil {
				return err
			}
			colOf[ck] = h
		}
		rk := rowKey{p.VariantID, p.MinQuantity, p.MaxQuantity}
		if rows[rk] == nil {
			rows[rk] = map[colKey]int64{}
		}
		if _, dup := rows[rk][ck]; dup {
			return fmt.Errorf("medusacsv: two prices of variant %q in %s, region %q, quantities %d to %d", p.VariantID, ck.currency, p.RegionID, p.MinQuantity, p.MaxQuantity)
		}
		rows[rk][ck] = p.Amount
		tiers = tiers || p.MinQuantity != 0 || p.MaxQuantity != 0
	}
	cols := make([]colKey, 0, len(colOf))
	for ck := range colOf {
		cols = append(cols, ck)
	}
	// Currency-wide columns first, by currency; then region columns by header.
	slices.SortFunc(cols, func(a, b colKey) int {
		if (a.region == "") != (b.region == "") {
			if a.region == "" {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(colOf[a], colOf[b]), strings.Compare(a.region, b.region))
	})
	header := []string{ColumnVariantID, ColumnSKU}
	seen := map[string]bool{}
	for _, ck := range cols {
		h := colOf[ck]
		if seen[strings.ToLower(h)] {
			return fmt.Errorf("medusacsv: two regions of %s prices are named alike: %q", ck.currency, h)
		}
		seen[strings.ToLower(h)] = true
		header = append(header, h)
	}
	if tiers {
		header = append(header, ColumnMinQuantity, ColumnMaxQuantity)
	}
	keys := make([]rowKey, 0, len(rows))
	for rk := range rows {
		keys = append(keys, rk)
	}
	slices.SortFunc(keys, func(a, b rowKey) int {
		return cmp.Or(strings.Compare(a.variant, b.variant), cmp.Compare(a.min, b.min), cmp.Compare(a.max, b.max))
	})
	cw := csv.NewWriter(w)
	if opts.Comma != 0 {
		cw.Comma = opts.Comma
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, rk := range keys {
		clear(rec)
		rec[0] = rk.variant
		if sku, ok := lookup(opts.SKUOf, rk.variant); ok {
			rec[1] = sku
		}
		for i, ck := range cols {
			if a, ok := rows[rk][ck]; ok {
				rec[2+i] = pricing.FormatAmount(a, ck.currency)
			}
		}
		if tiers {
			rec[len(rec)-2], rec[len(rec)-1] = quantityCell(rk.min), quantityCell(rk.max)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// priceHeader returns the header of the prices in the currency and region.
func priceHeader(currency, regionID string, opts *Options) (string, error) {
	code := strings.ToUpper(currency)
	if regionID == "" {
		return "Price " + code, nil
	}
	name, ok := lookup(opts.RegionName, regionID)
	if !ok {
		return "", fmt.Errorf("medusacsv: no name for region %q (Options.RegionName): its prices need one for their header", regionID)
	}
	h := "Price " + name + " [" + code + "]"
	if c, r, ok := parsePriceHeader(strings.TrimSpace(h)); !ok || r != name || c != code {
		return "", fmt.Errorf("medusacsv: region %q is named %q, which a header cannot hold", regionID, name)
	}
	return h, nil
}

func quantityCell(q int64) string {
	if q == 0 {
		return ""
	}
	return strconv.FormatInt(q, 10)
}
