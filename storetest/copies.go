package storetest

import (
	"testing"

	"github.com/commercekit/pricing"
)

var copyRules = []rule{
	{"Inputs", testCopiesIn},
	{"Results", testCopiesOut},
}

// mutated is the group ID that mutated audiences name.
const mutated = "MUTATED"

// A value changed by its caller after it was put does not change the stored one: the
// store copies maps and slices, at every depth.
func testCopiesIn(t *testing.T, open opener) {
	f := baseFixture()
	s := open(t)
	u := f.universe()
	u.groups.add(mutated)
	var inside snapshot
	update(t, s, func(tx pricing.Tx) {
		for _, g := range f.clone().groups {
			wantNoErr(t, "PutCustomerGroup", tx.PutCustomerGroup(g.g, g.nameKey))
			mutateMetadata(g.g.Metadata)
		}
		for _, m := range f.members {
			wantNoErr(t, "AddMember", tx.AddMember(m[0], m[1]))
		}
		for _, pl := range f.clone().lists {
			wantNoErr(t, "PutPriceList", tx.PutPriceList(pl))
			mutateMetadata(pl.Metadata)
			for i := range pl.CustomerGroupIDs {
				pl.CustomerGroupIDs[i] = mutated
			}
		}
		for _, p := range f.prices {
			wantNoErr(t, "PutPrice", tx.PutPrice(p))
		}
		inside = snapshotTx(t, tx, u)
	})
	want := snapshotOf(t, model(t, open, f), u)
	wantSame(t, "values changed after PutCustomerGroup and PutPriceList must not change what the same Update reads", inside, want)
	wantSame(t, "values changed after PutCustomerGroup and PutPriceList must not change the stored ones", snapshotOf(t, s, u), want)
}

// A value returned by a read, changed by its caller, does not change the stored one,
// in a View or an Update. (The CustomerGroupIDs of PriceListTerms are the documented
// read-only exception.)
func testCopiesOut(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	u := f.universe()
	u.groups.add(mutated)
	before := snapshotOf(t, s, u)
	for _, c := range []struct {
		call   string
		mutate func(tx pricing.Tx) error
	}{
		{"CustomerGroup", func(tx pricing.Tx) error {
			g, err := tx.CustomerGroup("cg_1")
			mutateMetadata(g.Metadata)
			return err
		}},
		{"CustomerGroups", func(tx pricing.Tx) error {
			return tx.CustomerGroups(func(g pricing.CustomerGroup) bool { mutateMetadata(g.Metadata); return true })
		}},
		{"PriceList", func(tx pricing.Tx) error {
			pl, err := tx.PriceList("pl_1")
			mutateMetadata(pl.Metadata)
			mutateStrings(pl.CustomerGroupIDs)
			return err
		}},
		{"PriceLists", func(tx pricing.Tx) error {
			return tx.PriceLists(func(pl pricing.PriceList) bool {
				mutateMetadata(pl.Metadata)
				mutateStrings(pl.CustomerGroupIDs)
				return true
			})
		}},
		{"AppendCustomerGroupIDs", func(tx pricing.Tx) error {
			gids, err := tx.AppendCustomerGroupIDs(nil, "cus_2")
			mutateStrings(gids)
			return err
		}},
		{"AppendPriceListIDsOfGroup", func(tx pricing.Tx) error {
			lids, err := tx.AppendPriceListIDsOfGroup(nil, "cg_2")
			mutateStrings(lids)
			return err
		}},
		{"AppendVariantPrices", func(tx pricing.Tx) error {
			ps, err := tx.AppendVariantPrices(nil, "var_1", "usd")
			for i := range ps {
				ps[i].Amount, ps[i].RegionID = -1, mutated
			}
			_ = append(ps, pricing.Price{ID: mutated})
			return err
		}},
	} {
		for _, kind := range []string{"View", "Update"} {
			run := s.View
			if kind == "Update" {
				run = s.Update
			}
			if err := run(t.Context(), c.mutate); err != nil {
				t.Fatalf("%s: %s: %v", kind, c.call, err)
			}
			wantSame(t, "changing the result of "+c.call+" in "+kind+" must not change the stored records", snapshotOf(t, s, u), before)
		}
	}
}

// mutateStrings overwrites every element of ids, and writes past its end if it has
// spare capacity, as a careless caller appending to it would.
func mutateStrings(ids []string) {
	for i := range ids {
		ids[i] = mutated
	}
	_ = append(ids, mutated)
}
