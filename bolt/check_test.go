package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// lp is the schema's length prefix, spelled again here to corrupt files by hand.
func lp(s string) string { return string(binary.AppendUvarint(nil, uint64(len(s)))) + s }

// TestCheckFindsCorruptIndexes corrupts one index or record at a time with raw bbolt
// writes and expects Check to name the problem.
func TestCheckFindsCorruptIndexes(t *testing.T) {
	f := sampleFixture()
	p := f.prices[5] // a list price with a region
	type edit struct {
		bucket, key string
		value       []byte // nil: delete
	}
	type testCase struct {
		name  string
		edits []edit
		want  string
	}
	cases := []testCase{
		{"variant_currency_prices entry deleted", []edit{{"variant_currency_prices", lp(p.VariantID) + lp(p.CurrencyCode) + p.ID, nil}},
			"variant_currency_prices entry missing"},
		{"variant_currency_prices value stale", []edit{{"variant_currency_prices", lp(p.VariantID) + lp(p.CurrencyCode) + p.ID, nil}},
			"variant_currency_prices"},
		{"stray variant_currency_prices entry", []edit{{"variant_currency_prices", lp("var_x") + lp("usd") + "ghost", nil}},
			`price "ghost" missing`},
		{"undecodable variant_currency_prices entry", []edit{{"variant_currency_prices", lp("var_x") + lp("usd") + "junk", []byte("\x01junk")}},
			`bucket variant_currency_prices, key "\x05var_x\x03usdjunk": bad price`},
		{"variant_currency_prices value of an unknown format", []edit{{"variant_currency_prices", lp("var_x") + lp("usd") + "junk", []byte("junk")}},
			`bucket variant_currency_prices, key "\x05var_x\x03usdjunk": value of format 106, this package reads formats 1 to 2`},
		{"price_keys entry deleted", nil, "maps to"},
		{"list_prices entry deleted", []edit{{"list_prices", lp(p.PriceListID) + p.ID, nil}}, "list_prices entry missing"},
		{"list_prices entry in another list", []edit{{"list_prices", lp("pl_1") + p.ID, []byte{}}}, "is in list"},
		{"price record garbage", []edit{{"prices", p.ID, []byte("\x01garbage")}}, "bucket prices, key " + strconv.Quote(p.ID) + ": bad price"},
		{"price record of an unknown format", []edit{{"prices", p.ID, []byte("\x03garbage")}}, "bucket prices, key " + strconv.Quote(p.ID) + ": value of format 3"},
		{"price record empty", []edit{{"prices", p.ID, []byte{}}}, "bucket prices, key " + strconv.Quote(p.ID) + ": empty value"},
		{"group_names entry deleted", []edit{{"group_names", f.keys[1], nil}}, "name key"},
		{"group_names entry for a missing group", []edit{{"group_names", "ghost", []byte("\x01ghost")}}, `group "ghost" missing`},
		{"group_names entry without an ID", []edit{{"group_names", "ghost", []byte("\x01")}}, `bucket group_names, key "ghost": ID of 0 bytes`},
		{"members entry with a value", []edit{{"members", lp("cg_1") + "cus_1", []byte("x")}}, `bucket members, key "\x04cg_1cus_1": value of 1 bytes in a key-only index`},
		{"member_of entry deleted", []edit{{"member_of", lp("cus_2") + "cg_1", nil}}, "member_of entry missing"},
		{"stray member_of entry", []edit{{"member_of", lp("cus_9") + "cg_1", []byte{}}}, "members entry missing"},
		{"member count wrong", []edit{{"member_counts", "cg_1", binary.BigEndian.AppendUint64([]byte{1}, 7)}}, `member_counts: group "cg_1": count 7, but 3 members`},
		{"member count without its format byte", []edit{{"member_counts", "cg_1", binary.BigEndian.AppendUint64(nil, 3)}}, `bucket member_counts, key "cg_1": value of format 0`},
		{"list terms deleted", []edit{{"list_terms", "pl_2", nil}}, "terms missing"},
		{"group_lists entry deleted", []edit{{"group_lists", lp("cg_1") + "pl_2", nil}}, "group_lists entry"},
		{"stray list_groups entry", []edit{{"list_groups", lp("pl_2") + "cg_2", []byte{}}}, "does not name group"},
		{"adjusted_lists entry deleted", []edit{{"adjusted_lists", "pl_1", nil}}, `list "pl_1": adjusted_lists entry missing`},
		{"adjusted_lists entry of a list without adjustment", []edit{{"adjusted_lists", "pl_2", []byte{}}}, `adjusted_lists: list "pl_2" has no adjustment`},
		{"adjusted_lists entry of no list", []edit{{"adjusted_lists", "ghost", []byte{}}}, `adjusted_lists: list "ghost": record missing`},
		{"adjusted_lists entry with a value", []edit{{"adjusted_lists", "pl_1", []byte("x")}}, `adjusted_lists: list "pl_1": a value of 1 bytes`},
		{"list_order entry deleted", []edit{{"list_order", "n" + "sale\x00pl_2", nil}}, `lists: list "pl_2": list_order entry 'n' missing`},
		{"list_order entry of no list", []edit{{"list_order", "n" + "ghost\x00ghost", []byte("\x01\x00\x00")}}, `list_order: entry "nghost\x00ghost" of no list`},
		{"list_order value stale", []edit{{"list_order", "n" + "sale\x00pl_2", []byte("\x01\x00\x00stale")}}, `list_order: list "pl_2": entry 'n' does not hold`},
		{"list_order count wrong", []edit{{"list_order", "#count", binary.BigEndian.AppendUint64([]byte{1}, 7)}}, `list_order: count 7, but`},
		{"list_order count without its format byte", []edit{{"list_order", "#count", binary.BigEndian.AppendUint64(nil, 3)}}, `bucket list_order, key "#count": value of format 0`},
		{"list_order count deleted", []edit{{"list_order", "#count", nil}}, `list_order: no #count`},
		{"list terms of an unknown format", []edit{{"list_terms", "pl_2", []byte("\x03")}}, `bucket list_terms, key "pl_2": value of format 3, this package reads formats 1 to 2`},
	}
	// Stale value: the price's amount changed in the index only.
	stale := p
	stale.Amount++
	cases[1].edits[0].value = encodedIndexValue(t, stale)
	cases[2].edits[0].value = encodedIndexValue(t, stale)
	cases[slices.IndexFunc(cases, func(c testCase) bool { return c.name == "price_keys entry deleted" })].edits = []edit{{"price_keys", lp(p.PriceListID) + lp(p.VariantID) + lp(p.CurrencyCode) + lp(p.RegionID) +
		string(binary.BigEndian.AppendUint64(nil, uint64(p.MinQuantity))) +
		string(binary.BigEndian.AppendUint64(nil, uint64(p.MaxQuantity))), nil}}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pricing.db")
			s, err := bolt.Open(path, &bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			f.load(t, s)
			if err := s.Check(context.Background()); err != nil {
				t.Fatalf("Check before the corruption: %v", err)
			}
			if err := s.DB().Update(func(btx *bbolt.Tx) error {
				root := btx.Bucket([]byte(bolt.DefaultBucket))
				for _, e := range c.edits {
					b := root.Bucket([]byte(e.bucket))
					var err error
					if e.value == nil {
						if b.Get([]byte(e.key)) == nil && !hasKey(b, e.key) {
							t.Fatalf("%s: no key %q to delete", e.bucket, e.key)
						}
						err = b.Delete([]byte(e.key))
					} else {
						err = b.Put([]byte(e.key), e.value)
					}
					if err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			err = s.Check(context.Background())
			if !errors.Is(err, bolt.ErrCorrupt) {
				t.Fatalf("Check: got %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Check error does not mention %q:\n%v", c.want, err)
			}
		})
	}
}

func hasKey(b *bbolt.Bucket, key string) bool {
	k, _ := b.Cursor().Seek([]byte(key))
	return string(k) == key
}

// encodedIndexValue returns the value the store keeps for p in
// variant_currency_prices.
func encodedIndexValue(t *testing.T, p pricing.Price) []byte {
	t.Helper()
	s, _ := openTemp(t)
	update(t, s, func(tx pricing.Tx) error { return tx.PutPrice(p) })
	var v []byte
	if err := s.DB().View(func(btx *bbolt.Tx) error {
		b := btx.Bucket([]byte(bolt.DefaultBucket)).Bucket([]byte("variant_currency_prices"))
		v = bytes.Clone(b.Get([]byte(lp(p.VariantID) + lp(p.CurrencyCode) + p.ID)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		t.Fatal("no index value")
	}
	return v
}

// TestReadsReportCorruptRecords: a record that does not decode is an ErrCorrupt error
// from the Tx, not a panic or a zero value.
func TestReadsReportCorruptRecords(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "pricing.db"), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := sampleFixture()
	f.load(t, s)
	p := f.prices[0]
	if err := s.DB().Update(func(btx *bbolt.Tx) error {
		root := btx.Bucket([]byte(bolt.DefaultBucket))
		if err := root.Bucket([]byte("prices")).Put([]byte(p.ID), []byte{1, 2, 3}); err != nil {
			return err
		}
		if err := root.Bucket([]byte("variant_currency_prices")).Put([]byte(lp(p.VariantID)+lp(p.CurrencyCode)+p.ID), []byte{1}); err != nil {
			return err
		}
		return root.Bucket([]byte("groups")).Put([]byte(f.groups[0].ID), []byte{200})
	}); err != nil {
		t.Fatal(err)
	}
	priceAt := "bucket prices, key " + strconv.Quote(p.ID)
	indexAt := "bucket variant_currency_prices, key " + strconv.Quote(lp(p.VariantID)+lp(p.CurrencyCode)+p.ID)
	groupAt := "bucket groups, key " + strconv.Quote(f.groups[0].ID)
	view(t, s, func(tx pricing.Tx) error {
		for _, c := range []struct {
			what, at string
			err      error
		}{
			{"Price", priceAt, second(tx.Price(p.ID))},
			{"Prices", priceAt, tx.Prices(func(pricing.Price) bool { return true })},
			{"PricesOfList", priceAt, tx.PricesOfList(p.PriceListID, func(pricing.Price) bool { return true })},
			{"AppendVariantPrices", indexAt, second(tx.AppendVariantPrices(nil, p.VariantID, p.CurrencyCode))},
			{"PricesOfVariant", indexAt, tx.PricesOfVariant(p.VariantID, func(pricing.Price) bool { return true })},
			{"CustomerGroup", groupAt, second(tx.CustomerGroup(f.groups[0].ID))},
			{"CustomerGroups", groupAt, tx.CustomerGroups(func(pricing.CustomerGroup) bool { return true })},
		} {
			if !errors.Is(c.err, bolt.ErrCorrupt) || !strings.Contains(c.err.Error(), c.at) {
				t.Errorf("%s of a corrupt record: got %v, want ErrCorrupt naming %s", c.what, c.err, c.at)
			}
		}
		return nil
	})
}

// TestCheckFindsBrokenPages breaks bbolt's own structure: a page that is neither
// reachable nor free (it leaked from the freelist).
func TestCheckFindsBrokenPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pricing.db")
	s, err := bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	f := sampleFixture()
	f.load(t, s)
	f.load(t, s) // a second commit frees the pages the first one wrote
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The current meta page (0 or 1, the higher txid) names the freelist page; drop the
	// last page ID of its list. Layouts: page header = id u64, flags u16, count u16,
	// overflow u32; meta (after the header) = magic, version, page size, flags (u32
	// each), root bucket (16 bytes), freelist page u64, high water mark u64, txid u64.
	le := binary.LittleEndian
	pageSize := int(le.Uint32(data[16+8:]))
	meta := data[16:]
	if le.Uint64(data[pageSize+16+48:]) > le.Uint64(data[16+48:]) {
		meta = data[pageSize+16:]
	}
	fl := data[int(le.Uint64(meta[32:]))*pageSize:]
	count := le.Uint16(fl[10:])
	if le.Uint16(fl[8:]) != 0x10 || count == 0 || count == 0xFFFF {
		t.Skipf("freelist page has flags %#x and count %d", le.Uint16(fl[8:]), count)
	}
	leaked := le.Uint64(fl[16+8*int(count-1):])
	le.PutUint16(fl[10:], count-1)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Check(context.Background())
	if !errors.Is(err, bolt.ErrCorrupt) || !strings.Contains(err.Error(), "unreachable unfreed") {
		t.Fatalf("Check of a file that leaked page %d: got %v, want bbolt's unreachable page", leaked, err)
	}
	t.Logf("page %d leaked: %v", leaked, err)
}

// TestCheckFindsDamagedPages damages the header or an element of one page of a data
// bucket at a time, with the numbers of the tryout that crashed bbolt's checker (a key
// length of 0x7ffffff0 panicked it, an overflow count of 0xffffffff ran it for ever),
// and expects Check (or Open, for the header of a bucket's root page, which it checks)
// to name the damage, and reads to fail or succeed without killing the process (except
// on a loop, which bbolt's cursors descend for ever).
func TestCheckFindsDamagedPages(t *testing.T) {
	_, data, ps, pages := damageFile(t)
	ne := binary.NativeEndian
	// A branch page (the root of a data bucket), a leaf under it, and a leaf of another
	// data bucket.
	page := func(id uint64) damagePage {
		return pages[slices.IndexFunc(pages, func(p damagePage) bool { return p.id == id })]
	}
	children := func(p damagePage) (ids []uint64) {
		for e := range p.count {
			ids = append(ids, ne.Uint64(data[int(p.id)*ps+16+16*e+8:]))
		}
		return ids
	}
	i := slices.IndexFunc(pages, func(p damagePage) bool {
		if p.typ != "branch" {
			return false
		}
		c := page(children(p)[0])
		return c.typ == "leaf" && len(c.buckets) == 0
	})
	if i < 0 {
		t.Fatalf("the base file has no branch page over leaves of data: %+v", pages)
	}
	branch := pages[i]
	b0 := int(branch.id) * ps
	kids := children(branch)
	leaf := page(kids[0])
	other := slices.IndexFunc(pages, func(p damagePage) bool {
		return p.typ == "leaf" && len(p.buckets) == 0 && !slices.Contains(kids, p.id)
	})
	if leaf.typ != "leaf" || other < 0 {
		t.Fatalf("the base file has no leaf under branch page %d, or no other data leaf: %+v", branch.id, pages)
	}
	l0 := int(leaf.id) * ps
	for _, c := range []struct {
		name   string
		damage func(b []byte)
		want   string
	}{
		{"leaf element key size 0x7ffffff0", func(b []byte) { ne.PutUint32(b[l0+16+8:], 0x7ffffff0) }, "run past the page"},
		{"leaf element value size 0xffffffff", func(b []byte) { ne.PutUint32(b[l0+16+12:], 0xffffffff) }, "run past the page"},
		{"leaf element position 0xfffffff0", func(b []byte) { ne.PutUint32(b[l0+16+4:], 0xfffffff0) }, "run past the page"},
		{"leaf overflow 0xffffffff", func(b []byte) { ne.PutUint32(b[l0+12:], 0xffffffff) }, "overflow pages run past"},
		{"leaf count 0xffff", func(b []byte) { ne.PutUint16(b[l0+10:], 0xffff) }, "elements overflow"},
		{"leaf type freelist", func(b []byte) { ne.PutUint16(b[l0+8:], 0x10) }, "has type 0x10"},
		{"leaf ID of another page", func(b []byte) { ne.PutUint64(b[l0:], leaf.id+1) }, "has the header of page"},
		{"branch overflow 0xffffffff", func(b []byte) { ne.PutUint32(b[b0+12:], 0xffffffff) }, "overflow pages run past"},
		{"branch key size 0x7ffffff0", func(b []byte) { ne.PutUint32(b[b0+16+4:], 0x7ffffff0) }, "runs past the page"},
		{"branch child 2^40", func(b []byte) { ne.PutUint64(b[b0+16+8:], 1<<40) }, "not among pages"},
		{"branch child is a meta page", func(b []byte) { ne.PutUint64(b[b0+16+8:], 1) }, "not among pages"},
		{"branch child is the branch page", func(b []byte) { ne.PutUint64(b[b0+16+8:], branch.id) }, "the tree loops"},
		{"branch child is a leaf of another bucket", func(b []byte) { ne.PutUint64(b[b0+16+8:], pages[other].id) }, "in use elsewhere"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(data)
			c.damage(b)
			p := filepath.Join(t.TempDir(), "damaged.db")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := bolt.Open(p, &bolt.Options{NoSync: true})
			if err != nil {
				// The root page of a bucket: Open checks its header.
				if !errors.Is(err, bolt.ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Open: %v; want a Store, or ErrCorrupt saying %q", err, c.want)
				}
				return
			}
			defer s.Close()
			err = s.Check(context.Background())
			if !errors.Is(err, bolt.ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Check: %v; want ErrCorrupt saying %q", err, c.want)
			}
			t.Log(err)
			if strings.Contains(err.Error(), "the tree loops") {
				return
			}
			err = s.View(context.Background(), func(tx pricing.Tx) error { _, err := readAll(tx); return err })
			if err != nil && !errors.Is(err, bolt.ErrCorrupt) {
				t.Errorf("reads: %v; want nil or ErrCorrupt", err)
			}
		})
	}
}
