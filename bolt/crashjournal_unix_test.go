//go:build unix

package bolt_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// The crash test of the journal. A child process (TestCrashJournalChild) writes through
// a pricing.Service with fsync on, one Service operation at a time, and logs each: a
// "B" line before it and an "A" line, fsynced, after it returned, with the revision
// the store was at then (the child is the only writer). The parent kills the child
// with SIGKILL at a random moment, reopens the file, runs Check, and reads the change
// feed (Service.Changes from revision 0): it must hold revisions 1 to the last one,
// each change's old record must be the record as the changes before it left it, and
// replaying every change must give exactly the records of the store. The last
// revision must be that of the last acknowledged operation, or one more (the
// operation that was running may have committed).

const crashJournalDirEnv = "BOLT_CRASH_JOURNAL_DIR"

// TestCrashJournalChild is the writer of TestCrashJournal; run alone, it skips.
func TestCrashJournalChild(t *testing.T) {
	dir := os.Getenv(crashJournalDirEnv)
	if dir == "" {
		t.Skip("the child of TestCrashJournal")
	}
	run, err := strconv.Atoi(os.Getenv(crashRunEnv))
	if err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(filepath.Join(dir, "pricing.db"), &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	log, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("ops-%03d.log", run)), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	c := &journalChild{
		svc: pricing.New(s, pricing.WithRetention(0)), log: log, run: run,
		rng: rand.New(rand.NewPCG(uint64(run), 0x10e)),
	}
	for seq := 0; ; seq++ {
		if err := c.step(seq); err != nil {
			t.Fatalf("op %d: %v", seq, err)
		}
	}
}

// journalChild is the state of one child run: the groups and lists it created.
type journalChild struct {
	svc    *pricing.Service
	log    *os.File
	run    int
	rng    *rand.Rand
	next   int
	groups []string
	lists  []string
}

func (c *journalChild) newID(kind string) string {
	c.next++
	return fmt.Sprintf("r%d-%s%d", c.run, kind, c.next)
}

// prices returns n price inputs of distinct keys.
func (c *journalChild) prices(n int) []pricing.PriceInput {
	out := make([]pricing.PriceInput, n)
	for i := range out {
		out[i] = pricing.PriceInput{VariantID: fmt.Sprintf("var_%04d", i/2), CurrencyCode: []string{"usd", "eur"}[i%2],
			Amount: int64(100 + c.rng.IntN(900))}
	}
	return out
}

func (c *journalChild) customers() []string {
	out := make([]string, 1+c.rng.IntN(20))
	for i := range out {
		out[i] = fmt.Sprintf("cus_%03d", c.rng.IntN(200))
	}
	return out
}

// step runs one Service operation: log its intent, run it, log and fsync its
// acknowledgement with the store's revision.
func (c *journalChild) step(seq int) error {
	ctx := context.Background()
	r := c.rng
	size := func() int {
		if r.IntN(10) == 0 {
			return 300 + r.IntN(700) // now and then a big bulk write
		}
		return 1 + r.IntN(60)
	}
	pick := func(ids []string) string { return ids[r.IntN(len(ids))] }
	var (
		kind string
		op   func() error
	)
	switch k := r.IntN(100); {
	case k < 12 || len(c.groups) == 0:
		id := c.newID("g")
		kind, op = "group", func() error {
			_, err := c.svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: id, Name: id, Metadata: map[string]any{"run": float64(c.run)}})
			c.groups = append(c.groups, id)
			return err
		}
	case k < 22:
		kind, op = "add", func() error { return c.svc.AddCustomers(ctx, pick(c.groups), c.customers()) }
	case k < 28:
		kind, op = "remove", func() error { return c.svc.RemoveCustomers(ctx, pick(c.groups), c.customers()) }
	case k < 45 || len(c.lists) == 0:
		id := c.newID("l")
		var audience []string
		for _, g := range c.groups {
			if r.IntN(len(c.groups)) < 2 {
				audience = append(audience, g)
			}
		}
		kind, op = "list", func() error {
			_, err := c.svc.CreatePriceList(ctx, pricing.NewPriceList{ID: id, Name: id, Status: pricing.Active,
				CustomerGroupIDs: audience, Prices: c.prices(size())})
			c.lists = append(c.lists, id)
			return err
		}
	case k < 65:
		kind, op = "prices", func() error {
			_, err := c.svc.AddPrices(ctx, pick(c.lists), c.prices(size()), r.IntN(2) == 0)
			return err
		}
	case k < 75:
		variant := fmt.Sprintf("r%d-bv%d", c.run, r.IntN(5))
		kind, op = "base", func() error {
			prices := c.prices(1 + r.IntN(2))
			for i := range prices {
				prices[i].VariantID = ""
			}
			_, err := c.svc.SetBasePrices(ctx, variant, prices)
			return err
		}
	case k < 85:
		name, tax := c.newID("name"), r.IntN(2) == 0
		kind, op = "rename", func() error {
			_, err := c.svc.UpdatePriceList(ctx, pick(c.lists), pricing.PriceListUpdate{Name: &name, IncludesTax: &tax})
			return err
		}
	case k < 92:
		i := r.IntN(len(c.lists))
		kind, op = "dellist", func() error {
			err := c.svc.DeletePriceList(ctx, c.lists[i])
			c.lists = slices.Delete(c.lists, i, i+1)
			return err
		}
	default:
		i := r.IntN(len(c.groups))
		kind, op = "delgroup", func() error {
			err := c.svc.DeleteCustomerGroup(ctx, c.groups[i])
			if errors.Is(err, pricing.ErrConflict) {
				return nil // a list names it: nothing written
			}
			c.groups = slices.Delete(c.groups, i, i+1)
			return err
		}
	}
	if _, err := fmt.Fprintf(c.log, "B %d %s .\n", seq, kind); err != nil {
		return err
	}
	if err := op(); err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	rev, err := c.svc.Revision(ctx)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(c.log, "A %d %d .\n", seq, rev); err != nil {
		return err
	}
	return c.log.Sync()
}

// readJournalOps returns the revisions that a run's log acknowledged, in order, and
// whether an operation was running when the child died. Lines cut short by the kill
// lack the final " ." and are ignored.
func readJournalOps(path string) (acked []int64, running bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, false, nil
		}
		return nil, false, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[len(f)-1] != "." {
			continue
		}
		switch {
		case f[0] == "B" && len(f) == 4:
			running = true
		case f[0] == "A" && len(f) == 4:
			rev, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return nil, false, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			acked, running = append(acked, rev), false
		}
	}
	return acked, running, nil
}

// feedState is the records that a replay of the change feed makes.
type feedState struct {
	groups  map[string]pricing.CustomerGroup
	members map[[2]string]bool
	lists   map[string]pricing.PriceList
	prices  map[string]pricing.Price
}

func newFeedState() *feedState {
	return &feedState{map[string]pricing.CustomerGroup{}, map[[2]string]bool{}, map[string]pricing.PriceList{}, map[string]pricing.Price{}}
}

// replayRecord applies a change to one kind of record: the old record the change
// carries must be the one the state holds (none for a create), and the new one
// replaces it (none for a delete).
func replayRecord[T any](m map[string]T, id string, op pricing.ChangeOp, old, rec *T) error {
	have, ok := m[id]
	switch {
	case op == pricing.OpCreate && ok:
		return fmt.Errorf("created, but the feed already has it: %+v", have)
	case op != pricing.OpCreate && (!ok || old == nil || !reflect.DeepEqual(*old, have)):
		return fmt.Errorf("%s from %+v, but the feed has %+v (present %v)", op, old, have, ok)
	case op == pricing.OpDelete:
		delete(m, id)
	case rec == nil:
		return errors.New("no record after the change")
	default:
		m[id] = *rec
	}
	return nil
}

// apply replays one change.
func (f *feedState) apply(c pricing.Change) error {
	switch c.Kind {
	case pricing.KindCustomerGroup:
		return replayRecord(f.groups, c.ID, c.Op, c.OldCustomerGroup, c.CustomerGroup)
	case pricing.KindPriceList:
		return replayRecord(f.lists, c.ID, c.Op, c.OldPriceList, c.PriceList)
	case pricing.KindPrice:
		return replayRecord(f.prices, c.ID, c.Op, c.OldPrice, c.Price)
	case pricing.KindMembership:
		k := [2]string{c.ID, c.CustomerID}
		if f.members[k] == (c.Op == pricing.OpCreate) {
			return fmt.Errorf("membership %s, but the feed has it %v", c.Op, f.members[k])
		}
		if c.Op == pricing.OpCreate {
			f.members[k] = true
		} else {
			delete(f.members, k)
		}
		return nil
	}
	return fmt.Errorf("unknown kind %q", c.Kind)
}

// storeState reads every record of s.
func storeState(s pricing.Store) (*feedState, error) {
	st := newFeedState()
	err := s.View(context.Background(), func(tx pricing.Tx) error {
		groups, err := collect(tx.CustomerGroups)
		if err != nil {
			return err
		}
		for _, g := range groups {
			st.groups[g.ID] = g
			if err := tx.Members(g.ID, 0, func(c string) bool { st.members[[2]string{g.ID, c}] = true; return true }); err != nil {
				return err
			}
		}
		lists, err := collect(tx.PriceLists)
		if err != nil {
			return err
		}
		for _, pl := range lists {
			st.lists[pl.ID] = pl
		}
		prices, err := collect(tx.Prices)
		for _, p := range prices {
			st.prices[p.ID] = p
		}
		return err
	})
	return st, err
}

// diffStates describes how the maps of a and b differ, at most a few records of each
// kind, "" when they do not.
func diffStates(a, b *feedState) string {
	var out strings.Builder
	diff := func(kind string, ma, mb map[string]any) {
		n := 0
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			seen := map[string]bool{}
			for k := range ma {
				seen[k] = true
				if !yield(k) {
					return
				}
			}
			for k := range mb {
				if !seen[k] && !yield(k) {
					return
				}
			}
		}) {
			va, oka := ma[k]
			vb, okb := mb[k]
			if oka != okb || !reflect.DeepEqual(va, vb) {
				if n++; n <= 3 {
					fmt.Fprintf(&out, "%s %s: feed %+v (%v), store %+v (%v)\n", kind, k, va, oka, vb, okb)
				}
			}
		}
		if n > 3 {
			fmt.Fprintf(&out, "%s: %d more\n", kind, n-3)
		}
	}
	generic := func(m any) map[string]any {
		out := map[string]any{}
		v := reflect.ValueOf(m)
		for _, k := range v.MapKeys() {
			out[fmt.Sprint(k.Interface())] = v.MapIndex(k).Interface()
		}
		return out
	}
	diff("group", generic(a.groups), generic(b.groups))
	diff("membership", generic(a.members), generic(b.members))
	diff("list", generic(a.lists), generic(b.lists))
	diff("price", generic(a.prices), generic(b.prices))
	return out.String()
}

// TestCrashJournal kills a child that writes through a Service at random moments, at
// least 10 times, and after each kill checks the file and its change feed against its
// records and the acknowledged revisions.
func TestCrashJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: starts and kills child processes for up to half a minute")
	}
	dir := t.TempDir()
	var (
		last       int64 // the last revision after the runs before
		revisions  int   // acknowledged operations that took a revision
		inFlight   int   // operations running at the kill that committed
		lastChange int   // changes in the feed after the last run
	)
	kills := killChildren(t, "TestCrashJournalChild", crashJournalDirEnv, dir, 10, 30, 15*time.Second, func(run int) {
		acked, running, err := readJournalOps(filepath.Join(dir, fmt.Sprintf("ops-%03d.log", run)))
		if err != nil {
			t.Fatal(err)
		}
		s, err := bolt.Open(filepath.Join(dir, "pricing.db"), nil)
		if err != nil {
			t.Fatalf("run %d: reopen after kill: %v", run, err)
		}
		defer s.Close()
		ctx := context.Background()
		if err := s.Check(ctx); err != nil {
			t.Errorf("run %d: Check after kill: %v", run, err)
		}
		rev, err := s.LastRevision(ctx)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		// The acknowledged revisions: from the last one before, ascending, and the
		// last revision is the last of them, or one more when an operation was running.
		ackedLast := last
		for _, a := range acked {
			if a < ackedLast {
				t.Errorf("run %d: an operation acknowledged revision %d after %d", run, a, ackedLast)
			}
			if a > ackedLast {
				revisions++
			}
			ackedLast = a
		}
		switch {
		case rev == ackedLast:
		case rev == ackedLast+1 && running:
			inFlight++
		default:
			t.Errorf("run %d: last revision %d; the last acknowledged is %d (an operation running: %v)", run, rev, ackedLast, running)
		}
		last = rev

		changes, err := pricing.New(s, pricing.WithRetention(0)).Changes(ctx, 0, 0)
		if err != nil {
			t.Fatalf("run %d: Changes: %v", run, err)
		}
		feed := newFeedState()
		lastChange = 0
		for i, cs := range changes {
			if cs.Revision != int64(i+1) {
				t.Fatalf("run %d: the feed's revision %d is number %d", run, cs.Revision, i+1)
			}
			for _, c := range cs.Changes {
				lastChange++
				if err := feed.apply(c); err != nil {
					t.Fatalf("run %d: revision %d: %s %s %s %s: %v", run, cs.Revision, c.Op, c.Kind, c.ID, c.CustomerID, err)
				}
			}
		}
		if int64(len(changes)) != rev {
			t.Errorf("run %d: the feed holds %d revisions, the last revision is %d", run, len(changes), rev)
		}
		store, err := storeState(s)
		if err != nil {
			t.Fatalf("run %d: reading the store: %v", run, err)
		}
		if d := diffStates(feed, store); d != "" {
			t.Errorf("run %d: replaying the feed does not give the store's records:\n%s", run, d)
		}
	})
	t.Logf("kills %d, revisions acknowledged %d, running operations found committed %d; the feed holds %d revisions, %d changes",
		kills, revisions, inFlight, last, lastChange)
	if revisions == 0 {
		t.Error("no operation was acknowledged")
	}
}
