package bolt_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// The damage tests break a small, valid database in every way a disk, a copy or a
// hostile sender can: truncations, meta page damage, page headers, elements and bucket
// headers rewritten with numbers that point out of the page or the file, at other
// pages, or back up the tree, and single-byte flips. On every damaged file:
//
//   - Open returns a Store or an error wrapping ErrCorrupt (or ErrSchemaTooNew, when
//     the byte changed makes the schema version a newer one), and refuses every
//     truncated file;
//   - Check returns nil or an error wrapping ErrCorrupt (never a context error: the
//     walk of the pages bounds its time), and Open or Check reports every damage to
//     the page structure that the test made on purpose;
//   - reading every record through the pricing.Tx API, in a View and in an Update,
//     returns the records or an error wrapping ErrCorrupt, and a file that Check
//     passes reads without error;
//   - no case allocates more than damageMaxAlloc.
//
// The process must survive all of it, so the cases run in a child process (this test
// binary, with damageDirEnv set) that reports each case before and after it; a child
// that dies, or spends -damage-stall on one case (a safety net, far above what a case
// takes), is restarted after that case, and the parent fails the test with the cases
// that did. Reads are skipped on a file whose tree loops (a page that points back at
// its ancestor): bbolt's cursors descend such a tree for ever, which only Check finds
// (see the package documentation). Data that changed without breaking a structure
// (bbolt keeps no checksums of data pages) is counted and logged, not failed.
//
// go test runs a corpus of several hundred cases, in a few seconds; -damage-all flips
// every byte of the file instead, one at a time (minutes).
//
// The database they break is testdata/damage-base.db, committed so that every run
// breaks the same bytes: bbolt lays out the pages of a commit in the order of a Go map,
// so a database written again differs. -update-damage-base writes it again (after a
// change of schema, which the tests notice).
var (
	damageAll        = flag.Bool("damage-all", false, "TestDamagedFiles: flip every byte of the file, one at a time")
	damageStall      = flag.Duration("damage-stall", 2*time.Minute, "TestDamagedFiles: kill a child that spends this long on one case")
	updateDamageBase = flag.Bool("update-damage-base", false, "write testdata/damage-base.db again")
)

const damageBase = "testdata/damage-base.db"

var damageBaseOnce sync.Once

// readDamageBase copies the damage tests' base database into dir (writing it first
// with -update-damage-base) and returns the copy's path and the bytes.
func readDamageBase(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	if *updateDamageBase {
		damageBaseOnce.Do(func() {
			path := filepath.Join(t.TempDir(), "base.db")
			writeDamageBase(t, path)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(damageBase, data, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", damageBase)
		})
	}
	data, err := os.ReadFile(damageBase)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "base.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if v := rawVersion(t, path); v != bolt.SchemaVersion {
		t.Fatalf("%s has schema version %d, not %d: write it again with -update-damage-base", damageBase, v, bolt.SchemaVersion)
	}
	return path, data
}

const (
	damageDirEnv  = "BOLT_DAMAGE_DIR"
	damageFromEnv = "BOLT_DAMAGE_FROM"
	damageAllEnv  = "BOLT_DAMAGE_ALL"
	// damageMaxAlloc bounds the bytes one case may allocate; the file has about 40
	// pages.
	damageMaxAlloc = 64 << 20
)

// writeDamageBase writes the database the damage tests break: the golden records, a
// group whose metadata fills overflow pages, and 80 more prices, in several Updates
// with deletes between them, on pages of 1 KiB, so that a small file has branch pages,
// overflow pages, buckets with pages of their own and inline ones, and a freelist with
// entries. The file ends with its last page.
func writeDamageBase(t testing.TB, path string) {
	t.Helper()
	s, err := bolt.Open(path, &bolt.Options{NoSync: true, Bolt: &bbolt.Options{PageSize: 1024, InitialMmapSize: 1 << 15}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		var size int64
		if err := s.DB().View(func(btx *bbolt.Tx) error { size = btx.Size(); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
	}()
	ctx := context.Background()
	put := func(fn func(tx pricing.Tx) error) {
		t.Helper()
		if err := s.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	put(func(tx pricing.Tx) error {
		for i, g := range golden.groups {
			if err := tx.PutCustomerGroup(g, golden.nameKeys[i]); err != nil {
				return err
			}
		}
		for _, m := range golden.members {
			if err := tx.AddMember(m[0], m[1]); err != nil {
				return err
			}
		}
		for _, pl := range golden.lists {
			if err := tx.PutPriceList(pl); err != nil {
				return err
			}
		}
		big := map[string]any{"notes": strings.Repeat("a long note ", 500)} // 6 KB: an overflow page
		return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_big", Name: "Big", Metadata: big, CreatedAt: goldenT1}, "big")
	})
	for round := range 2 {
		put(func(tx pricing.Tx) error {
			for i := range 40 {
				p := pricing.Price{ID: fmt.Sprintf("price_r%d_%03d", round, i), VariantID: fmt.Sprintf("var_%03d", i%50),
					CurrencyCode: "usd", MinQuantity: int64(round*1000 + i), Amount: int64(100 + i)}
				if i%3 == 0 {
					p.PriceListID = "pl_sale"
				}
				if err := tx.PutPrice(p); err != nil {
					return err
				}
			}
			return nil
		})
	}
	put(func(tx pricing.Tx) error {
		for i := range 8 {
			if err := tx.DeletePrice(fmt.Sprintf("price_r0_%03d", i*5)); err != nil {
				return err
			}
		}
		for _, p := range golden.prices {
			if err := tx.PutPrice(p); err != nil {
				return err
			}
		}
		return tx.RemoveMember("cg_vip", "cus_3")
	})
	// A journal of 40 entries, the first 8 trimmed: journal_items and journal_keys
	// span pages of their own.
	for rev := int64(1); rev <= 40; rev++ {
		put(func(tx pricing.Tx) error {
			e := pricing.JournalEntry{Revision: rev, At: goldenT1.Add(time.Duration(rev) * time.Hour)}
			for i := range 1 + rev%4 {
				e.Items = append(e.Items, pricing.JournalItem{Key: fmt.Sprintf("v:var_%03d", (rev*7+i)%50), Data: fmt.Appendf(nil, "revision %d item %d", rev, i)})
			}
			return tx.(pricing.JournalTx).WriteJournal(e)
		})
	}
	if n, err := s.TrimJournal(ctx, goldenT1.Add(9*time.Hour)); err != nil || n != 8 {
		t.Fatalf("TrimJournal: %d, %v; want 8", n, err)
	}
}

// readJournal reads the whole journal of s, and the entries of a few keys, into a text
// that two equal journals render alike.
func readJournal(s *bolt.Store) (string, error) {
	var b strings.Builder
	ctx := context.Background()
	last, err := s.LastRevision(ctx)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "last revision %d\n", last)
	for _, key := range []string{"", "v:var_007", "v:var_021", "v:var_none"} {
		err := s.ReadJournal(ctx, 0, key, 0, func(e pricing.JournalEntry) bool {
			fmt.Fprintf(&b, "%q: %d %v %d items\n", key, e.Revision, e.At, len(e.Items))
			for _, it := range e.Items {
				fmt.Fprintf(&b, "  %q %q\n", it.Key, it.Data)
			}
			return true
		})
		if err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// readAll reads every record through the Tx API, in the transaction tx, into a text
// that two equal stores render alike.
func readAll(tx pricing.Tx) (string, error) {
	var b strings.Builder
	last, err := tx.(pricing.JournalTx).LastRevision()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "last revision %d\n", last)
	groups, err := collect(tx.CustomerGroups)
	if err != nil {
		return "", err
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "group %#v\n", g)
		if _, err := tx.CustomerGroup(g.ID); err != nil {
			return "", err
		}
		n, err := tx.CountMembers(g.ID)
		if err != nil {
			return "", err
		}
		var members []string
		if err := tx.Members(g.ID, 0, func(c string) bool { members = append(members, c); return true }); err != nil {
			return "", err
		}
		lists, err := tx.AppendPriceListIDsOfGroup(nil, g.ID)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "  %d members %q, lists %q\n", n, members, lists)
		for _, c := range members {
			ids, err := tx.AppendCustomerGroupIDs(nil, c)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "  customer %q: %q\n", c, ids)
		}
	}
	for _, k := range golden.nameKeys {
		id, err := tx.CustomerGroupIDByNameKey(k)
		fmt.Fprintf(&b, "name key %q: %q %v\n", k, id, errors.Is(err, pricing.ErrNotFound))
		if err != nil && !errors.Is(err, pricing.ErrNotFound) {
			return "", err
		}
	}
	lists, err := collect(tx.PriceLists)
	if err != nil {
		return "", err
	}
	for _, pl := range lists {
		fmt.Fprintf(&b, "list %#v\n", pl)
		terms, err := tx.PriceListTerms(pl.ID)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "  terms %#v\n", terms)
		ps, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList(pl.ID, fn) })
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "  %d prices\n", len(ps))
	}
	prices, err := collect(tx.Prices)
	if err != nil {
		return "", err
	}
	variants := map[string]bool{}
	for _, p := range prices {
		fmt.Fprintf(&b, "price %#v\n", p)
		id, err := tx.PriceIDByKey(p.Key())
		if err != nil && !errors.Is(err, pricing.ErrNotFound) {
			return "", err
		}
		fmt.Fprintf(&b, "  key → %q\n", id)
		variants[p.VariantID] = true
	}
	for _, v := range slices.Sorted(maps.Keys(variants)) {
		ps, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfVariant(v, fn) })
		if err != nil {
			return "", err
		}
		vps, err := tx.AppendVariantPrices(nil, v, "usd")
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "variant %q: %d prices, %d in usd\n", v, len(ps), len(vps))
	}
	return b.String(), nil
}

// damageCase is one damaged copy of the base file.
type damageCase struct {
	name string
	data []byte
	// broken says that the damage breaks the page structure: Open or Check must
	// report it.
	broken bool
	// refuse says that Open must refuse the file.
	refuse bool
	// older says that the damage makes bbolt fall back to the previous commit: the
	// records may differ from the base's without any damage to them.
	older bool
	// flip, when data is nil, is the offset of the byte of the base file to flip with
	// xor: the flips are made when they run, so that -damage-all holds one copy at a
	// time.
	flip int
	xor  byte
}

// bytes returns the damaged file.
func (c *damageCase) bytes(base []byte) []byte {
	if c.data != nil {
		return c.data
	}
	b := bytes.Clone(base)
	b[c.flip] ^= c.xor
	return b
}

// damagePage is a page of the base file, as bbolt's Tx.Page and the page's own header
// describe it.
type damagePage struct {
	id       uint64
	typ      string // branch, leaf, meta, freelist or free
	count    int
	overflow int
	buckets  []int // the elements of a leaf that are buckets
}

// basePages returns the page size, the high water mark and the pages of the file at
// path, read with bbolt.
func basePages(t testing.TB, path string, data []byte) (ps int, pages []damagePage) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ps = db.Info().PageSize
	err = db.View(func(btx *bbolt.Tx) error {
		for id := 0; ; id++ {
			info, err := btx.Page(id)
			if err != nil {
				return err
			}
			if info == nil {
				return nil
			}
			p := damagePage{id: uint64(id), typ: info.Type, count: info.Count, overflow: info.OverflowCount}
			if p.typ == "leaf" {
				for i := range p.count {
					e := data[id*ps+16+16*i:]
					if binary.NativeEndian.Uint32(e)&1 != 0 {
						p.buckets = append(p.buckets, i)
					}
				}
			}
			pages = append(pages, p)
			id += info.OverflowCount
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ps, pages
}

// damageCorpus returns the damaged copies of base, the file at path.
func damageCorpus(t testing.TB, path string, base []byte, all bool) []damageCase {
	t.Helper()
	ps, pages := basePages(t, path, base)
	ne := binary.NativeEndian
	hwm := 0
	for _, p := range pages {
		hwm = int(p.id) + p.overflow + 1
	}
	var cases []damageCase
	add := func(c damageCase) { cases = append(cases, c) }
	edit := func(name string, broken bool, fn func(b []byte)) {
		b := bytes.Clone(base)
		fn(b)
		add(damageCase{name: name, data: b, broken: broken})
	}

	// Truncations: at every page boundary, inside the last page, and tiny files.
	for _, n := range []int{1, 100, ps - 1, ps + 80, hwm*ps - 1, hwm*ps - ps/2} {
		add(damageCase{name: fmt.Sprintf("truncated to %d bytes", n), data: base[:n], broken: true, refuse: true})
	}
	for k := 1; k < hwm; k++ {
		add(damageCase{name: fmt.Sprintf("truncated to %d pages", k), data: base[:k*ps], broken: true, refuse: true})
	}

	// Meta pages: one damaged (bbolt falls back to the other, the previous commit),
	// both damaged, and a checksum-valid meta page that claims more pages than the file
	// has, or a root page out of range.
	metaAt := func(b []byte, id int) []byte { return b[id*ps+16 : id*ps+16+64] }
	newest := 0
	if ne.Uint64(metaAt(base, 1)[48:]) > ne.Uint64(metaAt(base, 0)[48:]) {
		newest = 1
	}
	reseal := func(m []byte) {
		h := fnv.New64a()
		h.Write(m[:56])
		ne.PutUint64(m[56:], h.Sum64())
	}
	b := bytes.Clone(base)
	metaAt(b, newest)[20] ^= 0xFF
	add(damageCase{name: "newest meta page damaged", data: b, older: true})
	b = bytes.Clone(base)
	metaAt(b, 0)[40] ^= 0xFF
	metaAt(b, 1)[40] ^= 0xFF
	add(damageCase{name: "both meta pages damaged", data: b, broken: true, refuse: true})
	for _, c := range []struct {
		name string
		off  int
		v    uint64
	}{
		{"meta page counts 1,000,000 pages", 40, 1_000_000},
		{"meta page counts 2^63 pages", 40, 1 << 63},
		{"meta page: root page out of range", 16, 1 << 40},
		{"meta page: root page is the meta page", 16, 1},
		{"meta page: freelist page out of range", 32, 1 << 40},
	} {
		b := bytes.Clone(base)
		m := metaAt(b, newest)
		ne.PutUint64(m[c.off:], c.v)
		reseal(m)
		add(damageCase{name: c.name + " (checksum valid)", data: b, broken: true, refuse: true})
	}
	b = bytes.Clone(base)
	m := metaAt(b, newest)
	ne.PutUint64(m[32:], ^uint64(0)) // no freelist: bbolt rebuilds it at Open by walking the pages
	reseal(m)
	add(damageCase{name: "meta page: free list not written", data: b})
	for _, p := range pages {
		if p.typ == "leaf" || p.typ == "branch" {
			b := bytes.Clone(base)
			m := metaAt(b, newest)
			ne.PutUint64(m[32:], ^uint64(0))
			reseal(m)
			ne.PutUint32(b[int(p.id)*ps+12:], 0xFFFFFFFF)
			add(damageCase{name: fmt.Sprintf("free list not written, page %d overflow 0xffffffff", p.id), data: b, broken: true, refuse: true})
			break
		}
	}

	// Page headers and elements, on every page in use.
	for _, p := range pages {
		at := int(p.id) * ps
		switch p.typ {
		case "meta":
			edit(fmt.Sprintf("meta page %d: header type 0x02", p.id), true, func(b []byte) { ne.PutUint16(b[at+8:], 0x02) })
			edit(fmt.Sprintf("meta page %d: header ID 7", p.id), true, func(b []byte) { ne.PutUint64(b[at:], 7) })
		case "freelist":
			edit(fmt.Sprintf("freelist page %d: type 0x02", p.id), true, func(b []byte) { ne.PutUint16(b[at+8:], 0x02) })
			edit(fmt.Sprintf("freelist page %d: overflow 0xffffffff", p.id), true, func(b []byte) { ne.PutUint32(b[at+12:], 0xFFFFFFFF) })
			edit(fmt.Sprintf("freelist page %d: count 0xffff, then 2^62", p.id), true, func(b []byte) {
				ne.PutUint16(b[at+10:], 0xFFFF)
				ne.PutUint64(b[at+16:], 1<<62)
			})
			if p.count > 0 {
				for _, id := range []uint64{0, 1, 1 << 40} {
					edit(fmt.Sprintf("freelist page %d lists page %d", p.id, id), true, func(b []byte) { ne.PutUint64(b[at+16:], id) })
				}
			}
		case "branch", "leaf":
			for _, h := range []struct {
				name string
				fn   func(b []byte)
			}{
				{"overflow 0xffffffff", func(b []byte) { ne.PutUint32(b[at+12:], 0xFFFFFFFF) }},
				{"overflow 1000", func(b []byte) { ne.PutUint32(b[at+12:], 1000) }},
				{"count 0xffff", func(b []byte) { ne.PutUint16(b[at+10:], 0xFFFF) }},
				{"type 0", func(b []byte) { ne.PutUint16(b[at+8:], 0) }},
				{"type meta", func(b []byte) { ne.PutUint16(b[at+8:], 0x04) }},
				{"type freelist", func(b []byte) { ne.PutUint16(b[at+8:], 0x10) }},
				{"ID of another page", func(b []byte) { ne.PutUint64(b[at:], p.id+1) }},
				{"ID 2^40", func(b []byte) { ne.PutUint64(b[at:], 1<<40) }},
			} {
				edit(fmt.Sprintf("%s page %d: %s", p.typ, p.id, h.name), true, h.fn)
			}
			if p.count == 0 {
				continue
			}
			e := at + 16 // element 0
			last := at + 16 + 16*(p.count-1)
			if p.typ == "branch" {
				for _, c := range []struct {
					name string
					off  int
					v    uint64
					u32  bool
				}{
					{"element 0 points at its own page", 8, p.id, false},
					{"element 0 points at page 2^40", 8, 1 << 40, false},
					{"element 0 points at meta page 1", 8, 1, false},
					{"element 0 key size 0x7ffffff0", 4, 0x7ffffff0, true},
					{"element 0 key position 0xfffffff0", 0, 0xfffffff0, true},
				} {
					edit(fmt.Sprintf("branch page %d: %s", p.id, c.name), true, func(b []byte) {
						if c.u32 {
							ne.PutUint32(b[e+c.off:], uint32(c.v))
						} else {
							ne.PutUint64(b[e+c.off:], c.v)
						}
					})
				}
				// The last element points back at the first child's parent: the page
				// itself, reached again through a child.
				edit(fmt.Sprintf("branch page %d: last element points at its own page", p.id), true, func(b []byte) { ne.PutUint64(b[last+8:], p.id) })
				continue
			}
			for _, c := range []struct {
				name string
				off  int
				v    uint32
			}{
				{"key size 0x7ffffff0", 8, 0x7ffffff0},
				{"value size 0x7ffffff0", 12, 0x7ffffff0},
				{"key position 0xfffffff0", 4, 0xfffffff0},
				{"value size 0xffffffff", 12, 0xffffffff},
			} {
				edit(fmt.Sprintf("leaf page %d: element 0 %s", p.id, c.name), true, func(b []byte) { ne.PutUint32(b[e+c.off:], c.v) })
				edit(fmt.Sprintf("leaf page %d: last element %s", p.id, c.name), true, func(b []byte) { ne.PutUint32(b[last+c.off:], c.v) })
			}
			for _, i := range p.buckets {
				el := at + 16 + 16*i
				v := el + int(ne.Uint32(base[el+4:])) + int(ne.Uint32(base[el+8:])) // the bucket header
				root := ne.Uint64(base[v:])
				edit(fmt.Sprintf("leaf page %d: bucket %d's root is its parent page", p.id, i), true, func(b []byte) { ne.PutUint64(b[v:], p.id) })
				edit(fmt.Sprintf("leaf page %d: bucket %d's root is page 2^40", p.id, i), true, func(b []byte) { ne.PutUint64(b[v:], 1<<40) })
				edit(fmt.Sprintf("leaf page %d: bucket %d's value is 8 bytes", p.id, i), true, func(b []byte) { ne.PutUint32(b[el+12:], 8) })
				if root == 0 {
					edit(fmt.Sprintf("leaf page %d: inline bucket %d: type 0x01", p.id, i), true, func(b []byte) { ne.PutUint16(b[v+16+8:], 0x01) })
					edit(fmt.Sprintf("leaf page %d: inline bucket %d: count 0xffff", p.id, i), true, func(b []byte) { ne.PutUint16(b[v+16+10:], 0xFFFF) })
					edit(fmt.Sprintf("leaf page %d: inline bucket %d: element 0 key size 0x7ffffff0", p.id, i), true, func(b []byte) { ne.PutUint32(b[v+32+8:], 0x7ffffff0) })
				}
			}
		}
	}

	// Single-byte flips: the bytes of the header and of the first element of every page
	// in use that hold the low and high bytes of each field, and a sample of the rest;
	// every byte with -damage-all.
	patterns := []byte{0xFF, 0x01, 0x80, 0x10}
	flip := func(off int, x byte) {
		add(damageCase{name: fmt.Sprintf("byte %d (page %d, offset %d) ^ %#02x", off, off/ps, off%ps, x), flip: off, xor: x})
	}
	if all {
		for off := range hwm * ps {
			flip(off, 0xFF)
		}
		return cases
	}
	fields := []int{0, 1, 7, 8, 10, 11, 12, 15} // of the header and of an element
	for _, p := range pages {
		if p.typ == "free" {
			continue // the sample below reaches them
		}
		at := int(p.id) * ps
		for i, f := range fields {
			flip(at+f, patterns[(int(p.id)+i)%len(patterns)])
			if (p.typ == "branch" || p.typ == "leaf") && p.count > 0 {
				flip(at+16+f, patterns[(int(p.id)+i+1)%len(patterns)])
			}
		}
	}
	for i, off := 0, 7; off < hwm*ps; i, off = i+1, off+397 {
		flip(off, patterns[i%len(patterns)])
	}
	return cases
}

// damageResult is what a child reports of one case.
type damageResult struct {
	Open       string `json:",omitempty"` // Open's error
	OpenOK     bool   // Open's error, if any, wraps ErrCorrupt or ErrSchemaTooNew
	Check      string `json:",omitempty"` // Check's error
	CheckOK    bool   // Check's error, if any, wraps ErrCorrupt
	Loop       bool   // Check found a loop: reads skipped
	View       string `json:",omitempty"` // the error of the reads in a View
	Journal    string `json:",omitempty"` // the error of the reads of the journal
	JournalOK  bool   // the journal reads found the base's journal
	Update     string `json:",omitempty"` // the error of the reads in an Update
	ViewSame   bool   // the reads in the View found the base's records
	ReadErrors bool   // some read returned an error that does not wrap ErrCorrupt or ErrNotFound
	Alloc      uint64 // bytes allocated
}

// runDamageCase opens, checks and reads one damaged file.
func runDamageCase(path string, data []byte, c damageCase, want, wantJournal string) (r damageResult) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	alloc := ms.TotalAlloc
	defer func() {
		runtime.ReadMemStats(&ms)
		r.Alloc = ms.TotalAlloc - alloc
	}()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		panic(err)
	}
	s, err := bolt.Open(path, &bolt.Options{NoSync: true, Timeout: 10 * time.Second})
	if err != nil {
		// A changed schema version may look like a newer one: Open refuses it as such.
		r.Open, r.OpenOK = err.Error(), errors.Is(err, bolt.ErrCorrupt) || errors.Is(err, bolt.ErrSchemaTooNew)
		return r
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // generous: the walk bounds the time
	defer cancel()
	if err := s.Check(ctx); err != nil {
		r.Check, r.CheckOK = err.Error(), errors.Is(err, bolt.ErrCorrupt)
		r.Loop = strings.Contains(err.Error(), "the tree loops")
	} else {
		r.CheckOK = true
	}
	if r.Loop {
		return r
	}
	readErr := func(err error) string {
		if err == nil {
			return ""
		}
		if !errors.Is(err, bolt.ErrCorrupt) && !errors.Is(err, pricing.ErrNotFound) {
			r.ReadErrors = true
		}
		return err.Error()
	}
	err = s.View(ctx, func(tx pricing.Tx) error {
		got, err := readAll(tx)
		r.ViewSame = err == nil && got == want
		return err
	})
	r.View = readErr(err)
	r.Update = readErr(s.Update(ctx, func(tx pricing.Tx) error {
		_, err := readAll(tx)
		return err
	}))
	j, err := readJournal(s)
	r.Journal, r.JournalOK = readErr(err), err == nil && j == wantJournal
	return r
}

// TestDamagedFiles runs the damage corpus in child processes and checks what each case
// did.
func TestDamagedFiles(t *testing.T) {
	if dir := os.Getenv(damageDirEnv); dir != "" {
		damageChild(t, dir)
		return
	}
	dir := t.TempDir()
	basePath, base := readDamageBase(t, dir)
	cases := damageCorpus(t, basePath, base, *damageAll)
	results := make([]*damageResult, len(cases))
	var crashes []string
	for from := 0; from < len(cases); {
		next, crash := runDamageChild(t, dir, from, results)
		if crash != "" {
			crashes = append(crashes, fmt.Sprintf("case %d (%s): %s", next, cases[next].name, crash))
			next++
		}
		from = next
	}
	var refused, checked, loops, undetected, maxAlloc int
	for i, c := range cases {
		r := results[i]
		if r == nil {
			continue // the case killed its child
		}
		maxAlloc = max(maxAlloc, int(r.Alloc))
		switch {
		case r.Open != "":
			refused++
			if !r.OpenOK {
				t.Errorf("%s: Open: %s; want an error wrapping ErrCorrupt or ErrSchemaTooNew", c.name, r.Open)
			}
			continue
		case c.refuse:
			t.Errorf("%s: Open succeeded; want it refused", c.name)
		}
		if r.Check != "" {
			checked++
		}
		if !r.CheckOK {
			t.Errorf("%s: Check: %s; want nil or an error wrapping ErrCorrupt", c.name, r.Check)
		}
		if c.broken && r.Check == "" {
			t.Errorf("%s: Check found nothing", c.name)
		}
		if r.Loop {
			loops++
			continue
		}
		if r.ReadErrors {
			t.Errorf("%s: a read failed with an error that wraps neither ErrCorrupt nor ErrNotFound: View %q, Update %q, journal %q", c.name, r.View, r.Update, r.Journal)
		}
		if r.Check == "" && (r.View != "" || r.Update != "" || r.Journal != "") {
			t.Errorf("%s: Check found nothing, but reads failed: View %q, Update %q, journal %q", c.name, r.View, r.Update, r.Journal)
		}
		if r.Check == "" && (!r.ViewSame || !r.JournalOK) && !c.older {
			if undetected++; undetected <= 10 {
				t.Logf("%s: Check found nothing, and the records differ (bbolt keeps no checksums of data pages)", c.name)
			}
		}
		if r.Alloc > damageMaxAlloc {
			t.Errorf("%s: allocated %d bytes, want at most %d", c.name, r.Alloc, damageMaxAlloc)
		}
	}
	for _, c := range crashes {
		t.Errorf("killed the process: %s", c)
	}
	types := map[string]int{}
	_, pages := basePages(t, basePath, base)
	for _, p := range pages {
		types[p.typ]++
	}
	t.Logf("%d cases of a %d-byte file (pages: %v): %d killed the process, %d refused by Open, %d reported by Check (%d loops: reads skipped), %d data changes Check cannot see; at most %d bytes allocated by a case",
		len(cases), len(base), types, len(crashes), refused, checked, loops, undetected, maxAlloc)
}

// runDamageChild runs the cases from from on in a child process and fills results. It
// returns the case after the last one the child finished and, if the child died during
// that case, how.
func runDamageChild(t *testing.T, dir string, from int, results []*damageResult) (next int, crash string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDamagedFiles$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), damageDirEnv+"="+dir, damageFromEnv+"="+strconv.Itoa(from), damageAllEnv+"="+strconv.FormatBool(*damageAll))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	next = from
	started := -1
	stall := time.AfterFunc(*damageStall, func() { _ = cmd.Process.Kill() })
	defer stall.Stop()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	var other strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "damage start "); ok {
			started, _ = strconv.Atoi(n)
			stall.Reset(*damageStall)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "damage done "); ok {
			n, js, _ := strings.Cut(rest, " ")
			i, _ := strconv.Atoi(n)
			var r damageResult
			if err := json.Unmarshal([]byte(js), &r); err != nil {
				t.Fatalf("child: %q: %v", line, err)
			}
			results[i] = &r
			next = i + 1
			continue
		}
		other.WriteString(line + "\n")
	}
	err = cmd.Wait()
	if started >= next { // the child died in the middle of a case
		out := strings.TrimSpace(stderr.String() + other.String())
		if i := strings.Index(out, "\ngoroutine "); i > 0 {
			out = out[:i] // the panic or signal, without the stacks
		}
		if out == "" {
			out = fmt.Sprintf("no end after %v", *damageStall)
		}
		return started, fmt.Sprintf("%v: %s", err, out)
	}
	if err != nil {
		t.Fatalf("child: %v\n%s%s", err, other.String(), stderr.String())
	}
	return next, ""
}

// damageChild is the child of TestDamagedFiles: it runs the cases from the one the
// parent says on, reporting each before and after.
func damageChild(t *testing.T, dir string) {
	from, err := strconv.Atoi(os.Getenv(damageFromEnv))
	if err != nil {
		t.Fatal(err)
	}
	basePath := filepath.Join(dir, "base.db")
	base, err := os.ReadFile(basePath)
	if err != nil {
		t.Fatal(err)
	}
	cases := damageCorpus(t, basePath, base, os.Getenv(damageAllEnv) == "true")
	want, wantJournal := baseRecords(t, filepath.Join(dir, fmt.Sprintf("child-%d-base.db", from)), base)
	path := filepath.Join(dir, fmt.Sprintf("child-%d.db", from))
	for i := from; i < len(cases); i++ {
		fmt.Printf("damage start %d\n", i)
		r := runDamageCase(path, cases[i].bytes(base), cases[i], want, wantJournal)
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("damage done %d %s\n", i, js)
	}
}

// baseRecords returns what readAll and readJournal read from a copy of base.
func baseRecords(t *testing.T, path string, base []byte) (records, journal string) {
	t.Helper()
	if err := os.WriteFile(path, base, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	view(t, s, func(tx pricing.Tx) (err error) {
		records, err = readAll(tx)
		return err
	})
	if journal, err = readJournal(s); err != nil {
		t.Fatal(err)
	}
	return records, journal
}
