package postgres_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// countingConn counts the round trips on a connection: a write that follows a read (or
// the connection's first write) starts one, since the protocol only reads what it has
// asked for. (pgx reads in a goroutine of its own during a COPY, hence the atomic.)
type countingConn struct {
	net.Conn
	c       *tripCounter
	reading atomic.Bool
}

func (c *countingConn) Write(b []byte) (int, error) {
	if c.reading.Swap(false) || !c.c.started(c) {
		c.c.add()
	}
	return c.Conn.Write(b)
}

func (c *countingConn) Read(b []byte) (int, error) {
	c.reading.Store(true)
	return c.Conn.Read(b)
}

// tripCounter counts the round trips of every connection of a pool.
type tripCounter struct {
	mu    sync.Mutex
	n     int
	seen  map[*countingConn]bool
	armed bool
}

func (t *tripCounter) started(c *countingConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen == nil {
		t.seen = map[*countingConn]bool{}
	}
	was := t.seen[c]
	t.seen[c] = true
	return was
}

func (t *tripCounter) add() {
	t.mu.Lock()
	if t.armed {
		t.n++
	}
	t.mu.Unlock()
}

// count returns the round trips that fn makes.
func (t *tripCounter) count(fn func()) int {
	t.mu.Lock()
	t.n, t.armed = 0, true
	t.mu.Unlock()
	fn()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.armed = false
	return t.n
}

// countingStore returns a Store on a new schema whose pool, of one connection, counts
// round trips; the connection is made, and the schema migrated, before it returns.
func countingStore(t *testing.T) (*postgres.Store, *tripCounter) {
	t.Helper()
	schema := newSchema(t)
	tc := &tripCounter{}
	s, err := postgres.Open(t.Context(), serverURL(t), &postgres.Options{Schema: schema, ConfigurePool: func(cfg *pgxpool.Config) {
		cfg.MaxConns = 1
		dial := cfg.ConnConfig.DialFunc
		cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: c, c: tc}, nil
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, tc
}

// A Resolve costs one round trip and a ResolveMany one, however many lists price the
// variants and however many lists have an adjustment; two when a list changed since the store last read the lists' terms; a
// round trip more for each statement the first time a connection runs it (pgx
// prepares it). The issue allows 2 and 3. Updates cost one round trip per read that the
// transaction's cache cannot answer, plus one for the commit, which carries the
// buffered writes.
func TestRoundTrips(t *testing.T) {
	s, tc := countingStore(t)
	ctx := t.Context()
	svc := pricing.New(s)
	ok := okFunc(t)
	const lists = 40
	ok(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_vip", Name: "VIP"}))
	mustErr(t, svc.AddCustomers(ctx, "cg_vip", []string{"cus_1"}))
	var variants []string
	var items []pricing.Item
	for v := range 100 {
		id := fmt.Sprintf("var_%03d", v)
		variants = append(variants, id)
		items = append(items, pricing.Item{VariantID: id, Quantity: 1})
	}
	base := make([]pricing.PriceInput, 0, len(variants))
	for i, v := range variants {
		base = append(base, pricing.PriceInput{VariantID: v, CurrencyCode: "usd", Amount: int64(1000 + i)})
	}
	for i := range lists {
		nl := pricing.NewPriceList{ID: fmt.Sprintf("pl_%02d", i), Name: fmt.Sprintf("List %d", i), Status: pricing.Active}
		if i%2 == 0 {
			nl.CustomerGroupIDs = []string{"cg_vip"}
		}
		if i%5 == 0 {
			nl.Type = pricing.Override
		}
		for j, p := range base {
			p.Amount = int64(900 - i - j%7)
			nl.Prices = append(nl.Prices, p, pricing.PriceInput{VariantID: p.VariantID, CurrencyCode: "usd", MinQuantity: 10, Amount: p.Amount - 1})
		}
		ok(svc.CreatePriceList(ctx, nl))
	}
	for _, v := range variants[:3] {
		ok(svc.SetBasePrices(ctx, v, []pricing.PriceInput{{CurrencyCode: "usd", Amount: 1000}}))
	}
	// Lists with an adjustment and no prices, which every resolve reads: one for the
	// customer, one limited to a channel, one for everyone that never wins.
	ok(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl_adj_cus", Name: "Half", Status: pricing.Active,
		CustomerIDs: []string{"cus_1"}, Adjustment: &pricing.Adjustment{Percent: -50}}))
	ok(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl_adj_pos", Name: "POS", Status: pricing.Active,
		ChannelIDs: []string{"pos"}, Adjustment: &pricing.Adjustment{Percent: -90}}))
	ok(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl_adj_up", Name: "Up", Status: pricing.Active,
		Adjustment: &pricing.Adjustment{Percent: 5, Rounding: pricing.RoundUp}}))

	q := pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}
	wantAmount := int64(500) // pl_adj_cus: 1000 - 50%
	resolve := func() {
		res, err := svc.Resolve(ctx, q, variants[0], 1)
		if err != nil || !res.Found || res.CalculatedAmount != wantAmount {
			t.Fatalf("Resolve: %+v, %v; want %d", res, err, wantAmount)
		}
	}
	resolveMany := func() {
		res, err := svc.ResolveMany(ctx, q, items)
		if err != nil || len(res) != len(items) || !res[99].Found {
			t.Fatalf("ResolveMany: %d results, %v", len(res), err)
		}
	}
	// The first calls on a connection prepare their statements (and load the lists'
	// terms): a round trip more for each statement.
	for i, call := range []func(){resolve, resolve, resolveMany, resolveMany} {
		n := tc.count(call)
		t.Logf("call %d on a new connection: %d round trips", i, n)
		if n > 3 {
			t.Errorf("call %d on a new connection: %d round trips, want at most 3", i, n)
		}
	}
	for _, c := range []struct {
		name string
		call func()
	}{{"Resolve", resolve}, {"ResolveMany", resolveMany}} {
		for round, want := range []int{1, 1} {
			n := tc.count(c.call)
			t.Logf("%s %d: %d round trips", c.name, round, n)
			if n > want {
				t.Errorf("%s %d of variants that %d lists price: %d round trips, want %d", c.name, round, lists, n, want)
			}
		}
		// A list changed: the store reads the terms again, in a second round trip (a third
		// the first time, when the statement that reads them is prepared).
		for cycle, want := range []int{3, 2} {
			ok(svc.UpdatePriceList(ctx, "pl_03", pricing.PriceListUpdate{Metadata: map[string]any{"touched": fmt.Sprint(c.name, cycle)}}))
			n := tc.count(c.call)
			t.Logf("%s after a list changed (%d): %d round trips", c.name, cycle, n)
			if n > want {
				t.Errorf("%s after a list changed (%d): %d round trips, want at most %d", c.name, cycle, n, want)
			}
			if n := tc.count(c.call); n > 1 {
				t.Errorf("%s once the store read the lists again: %d round trips, want 1", c.name, n)
			}
		}
	}

	// The adjustment of a list that no price names changes: the next Resolve reads the
	// lists' terms again (two round trips) and applies the new percent.
	ok(svc.UpdatePriceList(ctx, "pl_adj_cus", pricing.PriceListUpdate{Adjustment: &pricing.Adjustment{Percent: -60}}))
	wantAmount = 400
	if n := tc.count(resolve); n > 2 {
		t.Errorf("Resolve after an adjustment changed: %d round trips, want at most 2", n)
	}
	if n := tc.count(resolve); n > 1 {
		t.Errorf("Resolve after an adjustment changed, once the store read the lists again: %d round trips, want 1", n)
	}

	// Writes: a bulk AddPrices to a new list reads the list, then a handful of ranges,
	// and copies the prices in (COPY costs two round trips: pgx first asks for the
	// columns' types).
	ok(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl_bulk", Name: "Bulk"}))
	var bulk []pricing.PriceInput
	for k := range 3000 {
		bulk = append(bulk, pricing.PriceInput{ID: fmt.Sprintf("bulk_%05d", k), VariantID: variants[k%100], CurrencyCode: "usd", MinQuantity: int64(k / 100), Amount: 5})
	}
	n := tc.count(func() { ok(svc.AddPrices(ctx, "pl_bulk", bulk, false)) })
	t.Logf("AddPrices of %d new prices with IDs: %d round trips", len(bulk), n)
	if n > 8 {
		t.Errorf("AddPrices of %d prices: %d round trips, want at most 8", len(bulk), n)
	}
	n = tc.count(func() { ok(svc.AddPrices(ctx, "pl_bulk", bulk, false)) })
	t.Logf("AddPrices updating the same %d prices: %d round trips", len(bulk), n)
	if n > 20 {
		t.Errorf("AddPrices updating %d prices: %d round trips, want at most 20", len(bulk), n)
	}
	// SetBasePrices of a new variant, with IDs, as the catalog's loader does: the
	// variant's prices and the range of IDs, then the commit.
	var baseIn []pricing.PriceInput
	for k, c := range []string{"usd", "eur", "gbp"} {
		baseIn = append(baseIn, pricing.PriceInput{ID: fmt.Sprintf("bp_new_%d", k), CurrencyCode: c, Amount: 100})
	}
	n = tc.count(func() { ok(svc.SetBasePrices(ctx, "var_new", baseIn)) })
	t.Logf("SetBasePrices of a new variant: %d round trips", n)
	if n > 3 {
		t.Errorf("SetBasePrices of a new variant: %d round trips, want at most 3", n)
	}
	ok(svc.SetBasePrices(ctx, "var_new", baseIn[:2])) // the first delete prepares its statement
	ok(svc.SetBasePrices(ctx, "var_new", baseIn))
	n = tc.count(func() { ok(svc.SetBasePrices(ctx, "var_new", baseIn[:2])) })
	t.Logf("SetBasePrices replacing a variant's prices: %d round trips", n)
	if n > 2 {
		t.Errorf("SetBasePrices replacing a variant's prices: %d round trips, want at most 2", n)
	}
	n = tc.count(func() { mustErr(t, svc.AddCustomers(ctx, "cg_vip", variants)) })
	t.Logf("AddCustomers of %d customers: %d round trips", len(variants), n)
	// The group; whether the customers are members already (the journal records only
	// real changes), one range of memberships; then the writes and the commit.
	if n > 3 {
		t.Errorf("AddCustomers: %d round trips, want 3 (the group, the customers' memberships, then the writes and the commit)", n)
	}
}

// okFunc returns a function that fails t on a non-nil error, for calls that return
// a value and an error.
func okFunc(t testing.TB) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func mustErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A page of price lists costs a handful of round trips, whatever the lists before it:
// the count, the walk of the order's index (one statement up to firstPage lists, a few
// for a deep offset), one read of the page's records (the read-ahead of the walk),
// then the commit of the View; a group's page reads the group's lists' IDs, then their
// records at once. Filters other than groups walk every head to count the matches,
// in statements of 128, 1,024, then 8,192 heads.
func TestRoundTripsListing(t *testing.T) {
	s, tc := countingStore(t)
	ctx := t.Context()
	svc := pricing.New(s)
	ok := okFunc(t)
	ok(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_1", Name: "One"}))
	const lists = 600
	for i := range lists {
		nl := pricing.NewPriceList{ID: fmt.Sprintf("pl_%04d", i), Name: fmt.Sprintf("List %d", (i*7)%lists), Description: "d",
			Metadata: map[string]any{"i": fmt.Sprint(i)}}
		if i%2 == 0 {
			nl.Status = pricing.Active
		}
		if i%3 == 0 {
			nl.CustomerGroupIDs = []string{"cg_1"}
		}
		ok(svc.CreatePriceList(ctx, nl))
	}
	page := func(f pricing.PriceListFilter, total int) func() pricing.PriceListPage {
		return func() pricing.PriceListPage {
			p, err := svc.ListPriceListsPage(ctx, f)
			if err != nil || p.Count != total || len(p.PriceLists) != f.Limit {
				t.Fatalf("ListPriceListsPage(%+v): %d of %d, %v", f, len(p.PriceLists), p.Count, err)
			}
			return p
		}
	}
	next := page(pricing.PriceListFilter{Limit: 50, Offset: 500}, lists)().Next
	for _, c := range []struct {
		name string
		f    pricing.PriceListFilter
		want int
	}{
		{"first", pricing.PriceListFilter{Limit: 50}, 4},
		{"by name", pricing.PriceListFilter{Limit: 50, Order: "name"}, 4},
		{"offset=500", pricing.PriceListFilter{Limit: 50, Offset: 500}, 5},
		{"after=550", pricing.PriceListFilter{Limit: 49, After: next}, 4},
		{"group", pricing.PriceListFilter{Limit: 50, CustomerGroupIDs: []string{"cg_1"}}, 3},
		{"statuses", pricing.PriceListFilter{Limit: 50, Statuses: []pricing.PriceListStatus{pricing.Active}}, 5},
	} {
		total := lists
		switch {
		case c.f.CustomerGroupIDs != nil:
			total = lists / 3
		case c.f.Statuses != nil:
			total = lists / 2
		}
		call := func() { page(c.f, total)() }
		first := tc.count(call) // prepares the statements
		n := tc.count(call)
		t.Logf("a page %s: %d round trips (%d the first time, preparing the statements)", c.name, n, first)
		if n > c.want {
			t.Errorf("a page %s: %d round trips, want at most %d", c.name, n, c.want)
		}
	}
}
