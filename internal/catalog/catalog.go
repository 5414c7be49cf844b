// Package catalog generates the benchmark dataset "catalog" of the specification
// (DATASET.md): a deterministic synthetic catalog, defined by formulas, of variants with
// base prices, customer groups with their customers, and price lists with their prices,
// sized by a scale factor S (1 is "catalog-M", 10 is "catalog-L").
//
// The formulas, with v, c, i zero-based indexes and integer division rounding toward zero:
//
//	variants      V = 10,000 × S            variant_%07d
//	groups        G = 50 × S                cgrp_%05d, named "Group %05d"
//	customers     C = 100,000 × S           cus_%08d
//	price lists   L = 200 × S               pl_%05d, named "List %05d"
//	base(v)       1000 + (v × 37 mod 9000)
//
// Each variant has 7 base prices: base(v) in usd, eur and gbp without a region;
// base(v) + 50 in eur for reg_de; base(v) × 9 / 10 from quantity 10 in each currency.
// Customer c belongs to the first c mod 4 of the groups (c×7) mod G, (c×13) mod G,
// (c×29) mod G, duplicates folded. Price list i is an override list when i mod 10 = 0
// (else a sale list); a draft when i mod 7 = 0 (else active); its window, relative to
// T0, is [T0−30d, T0−1d) when i mod 5 = 0, else [T0+1d, T0+30d) when i mod 6 = 0, else
// unbounded when i mod 3 = 0, else [T0−30d, T0+30d); its audience is group i mod G and,
// for an even i, group (i+17) mod G when i mod 10 < 7, else everyone. It prices every
// variant v with (v + i×53) mod 20 = 0, in usd and eur and, when i mod 4 = 0, gbp, at
// base(v) − (5 + i mod 40) × base(v) / 100, plus, when i mod 3 = 1, a tier from quantity
// 5 at 95/100 of that amount.
//
// The specification leaves price IDs to the loader. This package gives every price an
// ID made from its indexes, so that resolutions, including their tie-breaks by price ID,
// are the same on every store and in every run:
//
//	base price k of variant v       bp_%07d_%d       (k: usd, eur, gbp, reg_de eur, then the usd, eur, gbp tiers)
//	list price k of list i, var. v  lp_%05d_%07d_%d  (k: currency index × 2 + tier, currencies usd, eur, gbp)
//
// Load puts the catalog into any pricing.Store through a pricing.Service; Queries draws
// the seeded query stream of the specification.
package catalog

import (
	"fmt"
	"strconv"
	"time"

	"github.com/commercekit/pricing"
)

// T0 is the benchmark's fixed instant: list windows are relative to it, and queries
// resolve at it.
var T0 = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// Clock is the fixed clock of a catalog Service: every record is created at T0.
func Clock() time.Time { return T0 }

// NewService returns a Service over store with the catalog's fixed clock. Every record
// the catalog creates carries its own ID, so the Service's ID generator is not used.
func NewService(store pricing.Store, opts ...pricing.Option) *pricing.Service {
	return pricing.New(store, append([]pricing.Option{pricing.WithClock(Clock)}, opts...)...)
}

// Sizes per unit of the scale factor.
const (
	VariantsPerScale  = 10_000
	GroupsPerScale    = 50
	CustomersPerScale = 100_000
	ListsPerScale     = 200
)

// Currencies are the catalog's currencies, in the order of the price IDs.
var Currencies = [3]string{"usd", "eur", "gbp"}

// Region is a region of the catalog and its currency.
type Region struct {
	ID, CurrencyCode string
}

// Regions are the catalog's regions, in the order the query stream draws them.
var Regions = [4]Region{{"reg_us", "usd"}, {"reg_eu", "eur"}, {"reg_de", "eur"}, {"reg_uk", "gbp"}}

// Catalog is the catalog at one scale factor. Its methods compute records from the
// formulas; they do not touch a store.
type Catalog struct {
	S          int // scale factor, >= 1
	V, G, C, L int // numbers of variants, groups, customers and price lists

	variantIDs []string // shared, so that the stored prices of a variant share the string
}

// New returns the catalog at scale factor s (at least 1).
func New(s int) *Catalog {
	if s < 1 {
		panic(fmt.Sprintf("catalog: scale factor %d < 1", s))
	}
	c := &Catalog{S: s, V: VariantsPerScale * s, G: GroupsPerScale * s, C: CustomersPerScale * s, L: ListsPerScale * s}
	c.variantIDs = make([]string, c.V)
	for v := range c.variantIDs {
		c.variantIDs[v] = fmt.Sprintf("variant_%07d", v)
	}
	return c
}

// VariantID returns the ID of variant v.
func (c *Catalog) VariantID(v int) string { return c.variantIDs[v] }

// GroupID returns the ID of group g.
func GroupID(g int) string { return fmt.Sprintf("cgrp_%05d", g) }

// GroupName returns the name of group g.
func GroupName(g int) string { return fmt.Sprintf("Group %05d", g) }

// CustomerID returns the ID of customer c.
func CustomerID(c int) string { return fmt.Sprintf("cus_%08d", c) }

// ListID returns the ID of price list i.
func ListID(i int) string { return fmt.Sprintf("pl_%05d", i) }

// ListName returns the name of price list i.
func ListName(i int) string { return fmt.Sprintf("List %05d", i) }

// Base returns base(v), the base amount of variant v.
func Base(v int) int64 { return 1000 + int64(v*37%9000) }

// BasePriceID returns the ID of base price k (0 to 6) of variant v.
func BasePriceID(v, k int) string {
	b := make([]byte, 0, 13)
	b = append(b, "bp_"...)
	b = appendPadded(b, v, 7)
	b = append(b, '_', byte('0'+k))
	return string(b)
}

// ListPriceID returns the ID of price k of list i for variant v: k is the currency
// index (usd, eur, gbp) times 2, plus 1 for the tier.
func ListPriceID(i, v, k int) string {
	b := make([]byte, 0, 19)
	b = append(b, "lp_"...)
	b = appendPadded(b, i, 5)
	b = append(b, '_')
	b = appendPadded(b, v, 7)
	b = append(b, '_', byte('0'+k))
	return string(b)
}

func appendPadded(b []byte, n, width int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], int64(n), 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// BasePrices returns the 7 base prices of variant v, with their IDs.
func (c *Catalog) BasePrices(v int) []pricing.PriceInput {
	return c.AppendBasePrices(make([]pricing.PriceInput, 0, 7), v)
}

// AppendBasePrices appends the 7 base prices of variant v to dst.
func (c *Catalog) AppendBasePrices(dst []pricing.PriceInput, v int) []pricing.PriceInput {
	id, base := c.variantIDs[v], Base(v)
	for k, cur := range Currencies {
		dst = append(dst, pricing.PriceInput{ID: BasePriceID(v, k), VariantID: id, CurrencyCode: cur, Amount: base})
	}
	dst = append(dst, pricing.PriceInput{ID: BasePriceID(v, 3), VariantID: id, CurrencyCode: "eur", RegionID: "reg_de", Amount: base + 50})
	for k, cur := range Currencies {
		dst = append(dst, pricing.PriceInput{ID: BasePriceID(v, 4+k), VariantID: id, CurrencyCode: cur, Amount: base * 9 / 10, MinQuantity: 10})
	}
	return dst
}

var groupFactors = [3]int{7, 13, 29}

// GroupsOf appends to dst the groups of customer c: the first c mod 4 of (c×7) mod G,
// (c×13) mod G, (c×29) mod G, without duplicates, in that order.
func (c *Catalog) GroupsOf(dst []int, cus int) []int {
	start := len(dst)
next:
	for _, m := range groupFactors[:cus%4] {
		g := cus * m % c.G
		for _, h := range dst[start:] {
			if h == g {
				continue next
			}
		}
		dst = append(dst, g)
	}
	return dst
}

// List returns price list i without its prices.
func (c *Catalog) List(i int) pricing.NewPriceList {
	pl := pricing.NewPriceList{ID: ListID(i), Name: ListName(i), Type: pricing.Sale, Status: pricing.Active}
	if i%10 == 0 {
		pl.Type = pricing.Override
	}
	if i%7 == 0 {
		pl.Status = pricing.Draft
	}
	const day = 24 * time.Hour
	switch {
	case i%5 == 0:
		pl.StartsAt, pl.EndsAt = T0.Add(-30*day), T0.Add(-day)
	case i%6 == 0:
		pl.StartsAt, pl.EndsAt = T0.Add(day), T0.Add(30*day)
	case i%3 == 0:
	default:
		pl.StartsAt, pl.EndsAt = T0.Add(-30*day), T0.Add(30*day)
	}
	if i%10 < 7 {
		pl.CustomerGroupIDs = []string{GroupID(i % c.G)}
		if i%2 == 0 {
			pl.CustomerGroupIDs = append(pl.CustomerGroupIDs, GroupID((i+17)%c.G))
		}
	}
	return pl
}

// ListAmount returns the amount of list i for variant v, without the tier.
func ListAmount(i, v int) int64 {
	b := Base(v)
	return b - int64(5+i%40)*b/100
}

// ListPrices calls fn for every variant v that list i prices, in ascending order, with
// that variant's prices appended to buf[:0]; fn must not keep the slice.
func (c *Catalog) ListPrices(i int, buf []pricing.PriceInput, fn func(v int, prices []pricing.PriceInput) bool) {
	ncur := 2
	if i%4 == 0 {
		ncur = 3
	}
	tier := i%3 == 1
	// (v + i×53) mod 20 = 0: v ≡ −i×53 (mod 20).
	for v := (20 - i*53%20) % 20; v < c.V; v += 20 {
		buf = buf[:0]
		amount := ListAmount(i, v)
		for k, cur := range Currencies[:ncur] {
			buf = append(buf, pricing.PriceInput{ID: ListPriceID(i, v, 2*k), VariantID: c.variantIDs[v], CurrencyCode: cur, Amount: amount})
			if tier {
				buf = append(buf, pricing.PriceInput{ID: ListPriceID(i, v, 2*k+1), VariantID: c.variantIDs[v], CurrencyCode: cur, Amount: amount * 95 / 100, MinQuantity: 5})
			}
		}
		if !fn(v, buf) {
			return
		}
	}
}

// Counts are the sizes of a catalog.
type Counts struct {
	Variants, Groups, Customers, Lists int
	BasePrices, ListPrices             int
	Memberships                        int // (group, customer) pairs
	CustomersInGroups                  int // customers in at least one group
}

// Counts returns the sizes of the catalog, computed from the formulas.
func (c *Catalog) Counts() Counts {
	n := Counts{Variants: c.V, Groups: c.G, Customers: c.C, Lists: c.L, BasePrices: 7 * c.V}
	var groups []int
	for cus := range c.C {
		groups = c.GroupsOf(groups[:0], cus)
		n.Memberships += len(groups)
		if len(groups) > 0 {
			n.CustomersInGroups++
		}
	}
	for i := range c.L {
		per := 2
		if i%4 == 0 {
			per = 3
		}
		if i%3 == 1 {
			per *= 2
		}
		// Exactly one variant in 20 satisfies (v + i×53) mod 20 = 0, and V is a multiple of 20.
		n.ListPrices += per * c.V / 20
	}
	return n
}
