package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
)

// TestTrimJournalInBatches: a trim of many items runs as several Updates of at most
// trimBatch items (an entry with more goes alone), stops at the first entry that is
// not due, leaves a consistent file, and writes nothing when nothing is due.
func TestTrimJournalInBatches(t *testing.T) {
	defer func(n int) { trimBatch = n }(trimBatch)
	trimBatch = 5
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "pricing.db"), &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	// Entries 1 to 10 of 2 items each, an hour apart; entry 11 of 12 items; entry 12.
	for rev := int64(1); rev <= 12; rev++ {
		n := 2
		if rev == 11 {
			n = 12
		}
		e := pricing.JournalEntry{Revision: rev, At: t0.Add(time.Duration(rev) * time.Hour)}
		for i := range n {
			e.Items = append(e.Items, pricing.JournalItem{Key: fmt.Sprintf("v:%d", i%3), Data: []byte{byte(rev), byte(i)}})
		}
		if err := s.Update(ctx, func(tx pricing.Tx) error { return tx.(pricing.JournalTx).WriteJournal(e) }); err != nil {
			t.Fatal(err)
		}
	}
	txid := func() int {
		var id int
		if err := s.db.View(func(btx *bbolt.Tx) error { id = btx.ID(); return nil }); err != nil {
			t.Fatal(err)
		}
		return id
	}
	revisions := func(key string) []int64 {
		var out []int64
		if err := s.ReadJournal(ctx, 0, key, 0, func(e pricing.JournalEntry) bool { out = append(out, e.Revision); return true }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		before  time.Time
		deleted int
		updates int // write transactions
		left    []int64
	}{
		{t0, 0, 0, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},                           // nothing due: nothing written
		{t0.Add(3*time.Hour + time.Nanosecond), 3, 2, []int64{4, 5, 6, 7, 8, 9, 10, 11, 12}}, // [1 2] [3]
		{t0.Add(12 * time.Hour), 8, 5, []int64{12}},                                          // [4 5] [6 7] [8 9] [10] [11]
	} {
		id := txid()
		n, err := s.TrimJournal(ctx, c.before)
		if err != nil || n != c.deleted {
			t.Fatalf("TrimJournal(%v): %d, %v; want %d", c.before, n, err, c.deleted)
		}
		if got := txid() - id; got != c.updates {
			t.Errorf("TrimJournal(%v) ran %d Updates, want %d", c.before, got, c.updates)
		}
		if got := revisions(""); fmt.Sprint(got) != fmt.Sprint(c.left) {
			t.Errorf("after TrimJournal(%v): revisions %v, want %v", c.before, got, c.left)
		}
		if got := revisions("v:0"); len(got) != len(c.left) || len(got) > 0 && got[0] != c.left[0] {
			t.Errorf("after TrimJournal(%v): revisions of v:0 %v, want %v", c.before, got, c.left)
		}
		if err := s.Check(ctx); err != nil {
			t.Fatalf("Check after TrimJournal(%v): %v", c.before, err)
		}
	}
	if rev, err := s.LastRevision(ctx); rev != 12 || err != nil {
		t.Errorf("LastRevision: %d, %v", rev, err)
	}
}
