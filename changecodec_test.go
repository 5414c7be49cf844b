package pricing

import (
	"encoding/hex"
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

// The items of every layout version decode to the same changes forever: journals
// (bolt files, postgres tables) keep items written by every earlier version. The hex
// is what each version wrote; version 1 is what main wrote before lists had
// customers, channels and adjustments.
func TestChangeCodecGolden(t *testing.T) {
	at := time.Date(2026, 1, 15, 12, 0, 0, 5, time.UTC)
	oldList := &PriceList{ID: "pl_1", Name: "Summer", Description: "d", Type: Sale, Status: Draft, EndsAt: at.Add(time.Hour),
		CustomerGroupIDs: []string{"cg_a", "cg_b"}, IncludesTax: true, Metadata: map[string]any{"k": "v"}, CreatedAt: at, UpdatedAt: at, Revision: 3}
	newList := *oldList
	newList.Status, newList.Revision = Active, 4
	listChange := Change{Kind: KindPriceList, Op: OpUpdate, ID: "pl_1", PriceList: &newList, OldPriceList: oldList}
	priceChange := Change{Kind: KindPrice, Op: OpCreate, ID: "pr_1", Price: &Price{ID: "pr_1", PriceListID: "pl_1", VariantID: "v",
		CurrencyCode: "eur", RegionID: "r", Amount: 900, MinQuantity: 2, MaxQuantity: 5, IncludesTax: true, Revision: 4}}
	memberChange := Change{Kind: KindMembership, Op: OpDelete, ID: "cg_a", CustomerID: "cus_1"}
	powerList := newList
	powerList.CustomerIDs, powerList.ChannelIDs = []string{"cus_9"}, []string{"pos"}
	powerList.Adjustment = &Adjustment{Percent: -12.5, Rounding: RoundDown}
	for _, tc := range []struct {
		name  string
		hex   string
		want  Change
		write bool // the current version writes these bytes
	}{
		{"v1 list", "01030204706c5f3100030653756d6d657201640473616c65066163746976650001a093c7960d05020463675f610463675f6201097b226b223a2276227d0180dbc6960d050180dbc6960d05040653756d6d657201640473616c650564726166740001a093c7960d05020463675f610463675f6201097b226b223a2276227d0180dbc6960d050180dbc6960d0503", listChange, false},
		{"v1 price", "0104010470725f31000104706c5f310176036575720172880e040a0104", priceChange, false},
		{"v1 membership", "0102030463675f61056375735f3100", memberChange, false},
		{"v2 list", "02030204706c5f3100010653756d6d657201640473616c65066163746976650001a093c7960d05020463675f610463675f620105637573" +
			"5f390103706f7301052d31322e3504646f776e01097b226b223a2276227d0180dbc6960d050180dbc6960d0504",
			Change{Kind: KindPriceList, Op: OpUpdate, ID: "pl_1", PriceList: &powerList}, true},
		{"v2 price", "0204010470725f31000104706c5f310176036575720172880e040a0104", priceChange, true},
		{"v2 membership", "0202030463675f61056375735f3100", memberChange, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := hex.DecodeString(tc.hex)
			if err != nil {
				t.Fatal(err)
			}
			var got Change
			if err := decodeChangeItem(b, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded\n got  %+v\n want %+v", got, tc.want)
			}
			if tc.write {
				w, err := appendChange(nil, &tc.want)
				if err != nil {
					t.Fatal(err)
				}
				if hex.EncodeToString(w) != tc.hex {
					t.Errorf("written\n got  %x\n want %s", w, tc.hex)
				}
			}
		})
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
