package memory

import (
	"slices"
	"sync/atomic"

	"github.com/commercekit/pricing"
)

// state holds the records and their indexes. Its methods named after the Tx read
// methods are the read side of both kinds of transaction; its unexported mutators keep
// the indexes in step with the records and record no undo: the write transaction logs
// the inverse of each mutation before it calls one.
//
// Stored *groupRec and *pricing.PriceList values are never changed in place; a write
// replaces the pointer. The undo log can therefore keep the old pointer instead of a
// copy, and PriceListTerms can share a list's CustomerGroupIDs. Prices are stored by
// value in their (variant, currency) bucket; the undo log copies a price it replaces.
type state struct {
	groups      map[string]*groupRec  // group ID → group
	groupByName map[string]string     // name key → group ID
	members     map[string]*memberSet // group ID → its customers; no empty sets
	groupsOf    map[string][]string   // customer ID → ascending group IDs; no empty slices

	lists        map[string]*pricing.PriceList  // list ID → list, CustomerGroupIDs ascending
	listsOfGroup map[string]map[string]struct{} // group ID → IDs of the lists naming it
	adjusted     []string                       // ascending IDs of the lists with an adjustment
	heads        map[string]*listEntry          // list ID → its head, for ordered listings
	orders       atomic.Pointer[listOrders]     // the heads in each order; nil until a listing sorts them
	orderEdits   int                            // lists written by the current Update while orders were kept

	prices     map[string]*bucket           // price ID → the bucket holding the price
	byVC       map[vcKey]*bucket            // (variant, currency) → its prices; no empty buckets
	currencies map[string][]string          // variant ID → ascending currencies of its buckets
	byList     map[string]map[*bucket]int32 // list ID, "" for base → buckets holding its prices → how many

	j journal
}

func (s *state) init() {
	s.groups = map[string]*groupRec{}
	s.groupByName = map[string]string{}
	s.members = map[string]*memberSet{}
	s.groupsOf = map[string][]string{}
	s.lists = map[string]*pricing.PriceList{}
	s.listsOfGroup = map[string]map[string]struct{}{}
	s.heads = map[string]*listEntry{}
	s.prices = map[string]*bucket{}
	s.byVC = map[vcKey]*bucket{}
	s.currencies = map[string][]string{}
	s.byList = map[string]map[*bucket]int32{}
	s.j.init()
}

// groupRec is a stored group with the name key it is indexed under.
type groupRec struct {
	g       pricing.CustomerGroup
	nameKey string
}

// memberSet is the set of customers of a group, with a cache of their IDs in ascending
// order for Members. Writers (holding the write lock) clear the cache; readers, which
// may run in parallel, rebuild and publish it atomically.
type memberSet struct {
	ids    map[string]struct{}
	sorted atomic.Pointer[[]string]
}

// sortedIDs returns the customer IDs in ascending order. The result is shared: read-only.
func (m *memberSet) sortedIDs() []string {
	if p := m.sorted.Load(); p != nil {
		return *p
	}
	ids := make([]string, 0, len(m.ids))
	for id := range m.ids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	m.sorted.Store(&ids)
	return ids
}

// vcKey is the key of the resolver's index: a variant and a currency.
type vcKey struct{ variant, currency string }

// insertSorted inserts s into the ascending slice ids, if it is not there yet.
func insertSorted(ids []string, s string) []string {
	i, found := slices.BinarySearch(ids, s)
	if found {
		return ids
	}
	return slices.Insert(ids, i, s)
}

// removeSorted removes s from the ascending slice ids, if it is there. It clears the
// freed element so that the backing array does not keep the string alive.
func removeSorted(ids []string, s string) []string {
	i, found := slices.BinarySearch(ids, s)
	if !found {
		return ids
	}
	return slices.Delete(ids, i, i+1)
}

// setGroup stores rec, replacing the group with its ID and that group's name key.
func (s *state) setGroup(rec *groupRec) {
	id := rec.g.ID
	if old := s.groups[id]; old != nil && s.groupByName[old.nameKey] == id {
		delete(s.groupByName, old.nameKey)
	}
	s.groups[id] = rec
	s.groupByName[rec.nameKey] = id
}

// removeGroup deletes a group record and its name key, not its memberships.
func (s *state) removeGroup(id string) {
	rec := s.groups[id]
	if rec == nil {
		return
	}
	if s.groupByName[rec.nameKey] == id {
		delete(s.groupByName, rec.nameKey)
	}
	delete(s.groups, id)
}

// addMember adds the membership and reports whether it was new.
func (s *state) addMember(groupID, customerID string) bool {
	m := s.members[groupID]
	if m == nil {
		m = &memberSet{ids: map[string]struct{}{}}
		s.members[groupID] = m
	} else if _, ok := m.ids[customerID]; ok {
		return false
	}
	m.ids[customerID] = struct{}{}
	m.sorted.Store(nil)
	s.groupsOf[customerID] = insertSorted(s.groupsOf[customerID], groupID)
	return true
}

// removeMember ends the membership and reports whether there was one.
func (s *state) removeMember(groupID, customerID string) bool {
	m := s.members[groupID]
	if m == nil {
		return false
	}
	if _, ok := m.ids[customerID]; !ok {
		return false
	}
	delete(m.ids, customerID)
	m.sorted.Store(nil)
	if len(m.ids) == 0 {
		delete(s.members, groupID)
	}
	if ids := removeSorted(s.groupsOf[customerID], groupID); len(ids) > 0 {
		s.groupsOf[customerID] = ids
	} else {
		delete(s.groupsOf, customerID)
	}
	return true
}

// setList stores pl, replacing the list with its ID, and moves the audience index from
// the old list's groups to pl's. pl.CustomerGroupIDs must be ascending without repeats.
func (s *state) setList(pl *pricing.PriceList) {
	var old []string
	if o := s.lists[pl.ID]; o != nil {
		old = o.CustomerGroupIDs
	}
	s.diffAudience(pl.ID, old, pl.CustomerGroupIDs)
	s.lists[pl.ID] = pl
	e := &listEntry{h: pl.Head(), nameKey: pricing.NameOrderKey(pl.Name)}
	s.reorder(s.heads[pl.ID], e)
	s.heads[pl.ID] = e
	if pl.Adjustment != nil {
		s.adjusted = insertSorted(s.adjusted, pl.ID)
	} else {
		s.adjusted = removeSorted(s.adjusted, pl.ID)
	}
}

// removeList deletes a list record and its audience entries, not its prices.
func (s *state) removeList(id string) {
	pl := s.lists[id]
	if pl == nil {
		return
	}
	s.diffAudience(id, pl.CustomerGroupIDs, nil)
	delete(s.lists, id)
	s.reorder(s.heads[id], nil)
	delete(s.heads, id)
	s.adjusted = removeSorted(s.adjusted, id)
}

// diffAudience updates the group → lists index of list listID from the ascending group
// IDs old to the ascending group IDs new.
func (s *state) diffAudience(listID string, old, new []string) {
	for len(old) > 0 || len(new) > 0 {
		switch {
		case len(new) == 0 || len(old) > 0 && old[0] < new[0]:
			set := s.listsOfGroup[old[0]]
			delete(set, listID)
			if len(set) == 0 {
				delete(s.listsOfGroup, old[0])
			}
			old = old[1:]
		case len(old) == 0 || new[0] < old[0]:
			set := s.listsOfGroup[new[0]]
			if set == nil {
				set = map[string]struct{}{}
				s.listsOfGroup[new[0]] = set
			}
			set[listID] = struct{}{}
			new = new[1:]
		default: // in both
			old, new = old[1:], new[1:]
		}
	}
}

// insertPrice stores and indexes a copy of p; no price with p's ID may be stored. b is
// the bucket of p's variant and currency, or nil to look it up (and create it).
func (s *state) insertPrice(p *pricing.Price, b *bucket) {
	if b == nil {
		k := vcKey{p.VariantID, p.CurrencyCode}
		if b = s.byVC[k]; b == nil {
			b = &bucket{}
			s.byVC[k] = b
			s.currencies[p.VariantID] = insertSorted(s.currencies[p.VariantID], p.CurrencyCode)
		}
	}
	b.add(p)
	s.prices[p.ID] = b
	s.countListPrices(p.PriceListID, b, 1)
}

// removePrice unindexes and deletes the price at position i of bucket b.
func (s *state) removePrice(b *bucket, i int) {
	p := b.prices[i]
	delete(s.prices, p.ID)
	s.countListPrices(p.PriceListID, b, -1)
	b.remove(i)
	if len(b.prices) == 0 {
		delete(s.byVC, vcKey{p.VariantID, p.CurrencyCode})
		if cs := removeSorted(s.currencies[p.VariantID], p.CurrencyCode); len(cs) > 0 {
			s.currencies[p.VariantID] = cs
		} else {
			delete(s.currencies, p.VariantID)
		}
	}
}

// deletePrice removes the price with the given ID, if there is one.
func (s *state) deletePrice(id string) {
	if b := s.prices[id]; b != nil {
		if i, ok := b.index(id); ok {
			s.removePrice(b, i)
		}
	}
}

// countListPrices adds delta to the number of prices of list listID in bucket b.
func (s *state) countListPrices(listID string, b *bucket, delta int32) {
	set := s.byList[listID]
	if set == nil {
		set = map[*bucket]int32{}
		s.byList[listID] = set
	}
	if n := set[b] + delta; n > 0 {
		set[b] = n
	} else {
		delete(set, b)
		if len(set) == 0 {
			delete(s.byList, listID)
		}
	}
}
