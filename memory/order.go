package memory

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/commercekit/pricing"
)

// listEntry is a price list as the ordered listing sees it: its head, sharing the
// stored list's slices, and its name order key. Entries are replaced, never changed.
type listEntry struct {
	h       pricing.PriceListHead
	nameKey string
}

// listOrders holds every list entry sorted in each ascending order of a listing; the
// descending orders walk them backwards.
type listOrders struct {
	created, updated, name []*listEntry
}

// maxOrderEdits is the number of list writes (the rollback's included) one Update may
// make while the orders are kept in step, each costing a shift of the three slices;
// beyond, as in a bulk load, the Update drops them and the next listing sorts the lists
// again.
const maxOrderEdits = 64

// by returns the slice of the order field, or nil for an unknown field.
func (o *listOrders) by(field string) *[]*listEntry {
	switch field {
	case "created_at":
		return &o.created
	case "updated_at":
		return &o.updated
	case "name":
		return &o.name
	}
	return nil
}

// compareEntry compares e with the position p in the ascending order field.
func compareEntry(field string, e *listEntry, p *pricing.ListPosition) int {
	var c int
	switch field {
	case "created_at":
		c = e.h.CreatedAt.Compare(p.Time)
	case "updated_at":
		c = e.h.UpdatedAt.Compare(p.Time)
	default:
		c = strings.Compare(e.nameKey, p.Name)
	}
	if c == 0 {
		c = strings.Compare(e.h.ID, p.ID)
	}
	return c
}

// position returns the position of e in the order field.
func (e *listEntry) position(field string) pricing.ListPosition {
	switch field {
	case "created_at":
		return pricing.ListPosition{Time: e.h.CreatedAt, ID: e.h.ID}
	case "updated_at":
		return pricing.ListPosition{Time: e.h.UpdatedAt, ID: e.h.ID}
	}
	return pricing.ListPosition{Name: e.nameKey, ID: e.h.ID}
}

var orderFields = [...]string{"created_at", "updated_at", "name"}

// listOrders returns the lists in every order, sorting them when no write kept the
// orders. Readers may run in parallel: each sorts its own and publishes it.
func (s *state) listOrders() *listOrders {
	if o := s.orders.Load(); o != nil {
		return o
	}
	es := make([]*listEntry, 0, len(s.heads))
	for _, e := range s.heads {
		es = append(es, e)
	}
	o := &listOrders{}
	for _, field := range orderFields {
		sorted := slices.Clone(es)
		slices.SortFunc(sorted, func(a, b *listEntry) int {
			p := b.position(field)
			return compareEntry(field, a, &p)
		})
		*o.by(field) = sorted
	}
	s.orders.Store(o)
	return o
}

// reorder moves the entry old (nil: none) of a list to new (nil: none) in the orders,
// if they are kept. It runs under the write lock, when no reader holds the orders.
func (s *state) reorder(old, new *listEntry) {
	o := s.orders.Load()
	if o == nil {
		return
	}
	if s.orderEdits++; s.orderEdits > maxOrderEdits {
		s.orders.Store(nil)
		return
	}
	for _, field := range orderFields {
		es := o.by(field)
		if old != nil {
			p := old.position(field)
			if i, ok := sort.Find(len(*es), func(i int) int { return -compareEntry(field, (*es)[i], &p) }); ok {
				*es = slices.Delete(*es, i, i+1)
			}
		}
		if new != nil {
			p := new.position(field)
			i, _ := sort.Find(len(*es), func(i int) int { return -compareEntry(field, (*es)[i], &p) })
			*es = slices.Insert(*es, i, new)
		}
	}
}

// PriceListsInOrder implements pricing.PriceListOrderer. It allocates nothing once the
// orders are sorted: the heads passed to fn are the stored ones.
func (s *state) PriceListsInOrder(order string, after *pricing.ListPosition, fn func(*pricing.PriceListHead) bool) error {
	field, desc := strings.CutPrefix(order, "-")
	if slices.Index(orderFields[:], field) < 0 {
		return fmt.Errorf("memory: unknown order %q", order)
	}
	es := *s.listOrders().by(field)
	// first is the index of the first entry after the position in ascending order.
	first := func() int {
		return sort.Search(len(es), func(i int) bool { return compareEntry(field, es[i], after) > 0 })
	}
	if !desc {
		i := 0
		if after != nil {
			i = first()
		}
		for ; i < len(es); i++ {
			if !fn(&es[i].h) {
				break
			}
		}
		return nil
	}
	i := len(es) - 1
	if after != nil {
		i = sort.Search(len(es), func(i int) bool { return compareEntry(field, es[i], after) >= 0 }) - 1
	}
	for ; i >= 0; i-- {
		if !fn(&es[i].h) {
			break
		}
	}
	return nil
}

// PriceListHead implements pricing.PriceListOrderer.
func (s *state) PriceListHead(id string) (pricing.PriceListHead, error) {
	if e := s.heads[id]; e != nil {
		return e.h, nil
	}
	return pricing.PriceListHead{}, errNoList
}

// CountPriceLists implements pricing.PriceListOrderer.
func (s *state) CountPriceLists() (int, error) { return len(s.lists), nil }

// MembersAfter implements pricing.MemberPager: a binary search in the group's sorted
// customer IDs.
func (s *state) MembersAfter(groupID, after string, fn func(customerID string) bool) error {
	m := s.members[groupID]
	if m == nil {
		return nil
	}
	ids := m.sortedIDs()
	i, found := slices.BinarySearch(ids, after)
	if found {
		i++
	}
	for _, id := range ids[i:] {
		if !fn(id) {
			break
		}
	}
	return nil
}
