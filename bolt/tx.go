package bolt

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
)

// tx is the pricing.Tx of a Store: a bbolt transaction, the buckets it has opened, and,
// in an Update, the writes not yet applied to bbolt.
//
// Writes are buffered because bbolt splits a node only when it commits: within one
// transaction every key inserted into a leaf lands in one growing node, so inserting n
// keys in random order costs O(n²) memory moves (80,000 prices took a minute). The
// buffer applies each bucket's writes in key order, which appends instead; it is applied
// when the Update's function returns, and a bucket's part of it before any scan of that
// bucket. Point reads consult the buffer first.
type tx struct {
	btx   *bbolt.Tx // nil once the transaction's function has returned
	root  []byte
	terms *termsCaches // the store's, or nil
	rb    *bbolt.Bucket
	bk    [numBuckets]*bbolt.Bucket
	// cur holds, per bucket, the cursor of point reads, made once per transaction
	// (bbolt's Get makes one per call).
	cur [numBuckets]*bbolt.Cursor
	// w holds the buffered writes of an Update; nil until the first write.
	w *writes
	// sc is scratch space, from scratchPool, returned by end.
	sc *scratchBufs
	// inCaller is set while the caller's code runs (see guard.go): a panic then is the
	// caller's, never recovered.
	inCaller bool
	// failed is the error of a panic that bbolt raised on a damaged file: every later
	// method returns it, and Update rolls back.
	failed error
	// lastRev is the last revision of the journal when the transaction began, once
	// read (hasLastRev).
	lastRev    int64
	hasLastRev bool
	// entry is the revision of the journal entry that the Update wrote, 0 for none:
	// flushAll records it as the last revision, and the Store wakes WaitJournal after
	// the commit.
	entry int64
}

var (
	_ pricing.Tx             = (*tx)(nil)
	_ pricing.AdjustedLister = (*tx)(nil)
)

// errTxDone reports the use of a Tx after its function returned.
var errTxDone = errors.New("bolt: transaction used after its function returned")

// empty is the value of the key-only index entries.
var empty = []byte{}

func (t *tx) end() {
	t.btx = nil
	if sc := t.sc; sc != nil {
		t.sc = nil
		if cap(sc.b) <= 64<<10 && cap(sc.lens) <= 4096 && cap(sc.k) <= 4096 && cap(sc.p) <= 4096 {
			scratchPool.Put(sc)
		}
	}
}

// open opens the buckets ids, each at most once per transaction.
func (t *tx) open(ids ...bucketID) error {
	if t.btx == nil {
		return errTxDone
	}
	for _, id := range ids {
		if t.bk[id] != nil {
			continue
		}
		if err := t.openRoot(); err != nil {
			return err
		}
		if t.bk[id] = t.rb.Bucket(bucketKeys[id]); t.bk[id] == nil {
			return corrupt("bucket %q is missing", bucketNames[id])
		}
		if f := fillPercent[id]; f != 0 {
			t.bk[id].FillPercent = f
		}
	}
	return nil
}

// openRoot opens the root bucket, once per transaction.
func (t *tx) openRoot() error {
	if t.btx == nil {
		return errTxDone
	}
	if t.rb == nil {
		if t.rb = t.btx.Bucket(t.root); t.rb == nil {
			return corrupt("root bucket %q is missing", t.root)
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

// maxPart bounds each ID and name key a write accepts, so that every composite key
// made of at most four of them stays under bbolt's limit: a write fails whole, before
// it buffers anything, instead of failing halfway.
const maxPart = (bbolt.MaxKeySize - 64) / 4

// checkRequired returns an error if one of ids, which become whole keys, is empty.
func checkRequired(op string, ids ...string) error {
	for _, id := range ids {
		if id == "" {
			return fmt.Errorf("bolt: %s: empty ID or key: %w", op, berrors.ErrKeyRequired)
		}
	}
	return nil
}

// checkParts returns an error if one of parts is too long to be part of a key.
func checkParts(op string, parts ...string) error {
	for _, p := range parts {
		if len(p) > maxPart {
			return fmt.Errorf("bolt: %s: an ID or key of %d bytes (at most %d): %w", op, len(p), maxPart, berrors.ErrKeyTooLarge)
		}
	}
	return nil
}

func notFound(what, id string) error {
	return fmt.Errorf("bolt: %s %q: %w", what, id, pricing.ErrNotFound)
}

// Customer groups.

// CustomerGroup implements pricing.Tx.
func (t *tx) CustomerGroup(id string) (_ pricing.CustomerGroup, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return pricing.CustomerGroup{}, err
	}
	if err := t.open(bkGroups); err != nil {
		return pricing.CustomerGroup{}, err
	}
	v := t.get(bkGroups, t.key(id))
	if v == nil {
		return pricing.CustomerGroup{}, notFound("customer group", id)
	}
	g, _, err := decodeGroup(id, v)
	return g, err
}

// CustomerGroupIDByNameKey implements pricing.Tx.
func (t *tx) CustomerGroupIDByNameKey(nameKey string) (_ string, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return "", err
	}
	if err := t.open(bkGroupNames); err != nil {
		return "", err
	}
	id, err := t.getID(bkGroupNames, t.key(nameKey))
	if err != nil {
		return "", err
	}
	if id == nil {
		return "", notFound("customer group name key", nameKey)
	}
	return string(id), nil
}

// getID returns the ID that the group_names or price_keys entry key holds, nil if
// there is no such entry.
func (t *tx) getID(bk bucketID, key []byte) ([]byte, error) {
	v := t.get(bk, key)
	if v == nil {
		return nil, nil
	}
	return decodeID(bk, key, v)
}

// CustomerGroups implements pricing.Tx.
func (t *tx) CustomerGroups(fn func(pricing.CustomerGroup) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.open(bkGroups); err != nil {
		return err
	}
	c, err := t.cursor(bkGroups)
	if err != nil {
		return err
	}
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := checkEntry(bkGroups, k, v); err != nil {
			return err
		}
		g, _, err := decodeGroup(string(k), v)
		if err != nil {
			return err
		}
		if !callerBool(t, fn, g) {
			return nil
		}
	}
	return nil
}

// PutCustomerGroup implements pricing.Tx.
func (t *tx) PutCustomerGroup(g pricing.CustomerGroup, nameKey string) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("PutCustomerGroup", bkGroups, bkGroupNames); err != nil {
		return err
	}
	if err := cmp.Or(checkRequired("PutCustomerGroup", g.ID, nameKey), checkParts("PutCustomerGroup", g.ID, nameKey)); err != nil {
		return err
	}
	cur, err := t.getID(bkGroupNames, t.key(nameKey))
	if err != nil {
		return err
	}
	if cur != nil && string(cur) != g.ID {
		return fmt.Errorf("bolt: customer group name key %q is held by group %q: %w", nameKey, cur, pricing.ErrAlreadyExists)
	}
	v, err := encodeGroup(g, nameKey)
	if err != nil {
		return err
	}
	if old := t.get(bkGroups, t.key(g.ID)); old != nil {
		oldKey, err := groupNameKey(g.ID, old)
		if err != nil {
			return err
		}
		if string(oldKey) != nameKey {
			if err := t.dropNameKey(string(oldKey), g.ID); err != nil {
				return err
			}
		}
	}
	if err := t.put(bkGroups, t.key(g.ID), v); err != nil {
		return err
	}
	return t.put(bkGroupNames, t.key(nameKey), encodeID(nil, g.ID))
}

// dropNameKey deletes the name key nameKey if it belongs to group id.
func (t *tx) dropNameKey(nameKey, id string) error {
	cur, err := t.getID(bkGroupNames, t.key(nameKey))
	if err != nil {
		return err
	}
	if cur != nil && string(cur) == id {
		t.del(bkGroupNames, t.key(nameKey))
	}
	return nil
}

// DeleteCustomerGroup implements pricing.Tx.
func (t *tx) DeleteCustomerGroup(id string) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("DeleteCustomerGroup", bkGroups, bkGroupNames, bkMembers, bkMemberOf, bkMemberCounts); err != nil {
		return err
	}
	old := t.get(bkGroups, t.key(id))
	if old == nil {
		return notFound("customer group", id)
	}
	nameKey, err := groupNameKey(id, old)
	if err != nil {
		return err
	}
	if err := t.dropNameKey(string(nameKey), id); err != nil {
		return err
	}
	customers, err := t.suffixes(bkMembers, t.prefix(id))
	if err != nil {
		return err
	}
	for _, c := range customers {
		t.del(bkMembers, t.pair(id, c))
		t.del(bkMemberOf, t.pair(c, id))
	}
	t.del(bkMemberCounts, t.key(id))
	t.del(bkGroups, t.key(id))
	return nil
}

// Memberships.

// AddMember implements pricing.Tx.
func (t *tx) AddMember(groupID, customerID string) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("AddMember", bkMembers, bkMemberOf, bkMemberCounts); err != nil {
		return err
	}
	if err := checkParts("AddMember", groupID, customerID); err != nil {
		return err
	}
	if t.has(bkMembers, t.pair(groupID, customerID)) {
		return nil
	}
	if err := t.put(bkMembers, t.pair(groupID, customerID), empty); err != nil {
		return err
	}
	if err := t.put(bkMemberOf, t.pair(customerID, groupID), empty); err != nil {
		return err
	}
	return t.addCount(groupID, 1)
}

// RemoveMember implements pricing.Tx.
func (t *tx) RemoveMember(groupID, customerID string) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("RemoveMember", bkMembers, bkMemberOf, bkMemberCounts); err != nil {
		return err
	}
	if !t.has(bkMembers, t.pair(groupID, customerID)) {
		return nil
	}
	t.del(bkMembers, t.pair(groupID, customerID))
	t.del(bkMemberOf, t.pair(customerID, groupID))
	return t.addCount(groupID, -1)
}

// addCount adds delta to the member count of groupID.
func (t *tx) addCount(groupID string, delta int64) error {
	n, err := t.count(groupID)
	if err != nil {
		return err
	}
	n += delta
	if n < 0 {
		return badValue(bkMemberCounts, groupID, "member count below zero")
	}
	if n == 0 {
		t.del(bkMemberCounts, t.key(groupID))
		return nil
	}
	return t.put(bkMemberCounts, t.key(groupID), encodeCount(uint64(n)))
}

func (t *tx) count(groupID string) (int64, error) {
	v := t.get(bkMemberCounts, t.key(groupID))
	if v == nil {
		return 0, nil
	}
	n, err := decodeCount(groupID, v)
	if err != nil {
		return 0, err
	}
	if n > 1<<62 {
		return 0, badValue(bkMemberCounts, groupID, "member count %d", n)
	}
	return int64(n), nil
}

// Members implements pricing.Tx.
func (t *tx) Members(groupID string, offset int, fn func(customerID string) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.open(bkMembers); err != nil {
		return err
	}
	return t.scan(bkMembers, t.prefix(groupID), func(rest, _ []byte) bool {
		if offset > 0 {
			offset--
			return true
		}
		return callerBool(t, fn, string(rest))
	})
}

// CountMembers implements pricing.Tx. It reads a counter, not the memberships.
func (t *tx) CountMembers(groupID string) (_ int, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return 0, err
	}
	if err := t.open(bkMemberCounts); err != nil {
		return 0, err
	}
	n, err := t.count(groupID)
	return int(n), err
}

// AppendCustomerGroupIDs implements pricing.Tx: one prefix scan of member_of. The IDs
// share one allocation.
func (t *tx) AppendCustomerGroupIDs(dst []string, customerID string) (out []string, err error) {
	out = dst
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return dst, err
	}
	if err := t.open(bkMemberOf); err != nil {
		return dst, err
	}
	b, lens := t.stringsScratch()
	err = t.scan(bkMemberOf, t.prefix(customerID), func(rest, _ []byte) bool {
		b = append(b, rest...)
		lens = append(lens, len(rest))
		return true
	})
	if err != nil {
		return dst, err
	}
	t.sharedStrings(b, lens, func(_ int, s string) { dst = append(dst, s) })
	return dst, nil
}

// Price lists.

// PriceList implements pricing.Tx.
func (t *tx) PriceList(id string) (_ pricing.PriceList, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return pricing.PriceList{}, err
	}
	if err := t.open(bkLists, bkListTerms); err != nil {
		return pricing.PriceList{}, err
	}
	v := t.get(bkLists, t.key(id))
	if v == nil {
		return pricing.PriceList{}, notFound("price list", id)
	}
	return t.decodeList(id, v)
}

// decodeList decodes the record v of list id and reads its terms.
func (t *tx) decodeList(id string, v []byte) (pricing.PriceList, error) {
	tv := t.get(bkListTerms, t.key(id))
	if tv == nil {
		return pricing.PriceList{}, badValue(bkListTerms, id, "terms missing for the record in lists")
	}
	terms, err := decodeTerms(id, tv)
	if err != nil {
		return pricing.PriceList{}, err
	}
	pl := pricing.PriceList{
		ID: id, Type: terms.Type, Status: terms.Status, StartsAt: terms.StartsAt, EndsAt: terms.EndsAt,
		CustomerGroupIDs: terms.CustomerGroupIDs, CustomerIDs: terms.CustomerIDs, ChannelIDs: terms.ChannelIDs,
		Adjustment: terms.Adjustment, IncludesTax: terms.IncludesTax,
	}
	if err := decodeList(&pl, v); err != nil {
		return pricing.PriceList{}, err
	}
	return pl, nil
}

// PriceListTerms implements pricing.Tx. It reads the compact terms value only, and a
// read-only transaction first asks the store's cache of terms decoded at the same
// snapshot; the slices and Adjustment of cached terms are shared, read-only as the contract
// says.
func (t *tx) PriceListTerms(id string) (_ pricing.PriceListTerms, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return pricing.PriceListTerms{}, err
	}
	return t.listTerms(id)
}

// PriceLists implements pricing.Tx.
func (t *tx) PriceLists(fn func(pricing.PriceList) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.open(bkLists, bkListTerms); err != nil {
		return err
	}
	c, err := t.cursor(bkLists)
	if err != nil {
		return err
	}
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := checkEntry(bkLists, k, v); err != nil {
			return err
		}
		pl, err := t.decodeList(string(k), v)
		if err != nil {
			return err
		}
		if !callerBool(t, fn, pl) {
			return nil
		}
	}
	return nil
}

// AppendPriceListIDsOfGroup implements pricing.Tx.
func (t *tx) AppendPriceListIDsOfGroup(dst []string, groupID string) (out []string, err error) {
	out = dst
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return dst, err
	}
	if err := t.open(bkGroupLists); err != nil {
		return dst, err
	}
	err = t.scan(bkGroupLists, t.prefix(groupID), func(rest, _ []byte) bool {
		dst = append(dst, string(rest))
		return true
	})
	return dst, err
}

// PutPriceList implements pricing.Tx.
func (t *tx) PutPriceList(pl pricing.PriceList) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("PutPriceList", bkLists, bkListTerms, bkListGroups, bkGroupLists, bkAdjustedLists, bkListOrder); err != nil {
		return err
	}
	if err := cmp.Or(checkRequired("PutPriceList", pl.ID), checkParts("PutPriceList", pl.ID)); err != nil {
		return err
	}
	if err := checkParts("PutPriceList", pl.CustomerGroupIDs...); err != nil {
		return err
	}
	rec, err := encodeList(pl)
	if err != nil {
		return err
	}
	if err := t.dropAudience(pl.ID); err != nil {
		return err
	}
	for _, g := range pl.CustomerGroupIDs {
		if err := t.put(bkListGroups, t.pair(pl.ID, g), empty); err != nil {
			return err
		}
		if err := t.put(bkGroupLists, t.pair(g, pl.ID), empty); err != nil {
			return err
		}
	}
	if pl.Adjustment != nil {
		if err := t.put(bkAdjustedLists, t.key(pl.ID), empty); err != nil {
			return err
		}
	} else {
		t.del(bkAdjustedLists, t.key(pl.ID))
	}
	if err := t.putListOrder(&pl, t.get(bkLists, t.key(pl.ID))); err != nil {
		return err
	}
	if err := t.put(bkLists, t.key(pl.ID), rec); err != nil {
		return err
	}
	return t.put(bkListTerms, t.key(pl.ID), encodeTerms(pl))
}

// dropAudience deletes the audience entries of list id, both directions.
func (t *tx) dropAudience(id string) error {
	groups, err := t.suffixes(bkListGroups, t.prefix(id))
	if err != nil {
		return err
	}
	for _, g := range groups {
		t.del(bkListGroups, t.pair(id, g))
		t.del(bkGroupLists, t.pair(g, id))
	}
	return nil
}

// DeletePriceList implements pricing.Tx.
func (t *tx) DeletePriceList(id string) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("DeletePriceList", bkLists, bkListTerms, bkListGroups, bkGroupLists, bkAdjustedLists,
		bkPrices, bkPriceKeys, bkVariantCurrencyPrices, bkListPrices, bkListOrder); err != nil {
		return err
	}
	old := t.get(bkLists, t.key(id))
	if old == nil {
		return notFound("price list", id)
	}
	if err := t.dropListOrder(id, old); err != nil {
		return err
	}
	if err := t.addListCount(-1); err != nil {
		return err
	}
	if err := t.dropAudience(id); err != nil {
		return err
	}
	prices, err := t.suffixes(bkListPrices, t.prefix(id))
	if err != nil {
		return err
	}
	for _, pid := range prices {
		if err := t.deletePrice(pid); err != nil {
			return err
		}
	}
	t.del(bkLists, t.key(id))
	t.del(bkListTerms, t.key(id))
	t.del(bkAdjustedLists, t.key(id))
	return nil
}

// AppendAdjustedListIDs implements pricing.AdjustedLister with the adjusted_lists index.
func (t *tx) AppendAdjustedListIDs(dst []string) (out []string, err error) {
	out = dst
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return dst, err
	}
	// Every resolve asks: a read-only transaction asks the cache of its snapshot first.
	var cache *termsCache
	if t.btx != nil && t.terms != nil && !t.btx.Writable() {
		if cache = t.terms.at(t.btx.ID()); cache != nil {
			if out, ok := cache.adjustedIDs(dst); ok {
				return out, nil
			}
		}
	}
	if err := t.open(bkAdjustedLists); err != nil {
		return dst, err
	}
	n := len(dst)
	err = t.scan(bkAdjustedLists, nil, func(id, _ []byte) bool {
		dst = append(dst, string(id))
		return true
	})
	if err == nil && cache != nil {
		cache.putAdjusted(slices.Clone(dst[n:]))
	}
	return dst, err
}

// Prices.

// Price implements pricing.Tx.
func (t *tx) Price(id string) (_ pricing.Price, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return pricing.Price{}, err
	}
	if err := t.open(bkPrices); err != nil {
		return pricing.Price{}, err
	}
	v := t.get(bkPrices, t.key(id))
	if v == nil {
		return pricing.Price{}, notFound("price", id)
	}
	return decodePrice(t.sc.k, v)
}

// errNoPriceKey is PriceIDByKey's answer for a free key: a bulk add of new prices asks
// once per price, so the error is not formatted each time.
var errNoPriceKey = fmt.Errorf("bolt: no price has that key: %w", pricing.ErrNotFound)

// PriceIDByKey implements pricing.Tx.
func (t *tx) PriceIDByKey(key pricing.PriceKey) (_ string, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return "", err
	}
	if err := t.open(bkPriceKeys); err != nil {
		return "", err
	}
	id, err := t.getID(bkPriceKeys, t.priceKey(key))
	if err != nil {
		return "", err
	}
	if id == nil {
		return "", errNoPriceKey
	}
	return string(id), nil
}

// PutPrice implements pricing.Tx.
func (t *tx) PutPrice(p pricing.Price) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("PutPrice", bkPrices, bkPriceKeys, bkVariantCurrencyPrices, bkListPrices); err != nil {
		return err
	}
	if err := cmp.Or(checkRequired("PutPrice", p.ID),
		checkParts("PutPrice", p.ID, p.PriceListID, p.VariantID, p.CurrencyCode, p.RegionID)); err != nil {
		return err
	}
	cur, err := t.getID(bkPriceKeys, t.priceKey(p.Key()))
	if err != nil {
		return err
	}
	if cur != nil && string(cur) != p.ID {
		return fmt.Errorf("bolt: price key %+v is held by price %q: %w", p.Key(), cur, pricing.ErrAlreadyExists)
	}
	if old := t.get(bkPrices, t.key(p.ID)); old != nil {
		op, err := decodePrice(t.sc.k, old)
		if err != nil {
			return err
		}
		if err := t.unindexPrice(&op); err != nil {
			return err
		}
	}
	// One allocation holds the values kept until the commit: the record, the index
	// value and the price_keys value.
	buf := make([]byte, 0, priceValuesSize(&p)+1+len(p.ID))
	buf = encodePrice(buf, &p)
	val := buf[:len(buf):len(buf)]
	buf = encodeVariantPrice(buf, &p)
	vcVal := buf[len(val):len(buf):len(buf)]
	id := encodeID(buf[len(buf):], p.ID)
	if err := t.put(bkPrices, t.key(p.ID), val); err != nil {
		return err
	}
	if err := t.put(bkPriceKeys, t.priceKey(p.Key()), id); err != nil {
		return err
	}
	if err := t.put(bkVariantCurrencyPrices, t.vcKey(p.VariantID, p.CurrencyCode, p.ID), vcVal); err != nil {
		return err
	}
	return t.put(bkListPrices, t.pair(p.PriceListID, p.ID), empty)
}

// unindexPrice deletes the index entries of p.
func (t *tx) unindexPrice(p *pricing.Price) error {
	k := t.priceKey(p.Key())
	cur, err := t.getID(bkPriceKeys, k)
	if err != nil {
		return err
	}
	if string(cur) == p.ID {
		t.del(bkPriceKeys, k)
	}
	t.del(bkVariantCurrencyPrices, t.vcKey(p.VariantID, p.CurrencyCode, p.ID))
	t.del(bkListPrices, t.pair(p.PriceListID, p.ID))
	return nil
}

// DeletePrice implements pricing.Tx.
func (t *tx) DeletePrice(id string) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("DeletePrice", bkPrices, bkPriceKeys, bkVariantCurrencyPrices, bkListPrices); err != nil {
		return err
	}
	return t.deletePrice(id)
}

// deletePrice deletes price id and its index entries.
func (t *tx) deletePrice(id string) error {
	v := t.get(bkPrices, t.key(id))
	if v == nil {
		return notFound("price", id)
	}
	p, err := decodePrice(t.sc.k, v)
	if err != nil {
		return err
	}
	if err := t.unindexPrice(&p); err != nil {
		return err
	}
	t.del(bkPrices, t.key(id))
	return nil
}

// Prices implements pricing.Tx.
func (t *tx) Prices(fn func(pricing.Price) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.open(bkPrices); err != nil {
		return err
	}
	c, err := t.cursor(bkPrices)
	if err != nil {
		return err
	}
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := checkEntry(bkPrices, k, v); err != nil {
			return err
		}
		p, err := decodePrice(k, v)
		if err != nil {
			return err
		}
		if !callerBool(t, fn, p) {
			return nil
		}
	}
	return nil
}

// PricesOfList implements pricing.Tx: a prefix scan of list_prices.
func (t *tx) PricesOfList(listID string, fn func(pricing.Price) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.open(bkListPrices, bkPrices); err != nil {
		return err
	}
	var derr error
	serr := t.scan(bkListPrices, t.prefix(listID), func(id, _ []byte) bool {
		v := t.get(bkPrices, id)
		if v == nil {
			derr = badValue(bkListPrices, string(pairKey(nil, listID, string(id))), "price %q missing", id)
			return false
		}
		var p pricing.Price
		if p, derr = decodePrice(id, v); derr != nil {
			return false
		}
		return callerBool(t, fn, p)
	})
	return cmp.Or(serr, derr)
}

// PricesOfVariant implements pricing.Tx: a prefix scan of variant_currency_prices over
// the variant's part of the key (all its currencies), sorted by ID.
func (t *tx) PricesOfVariant(variantID string, fn func(pricing.Price) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.open(bkVariantCurrencyPrices); err != nil {
		return err
	}
	var (
		prices []pricing.Price
		derr   error
	)
	prefix := t.prefix(variantID)
	serr := t.scan(bkVariantCurrencyPrices, prefix, func(rest, v []byte) bool {
		var p pricing.Price
		if p, derr = decodeVariantPrice(append(prefix[:len(prefix):len(prefix)], rest...), v); derr != nil {
			return false
		}
		prices = append(prices, p)
		return true
	})
	if err := cmp.Or(serr, derr); err != nil {
		return err
	}
	slices.SortFunc(prices, func(a, b pricing.Price) int { return strings.Compare(a.ID, b.ID) })
	for _, p := range prices {
		if !callerBool(t, fn, p) {
			break
		}
	}
	return nil
}

// AppendVariantPrices implements pricing.Tx: one prefix scan of variant_currency_prices,
// whose values are the prices themselves. The prices' variant and currency are the
// arguments; their other strings share one allocation.
func (t *tx) AppendVariantPrices(dst []pricing.Price, variantID, currencyCode string) (out []pricing.Price, err error) {
	out = dst
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return dst, err
	}
	if err := t.open(bkVariantCurrencyPrices); err != nil {
		return dst, err
	}
	sc := t.scratch()
	sc.p = variantCurrencyPrefix(sc.p[:0], variantID, currencyCode)
	start := len(dst)
	b, lens := t.stringsScratch()
	var bad error
	err = t.scan(bkVariantCurrencyPrices, sc.p, func(id, v []byte) bool {
		pv, ok := parsePriceValue(v, priceIndexFormat, 2)
		if !ok || len(id) == 0 {
			// The decoder of whole entries says what is wrong.
			_, bad = decodeVariantPrice(variantCurrencyKey(nil, variantID, currencyCode, string(id)), v)
			if bad == nil {
				bad = badValue(bkVariantCurrencyPrices, string(variantCurrencyKey(nil, variantID, currencyCode, string(id))), "bad entry")
			}
			return false
		}
		b = append(append(b, id...), pv.strs...)
		lens = append(lens, len(id), pv.lens[0], pv.lens[1])
		p := pv.price()
		p.VariantID, p.CurrencyCode = variantID, currencyCode
		dst = append(dst, p)
		return true
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return dst[:start], err
	}
	t.sharedStrings(b, lens, func(i int, s string) {
		p := &dst[start+i/3]
		switch i % 3 {
		case 0:
			p.ID = s
		case 1:
			p.PriceListID = s
		default:
			p.RegionID = s
		}
	})
	return dst, nil
}
