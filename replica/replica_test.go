package replica_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/memory"
	"github.com/commercekit/pricing/replica"
)

var t0 = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

func newReplica(t testing.TB, src pricing.Store, opts *replica.Options) *replica.Replica {
	t.Helper()
	rep, err := replica.New(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rep.Close() })
	return rep
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// dump reads every record of a store.
func dump(t testing.TB, st pricing.Store) (out []string) {
	t.Helper()
	must(t, st.View(context.Background(), func(tx pricing.Tx) error {
		if err := tx.CustomerGroups(func(g pricing.CustomerGroup) bool {
			out = append(out, fmt.Sprintf("group %+v", g))
			_ = tx.Members(g.ID, 0, func(c string) bool { out = append(out, "member "+g.ID+" "+c); return true })
			return true
		}); err != nil {
			return err
		}
		if err := tx.PriceLists(func(pl pricing.PriceList) bool { out = append(out, fmt.Sprintf("list %+v", pl)); return true }); err != nil {
			return err
		}
		return tx.Prices(func(p pricing.Price) bool { out = append(out, fmt.Sprintf("price %+v", p)); return true })
	}))
	return out
}

// journalStore is a source store: one with a journal.
type journalStore interface {
	pricing.Store
	pricing.Journal
}

// sources are the kinds of source store the tests follow: each opens a new, empty one.
var sources = []struct {
	name string
	open func(t testing.TB) journalStore
}{
	{"memory", func(t testing.TB) journalStore {
		st := memory.New()
		t.Cleanup(func() { _ = st.Close() })
		return st
	}},
	{"bolt", func(t testing.TB) journalStore {
		st, err := bolt.Open(filepath.Join(t.TempDir(), "pricing.db"), &bolt.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}},
}

// onSources runs fn in a subtest on a new source store of each kind.
func onSources(t *testing.T, fn func(t *testing.T, src journalStore)) {
	for _, s := range sources {
		t.Run(s.name, func(t *testing.T) { fn(t, s.open(t)) })
	}
}

// A replica loads what the source holds, follows the writes of another Service on the
// source, and reads its own writes at once.
func TestFollow(t *testing.T) {
	onSources(t, testFollow)
}

func testFollow(t *testing.T, src journalStore) {
	ctx := context.Background()
	direct := pricing.New(src, pricing.WithClock(func() time.Time { return t0 }))
	if _, err := direct.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP"}); err != nil {
		t.Fatal(err)
	}
	must(t, direct.AddCustomers(ctx, "vip", []string{"cus_1"}))
	rep := newReplica(t, src, nil)
	if !slices.Equal(dump(t, rep), dump(t, src)) {
		t.Fatalf("the loaded copy differs from the source")
	}
	svc := pricing.New(rep, pricing.WithClock(func() time.Time { return t0 }))

	// Its own writes: visible on return.
	if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "VIP", Status: pricing.Active,
		CustomerGroupIDs: []string{"vip"}, Prices: []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 900}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 1000}}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, "shirt", 1)
	if err != nil || res.CalculatedAmount != 900 {
		t.Fatalf("resolve right after the writes: %+v, %v", res, err)
	}

	// Another instance's writes: there after Wait of their revision.
	must(t, direct.RemoveCustomers(ctx, "vip", []string{"cus_1"}))
	rev, err := direct.Revision(ctx)
	must(t, err)
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	must(t, rep.Wait(waitCtx, rev))
	if res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, "shirt", 1); err != nil || res.CalculatedAmount != 1000 {
		t.Errorf("resolve after the other instance removed the customer: %+v, %v", res, err)
	}
	if !slices.Equal(dump(t, rep), dump(t, src)) {
		t.Errorf("the copy differs from the source after following")
	}
	// The feed reads through the replica.
	if sets, err := svc.Changes(ctx, 0, 0); err != nil || int64(len(sets)) != rev {
		t.Errorf("Changes through the replica: %d, %v; want %d", len(sets), err, rev)
	}
}

// gatedStore is a source store whose WaitJournal waits for the test's gate: the
// follower of a replica on it is held until the test opens the gate.
type gatedStore struct {
	journalStore
	gate chan struct{}
}

func (s gatedStore) WaitJournal(ctx context.Context, after int64) (int64, error) {
	select {
	case <-s.gate:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return s.journalStore.WaitJournal(ctx, after)
}

// A replica that falls behind the retention loads a new copy.
func TestReloadAfterTrim(t *testing.T) {
	onSources(t, testReloadAfterTrim)
}

func testReloadAfterTrim(t *testing.T, st journalStore) {
	ctx := context.Background()
	src := gatedStore{st, make(chan struct{})}
	clock := t0
	direct := pricing.New(src.journalStore, pricing.WithClock(func() time.Time { return clock }), pricing.WithRetention(time.Hour))
	if _, err := direct.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "a", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	rep := newReplica(t, src, nil)
	// While the follower waits at the gate, revisions 2 to 6 commit two hours apart:
	// each write trims what is older than an hour, so revision 2 is gone.
	for i := range 5 {
		clock = clock.Add(2 * time.Hour)
		if _, err := direct.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprint("g", i), Name: fmt.Sprint("G", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := direct.Changes(ctx, 1, 0); !errors.Is(err, pricing.ErrTrimmed) {
		t.Fatalf("the journal still holds revision 2: %v", err)
	}
	close(src.gate)
	rev, _ := direct.Revision(ctx)
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	must(t, rep.Wait(waitCtx, rev))
	if !slices.Equal(dump(t, rep), dump(t, src)) {
		t.Errorf("the copy differs from the source")
	}
}

func TestNeedsAJournal(t *testing.T) {
	if _, err := replica.New(context.Background(), noJournal{memory.New()}, nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("err = %v, want errors.ErrUnsupported", err)
	}
}

type noJournal struct{ pricing.Store }

func TestClose(t *testing.T) {
	src := memory.New()
	rep := newReplica(t, src, nil)
	must(t, rep.Close())
	must(t, rep.Close())
	if err := rep.View(context.Background(), func(pricing.Tx) error { return nil }); !errors.Is(err, pricing.ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
	// The source stays open.
	if err := src.View(context.Background(), func(pricing.Tx) error { return nil }); err != nil {
		t.Errorf("the source after the replica's Close: %v", err)
	}
}

// BenchmarkLag measures how long a write of another instance takes to reach the copy:
// from the return of the write on the source to the copy holding its revision. Run it
// with -benchtime=2000x; it reports the mean and the 99th percentile.
func BenchmarkLag(b *testing.B) {
	ctx := context.Background()
	src := memory.New()
	direct := pricing.New(src)
	rep := newReplica(b, src, nil)
	if _, err := direct.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "g", Name: "G"}); err != nil {
		b.Fatal(err)
	}
	lags := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		if err := direct.AddCustomers(ctx, "g", []string{fmt.Sprint("cus_", i)}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rev, _ := direct.Revision(ctx)
		if err := rep.Wait(ctx, rev); err != nil {
			b.Fatal(err)
		}
		lags = append(lags, time.Since(start))
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkResolve(b *testing.B) {
	ctx := context.Background()
	src := memory.New()
	svc := pricing.New(newReplica(b, src, nil))
	if _, err := svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 1000}}); err != nil {
		b.Fatal(err)
	}
	q := pricing.Query{CurrencyCode: "usd"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Resolve(ctx, q, "shirt", 1); err != nil {
			b.Fatal(err)
		}
	}
}
