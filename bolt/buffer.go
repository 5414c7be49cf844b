package bolt

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unsafe"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
)

// This file holds the machinery under the pricing.Tx methods of tx.go: the write
// buffer of an Update (see the comment on tx), reads that see it, scans, and the
// scratch space where keys are built.

// writes is the write buffer of an Update.
type writes struct {
	// pending holds, per bucket, the buffered writes.
	pending [numBuckets]*writeBuf
	// arena is the current block of buffered keys.
	arena []byte
	// err is the first failure to apply buffered writes that no method could return;
	// Update returns it.
	err error
}

// scratchBufs is a transaction's scratch space. k and p hold point keys and scan
// prefixes: nothing keeps a key slice (the write buffer and bbolt copy keys), so a
// key may be built there and used until the next key is built. b and lens gather the
// strings of a scan's results and their lengths, so that the results share one string
// allocation (sharedStrings).
type scratchBufs struct {
	k, p, b []byte
	lens    []int
}

var scratchPool = sync.Pool{New: func() any {
	return &scratchBufs{k: make([]byte, 0, 128), p: make([]byte, 0, 128), b: make([]byte, 0, 1024), lens: make([]int, 0, 64)}
}}

// scratch returns the transaction's scratch space.
func (t *tx) scratch() *scratchBufs {
	if t.sc == nil {
		t.sc = scratchPool.Get().(*scratchBufs)
	}
	return t.sc
}

// writeBuf is the buffered writes of one bucket. A bucket that the transaction reads
// by key (pointRead) keeps one write per key, the last, indexed by key; the others
// keep a log of every write, in order, which costs no map.
type writeBuf struct {
	index  map[string]int // key → position in writes; nil for a log
	writes []write
	sorted bool // writes are in ascending key order (equal keys in write order)
}

type write struct {
	key   string
	value []byte // nil: delete
	seq   int    // position in the log: orders the writes of one key
}

// pointRead says which buckets the transaction reads by key (get, has); the others
// it only writes and scans.
var pointRead = [numBuckets]bool{
	bkGroups: true, bkGroupNames: true, bkMembers: true, bkMemberCounts: true,
	bkLists: true, bkListTerms: true, bkPrices: true, bkPriceKeys: true, bkListOrder: true,
}

// pendingFor returns the buffered writes of bucket id that a point read must
// consult. A log cannot be looked up, so it is applied first (none is, as the
// transaction's methods go; this keeps a new caller right).
func (t *tx) pendingFor(id bucketID) *writeBuf {
	if t.w == nil {
		return nil
	}
	w := t.w.pending[id]
	if w != nil && w.index == nil {
		if err := t.flush(id); err != nil && t.w.err == nil {
			t.w.err = err
		}
		return nil
	}
	return w
}

// get returns the value of key in bucket id, nil if there is none. The value is valid
// until the transaction ends and must not be changed.
func (t *tx) get(id bucketID, key []byte) []byte {
	if w := t.pendingFor(id); w != nil {
		if i, ok := w.index[string(key)]; ok {
			return w.writes[i].value
		}
	}
	k, v := t.cursorOf(id).Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil
	}
	return v
}

// cursorOf returns the point-read cursor of bucket id.
func (t *tx) cursorOf(id bucketID) *bbolt.Cursor {
	c := t.cur[id]
	if c == nil {
		c = t.bk[id].Cursor()
		t.cur[id] = c
	}
	return c
}

// stringsScratch returns the emptied scratch space of sharedStrings.
func (t *tx) stringsScratch() ([]byte, []int) {
	sc := t.scratch()
	return sc.b[:0], sc.lens[:0]
}

// sharedStrings returns the strings whose bytes are back to back in b, with lengths
// lens, as substrings of one string: one allocation for all of them. It keeps b and
// lens as scratch space for the next call.
func (t *tx) sharedStrings(b []byte, lens []int, fn func(i int, s string)) {
	t.sc.b, t.sc.lens = b, lens
	all := string(b)
	off := 0
	for i, n := range lens {
		fn(i, all[off:off+n])
		off += n
	}
}

// has reports whether bucket id holds key. (bbolt's Get cannot tell an empty value
// from a missing key.)
func (t *tx) has(id bucketID, key []byte) bool {
	if w := t.pendingFor(id); w != nil {
		if i, ok := w.index[string(key)]; ok {
			return w.writes[i].value != nil
		}
	}
	k, _ := t.cursorOf(id).Seek(key)
	return k != nil && bytes.Equal(k, key)
}

// put buffers key → value in bucket id. value must not change until the transaction
// ends; key is copied.
func (t *tx) put(id bucketID, key, value []byte) error {
	switch {
	case len(key) == 0:
		return fmt.Errorf("bolt: %s: %w", bucketNames[id], berrors.ErrKeyRequired)
	case len(key) > bbolt.MaxKeySize:
		return fmt.Errorf("bolt: %s: key of %d bytes: %w", bucketNames[id], len(key), berrors.ErrKeyTooLarge)
	case len(value) > bbolt.MaxValueSize:
		return fmt.Errorf("bolt: %s: value of %d bytes: %w", bucketNames[id], len(value), berrors.ErrValueTooLarge)
	}
	t.buffer(id, key, value)
	return nil
}

// del buffers the deletion of key from bucket id.
func (t *tx) del(id bucketID, key []byte) {
	t.buffer(id, key, nil)
}

func (t *tx) buffer(id bucketID, key, value []byte) {
	if t.w == nil {
		t.w = &writes{}
	}
	w := t.w.pending[id]
	if w == nil {
		w = &writeBuf{sorted: true}
		if pointRead[id] {
			w.index = make(map[string]int)
		}
		t.w.pending[id] = w
	}
	if w.index != nil {
		if i, ok := w.index[string(key)]; ok {
			w.writes[i].value = value
			return
		}
	}
	k := t.keep(key)
	if n := len(w.writes); n > 0 && w.sorted && k < w.writes[n-1].key {
		w.sorted = false
	}
	if w.index != nil {
		w.index[k] = len(w.writes)
	}
	w.writes = append(w.writes, write{k, value, len(w.writes)})
}

// keep returns a copy of key as a string, carved out of a shared block: buffered keys
// cost one allocation per block, not one each.
func (t *tx) keep(key []byte) string {
	if len(key) > 1024 {
		return string(key)
	}
	w := t.w
	if cap(w.arena)-len(w.arena) < len(key) {
		w.arena = make([]byte, 0, 32<<10)
	}
	start := len(w.arena)
	w.arena = append(w.arena, key...)
	// The bytes written above are never written again: the string stays immutable.
	return unsafe.String(&w.arena[start], len(key))
}

// flush applies the buffered writes of bucket id to bbolt, in key order.
func (t *tx) flush(id bucketID) error {
	if t.w == nil {
		return nil
	}
	w := t.w.pending[id]
	if w == nil || len(w.writes) == 0 {
		return nil
	}
	if !w.sorted {
		slices.SortFunc(w.writes, func(a, b write) int {
			if c := strings.Compare(a.key, b.key); c != 0 {
				return c
			}
			return cmp.Compare(a.seq, b.seq)
		})
	}
	b := t.bk[id]
	for _, wr := range w.writes {
		key := unsafe.Slice(unsafe.StringData(wr.key), len(wr.key)) // bbolt only reads it
		var err error
		if wr.value != nil {
			err = b.Put(key, wr.value)
		} else {
			err = b.Delete(key)
		}
		if err != nil {
			return fmt.Errorf("bolt: %s: %w", bucketNames[id], err)
		}
	}
	t.w.pending[id] = nil
	return nil
}

// flushAll applies every buffered write, and records the revision of the journal
// entry that the Update wrote as the last revision; Update calls it when fn returns
// nil.
func (t *tx) flushAll() error {
	if t.btx == nil {
		return errTxDone
	}
	if t.w != nil {
		if t.w.err != nil {
			return t.w.err
		}
		for id := range numBuckets {
			if err := t.flush(id); err != nil {
				return err
			}
		}
	}
	if t.entry != 0 {
		if err := t.rb.Put(lastRevisionKey, encodeLastRevision(t.entry)); err != nil {
			return fmt.Errorf("bolt: %s: %w", lastRevisionKey, err)
		}
	}
	return nil
}

// cursor returns a cursor over bucket id, after applying its buffered writes.
func (t *tx) cursor(id bucketID) (*bbolt.Cursor, error) {
	if err := t.flush(id); err != nil {
		return nil, err
	}
	return t.bk[id].Cursor(), nil
}

// key returns s as a key in the point-key scratch space.
func (t *tx) key(s string) []byte {
	sc := t.scratch()
	sc.k = append(sc.k[:0], s...)
	return sc.k
}

// pair returns pairKey(first, second) in the point-key scratch space.
func (t *tx) pair(first, second string) []byte {
	sc := t.scratch()
	sc.k = pairKey(sc.k[:0], first, second)
	return sc.k
}

// priceKey returns priceKeyKey(k) in the point-key scratch space.
func (t *tx) priceKey(k pricing.PriceKey) []byte {
	sc := t.scratch()
	sc.k = priceKeyKey(sc.k[:0], k)
	return sc.k
}

// vcKey returns variantCurrencyKey(…) in the point-key scratch space.
func (t *tx) vcKey(variantID, currency, priceID string) []byte {
	sc := t.scratch()
	sc.k = variantCurrencyKey(sc.k[:0], variantID, currency, priceID)
	return sc.k
}

// prefix returns pairPrefix(first) in the prefix scratch space.
func (t *tx) prefix(first string) []byte {
	sc := t.scratch()
	sc.p = pairPrefix(sc.p[:0], first)
	return sc.p
}

// scan calls fn with the rest of each key of bucket id that starts with prefix, and
// its value, in key order, until fn returns false. The slices are valid only during
// the call, and fn must not write to the bucket.
func (t *tx) scan(id bucketID, prefix []byte, fn func(rest, v []byte) bool) error {
	c, err := t.cursor(id)
	if err != nil {
		return err
	}
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := checkEntry(id, k, v); err != nil {
			return err
		}
		if !fn(k[len(prefix):], v) {
			return nil
		}
	}
	return nil
}

// suffixes returns the rest of each key of bucket id that starts with prefix, copied.
func (t *tx) suffixes(id bucketID, prefix []byte) ([]string, error) {
	var out []string
	err := t.scan(id, prefix, func(rest, _ []byte) bool {
		out = append(out, string(rest))
		return true
	})
	return out, err
}
