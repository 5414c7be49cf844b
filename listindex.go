package pricing

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PriceListOrderer is an optional capability of a Tx: the price lists in the orders of
// Service.ListPriceLists, read from indexes the store keeps, so that a page costs a
// walk of the index up to the page and not a read and a sort of every list. The
// Service detects it with a type assertion; a Tx without it lists by reading every
// list, with the same results.
//
// An order is one of "created_at", "updated_at" and "name", optionally prefixed with
// "-" for descending order, never empty. The ascending orders compare CreatedAt,
// UpdatedAt, or NameOrderKey(Name), then the ID; a descending order is the exact
// reverse of its ascending one, ties included.
type PriceListOrderer interface {
	// PriceListsInOrder calls fn with the head of each price list in the order, starting
	// after the position after (nil: from the first), until fn returns false. The head
	// and its slices are read-only, and fn must not keep them after it returns.
	PriceListsInOrder(order string, after *ListPosition, fn func(*PriceListHead) bool) error
	// PriceListHead returns the head of the list with the given ID; ErrNotFound if
	// there is none.
	PriceListHead(id string) (PriceListHead, error)
	// CountPriceLists returns the number of price lists.
	CountPriceLists() (int, error)
}

// MemberPager is an optional capability of a Tx: the customers of a group from a keyset
// position, so that a deep page of Service.GroupCustomersAfter costs a seek instead of
// a walk of the customers before it. A Tx without it gives the same pages.
type MemberPager interface {
	// MembersAfter calls fn for every customer of the group whose ID is greater than
	// after, in ascending order, until fn returns false. An unknown group has none.
	MembersAfter(groupID, after string, fn func(customerID string) bool) error
}

// PriceListHead is what a listing reads of a price list to filter and order it: its
// terms and its sort keys, without its description and metadata. Its slices and
// Adjustment are read-only, as those of PriceListTerms.
type PriceListHead struct {
	PriceListTerms
	Name                 string
	CreatedAt, UpdatedAt time.Time
}

// Head returns the list's head. The result shares its slices and Adjustment with pl.
func (pl PriceList) Head() PriceListHead {
	return PriceListHead{PriceListTerms: pl.Terms(), Name: pl.Name, CreatedAt: pl.CreatedAt, UpdatedAt: pl.UpdatedAt}
}

// ListPosition is a place in an order of a listing: the sort key of a record and its ID.
// The position is between records: a listing that starts after it begins with the
// first record that the order puts after the key and ID.
type ListPosition struct {
	// Time is the key of the orders by created_at and updated_at.
	Time time.Time
	// Name is the key of the order by name: NameOrderKey of the record's name.
	Name string
	// ID breaks ties between records with the same key.
	ID string
}

// NameOrderKey returns the key by which listings order records by name: the name in
// lower case, compared byte by byte. Names hold no control character, so a store may
// index the key followed by a 0 byte and the ID.
func NameOrderKey(name string) string { return strings.ToLower(name) }

// positionOf returns the position of the record with the sort key k in the order,
// which must be valid and not empty.
func positionOf(order string, k sortKey) ListPosition {
	switch strings.TrimPrefix(order, "-") {
	case "created_at":
		return ListPosition{Time: k.created, ID: k.id}
	case "updated_at":
		return ListPosition{Time: k.updated, ID: k.id}
	case idOrder:
		return ListPosition{ID: k.id}
	}
	return ListPosition{Name: NameOrderKey(k.name), ID: k.id}
}

// comparePositions compares a and b in the ascending order named by field
// ("created_at", "updated_at", "name" or idOrder), as listings order records.
func comparePositions(field string, a, b *ListPosition) int {
	var c int
	switch field {
	case "name":
		c = strings.Compare(a.Name, b.Name)
	case idOrder:
	default:
		c = a.Time.Compare(b.Time)
	}
	if c == 0 {
		c = cmp.Compare(a.ID, b.ID)
	}
	return c
}

// after reports whether the position p comes after the position q in order, a valid,
// non-empty order.
func (p *ListPosition) after(order string, q *ListPosition) bool {
	field, desc := strings.CutPrefix(order, "-")
	c := comparePositions(field, p, q)
	if desc {
		return c < 0
	}
	return c > 0
}

// The listings whose pages have cursors, as their cursors name them.
const (
	cursorPriceLists     = "price_lists"
	cursorCustomerGroups = "customer_groups"
	cursorPrices         = "prices"
	cursorCustomers      = "customers"
)

// A cursor is an opaque string for a filter's After: the listing, the order and the
// position of the last record of a page, base64url of "listing\x00order\x00key\x00id".
// The key is the time as Unix seconds and nanoseconds ("-62135596800.5": every time a
// record can hold, whatever its year), the name order key, or empty for idOrder, the
// ascending ID order of prices and of a group's customers.
func encodeCursor(listing, order string, p ListPosition) string {
	var key string
	switch strings.TrimPrefix(order, "-") {
	case "name":
		key = p.Name
	case idOrder:
	default:
		key = strconv.FormatInt(p.Time.Unix(), 10) + "." + strconv.Itoa(p.Time.Nanosecond())
	}
	return base64.RawURLEncoding.EncodeToString([]byte(listing + "\x00" + order + "\x00" + key + "\x00" + p.ID))
}

// decodeCursor parses the cursor c, of the listing with the validated order (empty:
// the default), into its position, adding an error for field when c is malformed or
// was made for another listing or order. The empty cursor is no position.
func decodeCursor(fe *fieldErrors, field, listing, order, c string) *ListPosition {
	if c == "" {
		return nil
	}
	if order == "" {
		order = defaultOrder
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(string(raw), "\x00")
	if err != nil || len(parts) != 4 || parts[3] == "" || parts[0] != listing {
		fe.add(field, "not a cursor of a page of this listing")
		return nil
	}
	if parts[1] != order {
		fe.add(field, fmt.Sprintf("a cursor of the order %q, not %q", parts[1], order))
		return nil
	}
	p := &ListPosition{ID: parts[3]}
	switch key := parts[2]; strings.TrimPrefix(order, "-") {
	case "name":
		p.Name = key
	case idOrder:
		if key != "" {
			fe.add(field, "not a cursor of a page of this listing")
			return nil
		}
	default:
		sec, nsec, ok := strings.Cut(key, ".")
		s, err1 := strconv.ParseInt(sec, 10, 64)
		n, err2 := strconv.ParseInt(nsec, 10, 64)
		if !ok || err1 != nil || err2 != nil || n < 0 || n > 999_999_999 {
			fe.add(field, "not a cursor of a page of this listing")
			return nil
		}
		p.Time = time.Unix(s, n).UTC()
	}
	return p
}

// defaultOrder is the order of a filter whose Order is empty: newest first.
const defaultOrder = "-created_at"

// idOrder is the order of the listings in ascending ID order only, in their cursors.
const idOrder = "id"
