package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// callerPanic is a panic value no code but the test's raises.
type callerPanic struct{ where string }

// TestCallerPanicsGoOn: the store recovers what bbolt raises on a damaged file, and
// nothing else: a panic in fn, or in a function an iteration method calls, comes out
// of View and Update with its own value, and an Update's writes are rolled back.
func TestCallerPanicsGoOn(t *testing.T) {
	s, _ := openTemp(t)
	f := sampleFixture()
	f.load(t, s)
	p := f.prices[0]
	for _, c := range []struct {
		name string
		fn   func(tx pricing.Tx, v *callerPanic) error
	}{
		{"in fn", func(tx pricing.Tx, v *callerPanic) error { panic(v) }},
		{"in CustomerGroups", func(tx pricing.Tx, v *callerPanic) error {
			return tx.CustomerGroups(func(pricing.CustomerGroup) bool { panic(v) })
		}},
		{"in Members", func(tx pricing.Tx, v *callerPanic) error {
			return tx.Members("cg_1", 0, func(string) bool { panic(v) })
		}},
		{"in PriceLists", func(tx pricing.Tx, v *callerPanic) error {
			return tx.PriceLists(func(pricing.PriceList) bool { panic(v) })
		}},
		{"in Prices", func(tx pricing.Tx, v *callerPanic) error {
			return tx.Prices(func(pricing.Price) bool { panic(v) })
		}},
		{"in PricesOfList", func(tx pricing.Tx, v *callerPanic) error {
			return tx.PricesOfList(p.PriceListID, func(pricing.Price) bool { panic(v) })
		}},
		{"in PricesOfVariant", func(tx pricing.Tx, v *callerPanic) error {
			return tx.PricesOfVariant(p.VariantID, func(pricing.Price) bool { panic(v) })
		}},
		{"after a method returned", func(tx pricing.Tx, v *callerPanic) error {
			if _, err := tx.Price(p.ID); err != nil {
				return err
			}
			panic(v)
		}},
	} {
		for _, update := range []bool{false, true} {
			name := c.name + " of a View"
			if update {
				name = c.name + " of an Update"
			}
			t.Run(name, func(t *testing.T) {
				v := &callerPanic{name}
				defer func() {
					if r := recover(); r != v {
						t.Errorf("recovered %v, want the caller's panic", r)
					}
					view(t, s, func(tx pricing.Tx) error {
						if _, err := tx.CustomerGroup("cg_new"); !errors.Is(err, pricing.ErrNotFound) {
							t.Errorf("a write of the Update that panicked: %v", err)
						}
						return nil
					})
				}()
				fn := func(tx pricing.Tx) error { return c.fn(tx, v) }
				if update {
					fn = func(tx pricing.Tx) error {
						if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_new"}, "new"); err != nil {
							return err
						}
						return c.fn(tx, v)
					}
					_ = s.Update(context.Background(), fn)
				} else {
					_ = s.View(context.Background(), fn)
				}
				t.Error("no panic")
			})
		}
	}
}

// TestDamagedPageFailsTheTransaction: when a method meets a page that makes bbolt fault
// or panic, it returns an error wrapping ErrCorrupt, and so does every later method of
// the transaction; an Update whose fn returns nil after that rolls back.
func TestDamagedPageFailsTheTransaction(t *testing.T) {
	_, data, ps, pages := damageFile(t)
	ne := binary.NativeEndian
	// Element 0 of every leaf of data under a branch page (a big bucket) starts its key
	// a megabyte past the page: past the end of the file, inside bbolt's map of it,
	// where a read faults (SIGBUS).
	b := bytes.Clone(data)
	for _, br := range pages {
		if br.typ != "branch" {
			continue
		}
		for e := range br.count {
			child := ne.Uint64(data[int(br.id)*ps+16+16*e+8:])
			if i := slices.IndexFunc(pages, func(p damagePage) bool { return p.id == child }); i >= 0 && pages[i].typ == "leaf" && len(pages[i].buckets) == 0 {
				ne.PutUint32(b[int(child)*ps+16+4:], 1<<20)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "damaged.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var first error
	err = s.Update(context.Background(), func(tx pricing.Tx) error {
		if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_new"}, "new"); err != nil {
			return err
		}
		_, first = readAll(tx)
		if !errors.Is(first, bolt.ErrCorrupt) {
			t.Errorf("reads of the damaged pages: %v; want ErrCorrupt", first)
		}
		if _, err := tx.CustomerGroup("cg_vip"); err != first {
			t.Errorf("a later read: %v; want the first error", err)
		}
		return nil
	})
	if err != first || err == nil {
		t.Errorf("Update: %v; want the first error, %v", err, first)
	}
	t.Log(err)
	err = s.View(context.Background(), func(tx pricing.Tx) error {
		if _, err := tx.CustomerGroup("cg_new"); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("the write of the failed Update: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
