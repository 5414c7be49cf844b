package postgres_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// hostile are strings that break SQL built by concatenation, array literals, JSON, or
// PostgreSQL's text type.
var hostile = []string{
	`'`, `''`, `"`, `\`, `\'`, `';DROP TABLE prices;--`, `"; DROP SCHEMA pricing CASCADE; --`,
	`$1`, `$$`, `%s%d`, `_%`, `{a,b}`, `{"x"}`, `NULL`, `null`, `E'\x41'`, `\x00`,
	"a\x00b", "\x00", "\xff\xfe", "a\xc3", "\u2028\u2029", "Ωμέγα ✓ 漢字 🚀", "tab\there", "nl\nhere",
	strings.Repeat("'", 240), "\x7f", " leading and trailing ",
}

// usable reports whether the pricing package accepts s as an ID or a name: valid UTF-8
// without control characters (NUL among them) and not blank.
func usable(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\uFFFD' {
			return false
		}
	}
	return strings.ToValidUTF8(s, "\uFFFD") == s
}

// Every hostile string, through every write and read of the Service: what the pricing
// package accepts round-trips exactly (NUL in descriptions and metadata included); the
// rest is refused with ErrInvalid, before anything reaches the server. The schema is
// intact afterwards, and Check finds nothing wrong.
func TestHostileInputs(t *testing.T) {
	s := newStore(t, nil)
	svc := pricing.New(s, pricing.WithClock(func() time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC) }))
	ctx := t.Context()
	accepted := 0
	for i, h := range hostile {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			meta := map[string]any{h: h, "nested": map[string]any{"list": []any{h, 1.5}}}
			gID := fmt.Sprintf("cg_%d_%s", i, h)
			g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: gID, Name: h, Metadata: meta})
			if !usable(h) || !usable(gID) {
				if !errors.Is(err, pricing.ErrInvalid) {
					t.Fatalf("CreateCustomerGroup with %q: %v, want ErrInvalid", h, err)
				}
				// Reads with the string find nothing, and fail on nothing.
				if _, err := svc.CustomerGroup(ctx, gID); !errors.Is(err, pricing.ErrNotFound) && !errors.Is(err, pricing.ErrInvalid) {
					t.Errorf("CustomerGroup(%q): %v", gID, err)
				}
				if _, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: h}, h, 1); !errors.Is(err, pricing.ErrNoPrice) && !errors.Is(err, pricing.ErrInvalid) {
					t.Errorf("Resolve with %q: %v", h, err)
				}
				return
			}
			accepted++
			if err != nil {
				t.Fatalf("CreateCustomerGroup with %q: %v", h, err)
			}
			got, err := svc.CustomerGroup(ctx, gID)
			if err != nil || !reflect.DeepEqual(got, g) {
				t.Fatalf("CustomerGroup(%q):\n got  %#v, %v\n want %#v", gID, got, err, g)
			}
			if _, n, err := svc.ListCustomerGroups(ctx, pricing.CustomerGroupFilter{Q: strings.TrimSpace(h)}); err != nil || n < 1 {
				t.Errorf("ListCustomerGroups(Q: %q): %d, %v", h, n, err)
			}
			if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: strings.ToUpper(h)}); !errors.Is(err, pricing.ErrAlreadyExists) {
				t.Errorf("a second group named %q: %v, want ErrAlreadyExists", strings.ToUpper(h), err)
			}
			cus := "cus_" + h
			if err := svc.AddCustomers(ctx, gID, []string{cus, h}); err != nil {
				t.Fatalf("AddCustomers(%q): %v", h, err)
			}
			members, _, err := svc.GroupCustomers(ctx, gID, 0, 0)
			if err != nil || !slices.Equal(members, slices.Sorted(slices.Values([]string{cus, h}))) {
				t.Errorf("GroupCustomers: %q, %v", members, err)
			}
			if gs, err := svc.CustomerGroupsOf(ctx, h); err != nil || len(gs) != 1 || gs[0].ID != gID {
				t.Errorf("CustomerGroupsOf(%q): %v, %v", h, gs, err)
			}

			desc := "about " + h + " \x00 with a NUL"
			pl, err := svc.CreatePriceList(ctx, pricing.NewPriceList{
				ID: "pl_" + gID, Name: h, Description: desc, Status: pricing.Active, CustomerGroupIDs: []string{gID},
				Metadata: map[string]any{"k": h + "\x00"},
				Prices:   []pricing.PriceInput{{VariantID: h, CurrencyCode: "usd", RegionID: h, Amount: 7}, {VariantID: h, CurrencyCode: "usd", Amount: 9}},
			})
			if err != nil {
				t.Fatalf("CreatePriceList with %q: %v", h, err)
			}
			gotPL, err := svc.PriceList(ctx, pl.ID)
			if err != nil || !reflect.DeepEqual(gotPL, pl) {
				t.Fatalf("PriceList:\n got  %#v, %v\n want %#v", gotPL, err, pl)
			}
			res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", RegionID: h, CustomerID: h}, h, 1)
			if err != nil || res.CalculatedAmount != 7 || res.CalculatedPrice.RegionID != h {
				t.Errorf("Resolve for %q: %+v, %v", h, res, err)
			}
			many, err := svc.ResolveMany(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: h}, []pricing.Item{{VariantID: h}, {VariantID: "other"}})
			if err != nil || !many[0].Found || many[0].CalculatedAmount != 9 || many[1].Found {
				t.Errorf("ResolveMany for %q: %+v, %v", h, many, err)
			}
			if prices, _, err := svc.ListPrices(ctx, pricing.PriceFilter{VariantIDs: []string{h}, RegionID: h}); err != nil || len(prices) != 1 {
				t.Errorf("ListPrices(%q): %v, %v", h, prices, err)
			}
			if n, err := svc.DeleteVariantPrices(ctx, pl.ID, []string{h}); err != nil || n != 2 {
				t.Errorf("DeleteVariantPrices(%q): %d, %v", h, n, err)
			}
			if err := svc.DeletePriceList(ctx, pl.ID); err != nil {
				t.Error(err)
			}
			if err := svc.RemoveCustomers(ctx, gID, []string{h}); err != nil {
				t.Error(err)
			}
			if err := svc.DeleteCustomerGroup(ctx, gID); err != nil {
				t.Error(err)
			}
		})
	}
	if accepted < len(hostile)/2 {
		t.Errorf("only %d of %d hostile strings were accepted by the Service", accepted, len(hostile))
	}
	if err := s.Check(ctx); err != nil {
		t.Errorf("Check after the hostile inputs: %v", err)
	}
	var tables int
	if err := sharedPool(t).QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, s.Schema()).Scan(&tables); err != nil || tables != 10 {
		t.Errorf("the schema holds %d tables (%v), want its 10", tables, err)
	}
}

// What PostgreSQL's text cannot hold, given to the Store directly (the Service refuses
// it first), is refused by the write with ErrInvalid, the transaction going on; reads
// of it find nothing.
func TestHostileStoreLevel(t *testing.T) {
	s := newStore(t, nil)
	for _, bad := range []string{"a\x00b", "\xff", "ok\xc3"} {
		err := s.Update(t.Context(), func(tx pricing.Tx) error {
			for name, err := range map[string]error{
				"PutCustomerGroup ID":       tx.PutCustomerGroup(pricing.CustomerGroup{ID: bad, Name: "n"}, "n"),
				"PutCustomerGroup name":     tx.PutCustomerGroup(pricing.CustomerGroup{ID: "g", Name: bad}, "n"),
				"PutCustomerGroup name key": tx.PutCustomerGroup(pricing.CustomerGroup{ID: "g", Name: "n"}, bad),
				"AddMember":                 tx.AddMember("g", bad),
				"PutPriceList":              tx.PutPriceList(pricing.PriceList{ID: "pl", Name: "n", CustomerGroupIDs: []string{bad}}),
				"PutPrice":                  tx.PutPrice(pricing.Price{ID: "p", VariantID: bad, CurrencyCode: "usd"}),
				"PutPrice region":           tx.PutPrice(pricing.Price{ID: "p", VariantID: "v", CurrencyCode: "usd", RegionID: bad}),
			} {
				if !errors.Is(err, pricing.ErrInvalid) {
					t.Errorf("%s with %q: %v, want ErrInvalid", name, bad, err)
				}
			}
			for name, err := range map[string]error{
				"CustomerGroup":  errOf(tx.CustomerGroup(bad)),
				"NameKey":        errOf(tx.CustomerGroupIDByNameKey(bad)),
				"PriceList":      errOf(tx.PriceList(bad)),
				"PriceListTerms": errOf(tx.PriceListTerms(bad)),
				"Price":          errOf(tx.Price(bad)),
				"PriceIDByKey":   errOf(tx.PriceIDByKey(pricing.PriceKey{VariantID: bad, CurrencyCode: "usd"})),
				"DeletePrice":    tx.DeletePrice(bad),
			} {
				if !errors.Is(err, pricing.ErrNotFound) {
					t.Errorf("%s of %q: %v, want ErrNotFound", name, bad, err)
				}
			}
			if ids, err := tx.AppendCustomerGroupIDs(nil, bad); err != nil || ids != nil {
				t.Errorf("AppendCustomerGroupIDs(%q): %v, %v", bad, ids, err)
			}
			if ps, err := tx.AppendVariantPrices(nil, bad, "usd"); err != nil || ps != nil {
				t.Errorf("AppendVariantPrices(%q): %v, %v", bad, ps, err)
			}
			// The transaction goes on.
			return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "g_ok", Name: "OK"}, "OK")
		})
		if err != nil {
			t.Fatalf("the Update after refused writes: %v", err)
		}
	}
	var c pricing.Candidates
	if err := s.ReadCandidates(t.Context(), pricing.CandidateRequest{CustomerID: "a\x00", CurrencyCode: "usd", VariantIDs: []string{"\xff", "v"}}, &c); err != nil {
		t.Errorf("ReadCandidates with bad strings: %v", err)
	}
}

func errOf[T any](_ T, err error) error { return err }
