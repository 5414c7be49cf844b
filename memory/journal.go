package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/commercekit/pricing"
)

// journal holds the entries of the store's journal, oldest first, and their index.
// Revisions are dense: entries[i] has revision first+i.
type journal struct {
	entries []pricing.JournalEntry
	first   int64               // the revision of entries[0]
	last    int64               // the last revision committed, even when trimmed
	byKey   map[string][]keyRef // key → its entries, by ascending revision
	// pending is the entry of the running Update, committed with it.
	pending *pricing.JournalEntry
	// changed is closed and replaced at each commit of an entry, waking WaitJournal.
	changed chan struct{}
}

// keyRef is an entry that has items of a key: they are among Items[first:last+1], so
// that reading a key's items of a large entry (a bulk write of 100,000 prices) reads
// the span of the key, not the whole entry.
type keyRef struct {
	rev         int64
	first, last int32
}

func (j *journal) init() {
	j.first, j.byKey, j.changed = 1, map[string][]keyRef{}, make(chan struct{})
}

// commit appends the pending entry, if any, and wakes the waiters.
func (j *journal) commit() {
	e := j.pending
	if e == nil {
		return
	}
	j.pending = nil
	j.entries = append(j.entries, *e)
	j.last = e.Revision
	for i, it := range e.Items {
		if refs := j.byKey[it.Key]; len(refs) == 0 || refs[len(refs)-1].rev != e.Revision {
			j.byKey[it.Key] = append(refs, keyRef{rev: e.Revision, first: int32(i), last: int32(i)})
		} else {
			refs[len(refs)-1].last = int32(i)
		}
	}
	close(j.changed)
	j.changed = make(chan struct{})
}

// entry returns a copy of the entry of revision rev, which the journal holds, with
// all its items, or only those of ref's key, among Items[ref.first:ref.last+1].
func (j *journal) entry(rev int64, key string, ref keyRef) pricing.JournalEntry {
	e := j.entries[rev-j.first]
	span := e.Items
	if key != "" {
		span = span[ref.first : ref.last+1]
	}
	items := make([]pricing.JournalItem, 0, len(span))
	for _, it := range span {
		if key == "" || it.Key == key {
			items = append(items, pricing.JournalItem{Key: it.Key, Data: slices.Clone(it.Data)})
		}
	}
	e.Items = items
	return e
}

var _ pricing.Journal = (*Store)(nil)

// LastRevision implements pricing.Journal.
func (s *Store) LastRevision(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, pricing.ErrClosed
	}
	return s.st.j.last, nil
}

// ReadJournal implements pricing.Journal. fn runs under the store's read lock: it must
// not call the store.
func (s *Store) ReadJournal(ctx context.Context, after int64, key string, limit int, fn func(pricing.JournalEntry) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return pricing.ErrClosed
	}
	j := &s.st.j
	from := max(after+1, j.first)
	n := 0
	yield := func(rev int64, ref keyRef) bool {
		if limit > 0 && n >= limit {
			return false
		}
		n++
		return fn(j.entry(rev, key, ref))
	}
	if key == "" {
		for rev := from; rev <= j.last && rev-j.first < int64(len(j.entries)); rev++ {
			if !yield(rev, keyRef{}) {
				return nil
			}
		}
		return nil
	}
	refs := j.byKey[key]
	i, _ := slices.BinarySearchFunc(refs, from, func(r keyRef, rev int64) int { return cmp.Compare(r.rev, rev) })
	for _, ref := range refs[i:] {
		if !yield(ref.rev, ref) {
			return nil
		}
	}
	return nil
}

// WaitJournal implements pricing.Journal.
func (s *Store) WaitJournal(ctx context.Context, after int64) (int64, error) {
	for {
		s.mu.RLock()
		closed, last, changed := s.closed, s.st.j.last, s.st.j.changed
		s.mu.RUnlock()
		switch {
		case closed:
			return 0, pricing.ErrClosed
		case last > after:
			return last, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return last, ctx.Err()
		}
	}
}

// TrimJournal implements pricing.Journal.
func (s *Store) TrimJournal(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, pricing.ErrClosed
	}
	j := &s.st.j
	n := 0
	for n < len(j.entries) && j.entries[n].At.Before(before) {
		rev := j.entries[n].Revision
		for _, it := range j.entries[n].Items {
			if refs := j.byKey[it.Key]; len(refs) > 0 && refs[0].rev == rev {
				if len(refs) > 1 {
					j.byKey[it.Key] = refs[1:]
				} else {
					delete(j.byKey, it.Key)
				}
			}
		}
		n++
	}
	clear(j.entries[:n])
	j.entries = j.entries[n:]
	j.first += int64(n)
	return n, nil
}

// LastRevision implements pricing.JournalTx.
func (w *writeTx) LastRevision() (int64, error) { return w.j.last, nil }

// Revision implements pricing.JournalTx.
func (w *writeTx) Revision() (int64, error) { return w.j.last + 1, nil }

// LastRevision implements pricing.JournalTx.
func (tx readTx) LastRevision() (int64, error) { return tx.j.last, nil }

// Revision implements pricing.JournalTx: a View commits nothing.
func (readTx) Revision() (int64, error) { return 0, errReadOnly }

// WriteJournal implements pricing.JournalTx: it fails in a read-only transaction.
func (readTx) WriteJournal(pricing.JournalEntry) error { return errReadOnly }

// WriteJournal implements pricing.JournalTx.
func (w *writeTx) WriteJournal(e pricing.JournalEntry) error {
	if w.j.pending != nil {
		return fmt.Errorf("memory: a second journal entry in one Update")
	}
	if e.Revision != w.j.last+1 {
		return fmt.Errorf("memory: journal entry of revision %d, want %d", e.Revision, w.j.last+1)
	}
	// One copy of all the items' data, which they share.
	n := 0
	for _, it := range e.Items {
		n += len(it.Data)
	}
	data := make([]byte, 0, n)
	items := make([]pricing.JournalItem, len(e.Items))
	for i, it := range e.Items {
		data = append(data, it.Data...)
		items[i] = pricing.JournalItem{Key: it.Key, Data: data[len(data)-len(it.Data) : len(data) : len(data)]}
	}
	e.Items = items
	w.j.pending = &e
	return nil
}
