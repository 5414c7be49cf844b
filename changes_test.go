package pricing_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// change is the part of a Change a table states: kind, op, IDs.
type change struct {
	kind pricing.ChangeKind
	op   pricing.ChangeOp
	id   string
	cus  string
}

func (c change) String() string { return fmt.Sprintf("%s %s %s %s", c.op, c.kind, c.id, c.cus) }

func summarize(cs []pricing.Change) []change {
	out := []change{}
	for _, c := range cs {
		out = append(out, change{c.Kind, c.Op, c.ID, c.CustomerID})
	}
	return out
}

// Every operation of the Service produces exactly the changes it made, in one revision,
// with the records before and after; cascades are spelled out; a failed or no-op
// operation produces nothing.
func TestChanges(t *testing.T) {
	onJournalStores(t, testChanges)
}

func testChanges(t *testing.T, st pricing.Store) {
	ctx := context.Background()
	clk := newClock(t0)
	svc := pricing.New(st, pricing.WithClock(clk.Now), pricing.WithIDGenerator(seqIDs("id")))
	const (
		g  = pricing.KindCustomerGroup
		m  = pricing.KindMembership
		l  = pricing.KindPriceList
		p  = pricing.KindPrice
		cr = pricing.OpCreate
		up = pricing.OpUpdate
		de = pricing.OpDelete
	)
	yes := true
	for i, step := range []struct {
		name string
		op   func() error
		want []change // nil: no revision
	}{
		{"create a group", func() error {
			_, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP"})
			return err
		}, []change{{g, cr, "vip", ""}}},
		{"add customers, one twice", func() error { return svc.AddCustomers(ctx, "vip", []string{"c2", "c1", "c2"}) },
			[]change{{m, cr, "vip", "c1"}, {m, cr, "vip", "c2"}}},
		{"add members again: no change", func() error { return svc.AddCustomers(ctx, "vip", []string{"c1"}) }, nil},
		{"remove a non-member: no change", func() error { return svc.RemoveCustomers(ctx, "vip", []string{"c9"}) }, nil},
		{"a refused create: no change", func() error {
			_, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "vip"})
			return expect(err, pricing.ErrAlreadyExists)
		}, nil},
		{"rename", func() error {
			_, err := svc.UpdateCustomerGroup(ctx, "vip", pricing.CustomerGroupUpdate{Name: strPtr("Very Important")})
			return err
		}, []change{{g, up, "vip", ""}}},
		{"a list with prices", func() error {
			_, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "Sale", CustomerGroupIDs: []string{"vip"},
				Prices: ps(pi("p1", 900), pi("p2", 800, qty(10, 0)))})
			return err
		}, []change{{l, cr, "pl", ""}, {p, cr, "p1", ""}, {p, cr, "p2", ""}}},
		{"the list's tax flag restamps its prices", func() error {
			_, err := svc.UpdatePriceList(ctx, "pl", pricing.PriceListUpdate{IncludesTax: &yes})
			return err
		}, []change{{l, up, "pl", ""}, {p, up, "p1", ""}, {p, up, "p2", ""}}},
		{"base prices", func() error {
			_, err := svc.SetBasePrices(ctx, "shirt", ps(pi("b1", 1000), pi("b2", 950, rg("reg_us"))))
			return err
		}, []change{{p, cr, "b1", ""}, {p, cr, "b2", ""}}},
		{"base prices replaced", func() error {
			_, err := svc.SetBasePrices(ctx, "shirt", ps(pi("b1", 1100)))
			return err
		}, []change{{p, up, "b1", ""}, {p, de, "b2", ""}}},
		{"a batch", func() error {
			_, err := svc.BatchPrices(ctx, "pl", pricing.PriceBatch{Create: ps(pi("p3", 700, variant("hat"))), Update: ps(pi("p1", 880)), Delete: []string{"p2", "ghost"}})
			return err
		}, []change{{p, de, "p2", ""}, {p, up, "p1", ""}, {p, cr, "p3", ""}}},
		{"a group a list names: refused", func() error {
			return expect(svc.DeleteCustomerGroup(ctx, "vip"), pricing.ErrConflict)
		}, nil},
		{"another group", func() error {
			_, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "b2b", Name: "B2B"})
			return err
		}, []change{{g, cr, "b2b", ""}}},
		{"set a customer's groups", func() error { return svc.SetCustomerGroups(ctx, "c1", []string{"b2b"}) },
			[]change{{m, de, "vip", "c1"}, {m, cr, "b2b", "c1"}}},
		{"delete a list: its prices first", func() error { return svc.DeletePriceList(ctx, "pl") },
			[]change{{p, de, "p1", ""}, {p, de, "p3", ""}, {l, de, "pl", ""}}},
		{"delete a missing list: no change", func() error { return svc.DeletePriceList(ctx, "pl") }, nil},
		{"delete a group: its memberships end first", func() error { return svc.DeleteCustomerGroup(ctx, "vip") },
			[]change{{m, de, "vip", "c2"}, {g, de, "vip", ""}}},
	} {
		clk.Advance(time.Minute)
		before := must1[int64](t)(svc.Revision(ctx))
		if err := step.op(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got := must1[[]pricing.ChangeSet](t)(svc.Changes(ctx, before, 0))
		if step.want == nil {
			if len(got) != 0 {
				t.Errorf("%s: %d revisions, want none: %+v", step.name, len(got), got)
			}
			continue
		}
		if len(got) != 1 {
			t.Fatalf("%s: %d revisions, want 1", step.name, len(got))
		}
		cs := got[0]
		if cs.Revision != before+1 || !cs.At.Equal(t0.Add(time.Duration(i+1)*time.Minute)) {
			t.Errorf("%s: revision %d at %v, want %d at the clock's time", step.name, cs.Revision, cs.At, before+1)
		}
		deepEqual(t, step.name, summarize(cs.Changes), step.want)
	}

	// The records before and after, as a cache needs them.
	all := must1[[]pricing.ChangeSet](t)(svc.Changes(ctx, 0, 0))
	rename := all[2].Changes[0]
	if rename.OldCustomerGroup == nil || rename.OldCustomerGroup.Name != "VIP" || rename.CustomerGroup.Name != "Very Important" || rename.CustomerGroup.Revision != 3 {
		t.Errorf("rename change: %+v", rename)
	}
	listCreate := all[3].Changes
	if listCreate[0].PriceList == nil || listCreate[0].OldPriceList != nil || listCreate[1].Price.Amount != 900 || listCreate[1].Price.Revision != 4 {
		t.Errorf("list creation changes: %+v", listCreate)
	}
	batch := all[7].Changes
	if batch[0].OldPrice == nil || batch[0].OldPrice.Amount != 800 || batch[0].Price != nil || batch[1].OldPrice.Amount != 900 || batch[1].Price.Amount != 880 {
		t.Errorf("batch changes: %+v", batch)
	}
	if n := must1[int64](t)(svc.Revision(ctx)); n != int64(len(all)) {
		t.Errorf("Revision %d, %d revisions", n, len(all))
	}
	// Paging.
	page := must1[[]pricing.ChangeSet](t)(svc.Changes(ctx, 2, 3))
	if len(page) != 3 || page[0].Revision != 3 || page[2].Revision != 5 {
		t.Errorf("Changes(2, 3): %d revisions from %d", len(page), page[0].Revision)
	}
}

func expect(err, want error) error {
	if !errors.Is(err, want) {
		return fmt.Errorf("err = %v, want %v", err, want)
	}
	return nil
}

// An update or a delete that states a revision happens only at that revision: else
// ErrConflict, and nothing written.
func TestExpectedRevisions(t *testing.T) {
	onJournalStores(t, testExpectedRevisions)
}

func testExpectedRevisions(t *testing.T, st pricing.Store) {
	ctx := context.Background()
	svc := pricing.New(st, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
	g := must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP"}))
	pl := must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "Sale", Prices: ps(pi("p1", 900), pi("p2", 800, variant("hat")))}))
	if g.Revision != 1 || pl.Revision != 2 {
		t.Fatalf("revisions %d, %d; want 1, 2", g.Revision, pl.Revision)
	}
	stale := []struct {
		name string
		op   func() error
	}{
		{"UpdateCustomerGroup", func() error {
			_, err := svc.UpdateCustomerGroup(ctx, "vip", pricing.CustomerGroupUpdate{Name: strPtr("x"), IfRevision: 7})
			return err
		}},
		{"DeleteCustomerGroupIf", func() error { return svc.DeleteCustomerGroupIf(ctx, "vip", 7) }},
		{"DeleteCustomerGroupIf of a missing group", func() error { return svc.DeleteCustomerGroupIf(ctx, "ghost", 1) }},
		{"UpdatePriceList", func() error {
			_, err := svc.UpdatePriceList(ctx, "pl", pricing.PriceListUpdate{Name: strPtr("x"), IfRevision: 1})
			return err
		}},
		{"DeletePriceListIf", func() error { return svc.DeletePriceListIf(ctx, "pl", 1) }},
		{"BatchPrices update", func() error {
			_, err := svc.BatchPrices(ctx, "pl", pricing.PriceBatch{Update: ps(pi("p1", 1)), Revisions: map[string]int64{"p1": 1}})
			return err
		}},
		{"BatchPrices delete", func() error {
			_, err := svc.BatchPrices(ctx, "pl", pricing.PriceBatch{Create: ps(pi("p9", 5, variant("mug"))), Delete: []string{"p2"}, Revisions: map[string]int64{"p2": 3}})
			return err
		}},
		{"BatchPrices delete of a missing price", func() error {
			_, err := svc.BatchPrices(ctx, "pl", pricing.PriceBatch{Delete: []string{"gone"}, Revisions: map[string]int64{"gone": 2}})
			return err
		}},
	}
	for _, tc := range stale {
		before := dumpStore(t, st)
		if err := tc.op(); !errors.Is(err, pricing.ErrConflict) {
			t.Errorf("%s at a stale revision: %v, want ErrConflict", tc.name, err)
		}
		deepEqual(t, tc.name+": the store", dumpStore(t, st), before)
	}
	// At the right revisions, they happen.
	g = must1[pricing.CustomerGroup](t)(svc.UpdateCustomerGroup(ctx, "vip", pricing.CustomerGroupUpdate{Name: strPtr("V"), IfRevision: 1}))
	res := must1[pricing.PriceBatchResult](t)(svc.BatchPrices(ctx, "pl", pricing.PriceBatch{Update: ps(pi("p1", 1)), Delete: []string{"p2"},
		Revisions: map[string]int64{"p1": 2, "p2": 2}}))
	pl = must1[pricing.PriceList](t)(svc.UpdatePriceList(ctx, "pl", pricing.PriceListUpdate{Name: strPtr("y"), IfRevision: 2}))
	if g.Revision != 3 || res.Updated[0].Revision != 4 || pl.Revision != 5 {
		t.Errorf("revisions %d, %d, %d; want 3, 4, 5", g.Revision, res.Updated[0].Revision, pl.Revision)
	}
	must(t, svc.DeletePriceListIf(ctx, "pl", 5))
	must(t, svc.DeleteCustomerGroupIf(ctx, "vip", 3))

	// A store without a journal cannot check.
	plain := pricing.New(noJournal{memory.New()})
	if _, err := plain.UpdatePriceList(ctx, "pl", pricing.PriceListUpdate{IfRevision: 1}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("IfRevision on a store without a journal: %v, want errors.ErrUnsupported", err)
	}
	if _, err := plain.Changes(ctx, 0, 0); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Changes on a store without a journal: %v", err)
	}
}

// noJournal hides the journal of a store, and of its transactions.
type noJournal struct{ pricing.Store }

func (s noJournal) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	return s.Store.Update(ctx, func(tx pricing.Tx) error { return fn(struct{ pricing.Tx }{tx}) })
}

// WaitChanges returns when a revision commits.
func TestWaitChanges(t *testing.T) {
	onJournalStores(t, testWaitChanges)
}

func testWaitChanges(t *testing.T, st pricing.Store) {
	ctx := context.Background()
	svc := pricing.New(st, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
	got := make(chan []pricing.ChangeSet)
	go func() {
		cs, err := svc.WaitChanges(ctx, 0, 0)
		if err != nil {
			t.Error(err)
		}
		got <- cs
	}()
	time.Sleep(20 * time.Millisecond)
	must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP"}))
	select {
	case cs := <-got:
		if len(cs) != 1 || cs[0].Revision != 1 {
			t.Errorf("WaitChanges: %+v", cs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitChanges did not return")
	}
}

// Revisions older than the retention are trimmed; a reader that needs them gets
// ErrTrimmed.
func TestRetention(t *testing.T) {
	onJournalStores(t, testRetention)
}

func testRetention(t *testing.T, st pricing.Store) {
	ctx := context.Background()
	clk := newClock(t0)
	svc := pricing.New(st, pricing.WithClock(clk.Now), pricing.WithRetention(48*time.Hour))
	for i := range 4 { // revisions 1 to 4, a day apart
		must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: fmt.Sprint("g", i)}))
		clk.Advance(24 * time.Hour)
	}
	// The fourth write, at t0+3d, trimmed what was older than t0+1d: revision 1.
	if _, err := svc.Changes(ctx, 0, 0); !errors.Is(err, pricing.ErrTrimmed) {
		t.Errorf("Changes(0) after a trim: %v, want ErrTrimmed", err)
	}
	cs := must1[[]pricing.ChangeSet](t)(svc.Changes(ctx, 1, 0))
	if len(cs) != 3 || cs[0].Revision != 2 {
		t.Errorf("Changes(1): %d revisions from %d", len(cs), cs[0].Revision)
	}
}

// Replaying the changes from revision 0 into an empty store gives the source store,
// after random sequences of operations.
func TestReplayChanges(t *testing.T) {
	for _, ts := range testStores {
		if !ts.journal {
			continue
		}
		t.Run(ts.name, func(t *testing.T) { testReplayChanges(t, ts.open) })
	}
}

func testReplayChanges(t *testing.T, open func(t testing.TB) pricing.Store) {
	ctx := context.Background()
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		src := open(t)
		svc := pricing.New(src, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
		for range 60 {
			randomOperation(ctx, rng, svc)
		}
		changes := must1[[]pricing.ChangeSet](t)(svc.Changes(ctx, 0, 0))
		dst := memory.New()
		for _, cs := range changes {
			must(t, dst.Update(ctx, func(tx pricing.Tx) error { return cs.Apply(tx) }))
		}
		deepEqual(t, fmt.Sprintf("seed %d: the replayed store", seed), dumpStore(t, dst), dumpStore(t, src))
	}
}

// randomOperation runs one random operation of the Service on a small catalog; errors
// (a name taken, a group still named by a list) are part of the game.
func randomOperation(ctx context.Context, rng *rand.Rand, svc *pricing.Service) {
	group := fmt.Sprint("g", rng.IntN(4))
	list := fmt.Sprint("l", rng.IntN(4))
	variant := fmt.Sprint("v", rng.IntN(3))
	customer := fmt.Sprint("c", rng.IntN(5))
	price := func() pricing.PriceInput {
		return pricing.PriceInput{VariantID: variant, CurrencyCode: []string{"usd", "eur"}[rng.IntN(2)],
			MinQuantity: int64(rng.IntN(3)), Amount: int64(rng.IntN(1000))}
	}
	switch rng.IntN(12) {
	case 0:
		_, _ = svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: group, Name: fmt.Sprint(group, rng.IntN(2)), Metadata: map[string]any{"n": float64(rng.IntN(9))}})
	case 1:
		_, _ = svc.UpdateCustomerGroup(ctx, group, pricing.CustomerGroupUpdate{Name: strPtr(fmt.Sprint("n", rng.IntN(9)))})
	case 2:
		_ = svc.DeleteCustomerGroup(ctx, group)
	case 3:
		_ = svc.AddCustomers(ctx, group, []string{customer, fmt.Sprint("c", rng.IntN(5))})
	case 4:
		_ = svc.RemoveCustomers(ctx, group, []string{customer})
	case 5:
		_ = svc.SetCustomerGroups(ctx, customer, []string{group})
	case 6:
		var groups []string
		if rng.IntN(2) == 0 {
			groups = []string{group}
		}
		_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{ID: list, Name: list, CustomerGroupIDs: groups, Prices: []pricing.PriceInput{price()}})
	case 7:
		tax := rng.IntN(2) == 0
		_, _ = svc.UpdatePriceList(ctx, list, pricing.PriceListUpdate{IncludesTax: &tax, CustomerGroupIDs: &[]string{}})
	case 8:
		_ = svc.DeletePriceList(ctx, list)
	case 9:
		_, _ = svc.AddPrices(ctx, list, []pricing.PriceInput{price(), price()}, rng.IntN(3) == 0)
	case 10:
		_, _ = svc.SetBasePrices(ctx, variant, []pricing.PriceInput{price()})
	case 11:
		_, _ = svc.DeleteVariantPrices(ctx, list, []string{variant})
	}
}

// Apply writes a revision's changes to a store as they were, and an error names the
// change that failed.
func TestChangeSetApply(t *testing.T) {
	ctx := context.Background()
	src, _ := newService(t)
	must1[pricing.CustomerGroup](t)(src.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP"}))
	must(t, src.AddCustomers(ctx, "vip", []string{"cus_1"}))
	sets := must1[[]pricing.ChangeSet](t)(src.Changes(ctx, 0, 0))
	dst := memory.New()
	defer dst.Close()
	for _, cs := range sets {
		must(t, dst.Update(ctx, func(tx pricing.Tx) error { return cs.Apply(tx) }))
	}
	svc := pricing.New(dst)
	g := must1[pricing.CustomerGroup](t)(svc.CustomerGroup(ctx, "vip"))
	if g.Revision != 1 || g.Name != "VIP" {
		t.Errorf("applied group: %+v", g)
	}
	if groups := must1[[]pricing.CustomerGroup](t)(svc.CustomerGroupsOf(ctx, "cus_1")); len(groups) != 1 || groups[0].ID != "vip" {
		t.Errorf("cus_1's groups: %+v", groups)
	}
	bad := pricing.ChangeSet{Revision: 9, Changes: []pricing.Change{{Kind: pricing.KindCustomerGroup, Op: pricing.OpDelete, ID: "ghost"}}}
	err := dst.Update(ctx, func(tx pricing.Tx) error { return bad.Apply(tx) })
	if !errors.Is(err, pricing.ErrNotFound) || !strings.Contains(fmt.Sprint(err), `revision 9: delete customer_group "ghost"`) {
		t.Errorf("a change that fails: %v", err)
	}
}
