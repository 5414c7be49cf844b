package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

var updateRules = []rule{
	{"ReadYourWrites", testUpdateReadYourWrites},
	{"RollbackOnError", testUpdateRollbackOnError},
	{"RollbackOnPanic", testUpdateRollbackOnPanic},
	{"FailedWriteKeepsTransaction", testUpdateFailedWrite},
}

var viewRules = []rule{
	{"WritesFail", testViewWritesFail},
}

var contextRules = []rule{
	{"Done", testContextDone},
}

var closeRules = []rule{
	{"Twice", testCloseTwice},
	{"UseAfterClose", testUseAfterClose},
}

// errAbort is the error the suite's failing Updates return.
var errAbort = errors.New("storetest: abort")

// everyKindOfWrite returns writes over baseFixture that touch every kind of record and
// index: new, replaced, renamed and deleted groups, memberships both ways, new,
// replaced and deleted lists with their prices, new, moved and deleted prices. Their
// probes are added to u.
func everyKindOfWrite(f fixture, u *universe) []op {
	u.groups.add("cg_new", "cg_new2")
	u.nameKeys.add("new", "vip2")
	u.customers.add("cus_9")
	u.lists.add("pl_new")
	newGroup := sampleGroup("cg_new", "New", sampleMetadata())
	renamed := f.group("cg_2")
	renamed.Name = "VIP 2"
	pl1 := f.list("pl_1")
	pl1.CustomerGroupIDs = []string{"cg_2", "cg_new"}
	pl1.Metadata = map[string]any{"changed": true}
	plNew := pricing.PriceList{ID: "pl_new", Name: "New", Type: pricing.Sale, Status: pricing.Active,
		CustomerGroupIDs: []string{"cg_new"}, CreatedAt: t0, UpdatedAt: t0}
	listPrice := pricing.Price{ID: "pr_new", PriceListID: "pl_new", VariantID: "var_1", CurrencyCode: "usd", Amount: 1}
	moved := f.price("pr_01")
	moved.RegionID, moved.Amount = "reg_ca", 1234
	taker := f.price("pr_01")
	taker.ID = "pr_taker"
	u.addPrice(listPrice).addPrice(moved).addPrice(taker)
	return []op{
		putGroup(newGroup, "new"),
		putGroup(renamed, "vip2"),
		putGroup(sampleGroup("cg_new2", "VIP", nil), "vip"), // takes the freed key
		addMember("cg_new", "cus_9"),
		addMember("cg_3", "cus_1"),
		removeMember("cg_1", "cus_1"),
		deleteGroup("cg_3"), // with its members
		putList(plNew),
		putList(pl1),
		deleteList("pl_2"), // with its prices
		putPrice(listPrice),
		putPrice(moved),
		deletePrice("pr_03"),
		putPrice(taker), // takes pr_01's freed key
	}
}

// Reads inside an Update see its writes, and a committed Update leaves what its last
// read saw.
func testUpdateReadYourWrites(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	u := f.universe()
	ops := everyKindOfWrite(f, u)
	before := snapshotOf(t, s, u)
	var inside snapshot
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		if err := apply(tx, ops...); err != nil {
			return err
		}
		// Spot checks, then everything.
		if g, err := tx.CustomerGroup("cg_new"); err != nil || g.Name != "New" {
			t.Errorf(`CustomerGroup("cg_new") after putting it in the same Update: got %v, %v; want the group`, g.Name, err)
		}
		if _, err := tx.CustomerGroupIDByNameKey("vip2"); err != nil {
			t.Errorf(`CustomerGroupIDByNameKey("vip2") after a rename in the same Update: %v`, err)
		}
		if _, err := tx.Price("pr_03"); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf(`Price("pr_03") after deleting it in the same Update: got error %v, want ErrNotFound`, err)
		}
		if n, err := tx.CountMembers("cg_3"); err != nil || n != 0 {
			t.Errorf(`CountMembers("cg_3") after deleting the group in the same Update: got %d, %v; want 0`, n, err)
		}
		inside = snapshotTx(t, tx, u)
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if before.diff(inside) == "" {
		t.Fatal("reads inside the Update saw none of its writes")
	}
	wantSame(t, "after a committed Update the store must hold what the Update's last reads saw",
		snapshotOf(t, s, u), inside)
}

// An Update whose fn returns an error returns that error and leaves no trace.
func testUpdateRollbackOnError(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	u := f.universe()
	ops := everyKindOfWrite(f, u)
	before := snapshotOf(t, s, u)
	var inside snapshot
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		if err := apply(tx, ops...); err != nil {
			return err
		}
		inside = snapshotTx(t, tx, u)
		return fmt.Errorf("wrapped: %w", errAbort)
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Update must return fn's error: got %v, want one wrapping %v", err, errAbort)
	}
	if before.diff(inside) == "" {
		t.Fatal("reads inside the Update saw none of its writes")
	}
	wantSame(t, "an Update whose fn returned an error must leave the store as it was", snapshotOf(t, s, u), before)
	// The store still works.
	write(t, s, putGroup(sampleGroup("cg_after", "After", nil), "after"))
}

// An Update whose fn panics panics again with the same value and leaves no trace.
func testUpdateRollbackOnPanic(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	u := f.universe()
	ops := everyKindOfWrite(f, u)
	before := snapshotOf(t, s, u)
	const boom = "storetest: deliberate panic"
	var applied error
	func() {
		defer func() {
			if r := recover(); r != boom {
				t.Errorf("Update must panic again with fn's value: recovered %v, want %q", r, boom)
			}
		}()
		_ = s.Update(t.Context(), func(tx pricing.Tx) error {
			applied = apply(tx, ops...)
			panic(boom)
		})
	}()
	if applied != nil {
		t.Fatalf("writes before the panic: %v", applied)
	}
	wantSame(t, "an Update whose fn panicked must leave the store as it was", snapshotOf(t, s, u), before)
	write(t, s, putGroup(sampleGroup("cg_after", "After", nil), "after"))
}

// A write that fails inside an Update changes nothing, and the Update's other writes
// commit when fn returns nil.
func testUpdateFailedWrite(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	dup := f.price("pr_05")
	dup.ID = "pr_dup"
	want := f.clone()
	want.groups = append(want.groups, groupFix{sampleGroup("cg_ok", "OK", nil), "ok"})
	p := pricing.Price{ID: "pr_ok", VariantID: "var_5", CurrencyCode: "usd", Amount: 5}
	want.prices = append(want.prices, p)
	update(t, s, func(tx pricing.Tx) {
		wantNoErr(t, "PutCustomerGroup(cg_ok)", tx.PutCustomerGroup(want.group("cg_ok"), "ok"))
		wantErr(t, "PutCustomerGroup(cg_dup, vip)", tx.PutCustomerGroup(sampleGroup("cg_dup", "VIP", nil), "vip"), pricing.ErrAlreadyExists)
		wantErr(t, "PutPrice(pr_dup)", tx.PutPrice(dup), pricing.ErrAlreadyExists)
		wantErr(t, "DeletePrice(pr_missing)", tx.DeletePrice("pr_missing"), pricing.ErrNotFound)
		wantNoErr(t, "PutPrice(pr_ok)", tx.PutPrice(p))
	})
	u := want.universe()
	u.groups.add("cg_dup")
	u.addPrice(dup)
	wantSame(t, "an Update whose fn returns nil commits its writes, and its refused writes change nothing",
		snapshotOf(t, s, u), snapshotOf(t, model(t, open, want), u))
}

// Every write method fails in a View, without panicking, and changes nothing.
func testViewWritesFail(t *testing.T, open opener) {
	f := baseFixture()
	s := model(t, open, f)
	u := f.universe()
	ops := everyKindOfWrite(f, u)
	ops = append(ops, removeMember("cg_2", "cus_2"), deleteGroup("cg_1"), deleteList("pl_1"), deletePrice("pr_05"))
	before := snapshotOf(t, s, u)
	done := map[string]bool{}
	view(t, s, func(tx pricing.Tx) {
		for _, o := range ops {
			method, _, _ := strings.Cut(o.name, "(")
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s in a View panicked (%v); it must return an error", o.name, r)
					}
				}()
				if err := o.do(tx); err == nil {
					t.Errorf("%s in a View returned nil; a write in a read-only transaction must return an error", o.name)
				}
			}()
			done[method] = true
		}
	})
	for _, m := range []string{"PutCustomerGroup", "DeleteCustomerGroup", "AddMember", "RemoveMember", "PutPriceList", "DeletePriceList", "PutPrice", "DeletePrice"} {
		if !done[m] {
			panic("storetest: View/WritesFail does not try " + m)
		}
	}
	wantSame(t, "writes attempted in a View must change nothing", snapshotOf(t, s, u), before)
}

// View and Update return the context's error, without running fn, when the context
// is already done.
func testContextDone(t *testing.T, open opener) {
	s := open(t)
	seed(t, s, baseFixture())
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Unix(1, 0))
	defer cancel2()
	for _, c := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"canceled", canceled, context.Canceled},
		{"deadline exceeded", expired, context.DeadlineExceeded},
	} {
		for _, m := range []struct {
			name string
			run  func(context.Context, func(pricing.Tx) error) error
		}{
			{"View", s.View},
			{"Update", s.Update},
		} {
			ran := false
			err := m.run(c.ctx, func(tx pricing.Tx) error {
				ran = true
				return tx.DeleteCustomerGroup("cg_1")
			})
			if !errors.Is(err, c.want) {
				t.Errorf("%s with a %s context: got error %v, want one wrapping %v", m.name, c.name, err, c.want)
			}
			if ran {
				t.Errorf("%s with a %s context ran fn; it must not", m.name, c.name)
			}
		}
	}
	view(t, s, func(tx pricing.Tx) {
		_, err := tx.CustomerGroup("cg_1")
		wantNoErr(t, "an Update with a done context must not write: CustomerGroup(cg_1)", err)
	})
}

// Close returns nil, and nil again.
func testCloseTwice(t *testing.T, open opener) {
	s := open(t)
	seed(t, s, baseFixture())
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close a second time must return nil: got %v", err)
	}
}

// After Close, View and Update return ErrClosed without running fn.
func testUseAfterClose(t *testing.T, open opener) {
	s := open(t)
	seed(t, s, baseFixture())
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, m := range []struct {
		name string
		run  func(context.Context, func(pricing.Tx) error) error
	}{
		{"View", s.View},
		{"Update", s.Update},
	} {
		ran := false
		err := m.run(t.Context(), func(pricing.Tx) error { ran = true; return nil })
		wantErr(t, m.name+" after Close", err, pricing.ErrClosed)
		if ran {
			t.Errorf("%s after Close ran fn; it must not", m.name)
		}
	}
}
