package pricing

import (
	"reflect"
	"testing"
	"time"
)

func TestChangeCodecRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)
	price := &Price{ID: "p1", PriceListID: "pl", VariantID: "v", CurrencyCode: "usd", RegionID: "r", Amount: 1 << 62, MinQuantity: 2, MaxQuantity: 9, IncludesTax: true, Revision: 7}
	oldPrice := &Price{ID: "p1", VariantID: "v", CurrencyCode: "eur", Amount: 0, Revision: 3}
	list := &PriceList{ID: "pl", Name: "Ünï", Description: "d\x00", Type: Override, Status: Active, StartsAt: at, EndsAt: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
		CustomerGroupIDs: []string{"a", "b"}, CustomerIDs: []string{"cus_1"}, ChannelIDs: []string{"pos", "web"},
		Adjustment: &Adjustment{Percent: -12.5, Rounding: RoundUp}, IncludesTax: true,
		Metadata: map[string]any{"k": []any{1.5, nil, "x"}}, CreatedAt: at, UpdatedAt: at, Revision: 4}
	group := &CustomerGroup{ID: "g", Name: "VIP", Metadata: map[string]any{"tier": "gold"}, CreatedAt: at, UpdatedAt: at.Add(time.Hour), Revision: 2}
	for _, c := range []Change{
		{Kind: KindPrice, Op: OpCreate, ID: "p1", Price: price},
		{Kind: KindPrice, Op: OpUpdate, ID: "p1", Price: price, OldPrice: oldPrice},
		{Kind: KindPrice, Op: OpDelete, ID: "p1", OldPrice: price},
		{Kind: KindPriceList, Op: OpUpdate, ID: "pl", PriceList: list, OldPriceList: &PriceList{ID: "pl", Name: "x", Type: Sale, Status: Draft}},
		{Kind: KindCustomerGroup, Op: OpCreate, ID: "g", CustomerGroup: group},
		{Kind: KindCustomerGroup, Op: OpDelete, ID: "g", OldCustomerGroup: &CustomerGroup{ID: "g", Name: "n"}},
		{Kind: KindMembership, Op: OpCreate, ID: "g", CustomerID: "cus_1"},
	} {
		b, err := appendChange([]byte("prefix"), &c)
		if err != nil {
			t.Fatal(err)
		}
		var got Change
		if err := decodeChangeItem(b[len("prefix"):], &got); err != nil {
			t.Fatalf("%s %s: %v", c.Op, c.Kind, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("%s %s:\n got  %+v\n want %+v", c.Op, c.Kind, got, c)
		}
		// Every truncation is an error, not a panic.
		for n := range len(b) - len("prefix") {
			if err := decodeChangeItem(b[len("prefix"):len("prefix")+n], &got); err == nil {
				t.Errorf("%s %s: %d of %d bytes decoded", c.Op, c.Kind, n, len(b)-len("prefix"))
			}
		}
	}
}

func FuzzDecodeChangeItem(f *testing.F) {
	for _, c := range []Change{
		{Kind: KindPrice, Op: OpUpdate, ID: "p", Price: &Price{VariantID: "v"}, OldPrice: &Price{Amount: -1}},
		{Kind: KindPriceList, Op: OpCreate, ID: "l", PriceList: &PriceList{CustomerGroupIDs: []string{"g"}, Metadata: map[string]any{"a": 1.0}}},
		{Kind: KindMembership, Op: OpDelete, ID: "g", CustomerID: "c"},
	} {
		b, _ := appendChange(nil, &c)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Change
		if decodeChangeItem(b, &c) != nil {
			return
		}
		again, err := appendChange(nil, &c)
		if err != nil {
			t.Fatal(err)
		}
		var c2 Change
		if err := decodeChangeItem(again, &c2); err != nil || !reflect.DeepEqual(c2, c) {
			t.Fatalf("re-encoding of a decoded change does not decode the same: %v", err)
		}
	})
}
