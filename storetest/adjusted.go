package storetest

import (
	"errors"
	"testing"

	"github.com/commercekit/pricing"
)

// adjustedRules check the optional capability pricing.AdjustedLister of a store's
// transactions: each skips a store whose Tx does not have it.
var adjustedRules = []rule{
	{"Index", testAdjustedIndex},
}

// adjustedIDs returns what the Tx's AdjustedLister lists, or skips the rule.
func adjustedIDs(t *testing.T, tx pricing.Tx) []string {
	t.Helper()
	al, ok := tx.(pricing.AdjustedLister)
	if !ok {
		t.Skip("the store's Tx is not a pricing.AdjustedLister")
	}
	ids, err := al.AppendAdjustedListIDs([]string{"kept"})
	if err != nil {
		t.Fatalf("AppendAdjustedListIDs: %v", err)
	}
	if len(ids) == 0 || ids[0] != "kept" {
		t.Fatalf("AppendAdjustedListIDs did not append to dst: %q", ids)
	}
	return ids[1:]
}

// AppendAdjustedListIDs lists, ascending, exactly the lists whose Adjustment is set,
// through replace, delete and a failed Update, and in an Update its own writes.
func testAdjustedIndex(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	check := func(what string, want []string) {
		t.Helper()
		view(t, s, func(tx pricing.Tx) { wantEqual(t, what, nonNilIDs(adjustedIDs(t, tx)), want) })
	}
	check("the adjusted lists of the fixture", []string{"pl_2"})
	pl3 := f.list("pl_3")
	pl3.Adjustment = &pricing.Adjustment{Percent: 5, Rounding: pricing.RoundHalfUp}
	pl2 := f.list("pl_2")
	pl2.Adjustment = nil
	update(t, s, func(tx pricing.Tx) {
		if err := apply(tx, putList(pl3), putList(pl2)); err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "the adjusted lists in the Update that changed them", nonNilIDs(adjustedIDs(t, tx)), []string{"pl_3"})
	})
	check("after an adjustment is added and another removed", []string{"pl_3"})
	failed := errors.New("rolled back")
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		if err := apply(tx, deleteList("pl_3"), putList(f.list("pl_2"))); err != nil {
			return err
		}
		return failed
	})
	wantErr(t, "Update that fails", err, failed)
	check("after an Update that failed", []string{"pl_3"})
	write(t, s, deleteList("pl_3"))
	check("after the adjusted list is deleted", []string{})
}

func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
