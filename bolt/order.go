package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
)

var (
	_ pricing.PriceListOrderer = (*tx)(nil)
	_ pricing.MemberPager      = (*tx)(nil)
)

// putListOrder replaces the list_order entries of list pl.ID, whose record before the
// write is old (nil for a new list), and counts a new list.
func (t *tx) putListOrder(pl *pricing.PriceList, old []byte) error {
	if old != nil {
		if err := t.dropListOrder(pl.ID, old); err != nil {
			return err
		}
	} else if err := t.addListCount(1); err != nil {
		return err
	}
	value := encodeOrderValue(pl.Name, pl.CreatedAt, pl.UpdatedAt)
	return eachListOrderKey(t.scratch().k, pl.ID, pl.Name, pl.CreatedAt, pl.UpdatedAt, func(key []byte) error {
		return t.put(bkListOrder, key, value)
	})
}

// dropListOrder deletes the list_order entries of list id, whose record is old.
func (t *tx) dropListOrder(id string, old []byte) error {
	name, created, updated, err := listKeys(id, old)
	if err != nil {
		return err
	}
	return eachListOrderKey(t.scratch().k, id, name, created, updated, func(key []byte) error {
		t.del(bkListOrder, key)
		return nil
	})
}

// addListCount adds delta to the number of lists.
func (t *tx) addListCount(delta int64) error {
	n, err := t.listCount()
	if err != nil {
		return err
	}
	if n += delta; n < 0 {
		return badValue(bkListOrder, string(listCountKey), "list count below zero")
	}
	return t.put(bkListOrder, listCountKey, encodeCount(uint64(n)))
}

func (t *tx) listCount() (int64, error) {
	v := t.get(bkListOrder, listCountKey)
	if v == nil {
		return 0, corrupt("list_order: no %s", listCountKey)
	}
	n, err := decodeCountIn(bkListOrder, string(listCountKey), v)
	if err != nil {
		return 0, err
	}
	if n > 1<<62 {
		return 0, badValue(bkListOrder, string(listCountKey), "list count %d", n)
	}
	return int64(n), nil
}

// CountPriceLists implements pricing.PriceListOrderer: one read of list_order's count.
func (t *tx) CountPriceLists() (_ int, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return 0, err
	}
	if err := t.open(bkListOrder); err != nil {
		return 0, err
	}
	n, err := t.listCount()
	return int(n), err
}

// PriceListHead implements pricing.PriceListOrderer.
func (t *tx) PriceListHead(id string) (_ pricing.PriceListHead, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return pricing.PriceListHead{}, err
	}
	if err := t.open(bkLists, bkListTerms); err != nil {
		return pricing.PriceListHead{}, err
	}
	v := t.get(bkLists, t.key(id))
	if v == nil {
		return pricing.PriceListHead{}, notFound("price list", id)
	}
	var h pricing.PriceListHead
	if h.Name, h.CreatedAt, h.UpdatedAt, err = listKeys(id, v); err != nil {
		return pricing.PriceListHead{}, err
	}
	h.PriceListTerms, err = t.listTerms(id)
	return h, err
}

// listTerms returns the terms of list id, reading the compact terms value only; a
// read-only transaction first asks the store's cache of terms decoded at the same
// snapshot, whose slices and Adjustment are shared, read-only as the contract says.
func (t *tx) listTerms(id string) (pricing.PriceListTerms, error) {
	if t.btx == nil {
		return pricing.PriceListTerms{}, errTxDone
	}
	var cache *termsCache
	if t.terms != nil && !t.btx.Writable() {
		if cache = t.terms.at(t.btx.ID()); cache != nil {
			if terms, ok := cache.get(id); ok {
				return terms, nil
			}
		}
	}
	if err := t.open(bkListTerms); err != nil {
		return pricing.PriceListTerms{}, err
	}
	v := t.get(bkListTerms, t.key(id))
	if v == nil {
		return pricing.PriceListTerms{}, notFound("price list", id)
	}
	terms, err := decodeTerms(id, v)
	if err == nil && cache != nil {
		cache.put(terms)
	}
	return terms, err
}

// PriceListsInOrder implements pricing.PriceListOrderer: a walk of the order's entries
// of list_order, from a seek to the position, and a read of each list's terms (from the
// snapshot's cache in a read-only transaction).
func (t *tx) PriceListsInOrder(order string, after *pricing.ListPosition, fn func(*pricing.PriceListHead) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	field, desc := strings.CutPrefix(order, "-")
	kind, ok := orderKinds[field]
	if !ok {
		return fmt.Errorf("bolt: unknown order %q", order)
	}
	if err := t.open(bkListOrder, bkListTerms); err != nil {
		return err
	}
	c, err := t.cursor(bkListOrder)
	if err != nil {
		return err
	}
	var k, v, seek []byte
	if after != nil {
		seek = listOrderKey(nil, kind, after)
	}
	switch {
	case !desc && after == nil:
		k, v = c.Seek([]byte{kind})
	case !desc:
		if k, v = c.Seek(seek); k != nil && bytes.Equal(k, seek) {
			k, v = c.Next()
		}
	default:
		if after == nil {
			seek = []byte{kind + 1}
		}
		if k, _ = c.Seek(seek); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	var h pricing.PriceListHead
	for ; k != nil && k[0] == kind; k, v = step(c, desc) {
		if err := checkEntry(bkListOrder, k, v); err != nil {
			return err
		}
		id, ok := listOrderID(kind, k)
		if !ok || len(id) == 0 {
			return badValue(bkListOrder, string(k), "bad list order key")
		}
		if h.PriceListTerms, err = t.listTerms(string(id)); errors.Is(err, pricing.ErrNotFound) {
			return badValue(bkListOrder, string(k), "an entry of price list %q, which has no terms", id)
		} else if err != nil {
			return err
		}
		if err := decodeOrderValue(h.ID, v, &h); err != nil {
			return err
		}
		if !callerBool(t, fn, &h) {
			return nil
		}
	}
	return nil
}

// step moves c forward, or backward when desc.
func step(c *bbolt.Cursor, desc bool) ([]byte, []byte) {
	if desc {
		return c.Prev()
	}
	return c.Next()
}

// MembersAfter implements pricing.MemberPager: a seek in members to the group's prefix
// and the customer ID, then a walk.
func (t *tx) MembersAfter(groupID, after string, fn func(customerID string) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.open(bkMembers); err != nil {
		return err
	}
	c, err := t.cursor(bkMembers)
	if err != nil {
		return err
	}
	prefix := pairPrefix(nil, groupID)
	seek := append(slices.Clip(prefix), after...)
	k, v := c.Seek(seek)
	if k != nil && bytes.Equal(k, seek) {
		k, v = c.Next()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := checkEntry(bkMembers, k, v); err != nil {
			return err
		}
		if !callerBool(t, fn, string(k[len(prefix):])) {
			return nil
		}
	}
	return nil
}
