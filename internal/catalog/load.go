package catalog

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/commercekit/pricing"
)

// LoadOptions tunes Load. The zero value, like nil, selects the defaults.
type LoadOptions struct {
	// ChunkSize is the most prices written per transaction when loading a price list:
	// CreatePriceList carries the first chunk, AddPrices each further one. Zero: 10,000.
	ChunkSize int
	// Workers is the number of goroutines calling the Service during the membership and
	// base-price phases; stores may still run their updates one at a time. Zero:
	// GOMAXPROCS.
	Workers int
	// Progress, when set, is called after each phase.
	Progress func(Phase)
}

// Phase is one step of a load: what it wrote, in how many transactions, and how long
// it took.
type Phase struct {
	Name         string
	Records      int // groups, memberships, price lists, or prices
	Transactions int
	Duration     time.Duration
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
	phase := func(name string, run func() (records, txs int, err error)) error {
		start := time.Now()
		n, txs, err := run()
		if err != nil {
			return fmt.Errorf("catalog: loading %s: %w", name, err)
		}
		p := Phase{Name: name, Records: n, Transactions: txs, Duration: time.Since(start)}
		st.Phases = append(st.Phases, p)
		if o.Progress != nil {
			o.Progress(p)
		}
		return nil
	}
	if err := phase(PhaseGroups, func() (int, int, error) {
		for g := range c.G {
			if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: GroupID(g), Name: GroupName(g)}); err != nil {
				return 0, 0, err
			}
		}
		return c.G, c.G, nil
	}); err != nil {
		return st, err
	}
	if err := phase(PhaseMemberships, func() (int, int, error) {
		members := c.members()
		n := 0
		for _, m := range members {
			n += len(m)
		}
		err := parallel(o.Workers, c.G, func(g int) error {
			return svc.AddCustomers(ctx, GroupID(g), members[g])
		})
		st.Counts.Memberships = n
		for cus := range c.C {
			if cus%4 != 0 {
				st.Counts.CustomersInGroups++
			}
		}
		return n, c.G, err
	}); err != nil {
		return st, err
	}
	if err := phase(PhaseListPrices, func() (int, int, error) {
		n, txs := 0, 0
		var buf []pricing.PriceInput
		for i := range c.L {
			pl := c.List(i)
			chunk := make([]pricing.PriceInput, 0, o.ChunkSize)
			created := false
			flush := func() error {
				txs++
				n += len(chunk)
				if !created {
					created = true
					pl.Prices = chunk
					_, err := svc.CreatePriceList(ctx, pl)
					return err
				}
				_, err := svc.AddPrices(ctx, pl.ID, chunk, false)
				return err
			}
			var err error
			c.ListPrices(i, buf, func(_ int, prices []pricing.PriceInput) bool {
				if len(chunk)+len(prices) > o.ChunkSize && len(chunk) > 0 {
					if err = flush(); err != nil {
						return false
					}
					chunk = chunk[:0]
				}
				chunk = append(chunk, prices...)
				return true
			})
			if err == nil && (len(chunk) > 0 || !created) {
				err = flush()
			}
			if err != nil {
				return n, txs, fmt.Errorf("list %d: %w", i, err)
			}
		}
		st.Counts.ListPrices = n
		return n, txs, nil
	}); err != nil {
		return st, err
	}
	if err := phase(PhaseBasePrices, func() (int, int, error) {
		err := parallel(o.Workers, c.V, func(v int) error {
			_, err := svc.SetBasePrices(ctx, c.variantIDs[v], c.BasePrices(v))
			return err
		})
		st.Counts.BasePrices = 7 * c.V
		return 7 * c.V, c.V, err
	}); err != nil {
		return st, err
	}
	return st, nil
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
// error; after an error, the remaining calls are skipped.
func parallel(workers, n int, fn func(int) error) error {
	if workers <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		mu       sync.Mutex
		next     int
		firstErr error
		wg       sync.WaitGroup
	)
	for range workers {
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
	wg.Wait()
	return firstErr
}
