package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
)

// Each migration has a test here. The next change of schema adds a function to
// migrations and a TestMigrateNtoN+1 that builds a file at version N (with the
// migrations before it), adds version-N data, migrates and checks the result.

func openRaw(t *testing.T) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "raw.db"), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func versionOf(t *testing.T, db *bbolt.DB, root string) uint64 {
	t.Helper()
	var v uint64
	if err := db.View(func(btx *bbolt.Tx) (err error) {
		v, err = readVersion(btx, []byte(root))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrationsMatchSchemaVersion(t *testing.T) {
	if len(migrations) != SchemaVersion {
		t.Fatalf("%d migrations for schema version %d", len(migrations), SchemaVersion)
	}
	for i, m := range migrations {
		if m.name == "" || m.fn == nil {
			t.Errorf("migration %d has no name or no function", i)
		}
	}
}

func TestMigrate0to1(t *testing.T) {
	db := openRaw(t)
	// A host's own data, which the migration must leave alone.
	if err := db.Update(func(btx *bbolt.Tx) error {
		b, err := btx.CreateBucket([]byte("host"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db, "pricing"); v != 0 {
		t.Fatalf("version of a file without the root bucket = %d, want 0", v)
	}
	if err := migrate(db, []byte("pricing"), migrations[:1]); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db, "pricing"); v != 1 {
		t.Fatalf("version after migration 0→1 = %d, want 1", v)
	}
	if err := db.View(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		for id, n := range bucketNames {
			if got, want := root.Bucket([]byte(n)) != nil, bucketID(id) < schema1Buckets; got != want {
				t.Errorf("bucket %s after migration 0→1: present %v, want %v", n, got, want)
			}
		}
		if v := btx.Bucket([]byte("host")).Get([]byte("k")); string(v) != "v" {
			t.Errorf("host data changed: %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A root bucket that exists without a version key (a crash cannot leave one, but a
	// host may have made it) is version 0 too, and migrates.
	if err := db.Update(func(btx *bbolt.Tx) error {
		_, err := btx.CreateBucket([]byte("other"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, []byte("other"), migrations[:1]); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db, "other"); v != 1 {
		t.Fatalf("version after migration 0→1 of an empty root = %d, want 1", v)
	}
}

// TestMigrationsRunInOneTransaction: when a later migration fails, the earlier ones of
// the same open leave no trace.
func TestMigrationsRunInOneTransaction(t *testing.T) {
	db := openRaw(t)
	boom := errors.New("boom")
	migs := append(migrations[:len(migrations):len(migrations)],
		migration{"mark", func(root *bbolt.Bucket) error { return root.Put([]byte("mark"), []byte("x")) }},
		migration{"fail", func(*bbolt.Bucket) error { return boom }},
	)
	if err := migrate(db, []byte("pricing"), migs); !errors.Is(err, boom) {
		t.Fatalf("migrate: got %v, want the failing migration's error", err)
	}
	if err := db.View(func(btx *bbolt.Tx) error {
		if btx.Bucket([]byte("pricing")) != nil {
			t.Error("a failed migration left the root bucket behind")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateRunsOnlyPending: a file at version 1 runs migrations from 1 on, in order,
// and ends at the last version.
func TestMigrateRunsOnlyPending(t *testing.T) {
	db := openRaw(t)
	if err := migrate(db, []byte("pricing"), migrations[:1]); err != nil {
		t.Fatal(err)
	}
	var ran []string
	migs := []migration{
		{"first", func(*bbolt.Bucket) error { ran = append(ran, "first"); return nil }},
		{"second", func(*bbolt.Bucket) error { ran = append(ran, "second"); return nil }},
		{"third", func(*bbolt.Bucket) error { ran = append(ran, "third"); return nil }},
	}
	if err := migrate(db, []byte("pricing"), migs); err != nil {
		t.Fatal(err)
	}
	if len(ran) != 2 || ran[0] != "second" || ran[1] != "third" {
		t.Errorf("ran %q, want [second third]", ran)
	}
	if v := versionOf(t, db, "pricing"); v != 3 {
		t.Errorf("version = %d, want 3", v)
	}
	// Nothing pending: nothing runs, nothing is written.
	ran = nil
	var before, after int
	_ = db.View(func(btx *bbolt.Tx) error { before = btx.ID(); return nil })
	if err := migrate(db, []byte("pricing"), migs); err != nil {
		t.Fatal(err)
	}
	_ = db.View(func(btx *bbolt.Tx) error { after = btx.ID(); return nil })
	if len(ran) != 0 || before != after {
		t.Errorf("an up-to-date file ran %q and moved from txid %d to %d", ran, before, after)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	db := openRaw(t)
	if err := db.Update(func(btx *bbolt.Tx) error {
		root, err := btx.CreateBucket([]byte("pricing"))
		if err != nil {
			return err
		}
		return root.Put(versionKey, binary.BigEndian.AppendUint64(nil, SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, []byte("pricing"), migrations); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("got %v, want ErrSchemaTooNew", err)
	}
}

// TestMigrate1to2 writes values of schema 1, spelled out, migrates, and expects each
// value behind its format byte, the key-only indexes untouched, and the store to read
// the records back.
func TestMigrate1to2(t *testing.T) {
	db := openRaw(t)
	if err := migrate(db, []byte("pricing"), migrations[:1]); err != nil {
		t.Fatal(err)
	}
	const (
		group = "03 564950 | 03 766970 | 01 188ae5bc304f4d15 | 00" // "VIP", "vip", goldenT1, zero
		list  = "04 53616c65 | 00 | 01 188ae5bc304f4d15 | 01 188ae5bc304f4d15"
		terms = "04 73616c65 | 06 616374697665 | 01 | 01 188ae5bc304f4d15 | 02 0000003afff4417f 3b9ac9ff | 02 | 04 | 63675f31"
		price = "01 | ffffffffffffffff | 000000000000000a | 0000000000000063 | 05 03 04 06 | 7661725f31 657572 706c5f31 7265675f6465"
		index = "01 | ffffffffffffffff | 000000000000000a | 0000000000000063 | 04 06 | 706c5f31 7265675f6465"
	)
	type entry struct {
		bucket bucketID
		key    string // hex
		v1, v2 string // hex
	}
	entries := []entry{
		{bkGroups, "63675f31", group, "01 | " + group},
		{bkGroupNames, "766970", "63675f31", "01 | 63675f31"},
		{bkMembers, "04 63675f31 | 6375735f31", "", ""},
		{bkMemberOf, "05 6375735f31 | 63675f31", "", ""},
		{bkMemberCounts, "63675f31", "0000000000000001", "01 | 0000000000000001"},
		{bkLists, "706c5f31", list, "01 | " + list},
		{bkListTerms, "706c5f31", terms, "01 | " + terms},
		{bkListGroups, "04 706c5f31 | 63675f31", "", ""},
		{bkGroupLists, "04 63675f31 | 706c5f31", "", ""},
		{bkPrices, "70726963655f32", price, "01 | " + price},
		{bkPriceKeys, "04 706c5f31 | 05 7661725f31 | 03 657572 | 06 7265675f6465 | 000000000000000a | 0000000000000063",
			"70726963655f32", "01 | 70726963655f32"},
		{bkVariantCurrencyPrices, "05 7661725f31 | 03 657572 | 70726963655f32", index, "01 | " + index},
		{bkListPrices, "04 706c5f31 | 70726963655f32", "", ""},
	}
	// More member counts than one batch of the migration, of groups that have no
	// members: the store does not read them, the migration must still reach them all.
	const extra = 2500
	if err := db.Update(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		for _, e := range entries {
			if err := root.Bucket(bucketKeys[e.bucket]).Put(unhex(t, e.key), unhex(t, e.v1)); err != nil {
				return err
			}
		}
		counts := root.Bucket(bucketKeys[bkMemberCounts])
		for i := range extra {
			if err := counts.Put(binary.BigEndian.AppendUint32([]byte("x"), uint32(i)), binary.BigEndian.AppendUint64(nil, uint64(i))); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, []byte("pricing"), migrations[:2]); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db, "pricing"); v != 2 {
		t.Fatalf("version after migration 1→2 = %d, want 2", v)
	}
	if err := db.View(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		for _, e := range entries {
			got := root.Bucket(bucketKeys[e.bucket]).Get(unhex(t, e.key))
			if want := unhex(t, e.v2); !bytes.Equal(got, want) {
				t.Errorf("%s %s: %x, want %x", bucketNames[e.bucket], e.key, got, want)
			}
		}
		counts := root.Bucket(bucketKeys[bkMemberCounts])
		for i := range extra {
			got := counts.Get(binary.BigEndian.AppendUint32([]byte("x"), uint32(i)))
			if want := binary.BigEndian.AppendUint64([]byte{1}, uint64(i)); !bytes.Equal(got, want) {
				t.Fatalf("member count %d: %x, want %x", i, got, want)
			}
		}
		if n := counts.Stats().KeyN; n != extra+1 {
			t.Errorf("%d member counts after the migration, want %d", n, extra+1)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// The store reads the migrated records.
	s, err := New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(context.Background(), func(tx pricing.Tx) error {
		g, err := tx.CustomerGroup("cg_1")
		want := pricing.CustomerGroup{ID: "cg_1", Name: "VIP", CreatedAt: goldenT1}
		if err != nil || !reflect.DeepEqual(g, want) {
			t.Errorf("CustomerGroup = %#v, %v; want %#v", g, err, want)
		}
		if id, err := tx.CustomerGroupIDByNameKey("vip"); id != "cg_1" || err != nil {
			t.Errorf("CustomerGroupIDByNameKey = %q, %v", id, err)
		}
		if n, err := tx.CountMembers("cg_1"); n != 1 || err != nil {
			t.Errorf("CountMembers = %d, %v", n, err)
		}
		pl, err := tx.PriceList("pl_1")
		wantList := pricing.PriceList{ID: "pl_1", Name: "Sale", Type: pricing.Sale, Status: pricing.Active, IncludesTax: true,
			StartsAt: goldenT1, EndsAt: goldenFar, CustomerGroupIDs: []string{"cg_1"}, CreatedAt: goldenT1, UpdatedAt: goldenT1}
		if err != nil || !reflect.DeepEqual(pl, wantList) {
			t.Errorf("PriceList = %#v, %v; want %#v", pl, err, wantList)
		}
		wantPrice := pricing.Price{ID: "price_2", PriceListID: "pl_1", VariantID: "var_1", CurrencyCode: "eur", RegionID: "reg_de",
			Amount: -1, MinQuantity: 10, MaxQuantity: 99, IncludesTax: true}
		if p, err := tx.Price("price_2"); p != wantPrice || err != nil {
			t.Errorf("Price = %#v, %v; want %#v", p, err, wantPrice)
		}
		if id, err := tx.PriceIDByKey(wantPrice.Key()); id != "price_2" || err != nil {
			t.Errorf("PriceIDByKey = %q, %v", id, err)
		}
		if ps, err := tx.AppendVariantPrices(nil, "var_1", "eur"); len(ps) != 1 || ps[0] != wantPrice || err != nil {
			t.Errorf("AppendVariantPrices = %#v, %v", ps, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrateRefusesDataWithoutVersion: a root bucket without a version key is a new
// one only when it is empty; one that holds data has lost its version (a damaged
// file), and migrating it from version 0 would write over the data.
func TestMigrateRefusesDataWithoutVersion(t *testing.T) {
	db := openRaw(t)
	if err := migrate(db, []byte("pricing"), migrations); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		if err := root.Bucket(bucketKeys[bkGroups]).Put([]byte("cg_1"), []byte("a record")); err != nil {
			return err
		}
		return root.Delete(versionKey)
	}); err != nil {
		t.Fatal(err)
	}
	err := migrate(db, []byte("pricing"), migrations)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("migrate: %v; want ErrCorrupt", err)
	}
	if err := db.View(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		if v := root.Get(versionKey); v != nil {
			t.Errorf("the refused migration wrote version %x", v)
		}
		if v := root.Bucket(bucketKeys[bkGroups]).Get([]byte("cg_1")); string(v) != "a record" {
			t.Errorf("the refused migration changed the record: %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMigrate2to3 migrates a copy of testdata/schema-v2.db: the journal's buckets
// appear, empty, with last revision 0, every other byte of the store stays as it was,
// Check passes, and the journal works: the Service's first write is revision 1.
func TestMigrate2to3(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "schema-v2.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v2.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v := versionOf(t, db, DefaultBucket); v != 2 {
		t.Fatalf("schema-v2.db is at version %d", v)
	}
	// dumpRoot returns every key and value under the root bucket, but the version.
	dumpRoot := func() map[string]string {
		out := map[string]string{}
		if err := db.View(func(btx *bbolt.Tx) error {
			root := btx.Bucket([]byte(DefaultBucket))
			return root.ForEach(func(k, v []byte) error {
				if v != nil {
					if string(k) != string(versionKey) {
						out[string(k)] = string(v)
					}
					return nil
				}
				return root.Bucket(k).ForEach(func(k2, v2 []byte) error {
					out[string(k)+"/"+string(k2)] = string(v2)
					return nil
				})
			})
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := dumpRoot()
	if err := migrate(db, []byte(DefaultBucket), migrations[:3]); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db, DefaultBucket); v != 3 {
		t.Fatalf("version after migration 2→3 = %d, want 3", v)
	}
	after := dumpRoot()
	want := maps.Clone(before)
	want[string(lastRevisionKey)] = "\x01\x00\x00\x00\x00\x00\x00\x00\x00"
	if !maps.Equal(after, want) {
		t.Errorf("the migration changed more than the last revision:\n got %q\nwant %q", after, want)
	}
	if err := db.View(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte(DefaultBucket))
		for _, id := range []bucketID{bkJournal, bkJournalItems, bkJournalKeys} {
			b := root.Bucket(bucketKeys[id])
			if b == nil {
				t.Errorf("bucket %s missing after migration 2→3", bucketNames[id])
			} else if k, _ := b.Cursor().First(); k != nil {
				t.Errorf("bucket %s is not empty: %q", bucketNames[id], k)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	s, err := New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after migration 2→3: %v", err)
	}
	if rev, err := s.LastRevision(ctx); rev != 0 || err != nil {
		t.Errorf("LastRevision of a migrated file: %d, %v; want 0", rev, err)
	}
	svc := pricing.New(s)
	pl, err := svc.UpdatePriceList(ctx, "pl_sale", pricing.PriceListUpdate{Name: ptr("Spring sale, extended")})
	if err != nil || pl.Revision != 1 {
		t.Fatalf("update of a list of schema 2: revision %d, %v; want 1", pl.Revision, err)
	}
	changes, err := svc.Changes(ctx, 0, 0)
	if err != nil || len(changes) != 1 || len(changes[0].Changes) == 0 {
		t.Fatalf("Changes after the first write: %+v, %v", changes, err)
	}
	c := changes[0].Changes[0]
	if c.Kind != pricing.KindPriceList || c.Op != pricing.OpUpdate || c.OldPriceList == nil || c.OldPriceList.Revision != 0 ||
		c.OldPriceList.Name != "Spring sale" || c.PriceList.Revision != 1 {
		t.Errorf("the first change of a migrated file: %+v", c)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after a write: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestMigrate3to4: the lists of schema 3 keep their terms of format 1, which read with
// no adjustment, customers or channels; the new adjusted_lists index is empty and
// follows the lists written afterwards.
func TestMigrate3to4(t *testing.T) {
	db := openRaw(t)
	if err := migrate(db, []byte("pricing"), migrations[:3]); err != nil {
		t.Fatal(err)
	}
	const (
		list  = "01 | 04 53616c65 | 00 | 01 188ae5bc304f4d15 | 01 188ae5bc304f4d15"
		terms = "01 | 04 73616c65 | 06 616374697665 | 01 | 01 188ae5bc304f4d15 | 02 0000003afff4417f 3b9ac9ff | 02 | 04 | 63675f31"
	)
	if err := db.Update(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		if root.Bucket(bucketKeys[bkAdjustedLists]) != nil {
			t.Error("schema 3 has the adjusted_lists bucket")
		}
		for _, e := range []struct {
			bucket   bucketID
			key, val string
		}{
			{bkGroups, "63675f31", "01 | 03 564950 | 03 766970 | 01 188ae5bc304f4d15 | 00"},
			{bkGroupNames, "766970", "01 | 63675f31"},
			{bkLists, "706c5f31", list},
			{bkListTerms, "706c5f31", terms},
			{bkListGroups, "04 706c5f31 | 63675f31", ""},
			{bkGroupLists, "04 63675f31 | 706c5f31", ""},
		} {
			if err := root.Bucket(bucketKeys[e.bucket]).Put(unhex(t, e.key), unhex(t, e.val)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, []byte("pricing"), migrations[:4]); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db, "pricing"); v != 4 {
		t.Fatalf("version after migration 3→4 = %d, want 4", v)
	}
	if err := db.View(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		b := root.Bucket(bucketKeys[bkAdjustedLists])
		if b == nil {
			t.Fatal("adjusted_lists missing after migration 3→4")
		}
		if k, _ := b.Cursor().First(); k != nil {
			t.Errorf("adjusted_lists holds %q after the migration", k)
		}
		if got := root.Bucket(bucketKeys[bkListTerms]).Get(unhex(t, "706c5f31")); !bytes.Equal(got, unhex(t, terms)) {
			t.Errorf("the migration rewrote the terms: %x", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	s, err := New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want := pricing.PriceList{ID: "pl_1", Name: "Sale", Type: pricing.Sale, Status: pricing.Active, IncludesTax: true,
		StartsAt: goldenT1, EndsAt: goldenFar, CustomerGroupIDs: []string{"cg_1"}, CreatedAt: goldenT1, UpdatedAt: goldenT1}
	adjusted := pricing.PriceList{ID: "pl_2", Name: "VIP", Type: pricing.Sale, Status: pricing.Active,
		CustomerIDs: []string{"cus_1"}, ChannelIDs: []string{"web"},
		Adjustment: &pricing.Adjustment{Percent: -10, Rounding: pricing.RoundHalfUp}, CreatedAt: goldenT1, UpdatedAt: goldenT1}
	if err := s.Update(ctx, func(tx pricing.Tx) error {
		pl, err := tx.PriceList("pl_1")
		if err != nil || !reflect.DeepEqual(pl, want) {
			t.Errorf("PriceList = %#v, %v; want %#v", pl, err, want)
		}
		ids, err := tx.(pricing.AdjustedLister).AppendAdjustedListIDs(nil)
		if err != nil || len(ids) != 0 {
			t.Errorf("AppendAdjustedListIDs = %q, %v; want none", ids, err)
		}
		return tx.PutPriceList(adjusted)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx pricing.Tx) error {
		pl, err := tx.PriceList("pl_2")
		if err != nil || !reflect.DeepEqual(pl, adjusted) {
			t.Errorf("PriceList = %#v, %v; want %#v", pl, err, adjusted)
		}
		ids, err := tx.(pricing.AdjustedLister).AppendAdjustedListIDs(nil)
		if err != nil || !reflect.DeepEqual(ids, []string{"pl_2"}) {
			t.Errorf("AppendAdjustedListIDs = %q, %v; want [pl_2]", ids, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMigrate4to5: the new list_order index is built from the lists of schema 4,
// records of format 1 and 2 alike, counts them, and follows the writes afterwards.
func TestMigrate4to5(t *testing.T) {
	db := openRaw(t)
	if err := migrate(db, []byte("pricing"), migrations[:4]); err != nil {
		t.Fatal(err)
	}
	lists := []pricing.PriceList{
		{ID: "pl_b", Name: "beta", Type: pricing.Sale, Status: pricing.Active, CreatedAt: goldenT1, UpdatedAt: goldenFar},
		{ID: "pl_c", Name: "Alpha", Type: pricing.Override, Status: pricing.Draft, CreatedAt: goldenOld, UpdatedAt: goldenT1,
			Metadata: map[string]any{"k": "v"}},
		{ID: "pl_d", Name: "alpha", Type: pricing.Sale, Status: pricing.Draft, CreatedAt: goldenT1, UpdatedAt: goldenT1,
			CustomerGroupIDs: []string{"cg_1"}},
	}
	if err := db.Update(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		if root.Bucket(bucketKeys[bkListOrder]) != nil {
			t.Error("schema 4 has the list_order bucket")
		}
		for _, pl := range lists {
			rec, err := encodeList(pl)
			if err != nil {
				return err
			}
			if err := root.Bucket(bucketKeys[bkLists]).Put([]byte(pl.ID), rec); err != nil {
				return err
			}
			if err := root.Bucket(bucketKeys[bkListTerms]).Put([]byte(pl.ID), encodeTerms(pl)); err != nil {
				return err
			}
			for _, g := range pl.CustomerGroupIDs {
				if err := root.Bucket(bucketKeys[bkListGroups]).Put(pairKey(nil, pl.ID, g), empty); err != nil {
					return err
				}
				if err := root.Bucket(bucketKeys[bkGroupLists]).Put(pairKey(nil, g, pl.ID), empty); err != nil {
					return err
				}
			}
		}
		// A list record of format 1 (schema 2), as TestMigrate3to4 spells it.
		if err := root.Bucket(bucketKeys[bkLists]).Put([]byte("pl_a"), unhex(t, "01 | 04 53616c65 | 00 | 01 188ae5bc304f4d15 | 01 188ae5bc304f4d15")); err != nil {
			return err
		}
		return root.Bucket(bucketKeys[bkListTerms]).Put([]byte("pl_a"), unhex(t, "01 | 04 73616c65 | 06 616374697665 | 01 | 00 | 00 | 00"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, []byte("pricing"), migrations[:5]); err != nil {
		t.Fatal(err)
	}
	if v := versionOf(t, db, "pricing"); v != 5 {
		t.Fatalf("version after migration 4→5 = %d, want 5", v)
	}
	s, err := New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after the migration: %v", err)
	}
	walk := func(tx pricing.Tx, order string) []string {
		var ids []string
		if err := tx.(pricing.PriceListOrderer).PriceListsInOrder(order, nil, func(h *pricing.PriceListHead) bool {
			ids = append(ids, h.ID)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	for order, want := range map[string][]string{
		"created_at":  {"pl_c", "pl_a", "pl_b", "pl_d"},
		"-updated_at": {"pl_b", "pl_d", "pl_c", "pl_a"},
		"name":        {"pl_c", "pl_d", "pl_b", "pl_a"},
	} {
		if err := s.View(ctx, func(tx pricing.Tx) error {
			if got := walk(tx, order); !reflect.DeepEqual(got, want) {
				t.Errorf("the lists of the migrated file in the order %q: %q, want %q", order, got, want)
			}
			n, err := tx.(pricing.PriceListOrderer).CountPriceLists()
			if err != nil || n != 4 {
				t.Errorf("CountPriceLists = %d, %v; want 4", n, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	renamed := lists[0]
	renamed.Name = "Zulu"
	if err := s.Update(ctx, func(tx pricing.Tx) error {
		if err := tx.PutPriceList(renamed); err != nil {
			return err
		}
		return tx.DeletePriceList("pl_a")
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx pricing.Tx) error {
		if got, want := walk(tx, "name"), []string{"pl_c", "pl_d", "pl_b"}; !reflect.DeepEqual(got, want) {
			t.Errorf("the lists by name after a write: %q, want %q", got, want)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// A damaged list record does not stop migration 4→5, which would leave the file
// unopenable: the file opens, and Check reports the record and its missing entries,
// not a count that disagrees with the records. An entry of list_order whose list has
// no record is damage (ErrCorrupt), not a list that is not found.
func TestMigrate4to5DamagedList(t *testing.T) {
	db := openRaw(t)
	if err := migrate(db, []byte("pricing"), migrations[:4]); err != nil {
		t.Fatal(err)
	}
	good := pricing.PriceList{ID: "pl_b", Name: "beta", Type: pricing.Sale, Status: pricing.Active, CreatedAt: goldenT1, UpdatedAt: goldenT1}
	if err := db.Update(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte("pricing"))
		rec, err := encodeList(good)
		if err != nil {
			return err
		}
		if err := root.Bucket(bucketKeys[bkLists]).Put([]byte(good.ID), rec); err != nil {
			return err
		}
		if err := root.Bucket(bucketKeys[bkListTerms]).Put([]byte(good.ID), encodeTerms(good)); err != nil {
			return err
		}
		return root.Bucket(bucketKeys[bkLists]).Put([]byte("pl_x"), []byte{2, 4, 'S'}) // cut short
	}); err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, []byte("pricing"), migrations[:5]); err != nil {
		t.Fatalf("migration 4→5 of a file with a damaged list: %v", err)
	}
	s, err := New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = s.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "pl_x") || strings.Contains(err.Error(), "count") {
		t.Errorf("Check of the migrated file: %v; want the damaged list reported, and no count", err)
	}
	if err := db.Update(func(btx *bbolt.Tx) error {
		p := positionOf(orderName, "pl_ghost", "ghost", goldenT1, goldenT1)
		order := btx.Bucket([]byte("pricing")).Bucket(bucketKeys[bkListOrder])
		return order.Put(listOrderKey(nil, orderName, &p), encodeOrderValue("ghost", goldenT1, goldenT1))
	}); err != nil {
		t.Fatal(err)
	}
	_, _, err = pricing.New(s).ListPriceLists(ctx, pricing.PriceListFilter{Order: "name"})
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, pricing.ErrNotFound) {
		t.Errorf("listing with an entry of a list that has no record: %v; want ErrCorrupt, not ErrNotFound", err)
	}
}
