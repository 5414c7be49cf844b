// Package memory is an in-memory pricing.Store: the fixture of tests and examples, and
// the store of small hosts that rebuild their catalog at start.
//
// # Transactions
//
// A Store keeps every record in maps guarded by one read-write mutex: View takes the
// read lock, so views run in parallel; Update takes the write lock, so updates run one
// at a time and a View never sees a partial one. Update keeps an undo log: each write
// records its inverse before it changes anything, and when fn returns an error or
// panics the log is replayed backwards, which leaves the store exactly as it was, before
// Update returns the error or panics again.
//
// # Copies
//
// The store copies every map and slice it is given and every one it returns, so callers
// never share stored data, with the exception the Store contract documents: the slices
// and the Adjustment of a PriceListTerms are the stored ones, read-only. A stored price
// list is never changed in place, only replaced, which keeps that sharing safe.
//
// # Layout and cost
//
// Prices are stored by value, grouped by variant and currency in buckets; an index by
// price ID and a count of each list's prices per bucket point at the buckets. A bucket
// is usually small and scanned; one of more than 32 prices (thousands of tiers of one
// variant) indexes its prices by ID and by key, so that no write costs more than O(1)
// however the prices of one variant and currency grow. The resolver's path costs no
// allocation: View passes a pointer-shaped transaction, AppendCustomerGroupIDs is one
// map lookup, AppendVariantPrices is one map lookup and one copy, and PriceListTerms is
// one map lookup. A stored price holds about 230 bytes of heap, its ID included, in a
// catalog shaped like the benchmark dataset.
//
// Listings (pricing.PriceListOrderer) read a head per list (its terms, name and times)
// from the lists sorted in the three orders of a listing; the sorted orders are built by
// the first listing that needs them and kept in step by each write, or dropped by an
// Update that writes more than 64 lists, to be sorted again. The journal keeps its
// entries in memory with an index from each key to the entries, and the span of items,
// that hold it.
//
// The store does not check references between records (that a member's group exists,
// that a price's list exists): the pricing.Service does, before it writes.
package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/commercekit/pricing"
)

// Store is an in-memory pricing.Store. It is safe for concurrent use by multiple
// goroutines. A transaction must not start another transaction of the same store: a
// View inside an Update, or an Update inside a View, deadlocks.
type Store struct {
	mu     sync.RWMutex
	closed bool
	st     state
	w      writeTx // reused by every Update: updates hold the write lock
}

var (
	_ pricing.Store          = (*Store)(nil)
	_ pricing.AdjustedLister = readTx{}
	_ pricing.AdjustedLister = (*writeTx)(nil)

	_ pricing.PriceListOrderer = readTx{}
	_ pricing.PriceListOrderer = (*writeTx)(nil)
	_ pricing.MemberPager      = readTx{}
	_ pricing.MemberPager      = (*writeTx)(nil)
)

// errReadOnly is returned by the write methods of a View's transaction.
var errReadOnly = errors.New("memory: write in a read-only transaction")

// New returns an empty Store.
func New() *Store {
	s := &Store{}
	s.st.init()
	s.w.state = &s.st
	return s
}

// View runs fn in a read-only transaction. It returns ctx.Err() without running fn
// when ctx is already done, pricing.ErrClosed after Close, and otherwise fn's error.
func (s *Store) View(ctx context.Context, fn func(pricing.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return pricing.ErrClosed
	}
	return fn(readTx{&s.st})
}

// Update runs fn in a read-write transaction. When fn returns nil its writes stay; when
// fn returns an error or panics they are undone, and Update returns that error or
// panics again with the same value. It returns ctx.Err() without running fn when ctx is
// already done, and pricing.ErrClosed after Close.
func (s *Store) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return pricing.ErrClosed
	}
	w := &s.w
	committed := false
	defer func() {
		if committed {
			s.st.j.commit()
		} else {
			w.rollback()
			s.st.j.pending = nil
		}
		w.reset()
	}()
	err := fn(w)
	committed = err == nil
	return err
}

// Close releases the store's records. Later calls to View and Update return
// pricing.ErrClosed. Close waits for running transactions; calling it again returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.st.j.changed) // wake the waiters, who find the store closed
		s.st = state{}
		s.w.undo = nil
	}
	return nil
}
