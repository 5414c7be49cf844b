package pricing

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// sortKey is what the list orders ("created_at", "updated_at", "name") compare.
type sortKey struct {
	created, updated time.Time
	name, id         string
}

// checkOrder validates an Order field of a filter.
func checkOrder(fe *fieldErrors, order string) {
	switch strings.TrimPrefix(order, "-") {
	case "", "created_at", "updated_at", "name":
		if order != "-" {
			return
		}
	}
	fe.add("Order", `want "created_at", "updated_at" or "name", optionally prefixed with "-"`)
}

// sortByOrder sorts items by a validated Order; ties are broken by ID, so the order is
// total and never depends on storage.
func sortByOrder[T any](items []T, order string, key func(T) sortKey) {
	if order == "" {
		order = defaultOrder
	}
	field, desc := strings.CutPrefix(order, "-")
	slices.SortFunc(items, func(a, b T) int {
		ka, kb := key(a), key(b)
		var c int
		switch field {
		case "created_at":
			c = ka.created.Compare(kb.created)
		case "updated_at":
			c = ka.updated.Compare(kb.updated)
		case "name":
			c = cmp.Compare(NameOrderKey(ka.name), NameOrderKey(kb.name))
		}
		if c == 0 {
			c = cmp.Compare(ka.id, kb.id)
		}
		if desc {
			return -c
		}
		return c
	})
}

// page returns the window [offset, offset+limit) of items; limit 0 is unbounded.
func page[T any](items []T, limit, offset int) []T {
	if offset >= len(items) {
		return []T{}
	}
	items = items[offset:]
	if limit > 0 && limit < len(items) {
		items = items[:limit]
	}
	return items
}

// pageAfter returns the page of items, sorted in order by sortByOrder, that starts
// after the position after (nil: at the first item) and skips offset items, and the
// cursor of the next page of the listing: "" when no item follows the page or limit
// is 0.
func pageAfter[T any](items []T, listing, order string, after *ListPosition, limit, offset int, key func(T) sortKey) ([]T, string) {
	if after != nil {
		i, _ := slices.BinarySearchFunc(items, after, func(it T, p *ListPosition) int {
			if q := positionOf(order, key(it)); q.after(order, p) {
				return 1
			}
			return -1
		})
		items = items[i:]
	}
	pg := page(items, limit, offset)
	if n := len(pg); n > 0 && limit > 0 && offset+limit < len(items) {
		return pg, encodeCursor(listing, order, positionOf(order, key(pg[n-1])))
	}
	return pg, ""
}

// containsFold reports whether substr is within s, case-insensitively.
func containsFold(s, substr string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(substr))
}

// set returns the set of the values, or nil for none: a filter's IDs, checked once per
// record.
func set[T comparable](values []T) map[T]struct{} {
	if len(values) == 0 {
		return nil
	}
	m := make(map[T]struct{}, len(values))
	for _, v := range values {
		m[v] = struct{}{}
	}
	return m
}

// in reports whether v is in s; every value is in a nil set, which filters nothing.
func in[T comparable](s map[T]struct{}, v T) bool {
	if s == nil {
		return true
	}
	_, ok := s[v]
	return ok
}
