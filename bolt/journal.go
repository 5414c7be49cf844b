package bolt

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
)

// This file holds the journal of revisions (pricing.Journal and pricing.JournalTx):
// the buckets journal, journal_items and journal_keys, and the root bucket's
// last_revision (see the package documentation).

var (
	_ pricing.Journal   = (*Store)(nil)
	_ pricing.JournalTx = (*tx)(nil)
)

// errReadOnlyRevision is Revision's answer in a View, which commits nothing.
var errReadOnlyRevision = fmt.Errorf("bolt: Revision in a read-only transaction: %w", berrors.ErrTxNotWritable)

// trimBatch bounds the journal items that one transaction of TrimJournal deletes (an
// entry with more items is deleted whole, alone): a long trim is a series of short
// Updates, none of which holds many pages in memory. A variable for the tests.
var trimBatch = 20000

// ctxEvery is how many journal entries a read or a trim goes through between two looks
// at its context.
const ctxEvery = 64

// fits returns an error if the key or the value that a read of bucket id found is
// longer than bbolt writes (checkEntry) or than the whole file: a damaged page says
// so, and a read that copies them would allocate as much before it faults past the
// end of the file.
func (t *tx) fits(id bucketID, k, v []byte) error {
	if err := checkEntry(id, k, v); err != nil {
		return err
	}
	if size := t.btx.Size(); int64(len(k))+int64(len(v)) > size {
		return fmt.Errorf("%w: bucket %s: an entry of %d bytes, in a file of %d", ErrCorrupt, bucketNames[id], len(k)+len(v), size)
	}
	return nil
}

// LastRevision implements pricing.JournalTx: the last revision committed when the
// transaction began.
func (t *tx) LastRevision() (_ int64, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return 0, err
	}
	return t.lastRevision()
}

// lastRevision reads the root bucket's last_revision, once per transaction.
func (t *tx) lastRevision() (int64, error) {
	if t.hasLastRev {
		return t.lastRev, nil
	}
	if err := t.openRoot(); err != nil {
		return 0, err
	}
	v := t.rb.Get(lastRevisionKey)
	if v == nil {
		return 0, corrupt("root bucket %q: no %s", t.root, lastRevisionKey)
	}
	rev, err := decodeLastRevision(t.root, v)
	if err != nil {
		return 0, err
	}
	t.lastRev, t.hasLastRev = rev, true
	return rev, nil
}

// Revision implements pricing.JournalTx: one more than LastRevision, in an Update. A
// View commits nothing: there it is an error.
func (t *tx) Revision() (_ int64, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return 0, err
	}
	if t.btx == nil {
		return 0, errTxDone
	}
	if !t.btx.Writable() {
		return 0, errReadOnlyRevision
	}
	rev, err := t.lastRevision()
	if err != nil {
		return 0, err
	}
	if rev == math.MaxInt64 {
		return 0, corrupt("root bucket %q: last revision %d has no next", t.root, rev)
	}
	return rev + 1, nil
}

// WriteJournal implements pricing.JournalTx. It checks the whole entry before it
// buffers anything: its revision must be Revision's, it must be the Update's first,
// and every item's key must be non-empty and no longer than an ID (about 8 KiB). The
// entry goes through the write buffer with the Update's other writes, and the root
// bucket's last revision moves to it when they are applied: all commit together, or
// none does.
func (t *tx) WriteJournal(e pricing.JournalEntry) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.openWrite("WriteJournal", bkJournal, bkJournalItems, bkJournalKeys); err != nil {
		return err
	}
	if t.entry != 0 {
		return fmt.Errorf("bolt: WriteJournal: a second journal entry in one Update (revision %d is written)", t.entry)
	}
	last, err := t.lastRevision()
	if err != nil {
		return err
	}
	if last == math.MaxInt64 || e.Revision != last+1 {
		return fmt.Errorf("bolt: WriteJournal: an entry of revision %d, want %d", e.Revision, last+1)
	}
	if len(e.Items) > maxEntryItems {
		return fmt.Errorf("bolt: WriteJournal: %d items in one entry (at most %d)", len(e.Items), maxEntryItems)
	}
	size := 1 + 13 + varintLen(uint64(len(e.Items)))
	for i, it := range e.Items {
		if err := cmp.Or(checkRequired("WriteJournal", it.Key), checkParts("WriteJournal", it.Key)); err != nil {
			return fmt.Errorf("%w (item %d)", err, i)
		}
		n := itemSize(it.Key, it.Data)
		if n > bbolt.MaxValueSize {
			return fmt.Errorf("bolt: WriteJournal: item %d of %d bytes: %w", i, n, berrors.ErrValueTooLarge)
		}
		size += n
	}
	// The journal holds nothing at or beyond the new revision, unless the file is
	// damaged: the entry would be written over another one.
	c, err := t.cursor(bkJournal)
	if err != nil {
		return err
	}
	if k, _ := c.Last(); k != nil {
		if rev, ok := decodeJournalKey(k); !ok || rev >= e.Revision {
			return badValue(bkJournal, string(k), "an entry beyond the last revision %d", last)
		}
	}
	// One allocation holds the values, kept until the commit.
	buf := make([]byte, 0, size)
	buf = encodeEntry(buf, e.At, len(e.Items))
	sc := t.scratch()
	sc.k = journalKey(sc.k[:0], e.Revision)
	if err := t.put(bkJournal, sc.k, buf[:len(buf):len(buf)]); err != nil {
		return err
	}
	for i, it := range e.Items {
		start := len(buf)
		buf = encodeItem(buf, it.Key, it.Data)
		sc.k = itemKey(sc.k[:0], e.Revision, i)
		if err := t.put(bkJournalItems, sc.k, buf[start:len(buf):len(buf)]); err != nil {
			return err
		}
		sc.k = keyIndexKey(sc.k[:0], it.Key, e.Revision, i)
		if err := t.put(bkJournalKeys, sc.k, empty); err != nil {
			return err
		}
	}
	t.entry = e.Revision
	return nil
}

// readJournal is ReadJournal in the transaction t: it calls fn for each entry after
// after, or for each entry with items of key (of which it gives only those), until fn
// returns false or limit entries were read (0 or less: no limit).
func (t *tx) readJournal(ctx context.Context, after int64, key string, limit int, fn func(pricing.JournalEntry) bool) (err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return err
	}
	if err := t.open(bkJournal, bkJournalItems, bkJournalKeys); err != nil {
		return err
	}
	if after == math.MaxInt64 || len(key) > maxPart {
		return nil // no such revision, no such key
	}
	from := max(after, 0) + 1
	if key == "" {
		return t.readEntries(ctx, from, limit, fn)
	}
	return t.readKey(ctx, key, from, limit, fn)
}

// readEntries calls fn for each entry from revision from on, with all its items.
func (t *tx) readEntries(ctx context.Context, from int64, limit int, fn func(pricing.JournalEntry) bool) error {
	c, err := t.cursor(bkJournal)
	if err != nil {
		return err
	}
	ic, err := t.cursor(bkJournalItems)
	if err != nil {
		return err
	}
	var b entryBuf
	n := 0
	for k, v := c.Seek(journalKey(nil, from)); k != nil; k, v = c.Next() {
		if limit > 0 && n >= limit {
			return nil
		}
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := t.fits(bkJournal, k, v); err != nil {
			return err
		}
		rev, ok := decodeJournalKey(k)
		if !ok {
			return badValue(bkJournal, string(k), "bad key")
		}
		at, count, err := decodeEntry(k, v)
		if err != nil {
			return err
		}
		if err := t.entryItems(ic, rev, count, &b); err != nil {
			return err
		}
		n++
		if !callerBool(t, fn, b.entry(rev, at)) {
			return nil
		}
	}
	return nil
}

// entryItems adds to b the items of the entry of revision rev, which says it has
// count: journal_items must hold exactly those, numbered from 0.
func (t *tx) entryItems(ic *bbolt.Cursor, rev int64, count int, b *entryBuf) error {
	prefix := journalKey(t.scratch().p[:0], rev)
	t.sc.p = prefix
	seq := 0
	for k, v := ic.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = ic.Next() {
		if err := t.fits(bkJournalItems, k, v); err != nil {
			return err
		}
		if _, s, ok := splitItemKey(k); !ok || s != seq || seq >= count {
			return badValue(bkJournalItems, string(k), "item %d of the entry of revision %d, which has %d", seq, rev, count)
		}
		key, data, err := decodeItem(k, v)
		if err != nil {
			return err
		}
		b.add(key, data)
		seq++
	}
	if seq != count {
		return badValue(bkJournal, string(prefix), "an entry of %d items, of which journal_items holds %d", count, seq)
	}
	return nil
}

// readKey calls fn for each entry from revision from on that has items of key, with
// those items only: a scan of journal_keys, and point reads of the items and entries.
func (t *tx) readKey(ctx context.Context, key string, from int64, limit int, fn func(pricing.JournalEntry) bool) error {
	prefix := keyIndexPrefix(nil, key)
	kc, err := t.cursor(bkJournalKeys)
	if err != nil {
		return err
	}
	var (
		b     entryBuf
		n     int
		rev   int64     // the revision whose items b holds, 0 for none
		at    time.Time // its instant
		count int       // its number of items
	)
	for k, v := kc.Seek(itemKey(bytes.Clone(prefix), from, 0)); k != nil && bytes.HasPrefix(k, prefix); k, v = kc.Next() {
		if err := t.fits(bkJournalKeys, k, v); err != nil {
			return err
		}
		r, seq, ok := splitItemKey(k[len(prefix):])
		if !ok {
			return badValue(bkJournalKeys, string(k), "bad key")
		}
		if r != rev {
			if rev != 0 {
				n++
				if !callerBool(t, fn, b.entry(rev, at)) || limit > 0 && n >= limit {
					return nil
				}
			}
			if n%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			rev = r
			if at, count, err = t.getEntry(rev); err != nil {
				return err
			}
		}
		if seq >= count {
			return badValue(bkJournalKeys, string(k), "item %d of the entry of revision %d, which has %d", seq, rev, count)
		}
		ik := itemKey(t.scratch().k[:0], rev, seq)
		iv := t.get(bkJournalItems, ik)
		if iv == nil {
			return badValue(bkJournalKeys, string(k), "item missing")
		}
		if err := t.fits(bkJournalItems, ik, iv); err != nil {
			return err
		}
		ikey, data, err := decodeItem(ik, iv)
		if err != nil {
			return err
		}
		if string(ikey) != key {
			return badValue(bkJournalItems, string(ik), "an item of key %s, which journal_keys files under %s", quoteKey(string(ikey)), quoteKey(key))
		}
		b.add(ikey, data)
	}
	if rev != 0 {
		callerBool(t, fn, b.entry(rev, at))
	}
	return nil
}

// getEntry reads the journal entry of revision rev, which must exist: its instant and
// number of items.
func (t *tx) getEntry(rev int64) (time.Time, int, error) {
	k := journalKey(t.scratch().k[:0], rev)
	v := t.get(bkJournal, k)
	if v == nil {
		return time.Time{}, 0, badValue(bkJournal, string(k), "entry missing for items that journal_keys lists")
	}
	if err := t.fits(bkJournal, k, v); err != nil {
		return time.Time{}, 0, err
	}
	return decodeEntry(k, v)
}

// trimJournal deletes, from the oldest, the journal entries whose instant is before
// before, with their items and key index entries: at most trimBatch items, or one
// entry, whatever it holds. It returns how many entries it deleted, and whether the
// next one is due too.
func (t *tx) trimJournal(ctx context.Context, before time.Time) (n int, more bool, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return 0, false, err
	}
	if err := t.openWrite("TrimJournal", bkJournal, bkJournalItems, bkJournalKeys); err != nil {
		return 0, false, err
	}
	c, err := t.cursor(bkJournal)
	if err != nil {
		return 0, false, err
	}
	var revs, counts []int64 // the entries due, and their numbers of items
	items := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(revs)%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return 0, false, err
			}
		}
		if err := t.fits(bkJournal, k, v); err != nil {
			return 0, false, err
		}
		rev, ok := decodeJournalKey(k)
		if !ok {
			return 0, false, badValue(bkJournal, string(k), "bad key")
		}
		at, count, err := decodeEntry(k, v)
		if err != nil {
			return 0, false, err
		}
		if !at.Before(before) {
			break
		}
		if len(revs) > 0 && items+count > trimBatch {
			more = true
			break
		}
		revs, counts = append(revs, rev), append(counts, int64(count))
		items += count
	}
	// The cursor is done with: the deletes go to the write buffer, applied in key
	// order when the Update's function returns (or before a scan of their bucket).
	var b entryBuf
	for i, rev := range revs {
		ic, err := t.cursor(bkJournalItems) // applies the deletes of the entries before
		if err != nil {
			return 0, false, err
		}
		if err := t.entryItems(ic, rev, int(counts[i]), &b); err != nil {
			return 0, false, err
		}
		e := b.entry(rev, time.Time{})
		for seq, it := range e.Items {
			t.del(bkJournalKeys, keyIndexKey(t.scratch().k[:0], it.Key, rev, seq))
			t.del(bkJournalItems, itemKey(t.scratch().k[:0], rev, seq))
		}
		t.del(bkJournal, journalKey(t.scratch().k[:0], rev))
	}
	return len(revs), more, nil
}

// firstDue reports whether the oldest journal entry's instant is before before.
func (t *tx) firstDue(before time.Time) (_ bool, err error) {
	defer t.leave(&err)
	if err := t.enter(); err != nil {
		return false, err
	}
	if err := t.open(bkJournal); err != nil {
		return false, err
	}
	c, err := t.cursor(bkJournal)
	if err != nil {
		return false, err
	}
	k, v := c.First()
	if k == nil {
		return false, nil
	}
	if err := t.fits(bkJournal, k, v); err != nil {
		return false, err
	}
	at, _, err := decodeEntry(k, v)
	return err == nil && at.Before(before), err
}

// inTx runs fn with the *tx of a View, or of an Update if writable.
func (s *Store) inTx(ctx context.Context, writable bool, fn func(t *tx) error) error {
	run := func(ptx pricing.Tx) error { return fn(ptx.(*tx)) }
	if writable {
		return s.Update(ctx, run)
	}
	return s.View(ctx, run)
}

// LastRevision implements pricing.Journal: the revision of the last committed entry,
// kept in the root bucket, so that it stays when TrimJournal deletes every entry.
func (s *Store) LastRevision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.inTx(ctx, false, func(t *tx) (err error) {
		rev, err = t.LastRevision()
		return err
	})
	return rev, err
}

// ReadJournal implements pricing.Journal. It reads one snapshot, in one read-only
// transaction: fn runs inside it, so it must not call the Store's Update (bbolt may
// wait for the transaction to end before it grows the file), and a long fn holds the
// snapshot's pages from reuse, as a long View does. A journal that does not decode is
// an error wrapping ErrCorrupt; a panic in fn goes on up.
func (s *Store) ReadJournal(ctx context.Context, after int64, key string, limit int, fn func(pricing.JournalEntry) bool) error {
	return s.inTx(ctx, false, func(t *tx) error {
		return t.readJournal(ctx, after, key, limit, fn)
	})
}

// WaitJournal implements pricing.Journal. It is woken by the commits of every Store of
// this process on the same root bucket of the same *bbolt.DB (a Store from Open, or
// several from New on a host's database), and by Close. No other process can commit
// to the file meanwhile: bbolt locks it for the process that opens it for writing.
func (s *Store) WaitJournal(ctx context.Context, after int64) (int64, error) {
	for {
		woken := s.note.wait() // before the read: a commit after it closes this channel
		last, err := s.LastRevision(ctx)
		if err != nil || last > after {
			return last, err
		}
		select {
		case <-woken:
		case <-ctx.Done():
			return last, ctx.Err()
		}
	}
}

// TrimJournal implements pricing.Journal: it deletes the entries, from the oldest,
// whose instant (At) is before before, with their items and key index entries, in
// Updates of at most about 20,000 items each, and returns how many entries it deleted
// (also when it fails after some Updates committed). It writes nothing when nothing is
// due.
func (s *Store) TrimJournal(ctx context.Context, before time.Time) (int, error) {
	var due bool
	err := s.inTx(ctx, false, func(t *tx) (err error) {
		due, err = t.firstDue(before)
		return err
	})
	total := 0
	for err == nil && due {
		var n int
		err = s.inTx(ctx, true, func(t *tx) (err error) {
			n, due, err = t.trimJournal(ctx, before)
			return err
		})
		if err == nil {
			total += n
		}
	}
	return total, err
}
