package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
	"github.com/commercekit/pricing/postgres"
)

// The journal on PostgreSQL, beyond the conformance suite's rules: writers in several
// pools and processes, followers woken across processes, a server restart, and the
// change feed replaying the store.

// follow reads the feed from after until it has seen upTo, as a follower does
// (WaitChanges, then Changes), and fails on a revision that is not the next one.
func follow(ctx context.Context, svc *pricing.Service, after, upTo int64) ([]pricing.ChangeSet, error) {
	var out []pricing.ChangeSet
	for after < upTo {
		css, err := svc.WaitChanges(ctx, after, 0)
		if err != nil {
			return out, fmt.Errorf("WaitChanges(%d): %w", after, err)
		}
		for _, cs := range css {
			if cs.Revision != after+1 {
				return out, fmt.Errorf("after revision %d the follower got %d", after, cs.Revision)
			}
			after = cs.Revision
			out = append(out, cs)
		}
	}
	return out, nil
}

// journalWrites runs the writes of one side of TestJournalTwoProcesses and
// TestJournalTwoPools: n operations, each one revision, on records of its own and on
// shared ones (so that the sides also conflict and retry).
func journalWrites(ctx context.Context, svc *pricing.Service, side, n int) error {
	for k := range n {
		var err error
		switch k % 3 {
		case 0:
			_, err = svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("cg_%d_%d", side, k), Name: fmt.Sprintf("Group %d %d", side, k)})
		case 1:
			_, err = svc.SetBasePrices(ctx, fmt.Sprintf("var_shared_%d", k%5), []pricing.PriceInput{{CurrencyCode: "usd", Amount: int64(100*side + k)}})
		case 2:
			err = svc.AddCustomers(ctx, fmt.Sprintf("cg_%d_%d", side, k-2), []string{fmt.Sprintf("cus_%d", k), "cus_shared"})
		}
		if err != nil {
			return fmt.Errorf("side %d, write %d: %w", side, k, err)
		}
	}
	return nil
}

// checkFeed checks the journal after the writers: revisions 1 to want, each once.
func checkFeed(t *testing.T, s *postgres.Store, followed []pricing.ChangeSet, want int64) {
	t.Helper()
	svc := pricing.New(s)
	last, err := svc.Revision(t.Context())
	if err != nil || last != want {
		t.Fatalf("Revision after the writers: %d, %v; want %d", last, err, want)
	}
	all, err := svc.Changes(t.Context(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, cs := range all {
		if cs.Revision != int64(i+1) {
			t.Fatalf("Changes: the %dth revision is %d", i+1, cs.Revision)
		}
	}
	if len(all) != int(want) || len(followed) != int(want) {
		t.Fatalf("%d revisions in the journal, %d seen by the follower; want %d", len(all), len(followed), want)
	}
	for i := range all {
		if !equalJSON(all[i], followed[i]) {
			t.Fatalf("revision %d: the follower saw %+v, the journal has %+v", i+1, followed[i], all[i])
		}
	}
	if err := s.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// Two Services on pools of their own write at once: the revisions are dense and a
// follower on a third pool, woken by their commits, sees every one in order.
func TestJournalTwoPools(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	var stores [3]*postgres.Store
	for i := range stores {
		s, err := postgres.Open(ctx, serverURL(t), &postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	const each = 30
	var followed []pricing.ChangeSet
	var followErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		followed, followErr = follow(ctx, pricing.New(stores[2]), 0, 2*each)
	}()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for side := range 2 {
		wg.Go(func() { errs[side] = journalWrites(ctx, pricing.New(stores[side]), side, each) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the follower did not see every revision")
	}
	if followErr != nil {
		t.Fatal(followErr)
	}
	checkFeed(t, stores[2], followed, 2*each)
	t.Logf("retries: %d and %d", stores[0].Stats().Retries, stores[1].Stats().Retries)
}

// The environment of the child process of TestJournalTwoProcesses.
const journalSchemaEnv = "PRICING_POSTGRES_JOURNAL_SCHEMA"

// Two processes (this test binary, and a child running TestJournalChild) write at
// once; a follower in this process, woken by the commits of both, sees every revision
// in order, and the journal is dense.
func TestJournalTwoProcesses(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	s, err := postgres.Open(ctx, serverURL(t), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	follower, err := postgres.Open(ctx, serverURL(t), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer follower.Close()
	const each = 30
	var followed []pricing.ChangeSet
	var followErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		followed, followErr = follow(ctx, pricing.New(follower), 0, 2*each)
	}()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestJournalChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), journalSchemaEnv+"="+schema)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	writeErr := journalWrites(ctx, pricing.New(s), 0, each)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	if writeErr != nil {
		t.Fatal(writeErr)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the follower did not see every revision")
	}
	if followErr != nil {
		t.Fatal(followErr)
	}
	checkFeed(t, s, followed, 2*each)
}

// TestJournalChild is side 1 of TestJournalTwoProcesses, in the child process; it
// skips unless run so.
func TestJournalChild(t *testing.T) {
	schema := os.Getenv(journalSchemaEnv)
	if schema == "" {
		t.Skip("the child of TestJournalTwoProcesses")
	}
	s, err := postgres.Open(t.Context(), serverURL(t), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := journalWrites(t.Context(), pricing.New(s), 1, 30); err != nil {
		t.Fatal(err)
	}
}

// waitFor runs WaitJournal(after) on j in a goroutine; the channel gets its result.
func waitFor(ctx context.Context, j pricing.Journal, after int64) <-chan error {
	ch := make(chan error, 1)
	go func() {
		rev, err := j.WaitJournal(ctx, after)
		if err == nil && rev <= after {
			err = fmt.Errorf("WaitJournal(%d) returned %d", after, rev)
		}
		ch <- err
	}()
	return ch
}

// awaitWake fails t unless the wait ends without error within d.
func awaitWake(t *testing.T, ch <-chan error, d time.Duration, what string) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(d):
		t.Fatalf("%s: WaitJournal still waits after %v", what, d)
	}
}

// A commit of another pool wakes a WaitJournal through PostgreSQL's notifications, not
// the poll (here an hour apart).
func TestJournalWaitWokenByOtherPool(t *testing.T) {
	defer postgres.SetPollInterval(time.Hour)()
	schema := emptySchema(t)
	ctx := t.Context()
	waiter := newStore(t, &postgres.Options{Schema: schema})
	writer, err := postgres.Open(ctx, serverURL(t), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	svc := pricing.New(writer)
	for i := range 3 {
		ch := waitFor(ctx, waiter, int64(i))
		time.Sleep(50 * time.Millisecond) // the waiter waits
		if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprint("cg_", i), Name: fmt.Sprint("G", i)}); err != nil {
			t.Fatal(err)
		}
		awaitWake(t, ch, 10*time.Second, fmt.Sprintf("revision %d, written by another pool", i+1))
	}
}

// A revision committed without a notification (written here by hand) wakes a
// WaitJournal all the same, by the poll.
func TestJournalWaitPolls(t *testing.T) {
	defer postgres.SetPollInterval(100 * time.Millisecond)()
	s := newStore(t, nil)
	ctx := t.Context()
	ch := waitFor(ctx, s, 0)
	time.Sleep(50 * time.Millisecond)
	q := pgx.Identifier{s.Schema()}.Sanitize()
	if _, err := sharedPool(t).Exec(ctx, `UPDATE `+q+`.journal_revision SET last = 1;
		INSERT INTO `+q+`.journal_entries (revision, at, at_ns) VALUES (1, now(), 0)`); err != nil {
		t.Fatal(err)
	}
	awaitWake(t, ch, 10*time.Second, "a revision without notification")
}

// A WaitJournal in progress when the server crashes and restarts is woken by a
// revision committed after the restart; and the listener connects again, so that a
// later wait is woken by a notification (the poll is an hour apart).
func TestJournalWaitServerRestart(t *testing.T) {
	ctl(t, "")
	defer postgres.SetPollInterval(time.Hour)()
	schema := newSchema(t)
	ctx := t.Context()
	open := func() *postgres.Store {
		s, err := postgres.Open(ctx, serverURL(t), &postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	waiter, writer := open(), open()
	svc := pricing.New(writer)
	create := func(i int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprint("cg_", i), Name: fmt.Sprint("G", i)})
			if err == nil || errors.Is(err, pricing.ErrAlreadyExists) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("writing after the restart: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	create(0)
	ch := waitFor(ctx, waiter, 1)
	time.Sleep(200 * time.Millisecond) // the waiter listens
	ctl(t, "stop-immediate")
	time.Sleep(300 * time.Millisecond)
	ctl(t, "start")
	create(1)
	awaitWake(t, ch, 15*time.Second, "a wait across the restart")

	ch = waitFor(ctx, waiter, 2)
	time.Sleep(100 * time.Millisecond)
	create(2)
	awaitWake(t, ch, 10*time.Second, "a wait after the restart")
}

// The change feed replays the store: a memory store that applies every ChangeSet of
// random operations on the postgres store ends up with the same records, revisions
// included; and the revisions of the records are what IfRevision checks.
func TestJournalReplayChanges(t *testing.T) {
	ctx := t.Context()
	for seed := range uint64(4) {
		s := newStore(t, nil)
		rng := rand.New(rand.NewPCG(seed, 9))
		svc := pricing.New(s, pricing.WithClock(func() time.Time { return time.Now().UTC() }))
		for range 60 {
			randomOperation(ctx, rng, svc)
		}
		changes, err := svc.Changes(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		dst := memory.New()
		for _, cs := range changes {
			if err := dst.Update(ctx, func(tx pricing.Tx) error { return cs.Apply(tx) }); err != nil {
				t.Fatalf("seed %d: replaying revision %d: %v", seed, cs.Revision, err)
			}
		}
		if got, want := dumpRecords(t, dst), dumpRecords(t, s); got != want {
			t.Fatalf("seed %d: the replayed store differs:\n%s\nwant\n%s", seed, got, want)
		}
		if err := s.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}

	s := newStore(t, nil)
	svc := pricing.New(s)
	g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_rev", Name: "Rev"})
	if err != nil || g.Revision != 1 {
		t.Fatalf("CreateCustomerGroup: revision %d, %v", g.Revision, err)
	}
	if g, err = svc.UpdateCustomerGroup(ctx, "cg_rev", pricing.CustomerGroupUpdate{Name: strPtr("Rev 2"), IfRevision: 1}); err != nil || g.Revision != 2 {
		t.Fatalf("UpdateCustomerGroup at revision 1: revision %d, %v", g.Revision, err)
	}
	if _, err = svc.UpdateCustomerGroup(ctx, "cg_rev", pricing.CustomerGroupUpdate{Name: strPtr("Rev 3"), IfRevision: 1}); !errors.Is(err, pricing.ErrConflict) {
		t.Fatalf("UpdateCustomerGroup expecting a stale revision: %v, want ErrConflict", err)
	}
	if _, err := svc.SetBasePrices(ctx, "var_1", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 100}}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd"}, "var_1", 1)
	if err != nil || !res.Found || res.CalculatedPrice.Revision != 3 {
		t.Fatalf("Resolve: the price's revision %d, %v; want 3", res.CalculatedPrice.Revision, err)
	}
}

func strPtr(s string) *string { return &s }

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

// dumpRecords returns every record of the store, as JSON lines, instants in UTC.
func dumpRecords(t *testing.T, s pricing.Store) string {
	t.Helper()
	var b strings.Builder
	line := func(v any) {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	err := s.View(context.Background(), func(tx pricing.Tx) error {
		var groups []pricing.CustomerGroup
		if err := tx.CustomerGroups(func(g pricing.CustomerGroup) bool { groups = append(groups, g); return true }); err != nil {
			return err
		}
		for _, g := range groups {
			g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
			line(g)
			var members []string
			if err := tx.Members(g.ID, 0, func(c string) bool { members = append(members, c); return true }); err != nil {
				return err
			}
			line(members)
		}
		if err := tx.PriceLists(func(pl pricing.PriceList) bool {
			pl.CreatedAt, pl.UpdatedAt = pl.CreatedAt.UTC(), pl.UpdatedAt.UTC()
			line(pl)
			return true
		}); err != nil {
			return err
		}
		return tx.Prices(func(p pricing.Price) bool { line(p); return true })
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The membership checks of a read-write transaction read ranges of a group's members: a
// customer in more groups than a range holds, customers added again, removed, and
// groups deleted, give the changes a model gives.
func TestJournalMembershipRanges(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, nil)
	svc := pricing.New(s)
	const groups = 40
	model := map[string]map[string]bool{} // group → members
	for g := range groups {
		id := fmt.Sprintf("cg_%02d", g)
		if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
		model[id] = map[string]bool{}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for step := range 120 {
		g := fmt.Sprintf("cg_%02d", rng.IntN(groups))
		if step%7 == 3 {
			// The big customer joins every group.
			g = fmt.Sprintf("cg_%02d", step%groups)
		}
		var add, remove []string
		for c := range 60 {
			id := fmt.Sprintf("cus_%03d", c*7%200)
			switch r := rng.IntN(10); {
			case r < 2:
				add = append(add, id)
			case r < 3 && !slices.Contains(add, id):
				remove = append(remove, id)
			}
		}
		add = append(add, "cus_big")
		want := 0
		for _, c := range remove {
			if model[g][c] {
				want++
				delete(model[g], c)
			}
		}
		for _, c := range add {
			if !model[g][c] {
				want++
				model[g][c] = true
			}
		}
		before, err := svc.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.ChangeCustomers(ctx, g, add, remove); err != nil {
			t.Fatal(err)
		}
		css, err := svc.Changes(ctx, before, 0)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, cs := range css {
			got += len(cs.Changes)
		}
		if got != want {
			t.Fatalf("step %d: %d changes, want %d", step, got, want)
		}
	}
	for g, members := range model {
		gs, err := svc.CustomerGroupsOf(ctx, "cus_big")
		if err != nil {
			t.Fatal(err)
		}
		if members["cus_big"] != slices.ContainsFunc(gs, func(x pricing.CustomerGroup) bool { return x.ID == g }) {
			t.Fatalf("cus_big in %s: the store and the model disagree", g)
		}
	}
	before, _ := svc.Revision(ctx)
	if err := svc.DeleteCustomerGroup(ctx, "cg_00"); err != nil {
		t.Fatal(err)
	}
	css, err := svc.Changes(ctx, before, 0)
	if err != nil || len(css) != 1 || len(css[0].Changes) != len(model["cg_00"])+1 {
		t.Fatalf("deleting a group: %v, %v; want one revision of %d changes", css, err, len(model["cg_00"])+1)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// The lowest prior price, which the Service computes from the journal (the history of
// the variant, by key, and of its lists), is the memory store's on postgres.
func TestJournalLowestPrior(t *testing.T) {
	ctx := t.Context()
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	var now time.Time
	clock := pricing.WithClock(func() time.Time { return now })
	stores := map[string]pricing.Store{"memory": memory.New(), "postgres": newStore(t, nil)}
	results := map[string]pricing.Resolution{}
	for name, st := range stores {
		svc := pricing.New(st, clock)
		for _, step := range []struct {
			at int
			do func() error
		}{
			{-60, func() error {
				_, err := svc.SetBasePrices(ctx, "var_1", []pricing.PriceInput{{ID: "b", CurrencyCode: "usd", Amount: 100}})
				return err
			}},
			{-60, func() error {
				_, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "sale", Name: "Sale", Type: pricing.Sale, Status: pricing.Active,
					StartsAt: day(0), Prices: []pricing.PriceInput{{ID: "s1", VariantID: "var_1", CurrencyCode: "usd", Amount: 80}}})
				return err
			}},
			{-45, func() error {
				_, err := svc.SetBasePrices(ctx, "var_1", []pricing.PriceInput{{ID: "b", CurrencyCode: "usd", Amount: 70}})
				return err
			}},
			{-20, func() error {
				_, err := svc.SetBasePrices(ctx, "var_1", []pricing.PriceInput{{ID: "b", CurrencyCode: "usd", Amount: 90}})
				return err
			}},
			{-10, func() error {
				_, err := svc.SetBasePrices(ctx, "var_1", []pricing.PriceInput{{ID: "b", CurrencyCode: "usd", Amount: 120}})
				return err
			}},
		} {
			now = day(step.at)
			if err := step.do(); err != nil {
				t.Fatalf("%s, day %d: %v", name, step.at, err)
			}
		}
		now = day(5)
		res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", At: day(5), PriorDays: 30}, "var_1", 1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		results[name] = res
	}
	pg, mem := results["postgres"], results["memory"]
	// The reduction began on day 0: over days -30 to 0 the price was 70 (until day
	// -20), 90, then 120.
	if !pg.HasLowestPrior || pg.LowestPriorAmount != 70 {
		t.Errorf("postgres: lowest prior %v %d, want 70", pg.HasLowestPrior, pg.LowestPriorAmount)
	}
	if pg.HasLowestPrior != mem.HasLowestPrior || pg.LowestPriorAmount != mem.LowestPriorAmount ||
		!pg.ReductionStart.Equal(mem.ReductionStart) || !pg.PriorFrom.Equal(mem.PriorFrom) {
		t.Errorf("postgres %+v\nmemory %+v", pg, mem)
	}
}

// Check finds a journal that breaks its invariants: a revision missing in the middle,
// a counter behind the last entry, items of no entry, that do not decode, or
// misnumbered.
func TestJournalCheck(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"a missing revision", `DELETE FROM journal_entries WHERE revision = 2`, "revisions are missing"},
		{"a counter behind", `UPDATE journal_revision SET last = 2`, "the last journal entry is revision 3, and the last revision 2"},
		{"items of no entry", `INSERT INTO journal_items VALUES (9, 'v:x', '\x0101aa')`, "belong to no entry"},
		{"items that do not decode", `UPDATE journal_items SET data = '\x05ff' WHERE revision = 1`, "do not decode"},
		{"items misnumbered", `UPDATE journal_items SET data = '\x0201aa' WHERE revision = 1`, "not numbered 1 to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t, nil)
			svc := pricing.New(s)
			for i := range 3 {
				if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprint("cg_", i), Name: fmt.Sprint("G", i)}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Check(ctx); err != nil {
				t.Fatalf("Check before: %v", err)
			}
			if _, err := sharedPool(t).Exec(ctx, "SET search_path TO "+pgx.Identifier{s.Schema()}.Sanitize()+"; "+tc.sql+"; RESET search_path"); err != nil {
				t.Fatal(err)
			}
			err := s.Check(ctx)
			if !errors.Is(err, postgres.ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check: %v; want ErrCorrupt saying %q", err, tc.want)
			}
		})
	}
}

// A trim between two pages of a ReadJournal (here by the reader's own function, which
// may use the store) is reported, not skipped over.
func TestJournalTrimWhileReading(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, nil)
	svc := pricing.New(s, pricing.WithClock(func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }))
	for i := range 100 {
		if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprint("cg_", i), Name: fmt.Sprint("G", i)}); err != nil {
			t.Fatal(err)
		}
	}
	read := 0
	err := s.ReadJournal(ctx, 0, "", 0, func(e pricing.JournalEntry) bool {
		if read == 0 {
			if _, err := s.TrimJournal(ctx, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Error(err)
			}
		}
		read++
		return true
	})
	if !errors.Is(err, pricing.ErrTrimmed) || read == 0 || read == 100 {
		t.Fatalf("ReadJournal with a trim between its pages: %v after %d entries; want ErrTrimmed", err, read)
	}
}
