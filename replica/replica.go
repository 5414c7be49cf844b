// Package replica keeps an in-memory copy of a store that has a journal (bolt, postgres),
// and follows its change feed, so that every instance of a host resolves and reads at
// the speed of the memory store while the durable or shared store keeps the data.
//
//	src, _ := postgres.Open(ctx, url, nil)
//	rep, err := replica.New(ctx, src, nil) // loads a copy, then follows the journal
//	svc := pricing.New(rep)                // reads from the copy, writes to src
//
// A Replica is a pricing.Store. Its Views read the copy. Its Updates run on the source
// store, then wait until the copy holds what they wrote, so that an instance reads its
// own writes; writes of other instances reach the copy as fast as the source's
// WaitJournal tells of them (in-process at once; across processes, by the postgres
// store's notifications). Its Journal methods are the source's, so that
// pricing.Service.Changes and the lowest prior price work through it.
//
// When the journal no longer holds the revisions the copy needs (it fell further
// behind than the source's retention), the Replica loads a new copy.
//
// The copy follows the journal, which the pricing.Service writes: writes made through
// a Tx without a Service (a host's own code on the source store) do not reach it until
// the Replica loads a copy again.
package replica

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// Options configures New. The zero value, like nil, selects the defaults.
type Options struct {
	// Batch is how many revisions the Replica applies to its copy in one transaction
	// of the copy; 0 means 1000.
	Batch int
	// OnError, when set, is told of an error of the follower (reading the journal,
	// loading a copy), which retries after a pause.
	OnError func(error)
}

// Replica is an in-memory copy of a store with a journal. It is safe for concurrent
// use.
type Replica struct {
	src     pricing.Store
	journal pricing.Journal
	feed    *pricing.Service // reads the source's change feed
	batch   int
	onError func(error)

	// state is held to read while the copy and applied agree: the follower holds it
	// to write while it changes the copy and moves applied together.
	state   sync.RWMutex
	copy    *memory.Store // replaced when the copy is loaded again
	applied int64         // the last revision the copy holds
	mu      sync.Mutex    // guards changed
	changed chan struct{} // closed and replaced when applied moves

	stop   context.CancelFunc
	done   chan struct{}
	closed atomic.Bool
}

var (
	_ pricing.Store   = (*Replica)(nil)
	_ pricing.Journal = (*Replica)(nil)
)

// New loads a copy of src, which must implement pricing.Journal, and starts to follow
// its journal. The follower runs until Close.
func New(ctx context.Context, src pricing.Store, opts *Options) (*Replica, error) {
	j, ok := src.(pricing.Journal)
	if !ok {
		return nil, fmt.Errorf("replica: the source store keeps no journal: %w", errors.ErrUnsupported)
	}
	r := &Replica{src: src, journal: j, feed: pricing.New(src), batch: 1000, changed: make(chan struct{}), done: make(chan struct{})}
	if opts != nil {
		if opts.Batch > 0 {
			r.batch = opts.Batch
		}
		r.onError = opts.OnError
	}
	copy, rev, err := load(ctx, src)
	if err != nil {
		return nil, err
	}
	r.copy, r.applied = copy, rev
	followCtx, stop := context.WithCancel(context.Background())
	r.stop = stop
	go r.follow(followCtx)
	return r, nil
}

// load reads the whole of src in one View, with the revision of that View, into a new
// memory store.
func load(ctx context.Context, src pricing.Store) (*memory.Store, int64, error) {
	var (
		rev     int64
		groups  []pricing.CustomerGroup
		members [][2]string
		lists   []pricing.PriceList
		prices  []pricing.Price
	)
	err := src.View(ctx, func(tx pricing.Tx) error {
		groups, members, lists, prices = groups[:0], members[:0], lists[:0], prices[:0]
		jt, ok := tx.(pricing.JournalTx)
		if !ok {
			return fmt.Errorf("replica: the source's View is not a pricing.JournalTx: %w", errors.ErrUnsupported)
		}
		var err error
		if rev, err = jt.LastRevision(); err != nil {
			return err
		}
		if err := tx.CustomerGroups(func(g pricing.CustomerGroup) bool { groups = append(groups, g); return true }); err != nil {
			return err
		}
		for _, g := range groups {
			if err := tx.Members(g.ID, 0, func(c string) bool { members = append(members, [2]string{g.ID, c}); return true }); err != nil {
				return err
			}
		}
		if err := tx.PriceLists(func(pl pricing.PriceList) bool { lists = append(lists, pl); return true }); err != nil {
			return err
		}
		return tx.Prices(func(p pricing.Price) bool { prices = append(prices, p); return true })
	})
	if err != nil {
		return nil, 0, err
	}
	copy := memory.New()
	err = copy.Update(ctx, func(tx pricing.Tx) error {
		for _, g := range groups {
			if err := tx.PutCustomerGroup(g, pricing.NameKey(g.Name)); err != nil {
				return err
			}
		}
		for _, m := range members {
			if err := tx.AddMember(m[0], m[1]); err != nil {
				return err
			}
		}
		for _, pl := range lists {
			if err := tx.PutPriceList(pl); err != nil {
				return err
			}
		}
		for _, p := range prices {
			if err := tx.PutPrice(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("replica: loading the copy: %w", err)
	}
	return copy, rev, nil
}

// follow applies the source's revisions to the copy until ctx is done.
func (r *Replica) follow(ctx context.Context) {
	defer close(r.done)
	pause := 10 * time.Millisecond
	for ctx.Err() == nil {
		err := r.step(ctx)
		if err == nil {
			pause = 10 * time.Millisecond
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if r.onError != nil {
			r.onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// step waits for revisions after the applied one and applies them, or loads a new copy
// when the journal no longer holds them.
func (r *Replica) step(ctx context.Context) error {
	applied := r.Applied()
	sets, err := r.feed.WaitChanges(ctx, applied, r.batch)
	if errors.Is(err, pricing.ErrTrimmed) {
		copy, rev, err := load(ctx, r.src)
		if err != nil {
			return err
		}
		r.state.Lock()
		old := r.copy
		r.copy, r.applied = copy, rev
		r.state.Unlock()
		r.notify()
		return old.Close()
	}
	if err != nil || len(sets) == 0 {
		return err
	}
	r.state.Lock()
	err = r.copy.Update(ctx, func(tx pricing.Tx) error {
		for _, cs := range sets {
			if err := cs.Apply(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		r.applied = sets[len(sets)-1].Revision
	}
	r.state.Unlock()
	if err != nil {
		return fmt.Errorf("replica: applying revisions %d to %d: %w", sets[0].Revision, sets[len(sets)-1].Revision, err)
	}
	r.notify()
	return nil
}

// notify wakes the waiters of Wait.
func (r *Replica) notify() {
	r.mu.Lock()
	defer r.mu.Unlock()
	close(r.changed)
	r.changed = make(chan struct{})
}

// Applied returns the last revision of the source that the copy holds.
func (r *Replica) Applied() int64 {
	r.state.RLock()
	defer r.state.RUnlock()
	return r.applied
}

// Wait blocks until the copy holds revision rev of the source, or ctx is done.
func (r *Replica) Wait(ctx context.Context, rev int64) error {
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if r.Applied() >= rev {
			return nil
		}
		if r.closed.Load() {
			return pricing.ErrClosed
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-r.done:
		}
	}
}

// View runs fn in a read-only transaction of the copy. Its Tx is a pricing.JournalTx
// whose LastRevision is the source's revision that the copy holds.
func (r *Replica) View(ctx context.Context, fn func(pricing.Tx) error) error {
	if r.closed.Load() {
		return pricing.ErrClosed
	}
	r.state.RLock()
	defer r.state.RUnlock()
	rev := r.applied
	return r.copy.View(ctx, func(tx pricing.Tx) error {
		// A Tx is not used after its fn returns, so its wrapper is pooled: a View,
		// on every resolve, allocates nothing.
		vt := viewTxPool.Get().(*viewTx)
		vt.Tx, vt.rev = tx, rev
		err := fn(vt)
		*vt = viewTx{}
		viewTxPool.Put(vt)
		return err
	})
}

// viewTx is the Tx of a View of the copy: the copy's, at the source's revision rev.
type viewTx struct {
	pricing.Tx
	rev int64
}

var viewTxPool = sync.Pool{New: func() any { return new(viewTx) }}

var (
	_ pricing.JournalTx        = (*viewTx)(nil)
	_ pricing.AdjustedLister   = (*viewTx)(nil)
	_ pricing.PriceListOrderer = (*viewTx)(nil)
	_ pricing.MemberPager      = (*viewTx)(nil)
)

// LastRevision implements pricing.JournalTx: the source's revision the copy holds.
func (tx *viewTx) LastRevision() (int64, error) { return tx.rev, nil }

// Revision implements pricing.JournalTx: a View commits nothing.
func (*viewTx) Revision() (int64, error) { return 0, errReadOnly }

// WriteJournal implements pricing.JournalTx: it fails in a View.
func (*viewTx) WriteJournal(pricing.JournalEntry) error { return errReadOnly }

// AppendAdjustedListIDs implements pricing.AdjustedLister with the copy's.
func (tx *viewTx) AppendAdjustedListIDs(dst []string) ([]string, error) {
	return tx.Tx.(pricing.AdjustedLister).AppendAdjustedListIDs(dst)
}

// PriceListsInOrder implements pricing.PriceListOrderer with the copy's.
func (tx *viewTx) PriceListsInOrder(order string, after *pricing.ListPosition, fn func(*pricing.PriceListHead) bool) error {
	return tx.Tx.(pricing.PriceListOrderer).PriceListsInOrder(order, after, fn)
}

// PriceListHead implements pricing.PriceListOrderer with the copy's.
func (tx *viewTx) PriceListHead(id string) (pricing.PriceListHead, error) {
	return tx.Tx.(pricing.PriceListOrderer).PriceListHead(id)
}

// CountPriceLists implements pricing.PriceListOrderer with the copy's.
func (tx *viewTx) CountPriceLists() (int, error) {
	return tx.Tx.(pricing.PriceListOrderer).CountPriceLists()
}

// MembersAfter implements pricing.MemberPager with the copy's.
func (tx *viewTx) MembersAfter(groupID, after string, fn func(customerID string) bool) error {
	return tx.Tx.(pricing.MemberPager).MembersAfter(groupID, after, fn)
}

var errReadOnly = errors.New("replica: write in a View")

// Update runs fn in a read-write transaction of the source, then waits until the copy
// holds what it committed, so that the next View sees it.
func (r *Replica) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	if r.closed.Load() {
		return pricing.ErrClosed
	}
	if err := r.src.Update(ctx, fn); err != nil {
		return err
	}
	rev, err := r.journal.LastRevision(ctx)
	if err != nil {
		return err
	}
	return r.Wait(ctx, rev)
}

// Close stops following the source and releases the copy. It does not close the
// source. Closing again returns nil.
func (r *Replica) Close() error {
	if !r.closed.CompareAndSwap(false, true) {
		return nil
	}
	r.stop()
	<-r.done
	r.state.Lock()
	defer r.state.Unlock()
	return r.copy.Close()
}

// LastRevision implements pricing.Journal with the source's.
func (r *Replica) LastRevision(ctx context.Context) (int64, error) {
	return r.journal.LastRevision(ctx)
}

// ReadJournal implements pricing.Journal with the source's.
func (r *Replica) ReadJournal(ctx context.Context, after int64, key string, limit int, fn func(pricing.JournalEntry) bool) error {
	return r.journal.ReadJournal(ctx, after, key, limit, fn)
}

// WaitJournal implements pricing.Journal with the source's.
func (r *Replica) WaitJournal(ctx context.Context, after int64) (int64, error) {
	return r.journal.WaitJournal(ctx, after)
}

// TrimJournal implements pricing.Journal with the source's.
func (r *Replica) TrimJournal(ctx context.Context, before time.Time) (int, error) {
	return r.journal.TrimJournal(ctx, before)
}
