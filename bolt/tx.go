package bolt

import (
	"bytes"
	"errors"
	"fmt"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
)

// tx is the pricing.Tx of a Store: a bbolt transaction and the buckets it has opened.
type tx struct {
	btx  *bbolt.Tx // nil once the transaction's function has returned
	root []byte
	rb   *bbolt.Bucket
	bk   [numBuckets]*bbolt.Bucket
	// kbuf and pbuf are scratch space for point keys and scan prefixes. bbolt copies the
	// keys it keeps (not the values), so a key may be built in scratch space and used
	// until the next key is built there.
	kbuf, pbuf []byte
}

var _ pricing.Tx = (*tx)(nil)

// errTxDone reports the use of a Tx after its function returned.
var errTxDone = errors.New("bolt: transaction used after its function returned")

// empty is the value of the key-only index entries.
var empty = []byte{}

func (t *tx) end() { t.btx = nil }

// open opens the buckets ids, each at most once per transaction.
func (t *tx) open(ids ...bucketID) error {
	if t.btx == nil {
		return errTxDone
	}
	for _, id := range ids {
		if t.bk[id] != nil {
			continue
		}
		if t.rb == nil {
			if t.rb = t.btx.Bucket(t.root); t.rb == nil {
				return corrupt("root bucket %q is missing", t.root)
			}
		}
		if t.bk[id] = t.rb.Bucket(bucketKeys[id]); t.bk[id] == nil {
			return corrupt("bucket %q is missing", bucketNames[id])
		}
	}
	return nil
}

// openWrite is open for a write method: it fails in a read-only transaction.
func (t *tx) openWrite(op string, ids ...bucketID) error {
	if t.btx == nil {
		return errTxDone
	}
	if !t.btx.Writable() {
		return fmt.Errorf("bolt: %s in a read-only transaction: %w", op, berrors.ErrTxNotWritable)
	}
	return t.open(ids...)
}

// key returns s as a key in the point-key scratch space.
func (t *tx) key(s string) []byte {
	t.kbuf = append(t.kbuf[:0], s...)
	return t.kbuf
}

// pair returns pairKey(first, second) in the point-key scratch space.
func (t *tx) pair(first, second string) []byte {
	t.kbuf = pairKey(t.kbuf[:0], first, second)
	return t.kbuf
}

// prefix returns pairPrefix(first) in the prefix scratch space.
func (t *tx) prefix(first string) []byte {
	t.pbuf = pairPrefix(t.pbuf[:0], first)
	return t.pbuf
}

// scan calls fn with the rest of each key of b that starts with prefix, and its value,
// in key order, until fn returns false. The slices are valid only during the call, and
// fn must not write to b.
func scan(b *bbolt.Bucket, prefix []byte, fn func(rest, v []byte) bool) {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if !fn(k[len(prefix):], v) {
			return
		}
	}
}

// suffixes returns the rest of each key of b that starts with prefix, copied.
func suffixes(b *bbolt.Bucket, prefix []byte) []string {
	var out []string
	scan(b, prefix, func(rest, _ []byte) bool {
		out = append(out, string(rest))
		return true
	})
	return out
}

// has reports whether b holds key. (Get cannot tell an empty value from a missing key.)
func has(b *bbolt.Bucket, key []byte) bool {
	k, _ := b.Cursor().Seek(key)
	return k != nil && bytes.Equal(k, key)
}

func notFound(what, id string) error {
	return fmt.Errorf("bolt: %s %q: %w", what, id, pricing.ErrNotFound)
}

// Customer groups.

// CustomerGroup implements pricing.Tx.
func (t *tx) CustomerGroup(id string) (pricing.CustomerGroup, error) {
	if err := t.open(bkGroups); err != nil {
		return pricing.CustomerGroup{}, err
	}
	v := t.bk[bkGroups].Get(t.key(id))
	if v == nil {
		return pricing.CustomerGroup{}, notFound("customer group", id)
	}
	g, _, err := decodeGroup(id, v)
	return g, err
}

// CustomerGroupIDByNameKey implements pricing.Tx.
func (t *tx) CustomerGroupIDByNameKey(nameKey string) (string, error) {
	if err := t.open(bkGroupNames); err != nil {
		return "", err
	}
	v := t.bk[bkGroupNames].Get(t.key(nameKey))
	if v == nil {
		return "", notFound("customer group name key", nameKey)
	}
	return string(v), nil
}

// CustomerGroups implements pricing.Tx.
func (t *tx) CustomerGroups(fn func(pricing.CustomerGroup) bool) error {
	if err := t.open(bkGroups); err != nil {
		return err
	}
	c := t.bk[bkGroups].Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		g, _, err := decodeGroup(string(k), v)
		if err != nil {
			return err
		}
		if !fn(g) {
			return nil
		}
	}
	return nil
}

// PutCustomerGroup implements pricing.Tx.
func (t *tx) PutCustomerGroup(g pricing.CustomerGroup, nameKey string) error {
	if err := t.openWrite("PutCustomerGroup", bkGroups, bkGroupNames); err != nil {
		return err
	}
	groups, names := t.bk[bkGroups], t.bk[bkGroupNames]
	if cur := names.Get(t.key(nameKey)); cur != nil && string(cur) != g.ID {
		return fmt.Errorf("bolt: customer group name key %q is held by group %q: %w", nameKey, cur, pricing.ErrAlreadyExists)
	}
	v, err := encodeGroup(g, nameKey)
	if err != nil {
		return err
	}
	if old := groups.Get(t.key(g.ID)); old != nil {
		oldKey, ok := groupNameKey(old)
		if !ok {
			return corrupt("customer group %q: bad record", g.ID)
		}
		if string(oldKey) != nameKey {
			if err := t.dropNameKey(string(oldKey), g.ID); err != nil {
				return err
			}
		}
	}
	if err := groups.Put(t.key(g.ID), v); err != nil {
		return err
	}
	return names.Put(t.key(nameKey), []byte(g.ID))
}

// dropNameKey deletes the name key nameKey if it belongs to group id.
func (t *tx) dropNameKey(nameKey, id string) error {
	names := t.bk[bkGroupNames]
	if cur := names.Get(t.key(nameKey)); cur != nil && string(cur) == id {
		return names.Delete(t.key(nameKey))
	}
	return nil
}

// DeleteCustomerGroup implements pricing.Tx.
func (t *tx) DeleteCustomerGroup(id string) error {
	if err := t.openWrite("DeleteCustomerGroup", bkGroups, bkGroupNames, bkMembers, bkMemberOf, bkMemberCounts); err != nil {
		return err
	}
	groups := t.bk[bkGroups]
	old := groups.Get(t.key(id))
	if old == nil {
		return notFound("customer group", id)
	}
	nameKey, ok := groupNameKey(old)
	if !ok {
		return corrupt("customer group %q: bad record", id)
	}
	if err := t.dropNameKey(string(nameKey), id); err != nil {
		return err
	}
	members, memberOf := t.bk[bkMembers], t.bk[bkMemberOf]
	for _, c := range suffixes(members, t.prefix(id)) {
		if err := members.Delete(t.pair(id, c)); err != nil {
			return err
		}
		if err := memberOf.Delete(t.pair(c, id)); err != nil {
			return err
		}
	}
	if err := t.bk[bkMemberCounts].Delete(t.key(id)); err != nil {
		return err
	}
	return groups.Delete(t.key(id))
}

// Memberships.

// AddMember implements pricing.Tx.
func (t *tx) AddMember(groupID, customerID string) error {
	if err := t.openWrite("AddMember", bkMembers, bkMemberOf, bkMemberCounts); err != nil {
		return err
	}
	members := t.bk[bkMembers]
	if has(members, t.pair(groupID, customerID)) {
		return nil
	}
	if err := members.Put(t.pair(groupID, customerID), empty); err != nil {
		return err
	}
	if err := t.bk[bkMemberOf].Put(t.pair(customerID, groupID), empty); err != nil {
		return err
	}
	return t.addCount(groupID, 1)
}

// RemoveMember implements pricing.Tx.
func (t *tx) RemoveMember(groupID, customerID string) error {
	if err := t.openWrite("RemoveMember", bkMembers, bkMemberOf, bkMemberCounts); err != nil {
		return err
	}
	members := t.bk[bkMembers]
	if !has(members, t.pair(groupID, customerID)) {
		return nil
	}
	if err := members.Delete(t.pair(groupID, customerID)); err != nil {
		return err
	}
	if err := t.bk[bkMemberOf].Delete(t.pair(customerID, groupID)); err != nil {
		return err
	}
	return t.addCount(groupID, -1)
}

// addCount adds delta to the member count of groupID.
func (t *tx) addCount(groupID string, delta int64) error {
	counts := t.bk[bkMemberCounts]
	n, err := t.count(groupID)
	if err != nil {
		return err
	}
	n += delta
	if n < 0 {
		return corrupt("customer group %q: member count below zero", groupID)
	}
	if n == 0 {
		return counts.Delete(t.key(groupID))
	}
	return counts.Put(t.key(groupID), encodeCount(uint64(n)))
}

func (t *tx) count(groupID string) (int64, error) {
	v := t.bk[bkMemberCounts].Get(t.key(groupID))
	if v == nil {
		return 0, nil
	}
	n, ok := decodeCount(v)
	if !ok || n > 1<<62 {
		return 0, corrupt("customer group %q: bad member count", groupID)
	}
	return int64(n), nil
}

// Members implements pricing.Tx.
func (t *tx) Members(groupID string, offset int, fn func(customerID string) bool) error {
	if err := t.open(bkMembers); err != nil {
		return err
	}
	scan(t.bk[bkMembers], t.prefix(groupID), func(rest, _ []byte) bool {
		if offset > 0 {
			offset--
			return true
		}
		return fn(string(rest))
	})
	return nil
}

// CountMembers implements pricing.Tx. It reads a counter, not the memberships.
func (t *tx) CountMembers(groupID string) (int, error) {
	if err := t.open(bkMemberCounts); err != nil {
		return 0, err
	}
	n, err := t.count(groupID)
	return int(n), err
}

// AppendCustomerGroupIDs implements pricing.Tx.
func (t *tx) AppendCustomerGroupIDs(dst []string, customerID string) ([]string, error) {
	if err := t.open(bkMemberOf); err != nil {
		return dst, err
	}
	scan(t.bk[bkMemberOf], t.prefix(customerID), func(rest, _ []byte) bool {
		dst = append(dst, string(rest))
		return true
	})
	return dst, nil
}

// Price lists.

// PriceList implements pricing.Tx.
func (t *tx) PriceList(id string) (pricing.PriceList, error) {
	if err := t.open(bkLists, bkListTerms); err != nil {
		return pricing.PriceList{}, err
	}
	v := t.bk[bkLists].Get(t.key(id))
	if v == nil {
		return pricing.PriceList{}, notFound("price list", id)
	}
	return t.decodeList(id, v)
}

// decodeList decodes the record v of list id and reads its terms.
func (t *tx) decodeList(id string, v []byte) (pricing.PriceList, error) {
	tv := t.bk[bkListTerms].Get(t.key(id))
	if tv == nil {
		return pricing.PriceList{}, corrupt("price list %q: terms missing", id)
	}
	terms, err := decodeTerms(id, tv)
	if err != nil {
		return pricing.PriceList{}, err
	}
	pl := pricing.PriceList{
		ID: id, Type: terms.Type, Status: terms.Status, StartsAt: terms.StartsAt, EndsAt: terms.EndsAt,
		CustomerGroupIDs: terms.CustomerGroupIDs, IncludesTax: terms.IncludesTax,
	}
	if err := decodeList(&pl, v); err != nil {
		return pricing.PriceList{}, err
	}
	return pl, nil
}

// PriceListTerms implements pricing.Tx. It reads the compact terms value only.
func (t *tx) PriceListTerms(id string) (pricing.PriceListTerms, error) {
	if err := t.open(bkListTerms); err != nil {
		return pricing.PriceListTerms{}, err
	}
	v := t.bk[bkListTerms].Get(t.key(id))
	if v == nil {
		return pricing.PriceListTerms{}, notFound("price list", id)
	}
	return decodeTerms(id, v)
}

// PriceLists implements pricing.Tx.
func (t *tx) PriceLists(fn func(pricing.PriceList) bool) error {
	if err := t.open(bkLists, bkListTerms); err != nil {
		return err
	}
	c := t.bk[bkLists].Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		pl, err := t.decodeList(string(k), v)
		if err != nil {
			return err
		}
		if !fn(pl) {
			return nil
		}
	}
	return nil
}

// AppendPriceListIDsOfGroup implements pricing.Tx.
func (t *tx) AppendPriceListIDsOfGroup(dst []string, groupID string) ([]string, error) {
	if err := t.open(bkGroupLists); err != nil {
		return dst, err
	}
	scan(t.bk[bkGroupLists], t.prefix(groupID), func(rest, _ []byte) bool {
		dst = append(dst, string(rest))
		return true
	})
	return dst, nil
}

// PutPriceList implements pricing.Tx.
func (t *tx) PutPriceList(pl pricing.PriceList) error {
	if err := t.openWrite("PutPriceList", bkLists, bkListTerms, bkListGroups, bkGroupLists); err != nil {
		return err
	}
	rec, err := encodeList(pl)
	if err != nil {
		return err
	}
	if err := t.dropAudience(pl.ID); err != nil {
		return err
	}
	listGroups, groupLists := t.bk[bkListGroups], t.bk[bkGroupLists]
	for _, g := range pl.CustomerGroupIDs {
		if err := listGroups.Put(t.pair(pl.ID, g), empty); err != nil {
			return err
		}
		if err := groupLists.Put(t.pair(g, pl.ID), empty); err != nil {
			return err
		}
	}
	if err := t.bk[bkLists].Put(t.key(pl.ID), rec); err != nil {
		return err
	}
	return t.bk[bkListTerms].Put(t.key(pl.ID), encodeTerms(pl))
}

// dropAudience deletes the audience entries of list id, both directions.
func (t *tx) dropAudience(id string) error {
	listGroups, groupLists := t.bk[bkListGroups], t.bk[bkGroupLists]
	for _, g := range suffixes(listGroups, t.prefix(id)) {
		if err := listGroups.Delete(t.pair(id, g)); err != nil {
			return err
		}
		if err := groupLists.Delete(t.pair(g, id)); err != nil {
			return err
		}
	}
	return nil
}

// DeletePriceList implements pricing.Tx.
func (t *tx) DeletePriceList(id string) error {
	if err := t.openWrite("DeletePriceList", bkLists, bkListTerms, bkListGroups, bkGroupLists,
		bkPrices, bkPriceKeys, bkVariantCurrencyPrices, bkListPrices, bkVariantPrices); err != nil {
		return err
	}
	if t.bk[bkLists].Get(t.key(id)) == nil {
		return notFound("price list", id)
	}
	if err := t.dropAudience(id); err != nil {
		return err
	}
	for _, pid := range suffixes(t.bk[bkListPrices], t.prefix(id)) {
		if err := t.deletePrice(pid); err != nil {
			return err
		}
	}
	if err := t.bk[bkLists].Delete(t.key(id)); err != nil {
		return err
	}
	return t.bk[bkListTerms].Delete(t.key(id))
}

// Prices.

// Price implements pricing.Tx.
func (t *tx) Price(id string) (pricing.Price, error) {
	if err := t.open(bkPrices); err != nil {
		return pricing.Price{}, err
	}
	v := t.bk[bkPrices].Get(t.key(id))
	if v == nil {
		return pricing.Price{}, notFound("price", id)
	}
	return decodePriceRecord(v)
}

func decodePriceRecord(v []byte) (pricing.Price, error) {
	p, ok := decodePrice(v)
	if !ok {
		return pricing.Price{}, corrupt("bad price record %q", v)
	}
	return p, nil
}

// PriceIDByKey implements pricing.Tx.
func (t *tx) PriceIDByKey(key pricing.PriceKey) (string, error) {
	if err := t.open(bkPriceKeys); err != nil {
		return "", err
	}
	t.kbuf = priceKeyKey(t.kbuf[:0], key)
	v := t.bk[bkPriceKeys].Get(t.kbuf)
	if v == nil {
		return "", fmt.Errorf("bolt: price key %+v: %w", key, pricing.ErrNotFound)
	}
	return string(v), nil
}

// PutPrice implements pricing.Tx.
func (t *tx) PutPrice(p pricing.Price) error {
	if err := t.openWrite("PutPrice", bkPrices, bkPriceKeys, bkVariantCurrencyPrices, bkListPrices, bkVariantPrices); err != nil {
		return err
	}
	prices, priceKeys := t.bk[bkPrices], t.bk[bkPriceKeys]
	t.kbuf = priceKeyKey(t.kbuf[:0], p.Key())
	if cur := priceKeys.Get(t.kbuf); cur != nil && string(cur) != p.ID {
		return fmt.Errorf("bolt: price key %+v is held by price %q: %w", p.Key(), cur, pricing.ErrAlreadyExists)
	}
	if old := prices.Get(t.key(p.ID)); old != nil {
		op, err := decodePriceRecord(old)
		if err != nil {
			return err
		}
		if err := t.unindexPrice(&op); err != nil {
			return err
		}
	}
	// One allocation holds the two values bbolt keeps until the commit: the encoded
	// price (stored twice) and the ID for price_keys.
	buf := make([]byte, priceSize(&p)+len(p.ID))
	val := encodePrice(buf[:0], &p)
	id := append(buf[len(val):len(val)], p.ID...)
	if err := prices.Put(t.key(p.ID), val); err != nil {
		return err
	}
	t.kbuf = priceKeyKey(t.kbuf[:0], p.Key())
	if err := priceKeys.Put(t.kbuf, id); err != nil {
		return err
	}
	t.kbuf = variantCurrencyKey(t.kbuf[:0], p.VariantID, p.CurrencyCode, p.ID)
	if err := t.bk[bkVariantCurrencyPrices].Put(t.kbuf, val); err != nil {
		return err
	}
	if err := t.bk[bkListPrices].Put(t.pair(p.PriceListID, p.ID), empty); err != nil {
		return err
	}
	return t.bk[bkVariantPrices].Put(t.pair(p.VariantID, p.ID), empty)
}

// unindexPrice deletes the index entries of p.
func (t *tx) unindexPrice(p *pricing.Price) error {
	priceKeys := t.bk[bkPriceKeys]
	t.kbuf = priceKeyKey(t.kbuf[:0], p.Key())
	if cur := priceKeys.Get(t.kbuf); cur != nil && string(cur) == p.ID {
		if err := priceKeys.Delete(t.kbuf); err != nil {
			return err
		}
	}
	t.kbuf = variantCurrencyKey(t.kbuf[:0], p.VariantID, p.CurrencyCode, p.ID)
	if err := t.bk[bkVariantCurrencyPrices].Delete(t.kbuf); err != nil {
		return err
	}
	if err := t.bk[bkListPrices].Delete(t.pair(p.PriceListID, p.ID)); err != nil {
		return err
	}
	return t.bk[bkVariantPrices].Delete(t.pair(p.VariantID, p.ID))
}

// DeletePrice implements pricing.Tx.
func (t *tx) DeletePrice(id string) error {
	if err := t.openWrite("DeletePrice", bkPrices, bkPriceKeys, bkVariantCurrencyPrices, bkListPrices, bkVariantPrices); err != nil {
		return err
	}
	return t.deletePrice(id)
}

// deletePrice deletes price id and its index entries.
func (t *tx) deletePrice(id string) error {
	prices := t.bk[bkPrices]
	v := prices.Get(t.key(id))
	if v == nil {
		return notFound("price", id)
	}
	p, err := decodePriceRecord(v)
	if err != nil {
		return err
	}
	if err := t.unindexPrice(&p); err != nil {
		return err
	}
	return prices.Delete(t.key(id))
}

// Prices implements pricing.Tx.
func (t *tx) Prices(fn func(pricing.Price) bool) error {
	if err := t.open(bkPrices); err != nil {
		return err
	}
	c := t.bk[bkPrices].Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		p, err := decodePriceRecord(v)
		if err != nil {
			return err
		}
		if !fn(p) {
			return nil
		}
	}
	return nil
}

// PricesOfList implements pricing.Tx.
func (t *tx) PricesOfList(listID string, fn func(pricing.Price) bool) error {
	return t.pricesOf(bkListPrices, listID, fn)
}

// PricesOfVariant implements pricing.Tx.
func (t *tx) PricesOfVariant(variantID string, fn func(pricing.Price) bool) error {
	return t.pricesOf(bkVariantPrices, variantID, fn)
}

// pricesOf calls fn for each price that the index bucket idx lists under first.
func (t *tx) pricesOf(idx bucketID, first string, fn func(pricing.Price) bool) error {
	if err := t.open(idx, bkPrices); err != nil {
		return err
	}
	prices := t.bk[bkPrices]
	var err error
	scan(t.bk[idx], t.prefix(first), func(id, _ []byte) bool {
		v := prices.Get(id)
		if v == nil {
			err = corrupt("%s entry %q ‖ %q: price missing", bucketNames[idx], first, id)
			return false
		}
		var p pricing.Price
		if p, err = decodePriceRecord(v); err != nil {
			return false
		}
		return fn(p)
	})
	return err
}

// AppendVariantPrices implements pricing.Tx: one prefix scan of variant_currency_prices,
// whose values are the prices themselves.
func (t *tx) AppendVariantPrices(dst []pricing.Price, variantID, currencyCode string) ([]pricing.Price, error) {
	if err := t.open(bkVariantCurrencyPrices); err != nil {
		return dst, err
	}
	t.pbuf = variantCurrencyPrefix(t.pbuf[:0], variantID, currencyCode)
	var err error
	scan(t.bk[bkVariantCurrencyPrices], t.pbuf, func(id, v []byte) bool {
		p, ok := decodeVariantPrice(v, variantID, currencyCode)
		if !ok {
			err = corrupt("variant_currency_prices entry %q ‖ %q ‖ %q: bad value", variantID, currencyCode, id)
			return false
		}
		dst = append(dst, p)
		return true
	})
	return dst, err
}
