package pricing_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/memory"
)

// Bad input: every row is one bad field. The error matches ErrInvalid, is or holds a
// FieldError naming the field, and the store is exactly as it was.

var (
	id256    = strings.Repeat("x", 256)                    // one byte too long
	id255    = strings.Repeat("x", 255)                    // the longest ID
	name256  = strings.Repeat("é", 256)                    // one character too long (512 bytes)
	name255  = strings.Repeat("é", 255)                    // the longest name
	bigValue = strings.Repeat("m", 64<<10)                 // metadata over 64 KiB once encoded
	halfBig  = strings.Repeat("h", 40<<10)                 // two of these exceed 64 KiB
	nearBig  = strings.Repeat("n", (64<<10)-16)            // {"k":"nnn…"} is 64 KiB minus 8 bytes
	badUTF8  = "bad\xffutf8"                               // not valid UTF-8
	ctrlID   = "cus\x00tomer"                              // a NUL
	nlName   = "Whole\nsale"                               // a newline
	bigDesc  = strings.Repeat("d", (64<<10)+1)             // description over 64 KiB
	at0      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // a window bound
)

// invalidFixture holds one of everything, so that a refused write has something to
// damage: groups g1 (customer c1) and big (40 KiB of metadata), list pl (price p1, on
// [at0, at0+30d), audience g1), and the base prices of shirt.
func invalidFixture(t *testing.T) (*pricing.Service, pricing.Store) {
	t.Helper()
	svc, st := newService(t)
	return fillInvalidFixture(t, svc), st
}

func fillInvalidFixture(t *testing.T, svc *pricing.Service) *pricing.Service {
	t.Helper()
	ctx := context.Background()
	must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "g1", Name: "Wholesale", Metadata: map[string]any{"k": "v"}}))
	must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "big", Name: "Big", Metadata: map[string]any{"a": halfBig}}))
	must(t, svc.AddCustomers(ctx, "g1", []string{"c1"}))
	must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "Summer", Status: pricing.Active,
		StartsAt: at0, EndsAt: at0.Add(30 * 24 * time.Hour), CustomerGroupIDs: []string{"g1"}, Prices: ps(pi("p1", 900))}))
	must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "gross", Name: "Gross", IncludesTax: true, Prices: ps(pi("p2", 1000))}))
	must1[[]pricing.Price](t)(svc.SetBasePrices(ctx, "shirt", ps(pi("b1", 1000), pi("b2", 900, cur("eur")))))
	return svc
}

type invalidCase struct {
	name  string
	field string
	op    opFunc
}

func grp(in pricing.NewCustomerGroup) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		_, err := svc.CreateCustomerGroup(ctx, in)
		return err
	}
}

func updGrp(id string, upd pricing.CustomerGroupUpdate) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		_, err := svc.UpdateCustomerGroup(ctx, id, upd)
		return err
	}
}

// lst creates a valid list changed by change.
func lst(change func(l *pricing.NewPriceList)) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		l := pricing.NewPriceList{Name: "New list", Status: pricing.Active, CustomerGroupIDs: []string{"g1"}, Prices: ps(pi("", 800), pi("", 700, cur("eur")))}
		change(&l)
		_, err := svc.CreatePriceList(ctx, l)
		return err
	}
}

// withPrice creates a valid list whose second price is changed by change.
func withPrice(change func(p *pricing.PriceInput)) opFunc {
	return lst(func(l *pricing.NewPriceList) { change(&l.Prices[1]) })
}

func updLst(upd pricing.PriceListUpdate) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		_, err := svc.UpdatePriceList(ctx, "pl", upd)
		return err
	}
}

func addPrices(list string, replace bool, prices ...pricing.PriceInput) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		_, err := svc.AddPrices(ctx, list, prices, replace)
		return err
	}
}

func setBase(variant string, prices ...pricing.PriceInput) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		_, err := svc.SetBasePrices(ctx, variant, prices)
		return err
	}
}

func resolve(q pricing.Query, variant string, quantity int64) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		if q.CurrencyCode == "" {
			q.CurrencyCode = "usd"
		}
		_, err := svc.Resolve(ctx, q, variant, quantity)
		return err
	}
}

func resolveMany(q pricing.Query, items ...pricing.Item) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		if q.CurrencyCode == "" {
			q.CurrencyCode = "usd"
		}
		_, err := svc.ResolveMany(ctx, q, items)
		return err
	}
}

func listGroups(f pricing.CustomerGroupFilter) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		_, _, err := svc.ListCustomerGroups(ctx, f)
		return err
	}
}

func listLists(f pricing.PriceListFilter) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		_, _, err := svc.ListPriceLists(ctx, f)
		return err
	}
}

func listPrices(f pricing.PriceFilter) opFunc {
	return func(ctx context.Context, svc *pricing.Service) error {
		_, _, err := svc.ListPrices(ctx, f)
		return err
	}
}

var invalidCases = []invalidCase{
	// Customer groups.
	{"group ID too long", "ID", grp(pricing.NewCustomerGroup{ID: id256, Name: "n"})},
	{"group ID with a control character", "ID", grp(pricing.NewCustomerGroup{ID: ctrlID, Name: "n"})},
	{"group ID with a newline", "ID", grp(pricing.NewCustomerGroup{ID: "a\nb", Name: "n"})},
	{"group ID not UTF-8", "ID", grp(pricing.NewCustomerGroup{ID: badUTF8, Name: "n"})},
	{"group name empty", "Name", grp(pricing.NewCustomerGroup{})},
	{"group name only spaces", "Name", grp(pricing.NewCustomerGroup{Name: " \t\n "})},
	{"group name too long", "Name", grp(pricing.NewCustomerGroup{Name: name256})},
	{"group name with a control character", "Name", grp(pricing.NewCustomerGroup{Name: nlName})},
	{"group name with a bell", "Name", grp(pricing.NewCustomerGroup{Name: "ding\adong"})},
	{"group name not UTF-8", "Name", grp(pricing.NewCustomerGroup{Name: badUTF8})},
	{"group metadata with a channel", "Metadata", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{"c": make(chan int)}})},
	{"group metadata with a function", "Metadata", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{"f": func() {}}})},
	{"group metadata with NaN", "Metadata", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{"x": math.NaN()}})},
	{"group metadata with a nested infinity", "Metadata", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{"x": []any{math.Inf(1)}}})},
	{"group metadata over 64 KiB", "Metadata", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{"x": bigValue}})},
	{"group metadata string not UTF-8", "Metadata", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{"x": map[string]any{"y": []any{badUTF8}}}})},
	{"group metadata key not UTF-8", "Metadata", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{badUTF8: 1}})},
	{"group update: name empty", "Name", updGrp("g1", pricing.CustomerGroupUpdate{Name: strPtr("  ")})},
	{"group update: name too long", "Name", updGrp("g1", pricing.CustomerGroupUpdate{Name: &name256})},
	{"group update: metadata with NaN", "Metadata", updGrp("g1", pricing.CustomerGroupUpdate{Metadata: map[string]any{"x": math.NaN()}})},
	{"group update: merged metadata over 64 KiB", "Metadata", updGrp("big", pricing.CustomerGroupUpdate{Metadata: map[string]any{"b": halfBig}})},
	{"add customers: one empty ID among good ones", "CustomerIDs[1]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.AddCustomers(ctx, "g1", []string{"c2", "", "c3"})
	}},
	{"add customers: a control character", "CustomerIDs[0]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.AddCustomers(ctx, "g1", []string{ctrlID})
	}},
	{"add customers: too long", "CustomerIDs[2]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.AddCustomers(ctx, "g1", []string{"c2", "c3", id256})
	}},
	{"remove customers: not UTF-8", "CustomerIDs[1]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.RemoveCustomers(ctx, "g1", []string{"c1", badUTF8})
	}},
	{"change customers: an invalid ID to add", "Add[1]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.ChangeCustomers(ctx, "g1", []string{"c2", ctrlID}, nil)
	}},
	{"change customers: an invalid ID to remove", "Remove[0]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.ChangeCustomers(ctx, "g1", []string{"c2"}, []string{badUTF8})
	}},
	{"change customers: an ID both added and removed", "Remove[1]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.ChangeCustomers(ctx, "g1", []string{"c2"}, []string{"c1", "c2"})
	}},
	{"set customer groups: empty customer", "CustomerID", func(ctx context.Context, svc *pricing.Service) error {
		return svc.SetCustomerGroups(ctx, "", []string{"g1"})
	}},
	{"set customer groups: empty group ID", "GroupIDs[1]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.SetCustomerGroups(ctx, "c1", []string{"big", ""})
	}},
	{"customer groups of an empty customer", "CustomerID", func(ctx context.Context, svc *pricing.Service) error {
		_, err := svc.CustomerGroupsOf(ctx, "")
		return err
	}},
	{"group customers: negative limit", "Limit", func(ctx context.Context, svc *pricing.Service) error {
		_, _, err := svc.GroupCustomers(ctx, "g1", -1, 0)
		return err
	}},
	{"group customers: negative offset", "Offset", func(ctx context.Context, svc *pricing.Service) error {
		_, _, err := svc.GroupCustomers(ctx, "g1", 0, -1)
		return err
	}},
	{"list groups: negative limit", "Limit", listGroups(pricing.CustomerGroupFilter{Limit: -1})},
	{"list groups: negative offset", "Offset", listGroups(pricing.CustomerGroupFilter{Offset: -5})},
	{"list groups: unknown order", "Order", listGroups(pricing.CustomerGroupFilter{Order: "size"})},
	{"list groups: order in capitals", "Order", listGroups(pricing.CustomerGroupFilter{Order: "NAME"})},
	{"list groups: a lone minus", "Order", listGroups(pricing.CustomerGroupFilter{Order: "-"})},
	{"list groups: a double minus", "Order", listGroups(pricing.CustomerGroupFilter{Order: "--name"})},

	// Price lists.
	{"list ID with a control character", "ID", lst(func(l *pricing.NewPriceList) { l.ID = "pl\x1b" })},
	{"list ID too long", "ID", lst(func(l *pricing.NewPriceList) { l.ID = id256 })},
	{"list ID with the derived prices' ~", "ID", lst(func(l *pricing.NewPriceList) { l.ID = "pl~1" })},
	{"price ID with the derived prices' ~", "Prices[0].ID", lst(func(l *pricing.NewPriceList) { l.Prices[0].ID = "vip10~b" })},
	{"list name empty", "Name", lst(func(l *pricing.NewPriceList) { l.Name = "" })},
	{"list name too long", "Name", lst(func(l *pricing.NewPriceList) { l.Name = name256 })},
	{"list description not UTF-8", "Description", lst(func(l *pricing.NewPriceList) { l.Description = badUTF8 })},
	{"list description over 64 KiB", "Description", lst(func(l *pricing.NewPriceList) { l.Description = bigDesc })},
	{"list type unknown", "Type", lst(func(l *pricing.NewPriceList) { l.Type = "clearance" })},
	{"list type in capitals", "Type", lst(func(l *pricing.NewPriceList) { l.Type = "SALE" })},
	{"list status unknown", "Status", lst(func(l *pricing.NewPriceList) { l.Status = "paused" })},
	{"list window: StartsAt equal to EndsAt", "EndsAt", lst(func(l *pricing.NewPriceList) { l.StartsAt, l.EndsAt = at0, at0 })},
	{"list window: StartsAt after EndsAt", "EndsAt", lst(func(l *pricing.NewPriceList) { l.StartsAt, l.EndsAt = at0.Add(time.Hour), at0 })},
	{"list audience: an empty group ID", "CustomerGroupIDs[1]", lst(func(l *pricing.NewPriceList) { l.CustomerGroupIDs = []string{"g1", ""} })},
	{"list metadata with a channel", "Metadata", lst(func(l *pricing.NewPriceList) { l.Metadata = map[string]any{"c": make(chan struct{})} })},
	{"list customer empty", "CustomerIDs[1]", lst(func(l *pricing.NewPriceList) { l.CustomerIDs = []string{"cus_1", ""} })},
	{"list channel with a control character", "ChannelIDs[0]", lst(func(l *pricing.NewPriceList) { l.ChannelIDs = []string{"pos\n"} })},
	{"list adjustment below -100%", "Adjustment.Percent", lst(func(l *pricing.NewPriceList) { l.Adjustment = &pricing.Adjustment{Percent: -100.5} })},
	{"list adjustment above 1000%", "Adjustment.Percent", lst(func(l *pricing.NewPriceList) { l.Adjustment = &pricing.Adjustment{Percent: 1001} })},
	{"list adjustment NaN", "Adjustment.Percent", lst(func(l *pricing.NewPriceList) { l.Adjustment = &pricing.Adjustment{Percent: math.NaN()} })},
	{"list adjustment rounding", "Adjustment.Rounding", lst(func(l *pricing.NewPriceList) { l.Adjustment = &pricing.Adjustment{Percent: 5, Rounding: "bankers"} })},
	{"list update: adjustment rounding", "Adjustment.Rounding", updLst(pricing.PriceListUpdate{Adjustment: &pricing.Adjustment{Percent: 5, Rounding: "nearest"}})},
	{"list update: customer not UTF-8", "CustomerIDs[0]", updLst(pricing.PriceListUpdate{CustomerIDs: &[]string{badUTF8}})},
	{"resolve: channel with a control character", "ChannelID", resolve(pricing.Query{ChannelID: "pos\x00"}, "shirt", 1)},
	{"list metadata over 64 KiB", "Metadata", lst(func(l *pricing.NewPriceList) { l.Metadata = map[string]any{"a": halfBig, "b": halfBig} })},
	{"price ID with a control character", "Prices[1].ID", withPrice(func(p *pricing.PriceInput) { p.ID = "p\x7f" })},
	{"price variant empty", "Prices[1].VariantID", withPrice(func(p *pricing.PriceInput) { p.VariantID = "" })},
	{"price variant too long", "Prices[1].VariantID", withPrice(func(p *pricing.PriceInput) { p.VariantID = id256 })},
	{"price currency empty", "Prices[1].CurrencyCode", withPrice(func(p *pricing.PriceInput) { p.CurrencyCode = "" })},
	{"price currency unknown", "Prices[1].CurrencyCode", withPrice(func(p *pricing.PriceInput) { p.CurrencyCode = "usx" })},
	{"price currency a name, not a code", "Prices[1].CurrencyCode", withPrice(func(p *pricing.PriceInput) { p.CurrencyCode = "dollar" })},
	{"price currency registered with another service only", "Prices[1].CurrencyCode", withPrice(func(p *pricing.PriceInput) { p.CurrencyCode = "pts" })},
	{"price region with a control character", "Prices[1].RegionID", withPrice(func(p *pricing.PriceInput) { p.RegionID = "reg\tus" })},
	{"price amount negative", "Prices[1].Amount", withPrice(func(p *pricing.PriceInput) { p.Amount = -1 })},
	{"price MinQuantity negative", "Prices[1].MinQuantity", withPrice(func(p *pricing.PriceInput) { p.MinQuantity = -1 })},
	{"price MaxQuantity negative", "Prices[1].MaxQuantity", withPrice(func(p *pricing.PriceInput) { p.MaxQuantity = -3 })},
	{"price MinQuantity above MaxQuantity", "Prices[1].MaxQuantity", withPrice(func(p *pricing.PriceInput) { p.MinQuantity, p.MaxQuantity = 10, 9 })},
	{"list price IncludesTax on a list without tax", "Prices[1].IncludesTax", withPrice(func(p *pricing.PriceInput) { p.IncludesTax = true })},
	{"two prices with the same key", "Prices[1]", withPrice(func(p *pricing.PriceInput) { p.CurrencyCode = "usd" })},
	{"two prices with the same key, currency in another case", "Prices[1]", withPrice(func(p *pricing.PriceInput) { p.CurrencyCode = "USD" })},
	{"two prices with the same ID", "Prices[1].ID", lst(func(l *pricing.NewPriceList) { l.Prices[0].ID, l.Prices[1].ID = "same", "same" })},
	{"list update: name empty", "Name", updLst(pricing.PriceListUpdate{Name: strPtr("")})},
	{"list update: description not UTF-8", "Description", updLst(pricing.PriceListUpdate{Description: &badUTF8})},
	{"list update: type unknown", "Type", updLst(pricing.PriceListUpdate{Type: ptr(pricing.PriceListType("bogus"))})},
	{"list update: type empty", "Type", updLst(pricing.PriceListUpdate{Type: ptr(pricing.PriceListType(""))})},
	{"list update: status unknown", "Status", updLst(pricing.PriceListUpdate{Status: ptr(pricing.PriceListStatus("archived"))})},
	{"list update: StartsAt at the stored EndsAt", "EndsAt", updLst(pricing.PriceListUpdate{StartsAt: ptr(at0.Add(30 * 24 * time.Hour))})},
	{"list update: EndsAt before the stored StartsAt", "EndsAt", updLst(pricing.PriceListUpdate{EndsAt: ptr(at0.Add(-time.Second))})},
	{"list update: an empty group ID", "CustomerGroupIDs[0]", updLst(pricing.PriceListUpdate{CustomerGroupIDs: &[]string{""}})},
	{"list update: metadata with NaN", "Metadata", updLst(pricing.PriceListUpdate{Metadata: map[string]any{"x": math.Inf(-1)}})},
	{"add prices: amount negative", "Prices[0].Amount", addPrices("pl", false, pi("", -5))},
	{"add prices with replace: one bad price and nothing is replaced", "Prices[1].CurrencyCode", addPrices("pl", true, pi("", 5), pi("", 6, cur("nope")))},
	{"add prices: IncludesTax on a list without tax", "Prices[0].IncludesTax", addPrices("pl", false, pi("", 5, taxIncl))},
	{"add prices: the same key twice", "Prices[1]", addPrices("gross", false, pi("", 5, rg("reg_us")), pi("", 6, rg("reg_us")))},
	{"add prices: one input by key, another moving that price", "Prices[1].ID", addPrices("pl", false, pi("", 5), pi("p1", 6, cur("eur")))},
	{"delete prices: an empty ID", "PriceIDs[1]", func(ctx context.Context, svc *pricing.Service) error {
		return svc.DeletePrices(ctx, "pl", []string{"p1", ""})
	}},
	{"delete variant prices: a control character", "VariantIDs[0]", func(ctx context.Context, svc *pricing.Service) error {
		_, err := svc.DeleteVariantPrices(ctx, "pl", []string{"shi\x00rt"})
		return err
	}},
	{"list lists: negative limit", "Limit", listLists(pricing.PriceListFilter{Limit: -1})},
	{"list lists: negative offset", "Offset", listLists(pricing.PriceListFilter{Offset: -1})},
	{"list lists: unknown order", "Order", listLists(pricing.PriceListFilter{Order: "starts_at"})},
	{"list lists: unknown status", "Statuses[1]", listLists(pricing.PriceListFilter{Statuses: []pricing.PriceListStatus{pricing.Active, "live"}})},
	{"list lists: unknown type", "Types[0]", listLists(pricing.PriceListFilter{Types: []pricing.PriceListType{"discount"}})},
	{"list lists: cursor not base64", "After", listLists(pricing.PriceListFilter{After: "not a cursor!"})},
	{"list lists: cursor without a position", "After", listLists(pricing.PriceListFilter{After: "bmFtZQ"})},
	{"list prices: negative limit", "Limit", listPrices(pricing.PriceFilter{Limit: -2})},
	{"list prices: negative offset", "Offset", listPrices(pricing.PriceFilter{Offset: -2})},
	{"list prices: base only and a list", "BaseOnly", listPrices(pricing.PriceFilter{BaseOnly: true, PriceListID: "pl"})},

	// Base prices.
	{"base prices: empty variant", "VariantID", setBase("", pi("", 5))},
	{"base prices: variant with a control character", "VariantID", setBase("sh\nirt", pi("", 5))},
	{"base prices: a price of another variant", "Prices[0].VariantID", setBase("shirt", pi("", 5, variant("hat")))},
	{"base prices: amount negative", "Prices[1].Amount", setBase("shirt", pi("", 5), pi("", -1, cur("eur")))},
	{"base prices: MinQuantity above MaxQuantity", "Prices[0].MaxQuantity", setBase("shirt", pi("", 5, qty(3, 2)))},
	{"base prices: the same key twice", "Prices[1]", setBase("shirt", pi("", 5), pi("", 6))},
	{"base prices: unknown currency", "Prices[0].CurrencyCode", setBase("shirt", pi("", 5, cur("xx")))},

	// Resolution.
	{"resolve: currency empty", "CurrencyCode", func(ctx context.Context, svc *pricing.Service) error {
		_, err := svc.Resolve(ctx, pricing.Query{}, "shirt", 1)
		return err
	}},
	{"resolve: currency unknown", "CurrencyCode", resolve(pricing.Query{CurrencyCode: "zzz"}, "shirt", 1)},
	{"resolve: region with a control character", "RegionID", resolve(pricing.Query{RegionID: "reg\x00"}, "shirt", 1)},
	{"resolve: customer too long", "CustomerID", resolve(pricing.Query{CustomerID: id256}, "shirt", 1)},
	{"resolve: explicit group with a control character", "CustomerGroupIDs[1]", resolve(pricing.Query{CustomerGroupIDs: []string{"g1", "g\x01"}}, "shirt", 1)},
	{"resolve: tax rate negative", "TaxRate", resolve(pricing.Query{TaxRate: rate(-0.1)}, "shirt", 1)},
	{"resolve: tax rate NaN", "TaxRate", resolve(pricing.Query{TaxRate: rate(math.NaN())}, "shirt", 1)},
	{"resolve: tax rate infinite", "TaxRate", resolve(pricing.Query{TaxRate: rate(math.Inf(1))}, "shirt", 1)},
	{"resolve: tax rate above 10", "TaxRate", resolve(pricing.Query{TaxRate: rate(math.Nextafter(10, 11))}, "shirt", 1)},
	{"resolve: tax rate 1e18", "TaxRate", resolve(pricing.Query{TaxRate: rate(1e18)}, "shirt", 1)},
	{"resolve: Explain with ExplainVisible", "ExplainVisible", resolve(pricing.Query{Explain: true, ExplainVisible: true}, "shirt", 1)},
	{"resolve: quantity negative", "Quantity", resolve(pricing.Query{}, "shirt", -1)},
	{"resolve: variant empty", "VariantID", resolve(pricing.Query{}, "", 1)},
	{"resolve many: the second item's quantity negative", "Items[1].Quantity", resolveMany(pricing.Query{},
		pricing.Item{VariantID: "shirt", Quantity: 1}, pricing.Item{VariantID: "shirt", Quantity: -2})},
	{"resolve many: the third item's variant not UTF-8", "Items[2].VariantID", resolveMany(pricing.Query{},
		pricing.Item{VariantID: "shirt"}, pricing.Item{VariantID: "hat"}, pricing.Item{VariantID: badUTF8})},
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	stores := []struct {
		name string
		open func(t *testing.T) pricing.Store
	}{
		{"memory", func(t *testing.T) pricing.Store { return memory.New() }},
		{"bolt", func(t *testing.T) pricing.Store {
			st, err := bolt.Open(filepath.Join(t.TempDir(), "pricing.db"), &bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
	}
	for _, store := range stores {
		for _, tc := range invalidCases {
			t.Run(store.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				st := store.open(t)
				t.Cleanup(func() { _ = st.Close() })
				svc := fillInvalidFixture(t, pricing.New(st, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id"))))
				runInvalidCase(t, svc, st, tc)
			})
		}
	}
}

// runInvalidCase runs the bad call and checks the error and the store.
func runInvalidCase(t *testing.T, svc *pricing.Service, st pricing.Store, tc invalidCase) {
	before := dumpStore(t, st)
	err := tc.op(context.Background(), svc)
	wantInvalid(t, err, tc.field)
	for _, other := range []error{pricing.ErrNotFound, pricing.ErrAlreadyExists, pricing.ErrConflict, pricing.ErrNoPrice, pricing.ErrClosed} {
		if errors.Is(err, other) {
			t.Errorf("err %v also matches %v", err, other)
		}
	}
	deepEqual(t, "store after the refused call", dumpStore(t, st), before)
}

// Every bad field of one input is named, not only the first.
func TestInvalidInputNamesEveryField(t *testing.T) {
	t.Parallel()
	svc, st := invalidFixture(t)
	before := dumpStore(t, st)
	_, err := svc.CreatePriceList(context.Background(), pricing.NewPriceList{
		ID: ctrlID, Type: "x", Status: "y", StartsAt: at0, EndsAt: at0,
		Prices: ps(pi("", -1, cur("")), pi("", 1, qty(5, 1))),
	})
	var ve *pricing.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, pricing.ErrInvalid) {
		t.Fatalf("err = %v, want a ValidationError matching ErrInvalid", err)
	}
	want := []string{"ID", "Name", "Type", "Status", "EndsAt", "Prices[0].CurrencyCode", "Prices[0].Amount", "Prices[1].MaxQuantity"}
	got := fieldsOf(err)
	for _, f := range want {
		found := false
		for _, g := range got {
			found = found || g == f
		}
		if !found {
			t.Errorf("field %s not named; fields %q", f, got)
		}
		if !strings.Contains(err.Error(), f) {
			t.Errorf("message %q does not name %s", err, f)
		}
	}
	deepEqual(t, "store", dumpStore(t, st), before)
}

// The limits are exact: the largest valid input is accepted.
func TestValidBoundaries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		op   func(svc *pricing.Service) error
	}{
		{"a 255-byte ID", grp(pricing.NewCustomerGroup{ID: id255, Name: "n"}).bind(ctx)},
		{"a 255-character name of 510 bytes", grp(pricing.NewCustomerGroup{Name: name255}).bind(ctx)},
		{"a name of 255 characters once trimmed", grp(pricing.NewCustomerGroup{Name: "  " + name255 + "  "}).bind(ctx)},
		{"IDs in any script", grp(pricing.NewCustomerGroup{ID: "顧客グループ-1", Name: "Großhändler"}).bind(ctx)},
		{"metadata just under 64 KiB", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{"k": nearBig}}).bind(ctx)},
		{"metadata of 40,000 '<' is measured unescaped", grp(pricing.NewCustomerGroup{Name: "n", Metadata: map[string]any{"k": strings.Repeat("<", 40000)}}).bind(ctx)},
		{"a currency in capitals", withPrice(func(p *pricing.PriceInput) { p.CurrencyCode = "GBP" }).bind(ctx)},
		{"MinQuantity equal to MaxQuantity", withPrice(func(p *pricing.PriceInput) { p.MinQuantity, p.MaxQuantity = 5, 5 }).bind(ctx)},
		{"only a MaxQuantity", withPrice(func(p *pricing.PriceInput) { p.MaxQuantity = 1 }).bind(ctx)},
		{"amount 0", withPrice(func(p *pricing.PriceInput) { p.Amount = 0 }).bind(ctx)},
		{"list price IncludesTax on a list with tax", lst(func(l *pricing.NewPriceList) { l.IncludesTax = true; l.Prices[0].IncludesTax = true }).bind(ctx)},
		{"a window of one nanosecond", lst(func(l *pricing.NewPriceList) { l.StartsAt, l.EndsAt = at0, at0.Add(1) }).bind(ctx)},
		{"only an end", lst(func(l *pricing.NewPriceList) { l.EndsAt = at0 }).bind(ctx)},
		{"tax rate 0", resolve(pricing.Query{TaxRate: rate(0)}, "shirt", 1).bind(ctx)},
		{"tax rate -0", resolve(pricing.Query{TaxRate: rate(math.Copysign(0, -1))}, "shirt", 1).bind(ctx)},
		{"tax rate 10", resolve(pricing.Query{TaxRate: rate(10)}, "shirt", 1).bind(ctx)},
		{"tax rate 1e-300", resolve(pricing.Query{TaxRate: rate(1e-300)}, "shirt", 1).bind(ctx)},
		{"limit and offset 0", listGroups(pricing.CustomerGroupFilter{}).bind(ctx)},
		{"every order", func(svc *pricing.Service) error {
			for _, o := range []string{"", "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"} {
				if _, _, err := svc.ListCustomerGroups(ctx, pricing.CustomerGroupFilter{Order: o}); err != nil {
					return err
				}
				if _, _, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{Order: o}); err != nil {
					return err
				}
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _ := invalidFixture(t)
			if err := tc.op(svc); err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
		})
	}
}

type opFunc func(context.Context, *pricing.Service) error

func (f opFunc) bind(ctx context.Context) func(*pricing.Service) error {
	return func(svc *pricing.Service) error { return f(ctx, svc) }
}

// Host currencies: registered codes are accepted in any case, others refused.
func TestWithCurrencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := pricing.New(memory.New(), pricing.WithCurrencies("PTS", "Miles2", "bad code", ""), pricing.WithIDGenerator(seqIDs("id")))
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"pts", true}, {"PTS", true}, {"miles2", true}, {"usd", true},
		{"bad code", false}, {"badcode", false}, {"xxy", false},
	} {
		_, err := svc.SetBasePrices(ctx, "v_"+tc.code, []pricing.PriceInput{{CurrencyCode: tc.code, Amount: 1}})
		if tc.ok != (err == nil) {
			t.Errorf("currency %q: err = %v, want ok %v", tc.code, err, tc.ok)
		}
		if err != nil {
			wantInvalid(t, err, "Prices[0].CurrencyCode")
		}
	}
	r, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "Pts"}, "v_PTS", 1)
	if err != nil || r.CalculatedPrice.CurrencyCode != "pts" {
		t.Errorf("Resolve in Pts: %+v, %v; want the pts price", r.CalculatedPrice, err)
	}
}

// FuzzCreateCustomerGroup: any input either creates a group that reads back as
// returned, with the trimmed name, and whose name is then taken in any case; or is
// refused with ErrInvalid naming ID, Name or Metadata, or with ErrAlreadyExists for the
// taken name "VIP"; and a refusal leaves the store unchanged. Never a panic.
func FuzzCreateCustomerGroup(f *testing.F) {
	f.Add("", "Wholesale", "tier", "gold")
	f.Add("cgrp_1", "  Frequent buyers  ", "", "")
	f.Add("", "vip", "k", "v")
	f.Add("", " VIP\t", "", "")
	f.Add("a\x00b", "n", "", "")
	f.Add("\xff", "n", "", "")
	f.Add("", "", "", "")
	f.Add("", "\u00a0", "k", "")
	f.Add("", "Ärzte", "ä", "\x00")
	f.Add(id256, name256, "k", "v")
	f.Add("id", "na\u0085me", "k", "v")
	f.Fuzz(func(t *testing.T, id, name, key, value string) {
		ctx := context.Background()
		st := memory.New()
		svc := pricing.New(st, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("gen")))
		if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP"}); err != nil {
			t.Fatal(err)
		}
		var meta map[string]any
		if key != "" {
			meta = map[string]any{key: value}
		}
		before := dumpStore(t, st)
		g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: id, Name: name, Metadata: meta})
		switch {
		case err == nil:
			if g.Name != strings.TrimSpace(name) {
				t.Errorf("Name %q, want %q", g.Name, strings.TrimSpace(name))
			}
			if id != "" && g.ID != id || id == "" && g.ID != "gen_001" {
				t.Errorf("ID %q for the input ID %q", g.ID, id)
			}
			got, err := svc.CustomerGroup(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			deepEqual(t, "read back", got, g)
			_, err = svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: strings.ToUpper(name)})
			if !errors.Is(err, pricing.ErrAlreadyExists) {
				t.Errorf("creating %q after %q: %v, want ErrAlreadyExists", strings.ToUpper(name), name, err)
			}
			return
		case errors.Is(err, pricing.ErrInvalid):
			fields := fieldsOf(err)
			if len(fields) == 0 {
				t.Errorf("err %v holds no FieldError", err)
			}
			for _, f := range fields {
				if f != "ID" && f != "Name" && f != "Metadata" {
					t.Errorf("err %v names the field %q", err, f)
				}
			}
		case errors.Is(err, pricing.ErrAlreadyExists):
			if !strings.EqualFold(strings.TrimSpace(name), "VIP") && id != "vip" {
				t.Errorf("err %v for a free name %q and ID %q", err, name, id)
			}
		default:
			t.Errorf("unclassified error %v", err)
		}
		deepEqual(t, "store after a refused create", dumpStore(t, st), before)
	})
}

// Metadata of any Go shape is checked as JSON sees it, once: cycles, nesting beyond 64
// levels and invalid UTF-8 in any key or string (of maps of other types, slices of
// maps, struct fields, pointers, bytes a json.Marshaler writes) are refused by every
// writer of metadata, and nothing is written. None of them may crash the process.
func TestHostileMetadata(t *testing.T) {
	t.Parallel()
	type item struct {
		Name string `json:"name"`
		Note *string
	}
	bad := badUTF8
	nested := func(depth int) map[string]any {
		m := map[string]any{"leaf": 1}
		for range depth - 1 {
			m = map[string]any{"n": m}
		}
		return m
	}
	inputs := []struct {
		name string
		meta func() map[string]any
	}{
		{"a map that holds itself", func() map[string]any { m := map[string]any{}; m["self"] = m; return m }},
		{"a cycle through a slice", func() map[string]any {
			s := []any{nil}
			s[0] = s
			return map[string]any{"s": s}
		}},
		{"a cycle two maps long", func() map[string]any {
			a, b := map[string]any{}, map[string]any{}
			a["b"], b["a"] = b, a
			return map[string]any{"a": a}
		}},
		{"65 levels of objects", func() map[string]any { return nested(65) }},
		{"65 levels of arrays", func() map[string]any {
			var v any = 1
			for range 64 {
				v = []any{v}
			}
			return map[string]any{"a": v}
		}},
		{"bad UTF-8 in a slice of maps", func() map[string]any { return map[string]any{"list": []map[string]any{{"k": bad}}} }},
		{"bad UTF-8 in a key of a map[string]int", func() map[string]any { return map[string]any{"m": map[string]int{bad: 1}} }},
		{"bad UTF-8 in a struct field", func() map[string]any { return map[string]any{"item": item{Name: bad}} }},
		{"bad UTF-8 behind a pointer", func() map[string]any { return map[string]any{"item": &item{Name: "ok", Note: &bad}} }},
		{"bad UTF-8 in a []string", func() map[string]any { return map[string]any{"tags": []string{"a", bad}} }},
		{"bad UTF-8 from a json.Marshaler", func() map[string]any { return map[string]any{"raw": json.RawMessage("\"" + bad + "\"")} }},
	}
	writers := []struct {
		name string
		op   func(meta map[string]any) opFunc
	}{
		{"CreateCustomerGroup", func(m map[string]any) opFunc { return grp(pricing.NewCustomerGroup{Name: "new", Metadata: m}) }},
		{"UpdateCustomerGroup", func(m map[string]any) opFunc { return updGrp("g1", pricing.CustomerGroupUpdate{Metadata: m}) }},
		{"CreatePriceList", func(m map[string]any) opFunc { return lst(func(l *pricing.NewPriceList) { l.Metadata = m }) }},
		{"UpdatePriceList", func(m map[string]any) opFunc { return updLst(pricing.PriceListUpdate{Metadata: m}) }},
	}
	for _, st := range testStores[:2] {
		for _, w := range writers {
			for _, in := range inputs {
				t.Run(st.name+"/"+w.name+"/"+in.name, func(t *testing.T) {
					t.Parallel()
					s := st.open(t)
					svc := fillInvalidFixture(t, pricing.New(s, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id"))))
					runInvalidCase(t, svc, s, invalidCase{in.name, "Metadata", w.op(in.meta())})
				})
			}
		}
	}
	// The bounds themselves are accepted: 64 levels, a U+FFFD of the input, a string
	// that spells the escape.
	svc, _ := newService(t)
	for _, m := range []map[string]any{nested(64), {"r": "\uFFFD"}, {"s": `\ufffd`}, {"i": item{Name: "x"}}} {
		g, err := svc.CreateCustomerGroup(context.Background(), pricing.NewCustomerGroup{Name: fmt.Sprint(len(m), m["r"], m["s"], m["i"] != nil), Metadata: m})
		if err != nil {
			t.Errorf("metadata %v: %v", m, err)
		} else if b, _ := json.Marshal(g.Metadata); !utf8.Valid(b) || strings.Contains(string(b), `\ufffd`) != (m["s"] != nil) {
			t.Errorf("stored metadata %s", b)
		}
	}
}

// The message of a bad string names where it is.
func TestHostileMetadataPath(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	for _, tc := range []struct {
		meta map[string]any
		path string
	}{
		{map[string]any{"a": map[string]any{"b": []any{"ok", badUTF8}}}, "a.b[1]"},
		{map[string]any{"list": []map[string]any{{"x": 1}, {"k": badUTF8}}}, "list[1].k"},
		{map[string]any{"z": 1, "key" + badUTF8: 1}, `keybad\ufffdutf8`},
	} {
		_, err := svc.CreateCustomerGroup(context.Background(), pricing.NewCustomerGroup{Name: "n", Metadata: tc.meta})
		wantInvalid(t, err, "Metadata")
		if !strings.Contains(err.Error(), "not valid UTF-8 at "+tc.path) {
			t.Errorf("%v: want the path %s", err, tc.path)
		}
	}
}
