package medusacsv

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strconv"

	"github.com/commercekit/pricing"
)

// Import reads a file and makes its prices the whole set of prices of the list, in one
// transaction (Service.AddPrices with replace): prices of the list that the file does
// not give are deleted, those it gives with an existing key are updated, keeping their
// IDs. A file with problems, or whose prices the Service refuses, returns an *Error
// naming every problem by line and column, and writes nothing. A file with a header
// and no rows empties the list. An unknown list is pricing.ErrNotFound. It returns
// the prices as stored, in the file's order.
func Import(ctx context.Context, svc *pricing.Service, listID string, r io.Reader, opts *Options) ([]pricing.Price, error) {
	sh, err := read(r, opts.orZero())
	if err != nil {
		return nil, err
	}
	prices, err := svc.AddPrices(ctx, listID, sh.prices, true)
	if err != nil {
		return nil, sh.locate(err)
	}
	return prices, nil
}

// priceField matches the name of a bad field of AddPrices's input: "Prices[3]" or
// "Prices[3].Amount" (pricing.FieldError.Field).
var priceField = regexp.MustCompile(`^Prices\[(\d+)\](?:\.(\w+))?$`)

// locate turns the Service's validation error about the sheet's prices into an *Error
// whose problems name lines and columns; other errors are returned as they are.
func (sh *sheet) locate(err error) error {
	if !errors.Is(err, pricing.ErrInvalid) {
		return err
	}
	var fields []*pricing.FieldError
	var ve *pricing.ValidationError
	var fe *pricing.FieldError
	switch {
	case errors.As(err, &ve):
		fields = ve.Fields
	case errors.As(err, &fe):
		fields = []*pricing.FieldError{fe}
	default:
		return err
	}
	var ps problems
	for _, f := range fields {
		m := priceField.FindStringSubmatch(f.Field)
		if m == nil {
			return err
		}
		i, convErr := strconv.Atoi(m[1])
		if convErr != nil || i >= len(sh.origins) {
			return err
		}
		o := sh.origins[i]
		line, column := o.line, o.column
		switch m[2] {
		case "CurrencyCode", "RegionID":
			line = 1 // the header gives them
		case "VariantID":
			column = o.variantColumn
		case "MinQuantity", "MaxQuantity":
			column = sh.columnOf(m[2])
		case "Amount":
		default:
			column = 0
		}
		ps.add(line, column, sh.header(column), "%s", f.Reason)
	}
	return ps.err()
}

// columnOf returns the 1-based number of the column of the quantity field name, 0 when
// the file has none.
func (sh *sheet) columnOf(field string) int {
	vc := sh.variantColumns()
	if field == "MinQuantity" {
		return vc.min
	}
	return vc.max
}
