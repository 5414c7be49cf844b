package pricing_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/json")

// jsonCase is a value, the golden file of its JSON form, and what decoding that form
// gives (the value itself when want is nil).
type jsonCase struct {
	file  string
	value any
	// decode returns a pointer to a new value of the type, for the round trip.
	decode func() any
	want   any
}

func jsonCases() []jsonCase {
	created := time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)
	start, end := created.Add(-24*time.Hour), created.Add(30*24*time.Hour)
	rate := 0.2
	name, desc := "Summer", ""
	typ, status := pricing.Override, pricing.Active
	yes := true
	zero := time.Time{}
	everyone := []string{}
	base := pricing.Price{ID: "pr_1", VariantID: "var_shirt", CurrencyCode: "usd", Amount: 2000}
	sale := pricing.Price{ID: "pr_2", PriceListID: "pl_summer", VariantID: "var_shirt", CurrencyCode: "usd", RegionID: "reg_us",
		Amount: 1500, MinQuantity: 2, MaxQuantity: 10, IncludesTax: true}
	return []jsonCase{
		{"customer_group.json", pricing.CustomerGroup{ID: "cg_vip", Name: "VIP", Metadata: map[string]any{"tier": "gold", "score": 4.5},
			CreatedAt: created, UpdatedAt: created.Add(time.Hour)}, func() any { return new(pricing.CustomerGroup) }, nil},
		{"new_customer_group.json", pricing.NewCustomerGroup{Name: "Wholesale"}, func() any { return new(pricing.NewCustomerGroup) }, nil},
		{"customer_group_update.json", pricing.CustomerGroupUpdate{Name: &name, Metadata: map[string]any{"tier": ""}},
			func() any { return new(pricing.CustomerGroupUpdate) }, nil},
		{"customer_group_filter.json", pricing.CustomerGroupFilter{Q: "whole", IDs: []string{"cg_1"}, CustomerID: "cus_1",
			CreatedAt: pricing.TimeRange{From: start}, Order: "-name", Limit: 20, Offset: 40},
			func() any { return new(pricing.CustomerGroupFilter) }, nil},
		{"price_list.json", pricing.PriceList{ID: "pl_summer", Name: "Summer", Description: "Summer sale", Type: pricing.Sale,
			Status: pricing.Active, StartsAt: start, EndsAt: end, CustomerGroupIDs: []string{"cg_vip", "cg_wholesale"},
			IncludesTax: true, Metadata: map[string]any{"campaign": "s26"}, CreatedAt: created, UpdatedAt: created},
			func() any { return new(pricing.PriceList) }, nil},
		{"price_list_unbounded.json", pricing.PriceList{ID: "pl_always", Name: "Always", Type: pricing.Override, Status: pricing.Draft,
			CreatedAt: created, UpdatedAt: created},
			func() any { return new(pricing.PriceList) }, nil},
		{"new_price_list.json", pricing.NewPriceList{Name: "Summer", Type: pricing.Sale, Status: pricing.Active, EndsAt: end,
			CustomerGroupIDs: []string{"cg_vip"}, Prices: []pricing.PriceInput{
				{VariantID: "var_shirt", CurrencyCode: "usd", Amount: 1500},
				{ID: "pr_tier", VariantID: "var_shirt", CurrencyCode: "eur", RegionID: "reg_de", Amount: 1200, MinQuantity: 10, MaxQuantity: 99},
			}}, func() any { return new(pricing.NewPriceList) }, nil},
		{"price_list_update.json", pricing.PriceListUpdate{Name: &name, Description: &desc, Type: &typ, Status: &status,
			StartsAt: &start, EndsAt: &zero, CustomerGroupIDs: &everyone, IncludesTax: &yes, Metadata: map[string]any{"campaign": ""}},
			func() any { return new(pricing.PriceListUpdate) }, nil},
		{"price_list_update_empty.json", pricing.PriceListUpdate{}, func() any { return new(pricing.PriceListUpdate) }, nil},
		{"price_list_filter.json", pricing.PriceListFilter{Q: "sum", Statuses: []pricing.PriceListStatus{pricing.Active},
			Types: []pricing.PriceListType{pricing.Sale}, CustomerGroupIDs: []string{"cg_vip"}, ActiveAt: created,
			UpdatedAt: pricing.TimeRange{From: start, To: end}, Limit: 50},
			func() any { return new(pricing.PriceListFilter) }, nil},
		{"price_list_filter_after.json", pricing.PriceListFilter{Order: "name", Limit: 50, After: "bmFtZQBzdW1tZXIgc2FsZQBwbF9zdW1tZXI"},
			func() any { return new(pricing.PriceListFilter) }, nil},
		{"customer_group_filter_after.json", pricing.CustomerGroupFilter{Order: "-name", Limit: 20, After: "LW5hbWUAdmlwAGNnX3ZpcA"},
			func() any { return new(pricing.CustomerGroupFilter) }, nil},
		{"customer_group_page.json", pricing.CustomerGroupPage{CustomerGroups: []pricing.CustomerGroup{{ID: "cg_vip", Name: "VIP",
			Metadata: map[string]any{}, CreatedAt: created, UpdatedAt: created}}, Count: 2, Next: "LW5hbWUAdmlwAGNnX3ZpcA"},
			func() any { return new(pricing.CustomerGroupPage) }, nil},
		{"customer_page.json", pricing.CustomerPage{CustomerIDs: []string{"cus_1", "cus_2"}, Count: 5, Next: "aWQAAGN1c18y"},
			func() any { return new(pricing.CustomerPage) }, nil},
		{"price_filter_after.json", pricing.PriceFilter{PriceListID: "pl_summer", Limit: 100, After: "aWQAAHByXzI"},
			func() any { return new(pricing.PriceFilter) }, nil},
		{"price_page.json", pricing.PricePage{Prices: []pricing.Price{sale}, Count: 7, Next: "aWQAAHByXzI"},
			func() any { return new(pricing.PricePage) }, nil},
		{"price_list_page.json", pricing.PriceListPage{PriceLists: []pricing.PriceList{{ID: "pl_summer", Name: "Summer sale",
			Type: pricing.Sale, Status: pricing.Active, CustomerGroupIDs: []string{"cg_vip"},
			Metadata: map[string]any{}, CreatedAt: created, UpdatedAt: created}}, Count: 3, Next: "bmFtZQBzdW1tZXIgc2FsZQBwbF9zdW1tZXI"},
			func() any { return new(pricing.PriceListPage) }, nil},
		{"price.json", sale, func() any { return new(pricing.Price) }, nil},
		{"price_input.json", pricing.PriceInput{VariantID: "var_shirt", CurrencyCode: "USD", Amount: 2000, IncludesTax: true},
			func() any { return new(pricing.PriceInput) }, nil},
		{"price_filter.json", pricing.PriceFilter{PriceListID: "pl_summer", VariantIDs: []string{"var_shirt"}, CurrencyCode: "usd"},
			func() any { return new(pricing.PriceFilter) }, nil},
		{"query.json", pricing.Query{CurrencyCode: "usd", RegionID: "reg_us", CustomerID: "cus_1", CustomerGroupIDs: []string{"cg_b2b"},
			At: created, TaxRate: &rate, ExplainVisible: true}, func() any { return new(pricing.Query) }, nil},
		{"query_now.json", pricing.Query{CurrencyCode: "eur"}, func() any { return new(pricing.Query) }, nil},
		{"items.json", []pricing.Item{{VariantID: "var_shirt", Quantity: 3}, {VariantID: "var_hat"}}, func() any { return new([]pricing.Item) }, nil},
		{"resolution_sale.json", pricing.Resolution{VariantID: "var_shirt", Quantity: 2, Found: true,
			CalculatedAmount: 1500, CalculatedPrice: sale, CalculatedType: pricing.TypeSale, CalculatedIncludesTax: true,
			HasOriginal: true, OriginalAmount: 2000, OriginalPrice: base, OriginalType: pricing.TypeDefault,
			Explanation: []pricing.Candidate{{Price: base, Type: pricing.TypeDefault, Outcome: pricing.Original},
				{Price: sale, Type: pricing.TypeSale, Outcome: pricing.Calculated}}},
			func() any { return new(pricing.Resolution) }, nil},
		{"resolution_not_found.json", pricing.Resolution{VariantID: "var_ghost", Quantity: 1}, func() any { return new(pricing.Resolution) }, nil},
		{"price_batch.json", pricing.PriceBatch{
			Create:    []pricing.PriceInput{{VariantID: "var_hat", CurrencyCode: "usd", Amount: 900}},
			Update:    []pricing.PriceInput{{ID: "pr_2", VariantID: "var_shirt", CurrencyCode: "usd", Amount: 1400, MinQuantity: 2, MaxQuantity: 10}},
			Delete:    []string{"pr_3"},
			Revisions: map[string]int64{"pr_2": 7, "pr_3": 8}},
			func() any { return new(pricing.PriceBatch) }, nil},
		{"price_batch_result.json", pricing.PriceBatchResult{Created: []pricing.Price{base}, Updated: []pricing.Price{sale}, Deleted: []string{"pr_3"}},
			func() any { return new(pricing.PriceBatchResult) }, nil},
		{"export_filter.json", pricing.ExportFilter{PriceListIDs: []string{"pl_summer"}, VariantIDs: []string{"var_shirt"}},
			func() any { return new(pricing.ExportFilter) }, nil},
		{"import_stats.json", pricing.ImportStats{CustomerGroups: 2, Memberships: 40, PriceLists: 3, Prices: 1200},
			func() any { return new(pricing.ImportStats) }, nil},
		{"price_list_change.json", pricing.PriceListChange{Update: &pricing.PriceListUpdate{Status: &status, EndsAt: &zero}},
			func() any { return new(pricing.PriceListChange) }, nil},
		{"price_list_change_delete.json", pricing.PriceListChange{Delete: true}, func() any { return new(pricing.PriceListChange) }, nil},
		{"preview_options.json", pricing.PreviewOptions{At: start, TaxRate: &rate,
			Audiences: []pricing.Audience{{CustomerGroupIDs: []string{"cg_a", "cg_b"}}, {CustomerID: "cus_1"}}, StartAfter: "var_hat"},
			func() any { return new(pricing.PreviewOptions) }, nil},
		{"preview_options_now.json", pricing.PreviewOptions{}, func() any { return new(pricing.PreviewOptions) }, nil},
		{"price_change.json", pricing.PriceChange{
			Scenario: pricing.Scenario{VariantID: "var_shirt", CurrencyCode: "usd", RegionID: "reg_us",
				Audience: pricing.Audience{CustomerGroupIDs: []string{"cg_vip"}}, ChannelID: "web", MinQuantity: 2, MaxQuantity: 10},
			Before: pricing.Resolution{VariantID: "var_shirt", Quantity: 2, Found: true, CalculatedAmount: 2000, CalculatedPrice: base,
				CalculatedType: pricing.TypeDefault, HasOriginal: true, OriginalAmount: 2000, OriginalPrice: base, OriginalType: pricing.TypeDefault},
			After: pricing.Resolution{VariantID: "var_shirt", Quantity: 2, Found: true, CalculatedAmount: 1500, CalculatedPrice: sale,
				CalculatedType: pricing.TypeSale, CalculatedIncludesTax: true, HasOriginal: true, OriginalAmount: 2000, OriginalPrice: base,
				OriginalType: pricing.TypeDefault, ValidUntil: end},
			ListBefore: &pricing.Candidate{Price: sale, Type: pricing.TypeSale, Outcome: pricing.DraftList},
			ListAfter:  &pricing.Candidate{Price: sale, Type: pricing.TypeSale, Outcome: pricing.Calculated},
		}, func() any { return new(pricing.PriceChange) }, nil},
		{"overlap_options.json", pricing.OverlapOptions{Period: pricing.TimeRange{From: start}, TaxRate: &rate,
			Audiences: []pricing.Audience{{CustomerGroupIDs: []string{"cg_a", "cg_b"}}}},
			func() any { return new(pricing.OverlapOptions) }, nil},
		{"overlap.json", pricing.Overlap{
			Scenario:     pricing.Scenario{VariantID: "var_shirt", CurrencyCode: "usd", MinQuantity: 1},
			From:         start,
			PriceListIDs: []string{"pl_a", "pl_summer"},
			Candidates: []pricing.Candidate{{Price: base, Type: pricing.TypeDefault, Outcome: pricing.Original},
				{Price: sale, Type: pricing.TypeSale, Outcome: pricing.Calculated},
				{Price: pricing.Price{ID: "pl_a~pr_1", PriceListID: "pl_a", VariantID: "var_shirt", CurrencyCode: "usd", Amount: 1800},
					Type: pricing.TypeSale, Outcome: pricing.HigherThanWinner,
					Derivation: &pricing.Derivation{BasePrice: base, Adjustment: pricing.Adjustment{Percent: -10, Rounding: pricing.RoundHalfUp}}}},
			Resolution: pricing.Resolution{VariantID: "var_shirt", Quantity: 1, Found: true, CalculatedAmount: 1500, CalculatedPrice: sale,
				CalculatedType: pricing.TypeSale, CalculatedIncludesTax: true, HasOriginal: true, OriginalAmount: 2000, OriginalPrice: base,
				OriginalType: pricing.TypeDefault},
		}, func() any { return new(pricing.Overlap) }, nil},
		{"dead_weight.json", pricing.DeadWeight{
			Lists: []pricing.DeadList{
				{PriceListID: "pl_ended", Reason: pricing.DeadOutsidePeriod, Outcomes: []pricing.Outcome{}},
				{PriceListID: "pl_loser", Reason: pricing.DeadNeverChosen, Outcomes: []pricing.Outcome{pricing.HigherThanWinner, pricing.ShadowedByRegion}},
			},
			Prices: []pricing.DeadPrice{{Price: sale, Outcomes: []pricing.Outcome{pricing.SaleNotLower}}},
		}, func() any { return new(pricing.DeadWeight) }, nil},
	}
}

// Every JSON form is the golden file's, and decodes to the value it came from.
func TestJSONForms(t *testing.T) {
	for _, tc := range jsonCases() {
		t.Run(tc.file, func(t *testing.T) {
			got, err := json.MarshalIndent(tc.value, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "json", tc.file)
			if *updateGolden {
				must(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestJSONForms -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("JSON form of %T:\n%s\nwant (%s):\n%s", tc.value, got, path, want)
			}
			back := tc.decode()
			must(t, json.Unmarshal(want, back))
			wantBack := tc.want
			if wantBack == nil {
				wantBack = tc.value
			}
			deepEqual(t, "decoded "+tc.file, reflect.ValueOf(back).Elem().Interface(), wantBack)
		})
	}
}

// A PriceListUpdate tells a missing member (unchanged) from null (clear the bound, open
// the audience to everyone).
func TestPriceListUpdateJSON(t *testing.T) {
	for _, tc := range []struct {
		in              string
		starts, ends    *time.Time
		groups          *[]string
		name            *string
		wantUnchangedNm bool
	}{
		{`{}`, nil, nil, nil, nil, true},
		{`{"starts_at": null}`, &time.Time{}, nil, nil, nil, true},
		{`{"ends_at": "2026-02-01T00:00:00Z", "customer_group_ids": null}`, nil, ptr(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)), &[]string{}, nil, true},
		{`{"customer_group_ids": ["a"], "name": "n"}`, nil, nil, &[]string{"a"}, ptr("n"), false},
	} {
		var u pricing.PriceListUpdate
		must(t, json.Unmarshal([]byte(tc.in), &u))
		deepEqual(t, tc.in+" starts_at", u.StartsAt, tc.starts)
		deepEqual(t, tc.in+" ends_at", u.EndsAt, tc.ends)
		deepEqual(t, tc.in+" customer_group_ids", u.CustomerGroupIDs, tc.groups)
		deepEqual(t, tc.in+" name", u.Name, tc.name)
	}
}

// FieldError.JSONField names the member of the input's JSON form, for every field an
// input's validation can name: each json tag is the snake_case of its Go name.
func TestFieldErrorJSONField(t *testing.T) {
	for goPath, want := range map[string]string{
		"Name":                          "name",
		"Prices[3].CurrencyCode":        "prices[3].currency_code",
		"Items[10].VariantID":           "items[10].variant_id",
		"CustomerGroupIDs[2]":           "customer_group_ids[2]",
		"TaxRate":                       "tax_rate",
		"ExplainVisible":                "explain_visible",
		"Prices[0].MinQuantity":         "prices[0].min_quantity",
		"IDs":                           "ids",
		"PriceIDs[1]":                   "price_ids[1]",
		"Metadata":                      "metadata",
		"Statuses[0]":                   "statuses[0]",
		"Prices[12].IncludesTax":        "prices[12].includes_tax",
		"Create[2].RegionID":            "create[2].region_id",
		"HTTPStatus":                    "http_status",
		"Variant2ID":                    "variant2_id",
		"CustomerGroupIDs":              "customer_group_ids",
		"Prices[0].ID":                  "prices[0].id",
		"UpdatedAt":                     "updated_at",
		"Offset":                        "offset",
		"After":                         "after",
		"Items[0].Quantity":             "items[0].quantity",
		"StartsAt":                      "starts_at",
		"Prices[1]":                     "prices[1]",
		"Prices[1].VariantID":           "prices[1].variant_id",
		"CustomerID":                    "customer_id",
		"Description":                   "description",
		"EndsAt":                        "ends_at",
		"Type":                          "type",
		"VariantIDs[3]":                 "variant_ids[3]",
		"Types[1]":                      "types[1]",
		"Order":                         "order",
		"Limit":                         "limit",
		"RegionID":                      "region_id",
		"CurrencyCode":                  "currency_code",
		"Prices[0].MaxQuantity":         "prices[0].max_quantity",
		"Prices[0].Amount":              "prices[0].amount",
		"Prices[0].RegionID":            "prices[0].region_id",
		"GroupIDs[0]":                   "group_ids[0]",
		"CustomerIDs[1]":                "customer_ids[1]",
		"Status":                        "status",
		"IncludesTax":                   "includes_tax",
		"Prices[0].CurrencyCode.Nested": "prices[0].currency_code.nested",
	} {
		fe := &pricing.FieldError{Field: goPath}
		if got := fe.JSONField(); got != want {
			t.Errorf("JSONField of %q = %q, want %q", goPath, got, want)
		}
	}
	// The rule holds for every tagged field of the inputs and entities.
	for _, v := range []any{pricing.CustomerGroup{}, pricing.NewCustomerGroup{}, pricing.CustomerGroupUpdate{},
		pricing.CustomerGroupFilter{}, pricing.PriceList{}, pricing.NewPriceList{}, pricing.PriceListUpdate{},
		pricing.PriceListFilter{}, pricing.Price{}, pricing.PriceInput{}, pricing.PriceFilter{}, pricing.Query{},
		pricing.Item{}, pricing.Resolution{}, pricing.Candidate{}, pricing.TimeRange{}, pricing.PriceListChange{},
		pricing.PreviewOptions{}, pricing.PriceChange{}, pricing.Scenario{}, pricing.Audience{}, pricing.OverlapOptions{},
		pricing.Overlap{}, pricing.DeadWeight{}, pricing.DeadList{}, pricing.DeadPrice{}, pricing.PriceListPage{}, pricing.CustomerGroupPage{}, pricing.PricePage{},
		pricing.CustomerPage{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if got := (&pricing.FieldError{Field: f.Name}).JSONField(); got != tag {
				t.Errorf("%s.%s: json tag %q, JSONField %q", typ.Name(), f.Name, tag, got)
			}
		}
	}
}
