package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
)

// The fuzz tests feed every decoder of encoding.go arbitrary bytes. A decoder must
// never panic; it fails with an error that wraps ErrCorrupt and names the bucket and
// the key, or it succeeds with a value that encodes and decodes back to itself. Run
// one for a while with
//
//	go test -run '^$' -fuzz '^FuzzDecodeGroup$' -fuzztime 1m ./bolt/
//
// The seeds are the encodings of the golden values, so the fuzzer starts from valid
// bytes.

// wantBadValue fails the test unless err wraps ErrCorrupt and names bucket id and key.
func wantBadValue(t *testing.T, err error, id bucketID, key string) {
	t.Helper()
	at := "bucket " + bucketNames[id] + ", key " + quoteKey(key)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), at) {
		t.Fatalf("error %v: want ErrCorrupt naming %s", err, at)
	}
}

// fuzzGroups, fuzzLists and fuzzPrices seed the fuzzers.
var (
	fuzzTime   = time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)
	fuzzGroups = []pricing.CustomerGroup{
		{ID: "cg_1", Name: "Wholesale", CreatedAt: fuzzTime, UpdatedAt: fuzzTime,
			Metadata: map[string]any{"tier": "gold", "n": 1.5, "tags": []any{"a", nil, true}}, Revision: 5},
		{ID: "cg\x00odd", Name: "", CreatedAt: time.Date(1500, 1, 1, 0, 0, 0, 1, time.UTC), Metadata: map[string]any{}},
	}
	fuzzLists = []pricing.PriceList{
		{ID: "pl_1", Name: "Sale", Description: "d", Type: pricing.Sale, Status: pricing.Active,
			StartsAt: fuzzTime, EndsAt: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
			CustomerGroupIDs: []string{"cg_1", "cg_2"}, IncludesTax: true, Metadata: map[string]any{"k": "v"},
			CreatedAt: fuzzTime, UpdatedAt: fuzzTime, Revision: 3},
		{ID: "pl_2", Type: pricing.Override, Status: pricing.Draft, CustomerGroupIDs: []string{}},
		{ID: "pl_3", Type: "custom", Status: "custom"},
		{ID: "pl_4", Type: pricing.Sale, Status: pricing.Active, CustomerGroupIDs: []string{"cg_1"},
			CustomerIDs: []string{"cus_1", "cus_22"}, ChannelIDs: []string{"web"},
			Adjustment: &pricing.Adjustment{Percent: -12.5, Rounding: pricing.RoundHalfUp}},
	}
	fuzzPrices = []pricing.Price{
		{ID: "price_1", VariantID: "var_1", CurrencyCode: "usd", Amount: 2000},
		{ID: "price_2", PriceListID: "pl_1", VariantID: "var_1", CurrencyCode: "eur", RegionID: "reg_de",
			Amount: -1, MinQuantity: 10, MaxQuantity: 99, IncludesTax: true, Revision: 1000},
	}
)

func FuzzDecodeGroup(f *testing.F) {
	for _, g := range fuzzGroups {
		v, err := encodeGroup(g, "key "+g.Name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(g.ID, v)
	}
	f.Fuzz(func(t *testing.T, id string, v []byte) {
		g, nameKey, err := decodeGroup(id, v)
		if err != nil {
			wantBadValue(t, err, bkGroups, id)
			return
		}
		if k, err := groupNameKey(id, v); err != nil || string(k) != nameKey {
			t.Fatalf("groupNameKey = %q, %v; decodeGroup's name key %q", k, err, nameKey)
		}
		v2, err := encodeGroup(g, nameKey)
		if err != nil {
			t.Fatalf("encode %#v: %v", g, err)
		}
		g2, nameKey2, err := decodeGroup(id, v2)
		if err != nil || !reflect.DeepEqual(g2, g) || nameKey2 != nameKey {
			t.Fatalf("round trip: %#v %q %v, want %#v %q", g2, nameKey2, err, g, nameKey)
		}
	})
}

func FuzzGroupNameKey(f *testing.F) {
	for _, g := range fuzzGroups {
		v, _ := encodeGroup(g, "key "+g.Name)
		f.Add(g.ID, v)
	}
	f.Fuzz(func(t *testing.T, id string, v []byte) {
		if _, err := groupNameKey(id, v); err != nil {
			wantBadValue(t, err, bkGroups, id)
		}
	})
}

func FuzzDecodeList(f *testing.F) {
	for _, pl := range fuzzLists {
		v, err := encodeList(pl)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(pl.ID, v)
	}
	f.Fuzz(func(t *testing.T, id string, v []byte) {
		pl := pricing.PriceList{ID: id}
		if err := decodeList(&pl, v); err != nil {
			wantBadValue(t, err, bkLists, id)
			return
		}
		v2, err := encodeList(pl)
		if err != nil {
			t.Fatalf("encode %#v: %v", pl, err)
		}
		pl2 := pricing.PriceList{ID: id}
		if err := decodeList(&pl2, v2); err != nil || !reflect.DeepEqual(pl2, pl) {
			t.Fatalf("round trip: %#v %v, want %#v", pl2, err, pl)
		}
	})
}

func FuzzDecodeTerms(f *testing.F) {
	for _, pl := range fuzzLists {
		f.Add(pl.ID, encodeTerms(pl))
	}
	f.Fuzz(func(t *testing.T, id string, v []byte) {
		terms, err := decodeTerms(id, v)
		if err != nil {
			wantBadValue(t, err, bkListTerms, id)
			return
		}
		pl := pricing.PriceList{ID: id, Type: terms.Type, Status: terms.Status, StartsAt: terms.StartsAt,
			EndsAt: terms.EndsAt, CustomerGroupIDs: terms.CustomerGroupIDs, CustomerIDs: terms.CustomerIDs,
			ChannelIDs: terms.ChannelIDs, Adjustment: terms.Adjustment, IncludesTax: terms.IncludesTax}
		terms2, err := decodeTerms(id, encodeTerms(pl))
		if err != nil || !reflect.DeepEqual(terms2, terms) {
			t.Fatalf("round trip: %#v %v, want %#v", terms2, err, terms)
		}
	})
}

func FuzzDecodePrice(f *testing.F) {
	for _, p := range fuzzPrices {
		f.Add([]byte(p.ID), encodePrice(nil, &p))
	}
	f.Fuzz(func(t *testing.T, id, v []byte) {
		p, err := decodePrice(id, v)
		if err != nil {
			wantBadValue(t, err, bkPrices, string(id))
			return
		}
		if p.ID != string(id) {
			t.Fatalf("ID %q, key %q", p.ID, id)
		}
		p2, err := decodePrice(id, encodePrice(nil, &p))
		if err != nil || p2 != p {
			t.Fatalf("round trip: %#v %v, want %#v", p2, err, p)
		}
	})
}

func FuzzDecodeVariantPrice(f *testing.F) {
	for _, p := range fuzzPrices {
		f.Add(variantCurrencyKey(nil, p.VariantID, p.CurrencyCode, p.ID), encodeVariantPrice(nil, &p))
	}
	f.Fuzz(func(t *testing.T, k, v []byte) {
		p, err := decodeVariantPrice(k, v)
		if err != nil {
			wantBadValue(t, err, bkVariantCurrencyPrices, string(k))
			return
		}
		if k2 := variantCurrencyKey(nil, p.VariantID, p.CurrencyCode, p.ID); string(k2) != string(k) {
			t.Fatalf("key %q of the decoded price, want %q", k2, k)
		}
		p2, err := decodeVariantPrice(k, encodeVariantPrice(nil, &p))
		if err != nil || p2 != p {
			t.Fatalf("round trip: %#v %v, want %#v", p2, err, p)
		}
	})
}

func FuzzDecodePriceKey(f *testing.F) {
	for _, p := range fuzzPrices {
		f.Add(priceKeyKey(nil, p.Key()))
	}
	f.Fuzz(func(t *testing.T, k []byte) {
		pk, ok := decodePriceKey(k)
		if !ok {
			return
		}
		if k2 := priceKeyKey(nil, pk); string(k2) != string(k) {
			t.Fatalf("round trip of %q: %q", k, k2)
		}
	})
}

func FuzzSplitPair(f *testing.F) {
	f.Add(pairKey(nil, "cg_1", "cus_1"))
	f.Add(pairKey(nil, "", "price_1"))
	f.Fuzz(func(t *testing.T, k []byte) {
		first, second, ok := splitPair(k)
		if !ok {
			return
		}
		if k2 := pairKey(nil, string(first), string(second)); string(k2) != string(k) {
			t.Fatalf("round trip of %q: %q", k, k2)
		}
	})
}

func FuzzSplitVariantCurrencyKey(f *testing.F) {
	for _, p := range fuzzPrices {
		f.Add(variantCurrencyKey(nil, p.VariantID, p.CurrencyCode, p.ID))
	}
	f.Fuzz(func(t *testing.T, k []byte) {
		variant, currency, id, ok := splitVariantCurrencyKey(k)
		if !ok {
			return
		}
		if k2 := variantCurrencyKey(nil, string(variant), string(currency), string(id)); string(k2) != string(k) {
			t.Fatalf("round trip of %q: %q", k, k2)
		}
	})
}

func FuzzDecodeTime(f *testing.F) {
	for _, tm := range []time.Time{{}, fuzzTime, time.Date(1500, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)} {
		f.Add(appendTime(nil, tm))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		d := decoder{b: v}
		tm := d.time()
		if d.bad {
			return
		}
		d2 := decoder{b: appendTime(nil, tm)}
		if tm2 := d2.time(); d2.bad || len(d2.b) != 0 || !tm2.Equal(tm) || tm2.Location() != time.UTC {
			t.Fatalf("round trip of %v: %v", tm, tm2)
		}
	})
}

func FuzzDecodeCount(f *testing.F) {
	f.Add("cg_1", encodeCount(3))
	f.Fuzz(func(t *testing.T, id string, v []byte) {
		n, err := decodeCount(id, v)
		if err != nil {
			wantBadValue(t, err, bkMemberCounts, id)
			return
		}
		if n2, err := decodeCount(id, encodeCount(n)); err != nil || n2 != n {
			t.Fatalf("round trip of %d: %d, %v", n, n2, err)
		}
	})
}

func FuzzDecodeVersion(f *testing.F) {
	f.Add(encodeVersion(SchemaVersion))
	f.Fuzz(func(t *testing.T, v []byte) {
		n, err := decodeVersion([]byte("pricing"), v)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `bucket "pricing", key "version"`) {
				t.Fatalf("error %v: want ErrCorrupt naming the version key", err)
			}
			return
		}
		if n2, err := decodeVersion([]byte("pricing"), encodeVersion(n)); err != nil || n2 != n {
			t.Fatalf("round trip of %d: %d, %v", n, n2, err)
		}
	})
}

func FuzzDecodeID(f *testing.F) {
	f.Add([]byte("vip"), encodeID(nil, "cg_1"))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		for _, bk := range []bucketID{bkGroupNames, bkPriceKeys} {
			id, err := decodeID(bk, k, v)
			if err != nil {
				wantBadValue(t, err, bk, string(k))
				continue
			}
			if id2, err := decodeID(bk, k, encodeID(nil, string(id))); err != nil || string(id2) != string(id) {
				t.Fatalf("round trip of %q: %q, %v", id, id2, err)
			}
		}
	})
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x01"), encodeEntry(nil, fuzzTime, 3))
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x01\x00"), encodeEntry(nil, time.Date(1500, 1, 1, 0, 0, 0, 1, time.UTC), 300))
	f.Add([]byte("k"), encodeEntry(nil, time.Time{}, 0))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		at, n, err := decodeEntry(k, v)
		if err != nil {
			wantBadValue(t, err, bkJournal, string(k))
			return
		}
		if n < 0 || n > maxEntryItems {
			t.Fatalf("%d items", n)
		}
		at2, n2, err := decodeEntry(k, encodeEntry(nil, at, n))
		if err != nil || !at2.Equal(at) || at2.IsZero() != at.IsZero() || n2 != n {
			t.Fatalf("round trip: %v %d %v, want %v %d", at2, n2, err, at, n)
		}
	})
}

func FuzzDecodeItem(f *testing.F) {
	f.Add(itemKey(nil, 1, 0), encodeItem(nil, "v:var_1", []byte("data \x00\xff")))
	f.Add(itemKey(nil, 2, 7), encodeItem(nil, "c:a\x00b", nil))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		key, data, err := decodeItem(k, v)
		if err != nil {
			wantBadValue(t, err, bkJournalItems, string(k))
			return
		}
		if len(key) == 0 || len(key) > maxPart {
			t.Fatalf("key of %d bytes", len(key))
		}
		if v2 := encodeItem(nil, string(key), data); !bytes.Equal(v2, v) {
			t.Fatalf("round trip of %q: %q", v, v2)
		}
	})
}

func FuzzDecodeJournalKey(f *testing.F) {
	f.Add(journalKey(nil, 1))
	f.Add(journalKey(nil, 1<<40))
	f.Fuzz(func(t *testing.T, k []byte) {
		rev, ok := decodeJournalKey(k)
		if !ok {
			return
		}
		if rev <= 0 {
			t.Fatalf("revision %d", rev)
		}
		if k2 := journalKey(nil, rev); !bytes.Equal(k2, k) {
			t.Fatalf("round trip of %q: %q", k, k2)
		}
	})
}

func FuzzSplitItemKey(f *testing.F) {
	f.Add(itemKey(nil, 1, 0))
	f.Add(itemKey(nil, 1<<40, 70000))
	f.Fuzz(func(t *testing.T, k []byte) {
		rev, seq, ok := splitItemKey(k)
		if !ok {
			return
		}
		if k2 := itemKey(nil, rev, seq); rev <= 0 || !bytes.Equal(k2, k) {
			t.Fatalf("round trip of %q: revision %d, %q", k, rev, k2)
		}
	})
}

func FuzzSplitKeyIndexKey(f *testing.F) {
	f.Add(keyIndexKey(nil, "v:var_1", 1, 0))
	f.Add(keyIndexKey(nil, strings.Repeat("k", 200), 1<<40, 70000))
	f.Fuzz(func(t *testing.T, k []byte) {
		key, rev, seq, ok := splitKeyIndexKey(k)
		if !ok {
			return
		}
		if k2 := keyIndexKey(nil, string(key), rev, seq); len(key) == 0 || rev <= 0 || !bytes.Equal(k2, k) {
			t.Fatalf("round trip of %q: key %q, revision %d, %q", k, key, rev, k2)
		}
	})
}

func FuzzDecodeLastRevision(f *testing.F) {
	f.Add(encodeLastRevision(0))
	f.Add(encodeLastRevision(1 << 40))
	f.Fuzz(func(t *testing.T, v []byte) {
		rev, err := decodeLastRevision([]byte("pricing"), v)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `bucket "pricing", key "last_revision"`) {
				t.Fatalf("error %v: want ErrCorrupt naming the last revision key", err)
			}
			return
		}
		if v2 := encodeLastRevision(rev); rev < 0 || !bytes.Equal(v2, v) {
			t.Fatalf("round trip of %q: revision %d, %q", v, rev, v2)
		}
	})
}

// FuzzWalkPages feeds the reader of bbolt's layout (pages.go) arbitrary files, seeded
// with small databases of 1 KiB pages, their meta pages sealed with a valid checksum:
// readMeta and the walks must return, without a panic, and readMeta must pass only a
// file that holds every page it counts.
func FuzzWalkPages(f *testing.F) {
	for _, n := range []int{0, 1, 40} {
		path := filepath.Join(f.TempDir(), "seed.db")
		s, err := Open(path, &Options{NoSync: true, Bolt: &bbolt.Options{PageSize: 1024, InitialMmapSize: 1 << 15}})
		if err != nil {
			f.Fatal(err)
		}
		err = s.Update(context.Background(), func(tx pricing.Tx) error {
			for i := range n {
				p := fuzzPrices[i%len(fuzzPrices)]
				p.ID, p.MinQuantity = fmt.Sprintf("price_%03d", i), int64(i)
				if err := tx.PutPrice(p); err != nil {
					return err
				}
			}
			return tx.PutCustomerGroup(fuzzGroups[0], "key")
		})
		if err != nil {
			f.Fatal(err)
		}
		var size int64
		_ = s.View(context.Background(), func(pricing.Tx) error { return nil })
		if err := s.db.View(func(btx *bbolt.Tx) error { size = btx.Size(); return nil }); err != nil {
			f.Fatal(err)
		}
		if err := s.Close(); err != nil {
			f.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:size]) // the pages in use, without the room bbolt grew the file by
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Seal the meta pages again, so that changes to them get past their checksums.
		data = bytes.Clone(data)
		reseal := func(off int) {
			if off >= 0 && off+pageHeaderSize+metaSize <= len(data) {
				m := data[off+pageHeaderSize : off+pageHeaderSize+metaSize]
				h := fnv.New64a()
				h.Write(m[:56])
				ne.PutUint64(m[56:], h.Sum64())
			}
		}
		reseal(0)
		if len(data) >= pageHeaderSize+metaSize {
			reseal(int(ne.Uint32(data[pageHeaderSize+8:])))
		}
		r := bytes.NewReader(data)
		m, err := readMeta(r, int64(len(data)))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("readMeta: %v, want ErrCorrupt", err)
			}
			return
		}
		if uint64(len(data))/uint64(m.pageSize) < m.pgid {
			t.Fatalf("readMeta passed %d pages of %d bytes in %d bytes", m.pgid, m.pageSize, len(data))
		}
		walkPages(context.Background(), r, m)
		walkRoot(r, m, []byte(DefaultBucket))
		if m.freelist != noFreelist {
			_, _, _ = freelistSpan(r, m)
		}
	})
}

func FuzzDecodeOrderValue(f *testing.F) {
	f.Add(encodeOrderValue("Summer sale", goldenT1, goldenT1))
	f.Add(encodeOrderValue("", time.Time{}, goldenT1))
	f.Fuzz(func(t *testing.T, v []byte) {
		var h pricing.PriceListHead
		if decodeOrderValue("pl", v, &h) != nil {
			return
		}
		// Times may be spelt in more than one width (FuzzDecodeTime): what must hold is
		// the values.
		var h2 pricing.PriceListHead
		if err := decodeOrderValue("pl", encodeOrderValue(h.Name, h.CreatedAt, h.UpdatedAt), &h2); err != nil ||
			h2.Name != h.Name || !h2.CreatedAt.Equal(h.CreatedAt) || !h2.UpdatedAt.Equal(h.UpdatedAt) {
			t.Fatalf("round trip of %q: %+v, %v", v, h2, err)
		}
	})
}

func FuzzListOrderID(f *testing.F) {
	for _, kind := range everyOrderKind {
		p := positionOf(kind, "pl_1", "Summer", goldenT1, goldenT1)
		f.Add(kind, listOrderKey(nil, kind, &p))
	}
	f.Fuzz(func(t *testing.T, kind byte, k []byte) {
		id, ok := listOrderID(kind, k)
		if ok && !bytes.HasSuffix(k, id) {
			t.Fatalf("the ID %q of %q is not its end", id, k)
		}
	})
}

// FuzzListKeys: the name and times that migration 4→5 and Check read of a list record
// without its metadata are those of the whole record, or an error, never a panic.
func FuzzListKeys(f *testing.F) {
	rec, err := encodeList(pricing.PriceList{ID: "pl", Name: "Summer", Type: pricing.Sale, Status: pricing.Active,
		CreatedAt: goldenT1, UpdatedAt: goldenT1, Metadata: map[string]any{"k": "v"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec)
	f.Fuzz(func(t *testing.T, v []byte) {
		name, created, updated, err := listKeys("pl", v)
		if err != nil {
			return
		}
		pl := pricing.PriceList{ID: "pl"}
		if err := decodeList(&pl, v); err == nil && (pl.Name != name || !pl.CreatedAt.Equal(created) || !pl.UpdatedAt.Equal(updated)) {
			t.Fatalf("listKeys of %q: %q %v %v; the record: %q %v %v", v, name, created, updated, pl.Name, pl.CreatedAt, pl.UpdatedAt)
		}
	})
}
