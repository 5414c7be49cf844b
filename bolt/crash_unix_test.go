//go:build unix

package bolt_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// The crash test. A child process (this test binary, running TestCrashChild) writes
// continuously through the pricing.Store interface with fsync on, and logs each
// operation twice: a "B" line before its Update and an "A" line, fsynced, after the
// Update returned. The parent kills the child with SIGKILL at a random moment, reopens
// the file, runs Check, and compares the store with a model of every acknowledged
// operation. Every operation is self-verifying, so a half-applied one shows whatever
// the log says:
//
//	group    a group whose name says its member count, created with that many members
//	members  all members of a group replaced by a new set, its name updated to match
//	list     a list whose name says its price count and generation, with that many
//	         prices whose amount is the generation and whose IDs name it
//	replace  a bulk replace: every price of a list deleted and new ones put, the name
//	         updated to the new count and the next generation
//	base     a variant's base prices replaced: each carries the count (MinQuantity)
//	         and the generation (Amount)
//	dellist, delgroup  a list, or a group that no list names, deleted
//
// The one operation that was running when the child died (begun, not acknowledged)
// may or may not have committed; the parent finds out which and folds it into the
// model. Anything else that differs from the model is a lost operation; a record that
// contradicts itself, or a failed Check, is a half-applied one.

const (
	crashDirEnv = "BOLT_CRASH_DIR"
	crashRunEnv = "BOLT_CRASH_RUN"
)

// crashOp is one logged operation: after it, entity id has state (a, b); deletes have
// state (-1, -1).
type crashOp struct {
	seq  int
	kind string
	id   string
	a, b int
}

func (o crashOp) line() string {
	return fmt.Sprintf("B %d %s %s %d %d .\n", o.seq, o.kind, o.id, o.a, o.b)
}

// entity is the key of a record in the model: its kind ("group", "list", "base")
// and ID.
type entity struct{ kind, id string }

func (o crashOp) entity() entity {
	switch o.kind {
	case "group", "members", "delgroup":
		return entity{"group", o.id}
	case "list", "replace", "dellist":
		return entity{"list", o.id}
	}
	return entity{"base", o.id}
}

// state is what the model holds for an entity: group: {members, 0}; list: {prices,
// generation}; base: {prices, generation}.
type state struct{ a, b int }

func (o crashOp) after() (state, bool) {
	if o.kind == "dellist" || o.kind == "delgroup" {
		return state{}, false
	}
	return state{o.a, o.b}, true
}

// TestCrashChild is the writer of TestCrashSafety; run alone, it skips.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("the child of TestCrashSafety")
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
	c := &crashChild{
		s: s, log: log, run: run, rng: rand.New(rand.NewPCG(uint64(run), 0x5eed)),
		refs: map[string]int{}, lists: map[string]*childList{}, bases: map[string]int{},
	}
	for seq := 0; ; seq++ {
		if err := c.step(seq); err != nil {
			t.Fatalf("op %d: %v", seq, err)
		}
	}
}

type childList struct {
	prices, gen int
	groups      []string
}

// crashChild is the state of one child run: what it created, so that later
// operations of the run can change it.
type crashChild struct {
	s      pricing.Store
	log    *os.File
	run    int
	rng    *rand.Rand
	next   int
	groups []string              // live groups of this run
	refs   map[string]int        // group → lists of this run naming it
	lists  map[string]*childList // live lists of this run
	bases  map[string]int        // base variant → generation
}

func (c *crashChild) newID(kind string) string {
	c.next++
	return fmt.Sprintf("r%d-%s%d", c.run, kind, c.next)
}

func (c *crashChild) liveLists() []string {
	ids := make([]string, 0, len(c.lists))
	for id := range c.lists {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// step runs one operation: log its intent, run its Update, log and fsync its
// acknowledgement.
func (c *crashChild) step(seq int) error {
	r := c.rng
	var (
		op crashOp
		fn func(pricing.Tx) error
	)
	size := func() int {
		if r.IntN(10) == 0 {
			return 500 + r.IntN(1500) // now and then a big bulk write
		}
		return 1 + r.IntN(150)
	}
	lists := c.liveLists()
	switch k := r.IntN(100); {
	case k < 15 || len(c.groups) == 0:
		id := c.newID("g")
		n := r.IntN(30)
		op, fn = crashOp{seq, "group", id, n, 0}, func(tx pricing.Tx) error { return setGroup(tx, id, n, r.IntN(1000)) }
		defer func() { c.groups = append(c.groups, id) }()
	case k < 30:
		id := c.groups[r.IntN(len(c.groups))]
		n := r.IntN(30)
		op, fn = crashOp{seq, "members", id, n, 0}, func(tx pricing.Tx) error { return setGroup(tx, id, n, r.IntN(1000)) }
	case k < 55 || len(lists) == 0:
		id := c.newID("l")
		l := &childList{prices: size()}
		for _, g := range c.groups {
			if r.IntN(len(c.groups)) < 2 {
				l.groups = append(l.groups, g)
			}
		}
		slices.Sort(l.groups)
		op, fn = crashOp{seq, "list", id, l.prices, 0}, func(tx pricing.Tx) error { return setList(tx, id, l, false) }
		defer func() {
			c.lists[id] = l
			for _, g := range l.groups {
				c.refs[g]++
			}
		}()
	case k < 80:
		id := lists[r.IntN(len(lists))]
		l := *c.lists[id]
		l.prices, l.gen = size(), l.gen+1
		op, fn = crashOp{seq, "replace", id, l.prices, l.gen}, func(tx pricing.Tx) error { return setList(tx, id, &l, true) }
		defer func() { *c.lists[id] = l }()
	case k < 90:
		id := fmt.Sprintf("r%d-bv%d", c.run, r.IntN(5))
		gen, n := c.bases[id]+1, 1+r.IntN(40)
		op, fn = crashOp{seq, "base", id, n, gen}, func(tx pricing.Tx) error { return setBase(tx, id, n, gen) }
		defer func() { c.bases[id] = gen }()
	case k < 95:
		id := lists[r.IntN(len(lists))]
		op, fn = crashOp{seq, "dellist", id, -1, -1}, func(tx pricing.Tx) error { return tx.DeletePriceList(id) }
		defer func() {
			for _, g := range c.lists[id].groups {
				c.refs[g]--
			}
			delete(c.lists, id)
		}()
	default:
		i := slices.IndexFunc(c.groups, func(g string) bool { return c.refs[g] == 0 })
		if i < 0 {
			return c.step(seq)
		}
		id := c.groups[i]
		op, fn = crashOp{seq, "delgroup", id, -1, -1}, func(tx pricing.Tx) error { return tx.DeleteCustomerGroup(id) }
		defer func() { c.groups = slices.Delete(c.groups, i, i+1) }()
	}
	if _, err := io.WriteString(c.log, op.line()); err != nil {
		return err
	}
	if err := c.s.Update(context.Background(), fn); err != nil {
		return fmt.Errorf("%s: %w", strings.TrimSpace(op.line()), err)
	}
	if _, err := fmt.Fprintf(c.log, "A %d .\n", seq); err != nil {
		return err
	}
	return c.log.Sync()
}

// setGroup creates group id, or replaces its members, with n members.
func setGroup(tx pricing.Tx, id string, n, first int) error {
	var old []string
	if err := tx.Members(id, 0, func(c string) bool { old = append(old, c); return true }); err != nil {
		return err
	}
	for _, cus := range old {
		if err := tx.RemoveMember(id, cus); err != nil {
			return err
		}
	}
	now := time.Now().UTC().Round(0)
	g := pricing.CustomerGroup{ID: id, Name: fmt.Sprintf("%s K=%d", id, n), CreatedAt: now, UpdatedAt: now,
		Metadata: map[string]any{"members": float64(n)}}
	if err := tx.PutCustomerGroup(g, id); err != nil {
		return err
	}
	for i := range n {
		if err := tx.AddMember(id, fmt.Sprintf("cus_%05d", first+i)); err != nil {
			return err
		}
	}
	return nil
}

// setList creates list id, or replaces all its prices, with l.prices prices of
// generation l.gen.
func setList(tx pricing.Tx, id string, l *childList, replace bool) error {
	if replace {
		var old []string
		if err := tx.PricesOfList(id, func(p pricing.Price) bool { old = append(old, p.ID); return true }); err != nil {
			return err
		}
		for _, pid := range old {
			if err := tx.DeletePrice(pid); err != nil {
				return err
			}
		}
	}
	pl := pricing.PriceList{
		ID: id, Name: fmt.Sprintf("n=%d gen=%d", l.prices, l.gen), Type: pricing.Sale, Status: pricing.Active,
		CustomerGroupIDs: l.groups, CreatedAt: time.Now().UTC().Round(0),
	}
	if err := tx.PutPriceList(pl); err != nil {
		return err
	}
	for i := range l.prices {
		p := pricing.Price{
			ID: fmt.Sprintf("%s-g%d-%d", id, l.gen, i), PriceListID: id, VariantID: fmt.Sprintf("var_%04d", i),
			CurrencyCode: "usd", Amount: int64(l.gen),
		}
		if err := tx.PutPrice(p); err != nil {
			return err
		}
	}
	return nil
}

// setBase replaces the base prices of variant id with n prices of generation gen.
func setBase(tx pricing.Tx, id string, n, gen int) error {
	var old []string
	if err := tx.PricesOfVariant(id, func(p pricing.Price) bool {
		if p.PriceListID == "" {
			old = append(old, p.ID)
		}
		return true
	}); err != nil {
		return err
	}
	for _, pid := range old {
		if err := tx.DeletePrice(pid); err != nil {
			return err
		}
	}
	for i := range n {
		p := pricing.Price{
			ID: fmt.Sprintf("%s-g%d-%d", id, gen, i), VariantID: id, CurrencyCode: "eur",
			RegionID: fmt.Sprintf("reg_%d", i), MinQuantity: int64(n), Amount: int64(gen),
		}
		if err := tx.PutPrice(p); err != nil {
			return err
		}
	}
	return nil
}

// readOps returns the operations of a run's log, and which were acknowledged. Lines
// cut short by the kill lack the final " ." and are ignored.
func readOps(path string) (ops []crashOp, acked map[int]bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	acked = map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[len(f)-1] != "." {
			continue
		}
		switch {
		case f[0] == "A" && len(f) == 3:
			seq, _ := strconv.Atoi(f[1])
			acked[seq] = true
		case f[0] == "B" && len(f) == 7:
			seq, _ := strconv.Atoi(f[1])
			a, _ := strconv.Atoi(f[4])
			b, _ := strconv.Atoi(f[5])
			ops = append(ops, crashOp{seq, f[2], f[3], a, b})
		}
	}
	return ops, acked, nil
}

// crashStats are the figures of the crash test.
type crashStats struct {
	kills, acked, inFlightCommitted, inFlightLost, lost, halfApplied int
}

// TestCrashSafety kills a writing child at random moments, at least 20 times, and
// after each kill checks the file and every acknowledged operation.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: starts and kills child processes for up to a minute")
	}
	dir := t.TempDir()
	model := map[entity]state{}
	var st crashStats
	st.kills = killChildren(t, "TestCrashChild", crashDirEnv, dir, 20, 40, 35*time.Second, func(run int) {
		verifyCrash(t, dir, run, model, &st)
	})
	t.Logf("kills %d, operations acknowledged %d, unacknowledged operation found committed %d / not committed %d, lost %d, half-applied %d",
		st.kills, st.acked, st.inFlightCommitted, st.inFlightLost, st.lost, st.halfApplied)
	if st.lost != 0 || st.halfApplied != 0 {
		t.Errorf("lost %d, half-applied %d: want 0 and 0", st.lost, st.halfApplied)
	}
}

// killChildren starts the test child of this binary (with dirEnv set to dir and
// crashRunEnv to the run's number) again and again, kills each with SIGKILL at a
// random moment, and calls verify after each kill, at least minKills times and then
// until minTime has passed, at most maxKills times, or until the test failed. It
// returns the number of kills.
func killChildren(t *testing.T, child, dirEnv, dir string, minKills, maxKills int, minTime time.Duration, verify func(run int)) int {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	deadline := time.Now().Add(minTime)
	kills := 0
	for kills < maxKills && (kills < minKills || time.Now().Before(deadline)) {
		run := kills
		cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
		cmd.Env = append(os.Environ(), dirEnv+"="+dir, crashRunEnv+"="+strconv.Itoa(run))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready, done := make(chan struct{}), make(chan struct{})
		var out bytes.Buffer // written by the reader until done
		go func() {
			defer close(done)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if sc.Text() == "ready" {
					close(ready)
				} else {
					out.WriteString(sc.Text() + "\n")
				}
			}
		}()
		// Most kills come while the child writes; one in eight comes at any moment
		// after the start, which may be while it opens (or creates) the file.
		var wait time.Duration
		if rng.IntN(8) == 0 {
			wait = time.Duration(rng.IntN(60)) * time.Millisecond
		} else {
			select {
			case <-ready:
			case <-done:
			case <-time.After(30 * time.Second):
			}
			wait = time.Duration(10+rng.IntN(400)) * time.Millisecond
		}
		kill := time.AfterFunc(wait, func() { _ = cmd.Process.Kill() }) // SIGKILL
		<-done                                                          // the child's stdout closes when it dies
		kill.Stop()
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("run %d: the child ended on its own (%v):\n%s%s", run, err, out.String(), stderr.String())
		}
		kills++
		verify(run)
		if t.Failed() {
			break
		}
	}
	return kills
}

// verifyCrash reopens the file after the kill of run, checks it, and checks the store
// against the model plus the run's operations; it folds them into the model.
func verifyCrash(t *testing.T, dir string, run int, model map[entity]state, st *crashStats) {
	t.Helper()
	ops, acked, err := readOps(filepath.Join(dir, fmt.Sprintf("ops-%03d.log", run)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(filepath.Join(dir, "pricing.db"), nil)
	if err != nil {
		st.halfApplied++
		t.Errorf("run %d: reopen after kill: %v", run, err)
		return
	}
	defer s.Close()
	if err := s.Check(context.Background()); err != nil {
		st.halfApplied++
		t.Errorf("run %d: Check after kill: %v", run, err)
	}
	got, half := readCrashState(t, s)
	st.halfApplied += half

	// Fold the acknowledged operations into the model; keep the one in flight.
	var inFlight *crashOp
	for i, o := range ops {
		if !acked[o.seq] {
			if i != len(ops)-1 {
				st.halfApplied++
				t.Errorf("run %d: operation %d was not acknowledged, yet the child went on", run, o.seq)
			}
			inFlight = &ops[i]
			continue
		}
		st.acked++
		if a, ok := o.after(); ok {
			model[o.entity()] = a
		} else {
			delete(model, o.entity())
		}
	}
	if inFlight != nil {
		e := inFlight.entity()
		a, exists := inFlight.after()
		g, inStore := got[e]
		if inStore == exists && (!exists || g == a) {
			st.inFlightCommitted++
			if exists {
				model[e] = a
			} else {
				delete(model, e)
			}
		} else {
			st.inFlightLost++
		}
	}
	for e, want := range model {
		if g, ok := got[e]; !ok || g != want {
			st.lost++
			t.Errorf("run %d: %s %s: store has %v (present %v), acknowledged state %v", run, e.kind, e.id, g, ok, want)
		}
	}
	for e, g := range got {
		if _, ok := model[e]; !ok {
			st.halfApplied++
			t.Errorf("run %d: %s %s is in the store (%v) but no acknowledged or running operation made it", run, e.kind, e.id, g)
		}
	}
}

// readCrashState reads every record of the crash test's store, checks that each one
// agrees with itself, and returns their states and the number that do not.
func readCrashState(t *testing.T, s pricing.Store) (map[entity]state, int) {
	t.Helper()
	got := map[entity]state{}
	half := 0
	bad := func(format string, args ...any) {
		half++
		t.Errorf("half-applied: "+format, args...)
	}
	err := s.View(context.Background(), func(tx pricing.Tx) error {
		groups, err := collect(tx.CustomerGroups)
		if err != nil {
			return err
		}
		for _, g := range groups {
			var k int
			if _, err := fmt.Sscanf(g.Name, g.ID+" K=%d", &k); err != nil {
				bad("group %s: name %q", g.ID, g.Name)
				continue
			}
			n, err := tx.CountMembers(g.ID)
			if err != nil {
				return err
			}
			var members []string
			if err := tx.Members(g.ID, 0, func(c string) bool { members = append(members, c); return true }); err != nil {
				return err
			}
			if n != k || len(members) != k || g.Metadata["members"] != float64(k) {
				bad("group %s says %d members, has %d (count %d, metadata %v)", g.ID, k, len(members), n, g.Metadata["members"])
			}
			got[entity{"group", g.ID}] = state{k, 0}
		}
		lists, err := collect(tx.PriceLists)
		if err != nil {
			return err
		}
		for _, pl := range lists {
			var n, gen int
			if _, err := fmt.Sscanf(pl.Name, "n=%d gen=%d", &n, &gen); err != nil {
				bad("list %s: name %q", pl.ID, pl.Name)
				continue
			}
			prices, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList(pl.ID, fn) })
			if err != nil {
				return err
			}
			if len(prices) != n {
				bad("list %s says %d prices of generation %d, has %d", pl.ID, n, gen, len(prices))
			}
			prefix := fmt.Sprintf("%s-g%d-", pl.ID, gen)
			for _, p := range prices {
				if p.Amount != int64(gen) || !strings.HasPrefix(p.ID, prefix) {
					bad("list %s of generation %d has price %s of amount %d", pl.ID, gen, p.ID, p.Amount)
					break
				}
			}
			for _, g := range pl.CustomerGroupIDs {
				if _, err := tx.CustomerGroup(g); err != nil {
					bad("list %s names group %s: %v", pl.ID, g, err)
				}
			}
			got[entity{"list", pl.ID}] = state{n, gen}
		}
		bases, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList("", fn) })
		if err != nil {
			return err
		}
		byVariant := map[string][]pricing.Price{}
		for _, p := range bases {
			byVariant[p.VariantID] = append(byVariant[p.VariantID], p)
		}
		for v, ps := range byVariant {
			n, gen := ps[0].MinQuantity, ps[0].Amount
			for _, p := range ps {
				if p.MinQuantity != n || p.Amount != gen || !strings.HasPrefix(p.ID, fmt.Sprintf("%s-g%d-", v, gen)) {
					bad("base prices of %s mix generations: %v", v, ps)
					break
				}
			}
			if int64(len(ps)) != n {
				bad("base prices of %s: %d of generation %d, each says %d", v, len(ps), gen, n)
			}
			got[entity{"base", v}] = state{int(n), int(gen)}
		}
		return nil
	})
	if err != nil {
		half++
		t.Errorf("reading the store after a kill: %v", err)
	}
	return got, half
}
