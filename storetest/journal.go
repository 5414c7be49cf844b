package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// journalRules check the optional capability pricing.Journal: each skips a store that
// does not have it.
var journalRules = []rule{
	{"Revisions", testJournalRevisions},
	{"EntryRoundTrip", testJournalRoundTrip},
	{"ReadAfterLimitKey", testJournalRead},
	{"OneEntryPerUpdate", testJournalOneEntry},
	{"Wait", testJournalWait},
	{"Trim", testJournalTrim},
	{"ConcurrentWriters", testJournalConcurrent},
	{"ContextAndClose", testJournalContextAndClose},
	{"RecordRevisions", testJournalRecordRevisions},
}

// journalOf returns the store's Journal, or skips the rule.
func journalOf(t *testing.T, s pricing.Store) pricing.Journal {
	t.Helper()
	j, ok := s.(pricing.Journal)
	if !ok {
		t.Skip("the store is not a pricing.Journal")
	}
	return j
}

// entry returns an entry of revision rev with an item of each key (in that order, a
// key possibly twice), as the Service would write.
func entry(rev int64, at time.Time, keys ...string) pricing.JournalEntry {
	e := pricing.JournalEntry{Revision: rev, At: at}
	for i, k := range keys {
		e.Items = append(e.Items, pricing.JournalItem{Key: k, Data: fmt.Appendf(nil, "rev %d item %d \x00\xff", rev, i)})
	}
	return e
}

// commit runs an Update that writes a group and the journal entry of its revision,
// and returns the entry.
func commit(t *testing.T, s pricing.Store, at time.Time, keys ...string) pricing.JournalEntry {
	t.Helper()
	var e pricing.JournalEntry
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		jt, ok := tx.(pricing.JournalTx)
		if !ok {
			return errors.New("the Tx of an Update of a Journal is not a pricing.JournalTx")
		}
		rev, err := jt.Revision()
		if err != nil {
			return err
		}
		id := fmt.Sprintf("cg_rev_%d", rev)
		if err := tx.PutCustomerGroup(sampleGroup(id, id, nil), id); err != nil {
			return err
		}
		e = entry(rev, at, keys...)
		return jt.WriteJournal(e)
	})
	if err != nil {
		t.Fatalf("Update with a journal entry: %v", err)
	}
	return e
}

// readAll returns the entries ReadJournal gives.
func readAll(t *testing.T, j pricing.Journal, after int64, key string, limit int) []pricing.JournalEntry {
	t.Helper()
	var out []pricing.JournalEntry
	if err := j.ReadJournal(t.Context(), after, key, limit, func(e pricing.JournalEntry) bool {
		out = append(out, e)
		return true
	}); err != nil {
		t.Fatalf("ReadJournal(%d, %q, %d): %v", after, key, limit, err)
	}
	return out
}

func revisionsOf(es []pricing.JournalEntry) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.Revision)
	}
	return out
}

func lastRevision(t *testing.T, j pricing.Journal) int64 {
	t.Helper()
	rev, err := j.LastRevision(t.Context())
	if err != nil {
		t.Fatalf("LastRevision: %v", err)
	}
	return rev
}

// An Update that writes an entry takes the next revision, 1 for the first; one that
// writes none, or fails, takes none.
func testJournalRevisions(t *testing.T, open opener) {
	s := open(t)
	j := journalOf(t, s)
	if rev := lastRevision(t, j); rev != 0 {
		t.Fatalf("LastRevision of an empty store: %d, want 0", rev)
	}
	commit(t, s, t0)
	write(t, s, putGroup(sampleGroup("cg_plain", "plain", nil), "plain")) // no entry
	failed := errors.New("rolled back")
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		jt := tx.(pricing.JournalTx)
		rev, err := jt.Revision()
		if err != nil {
			return err
		}
		if rev != 2 {
			t.Errorf("Revision in the third Update: %d, want 2", rev)
		}
		if err := jt.WriteJournal(entry(rev, t0)); err != nil {
			return err
		}
		return failed
	})
	wantErr(t, "Update that fails after its entry", err, failed)
	if rev := lastRevision(t, j); rev != 1 {
		t.Errorf("LastRevision after an Update without entry and a failed one: %d, want 1", rev)
	}
	e := commit(t, s, t0.Add(time.Second))
	if e.Revision != 2 {
		t.Errorf("the next entry has revision %d, want 2", e.Revision)
	}
	wantEqual(t, "revisions", revisionsOf(readAll(t, j, 0, "", 0)), []int64{1, 2})
	// The revision a transaction reads at: the last committed, in a View and in an
	// Update before its own entry.
	check := func(tx pricing.Tx, want int64, in string) {
		jt, ok := tx.(pricing.JournalTx)
		if !ok {
			t.Fatalf("the Tx of a %s of a Journal is not a pricing.JournalTx", in)
		}
		if rev, err := jt.LastRevision(); err != nil || rev != want {
			t.Errorf("LastRevision in a %s: %d, %v; want %d", in, rev, err, want)
		}
	}
	view(t, s, func(tx pricing.Tx) { check(tx, 2, "View") })
	update(t, s, func(tx pricing.Tx) { check(tx, 2, "Update") })
}

// An entry comes back exactly: revision, instant (in UTC, to the nanosecond), keys and
// bytes, and the caller owns what it gets.
func testJournalRoundTrip(t *testing.T, open opener) {
	s := open(t)
	j := journalOf(t, s)
	at := time.Date(2026, 3, 1, 8, 9, 10, 123456789, time.UTC)
	e := commit(t, s, at, "c:cus_1", "v:var_1", "v:ünïcode", "v:var_1")
	got := readAll(t, j, 0, "", 0)
	if len(got) != 1 {
		t.Fatalf("%d entries, want 1", len(got))
	}
	wantEqual(t, "entry", got[0], e)
	got[0].Items[0].Data[0], got[0].Items[0].Key = 'X', "MUTATED"
	wantEqual(t, "entry read again after the caller changed its copy", readAll(t, j, 0, "", 0)[0], e)
	byKey := readAll(t, j, 0, "v:var_1", 0)
	wantEqual(t, "the entry read by key: its items of that key, in order", byKey, []pricing.JournalEntry{
		{Revision: e.Revision, At: e.At, Items: []pricing.JournalItem{e.Items[1], e.Items[3]}},
	})
}

// ReadJournal reads the entries after a revision, in order, at most limit, by key, and
// stops when fn says so.
func testJournalRead(t *testing.T, open opener) {
	s := open(t)
	j := journalOf(t, s)
	keys := [][]string{{"v:a"}, {"v:b", "c:x"}, {"v:a", "c:x"}, {"g:z"}, {"v:b"}}
	for i, k := range keys {
		commit(t, s, t0.Add(time.Duration(i)*time.Second), k...)
	}
	for _, tc := range []struct {
		after int64
		key   string
		limit int
		want  []int64
	}{
		{0, "", 0, []int64{1, 2, 3, 4, 5}},
		{2, "", 0, []int64{3, 4, 5}},
		{0, "", 2, []int64{1, 2}},
		{5, "", 0, nil},
		{9, "", 0, nil},
		{0, "v:a", 0, []int64{1, 3}},
		{1, "v:a", 0, []int64{3}},
		{0, "c:x", 1, []int64{2}},
		{0, "v:none", 0, nil},
	} {
		wantEqual(t, fmt.Sprintf("ReadJournal(%d, %q, %d)", tc.after, tc.key, tc.limit), revisionsOf(readAll(t, j, tc.after, tc.key, tc.limit)), tc.want)
	}
	n := 0
	if err := j.ReadJournal(t.Context(), 0, "", 0, func(pricing.JournalEntry) bool { n++; return n < 2 }); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("ReadJournal went on after fn returned false: %d calls", n)
	}
}

// An Update writes one entry, of its own revision; another is an error that fails
// the Update, which leaves nothing.
func testJournalOneEntry(t *testing.T, open opener) {
	s := open(t)
	j := journalOf(t, s)
	for _, tc := range []struct {
		name  string
		write func(jt pricing.JournalTx, rev int64) error
	}{
		{"two entries", func(jt pricing.JournalTx, rev int64) error {
			if err := jt.WriteJournal(entry(rev, t0)); err != nil {
				return err
			}
			return jt.WriteJournal(entry(rev, t0))
		}},
		{"another revision", func(jt pricing.JournalTx, rev int64) error { return jt.WriteJournal(entry(rev+1, t0)) }},
	} {
		err := s.Update(t.Context(), func(tx pricing.Tx) error {
			jt := tx.(pricing.JournalTx)
			rev, err := jt.Revision()
			if err != nil {
				return err
			}
			return tc.write(jt, rev)
		})
		if err == nil {
			t.Errorf("%s: Update succeeded, want an error", tc.name)
		}
	}
	if rev := lastRevision(t, j); rev != 0 {
		t.Errorf("LastRevision after refused entries: %d, want 0", rev)
	}
}

// WaitJournal returns at once when a later revision is committed, else when one
// commits, or when ctx is done.
func testJournalWait(t *testing.T, open opener) {
	s := open(t)
	j := journalOf(t, s)
	commit(t, s, t0)
	if rev, err := j.WaitJournal(t.Context(), 0); err != nil || rev != 1 {
		t.Errorf("WaitJournal(0) with revision 1 committed: %d, %v", rev, err)
	}
	woke := make(chan int64, 1)
	go func() {
		rev, err := j.WaitJournal(t.Context(), 1)
		if err != nil {
			t.Errorf("WaitJournal(1): %v", err)
		}
		woke <- rev
	}()
	select {
	case rev := <-woke:
		t.Fatalf("WaitJournal(1) returned %d before revision 2", rev)
	case <-time.After(50 * time.Millisecond):
	}
	commit(t, s, t0)
	select {
	case rev := <-woke:
		if rev != 2 {
			t.Errorf("WaitJournal(1) woke with %d, want 2", rev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitJournal(1) did not wake after revision 2 committed")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := j.WaitJournal(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitJournal with nothing to wait for: %v, want the context's error", err)
	}
}

// TrimJournal deletes the entries before an instant, from the index too, and keeps
// the last revision.
func testJournalTrim(t *testing.T, open opener) {
	s := open(t)
	j := journalOf(t, s)
	for i := range 5 {
		commit(t, s, t0.Add(time.Duration(i)*time.Hour), "v:a")
	}
	n, err := j.TrimJournal(t.Context(), t0.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Errorf("TrimJournal: %d, %v; want 2 entries deleted", n, err)
	}
	wantEqual(t, "revisions after a trim", revisionsOf(readAll(t, j, 0, "", 0)), []int64{3, 4, 5})
	wantEqual(t, "revisions by key after a trim", revisionsOf(readAll(t, j, 0, "v:a", 0)), []int64{3, 4, 5})
	if n, err := j.TrimJournal(t.Context(), t0.Add(24*time.Hour)); err != nil || n != 3 {
		t.Errorf("TrimJournal of everything: %d, %v; want 3", n, err)
	}
	if rev := lastRevision(t, j); rev != 5 {
		t.Errorf("LastRevision after trimming every entry: %d, want 5", rev)
	}
	if e := commit(t, s, t0.Add(48*time.Hour)); e.Revision != 6 {
		t.Errorf("revision after a trim: %d, want 6", e.Revision)
	}
	wantEqual(t, "revisions", revisionsOf(readAll(t, j, 0, "", 0)), []int64{6})
}

// Concurrent writers get every revision once, and a reader that follows the journal
// never sees a revision appear below one it has read.
func testJournalConcurrent(t *testing.T, open opener) {
	s := open(t)
	j := journalOf(t, s)
	const writers, each = 4, 25
	done := make(chan struct{})
	var seen []int64
	var readErr error
	go func() {
		defer close(done)
		var last int64
		for last < writers*each {
			es := readAllErr(t.Context(), j, last)
			if es.err != nil {
				readErr = es.err
				return
			}
			for _, e := range es.entries {
				if e.Revision != last+1 {
					readErr = fmt.Errorf("after revision %d the reader got %d", last, e.Revision)
					return
				}
				last = e.Revision
				seen = append(seen, last)
			}
		}
	}()
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				commit(t, s, t0)
			}
		})
	}
	wg.Wait()
	<-done
	if readErr != nil {
		t.Fatal(readErr)
	}
	if len(seen) != writers*each || !slices.IsSorted(seen) {
		t.Errorf("the reader saw %d revisions, want %d in order", len(seen), writers*each)
	}
}

type readResult struct {
	entries []pricing.JournalEntry
	err     error
}

func readAllErr(ctx context.Context, j pricing.Journal, after int64) readResult {
	var r readResult
	r.err = j.ReadJournal(ctx, after, "", 0, func(e pricing.JournalEntry) bool { r.entries = append(r.entries, e); return true })
	return r
}

// Every Journal method returns the context's error when ctx is done, and ErrClosed
// after Close.
func testJournalContextAndClose(t *testing.T, open opener) {
	s := open(t)
	j := journalOf(t, s)
	commit(t, s, t0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func(ctx context.Context) error{
		"LastRevision": func(ctx context.Context) error { _, err := j.LastRevision(ctx); return err },
		"ReadJournal": func(ctx context.Context) error {
			return j.ReadJournal(ctx, 0, "", 0, func(pricing.JournalEntry) bool { return true })
		},
		"WaitJournal": func(ctx context.Context) error { _, err := j.WaitJournal(ctx, 5); return err },
		"TrimJournal": func(ctx context.Context) error { _, err := j.TrimJournal(ctx, t0); return err },
	}
	for name, call := range calls {
		wantErr(t, name+" with a canceled context", call(ctx), context.Canceled)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for name, call := range calls {
		wantErr(t, name+" after Close", call(t.Context()), pricing.ErrClosed)
	}
}

// A store with a journal keeps the revision that the Service stamps on each group,
// list and price, and gives it back from every read: a write of the same record at
// another revision replaces it.
func testJournalRecordRevisions(t *testing.T, open opener) {
	s := open(t)
	journalOf(t, s)
	f := baseFixture()
	for i := range f.groups {
		f.groups[i].g.Revision = int64(1 + i)
	}
	for i := range f.lists {
		f.lists[i].Revision = int64(10 + i)
	}
	for i := range f.prices {
		f.prices[i].Revision = int64(100 + i*1000) // one- and several-byte varints
	}
	f.prices[0].Revision = 1 << 40
	seed(t, s, f)
	check := func(f fixture) {
		t.Helper()
		view(t, s, func(tx pricing.Tx) {
			for _, gf := range f.groups {
				g, err := tx.CustomerGroup(gf.g.ID)
				wantNoErr(t, "CustomerGroup", err)
				wantEqual(t, "the revision of CustomerGroup "+gf.g.ID, g.Revision, gf.g.Revision)
			}
			groups, err := collect(tx.CustomerGroups)
			wantNoErr(t, "CustomerGroups", err)
			for _, g := range groups {
				wantEqual(t, "the revision of "+g.ID+" from CustomerGroups", g.Revision, f.group(g.ID).Revision)
			}
			for _, want := range f.lists {
				pl, err := tx.PriceList(want.ID)
				wantNoErr(t, "PriceList", err)
				wantEqual(t, "the revision of PriceList "+want.ID, pl.Revision, want.Revision)
			}
			lists, err := collect(tx.PriceLists)
			wantNoErr(t, "PriceLists", err)
			for _, pl := range lists {
				wantEqual(t, "the revision of "+pl.ID+" from PriceLists", pl.Revision, f.list(pl.ID).Revision)
			}
			var got []pricing.Price
			for _, want := range f.prices {
				p, err := tx.Price(want.ID)
				wantNoErr(t, "Price", err)
				got = append(got, p)
				ps, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList(want.PriceListID, fn) })
				wantNoErr(t, "PricesOfList", err)
				got = append(got, ps...)
				ps, err = collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfVariant(want.VariantID, fn) })
				wantNoErr(t, "PricesOfVariant", err)
				got = append(got, ps...)
				ps, err = tx.AppendVariantPrices(nil, want.VariantID, want.CurrencyCode)
				wantNoErr(t, "AppendVariantPrices", err)
				got = append(got, ps...)
			}
			ps, err := collect(tx.Prices)
			wantNoErr(t, "Prices", err)
			got = append(got, ps...)
			for _, p := range got {
				wantEqual(t, "the revision of "+p.ID+" from a read of prices", p.Revision, f.price(p.ID).Revision)
			}
		})
	}
	check(f)
	// Written again at other revisions, or with none.
	f.groups[0].g.Revision, f.lists[0].Revision, f.prices[0].Revision, f.prices[1].Revision = 0, 77, 78, 0
	write(t, s, putGroup(f.groups[0].g, f.groups[0].nameKey), putList(f.lists[0]), putPrice(f.prices[0]), putPrice(f.prices[1]))
	check(f)
}
