package memory

import (
	"fmt"
	"slices"
	"strings"

	"github.com/commercekit/pricing"
)

// The read methods of both kinds of transaction. Each returns a copy of what it reads:
// records are cloned, strings and Price values need no copy.

// CustomerGroup implements pricing.Tx.
func (s *state) CustomerGroup(id string) (pricing.CustomerGroup, error) {
	rec := s.groups[id]
	if rec == nil {
		return pricing.CustomerGroup{}, errNoGroup
	}
	return rec.g.Clone(), nil
}

// CustomerGroupIDByNameKey implements pricing.Tx.
func (s *state) CustomerGroupIDByNameKey(nameKey string) (string, error) {
	id, ok := s.groupByName[nameKey]
	if !ok {
		return "", fmt.Errorf("memory: customer group name key %q: %w", nameKey, pricing.ErrNotFound)
	}
	return id, nil
}

// CustomerGroups implements pricing.Tx.
func (s *state) CustomerGroups(fn func(pricing.CustomerGroup) bool) error {
	recs := make([]*groupRec, 0, len(s.groups))
	for _, rec := range s.groups {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b *groupRec) int { return strings.Compare(a.g.ID, b.g.ID) })
	for _, rec := range recs {
		if !fn(rec.g.Clone()) {
			break
		}
	}
	return nil
}

// Members implements pricing.Tx. A negative offset counts as 0; an unknown group has no
// members.
func (s *state) Members(groupID string, offset int, fn func(customerID string) bool) error {
	m := s.members[groupID]
	if m == nil {
		return nil
	}
	ids := m.sortedIDs()
	for _, id := range ids[min(max(offset, 0), len(ids)):] {
		if !fn(id) {
			break
		}
	}
	return nil
}

// CountMembers implements pricing.Tx.
func (s *state) CountMembers(groupID string) (int, error) {
	if m := s.members[groupID]; m != nil {
		return len(m.ids), nil
	}
	return 0, nil
}

// AppendCustomerGroupIDs implements pricing.Tx. It allocates only when dst lacks
// capacity.
func (s *state) AppendCustomerGroupIDs(dst []string, customerID string) ([]string, error) {
	return append(dst, s.groupsOf[customerID]...), nil
}

// PriceList implements pricing.Tx.
func (s *state) PriceList(id string) (pricing.PriceList, error) {
	pl := s.lists[id]
	if pl == nil {
		return pricing.PriceList{}, errNoList
	}
	return pl.Clone(), nil
}

// PriceListTerms implements pricing.Tx. It does not allocate: the result's slices and
// Adjustment are the stored ones, which the store never changes in place.
func (s *state) PriceListTerms(id string) (pricing.PriceListTerms, error) {
	pl := s.lists[id]
	if pl == nil {
		return pricing.PriceListTerms{}, fmt.Errorf("memory: price list %q: %w", id, pricing.ErrNotFound)
	}
	return pl.Terms(), nil
}

// PriceLists implements pricing.Tx.
func (s *state) PriceLists(fn func(pricing.PriceList) bool) error {
	pls := make([]*pricing.PriceList, 0, len(s.lists))
	for _, pl := range s.lists {
		pls = append(pls, pl)
	}
	slices.SortFunc(pls, func(a, b *pricing.PriceList) int { return strings.Compare(a.ID, b.ID) })
	for _, pl := range pls {
		if !fn(pl.Clone()) {
			break
		}
	}
	return nil
}

// AppendPriceListIDsOfGroup implements pricing.Tx.
func (s *state) AppendPriceListIDsOfGroup(dst []string, groupID string) ([]string, error) {
	start := len(dst)
	for id := range s.listsOfGroup[groupID] {
		dst = append(dst, id)
	}
	slices.Sort(dst[start:])
	return dst, nil
}

// Price implements pricing.Tx.
func (s *state) Price(id string) (pricing.Price, error) {
	if b := s.prices[id]; b != nil {
		if i, ok := b.index(id); ok {
			return b.prices[i], nil
		}
	}
	return pricing.Price{}, errNoPrice
}

// The answers for missing records, made once: a bulk write asks for each of its
// records whether it exists (the Service's upserts, the journal's record of what each
// write replaces), so they are not formatted each time.
var (
	errNoPrice    = fmt.Errorf("memory: no such price: %w", pricing.ErrNotFound)
	errNoPriceKey = fmt.Errorf("memory: no price has that key: %w", pricing.ErrNotFound)
	errNoGroup    = fmt.Errorf("memory: no such customer group: %w", pricing.ErrNotFound)
	errNoList     = fmt.Errorf("memory: no such price list: %w", pricing.ErrNotFound)
)

// PriceIDByKey implements pricing.Tx. It scans the few prices of the key's variant in
// the key's currency, or looks the key up in a large bucket's index.
func (s *state) PriceIDByKey(key pricing.PriceKey) (string, error) {
	if b := s.byVC[vcKey{key.VariantID, key.CurrencyCode}]; b != nil {
		if i := b.find(&key); i >= 0 {
			return b.prices[i].ID, nil
		}
	}
	return "", errNoPriceKey
}

// Prices implements pricing.Tx.
func (s *state) Prices(fn func(pricing.Price) bool) error {
	ps := make([]*pricing.Price, 0, len(s.prices))
	for _, b := range s.byVC {
		for i := range b.prices {
			ps = append(ps, &b.prices[i])
		}
	}
	return yieldSorted(ps, fn)
}

// PricesOfList implements pricing.Tx.
func (s *state) PricesOfList(listID string, fn func(pricing.Price) bool) error {
	var ps []*pricing.Price
	for b := range s.byList[listID] {
		for i := range b.prices {
			if p := &b.prices[i]; p.PriceListID == listID {
				ps = append(ps, p)
			}
		}
	}
	return yieldSorted(ps, fn)
}

// PricesOfVariant implements pricing.Tx.
func (s *state) PricesOfVariant(variantID string, fn func(pricing.Price) bool) error {
	var ps []*pricing.Price
	for _, c := range s.currencies[variantID] {
		b := s.byVC[vcKey{variantID, c}]
		for i := range b.prices {
			ps = append(ps, &b.prices[i])
		}
	}
	return yieldSorted(ps, fn)
}

// yieldSorted sorts ps by ID and calls fn with a copy of each until fn returns false.
// The pointers point into buckets, which fn cannot change: it must not use the Tx.
func yieldSorted(ps []*pricing.Price, fn func(pricing.Price) bool) error {
	slices.SortFunc(ps, func(a, b *pricing.Price) int { return strings.Compare(a.ID, b.ID) })
	for _, p := range ps {
		if !fn(*p) {
			break
		}
	}
	return nil
}

// AppendVariantPrices implements pricing.Tx: one map lookup and one copy of the
// variant's prices in the currency, in no particular order. It allocates only when dst
// lacks capacity.
func (s *state) AppendVariantPrices(dst []pricing.Price, variantID, currencyCode string) ([]pricing.Price, error) {
	if b := s.byVC[vcKey{variantID, currencyCode}]; b != nil {
		dst = append(dst, b.prices...)
	}
	return dst, nil
}

// AppendAdjustedListIDs implements pricing.AdjustedLister. It allocates only when dst
// lacks capacity.
func (s *state) AppendAdjustedListIDs(dst []string) ([]string, error) {
	return append(dst, s.adjusted...), nil
}
