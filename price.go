package pricing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// checkPrices validates price inputs for the list listID ("" for base prices of
// variantID) and returns them as prices; IDs may be empty. List prices take the list's
// tax flag; an input that says otherwise is invalid. Two inputs with the same key or the
// same ID are invalid.
func (s *Service) checkPrices(fe *fieldErrors, field string, ins []PriceInput, variantID string, listIncludesTax bool) []Price {
	out := make([]Price, len(ins))
	keys := make(map[PriceKey]int, len(ins))
	var ids map[string]int
	for i, in := range ins {
		// f names a field of this input; it is called only for an error, since bulk
		// loads validate hundreds of thousands of inputs.
		f := func(sub string) string { return fmt.Sprintf("%s[%d].%s", field, i, sub) }
		if in.ID != "" {
			if reason := idReason(in.ID); reason != "" {
				fe.add(f("ID"), reason)
			}
		}
		if variantID != "" && in.VariantID == "" {
			in.VariantID = variantID
		} else if variantID != "" && in.VariantID != variantID {
			fe.add(f("VariantID"), fmt.Sprintf("%q is not the variant %q whose base prices are set", in.VariantID, variantID))
		}
		if reason := idReason(in.VariantID); reason != "" {
			fe.add(f("VariantID"), reason)
		}
		if in.RegionID != "" {
			if reason := idReason(in.RegionID); reason != "" {
				fe.add(f("RegionID"), reason)
			}
		}
		currency, reason := s.currency(in.CurrencyCode)
		if reason != "" {
			fe.add(f("CurrencyCode"), reason)
		}
		p := Price{
			ID:           in.ID,
			VariantID:    in.VariantID,
			CurrencyCode: currency,
			RegionID:     in.RegionID,
			Amount:       in.Amount,
			MinQuantity:  in.MinQuantity,
			MaxQuantity:  in.MaxQuantity,
			IncludesTax:  in.IncludesTax,
		}
		if p.Amount < 0 {
			fe.add(f("Amount"), "negative")
		}
		if p.MinQuantity < 0 {
			fe.add(f("MinQuantity"), "negative")
		}
		if p.MaxQuantity < 0 {
			fe.add(f("MaxQuantity"), "negative")
		}
		if p.MinQuantity > 0 && p.MaxQuantity > 0 && p.MinQuantity > p.MaxQuantity {
			fe.add(f("MaxQuantity"), "less than MinQuantity")
		}
		if variantID == "" { // a list price
			if in.IncludesTax && !listIncludesTax {
				fe.add(f("IncludesTax"), "list prices take their list's flag, which is false")
			}
			p.IncludesTax = listIncludesTax
		}
		key := p.Key()
		if j, dup := keys[key]; dup {
			fe.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("same variant, currency, region and quantities as %s[%d]", field, j))
		}
		keys[key] = i
		if p.ID != "" {
			if ids == nil {
				ids = make(map[string]int, len(ins))
			}
			if j, dup := ids[p.ID]; dup {
				fe.add(f("ID"), fmt.Sprintf("same ID as %s[%d]", field, j))
			}
			ids[p.ID] = i
		}
		out[i] = p
	}
	return out
}

// upsertPrices writes validated prices into list listID ("" for base prices). A price
// whose key exists updates that price and keeps its ID; an input ID that names another
// price of the same list moves that price to the new key. When scope is not nil, every
// price it yields that was not written is deleted (the replace of AddPrices and
// SetBasePrices). Two inputs that come to the same price (one by its key, the other by
// its ID) are invalid. It returns the prices as stored, in input order.
func (s *Service) upsertPrices(tx Tx, listID string, prices []Price, scope func(func(Price) bool) error) ([]Price, error) {
	written := make(map[string]int, len(prices))
	for i := range prices {
		p := &prices[i]
		p.PriceListID = listID
		existing, err := tx.PriceIDByKey(p.Key())
		switch {
		case err == nil:
			if p.ID != "" && p.ID != existing {
				return nil, errorf(ErrAlreadyExists, "price %q: its variant, currency, region and quantities are those of price %q", p.ID, existing)
			}
			p.ID = existing
		case !errors.Is(err, ErrNotFound):
			return nil, err
		case p.ID == "":
			p.ID = s.newID()
		default:
			old, err := tx.Price(p.ID)
			if err == nil && (old.PriceListID != listID || old.VariantID != p.VariantID && listID == "") {
				return nil, errorf(ErrAlreadyExists, "price ID %q is taken by a price of another list or variant", p.ID)
			} else if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, err
			}
		}
		if j, dup := written[p.ID]; dup {
			return nil, &FieldError{Field: fmt.Sprintf("Prices[%d].ID", i), Reason: fmt.Sprintf("names price %q, which Prices[%d] already updates", p.ID, j)}
		}
		written[p.ID] = i
		if err := tx.PutPrice(*p); err != nil {
			return nil, err
		}
	}
	if scope != nil {
		keep := make(map[string]bool, len(prices))
		for _, p := range prices {
			keep[p.ID] = true
		}
		var stale []string
		if err := scope(func(p Price) bool {
			if !keep[p.ID] {
				stale = append(stale, p.ID)
			}
			return true
		}); err != nil {
			return nil, err
		}
		for _, id := range stale {
			if err := tx.DeletePrice(id); err != nil {
				return nil, err
			}
		}
	}
	return prices, nil
}

// AddPrices adds prices to the list, or updates the prices that have the same variant,
// currency, region and quantity range. With replace, every other price of the list is
// deleted in the same transaction. It returns the prices as stored, in input order.
func (s *Service) AddPrices(ctx context.Context, listID string, prices []PriceInput, replace bool) ([]Price, error) {
	var out []Price
	err := s.store.Update(ctx, func(tx Tx) error {
		pl, err := getList(tx, listID)
		if err != nil {
			return err
		}
		var fe fieldErrors
		checked := s.checkPrices(&fe, "Prices", prices, "", pl.IncludesTax)
		if err := fe.err(); err != nil {
			return err
		}
		var scope func(func(Price) bool) error
		if replace {
			scope = func(fn func(Price) bool) error { return tx.PricesOfList(listID, fn) }
		}
		out, err = s.upsertPrices(tx, listID, checked, scope)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePrices deletes prices of the list by ID; IDs of prices not in the list are
// ignored. An unknown list is ErrNotFound.
func (s *Service) DeletePrices(ctx context.Context, listID string, priceIDs []string) error {
	var fe fieldErrors
	ids := foldIDs(&fe, "PriceIDs", priceIDs)
	if err := fe.err(); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		if _, err := getList(tx, listID); err != nil {
			return err
		}
		for _, id := range ids {
			p, err := tx.Price(id)
			if errors.Is(err, ErrNotFound) || err == nil && p.PriceListID != listID {
				continue
			}
			if err != nil {
				return err
			}
			if err := tx.DeletePrice(id); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteVariantPrices deletes every price of the list for the given variants and
// returns how many it deleted. An unknown list is ErrNotFound.
func (s *Service) DeleteVariantPrices(ctx context.Context, listID string, variantIDs []string) (int, error) {
	var fe fieldErrors
	variants := foldIDs(&fe, "VariantIDs", variantIDs)
	if err := fe.err(); err != nil {
		return 0, err
	}
	var n int
	err := s.store.Update(ctx, func(tx Tx) error {
		n = 0
		if _, err := getList(tx, listID); err != nil {
			return err
		}
		for _, v := range variants {
			var ids []string
			if err := tx.PricesOfVariant(v, func(p Price) bool {
				if p.PriceListID == listID {
					ids = append(ids, p.ID)
				}
				return true
			}); err != nil {
				return err
			}
			for _, id := range ids {
				if err := tx.DeletePrice(id); err != nil {
					return err
				}
			}
			n += len(ids)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ListPrices returns the page of prices that match f, in ascending ID order, and how
// many match in all.
func (s *Service) ListPrices(ctx context.Context, f PriceFilter) ([]Price, int, error) {
	var fe fieldErrors
	checkPage(&fe, f.Limit, f.Offset)
	if f.BaseOnly && f.PriceListID != "" {
		fe.add("BaseOnly", "cannot be combined with PriceListID")
	}
	currency := lowerASCII(f.CurrencyCode)
	if err := fe.err(); err != nil {
		return nil, 0, err
	}
	out := []Price{}
	visit := func(p Price) bool {
		if (!f.BaseOnly || p.PriceListID == "") &&
			(f.PriceListID == "" || p.PriceListID == f.PriceListID) &&
			(len(f.VariantIDs) == 0 || slices.Contains(f.VariantIDs, p.VariantID)) &&
			(currency == "" || p.CurrencyCode == currency) &&
			(f.RegionID == "" || p.RegionID == f.RegionID) {
			out = append(out, p)
		}
		return true
	}
	err := s.store.View(ctx, func(tx Tx) error {
		switch {
		case f.PriceListID != "":
			return tx.PricesOfList(f.PriceListID, visit)
		case len(f.VariantIDs) > 0:
			for _, v := range slices.Compact(slices.Sorted(slices.Values(f.VariantIDs))) {
				if err := tx.PricesOfVariant(v, visit); err != nil {
					return err
				}
			}
			return nil
		case f.BaseOnly:
			return tx.PricesOfList("", visit)
		}
		return tx.Prices(visit)
	})
	if err != nil {
		return nil, 0, err
	}
	slices.SortFunc(out, func(a, b Price) int { return strings.Compare(a.ID, b.ID) })
	return page(out, f.Limit, f.Offset), len(out), nil
}

// SetBasePrices makes prices the variant's whole set of base prices: prices with an
// existing key are updated, new ones added, the others deleted. An input's VariantID may
// be empty; otherwise it must be variantID. It returns the prices as stored, in input
// order.
func (s *Service) SetBasePrices(ctx context.Context, variantID string, prices []PriceInput) ([]Price, error) {
	var fe fieldErrors
	checkID(&fe, "VariantID", variantID)
	var checked []Price
	if variantID != "" {
		checked = s.checkPrices(&fe, "Prices", prices, variantID, false)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	var out []Price
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		scope := func(fn func(Price) bool) error {
			return tx.PricesOfVariant(variantID, func(p Price) bool {
				return p.PriceListID != "" || fn(p)
			})
		}
		out, err = s.upsertPrices(tx, "", slices.Clone(checked), scope)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BasePrices returns the variant's base prices, in ascending ID order.
func (s *Service) BasePrices(ctx context.Context, variantID string) ([]Price, error) {
	prices, _, err := s.ListPrices(ctx, PriceFilter{BaseOnly: true, VariantIDs: []string{variantID}})
	return prices, err
}
