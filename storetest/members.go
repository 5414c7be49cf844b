package storetest

import (
	"fmt"
	"testing"

	"github.com/commercekit/pricing"
)

var memberRules = []rule{
	{"AddIdempotent", testAddMemberIdempotent},
	{"RemoveIdempotent", testRemoveMemberIdempotent},
	{"Offset", testMembersOffset},
	{"CountMembers", testCountMembers},
	{"AppendCustomerGroupIDs", testAppendCustomerGroupIDs},
}

// Adding a member twice, in one Update or in two, is one membership.
func testAddMemberIdempotent(t *testing.T, open opener) {
	s := open(t)
	write(t, s, putGroup(sampleGroup("cg_1", "One", nil), "one"), addMember("cg_1", "cus_1"), addMember("cg_1", "cus_1"))
	write(t, s, addMember("cg_1", "cus_1"))
	view(t, s, func(tx pricing.Tx) {
		ms, err := collect(func(fn func(string) bool) error { return tx.Members("cg_1", 0, fn) })
		wantNoErr(t, "Members", err)
		wantEqual(t, "AddMember of a member is a no-op: Members", ms, []string{"cus_1"})
		n, err := tx.CountMembers("cg_1")
		wantNoErr(t, "CountMembers", err)
		wantEqual(t, "AddMember of a member is a no-op: CountMembers", n, 1)
		gids, err := tx.AppendCustomerGroupIDs(nil, "cus_1")
		wantNoErr(t, "AppendCustomerGroupIDs", err)
		wantEqual(t, "AddMember of a member is a no-op: AppendCustomerGroupIDs", gids, []string{"cg_1"})
	})
}

// Removing a non-member is a no-op; removing a member ends only that membership.
func testRemoveMemberIdempotent(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	u := f.universe()
	u.customers.add("cus_9")
	before := snapshotOf(t, s, u)
	write(t, s, removeMember("cg_1", "cus_4"), removeMember("cg_3", "cus_9"), removeMember("cg_1", "cus_9"))
	wantSame(t, "RemoveMember of a non-member must be a no-op", snapshotOf(t, s, u), before)

	write(t, s, removeMember("cg_1", "cus_2"), removeMember("cg_1", "cus_2"))
	write(t, s, removeMember("cg_1", "cus_2"))
	want := f.clone()
	want.members = nil
	for _, m := range f.members {
		if m != [2]string{"cg_1", "cus_2"} {
			want.members = append(want.members, m)
		}
	}
	wantSame(t, "RemoveMember must end that membership, both ways, and only it",
		snapshotOf(t, s, u), snapshotOf(t, model(t, open, want), u))
}

// Members skips the first offset customers of the ascending order.
func testMembersOffset(t *testing.T, open opener) {
	s := open(t)
	seed(t, s, baseFixture()) // cg_1's members were added as cus_3, cus_1, cus_2
	all := []string{"cus_1", "cus_2", "cus_3"}
	for _, offset := range []int{0, 1, 2, 3, 4, 100} {
		view(t, s, func(tx pricing.Tx) {
			got, err := collect(func(fn func(string) bool) error { return tx.Members("cg_1", offset, fn) })
			wantNoErr(t, fmt.Sprintf("Members(cg_1, %d)", offset), err)
			want := all[min(offset, len(all)):]
			if len(want) == 0 {
				want = nil
			}
			wantEqual(t, fmt.Sprintf("Members(cg_1, %d) must skip %d customers of the ascending order", offset, offset), got, want)
		})
	}
}

// CountMembers counts a group's customers; a group without any has 0.
func testCountMembers(t *testing.T, open opener) {
	s := open(t)
	seed(t, s, baseFixture())
	write(t, s, putGroup(sampleGroup("cg_0", "Empty", nil), "empty"), addMember("cg_0", "cus_1"), removeMember("cg_0", "cus_1"))
	for group, want := range map[string]int{"cg_0": 0, "cg_1": 3, "cg_2": 2, "cg_3": 1} {
		view(t, s, func(tx pricing.Tx) {
			n, err := tx.CountMembers(group)
			wantNoErr(t, "CountMembers("+group+")", err)
			wantEqual(t, "CountMembers("+group+")", n, want)
		})
	}
}

// AppendCustomerGroupIDs appends the customer's groups in ascending order, after what
// dst holds; a customer in no group appends nothing.
func testAppendCustomerGroupIDs(t *testing.T, open opener) {
	s := open(t)
	seed(t, s, baseFixture()) // cus_2 joined cg_2 before cg_1
	for _, c := range []struct {
		dst      []string
		customer string
		want     []string
	}{
		{nil, "cus_2", []string{"cg_1", "cg_2"}},
		{nil, "cus_4", []string{"cg_2", "cg_3"}},
		{nil, "cus_3", []string{"cg_1"}},
		{[]string{"keep"}, "cus_2", []string{"keep", "cg_1", "cg_2"}},
		{make([]string, 1, 8), "cus_4", []string{"", "cg_2", "cg_3"}},
		{[]string{"keep"}, "cus_none", []string{"keep"}},
		{nil, "cus_none", nil},
	} {
		view(t, s, func(tx pricing.Tx) {
			call := fmt.Sprintf("AppendCustomerGroupIDs(%q, %q)", c.dst, c.customer)
			got, err := tx.AppendCustomerGroupIDs(c.dst, c.customer)
			wantNoErr(t, call, err)
			wantEqual(t, call+" must append the groups in ascending order after dst", nilIfEmpty(got), c.want)
		})
	}
}
