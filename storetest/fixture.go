package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// t0 is the fixtures' clock: UTC, without monotonic reading, with nanoseconds that a
// store must keep.
var t0 = time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)

// sampleMetadata returns a new JSON-normal metadata value that nests objects and
// arrays, with every JSON type and some non-ASCII text.
func sampleMetadata() map[string]any {
	return map[string]any{
		"tier":   "gold",
		"score":  4.5,
		"count":  12345678901234.0,
		"vip":    true,
		"closed": false,
		"note":   nil,
		"blank":  "",
		"label":  "Großhändler ✓ \"quoted\"\n",
		"tags":   []any{"a", 1.0, false, nil, map[string]any{"deep": []any{"x", -0.25}}},
		"address": map[string]any{
			"city": "Lyon",
			"geo":  map[string]any{"lat": 45.764, "lng": 4.8357},
			"none": map[string]any{},
		},
		"empty": []any{},
	}
}

// mutateMetadata changes m at every depth, as a careless caller would.
func mutateMetadata(m map[string]any) {
	if m == nil {
		return
	}
	if addr, ok := m["address"].(map[string]any); ok {
		addr["city"] = "MUTATED"
		if geo, ok := addr["geo"].(map[string]any); ok {
			geo["lat"] = -1.0
		}
	}
	if tags, ok := m["tags"].([]any); ok && len(tags) > 0 {
		tags[0] = "MUTATED"
		if deep, ok := tags[len(tags)-1].(map[string]any); ok {
			deep["deep"] = "MUTATED"
		}
	}
	m["added"] = true
	delete(m, "tier")
}

// groupFix is a group with the name key the Service would give it.
type groupFix struct {
	g       pricing.CustomerGroup
	nameKey string
}

// fixture is a small catalog. Its slices are in insertion order, which differs from
// ascending ID order so that the iteration order rules mean something.
type fixture struct {
	groups  []groupFix
	members [][2]string // group ID, customer ID
	lists   []pricing.PriceList
	prices  []pricing.Price
}

func sampleGroup(id, name string, meta map[string]any) pricing.CustomerGroup {
	return pricing.CustomerGroup{ID: id, Name: name, Metadata: meta, CreatedAt: t0, UpdatedAt: t0.Add(90 * time.Minute)}
}

// baseFixture returns the catalog most rules start from:
//
//	groups   cg_1 Wholesale {cus_1 cus_2 cus_3}, cg_2 VIP {cus_2 cus_4}, cg_3 Staff {cus_4}
//	lists    pl_1 sale active, window, audience cg_1 cg_2 and customers cus_5 cus_9,
//	         channels pos web, 3 prices
//	         pl_2 override draft, everyone, an adjustment, 2 prices
//	         pl_3 sale active, open-ended, audience cg_2, 1 price
//	prices   5 base prices of var_1 and var_2 in usd and eur, regions and tiers
func baseFixture() fixture {
	return fixture{
		groups: []groupFix{
			{sampleGroup("cg_2", "VIP", nil), "vip"},
			{sampleGroup("cg_3", "Staff", map[string]any{"team": "ops"}), "staff"},
			{sampleGroup("cg_1", "Wholesale", sampleMetadata()), "wholesale"},
		},
		members: [][2]string{
			{"cg_2", "cus_4"}, {"cg_2", "cus_2"}, {"cg_3", "cus_4"},
			{"cg_1", "cus_3"}, {"cg_1", "cus_1"}, {"cg_1", "cus_2"},
		},
		lists: []pricing.PriceList{
			{
				ID: "pl_3", Name: "Spring", Type: pricing.Sale, Status: pricing.Active,
				StartsAt: t0.Add(-time.Hour), CustomerGroupIDs: []string{"cg_2"},
				CreatedAt: t0, UpdatedAt: t0,
			},
			{
				ID: "pl_1", Name: "Trade", Description: "Prices for the trade", Type: pricing.Sale, Status: pricing.Active,
				StartsAt: t0.Add(-30 * 24 * time.Hour), EndsAt: t0.Add(30*24*time.Hour + 1),
				CustomerGroupIDs: []string{"cg_1", "cg_2"}, CustomerIDs: []string{"cus_5", "cus_9"},
				ChannelIDs: []string{"pos", "web"}, IncludesTax: true, Metadata: sampleMetadata(),
				CreatedAt: t0, UpdatedAt: t0.Add(time.Nanosecond),
			},
			{
				ID: "pl_2", Name: "Catalogue 2026", Type: pricing.Override, Status: pricing.Draft,
				Adjustment: &pricing.Adjustment{Percent: -12.5, Rounding: pricing.RoundDown}, CreatedAt: t0.Add(time.Second),
				UpdatedAt: t0.Add(time.Second),
			},
		},
		prices: []pricing.Price{
			{ID: "pr_11", PriceListID: "pl_3", VariantID: "var_3", CurrencyCode: "usd", Amount: 300},
			{ID: "pr_04", VariantID: "var_1", CurrencyCode: "usd", Amount: 900, MinQuantity: 10},
			{ID: "pr_09", PriceListID: "pl_2", VariantID: "var_1", CurrencyCode: "usd", Amount: 950},
			{ID: "pr_01", VariantID: "var_1", CurrencyCode: "usd", Amount: 1000},
			{ID: "pr_08", PriceListID: "pl_1", VariantID: "var_2", CurrencyCode: "usd", Amount: 1500, MinQuantity: 5, MaxQuantity: 9, IncludesTax: true},
			{ID: "pr_03", VariantID: "var_1", CurrencyCode: "eur", Amount: 900},
			{ID: "pr_10", PriceListID: "pl_2", VariantID: "var_2", CurrencyCode: "gbp", RegionID: "reg_uk", Amount: 1700},
			{ID: "pr_06", PriceListID: "pl_1", VariantID: "var_1", CurrencyCode: "usd", Amount: 800, IncludesTax: true},
			{ID: "pr_02", VariantID: "var_1", CurrencyCode: "usd", RegionID: "reg_us", Amount: 1050},
			{ID: "pr_07", PriceListID: "pl_1", VariantID: "var_1", CurrencyCode: "eur", Amount: 700, IncludesTax: true},
			{ID: "pr_05", VariantID: "var_2", CurrencyCode: "usd", Amount: 2000, IncludesTax: true},
		},
	}
}

// clone returns a deep copy of f, so that a rule can edit it into the state it
// expects.
func (f fixture) clone() fixture {
	out := fixture{
		groups:  slices.Clone(f.groups),
		members: slices.Clone(f.members),
		lists:   slices.Clone(f.lists),
		prices:  slices.Clone(f.prices),
	}
	for i := range out.groups {
		out.groups[i].g = out.groups[i].g.Clone()
	}
	for i := range out.lists {
		out.lists[i] = out.lists[i].Clone()
	}
	return out
}

// ops returns the writes that store f.
func (f fixture) ops() []op {
	var ops []op
	for _, g := range f.groups {
		ops = append(ops, putGroup(g.g.Clone(), g.nameKey))
	}
	for _, m := range f.members {
		ops = append(ops, addMember(m[0], m[1]))
	}
	for _, pl := range f.lists {
		ops = append(ops, putList(pl.Clone()))
	}
	for _, p := range f.prices {
		ops = append(ops, putPrice(p))
	}
	return ops
}

// seed stores f in s in one Update.
func seed(t *testing.T, s pricing.Store, f fixture) {
	t.Helper()
	write(t, s, f.ops()...)
}

// model returns a new store holding f: the state another store is expected to reach.
func model(t *testing.T, open opener, f fixture) pricing.Store {
	t.Helper()
	s := open(t)
	seed(t, s, f)
	return s
}

// group returns the fixture group with the given ID.
func (f fixture) group(id string) pricing.CustomerGroup {
	for _, g := range f.groups {
		if g.g.ID == id {
			return g.g.Clone()
		}
	}
	panic("storetest: no fixture group " + id)
}

// list returns the fixture list with the given ID.
func (f fixture) list(id string) pricing.PriceList {
	for _, pl := range f.lists {
		if pl.ID == id {
			return pl.Clone()
		}
	}
	panic("storetest: no fixture list " + id)
}

// price returns the fixture price with the given ID.
func (f fixture) price(id string) pricing.Price {
	for _, p := range f.prices {
		if p.ID == id {
			return p
		}
	}
	panic("storetest: no fixture price " + id)
}

// priceIDs returns the IDs of the fixture prices that keep says to, ascending.
func (f fixture) priceIDs(keep func(pricing.Price) bool) []string {
	var out []string
	for _, p := range f.prices {
		if keep(p) {
			out = append(out, p.ID)
		}
	}
	slices.Sort(out)
	return out
}

// universe returns the probes that make a snapshot of a store holding f, plus extra
// prices and group, list, customer and name-key IDs that rules add or expect absent.
func (f fixture) universe() *universe {
	u := newUniverse()
	for _, g := range f.groups {
		u.groups.add(g.g.ID)
		u.nameKeys.add(g.nameKey)
	}
	for _, m := range f.members {
		u.groups.add(m[0])
		u.customers.add(m[1])
	}
	for _, pl := range f.lists {
		u.lists.add(pl.ID)
		for _, g := range pl.CustomerGroupIDs {
			u.groups.add(g)
		}
	}
	for _, p := range f.prices {
		u.addPrice(p)
	}
	return u
}
