package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// damageFile copies the damage tests' base database to a new file and returns its
// path, its bytes, its page size and its pages.
func damageFile(t *testing.T) (path string, data []byte, ps int, pages []damagePage) {
	t.Helper()
	path, data = readDamageBase(t, t.TempDir())
	ps, pages = basePages(t, path, data)
	return path, data, ps, pages
}

// TestOpenRefusesTruncatedFile: a file shorter than the pages its meta page counts is
// refused before bbolt maps it (bbolt would read its freelist page past the end of the
// file, and the process would die of SIGBUS), and so is one too short to hold a meta
// page. An empty file is a new store.
func TestOpenRefusesTruncatedFile(t *testing.T) {
	_, data, ps, pages := damageFile(t)
	last := pages[len(pages)-1]
	hwm := int(last.id) + last.overflow + 1
	for _, c := range []struct {
		size int
		want string
	}{
		{hwm*ps - 1, "truncated"},
		{hwm*ps - ps, "truncated"},
		{hwm * ps / 2, "truncated"},
		{2 * ps, "truncated"},
		{ps, "truncated"},
		{100, "truncated"}, // meta page 0 is whole
		{1, "no valid meta page"},
	} {
		t.Run(fmt.Sprintf("%d bytes", c.size), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "truncated.db")
			if err := os.WriteFile(path, data[:c.size], 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := bolt.Open(path, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, bolt.ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open: %v; want ErrCorrupt saying %q", err, c.want)
			}
			t.Log(err)
		})
	}
	t.Run("empty", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "empty.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := bolt.Open(path, nil)
		if err != nil {
			t.Fatalf("Open of an empty file: %v", err)
		}
		defer s.Close()
		if err := s.Check(context.Background()); err != nil {
			t.Error(err)
		}
		view(t, s, func(tx pricing.Tx) error {
			if groups, err := collect(tx.CustomerGroups); len(groups) != 0 || err != nil {
				t.Errorf("a new store has groups %v, %v", groups, err)
			}
			return nil
		})
	})
}

// TestOpenMetaPages: bbolt keeps two meta pages and uses the valid one with the higher
// transaction ID, so a damaged newest one falls back to the commit before; two
// damaged ones, or a checksum-valid one that points out of the file, are refused.
func TestOpenMetaPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pricing.db")
	s, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cg_first", "cg_second"} {
		update(t, s, func(tx pricing.Tx) error {
			return tx.PutCustomerGroup(pricing.CustomerGroup{ID: id, Name: id}, id)
		})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ne := binary.NativeEndian
	ps := int(ne.Uint32(data[16+8:]))
	meta := func(b []byte, i int) []byte { return b[i*ps+16 : i*ps+16+64] }
	newest := 0
	if ne.Uint64(meta(data, 1)[48:]) > ne.Uint64(meta(data, 0)[48:]) {
		newest = 1
	}
	reseal := func(m []byte) {
		h := fnv.New64a()
		h.Write(m[:56])
		ne.PutUint64(m[56:], h.Sum64())
	}
	for _, c := range []struct {
		name   string
		damage func(b []byte)
		want   string // "": opens, at the commit before the last
	}{
		{"newest damaged", func(b []byte) { meta(b, newest)[60] ^= 0xFF }, ""},
		{"both damaged", func(b []byte) { meta(b, 0)[60] ^= 0xFF; meta(b, 1)[60] ^= 0xFF }, "both meta pages are damaged"},
		{"newest counts pages the file lacks", func(b []byte) {
			m := meta(b, newest)
			ne.PutUint64(m[40:], ne.Uint64(m[40:])+1<<20) // bbolt grows files ahead: 4 GiB more
			reseal(m)
		}, "truncated"},
		{"newest names a root page past its pages", func(b []byte) {
			m := meta(b, newest)
			ne.PutUint64(m[16:], ne.Uint64(m[40:]))
			reseal(m)
		}, "root page"},
		{"newest names a freelist page past its pages", func(b []byte) {
			m := meta(b, newest)
			ne.PutUint64(m[32:], ne.Uint64(m[40:])+5)
			reseal(m)
		}, "freelist page"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(data)
			c.damage(b)
			p := filepath.Join(t.TempDir(), "damaged.db")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := bolt.Open(p, nil)
			if c.want != "" {
				if err == nil {
					s.Close()
					t.Fatal("Open succeeded")
				}
				if !errors.Is(err, bolt.ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Open: %v; want ErrCorrupt saying %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Check(context.Background()); err != nil {
				t.Error(err)
			}
			view(t, s, func(tx pricing.Tx) error {
				if _, err := tx.CustomerGroup("cg_first"); err != nil {
					t.Errorf("the commit before the last: %v", err)
				}
				if _, err := tx.CustomerGroup("cg_second"); !errors.Is(err, pricing.ErrNotFound) {
					t.Errorf("the last commit, whose meta page is damaged: got %v, want ErrNotFound", err)
				}
				return nil
			})
		})
	}
}

// TestOpenRefusesDamagedFreelist: bbolt reads the freelist page when it opens a file
// for writing, and trusts its count.
func TestOpenRefusesDamagedFreelist(t *testing.T) {
	_, data, ps, pages := damageFile(t)
	ne := binary.NativeEndian
	i := slices.IndexFunc(pages, func(p damagePage) bool { return p.typ == "freelist" })
	at := int(pages[i].id) * ps
	for _, c := range []struct {
		name   string
		damage func(b []byte)
		want   string
	}{
		{"type leaf", func(b []byte) { ne.PutUint16(b[at+8:], 0x02) }, "type 0x2"},
		{"overflow 0xffffffff", func(b []byte) { ne.PutUint32(b[at+12:], 0xFFFFFFFF) }, "overflow pages run past"},
		{"count 0xffff, then 2^62", func(b []byte) { ne.PutUint16(b[at+10:], 0xFFFF); ne.PutUint64(b[at+16:], 1<<62) }, "page IDs overflow"},
		{"count 0xfffe", func(b []byte) { ne.PutUint16(b[at+10:], 0xFFFE) }, "page IDs overflow"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(data)
			c.damage(b)
			p := filepath.Join(t.TempDir(), "damaged.db")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := bolt.Open(p, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, bolt.ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open: %v; want ErrCorrupt saying %q", err, c.want)
			}
		})
	}
}
