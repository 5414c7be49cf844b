package bolt_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// The damage tests break a small, valid database written here, in the ways a disk, a
// copy or a hostile sender can.

// writeDamageBase writes the database the damage tests break: the golden records, a
// group whose metadata fills an overflow page, and 120 more prices, in several Updates
// with deletes between them, so that the file has branch pages, overflow pages,
// buckets with pages of their own and inline ones, and a freelist with entries.
func writeDamageBase(t testing.TB, path string) {
	t.Helper()
	s, err := bolt.Open(path, &bolt.Options{NoSync: true, Bolt: &bbolt.Options{InitialMmapSize: 1 << 15}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
			for i := range 60 {
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
		for i := range 12 {
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
