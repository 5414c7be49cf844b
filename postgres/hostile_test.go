package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
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

// Rows of price lists that break the schema's constraints, written behind the store's
// back: with the constraints in place, PostgreSQL refuses them; with the constraints
// dropped (a schema damaged by hand), every read of the list — by ID, its terms, the
// iteration, ReadCandidates from its statement and into its cache, the Service's
// Resolve and ListPriceLists — returns an error, and none panics. A rounding that the
// Service does not write, which no constraint refuses (like an unknown type), reads
// back as it is and resolves as RoundHalfUp.
func TestHostileListRows(t *testing.T) {
	ctx := t.Context()
	pool := sharedPool(t)
	schema := newSchema(t)
	s := newStore(t, &postgres.Options{Schema: schema})
	svc := pricing.New(s)
	if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl_bad", Name: "Bad", Status: pricing.Active,
		Adjustment: &pricing.Adjustment{Percent: -10}, Prices: []pricing.PriceInput{{VariantID: "var_1", CurrencyCode: "usd", Amount: 900}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetBasePrices(ctx, "var_1", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 1000}}); err != nil {
		t.Fatal(err)
	}
	table := pgx.Identifier{schema, "price_lists"}.Sanitize()
	restore := `UPDATE ` + table + ` SET customer_group_ids = '{}', customer_ids = '{}', channel_ids = '{}',
		adjustment_percent = -10, adjustment_rounding = 'half_up' WHERE id = 'pl_bad'`
	bad := []struct{ name, set string }{
		{"a NULL customer", `customer_ids = '{cus_1,NULL}'`},
		{"a NULL channel", `channel_ids = ARRAY[NULL]::text[]`},
		{"a NULL group", `customer_group_ids = '{NULL}'`},
		{"a rounding without a percent", `adjustment_percent = NULL`},
		{"a percent without a rounding", `adjustment_rounding = NULL`},
		{"a NaN percent", `adjustment_percent = 'NaN'`},
		{"an infinite percent", `adjustment_percent = '-Infinity'`},
	}
	// Two dimensions: pgx reads such an array flattened, so only the constraints
	// refuse it (and Check reports it, below).
	twoDims := []struct{ name, set string }{
		{"customers in two dimensions", `customer_ids = '{{a,b},{c,d}}'`},
		{"channels in two dimensions", `channel_ids = '{{a},{b}}'`},
	}
	for _, b := range append(slices.Clone(bad), twoDims...) {
		_, err := pool.Exec(ctx, `UPDATE `+table+` SET `+b.set+` WHERE id = 'pl_bad'`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("writing %s with the constraints in place: %v, want a check violation (23514)", b.name, err)
		}
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}

	// The damaged schema.
	for _, c := range []string{"customer_group_ids", "customer_ids", "channel_ids", "adjustment_percent", "adjustment_rounding"} {
		if _, err := pool.Exec(ctx, `ALTER TABLE `+table+` DROP CONSTRAINT price_lists_`+c+`_check`); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			if _, err := pool.Exec(ctx, restore); err != nil {
				t.Fatal(err)
			}
			if _, err := pool.Exec(ctx, `UPDATE `+table+` SET `+b.set+` WHERE id = 'pl_bad'`); err != nil {
				t.Fatal(err)
			}
			// A new Store: its terms cache is empty (writing behind a store's back voids
			// its cache's check).
			fresh := newStore(t, &postgres.Options{Schema: schema})
			for name, read := range hostileReads(fresh) {
				if err := read(); err == nil {
					t.Errorf("%s of a list with %s: no error", name, b.name)
				} else {
					t.Logf("%s: %v", name, err)
				}
			}
		})
	}

	for _, b := range twoDims {
		if _, err := pool.Exec(ctx, restore+`; UPDATE `+table+` SET `+b.set+` WHERE id = 'pl_bad'`); err != nil {
			t.Fatal(err)
		}
		if err := s.Check(ctx); !errors.Is(err, postgres.ErrCorrupt) || !strings.Contains(err.Error(), "is not strictly ascending") {
			t.Errorf("Check of a list with %s: %v, want ErrCorrupt", b.name, err)
		}
	}

	if _, err := pool.Exec(ctx, restore+`; UPDATE `+table+` SET adjustment_rounding = 'sideways'`); err != nil {
		t.Fatal(err)
	}
	fresh := newStore(t, &postgres.Options{Schema: schema})
	pl, err := pricing.New(fresh).PriceList(ctx, "pl_bad")
	if err != nil || pl.Adjustment == nil || pl.Adjustment.Rounding != "sideways" {
		t.Errorf("a list with an unknown rounding: %+v, %v", pl.Adjustment, err)
	}
	res, err := pricing.New(fresh).Resolve(ctx, pricing.Query{CurrencyCode: "usd"}, "var_1", 1)
	if err != nil || res.CalculatedAmount != 900 {
		t.Errorf("Resolve with an unknown rounding: %d, %v; want the list's own price 900", res.CalculatedAmount, err)
	}
}

// hostileReads are the reads of a list that must fail on a damaged row.
func hostileReads(s *postgres.Store) map[string]func() error {
	ctx := context.Background()
	svc := pricing.New(s)
	view := func(fn func(tx pricing.Tx) error) func() error {
		return func() error { return s.View(ctx, fn) }
	}
	return map[string]func() error{
		"PriceList":      view(func(tx pricing.Tx) error { return errOf(tx.PriceList("pl_bad")) }),
		"PriceListTerms": view(func(tx pricing.Tx) error { return errOf(tx.PriceListTerms("pl_bad")) }),
		"PriceLists":     view(func(tx pricing.Tx) error { return tx.PriceLists(func(pricing.PriceList) bool { return true }) }),
		"ReadCandidates": func() error {
			var c pricing.Candidates
			return s.ReadCandidates(ctx, pricing.CandidateRequest{CurrencyCode: "usd", VariantIDs: []string{"var_1", "var_2"}}, &c)
		},
		"ReadCandidates of one variant": func() error {
			var c pricing.Candidates
			return s.ReadCandidates(ctx, pricing.CandidateRequest{CurrencyCode: "usd", VariantIDs: []string{"var_1"}}, &c)
		},
		"Resolve":        func() error { return errOf(svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd"}, "var_1", 1)) },
		"ListPriceLists": func() error { _, _, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{}); return err },
	}
}
