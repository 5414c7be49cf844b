package bolt

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"
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
		for _, n := range bucketNames {
			if root.Bucket([]byte(n)) == nil {
				t.Errorf("bucket %s missing after migration 0→1", n)
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
	if err := migrate(db, []byte("pricing"), migrations); err != nil {
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
