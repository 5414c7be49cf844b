package bolt_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// The journal on the bolt store: what storetest's journal rules cannot see (a file
// reopened, rollbacks of the file, its damage, Stores that share a database), and the
// Service's change feed over it.

// lastRev returns the store's last revision, failing the test on error.
func lastRev(t testing.TB, s pricing.Journal) int64 {
	t.Helper()
	rev, err := s.LastRevision(context.Background())
	if err != nil {
		t.Fatalf("LastRevision: %v", err)
	}
	return rev
}

// writeEntry runs an Update that writes a group and the entry of the next revision with
// an item of each key, and returns the entry.
func writeEntry(t testing.TB, s pricing.Store, at time.Time, keys ...string) pricing.JournalEntry {
	t.Helper()
	var e pricing.JournalEntry
	update(t, s, func(tx pricing.Tx) error {
		jt := tx.(pricing.JournalTx)
		rev, err := jt.Revision()
		if err != nil {
			return err
		}
		id := fmt.Sprintf("cg_%d", rev)
		if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: id, Name: id, CreatedAt: at}, id); err != nil {
			return err
		}
		e = pricing.JournalEntry{Revision: rev, At: at}
		for i, k := range keys {
			e.Items = append(e.Items, pricing.JournalItem{Key: k, Data: fmt.Appendf(nil, "revision %d item %d", rev, i)})
		}
		return jt.WriteJournal(e)
	})
	return e
}

// TestJournalSurvivesReopen: the Service's feed over a file, closed and opened again,
// is the same, and the next write takes the next revision; after a trim of every
// entry, the last revision still comes back from the file.
func TestJournalSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pricing.db")
	s, err := bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	clock := t0
	svc := pricing.New(s, pricing.WithClock(func() time.Time { return clock }), pricing.WithRetention(0))
	if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddCustomers(ctx, "vip", []string{"cus_1", "cus_2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "Sale", CustomerGroupIDs: []string{"vip"},
		Prices: []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 900}}}); err != nil {
		t.Fatal(err)
	}
	before, err := svc.Changes(ctx, 0, 0)
	if err != nil || len(before) != 3 {
		t.Fatalf("Changes: %d revisions, %v; want 3", len(before), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc = pricing.New(s, pricing.WithClock(func() time.Time { return clock }), pricing.WithRetention(0))
	after, err := svc.Changes(ctx, 0, 0)
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Fatalf("Changes after reopening: %+v, %v\nwant %+v", after, err, before)
	}
	clock = t0.Add(time.Hour)
	g, err := svc.UpdateCustomerGroup(ctx, "vip", pricing.CustomerGroupUpdate{Name: strPtr("V.I.P."), IfRevision: 1})
	if err != nil || g.Revision != 4 {
		t.Fatalf("update at the revision read before the reopen: revision %d, %v; want 4", g.Revision, err)
	}
	if n, err := s.TrimJournal(ctx, t0.Add(2*time.Hour)); err != nil || n != 4 {
		t.Fatalf("TrimJournal of every entry: %d, %v", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if rev := lastRev(t, s); rev != 4 {
		t.Errorf("LastRevision after trimming every entry and reopening: %d, want 4", rev)
	}
	if e := writeEntry(t, s, t0, "v:x"); e.Revision != 5 {
		t.Errorf("the next entry: revision %d, want 5", e.Revision)
	}
	if err := s.Check(ctx); err != nil {
		t.Error(err)
	}
}

func strPtr(s string) *string { return &s }

// TestJournalRollback: an Update that wrote its entry and then failed, panicked, or
// met an error applying its writes leaves no entry, no item, no index entry, and takes
// no revision; a refused entry leaves nothing either, and the Update can go on without
// one.
func TestJournalRollback(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	writeEntry(t, s, t0, "v:a")
	boom := errors.New("boom")
	entry := func(rev int64) pricing.JournalEntry {
		return pricing.JournalEntry{Revision: rev, At: t0, Items: []pricing.JournalItem{{Key: "v:a", Data: []byte("x")}, {Key: "c:b", Data: []byte("y")}}}
	}
	write := func(tx pricing.Tx) error {
		if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_rolled_back", Name: "x"}, "x"); err != nil {
			return err
		}
		return tx.(pricing.JournalTx).WriteJournal(entry(2))
	}
	if err := s.Update(ctx, func(tx pricing.Tx) error {
		if err := write(tx); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Update: %v, want fn's error", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "panic!" {
				t.Errorf("recovered %v, want the panic", r)
			}
		}()
		_ = s.Update(ctx, func(tx pricing.Tx) error {
			if err := write(tx); err != nil {
				return err
			}
			panic("panic!")
		})
	}()
	// A write that fails when the buffer is applied (a nested bucket where a price
	// would go) fails the commit: the entry goes with it.
	if err := s.DB().Update(func(btx *bbolt.Tx) error {
		_, err := btx.Bucket([]byte(bolt.DefaultBucket)).Bucket([]byte("prices")).CreateBucket([]byte("p_nested"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx pricing.Tx) error {
		if err := write(tx); err != nil {
			return err
		}
		return tx.PutPrice(pricing.Price{ID: "p_nested", VariantID: "v", CurrencyCode: "usd"})
	})
	if !errors.Is(err, berrors.ErrIncompatibleValue) {
		t.Fatalf("Update whose buffered write fails: %v, want bbolt's ErrIncompatibleValue", err)
	}
	if err := s.DB().Update(func(btx *bbolt.Tx) error {
		return btx.Bucket([]byte(bolt.DefaultBucket)).Bucket([]byte("prices")).DeleteBucket([]byte("p_nested"))
	}); err != nil {
		t.Fatal(err)
	}
	if rev := lastRev(t, s); rev != 1 {
		t.Errorf("LastRevision after rolled back entries: %d, want 1", rev)
	}
	if es := journalEntries(t, s, 0, ""); len(es) != 1 {
		t.Errorf("%d entries after rolled back ones, want 1", len(es))
	}
	if es := journalEntries(t, s, 0, "c:b"); len(es) != 0 {
		t.Errorf("the key index holds rolled back items: %+v", es)
	}

	// Refused entries: nothing is buffered, and the Update commits its other writes.
	for _, c := range []struct {
		name string
		e    pricing.JournalEntry
	}{
		{"another revision", pricing.JournalEntry{Revision: 3, At: t0}},
		{"revision 0", pricing.JournalEntry{At: t0}},
		{"an empty key", pricing.JournalEntry{Revision: 2, Items: []pricing.JournalItem{{Key: "v:a"}, {Key: ""}}}},
		{"a key too long", pricing.JournalEntry{Revision: 2, Items: []pricing.JournalItem{{Key: "v:a"}, {Key: strings.Repeat("k", 9000)}}}},
	} {
		update(t, s, func(tx pricing.Tx) error {
			if err := tx.(pricing.JournalTx).WriteJournal(c.e); err == nil {
				t.Errorf("WriteJournal of an entry of %s: no error", c.name)
			}
			return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_" + c.name, Name: c.name}, c.name)
		})
		if rev := lastRev(t, s); rev != 1 {
			t.Errorf("LastRevision after an entry of %s: %d, want 1", c.name, rev)
		}
	}
	// In a View, there is no revision to take.
	view(t, s, func(tx pricing.Tx) error {
		jt := tx.(pricing.JournalTx)
		if _, err := jt.Revision(); !errors.Is(err, berrors.ErrTxNotWritable) {
			t.Errorf("Revision in a View: %v", err)
		}
		if err := jt.WriteJournal(entry(2)); !errors.Is(err, berrors.ErrTxNotWritable) {
			t.Errorf("WriteJournal in a View: %v", err)
		}
		if rev, err := jt.LastRevision(); rev != 1 || err != nil {
			t.Errorf("LastRevision in a View: %d, %v", rev, err)
		}
		return nil
	})
	if e := writeEntry(t, s, t0, "c:b"); e.Revision != 2 {
		t.Errorf("the entry after the rolled back ones: revision %d, want 2", e.Revision)
	}
	if es := journalEntries(t, s, 0, "c:b"); len(es) != 1 || es[0].Revision != 2 {
		t.Errorf("entries of c:b: %+v", es)
	}
}

// TestJournalReadsHonourTheContext: a read of many entries stops, with the context's
// error, soon after the context is done.
func TestJournalReadsHonourTheContext(t *testing.T) {
	s, _ := openTemp(t)
	update(t, s, func(tx pricing.Tx) error { return nil })
	for range 300 {
		writeEntry(t, s, t0, "v:a")
	}
	for _, key := range []string{"", "v:a"} {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := s.ReadJournal(ctx, 0, key, 0, func(pricing.JournalEntry) bool {
			n++
			cancel()
			return true
		})
		if !errors.Is(err, context.Canceled) || n >= 300 {
			t.Errorf("ReadJournal(key %q) canceled at its first entry: %v after %d entries", key, err, n)
		}
	}
}

// TestReadJournalPanicsGoOn: a panic in ReadJournal's function is the caller's: it
// comes out with its own value, and the store goes on.
func TestReadJournalPanicsGoOn(t *testing.T) {
	s, _ := openTemp(t)
	writeEntry(t, s, t0, "v:a", "v:b")
	for _, key := range []string{"", "v:b"} {
		v := &callerPanic{"ReadJournal " + key}
		func() {
			defer func() {
				if r := recover(); r != v {
					t.Errorf("recovered %v, want the caller's panic", r)
				}
			}()
			_ = s.ReadJournal(context.Background(), 0, key, 0, func(pricing.JournalEntry) bool { panic(v) })
			t.Error("no panic")
		}()
	}
	if e := writeEntry(t, s, t0, "v:c"); e.Revision != 2 {
		t.Errorf("revision after the panics: %d", e.Revision)
	}
}

// TestWaitJournalSharedDatabase: two Stores on the same root bucket of a host's
// database wake each other's WaitJournal; a Store on another root bucket is not
// woken by them, and Close wakes its own waiters with ErrClosed.
func TestWaitJournalSharedDatabase(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "host.db"), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	open := func(bucket string) *bolt.Store {
		s, err := bolt.New(db, &bolt.Options{Bucket: bucket})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a, b, other := open("pricing"), open("pricing"), open("other")
	type result struct {
		rev int64
		err error
	}
	wait := func(s *bolt.Store, after int64) <-chan result {
		ch := make(chan result, 1)
		go func() {
			rev, err := s.WaitJournal(context.Background(), after)
			ch <- result{rev, err}
		}()
		return ch
	}
	woken, otherWoken := wait(a, 0), wait(other, 0)
	time.Sleep(20 * time.Millisecond)
	writeEntry(t, b, t0, "v:a")
	select {
	case r := <-woken:
		if r.rev != 1 || r.err != nil {
			t.Errorf("WaitJournal on the other Store: %d, %v; want 1", r.rev, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a commit through one Store did not wake the other's WaitJournal")
	}
	select {
	case r := <-otherWoken:
		t.Fatalf("WaitJournal on another root bucket returned %d, %v", r.rev, r.err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-otherWoken:
		if !errors.Is(r.err, pricing.ErrClosed) {
			t.Errorf("WaitJournal when its Store closed: %d, %v; want ErrClosed", r.rev, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake WaitJournal")
	}
	// A's waiters stay woken by B after another Store of theirs closed.
	woken = wait(a, 1)
	if err := open("pricing").Close(); err != nil {
		t.Fatal(err)
	}
	writeEntry(t, b, t0, "v:a")
	select {
	case r := <-woken:
		if r.rev != 2 || r.err != nil {
			t.Errorf("WaitJournal(1): %d, %v; want 2", r.rev, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitJournal(1) was not woken")
	}
}

// Raw keys of the journal, spelled again here to damage files by hand.
func revKey(rev int64) string { return string(binary.BigEndian.AppendUint64(nil, uint64(rev))) }
func itemKeyOf(rev int64, seq uint32) string {
	return revKey(rev) + string(binary.BigEndian.AppendUint32(nil, seq))
}
func keyIndexOf(key string, rev int64, seq uint32) string { return lp(key) + itemKeyOf(rev, seq) }

// journalFixture writes three entries: 1 {v:a}, 2 {v:a, c:b}, 3 {v:b}.
func journalFixture(t testing.TB, s pricing.Store) {
	t.Helper()
	writeEntry(t, s, t0, "v:a")
	writeEntry(t, s, t0.Add(time.Hour), "v:a", "c:b")
	writeEntry(t, s, t0.Add(2*time.Hour), "v:b")
}

// rawEdit is a write of raw bytes into a bucket of the root bucket ("" for the root
// bucket itself).
type rawEdit struct {
	bucket, key string
	value       []byte // nil: delete
}

// editRaw makes edits in the store's file with bbolt alone.
func editRaw(t *testing.T, s *bolt.Store, edits ...rawEdit) {
	t.Helper()
	if err := s.DB().Update(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte(bolt.DefaultBucket))
		for _, e := range edits {
			b := root
			if e.bucket != "" {
				b = root.Bucket([]byte(e.bucket))
			}
			if e.value == nil {
				if !hasKey(b, e.key) {
					t.Fatalf("%s: no key %q to delete", e.bucket, e.key)
				}
				if err := b.Delete([]byte(e.key)); err != nil {
					return err
				}
			} else if err := b.Put([]byte(e.key), e.value); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestCheckFindsCorruptJournal damages the journal one way at a time, with raw bbolt
// writes, and expects Check to name the problem.
func TestCheckFindsCorruptJournal(t *testing.T) {
	entry := func(items byte) []byte { return append(append([]byte{1}, unhexT(t, "01 188ae5bc304f4d15")...), items) }
	for _, c := range []struct {
		name  string
		edits []rawEdit
		want  []string
	}{
		{"item deleted", []rawEdit{{"journal_items", itemKeyOf(2, 1), nil}},
			[]string{"revision 2 counts 2 items, journal_items holds 1", `key "c:b" revision 2 item 1: item missing`}},
		{"item without an entry", []rawEdit{{"journal_items", itemKeyOf(9, 0), []byte("\x01\x03v:ax")}},
			[]string{"no entry of revision 9"}},
		{"items out of place", []rawEdit{{"journal_items", itemKeyOf(2, 1), nil}, {"journal_items", itemKeyOf(2, 5), []byte("\x01\x03c:bx")}},
			[]string{"revision 2: item 5 where item 1 was due"}},
		{"an item's key index entry deleted", []rawEdit{{"journal_keys", keyIndexOf("c:b", 2, 1), nil}},
			[]string{`revision 2 item 1: journal_keys entry for key "c:b" missing`}},
		{"a key index entry of another key", []rawEdit{{"journal_keys", keyIndexOf("v:zz", 2, 0), []byte{}}},
			[]string{`key "v:zz" revision 2 item 0: the item's key is "v:a"`}},
		{"a key index entry without its item", []rawEdit{{"journal_keys", keyIndexOf("v:a", 7, 0), []byte{}}},
			[]string{`key "v:a" revision 7 item 0: item missing`}},
		{"a key index entry with a value", []rawEdit{{"journal_keys", keyIndexOf("v:a", 1, 0), []byte("x")}},
			[]string{"value of 1 bytes in a key-only index"}},
		{"a bad key index key", []rawEdit{{"journal_keys", lp("v:a") + "short", []byte{}}},
			[]string{"journal_keys: bad key"}},
		{"an entry beyond the last revision", []rawEdit{{"journal", revKey(4), entry(0)}},
			[]string{"revision 4, beyond the last revision 3", "the last entry is revision 4, the last revision 3"}},
		{"a revision missing", []rawEdit{{"journal", revKey(2), nil}},
			[]string{"revision 3 follows revision 1", "no entry of revision 2"}},
		{"an entry of revision 0", []rawEdit{{"journal", revKey(0), entry(0)}},
			[]string{"journal: bad key"}},
		{"last revision missing", []rawEdit{{"", "last_revision", nil}},
			[]string{"root bucket: no last_revision"}},
		{"last revision undecodable", []rawEdit{{"", "last_revision", []byte("\x01abc")}},
			[]string{`key "last_revision": bad last revision`}},
		{"last revision behind the journal", []rawEdit{{"", "last_revision", append([]byte{1}, revKey(2)...)}},
			[]string{"revision 3, beyond the last revision 2"}},
		{"entry undecodable", []rawEdit{{"journal", revKey(2), []byte("\x01\x07")}},
			[]string{"bucket journal, key " + strconv.Quote(revKey(2)) + ": bad journal entry"}},
		{"entry of an unknown format", []rawEdit{{"journal", revKey(2), []byte("\x02\x00\x02")}},
			[]string{"value of format 2, this package reads format 1"}},
		{"entry counting more items", []rawEdit{{"journal", revKey(3), entry(4)}},
			[]string{"revision 3 counts 4 items, journal_items holds 1"}},
		{"item undecodable", []rawEdit{{"journal_items", itemKeyOf(2, 0), []byte("\x01\x00")}},
			[]string{"bucket journal_items, key " + strconv.Quote(itemKeyOf(2, 0)) + ": bad journal item"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := bolt.Open(filepath.Join(t.TempDir(), "pricing.db"), &bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			journalFixture(t, s)
			if err := s.Check(context.Background()); err != nil {
				t.Fatalf("Check before the damage: %v", err)
			}
			editRaw(t, s, c.edits...)
			err = s.Check(context.Background())
			if !errors.Is(err, bolt.ErrCorrupt) {
				t.Fatalf("Check: %v, want ErrCorrupt", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// unhexT decodes a hex literal with spaces.
func unhexT(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJournalReadsReportCorruption: reads of a damaged journal fail with an error that
// wraps ErrCorrupt and names the bucket and key, and an entry is not written over one
// that a damaged last revision does not count.
func TestJournalReadsReportCorruption(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		edits []rawEdit
		read  func(s *bolt.Store) error
		want  string
	}{
		{"an item missing", []rawEdit{{"journal_items", itemKeyOf(2, 1), nil}},
			func(s *bolt.Store) error {
				return s.ReadJournal(ctx, 0, "", 0, func(pricing.JournalEntry) bool { return true })
			},
			"an entry of 2 items, of which journal_items holds 1"},
		{"an item missing, read by key", []rawEdit{{"journal_items", itemKeyOf(2, 1), nil}},
			func(s *bolt.Store) error {
				return s.ReadJournal(ctx, 0, "c:b", 0, func(pricing.JournalEntry) bool { return true })
			},
			"bucket journal_keys, key " + strconv.Quote(keyIndexOf("c:b", 2, 1)) + ": item missing"},
		{"an item of another key, read by key", []rawEdit{{"journal_keys", keyIndexOf("v:zz", 2, 0), []byte{}}},
			func(s *bolt.Store) error {
				return s.ReadJournal(ctx, 0, "v:zz", 0, func(pricing.JournalEntry) bool { return true })
			},
			`which journal_keys files under "v:zz"`},
		{"an entry missing, read by key", []rawEdit{{"journal", revKey(3), nil}},
			func(s *bolt.Store) error {
				return s.ReadJournal(ctx, 0, "v:b", 0, func(pricing.JournalEntry) bool { return true })
			},
			"bucket journal, key " + strconv.Quote(revKey(3)) + ": entry missing"},
		{"an entry undecodable", []rawEdit{{"journal", revKey(2), []byte("\x01\x07")}},
			func(s *bolt.Store) error {
				return s.ReadJournal(ctx, 1, "", 1, func(pricing.JournalEntry) bool { return true })
			},
			"bucket journal, key " + strconv.Quote(revKey(2)) + ": bad journal entry"},
		{"an item undecodable", []rawEdit{{"journal_items", itemKeyOf(3, 0), []byte("\x01\x09v:b")}},
			func(s *bolt.Store) error {
				return s.ReadJournal(ctx, 0, "v:b", 0, func(pricing.JournalEntry) bool { return true })
			},
			"bucket journal_items, key " + strconv.Quote(itemKeyOf(3, 0)) + ": bad journal item"},
		{"last revision missing", []rawEdit{{"", "last_revision", nil}},
			func(s *bolt.Store) error { _, err := s.LastRevision(ctx); return err },
			"no last_revision"},
		{"last revision missing, a Service write", []rawEdit{{"", "last_revision", nil}},
			func(s *bolt.Store) error {
				_, err := pricing.New(s).CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "x"})
				return err
			},
			"no last_revision"},
		{"last revision behind the journal: WriteJournal", []rawEdit{{"", "last_revision", append([]byte{1}, revKey(2)...)}},
			func(s *bolt.Store) error {
				return s.Update(ctx, func(tx pricing.Tx) error {
					return tx.(pricing.JournalTx).WriteJournal(pricing.JournalEntry{Revision: 3, At: t0})
				})
			},
			"bucket journal, key " + strconv.Quote(revKey(3)) + ": an entry beyond the last revision 2"},
		{"an entry undecodable: TrimJournal", []rawEdit{{"journal", revKey(1), []byte("\x01\x07")}},
			func(s *bolt.Store) error { _, err := s.TrimJournal(ctx, t0.Add(time.Hour)); return err },
			"bad journal entry"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := bolt.Open(filepath.Join(t.TempDir(), "pricing.db"), &bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			journalFixture(t, s)
			editRaw(t, s, c.edits...)
			err = c.read(s)
			if !errors.Is(err, bolt.ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want ErrCorrupt saying %q", err, c.want)
			}
		})
	}
}
