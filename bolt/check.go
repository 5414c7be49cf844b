package bolt

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
)

// maxProblems bounds the problems one Check reports.
const maxProblems = 100

// errRollback ends the read-write transaction of Check without a commit.
var errRollback = errors.New("bolt: check done")

// Check verifies the store's file, in three steps, each only when the one before
// found nothing (a later step would walk a broken structure):
//
//  1. Its own walk of bbolt's pages, reading the file with bounds checks on every page
//     ID, count, overflow and element offset: the meta pages, the freelist page and the
//     IDs it lists, and the tree of pages from the root through every branch page,
//     leaf page and nested bucket, each page reached once.
//  2. bbolt's Tx.Check: every page reachable exactly once or free, keys in order.
//  3. The schema: its version, that every record and index value decodes, that every
//     record has each of its index entries and every index entry matches a record;
//     and the journal: its last revision, entries numbered one after another up to
//     it, each with the items it counts, and an index entry for every item and an
//     item for every index entry.
//
// It returns nil for a sound file, else an error wrapping ErrCorrupt that lists the
// problems (at most 100). Its time and memory are bounded by the size of the file,
// whatever bytes the file holds: step 1 makes step 2 safe, which bbolt runs in a
// goroutine of its own where a panic would kill the process.
//
// What Check cannot see: bbolt keeps no checksums of its data pages (only the meta
// pages have one), so damage that leaves every structure valid goes unnoticed: a byte
// changed inside an ID, a name, an amount or a time that still decodes, and still
// matches its index entries, or an entry whose every copy changed alike. A changed key
// or amount usually breaks an index and is found; a changed name or metadata byte is
// not. Nor does Check see pages that no longer matter (free pages, unused space).
//
// Check reads the whole store; it runs in a read-write transaction that it rolls back
// (so it waits for Updates and holds them off), or in a read-only one on a read-only
// database.
func (s *Store) Check(ctx context.Context) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var problems []error
	run := func(btx *bbolt.Tx) error {
		var err error
		if problems, err = checkPages(ctx, btx); err != nil || len(problems) > 0 {
			return cmp.Or(err, errRollback)
		}
		for err := range btx.Check() {
			if len(problems) < maxProblems {
				problems = append(problems, fmt.Errorf("bbolt: %w", err))
			}
		}
		if len(problems) > 0 {
			// The B+tree itself is broken: walking the schema could read garbage.
			return errRollback
		}
		c := checker{ctx: ctx, t: &tx{btx: btx, root: s.root}}
		err = protect(c.run)
		problems = c.problems
		if err != nil {
			return err
		}
		return errRollback
	}
	var err error
	if s.db.IsReadOnly() {
		if err = s.db.View(run); err == nil {
			err = errRollback
		}
	} else {
		err = s.db.Update(run)
	}
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return pricing.ErrClosed
	}
	if err != errRollback {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %d problem(s) found:\n%w", ErrCorrupt, len(problems), errors.Join(problems...))
	}
	return nil
}

// checkPages walks the pages of the file of btx (pages.go), read from the file itself,
// whose meta page must be the one the transaction started from. It returns the
// problems it finds, or an error when it cannot read the file.
func checkPages(ctx context.Context, btx *bbolt.Tx) ([]error, error) {
	db := btx.DB()
	f, err := os.Open(db.Path())
	if err != nil {
		return nil, fmt.Errorf("bolt: check: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("bolt: check: %w", err)
	}
	m, err := readMeta(f, fi.Size())
	if err != nil {
		return []error{err}, nil
	}
	txid := uint64(btx.ID())
	if btx.Writable() {
		txid--
	}
	if m.txid != txid || int(m.pageSize) != db.Info().PageSize || int64(m.pgid)*int64(m.pageSize) != btx.Size() {
		return []error{fmt.Errorf("pages: the meta page of the file (transaction %d, %d pages of %d bytes) is not the one the check started from (transaction %d, %d bytes): the file changed under the store",
			m.txid, m.pgid, m.pageSize, txid, btx.Size())}, nil
	}
	problems := walkPages(ctx, f, m)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return problems, nil
}

// checker walks every bucket of the schema and collects problems.
type checker struct {
	ctx      context.Context
	t        *tx
	problems []error
	steps    int
}

func (c *checker) add(format string, args ...any) {
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, fmt.Errorf(format, args...))
	}
}

// full reports whether enough problems have been found.
func (c *checker) full() bool { return len(c.problems) >= maxProblems }

// tick checks the context every few thousand entries.
func (c *checker) tick() error {
	if c.steps++; c.steps%4096 == 0 {
		return c.ctx.Err()
	}
	return nil
}

// markers are the key-only indexes: their values are empty.
var markers = [numBuckets]bool{
	bkMembers: true, bkMemberOf: true, bkListGroups: true, bkGroupLists: true, bkListPrices: true,
	bkJournalKeys: true,
}

// each calls fn for every entry of bucket id, stopping at the first error of fn or of
// the context, and when enough problems have been found. It reports the nested
// buckets, and the values of the key-only indexes that are not empty, itself.
func (c *checker) each(id bucketID, fn func(k, v []byte)) error {
	cur := c.t.bk[id].Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if err := c.tick(); err != nil {
			return err
		}
		if c.full() {
			return nil
		}
		if v == nil {
			c.add("%s: nested bucket %q", bucketNames[id], k)
			continue
		}
		if markers[id] && len(v) != 0 {
			c.add("%v", badValue(id, string(k), "value of %d bytes in a key-only index", len(v)))
		}
		fn(k, v)
	}
	return nil
}

func (c *checker) run() error {
	t := c.t
	v, err := readVersion(t.btx, t.root)
	if err != nil {
		c.add("%v", err)
		return nil
	}
	if v != SchemaVersion {
		c.add("schema version is %d, want %d", v, SchemaVersion)
		return nil
	}
	for id := range numBuckets {
		if err := t.open(id); err != nil {
			c.add("%v", err)
		}
	}
	if len(c.problems) > 0 {
		return nil
	}
	known := map[string]bool{string(versionKey): true, string(lastRevisionKey): true}
	for _, n := range bucketNames {
		known[n] = true
	}
	rc := t.rb.Cursor()
	for k, _ := rc.First(); k != nil; k, _ = rc.Next() {
		if !known[string(k)] {
			c.add("root bucket: unexpected key %q", k)
		}
	}
	for _, step := range []func() error{c.groups, c.memberships, c.lists, c.prices, c.journal} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// groups checks groups and group_names.
func (c *checker) groups() error {
	b := &c.t.bk
	err := c.each(bkGroups, func(k, v []byte) {
		_, nk, err := decodeGroup(string(k), v)
		if err != nil {
			c.add("%v", err)
			return
		}
		if id, err := c.t.getID(bkGroupNames, []byte(nk)); err == nil && !bytes.Equal(id, k) {
			c.add("groups: group %q: name key %q maps to %q", k, nk, id)
		}
	})
	if err != nil {
		return err
	}
	return c.each(bkGroupNames, func(k, v []byte) {
		id, err := decodeID(bkGroupNames, k, v)
		if err != nil {
			c.add("%v", err)
			return
		}
		g := b[bkGroups].Get(id)
		if g == nil {
			c.add("group_names: name key %q: group %q missing", k, id)
			return
		}
		if nk, err := groupNameKey(string(id), g); err == nil && !bytes.Equal(nk, k) {
			c.add("group_names: name key %q: group %q has name key %q", k, id, nk)
		}
	})
}

// memberships checks members, member_of and member_counts.
func (c *checker) memberships() error {
	counts := map[string]uint64{}
	err := c.each(bkMembers, func(k, v []byte) {
		g, cus, ok := splitPair(k)
		if !ok || len(g) == 0 || len(cus) == 0 {
			c.add("members: bad key %q", k)
			return
		}
		counts[string(g)]++
		if !c.t.has(bkMemberOf, pairKey(nil, string(cus), string(g))) {
			c.add("members: group %q customer %q: member_of entry missing", g, cus)
		}
	})
	if err != nil {
		return err
	}
	err = c.each(bkMemberOf, func(k, v []byte) {
		cus, g, ok := splitPair(k)
		if !ok || len(g) == 0 || len(cus) == 0 {
			c.add("member_of: bad key %q", k)
			return
		}
		if !c.t.has(bkMembers, pairKey(nil, string(g), string(cus))) {
			c.add("member_of: customer %q group %q: members entry missing", cus, g)
		}
	})
	if err != nil {
		return err
	}
	err = c.each(bkMemberCounts, func(k, v []byte) {
		n, err := decodeCount(string(k), v)
		switch {
		case err != nil:
			c.add("%v", err)
		case n != counts[string(k)]:
			c.add("member_counts: group %q: count %d, but %d members", k, n, counts[string(k)])
		}
		delete(counts, string(k))
	})
	if err != nil {
		return err
	}
	for _, g := range sortedKeys(counts) {
		c.add("member_counts: group %q: no count, but %d members", g, counts[g])
	}
	return nil
}

// lists checks lists, list_terms, list_groups, group_lists, adjusted_lists and
// list_order.
func (c *checker) lists() error {
	b := &c.t.bk
	audiences := map[string][]string{}
	adjusted := map[string]bool{}
	err := c.each(bkLists, func(k, v []byte) {
		id := string(k)
		pl, err := c.t.decodeList(id, v)
		if err != nil {
			c.add("%v", err)
			return
		}
		audiences[id] = pl.CustomerGroupIDs
		adjusted[id] = pl.Adjustment != nil
		if pl.Adjustment != nil && b[bkAdjustedLists].Get(k) == nil {
			c.add("lists: list %q: adjusted_lists entry missing", id)
		}
		for _, g := range pl.CustomerGroupIDs {
			if !c.t.has(bkListGroups, pairKey(nil, id, g)) {
				c.add("lists: list %q: list_groups entry for group %q missing", id, g)
			}
			if !c.t.has(bkGroupLists, pairKey(nil, g, id)) {
				c.add("lists: list %q: group_lists entry for group %q missing", id, g)
			}
		}
	})
	if err != nil {
		return err
	}
	err = c.each(bkListTerms, func(k, v []byte) {
		if b[bkLists].Get(k) == nil {
			c.add("list_terms: list %q: record missing", k)
		}
	})
	if err != nil {
		return err
	}
	err = c.each(bkListGroups, func(k, v []byte) {
		l, g, ok := splitPair(k)
		if !ok || len(l) == 0 || len(g) == 0 {
			c.add("list_groups: bad key %q", k)
			return
		}
		if aud, ok := audiences[string(l)]; !ok {
			c.add("list_groups: list %q: record missing", l)
		} else if !slices.Contains(aud, string(g)) {
			c.add("list_groups: list %q does not name group %q", l, g)
		}
	})
	if err != nil {
		return err
	}
	err = c.each(bkGroupLists, func(k, v []byte) {
		g, l, ok := splitPair(k)
		if !ok || len(l) == 0 || len(g) == 0 {
			c.add("group_lists: bad key %q", k)
			return
		}
		if aud, ok := audiences[string(l)]; !ok {
			c.add("group_lists: list %q: record missing", l)
		} else if !slices.Contains(aud, string(g)) {
			c.add("group_lists: list %q does not name group %q", l, g)
		}
	})
	if err != nil {
		return err
	}
	err = c.each(bkAdjustedLists, func(k, v []byte) {
		if len(v) != 0 {
			c.add("adjusted_lists: list %q: a value of %d bytes, want none", k, len(v))
		}
		if adj, ok := adjusted[string(k)]; !ok {
			c.add("adjusted_lists: list %q: record missing", k)
		} else if !adj {
			c.add("adjusted_lists: list %q has no adjustment", k)
		}
	})
	if err != nil {
		return err
	}
	return c.listOrder()
}

// listOrder checks list_order: each list has its three entries, with its name and
// times, no entry is of another list or of another shape, and the count is the number
// of list records, those that do not decode included.
func (c *checker) listOrder() error {
	b := &c.t.bk
	want := map[string][]byte{} // key → value, of the entries the lists need
	n := 0
	err := c.each(bkLists, func(k, v []byte) {
		n++
		id := string(k)
		name, created, updated, err := listKeys(id, v)
		if err != nil {
			return // lists reported it
		}
		value := encodeOrderValue(name, created, updated)
		_ = eachListOrderKey(nil, id, name, created, updated, func(key []byte) error {
			want[string(key)] = value
			if got := b[bkListOrder].Get(key); got == nil {
				c.add("lists: list %q: list_order entry %q missing", id, key[0])
			} else if !bytes.Equal(got, value) {
				c.add("list_order: list %q: entry %q does not hold the list's name and times", id, key[0])
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	counted := false
	err = c.each(bkListOrder, func(k, v []byte) {
		if bytes.Equal(k, listCountKey) {
			counted = true
			if got, err := decodeCountIn(bkListOrder, string(k), v); err != nil {
				c.add("%v", err)
			} else if got != uint64(n) {
				c.add("list_order: count %d, but %d lists", got, n)
			}
			return
		}
		if _, ok := want[string(k)]; !ok {
			c.add("list_order: entry %q of no list, or not at the list's place", k)
		}
	})
	if err == nil && !counted {
		c.add("list_order: no %s", listCountKey)
	}
	return err
}

// prices checks prices and its three indexes.
func (c *checker) prices() error {
	b := &c.t.bk
	err := c.each(bkPrices, func(k, v []byte) {
		p, err := decodePrice(k, v)
		if err != nil {
			c.add("%v", err)
			return
		}
		if id, err := c.t.getID(bkPriceKeys, priceKeyKey(nil, p.Key())); err == nil && !bytes.Equal(id, k) {
			c.add("prices: price %q: its key %+v maps to %q", k, p.Key(), id)
		}
		vk := variantCurrencyKey(nil, p.VariantID, p.CurrencyCode, p.ID)
		if iv := b[bkVariantCurrencyPrices].Get(vk); iv == nil {
			c.add("prices: price %q: variant_currency_prices entry missing", k)
		} else if ip, err := decodeVariantPrice(vk, iv); err != nil || ip != p {
			c.add("prices: price %q: variant_currency_prices entry differs: %+v, record %+v", k, ip, p)
		}
		if !c.t.has(bkListPrices, pairKey(nil, p.PriceListID, p.ID)) {
			c.add("prices: price %q: list_prices entry missing", k)
		}
	})
	if err != nil {
		return err
	}
	// record returns the decoded price id, or reports it missing.
	record := func(bucket string, key, id []byte) (pricing.Price, bool) {
		v := b[bkPrices].Get(id)
		if v == nil {
			c.add("%s: entry %q: price %q missing", bucket, key, id)
			return pricing.Price{}, false
		}
		p, err := decodePrice(id, v)
		return p, err == nil // a bad record is reported above
	}
	err = c.each(bkPriceKeys, func(k, v []byte) {
		if _, ok := decodePriceKey(k); !ok {
			c.add("price_keys: bad key %q", k)
			return
		}
		id, err := decodeID(bkPriceKeys, k, v)
		if err != nil {
			c.add("%v", err)
			return
		}
		if p, ok := record("price_keys", k, id); ok && !bytes.Equal(priceKeyKey(nil, p.Key()), k) {
			c.add("price_keys: entry %q: price %q has key %+v", k, id, p.Key())
		}
	})
	if err != nil {
		return err
	}
	err = c.each(bkVariantCurrencyPrices, func(k, v []byte) {
		ip, err := decodeVariantPrice(k, v)
		if err != nil {
			c.add("%v", err)
			return
		}
		if p, ok := record("variant_currency_prices", k, []byte(ip.ID)); ok && p != ip {
			c.add("variant_currency_prices: entry %q: %+v, record %+v", k, ip, p)
		}
	})
	if err != nil {
		return err
	}
	return c.each(bkListPrices, func(k, v []byte) {
		l, id, ok := splitPair(k)
		if !ok || len(id) == 0 {
			c.add("list_prices: bad key %q", k)
			return
		}
		if p, ok := record("list_prices", k, id); ok && p.PriceListID != string(l) {
			c.add("list_prices: entry %q: price %q is in list %q", k, id, p.PriceListID)
		}
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// journal checks the root bucket's last revision, journal, journal_items and
// journal_keys: the entries are numbered one after another, the last one is the last
// revision (when any is left: a trim deletes the oldest), every entry has the items it
// counts, numbered from 0, every item belongs to an entry and has its journal_keys
// entry, and every journal_keys entry names an item of its key. It reads the entries
// and the items side by side, in revision order, and looks up the index entries: its
// memory does not grow with the journal.
func (c *checker) journal() error {
	t := c.t
	v := t.rb.Get(lastRevisionKey)
	if v == nil {
		c.add("root bucket: no %s", lastRevisionKey)
		return nil
	}
	last, err := decodeLastRevision(t.root, v)
	if err != nil {
		c.add("%v", err)
		return nil
	}
	ic := t.bk[bkJournalItems].Cursor()
	ik, iv := ic.First()
	// items checks the items of revision rev, whose entry counts count (noEntry: there
	// is none; badEntry: it does not decode), and the journal_keys entry of each.
	const noEntry, badEntry = -1, -2
	items := func(rev int64, count int) {
		seq := 0
		for ; ik != nil; ik, iv = ic.Next() {
			r, s, ok := splitItemKey(ik)
			if !ok {
				c.add("journal_items: bad key %q", ik)
				continue
			}
			if r != rev {
				break
			}
			switch {
			case count == noEntry:
				c.add("journal_items: item %q: no entry of revision %d", ik, r)
			case s != seq:
				c.add("journal_items: revision %d: item %d where item %d was due", r, s, seq)
			}
			seq = s + 1
			if iv == nil {
				c.add("journal_items: nested bucket %q", ik)
				continue
			}
			key, _, err := decodeItem(ik, iv)
			if err != nil {
				c.add("%v", err)
				continue
			}
			if !c.t.has(bkJournalKeys, keyIndexKey(nil, string(key), r, s)) {
				c.add("journal_items: revision %d item %d: journal_keys entry for key %q missing", r, s, key)
			}
		}
		if count >= 0 && seq != count {
			c.add("journal: revision %d counts %d items, journal_items holds %d", rev, count, seq)
		}
	}
	// orphans reports the items before revision rev (0: all that are left) that no
	// entry claimed.
	orphans := func(rev int64) {
		for ik != nil {
			r, _, ok := splitItemKey(ik)
			if ok && rev != 0 && r >= rev {
				return
			}
			if ok {
				items(r, noEntry)
				continue
			}
			c.add("journal_items: bad key %q", ik)
			ik, iv = ic.Next()
		}
	}
	var prev int64
	err = c.each(bkJournal, func(k, v []byte) {
		rev, ok := decodeJournalKey(k)
		if !ok {
			c.add("journal: bad key %q", k)
			return
		}
		switch {
		case rev > last:
			c.add("journal: revision %d, beyond the last revision %d", rev, last)
		case prev != 0 && rev != prev+1:
			c.add("journal: revision %d follows revision %d", rev, prev)
		}
		prev = rev
		orphans(rev)
		_, count, err := decodeEntry(k, v)
		if err != nil {
			c.add("%v", err)
			items(rev, badEntry)
			return
		}
		items(rev, count)
	})
	if err != nil {
		return err
	}
	orphans(0)
	if prev != 0 && prev != last {
		c.add("journal: the last entry is revision %d, the last revision %d", prev, last)
	}
	return c.each(bkJournalKeys, func(k, v []byte) {
		key, rev, seq, ok := splitKeyIndexKey(k)
		if !ok {
			c.add("journal_keys: bad key %q", k)
			return
		}
		iv := t.bk[bkJournalItems].Get(itemKey(nil, rev, seq))
		if iv == nil {
			c.add("journal_keys: key %q revision %d item %d: item missing", key, rev, seq)
			return
		}
		if ikey, _, err := decodeItem(itemKey(nil, rev, seq), iv); err == nil && !bytes.Equal(ikey, key) {
			c.add("journal_keys: key %q revision %d item %d: the item's key is %q", key, rev, seq, ikey)
		}
	})
}
