package pricing_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// snapshotFixture fills svc with one of everything a snapshot holds.
func snapshotFixture(t *testing.T, svc *pricing.Service) {
	t.Helper()
	ctx := context.Background()
	f := &fx{t: t, ctx: ctx, svc: svc}
	must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP",
		Metadata: map[string]any{"tier": "gold", "tags": []any{"a", 1.5, nil, map[string]any{"x": true}}}}))
	f.group("wholesale", "cus_b2b", "cus_both")
	must(t, svc.AddCustomers(ctx, "vip", []string{"cus_vip", "cus_both"}))
	f.group("empty")
	f.base(pi("b", 2000), pi("b_eur", 1900, cur("eur"), taxIncl), pi("b_de", 1850, cur("eur"), rg("reg_de")))
	f.base(pi("h", 500, variant("hat")))
	f.sale("summer", ps(pi("s", 1800), pi("s_hat", 450, variant("hat"))), groups("vip"),
		window(t0.Add(-time.Hour), t0.Add(30*24*time.Hour)), inclTax)
	f.override("contract", ps(pi("o1", 1500, qty(1, 9)), pi("o10", 1200, qty(10, 0))), groups("wholesale", "vip"), draft)
	f.sale("always", ps(pi("a", 1990)))
}

// A snapshot round-trips: Export, then Import into an empty store of every kind, gives
// the same records (IDs and timestamps kept), and exporting again gives the same bytes.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, srcStore := newService(t)
	snapshotFixture(t, src)
	var snap bytes.Buffer
	must(t, src.Export(ctx, &snap, pricing.ExportFilter{}))
	path := filepath.Join("testdata", "snapshot", "fixture.json")
	if *updateGolden {
		must(t, os.WriteFile(path, snap.Bytes(), 0o644))
	}
	golden, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Equal(snap.Bytes(), golden) {
		t.Errorf("the snapshot is not %s (go test -run TestSnapshotRoundTrip -update rewrites it):\n%s", path, snap.Bytes())
	}
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			s := st.open(t)
			later := pricing.New(s, pricing.WithClock(func() time.Time { return t0.Add(time.Hour) }), pricing.WithIDGenerator(seqIDs("new")))
			stats, err := later.Import(ctx, bytes.NewReader(golden), nil)
			must(t, err)
			deepEqual(t, "stats", stats, pricing.ImportStats{CustomerGroups: 3, Memberships: 4, PriceLists: 3, Prices: 9})
			deepEqual(t, "the imported store (but for revisions)", withoutRevisions(dumpStore(t, s)), withoutRevisions(dumpStore(t, srcStore)))
			var again bytes.Buffer
			must(t, later.Export(ctx, &again, pricing.ExportFilter{}))
			if !bytes.Equal(again.Bytes(), golden) {
				t.Errorf("export of the imported store differs:\n%s", again.Bytes())
			}
		})
	}
}

// A filtered export holds the lists asked for, their prices, and the groups (with
// members) they need; or the prices of some variants.
func TestSnapshotExportFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, _ := newService(t)
	snapshotFixture(t, src)
	for _, tc := range []struct {
		name                          string
		f                             pricing.ExportFilter
		groups, members, lists, price int
	}{
		{"one list", pricing.ExportFilter{PriceListIDs: []string{"contract"}}, 2, 4, 1, 2},
		{"one list, one variant", pricing.ExportFilter{PriceListIDs: []string{"summer", "summer"}, VariantIDs: []string{"hat"}}, 1, 2, 1, 1},
		{"a list open to everyone", pricing.ExportFilter{PriceListIDs: []string{"always"}}, 0, 0, 1, 1},
		{"one variant", pricing.ExportFilter{VariantIDs: []string{"hat"}}, 3, 4, 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var snap bytes.Buffer
			must(t, src.Export(ctx, &snap, tc.f))
			dst, _ := newService(t)
			stats, err := dst.Import(ctx, &snap, nil)
			must(t, err)
			deepEqual(t, "stats", stats, pricing.ImportStats{CustomerGroups: tc.groups, Memberships: tc.members, PriceLists: tc.lists, Prices: tc.price})
		})
	}
	if err := src.Export(ctx, &bytes.Buffer{}, pricing.ExportFilter{PriceListIDs: []string{"ghost"}}); !errors.Is(err, pricing.ErrNotFound) {
		t.Errorf("export of an unknown list: %v", err)
	}
}

// A hand-written fixture may leave out timestamps (the clock fills them in) and price
// IDs (generated); list prices take their list's tax flag.
func TestSnapshotHandWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, st := newService(t)
	stats, err := svc.Import(ctx, strings.NewReader(`{"format": "pricing-snapshot", "version": 1,
		"customer_groups": [{"id": "vip", "name": " VIP "}],
		"memberships": [{"customer_group_id": "vip", "customer_id": "cus_1"}],
		"price_lists": [{"id": "pl", "name": "Sale", "status": "active", "customer_group_ids": ["vip"], "includes_tax": true}],
		"prices": [{"variant_id": "shirt", "currency_code": "USD", "amount": 2000},
		           {"price_list_id": "pl", "variant_id": "shirt", "currency_code": "usd", "amount": 1500}]}`), nil)
	must(t, err)
	deepEqual(t, "stats", stats, pricing.ImportStats{CustomerGroups: 1, Memberships: 1, PriceLists: 1, Prices: 2})
	d := dumpStore(t, st)
	// One import, one revision.
	deepEqual(t, "groups", d.Groups, []pricing.CustomerGroup{{ID: "vip", Name: "VIP", CreatedAt: t0, UpdatedAt: t0, Revision: 1}})
	deepEqual(t, "lists", d.Lists, []pricing.PriceList{{ID: "pl", Name: "Sale", Type: pricing.Sale, Status: pricing.Active,
		CustomerGroupIDs: []string{"vip"}, IncludesTax: true, CreatedAt: t0, UpdatedAt: t0, Revision: 1}})
	deepEqual(t, "prices", d.Prices, []pricing.Price{
		{ID: "id_001", VariantID: "shirt", CurrencyCode: "usd", Amount: 2000, Revision: 1},
		{ID: "id_002", PriceListID: "pl", VariantID: "shirt", CurrencyCode: "usd", Amount: 1500, IncludesTax: true, Revision: 1},
	})
	res := must1[pricing.Resolution](t)(svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1", TaxRate: rate(0.2)}, "shirt", 1))
	if res.CalculatedAmount != 1500 {
		t.Errorf("resolved %d, want 1500", res.CalculatedAmount)
	}
}

// A bad snapshot writes nothing: the error names the record, or says what is wrong
// with the document.
func TestSnapshotImportErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	head := `{"format": "pricing-snapshot", "version": 1, `
	for _, tc := range []struct {
		name, doc string
		want      error
		field     string
	}{
		{"not JSON", `nope`, pricing.ErrInvalid, "snapshot"},
		{"not a snapshot", `{"groups": []}`, pricing.ErrInvalid, "snapshot"},
		{"no format", `{"version": 1, "prices": []}`, pricing.ErrInvalid, "snapshot"},
		{"another format", `{"format": "medusa", "version": 1}`, pricing.ErrInvalid, "snapshot"},
		{"a newer version", `{"format": "pricing-snapshot", "version": 2}`, pricing.ErrInvalid, "snapshot"},
		{"an unknown section", head + `"customers": []}`, pricing.ErrInvalid, "snapshot"},
		{"sections out of order", head + `"prices": [], "price_lists": []}`, pricing.ErrInvalid, "snapshot"},
		{"truncated", head + `"customer_groups": [{"id": "a", "name": "A"}`, pricing.ErrInvalid, "snapshot"},
		{"a record of another shape", head + `"price_lists": [{"id": "pl", "name": "x"}, {"id": 5}]}`, pricing.ErrInvalid, "PriceLists[1]"},
		{"a bad name", head + `"price_lists": [{"id": "pl", "name": "x"}, {"id": "p2", "name": " "}]}`, pricing.ErrInvalid, "PriceLists[1].Name"},
		{"a group without an ID", head + `"customer_groups": [{"name": "x"}]}`, pricing.ErrInvalid, "CustomerGroups[0].ID"},
		{"a bad price", head + `"prices": [{"variant_id": "v", "currency_code": "usd", "amount": 1}, {"variant_id": "v", "currency_code": "zzz", "amount": 1}]}`, pricing.ErrInvalid, "Prices[1].CurrencyCode"},
		{"a tax flag the list does not have", head + `"price_lists": [{"id": "pl9", "name": "x"}], "prices": [{"price_list_id": "pl9", "variant_id": "v", "currency_code": "usd", "amount": 1, "includes_tax": true}]}`, pricing.ErrInvalid, "Prices[0].IncludesTax"},
		{"a taken group ID", head + `"customer_groups": [{"id": "g1", "name": "another"}]}`, pricing.ErrAlreadyExists, ""},
		{"a taken group name", head + `"customer_groups": [{"id": "g9", "name": "wholesale"}]}`, pricing.ErrAlreadyExists, ""},
		{"a taken price key", head + `"prices": [{"variant_id": "shirt", "currency_code": "usd", "amount": 1}]}`, pricing.ErrAlreadyExists, ""},
		{"a repeated price key", head + `"prices": [{"variant_id": "v", "currency_code": "usd", "amount": 1}, {"variant_id": "v", "currency_code": "usd", "amount": 2}]}`, pricing.ErrAlreadyExists, ""},
		{"an unknown group", head + `"memberships": [{"customer_group_id": "ghost", "customer_id": "c"}]}`, pricing.ErrNotFound, ""},
		{"an unknown list", head + `"prices": [{"price_list_id": "ghost", "variant_id": "v", "currency_code": "usd", "amount": 1}]}`, pricing.ErrNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, st := invalidFixture(t)
			before := dumpStore(t, st)
			stats, err := svc.Import(ctx, strings.NewReader(tc.doc), nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.field != "" {
				wantInvalid(t, err, tc.field)
			}
			deepEqual(t, "stats", stats, pricing.ImportStats{})
			deepEqual(t, "store after a refused import", dumpStore(t, st), before)
		})
	}
}

// In chunks, an import reports its progress, and a bad record leaves the chunks before
// its own written.
func TestSnapshotImportChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, _ := newService(t)
	snapshotFixture(t, src)
	var snap bytes.Buffer
	must(t, src.Export(ctx, &snap, pricing.ExportFilter{}))
	dst, _ := newService(t)
	var progress []pricing.ImportStats
	stats, err := dst.Import(ctx, bytes.NewReader(snap.Bytes()), &pricing.ImportOptions{ChunkSize: 5, Progress: func(s pricing.ImportStats) { progress = append(progress, s) }})
	must(t, err)
	deepEqual(t, "stats", stats, pricing.ImportStats{CustomerGroups: 3, Memberships: 4, PriceLists: 3, Prices: 9})
	deepEqual(t, "progress", progress, []pricing.ImportStats{
		{CustomerGroups: 3, Memberships: 2}, {CustomerGroups: 3, Memberships: 4, PriceLists: 3}, {CustomerGroups: 3, Memberships: 4, PriceLists: 3, Prices: 5},
		{CustomerGroups: 3, Memberships: 4, PriceLists: 3, Prices: 9},
	})

	// The ninth price (s_hat) is bad: the chunk of the sixth to the ninth is not written.
	bad := strings.Replace(snap.String(), `"amount":450`, `"amount":-450`, 1)
	dst2, _ := newService(t)
	stats, err = dst2.Import(ctx, strings.NewReader(bad), &pricing.ImportOptions{ChunkSize: 5})
	if !errors.Is(err, pricing.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	deepEqual(t, "stats of the chunks written", stats, pricing.ImportStats{CustomerGroups: 3, Memberships: 4, PriceLists: 3, Prices: 5})
}
