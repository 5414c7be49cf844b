package storetest

import (
	"testing"

	"github.com/commercekit/pricing"
)

var groupRules = []rule{
	{"RoundTrip", testGroupRoundTrip},
	{"NotFound", testGroupNotFound},
	{"Replace", testGroupReplace},
	{"NameKeyUnique", testGroupNameKeyUnique},
	{"DeleteCascade", testGroupDeleteCascade},
}

// A stored group reads back equal to what was put, by ID, by name key and in
// CustomerGroups; nested metadata and nil metadata come back as they went in.
func testGroupRoundTrip(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	view(t, s, func(tx pricing.Tx) {
		var all []pricing.CustomerGroup
		for _, id := range []string{"cg_1", "cg_2", "cg_3"} {
			want := f.group(id)
			got, err := tx.CustomerGroup(id)
			wantNoErr(t, "CustomerGroup("+id+")", err)
			wantEqual(t, "round trip: CustomerGroup("+id+") must equal the group put", got, want)
			all = append(all, want)
		}
		for _, g := range f.groups {
			got, err := tx.CustomerGroupIDByNameKey(g.nameKey)
			wantNoErr(t, "CustomerGroupIDByNameKey("+g.nameKey+")", err)
			wantEqual(t, "round trip: CustomerGroupIDByNameKey("+g.nameKey+") must return the group put under that key", got, g.g.ID)
		}
		got, err := collect(tx.CustomerGroups)
		wantNoErr(t, "CustomerGroups", err)
		wantEqual(t, "round trip: CustomerGroups must yield every group put, in ascending ID order", got, all)
	})
}

// Every getter and delete of a group reports ErrNotFound for a missing one.
func testGroupNotFound(t *testing.T, open opener) {
	s := open(t)
	seed(t, s, baseFixture())
	for _, c := range []struct {
		call string
		do   func(tx pricing.Tx) error
	}{
		{`CustomerGroup("cg_missing")`, func(tx pricing.Tx) error { _, err := tx.CustomerGroup("cg_missing"); return err }},
		{`CustomerGroupIDByNameKey("missing")`, func(tx pricing.Tx) error { _, err := tx.CustomerGroupIDByNameKey("missing"); return err }},
		{`CustomerGroupIDByNameKey("Wholesale") (keys are exact)`, func(tx pricing.Tx) error { _, err := tx.CustomerGroupIDByNameKey("Wholesale"); return err }},
		{`DeleteCustomerGroup("cg_missing")`, func(tx pricing.Tx) error { return tx.DeleteCustomerGroup("cg_missing") }},
	} {
		update(t, s, func(tx pricing.Tx) { wantErr(t, c.call, c.do(tx), pricing.ErrNotFound) })
	}
}

// Putting a group with a stored ID replaces it; a new name key frees the old one.
func testGroupReplace(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	renamed := f.group("cg_1")
	renamed.Name = "Trade"
	renamed.Metadata = map[string]any{"tier": "silver"}
	renamed.UpdatedAt = t0.AddDate(0, 1, 0)
	write(t, s, putGroup(renamed, "trade"))
	view(t, s, func(tx pricing.Tx) {
		got, err := tx.CustomerGroup("cg_1")
		wantNoErr(t, `CustomerGroup("cg_1")`, err)
		wantEqual(t, "replace: CustomerGroup must return the replacing group", got, renamed)
		id, err := tx.CustomerGroupIDByNameKey("trade")
		wantNoErr(t, `CustomerGroupIDByNameKey("trade")`, err)
		wantEqual(t, "replace: the new name key must name the group", id, "cg_1")
		_, err = tx.CustomerGroupIDByNameKey("wholesale")
		wantErr(t, `rename frees the old name key: CustomerGroupIDByNameKey("wholesale")`, err, pricing.ErrNotFound)
		n, err := tx.CountMembers("cg_1")
		wantNoErr(t, `CountMembers("cg_1")`, err)
		wantEqual(t, "replace: replacing a group keeps its members: CountMembers", n, 3)
	})
	// The freed key can be taken; putting a group again under its own key is no conflict.
	update(t, s, func(tx pricing.Tx) {
		wantNoErr(t, `rename frees the old name key: PutCustomerGroup("cg_9", "wholesale")`,
			tx.PutCustomerGroup(sampleGroup("cg_9", "Wholesale", nil), "wholesale"))
		wantNoErr(t, `a group may keep its own name key: PutCustomerGroup("cg_1", "trade")`,
			tx.PutCustomerGroup(renamed, "trade"))
	})
	view(t, s, func(tx pricing.Tx) {
		id, err := tx.CustomerGroupIDByNameKey("wholesale")
		wantNoErr(t, `CustomerGroupIDByNameKey("wholesale")`, err)
		wantEqual(t, "a freed name key names its new group", id, "cg_9")
		id, err = tx.CustomerGroupIDByNameKey("trade")
		wantNoErr(t, `CustomerGroupIDByNameKey("trade")`, err)
		wantEqual(t, "putting a group under its own key keeps the key", id, "cg_1")
	})
}

// A name key held by one group cannot be given to another, new or stored, and the
// refused write changes nothing.
func testGroupNameKeyUnique(t *testing.T, open opener) {
	s := open(t)
	f := baseFixture()
	seed(t, s, f)
	u := f.universe()
	u.groups.add("cg_9")
	before := snapshotOf(t, s, u)
	update(t, s, func(tx pricing.Tx) {
		wantErr(t, `a new group cannot take a held name key: PutCustomerGroup("cg_9", "vip")`,
			tx.PutCustomerGroup(sampleGroup("cg_9", "Very Important", nil), "vip"), pricing.ErrAlreadyExists)
		g := f.group("cg_1")
		g.Name = "VIP"
		wantErr(t, `a stored group cannot take a held name key: PutCustomerGroup("cg_1", "vip")`,
			tx.PutCustomerGroup(g, "vip"), pricing.ErrAlreadyExists)
	})
	wantSame(t, "a write refused with ErrAlreadyExists must change nothing", snapshotOf(t, s, u), before)
}

// Deleting a group deletes its record, frees its name key and ends its memberships in
// both directions, leaving the store as if the group had never been.
func testGroupDeleteCascade(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	write(t, s,
		putGroup(sampleGroup("cg_x", "Extra", sampleMetadata()), "extra"),
		addMember("cg_x", "cus_1"), addMember("cg_x", "cus_4"), addMember("cg_x", "cus_x"))
	write(t, s, deleteGroup("cg_x"))

	u := f.universe()
	u.groups.add("cg_x")
	u.nameKeys.add("extra")
	u.customers.add("cus_x")
	wantSame(t, "after DeleteCustomerGroup the store must hold what it held before the group was added",
		snapshotOf(t, s, u), snapshotOf(t, model(t, open, f), u))

	// A group put again under the deleted ID starts without members.
	write(t, s, putGroup(sampleGroup("cg_x", "Extra", nil), "extra"))
	view(t, s, func(tx pricing.Tx) {
		n, err := tx.CountMembers("cg_x")
		wantNoErr(t, `CountMembers("cg_x")`, err)
		wantEqual(t, "DeleteCustomerGroup must delete the memberships, not hide them: CountMembers of the group put again", n, 0)
		gids, err := tx.AppendCustomerGroupIDs(nil, "cus_x")
		wantNoErr(t, `AppendCustomerGroupIDs(nil, "cus_x")`, err)
		wantEqual(t, "DeleteCustomerGroup must delete the memberships, not hide them: groups of a former member", nilIfEmpty(gids), []string(nil))
	})
}
