package catalog

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/commercekit/pricing"
)

// LoadOptions tunes Load. The zero value, like nil, selects the defaults.
type LoadOptions struct {
	// ChunkSize is the most prices written per transaction when loading a price list:
	// CreatePriceList carries the first chunk, AddPrices each further one. Zero: 10,000.
	ChunkSize int
	// Workers is the number of goroutines calling the Service during the membership,
	// price-list and base-price phases (a list is loaded by one worker, in order); stores
	// may still run their updates one at a time. Zero: GOMAXPROCS. The loaded store is
	// the same for any number: every record carries its ID, and the clock is fixed.
	Workers int
	// Progress, when set, is called after each phase, and, with ProgressEvery, also
	// during a phase with what it has done so far.
	Progress func(Phase)
	// ProgressEvery, when positive, is the interval of the calls to Progress during a
	// phase. They come from the goroutine that called Load, between two transactions.
	ProgressEvery time.Duration
}

// Phase is one step of a load: what it wrote, in how many transactions, and how long
// it took.
type Phase struct {
	Name         string
	Records      int // groups, memberships, or prices
	Transactions int
	Duration     time.Duration
	Done         bool // false for a report during the phase
}

// PerSecond returns the phase's records per second.
func (p Phase) PerSecond() float64 {
	if p.Duration <= 0 {
		return 0
	}
	return float64(p.Records) / p.Duration.Seconds()
}

// Stats is the outcome of a Load.
type Stats struct {
	Counts Counts
	Phases []Phase // groups, memberships, price lists, list prices, base prices
}

// Prices returns the number of prices written.
func (s Stats) Prices() int { return s.Counts.BasePrices + s.Counts.ListPrices }

// PriceDuration returns the time spent writing prices (lists with their prices, and
// base prices).
func (s Stats) PriceDuration() time.Duration {
	var d time.Duration
	for _, p := range s.Phases {
		if p.Name == PhaseListPrices || p.Name == PhaseBasePrices {
			d += p.Duration
		}
	}
	return d
}

// Total returns the duration of the whole load.
func (s Stats) Total() time.Duration {
	var d time.Duration
	for _, p := range s.Phases {
		d += p.Duration
	}
	return d
}

// The names of the phases of a load, in order.
const (
	PhaseGroups      = "groups"
	PhaseMemberships = "memberships"
	PhaseListPrices  = "price lists"
	PhaseBasePrices  = "base prices"
)

// Load loads the catalog at scale factor s into the empty store behind svc through its
// public API: CreateCustomerGroup per group, AddCustomers per group, CreatePriceList
// per list with its first chunk of prices and AddPrices for each further chunk, and
// SetBasePrices per variant. svc should have the catalog's fixed clock (NewService).
func Load(ctx context.Context, svc *pricing.Service, s int, opts *LoadOptions) (Stats, error) {
	return New(s).Load(ctx, svc, opts)
}

// Load loads the catalog into the empty store behind svc; see the function Load.
func (c *Catalog) Load(ctx context.Context, svc *pricing.Service, opts *LoadOptions) (Stats, error) {
	var o LoadOptions
	if opts != nil {
		o = *opts
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = 10_000
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	st := Stats{Counts: Counts{Variants: c.V, Groups: c.G, Customers: c.C, Lists: c.L}}

	// phase runs fn(0) to fn(n-1) on the given number of workers; fn adds what it
	// writes to the tracker.
	phase := func(name string, workers, n int, fn func(k int, t *tracker) error) error {
		t := &tracker{name: name, start: time.Now()}
		var tick func()
		if o.Progress != nil && o.ProgressEvery > 0 {
			tick = func() { o.Progress(t.phase(false)) }
		}
		if err := parallel(workers, n, o.ProgressEvery, tick, func(k int) error { return fn(k, t) }); err != nil {
			return fmt.Errorf("catalog: loading %s: %w", name, err)
		}
		p := t.phase(true)
		st.Phases = append(st.Phases, p)
		if o.Progress != nil {
			o.Progress(p)
		}
		return nil
	}

	if err := phase(PhaseGroups, 1, c.G, func(g int, t *tracker) error {
		_, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: GroupID(g), Name: GroupName(g)})
		t.add(1)
		return err
	}); err != nil {
		return st, err
	}

	members := c.members()
	if err := phase(PhaseMemberships, o.Workers, c.G, func(g int, t *tracker) error {
		err := svc.AddCustomers(ctx, GroupID(g), members[g])
		t.add(len(members[g]))
		return err
	}); err != nil {
		return st, err
	}
	for _, m := range members {
		st.Counts.Memberships += len(m)
	}
	st.Counts.CustomersInGroups = c.C - (c.C+3)/4 // customer c is in a group unless c mod 4 = 0
	members = nil

	// Each list is loaded by one worker: CreatePriceList with its first chunk, then
	// AddPrices with each further chunk.
	if err := phase(PhaseListPrices, o.Workers, c.L, func(i int, t *tracker) error {
		pl := c.List(i)
		chunk := make([]pricing.PriceInput, 0, o.ChunkSize)
		created := false
		flush := func() error {
			var err error
			if !created {
				created = true
				pl.Prices = chunk
				_, err = svc.CreatePriceList(ctx, pl)
			} else {
				_, err = svc.AddPrices(ctx, pl.ID, chunk, false)
			}
			t.add(len(chunk))
			chunk = chunk[:0]
			return err
		}
		var err error
		c.ListPrices(i, nil, func(_ int, prices []pricing.PriceInput) bool {
			if len(chunk)+len(prices) > o.ChunkSize && len(chunk) > 0 {
				if err = flush(); err != nil {
					return false
				}
			}
			chunk = append(chunk, prices...)
			return true
		})
		if err == nil && (len(chunk) > 0 || !created) {
			err = flush()
		}
		if err != nil {
			return fmt.Errorf("list %d: %w", i, err)
		}
		return nil
	}); err != nil {
		return st, err
	}
	st.Counts.ListPrices = st.Phases[len(st.Phases)-1].Records

	if err := phase(PhaseBasePrices, o.Workers, c.V, func(v int, t *tracker) error {
		_, err := svc.SetBasePrices(ctx, c.variantIDs[v], c.BasePrices(v))
		t.add(7)
		return err
	}); err != nil {
		return st, err
	}
	st.Counts.BasePrices = st.Phases[len(st.Phases)-1].Records
	return st, nil
}

// tracker counts what a phase has written.
type tracker struct {
	name    string
	start   time.Time
	records atomic.Int64
	txs     atomic.Int64
}

// add counts one transaction that wrote n records.
func (t *tracker) add(n int) {
	t.records.Add(int64(n))
	t.txs.Add(1)
}

func (t *tracker) phase(done bool) Phase {
	return Phase{Name: t.name, Records: int(t.records.Load()), Transactions: int(t.txs.Load()), Duration: time.Since(t.start), Done: done}
}

// members returns the customer IDs of every group, in ascending order.
func (c *Catalog) members() [][]string {
	members := make([][]string, c.G)
	var groups []int
	for cus := range c.C {
		groups = c.GroupsOf(groups[:0], cus)
		if len(groups) == 0 {
			continue
		}
		id := CustomerID(cus)
		for _, g := range groups {
			members[g] = append(members[g], id)
		}
	}
	return members
}

// parallel calls fn(0) to fn(n-1) on up to workers goroutines and returns the first
// error; after an error, the remaining calls are skipped. While they run, the calling
// goroutine calls tick (if not nil) every interval.
func parallel(workers, n int, interval time.Duration, tick func(), fn func(int) error) error {
	var (
		mu       sync.Mutex
		next     int
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				stop := firstErr != nil || i >= n
				mu.Unlock()
				if stop {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	if tick != nil && interval > 0 {
		done := make(chan struct{})
		go func() {
			wg.Wait()
			close(done)
		}()
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
	wait:
		for {
			select {
			case <-done:
				break wait
			case <-ticker.C:
				tick()
			}
		}
	}
	wg.Wait()
	return firstErr
}
