package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

func TestOpenCreatesFileWithMode0600(t *testing.T) {
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestOpenLockedFileFailsAfterTimeout(t *testing.T) {
	_, path := openTemp(t)
	for _, timeout := range []time.Duration{100 * time.Millisecond, 0} {
		want := timeout
		if want == 0 {
			want = bolt.DefaultTimeout
		}
		start := time.Now()
		s, err := bolt.Open(path, &bolt.Options{Timeout: timeout})
		elapsed := time.Since(start)
		if err == nil {
			s.Close()
			t.Fatalf("second Open of a locked file (timeout %v) succeeded", timeout)
		}
		if !errors.Is(err, bolt.ErrLocked) {
			t.Errorf("second Open: got %v, want ErrLocked", err)
		}
		if elapsed < want || elapsed > want+2*time.Second {
			t.Errorf("second Open with timeout %v failed after %v", timeout, elapsed)
		}
		t.Logf("timeout %v: failed after %v: %v", timeout, elapsed.Round(time.Millisecond), err)
	}
}

// writeVersion sets the schema version of the file at path (which must be closed).
func writeVersion(t *testing.T, path string, v uint64) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(btx *bbolt.Tx) error {
		root, err := btx.CreateBucketIfNotExists([]byte(bolt.DefaultBucket))
		if err != nil {
			return err
		}
		return root.Put([]byte("version"), binary.BigEndian.AppendUint64(nil, v))
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesNewerSchemaAndLeavesFileUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pricing.db")
	s, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	sampleFixture().load(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	writeVersion(t, path, bolt.SchemaVersion+1)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	statBefore, _ := os.Stat(path)
	for range 2 {
		s, err := bolt.Open(path, nil)
		if err == nil {
			s.Close()
			t.Fatal("Open of a newer schema succeeded")
		}
		if !errors.Is(err, bolt.ErrSchemaTooNew) {
			t.Fatalf("got %v, want ErrSchemaTooNew", err)
		}
		t.Logf("refused: %v", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	statAfter, _ := os.Stat(path)
	if !bytes.Equal(before, after) || !statAfter.ModTime().Equal(statBefore.ModTime()) {
		t.Error("a refused Open changed the file")
	}
	// The lock was released: the file opens again once it is at our version.
	writeVersion(t, path, bolt.SchemaVersion)
	s, err = bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	sampleFixture().verify(t, s)
	s.Close()
}

func TestOpenDoesNotWriteAnUpToDateFile(t *testing.T) {
	_, path := openTemp(t)
	dir := t.TempDir()
	// openTemp holds the lock; copy the file to open it again.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "copy.db")
	if err := os.WriteFile(cp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	view(t, s, func(pricing.Tx) error { return nil })
	s.Close()
	after, _ := os.ReadFile(cp)
	if !bytes.Equal(data, after) {
		t.Error("Open, View and Close of an up-to-date file changed it")
	}
}

func TestNewInsideHostDatabase(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "host.db"), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(btx *bbolt.Tx) error {
		b, err := btx.CreateBucket([]byte("orders"))
		if err != nil {
			return err
		}
		return b.Put([]byte("o1"), []byte("order one"))
	}); err != nil {
		t.Fatal(err)
	}
	// Two stores under two roots of the same file.
	s1, err := bolt.New(db, &bolt.Options{Bucket: "pricing_eu"})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := bolt.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := sampleFixture()
	f.load(t, s1)
	f.verify(t, s1)
	view(t, s2, func(tx pricing.Tx) error {
		if _, err := tx.CustomerGroup(f.groups[0].ID); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("a store sees another root's group: %v", err)
		}
		return nil
	})
	for _, s := range []*bolt.Store{s1, s2} {
		if err := s.Check(context.Background()); err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.View(context.Background(), func(pricing.Tx) error { return nil }); !errors.Is(err, pricing.ErrClosed) {
			t.Errorf("View after Close: %v", err)
		}
	}
	// The host's database is still open and its data untouched.
	if err := db.View(func(btx *bbolt.Tx) error {
		if v := btx.Bucket([]byte("orders")).Get([]byte("o1")); string(v) != "order one" {
			t.Errorf("host data: %q", v)
		}
		return nil
	}); err != nil {
		t.Fatalf("host database after the stores' Close: %v", err)
	}
	// A new Store on the same root finds the data.
	s3, err := bolt.New(db, &bolt.Options{Bucket: "pricing_eu"})
	if err != nil {
		t.Fatal(err)
	}
	f.verify(t, s3)
}

func TestOpenReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pricing.db")
	s, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := sampleFixture()
	f.load(t, s)
	s.Close()
	ro, err := bolt.Open(path, &bolt.Options{Bolt: &bbolt.Options{ReadOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	f.verify(t, ro)
	if err := ro.Check(context.Background()); err != nil {
		t.Error(err)
	}
	if err := ro.Update(context.Background(), func(pricing.Tx) error { return nil }); err == nil {
		t.Error("Update on a read-only database succeeded")
	}
}
