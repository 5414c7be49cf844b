package pricing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Price is an amount for a variant in a currency, optionally limited to a region and a
// quantity range. A price with an empty PriceListID is a base price of the variant.
type Price struct {
	ID           string `json:"id"`
	PriceListID  string `json:"price_list_id"`
	VariantID    string `json:"variant_id"`
	CurrencyCode string `json:"currency_code"`
	RegionID     string `json:"region_id"`
	// Amount is in minor units of the currency (cents). MinQuantity and MaxQuantity bound
	// the quantity, inclusive; 0 is unbounded.
	Amount      int64 `json:"amount"`
	MinQuantity int64 `json:"min_quantity"`
	MaxQuantity int64 `json:"max_quantity"`
	// IncludesTax says whether Amount includes tax. List prices take their list's flag.
	IncludesTax bool `json:"includes_tax"`
	// Revision is the revision of the store's journal that last changed the price; 0
	// on a store without a journal.
	Revision int64 `json:"revision,omitempty"`
}

// PriceInput is one price to add to a list (Service.AddPrices), to a new list
// (NewPriceList.Prices), or to a variant's base prices (Service.SetBasePrices).
type PriceInput struct {
	// ID is optional: empty, the Service generates one (or keeps the ID of the price
	// that already has the same key).
	ID           string `json:"id,omitempty"`
	VariantID    string `json:"variant_id,omitempty"`
	CurrencyCode string `json:"currency_code"`
	RegionID     string `json:"region_id,omitempty"`
	Amount       int64  `json:"amount"`
	MinQuantity  int64  `json:"min_quantity,omitempty"`
	MaxQuantity  int64  `json:"max_quantity,omitempty"`
	// IncludesTax is for base prices only; list prices take their list's flag.
	IncludesTax bool `json:"includes_tax,omitempty"`
}

// PriceFilter selects prices for Service.ListPrices, in ascending ID order. Zero fields
// select everything.
type PriceFilter struct {
	// PriceListID keeps the prices of that list.
	PriceListID string `json:"price_list_id,omitempty"`
	// BaseOnly keeps only base prices; it cannot be combined with PriceListID.
	BaseOnly bool `json:"base_only,omitempty"`
	// VariantIDs keeps prices of these variants.
	VariantIDs []string `json:"variant_ids,omitempty"`
	// CurrencyCode and RegionID keep prices in that currency and region ("" matches any).
	CurrencyCode string `json:"currency_code,omitempty"`
	RegionID     string `json:"region_id,omitempty"`
	// Limit is the page size (0: no limit); Offset skips that many matches first.
	Limit  int `json:"limit,omitempty"`
	Offset int `json:"offset,omitempty"`
	// After, when set, is the cursor of a page, PricePage.Next: the listing starts
	// with the first match after that page, then skips Offset. A price added or deleted
	// before the cursor does not shift the pages that follow.
	After string `json:"after,omitempty"`
}

// PricePage is a page of prices, the result of Service.ListPricesPage.
type PricePage struct {
	Prices []Price `json:"prices"`
	// Count is how many prices match the filter in all, those before its After cursor
	// included.
	Count int `json:"count"`
	// Next is the cursor of the page that follows, for PriceFilter.After; "" when no
	// match follows this page or the filter has no Limit.
	Next string `json:"next,omitempty"`
}

// PriceKey identifies a price within the store: two prices never share a key. Adding a
// price whose key exists updates that price.
type PriceKey struct {
	PriceListID  string
	VariantID    string
	CurrencyCode string
	RegionID     string
	MinQuantity  int64
	MaxQuantity  int64
}

// Key returns the price's key.
func (p Price) Key() PriceKey {
	return PriceKey{p.PriceListID, p.VariantID, p.CurrencyCode, p.RegionID, p.MinQuantity, p.MaxQuantity}
}

// checkPrices validates price inputs of a list ("" variantID) or of the base prices of
// variantID, and returns them as prices; IDs may be empty. A list price keeps its
// input's IncludesTax until takeListTax gives it its list's. Two inputs with the same
// key or the same ID are invalid.
func (s *Service) checkPrices(fe *fieldErrors, field string, ins []PriceInput, variantID string) []Price {
	out := make([]Price, len(ins))
	keys := make(map[PriceKey]int, len(ins))
	var ids map[string]int
	for i, in := range ins {
		// The name of a field of this input is made only for an error, since bulk loads
		// validate hundreds of thousands of inputs.
		p := s.checkPrice(fe, func(sub string) string { return fmt.Sprintf("%s[%d].%s", field, i, sub) }, in, variantID)
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
				fe.add(fmt.Sprintf("%s[%d].ID", field, i), fmt.Sprintf("same ID as %s[%d]", field, j))
			}
			ids[p.ID] = i
		}
		out[i] = p
	}
	return out
}

// checkPrice validates one price input, naming its fields with name, and returns it as
// a price without a list.
func (s *Service) checkPrice(fe *fieldErrors, name func(sub string) string, in PriceInput, variantID string) Price {
	if in.ID != "" {
		checkNewListOrPriceID(fe, name("ID"), in.ID)
	}
	if variantID != "" && in.VariantID == "" {
		in.VariantID = variantID
	} else if variantID != "" && in.VariantID != variantID {
		fe.add(name("VariantID"), fmt.Sprintf("%q is not the variant %q whose base prices are set", in.VariantID, variantID))
	}
	if reason := idReason(in.VariantID); reason != "" {
		fe.add(name("VariantID"), reason)
	}
	if in.RegionID != "" {
		if reason := idReason(in.RegionID); reason != "" {
			fe.add(name("RegionID"), reason)
		}
	}
	currency, reason := s.currency(in.CurrencyCode)
	if reason != "" {
		fe.add(name("CurrencyCode"), reason)
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
		fe.add(name("Amount"), "negative")
	}
	if p.MinQuantity < 0 {
		fe.add(name("MinQuantity"), "negative")
	}
	if p.MaxQuantity < 0 {
		fe.add(name("MaxQuantity"), "negative")
	}
	if p.MinQuantity > 0 && p.MaxQuantity > 0 && p.MinQuantity > p.MaxQuantity {
		fe.add(name("MaxQuantity"), "less than MinQuantity")
	}
	return p
}

// listTaxReason is why a list price may not include tax: its list does not.
const listTaxReason = "list prices take their list's flag, which is false"

// takeListTax gives list prices checked by checkPrices their list's tax flag. An input
// that says the price includes tax when the list does not is invalid.
func takeListTax(fe *fieldErrors, field string, prices []Price, listIncludesTax bool) {
	for i := range prices {
		if p := &prices[i]; p.IncludesTax && !listIncludesTax {
			fe.add(fmt.Sprintf("%s[%d].IncludesTax", field, i), listTaxReason)
		}
		prices[i].IncludesTax = listIncludesTax
	}
}

// newPriceIDs returns an ID for each of prices that has none, made before the
// transaction that uses them: a retried transaction uses the same IDs, and the store's
// lock is not held while they are made. A price whose key exists keeps its ID instead.
func (s *Service) newPriceIDs(prices []Price) []string {
	var ids []string
	for _, p := range prices {
		if p.ID == "" {
			ids = append(ids, s.newID())
		}
	}
	return ids
}

// upsertPrices writes validated prices into list listID ("" for base prices); fresh
// holds an ID for each price without one (newPriceIDs). A price whose key exists
// updates that price and keeps its ID; an input ID that names another price of the
// same list moves that price to the new key. When scope is not nil, every price it
// yields that was not written is deleted (the replace of AddPrices and SetBasePrices).
// Two inputs that come to the same price (one by its key, the other by its ID) are
// invalid. It returns the prices as stored, in input order, and changes neither
// argument, so that a store may run the transaction again.
func (s *Service) upsertPrices(tx Tx, listID string, prices []Price, fresh []string, scope func(func(Price) bool) error) ([]Price, error) {
	out := slices.Clone(prices)
	written := make(map[string]int, len(out))
	for i := range out {
		p := &out[i]
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
			p.ID = fresh[0]
		default:
			old, err := tx.Price(p.ID)
			if err == nil && (old.PriceListID != listID || old.VariantID != p.VariantID && listID == "") {
				return nil, errorf(ErrAlreadyExists, "price ID %q is taken by a price of another list or variant", p.ID)
			} else if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, err
			}
		}
		if prices[i].ID == "" {
			fresh = fresh[1:]
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
		var stale []string
		if err := scope(func(p Price) bool {
			if _, ok := written[p.ID]; !ok {
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
	return out, nil
}

// AddPrices adds prices to the list, or updates the prices that have the same variant,
// currency, region and quantity range. With replace, every other price of the list is
// deleted in the same transaction. It returns the prices as stored, in input order.
func (s *Service) AddPrices(ctx context.Context, listID string, prices []PriceInput, replace bool) ([]Price, error) {
	var fe fieldErrors
	checked := s.checkPrices(&fe, "Prices", prices, "")
	if err := fe.err(); err != nil {
		return nil, err
	}
	fresh := s.newPriceIDs(checked)
	var out []Price
	rev, err := s.update(ctx, func(tx Tx) error {
		pl, err := getList(tx, listID)
		if err != nil {
			return err
		}
		var fe fieldErrors
		checked := slices.Clone(checked)
		if takeListTax(&fe, "Prices", checked, pl.IncludesTax); fe.err() != nil {
			return fe.err()
		}
		var scope func(func(Price) bool) error
		if replace {
			scope = func(fn func(Price) bool) error { return tx.PricesOfList(listID, fn) }
		}
		out, err = s.upsertPrices(tx, listID, checked, fresh, scope)
		return err
	})
	if err != nil {
		return nil, err
	}
	setRevision(out, rev)
	return out, nil
}

// Price returns the price with the given ID, a base price or a list price, or
// ErrNotFound.
func (s *Service) Price(ctx context.Context, id string) (Price, error) {
	var p Price
	err := s.store.View(ctx, func(tx Tx) (err error) {
		p, err = getPrice(tx, id)
		return err
	})
	return p, err
}

func getPrice(tx Tx, id string) (Price, error) {
	p, err := tx.Price(id)
	if errors.Is(err, ErrNotFound) {
		return p, errorf(ErrNotFound, "price %q not found", id)
	}
	return p, err
}

// DeletePrices deletes prices of the list by ID; IDs of prices not in the list are
// ignored. An unknown list is ErrNotFound.
func (s *Service) DeletePrices(ctx context.Context, listID string, priceIDs []string) error {
	var fe fieldErrors
	ids := foldIDs(&fe, "PriceIDs", priceIDs)
	if err := fe.err(); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx Tx) error {
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
	return err
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
	_, err := s.update(ctx, func(tx Tx) error {
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
	p, err := s.ListPricesPage(ctx, f)
	return p.Prices, p.Count, err
}

// ListPricesPage is ListPrices that also returns the cursor of the next page. It reads
// every price that can match (those of the list, the variants, or the base prices,
// when the filter names them) to count them, with or without a cursor.
func (s *Service) ListPricesPage(ctx context.Context, f PriceFilter) (PricePage, error) {
	var fe fieldErrors
	checkPage(&fe, f.Limit, f.Offset)
	if f.BaseOnly && f.PriceListID != "" {
		fe.add("BaseOnly", "cannot be combined with PriceListID")
	}
	currency := lowerASCII(f.CurrencyCode)
	after := decodeCursor(&fe, "After", cursorPrices, idOrder, f.After)
	if err := fe.err(); err != nil {
		return PricePage{}, err
	}
	out := []Price{}
	variants := set(f.VariantIDs)
	visit := func(p Price) bool {
		if (!f.BaseOnly || p.PriceListID == "") &&
			(f.PriceListID == "" || p.PriceListID == f.PriceListID) &&
			in(variants, p.VariantID) &&
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
		return PricePage{}, err
	}
	slices.SortFunc(out, func(a, b Price) int { return strings.Compare(a.ID, b.ID) })
	p := PricePage{Count: len(out)}
	p.Prices, p.Next = pageAfter(out, cursorPrices, idOrder, after, f.Limit, f.Offset, func(p Price) sortKey { return sortKey{id: p.ID} })
	return p, nil
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
		checked = s.checkPrices(&fe, "Prices", prices, variantID)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	fresh := s.newPriceIDs(checked)
	var out []Price
	rev, err := s.update(ctx, func(tx Tx) (err error) {
		scope := func(fn func(Price) bool) error {
			return tx.PricesOfVariant(variantID, func(p Price) bool {
				return p.PriceListID != "" || fn(p)
			})
		}
		out, err = s.upsertPrices(tx, "", checked, fresh, scope)
		return err
	})
	if err != nil {
		return nil, err
	}
	setRevision(out, rev)
	return out, nil
}

// BasePrices returns the variant's base prices, in ascending ID order.
func (s *Service) BasePrices(ctx context.Context, variantID string) ([]Price, error) {
	prices, _, err := s.ListPrices(ctx, PriceFilter{BaseOnly: true, VariantIDs: []string{variantID}})
	return prices, err
}

// setRevision gives prices written by an Update its revision.
func setRevision(prices []Price, rev int64) {
	for i := range prices {
		prices[i].Revision = rev
	}
}
