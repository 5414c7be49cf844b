package pricing_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// The resolution rules of SEMANTICS.md, one fixture per case. Every fixture is built
// through the Service, with caller IDs for the records a case names and the test clock
// (t0) for everything else.

// fx builds a case's fixture.
type fx struct {
	t   *testing.T
	ctx context.Context
	svc *pricing.Service
}

// group creates a group whose ID and name are id, with the customers as members.
func (f *fx) group(id string, customers ...string) {
	f.t.Helper()
	must1[pricing.CustomerGroup](f.t)(f.svc.CreateCustomerGroup(f.ctx, pricing.NewCustomerGroup{ID: id, Name: id}))
	if len(customers) > 0 {
		must(f.t, f.svc.AddCustomers(f.ctx, id, customers))
	}
}

// base sets the base prices of the variant of the first price.
func (f *fx) base(prices ...pricing.PriceInput) {
	f.t.Helper()
	must1[[]pricing.Price](f.t)(f.svc.SetBasePrices(f.ctx, prices[0].VariantID, prices))
}

type listOpt func(*pricing.NewPriceList)

func draft(l *pricing.NewPriceList)   { l.Status = pricing.Draft }
func inclTax(l *pricing.NewPriceList) { l.IncludesTax = true }

func window(start, end time.Time) listOpt {
	return func(l *pricing.NewPriceList) { l.StartsAt, l.EndsAt = start, end }
}

func groups(ids ...string) listOpt {
	return func(l *pricing.NewPriceList) { l.CustomerGroupIDs = ids }
}

func customers(ids ...string) listOpt {
	return func(l *pricing.NewPriceList) { l.CustomerIDs = ids }
}

func channels(ids ...string) listOpt {
	return func(l *pricing.NewPriceList) { l.ChannelIDs = ids }
}

func adjust(percent float64, rounding pricing.Rounding) listOpt {
	return func(l *pricing.NewPriceList) {
		l.Adjustment = &pricing.Adjustment{Percent: percent, Rounding: rounding}
	}
}

// list creates an active list of the type whose ID and name are id.
func (f *fx) list(typ pricing.PriceListType, id string, prices []pricing.PriceInput, opts ...listOpt) {
	f.t.Helper()
	l := pricing.NewPriceList{ID: id, Name: id, Type: typ, Status: pricing.Active, Prices: prices}
	for _, o := range opts {
		o(&l)
	}
	must1[pricing.PriceList](f.t)(f.svc.CreatePriceList(f.ctx, l))
}

func (f *fx) sale(id string, prices []pricing.PriceInput, opts ...listOpt) {
	f.t.Helper()
	f.list(pricing.Sale, id, prices, opts...)
}

func (f *fx) override(id string, prices []pricing.PriceInput, opts ...listOpt) {
	f.t.Helper()
	f.list(pricing.Override, id, prices, opts...)
}

func ps(prices ...pricing.PriceInput) []pricing.PriceInput { return prices }

type priceOpt func(*pricing.PriceInput)

// pi is a price of the variant "shirt" in usd.
func pi(id string, amount int64, opts ...priceOpt) pricing.PriceInput {
	p := pricing.PriceInput{ID: id, VariantID: "shirt", CurrencyCode: "usd", Amount: amount}
	for _, o := range opts {
		o(&p)
	}
	return p
}

func rg(region string) priceOpt  { return func(p *pricing.PriceInput) { p.RegionID = region } }
func cur(code string) priceOpt   { return func(p *pricing.PriceInput) { p.CurrencyCode = code } }
func variant(id string) priceOpt { return func(p *pricing.PriceInput) { p.VariantID = id } }
func qty(min, max int64) priceOpt {
	return func(p *pricing.PriceInput) { p.MinQuantity, p.MaxQuantity = min, max }
}
func taxIncl(p *pricing.PriceInput) { p.IncludesTax = true }
func rate(r float64) *float64       { return &r }

// percent divides at run time, as a host that turns a percentage into a rate does
// (the constant expression 0.7 / 100 would be the exact 0.007).
func percent(p float64) float64 { return p / 100 }

// want is the expected resolution of a case.
type want struct {
	found   bool
	amount  int64
	typ     string
	hasOrig bool
	orig    int64
	id      string // the winning price's ID, when not empty
	origID  string // the original price's ID, when not empty
	// outcomes, when not nil, is the whole Explanation: price ID → outcome.
	outcomes map[string]pricing.Outcome
	// extra checks what the fields above do not.
	extra func(t *testing.T, r pricing.Resolution)
}

type resolveCase struct {
	name    string
	setup   func(f *fx)
	query   pricing.Query // CurrencyCode defaults to usd
	variant string        // default "shirt"
	qty     int64
	want    want
}

type oc = map[string]pricing.Outcome

const (
	calc     = pricing.Calculated
	origOut  = pricing.Original
	higher   = pricing.HigherThanWinner
	shadowed = pricing.ShadowedByRegion
)

var resolveCases = []resolveCase{
	// Eligibility.
	{
		name:  "base price only: type default, the original is the base price",
		setup: func(f *fx) { f.base(pi("b", 1000)) },
		qty:   1,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", origID: "b", outcomes: oc{"b": calc}},
	},
	{
		name:  "no price at all: ErrNoPrice, Found false",
		setup: func(f *fx) {},
		qty:   1,
		want:  want{found: false, outcomes: oc{}},
	},
	{
		name:  "a price of another variant is not eligible",
		setup: func(f *fx) { f.base(pi("hat", 500, variant("hat"))) },
		qty:   1,
		want:  want{found: false, outcomes: oc{}},
	},
	{
		name:  "currency: the query's code in any case; prices in other currencies lose",
		setup: func(f *fx) { f.base(pi("b_usd", 1000), pi("b_eur", 900, cur("EUR"))) },
		query: pricing.Query{CurrencyCode: "USD"},
		qty:   1,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b_usd", outcomes: oc{"b_usd": calc, "b_eur": pricing.WrongCurrency}},
	},
	{
		name:  "currency: only prices in another currency: no price",
		setup: func(f *fx) { f.base(pi("b_eur", 900, cur("eur"))) },
		qty:   1,
		want:  want{found: false, outcomes: oc{"b_eur": pricing.WrongCurrency}},
	},
	{
		name:  "region: a price of another region is not eligible",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b_ca", 800, rg("reg_ca"))) },
		query: pricing.Query{RegionID: "reg_us"},
		qty:   1,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "b_ca": pricing.WrongRegion}},
	},
	{
		name:  "region: a region price needs the query to name its region",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b_us", 900, rg("reg_us"))) },
		qty:   1,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "b_us": pricing.WrongRegion}},
	},
	{
		name:  "region: a base region price shadows the base currency-wide price, even when higher",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b_us", 1100, rg("reg_us"))) },
		query: pricing.Query{RegionID: "reg_us"},
		qty:   1,
		want:  want{found: true, amount: 1100, typ: "default", hasOrig: true, orig: 1100, id: "b_us", outcomes: oc{"b": shadowed, "b_us": calc}},
	},
	{
		name: "region: a list's region price shadows that list's currency-wide price, not the base price",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("summer", ps(pi("s", 800), pi("s_us", 900, rg("reg_us"))))
		},
		query: pricing.Query{RegionID: "reg_us"},
		qty:   1,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "s_us", origID: "b",
			outcomes: oc{"b": origOut, "s": shadowed, "s_us": calc}},
	},
	{
		name: "region: shadowing is per source: one list's region price does not shadow another list's currency-wide price",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("regional", ps(pi("r_us", 950, rg("reg_us"))))
			f.sale("global", ps(pi("g", 900)))
		},
		query: pricing.Query{RegionID: "reg_us"},
		qty:   1,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "g", origID: "b",
			outcomes: oc{"b": origOut, "r_us": higher, "g": calc}},
	},
	{
		name:  "region: a region tier out of its quantity range shadows nothing",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b_us10", 800, rg("reg_us"), qty(10, 0))) },
		query: pricing.Query{RegionID: "reg_us"},
		qty:   1,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "b_us10": pricing.WrongQuantity}},
	},
	{
		name:  "region: a region tier in range shadows the currency-wide price",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b_us10", 800, rg("reg_us"), qty(10, 0))) },
		query: pricing.Query{RegionID: "reg_us"},
		qty:   10,
		want:  want{found: true, amount: 800, typ: "default", hasOrig: true, orig: 800, id: "b_us10", outcomes: oc{"b": shadowed, "b_us10": calc}},
	},

	// Quantity tiers.
	{
		name:  "tiers: MinQuantity is inclusive",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b10", 900, qty(10, 0)), pi("b50", 800, qty(50, 0))) },
		qty:   10,
		want:  want{found: true, amount: 900, typ: "default", hasOrig: true, orig: 900, id: "b10", outcomes: oc{"b": higher, "b10": calc, "b50": pricing.WrongQuantity}},
	},
	{
		name:  "tiers: one below MinQuantity",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b10", 900, qty(10, 0))) },
		qty:   9,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "b10": pricing.WrongQuantity}},
	},
	{
		name:  "tiers: MaxQuantity is inclusive",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b1to5", 950, qty(1, 5))) },
		qty:   5,
		want:  want{found: true, amount: 950, typ: "default", hasOrig: true, orig: 950, id: "b1to5"},
	},
	{
		name:  "tiers: one above MaxQuantity",
		setup: func(f *fx) { f.base(pi("b", 1000), pi("b1to5", 950, qty(1, 5))) },
		qty:   6,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "b1to5": pricing.WrongQuantity}},
	},
	{
		name:  "tiers: quantity 0 means 1",
		setup: func(f *fx) { f.base(pi("b_max1", 1000, qty(0, 1)), pi("b_min2", 500, qty(2, 0))) },
		qty:   0,
		want: want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b_max1",
			outcomes: oc{"b_max1": calc, "b_min2": pricing.WrongQuantity}},
	},
	{
		name:  "tiers: 0 bounds are unbounded",
		setup: func(f *fx) { f.base(pi("b", 1000)) },
		qty:   1_000_000,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b"},
	},

	// List status and window.
	{
		name: "draft: a draft list is ignored",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("wip", ps(pi("s", 800)), draft)
		},
		qty:  1,
		want: want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s": pricing.DraftList}},
	},
	{
		name: "window: StartsAt is included",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("from_t0", ps(pi("s", 800)), window(t0, time.Time{}))
		},
		qty:  1,
		want: want{found: true, amount: 800, typ: "sale", hasOrig: true, orig: 1000, id: "s", origID: "b"},
	},
	{
		name: "window: one instant before StartsAt the list has not started",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("soon", ps(pi("s", 800)), window(t0.Add(time.Nanosecond), time.Time{}))
		},
		qty:  1,
		want: want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s": pricing.NotStarted}},
	},
	{
		name: "window: EndsAt is excluded",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("until_t0", ps(pi("s", 800)), window(time.Time{}, t0))
		},
		qty:  1,
		want: want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s": pricing.Ended}},
	},
	{
		name: "window: one instant before EndsAt the list still applies",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("almost_over", ps(pi("s", 800)), window(t0.Add(-time.Hour), t0.Add(time.Nanosecond)))
		},
		qty:  1,
		want: want{found: true, amount: 800, typ: "sale", hasOrig: true, orig: 1000, id: "s"},
	},
	{
		name: "window: back-to-back lists hand over at the boundary without overlap",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("week1", ps(pi("s1", 700)), window(t0.Add(-24*time.Hour), t0))
			f.sale("week2", ps(pi("s2", 900)), window(t0, t0.Add(24*time.Hour)))
		},
		qty: 1,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "s2",
			outcomes: oc{"b": origOut, "s1": pricing.Ended, "s2": calc}},
	},
	{
		name: "window: a zero At resolves at the service clock",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("later", ps(pi("s", 800)), window(t0.Add(time.Hour), time.Time{}))
		},
		qty:  1,
		want: want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s": pricing.NotStarted}},
	},
	{
		name: "window: an explicit At inside the window",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("later", ps(pi("s", 800)), window(t0.Add(time.Hour), t0.Add(2*time.Hour)))
		},
		query: pricing.Query{At: t0.Add(90 * time.Minute)},
		qty:   1,
		want:  want{found: true, amount: 800, typ: "sale", hasOrig: true, orig: 1000, id: "s"},
	},

	// Audience.
	{
		name: "audience: an anonymous shopper sees only lists open to everyone",
		setup: func(f *fx) {
			f.group("g1", "cus_1")
			f.base(pi("b", 1000))
			f.sale("public", ps(pi("s_pub", 900)))
			f.sale("members", ps(pi("s_g1", 800)), groups("g1"))
		},
		qty: 1,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "s_pub",
			outcomes: oc{"b": origOut, "s_pub": calc, "s_g1": pricing.NotInAudience}},
	},
	{
		name: "audience: a customer through the groups of CustomerID",
		setup: func(f *fx) {
			f.group("g1", "cus_1")
			f.base(pi("b", 1000))
			f.sale("public", ps(pi("s_pub", 900)))
			f.sale("members", ps(pi("s_g1", 800)), groups("g1"))
		},
		query: pricing.Query{CustomerID: "cus_1"},
		qty:   1,
		want: want{found: true, amount: 800, typ: "sale", hasOrig: true, orig: 1000, id: "s_g1",
			outcomes: oc{"b": origOut, "s_pub": higher, "s_g1": calc}},
	},
	{
		name: "audience: a customer outside the list's groups",
		setup: func(f *fx) {
			f.group("g1", "cus_1")
			f.group("g2", "cus_2")
			f.base(pi("b", 1000))
			f.sale("members", ps(pi("s_g1", 800)), groups("g1"))
		},
		query: pricing.Query{CustomerID: "cus_2"},
		qty:   1,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s_g1": pricing.NotInAudience}},
	},
	{
		name: "audience: explicit CustomerGroupIDs without a customer",
		setup: func(f *fx) {
			f.group("g1")
			f.base(pi("b", 1000))
			f.sale("members", ps(pi("s_g1", 800)), groups("g1"))
		},
		query: pricing.Query{CustomerGroupIDs: []string{"g1"}},
		qty:   1,
		want:  want{found: true, amount: 800, typ: "sale", hasOrig: true, orig: 1000, id: "s_g1"},
	},
	{
		name: "audience: the union of the customer's groups and the explicit groups",
		setup: func(f *fx) {
			f.group("g1", "cus_1")
			f.group("g2")
			f.base(pi("b", 1000))
			f.sale("for_g1", ps(pi("s_g1", 850)), groups("g1"))
			f.sale("for_g2", ps(pi("s_g2", 800)), groups("g2"))
		},
		query: pricing.Query{CustomerID: "cus_1", CustomerGroupIDs: []string{"g2"}},
		qty:   1,
		want: want{found: true, amount: 800, typ: "sale", hasOrig: true, orig: 1000, id: "s_g2",
			outcomes: oc{"b": origOut, "s_g1": higher, "s_g2": calc}},
	},
	{
		name: "audience: a list naming several groups applies to a member of any of them",
		setup: func(f *fx) {
			f.group("g1")
			f.group("g2", "cus_2")
			f.base(pi("b", 1000))
			f.sale("both", ps(pi("s", 800)), groups("g1", "g2"))
		},
		query: pricing.Query{CustomerID: "cus_2"},
		qty:   1,
		want:  want{found: true, amount: 800, typ: "sale", hasOrig: true, orig: 1000, id: "s"},
	},
	{
		name: "audience: a known customer in no group sees the lists open to everyone only",
		setup: func(f *fx) {
			f.group("g1", "cus_1")
			f.sale("public", ps(pi("s_pub", 900)))
			f.sale("members", ps(pi("s_g1", 800)), groups("g1"))
		},
		query: pricing.Query{CustomerID: "cus_nobody"},
		qty:   1,
		want: want{found: true, amount: 900, typ: "sale", id: "s_pub",
			outcomes: oc{"s_pub": calc, "s_g1": pricing.NotInAudience}},
	},

	// Override lists.
	{
		name: "override: sets the price even above the base price",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.override("premium", ps(pi("o", 1200)))
		},
		qty: 1,
		want: want{found: true, amount: 1200, typ: "override", hasOrig: true, orig: 1200, id: "o", origID: "o",
			outcomes: oc{"b": pricing.Overridden, "o": calc}},
	},
	{
		name: "override: the lowest among several override lists",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.override("o_list1", ps(pi("o1", 900)))
			f.override("o_list2", ps(pi("o2", 850)))
		},
		qty: 1,
		want: want{found: true, amount: 850, typ: "override", hasOrig: true, orig: 850, id: "o2",
			outcomes: oc{"b": pricing.Overridden, "o1": higher, "o2": calc}},
	},
	{
		name:  "override: without a base price",
		setup: func(f *fx) { f.override("only", ps(pi("o", 700))) },
		qty:   1,
		want:  want{found: true, amount: 700, typ: "override", hasOrig: true, orig: 700, id: "o"},
	},
	{
		name: "override: a sale below it has the override, never the base, as original",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.override("contract", ps(pi("o", 900)))
			f.sale("promo", ps(pi("s", 800)))
		},
		qty: 1,
		want: want{found: true, amount: 800, typ: "sale", hasOrig: true, orig: 900, id: "s", origID: "o",
			outcomes: oc{"b": pricing.Overridden, "o": origOut, "s": calc},
			extra: func(t *testing.T, r pricing.Resolution) {
				if r.OriginalType != "override" {
					t.Errorf("OriginalType = %q, want override", r.OriginalType)
				}
			}},
	},
	{
		name: "override: a sale between the override and the base price is not a sale",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.override("contract", ps(pi("o", 800)))
			f.sale("promo", ps(pi("s", 900)))
		},
		qty: 1,
		want: want{found: true, amount: 800, typ: "override", hasOrig: true, orig: 800, id: "o",
			outcomes: oc{"b": pricing.Overridden, "o": calc, "s": pricing.SaleNotLower}},
	},

	// Sale lists.
	{
		name: "sale: strictly lower than the base price applies",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("promo", ps(pi("s", 999)))
		},
		qty: 1,
		want: want{found: true, amount: 999, typ: "sale", hasOrig: true, orig: 1000, id: "s", origID: "b",
			outcomes: oc{"b": origOut, "s": calc},
			extra: func(t *testing.T, r pricing.Resolution) {
				if r.OriginalType != "default" || r.CalculatedPrice.PriceListID != "promo" || r.OriginalPrice.PriceListID != "" {
					t.Errorf("OriginalType %q, CalculatedPrice.PriceListID %q, OriginalPrice.PriceListID %q; want default, promo, \"\"",
						r.OriginalType, r.CalculatedPrice.PriceListID, r.OriginalPrice.PriceListID)
				}
			}},
	},
	{
		name: "sale: equal to the reference is not a sale",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("promo", ps(pi("s", 1000)))
		},
		qty:  1,
		want: want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s": pricing.SaleNotLower}},
	},
	{
		// Found by the differential test (issue 7): the sale's lower ID put it first in
		// the tie-break order, and the tie-break decided whether it applied.
		name: "sale: equal to the reference is not a sale, whatever the IDs (eur 57 and 57)",
		setup: func(f *fx) {
			f.base(pi("z_base", 57, cur("eur")))
			f.sale("evergreen", ps(pi("a_sale", 57, cur("eur"))))
		},
		query: pricing.Query{CurrencyCode: "eur"},
		qty:   1,
		want:  want{found: true, amount: 57, typ: "default", hasOrig: true, orig: 57, id: "z_base", outcomes: oc{"z_base": calc, "a_sale": pricing.SaleNotLower}},
	},
	{
		// The same defect: an unbounded sale starts before any dated override, so it
		// came first in the tie-break order.
		name: "sale: equal to an override that started later is not a sale (usd 1800 and 1800)",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("evergreen", ps(pi("s", 1800)))
			f.override("contract", ps(pi("o", 1800)), window(t0.Add(-time.Hour), time.Time{}))
		},
		qty: 1,
		want: want{found: true, amount: 1800, typ: "override", hasOrig: true, orig: 1800, id: "o",
			outcomes: oc{"b": pricing.Overridden, "s": pricing.SaleNotLower, "o": calc}},
	},
	{
		name: "sale: above the reference is not a sale",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("promo", ps(pi("s", 1100)))
		},
		qty:  1,
		want: want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s": pricing.SaleNotLower}},
	},
	{
		name:  "sale: with no reference the sale applies and there is no original",
		setup: func(f *fx) { f.sale("promo", ps(pi("s", 900))) },
		qty:   1,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: false, id: "s", outcomes: oc{"s": calc},
			extra: func(t *testing.T, r pricing.Resolution) {
				if r.OriginalPrice != (pricing.Price{}) || r.OriginalType != "" {
					t.Errorf("OriginalPrice %+v, OriginalType %q; want zero", r.OriginalPrice, r.OriginalType)
				}
			}},
	},
	{
		name: "sale: a customer in several groups gets the lowest sale of their groups",
		setup: func(f *fx) {
			f.group("g1", "cus_1")
			f.group("g2", "cus_1")
			f.group("g3", "cus_3")
			f.base(pi("b", 1000))
			f.sale("for_g1", ps(pi("s_g1", 900)), groups("g1"))
			f.sale("for_g2", ps(pi("s_g2", 850)), groups("g2"))
			f.sale("for_g3", ps(pi("s_g3", 700)), groups("g3"))
		},
		query: pricing.Query{CustomerID: "cus_1"},
		qty:   1,
		want: want{found: true, amount: 850, typ: "sale", hasOrig: true, orig: 1000, id: "s_g2",
			outcomes: oc{"b": origOut, "s_g1": higher, "s_g2": calc, "s_g3": pricing.NotInAudience}},
	},
	{
		name: "sale: list tiers, the lowest eligible tier of the list",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("bulk", ps(pi("s1", 950), pi("s5", 900, qty(5, 0)), pi("s20", 800, qty(20, 0))))
		},
		qty: 7,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "s5",
			outcomes: oc{"b": origOut, "s1": higher, "s5": calc, "s20": pricing.WrongQuantity}},
	},

	// Ties: the total order.
	{
		name: "tie: a region price before a currency-wide one of another list, even one that started earlier",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("early_global", ps(pi("p_a", 900)), window(t0.Add(-2*time.Hour), time.Time{}))
			f.sale("late_regional", ps(pi("p_z", 900, rg("reg_us"))), window(t0.Add(-time.Hour), time.Time{}))
		},
		query: pricing.Query{RegionID: "reg_us"},
		qty:   1,
		want:  want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "p_z", outcomes: oc{"b": origOut, "p_a": higher, "p_z": calc}},
	},
	{
		name: "tie: the list that started earlier, even with the higher price ID",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("later", ps(pi("p_a", 900)), window(t0.Add(-time.Hour), time.Time{}))
			f.sale("earlier", ps(pi("p_b", 900)), window(t0.Add(-2*time.Hour), time.Time{}))
		},
		qty:  1,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "p_b", outcomes: oc{"b": origOut, "p_a": higher, "p_b": calc}},
	},
	{
		name: "tie: an unbounded StartsAt counts as the earliest",
		setup: func(f *fx) {
			f.sale("dated", ps(pi("p_a", 900)), window(t0.Add(-time.Hour), time.Time{}))
			f.sale("always", ps(pi("p_z", 900)))
		},
		qty:  1,
		want: want{found: true, amount: 900, typ: "sale", id: "p_z", outcomes: oc{"p_a": higher, "p_z": calc}},
	},
	{
		name: "tie: same start, the lower price ID, whatever the creation order",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("second", ps(pi("p_b", 900)))
			f.sale("first", ps(pi("p_a", 900)))
		},
		qty:  1,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "p_a", outcomes: oc{"b": origOut, "p_a": calc, "p_b": higher}},
	},
	{
		name:  "tie: two base prices of the same amount, the lower ID",
		setup: func(f *fx) { f.base(pi("b_z", 1000, qty(1, 10)), pi("b_a", 1000)) },
		qty:   5,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b_a", outcomes: oc{"b_a": calc, "b_z": higher}},
	},
	{
		name: "tie: among override lists, the earlier start",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.override("o_late", ps(pi("o_a", 900)), window(t0.Add(-time.Hour), time.Time{}))
			f.override("o_early", ps(pi("o_b", 900)), window(t0.Add(-2*time.Hour), time.Time{}))
		},
		qty: 1,
		want: want{found: true, amount: 900, typ: "override", hasOrig: true, orig: 900, id: "o_b",
			outcomes: oc{"b": pricing.Overridden, "o_a": higher, "o_b": calc}},
	},

	// Mixed tax bases.
	{
		name: "tax: with a rate, an inclusive sale below the raised exclusive base applies",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("gross", ps(pi("s", 1150)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(0.2)},
		qty:   1,
		want: want{found: true, amount: 1150, typ: "sale", hasOrig: true, orig: 1000, id: "s", origID: "b",
			outcomes: oc{"b": origOut, "s": calc},
			extra: func(t *testing.T, r pricing.Resolution) {
				if !r.CalculatedIncludesTax || r.OriginalIncludesTax {
					t.Errorf("CalculatedIncludesTax %v, OriginalIncludesTax %v; want true, false", r.CalculatedIncludesTax, r.OriginalIncludesTax)
				}
			}},
	},
	{
		name: "tax: with a rate, an inclusive sale equal to the raised base is not a sale",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("gross", ps(pi("s", 1200)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(0.2)},
		qty:   1,
		want:  want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s": pricing.SaleNotLower}},
	},
	{
		name: "tax: with a rate, an exclusive sale against an inclusive base (990 × 1.2 = 1188 < 1200)",
		setup: func(f *fx) {
			f.base(pi("b", 1200, taxIncl))
			f.sale("net", ps(pi("s", 990)))
		},
		query: pricing.Query{TaxRate: rate(0.2)},
		qty:   1,
		want:  want{found: true, amount: 990, typ: "sale", hasOrig: true, orig: 1200, id: "s", outcomes: oc{"b": origOut, "s": calc}},
	},
	{
		name: "tax: rounding half away from zero (3 × 1.5 = 4.5 → 5, so an inclusive 4 is lower)",
		setup: func(f *fx) {
			f.base(pi("b", 3))
			f.sale("gross", ps(pi("s", 4)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(0.5)},
		qty:   1,
		want:  want{found: true, amount: 4, typ: "sale", hasOrig: true, orig: 3, id: "s", outcomes: oc{"b": origOut, "s": calc}},
	},
	{
		name: "tax: rounding up, not truncating (1004 × 1.2 = 1204.8 → 1205, so an inclusive 1204 is lower)",
		setup: func(f *fx) {
			f.base(pi("b", 1004))
			f.sale("gross", ps(pi("s", 1204)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(0.2)},
		qty:   1,
		want:  want{found: true, amount: 1204, typ: "sale", hasOrig: true, orig: 1004, id: "s"},
	},
	{
		name: "tax: rounding down below the half (1002 × 1.2 = 1202.4 → 1202, so an inclusive 1202 is not lower)",
		setup: func(f *fx) {
			f.base(pi("b", 1002))
			f.sale("gross", ps(pi("s", 1202)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(0.2)},
		qty:   1,
		want:  want{found: true, amount: 1002, typ: "default", hasOrig: true, orig: 1002, id: "b", outcomes: oc{"b": calc, "s": pricing.SaleNotLower}},
	},
	{
		name: "tax: a decimal rate rounds as decimal arithmetic does (50 × 1.15 = 57.5 → 58, so an inclusive 57 is lower)",
		setup: func(f *fx) {
			f.base(pi("b", 50))
			f.sale("gross", ps(pi("s", 57)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(0.15)},
		qty:   1,
		want:  want{found: true, amount: 57, typ: "sale", hasOrig: true, orig: 50, id: "s", outcomes: oc{"b": origOut, "s": calc}},
	},
	{
		// Issue 7: raised amounts were capped at MaxInt64, so the base tied with the sale.
		name: "tax: with a rate, the largest amounts compare exactly (MaxInt64 and MaxInt64-1, both exclusive)",
		setup: func(f *fx) {
			f.base(pi("b", math.MaxInt64))
			f.sale("net", ps(pi("s", math.MaxInt64-1)))
		},
		query: pricing.Query{TaxRate: rate(0.1)},
		qty:   1,
		want:  want{found: true, amount: math.MaxInt64 - 1, typ: "sale", hasOrig: true, orig: math.MaxInt64, id: "s", outcomes: oc{"b": origOut, "s": calc}},
	},
	{
		// Issue 7: a raised MaxInt64 overflowed the float64 → int64 conversion.
		name: "tax: with a rate, an inclusive MaxInt64 is below the raised exclusive MaxInt64 (rate 0.7/100)",
		setup: func(f *fx) {
			f.base(pi("b", math.MaxInt64))
			f.sale("gross", ps(pi("s", math.MaxInt64)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(percent(0.7))},
		qty:   1,
		want:  want{found: true, amount: math.MaxInt64, typ: "sale", hasOrig: true, orig: math.MaxInt64, id: "s", outcomes: oc{"b": origOut, "s": calc}},
	},
	{
		// Issue 7: a rate whose shortest decimal has 19 digits was applied in float64,
		// which raised 100 to 100.49999... → 100 instead of 100.5000...01 → 101.
		name: "tax: a rate of many digits is applied as its decimal (100 × 1.005000000000000001 → 101)",
		setup: func(f *fx) {
			f.base(pi("b", 100))
			f.sale("gross", ps(pi("s", 100)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(0.005000000000000001)},
		qty:   1,
		want:  want{found: true, amount: 100, typ: "sale", hasOrig: true, orig: 100, id: "s", outcomes: oc{"b": origOut, "s": calc}},
	},
	{
		name: "tax: a rate is read to 18 decimal places (1e-300 is 0: 100 raised is 100)",
		setup: func(f *fx) {
			f.base(pi("b", 100))
			f.sale("gross", ps(pi("s", 100)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(1e-300)},
		qty:   1,
		want:  want{found: true, amount: 100, typ: "default", hasOrig: true, orig: 100, id: "b", outcomes: oc{"b": calc, "s": pricing.SaleNotLower}},
	},
	{
		name: "tax: the largest rate, 10 (1,000%): 100 raised is 1100",
		setup: func(f *fx) {
			f.base(pi("b", 100))
			f.sale("gross", ps(pi("s", 1099)), inclTax)
		},
		query: pricing.Query{TaxRate: rate(10)},
		qty:   1,
		want:  want{found: true, amount: 1099, typ: "sale", hasOrig: true, orig: 100, id: "s", outcomes: oc{"b": origOut, "s": calc}},
	},
	{
		name: "tax: with a rate, prices of one basis compare as they are, however large",
		setup: func(f *fx) {
			f.override("o_net", ps(pi("o_a", math.MaxInt64-1)))
			f.override("o_net2", ps(pi("o_b", math.MaxInt64-2)))
		},
		query: pricing.Query{TaxRate: rate(10)},
		qty:   1,
		want:  want{found: true, amount: math.MaxInt64 - 2, typ: "override", hasOrig: true, orig: math.MaxInt64 - 2, id: "o_b", outcomes: oc{"o_a": higher, "o_b": calc}},
	},
	{
		name: "tax: without a rate, a sale of the other basis is skipped",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("gross", ps(pi("s", 900)), inclTax)
		},
		qty:  1,
		want: want{found: true, amount: 1000, typ: "default", hasOrig: true, orig: 1000, id: "b", outcomes: oc{"b": calc, "s": pricing.TaxNotComparable}},
	},
	{
		name: "tax: without a rate, prices of the same basis compare",
		setup: func(f *fx) {
			f.base(pi("b", 1000, taxIncl))
			f.sale("gross", ps(pi("s", 900)), inclTax)
		},
		qty:  1,
		want: want{found: true, amount: 900, typ: "sale", hasOrig: true, orig: 1000, id: "s", outcomes: oc{"b": origOut, "s": calc}},
	},
	{
		name: "tax: without a rate, a sale with no reference competes within the basis of the first in tie order",
		setup: func(f *fx) {
			f.sale("net", ps(pi("s_net", 800)), window(t0.Add(-2*time.Hour), time.Time{}))
			f.sale("gross", ps(pi("s_gross", 700)), inclTax, window(t0.Add(-time.Hour), time.Time{}))
		},
		qty:  1,
		want: want{found: true, amount: 800, typ: "sale", id: "s_net", outcomes: oc{"s_net": calc, "s_gross": pricing.TaxNotComparable}},
	},
	{
		name: "tax: without a rate, overrides of both bases: the first in tie order sets the basis",
		setup: func(f *fx) {
			f.base(pi("b", 1000))
			f.override("o_gross", ps(pi("o_a", 900)), inclTax, window(t0.Add(-2*time.Hour), time.Time{}))
			f.override("o_net", ps(pi("o_b", 800)), window(t0.Add(-time.Hour), time.Time{}))
		},
		qty: 1,
		want: want{found: true, amount: 900, typ: "override", hasOrig: true, orig: 900, id: "o_a",
			outcomes: oc{"b": pricing.Overridden, "o_a": calc, "o_b": pricing.TaxNotComparable}},
	},
	{
		name: "tax: with a rate, overrides of both bases compare (800 × 1.2 = 960 > 900)",
		setup: func(f *fx) {
			f.override("o_gross", ps(pi("o_a", 900)), inclTax)
			f.override("o_net", ps(pi("o_b", 800)))
		},
		query: pricing.Query{TaxRate: rate(0.2)},
		qty:   1,
		want:  want{found: true, amount: 900, typ: "override", hasOrig: true, orig: 900, id: "o_a", outcomes: oc{"o_a": calc, "o_b": higher}},
	},

	// Found by the differential test: merging the customer's groups with the query's
	// wrote over the customer's groups when a pooled resolver reused their array.
	{
		name: "audience: a customer's groups and explicit groups together, after calls without explicit groups",
		setup: func(f *fx) {
			f.group("g1", "cus")
			f.group("g2")
			f.group("g3", "cus")
			f.override("l1", ps(pi("p27", 100, qty(0, 2))), groups("g3"))
			for range 3 { // leave pooled resolvers whose groups alias the customer's
				if _, err := f.svc.Resolve(f.ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus"}, "shirt", 1); err != nil {
					f.t.Fatal(err)
				}
			}
		},
		query: pricing.Query{CustomerID: "cus", CustomerGroupIDs: []string{"g2"}},
		qty:   1,
		want: want{found: true, amount: 100, typ: "override", hasOrig: true, orig: 100, id: "p27", origID: "p27",
			outcomes: oc{"p27": calc}},
	},

	// Percentage lists: prices derived from the base prices.
	{
		name:  "adjustment: 10% off every base price",
		setup: func(f *fx) { f.base(pi("b", 2000)); f.sale("vip10", nil, adjust(-10, "")) },
		qty:   1,
		want: want{found: true, amount: 1800, typ: "sale", hasOrig: true, orig: 2000, id: "vip10~b", origID: "b",
			outcomes: oc{"b": origOut, "vip10~b": calc},
			extra: func(t *testing.T, r pricing.Resolution) {
				if r.CalculatedPrice.PriceListID != "vip10" {
					t.Errorf("derived price of list %q", r.CalculatedPrice.PriceListID)
				}
			}},
	},
	{
		name: "adjustment: a price written into the list takes precedence for its key",
		setup: func(f *fx) {
			f.base(pi("b", 2000), pi("b10", 1900, qty(10, 0)))
			f.sale("vip10", ps(pi("w", 1950)), adjust(-10, ""))
		},
		qty: 10,
		want: want{found: true, amount: 1710, typ: "sale", hasOrig: true, orig: 1900, id: "vip10~b10",
			outcomes: oc{"b": higher, "b10": origOut, "w": higher, "vip10~b10": calc}},
	},
	{
		name: "adjustment: from every tier and region price; the list's region price shadows its currency-wide one",
		setup: func(f *fx) {
			f.base(pi("b", 2000), pi("b_us", 2200, rg("reg_us")))
			f.sale("off", nil, adjust(-50, ""))
		},
		query: pricing.Query{RegionID: "reg_us"},
		qty:   1,
		want: want{found: true, amount: 1100, typ: "sale", hasOrig: true, orig: 2200, id: "off~b_us",
			outcomes: oc{"b": shadowed, "b_us": origOut, "off~b": shadowed, "off~b_us": calc}},
	},
	{
		// Precedence is per key: the written currency-wide price does not stop the
		// derivation of the region price, which shadows it in the region (rule 1).
		name: "adjustment: a written currency-wide price is shadowed in a region by the price derived there",
		setup: func(f *fx) {
			f.base(pi("b", 1000), pi("b_de", 1200, rg("reg_de")))
			f.sale("off", ps(pi("w", 500)), adjust(-10, ""))
		},
		query: pricing.Query{RegionID: "reg_de"},
		qty:   1,
		want: want{found: true, amount: 1080, typ: "sale", hasOrig: true, orig: 1200, id: "off~b_de", origID: "b_de",
			outcomes: oc{"b": shadowed, "b_de": origOut, "w": shadowed, "off~b_de": calc}},
	},
	{
		name:  "adjustment: half up (15 × 0.9 = 13.5 → 14)",
		setup: func(f *fx) { f.base(pi("b", 15)); f.sale("off", nil, adjust(-10, pricing.RoundHalfUp)) },
		qty:   1,
		want:  want{found: true, amount: 14, typ: "sale", hasOrig: true, orig: 15, id: "off~b"},
	},
	{
		name:  "adjustment: down (15 × 0.9 = 13.5 → 13)",
		setup: func(f *fx) { f.base(pi("b", 15)); f.sale("off", nil, adjust(-10, pricing.RoundDown)) },
		qty:   1,
		want:  want{found: true, amount: 13, typ: "sale", hasOrig: true, orig: 15, id: "off~b"},
	},
	{
		name:  "adjustment: up (1999 × 0.875 = 1749.125 → 1750), exactly",
		setup: func(f *fx) { f.base(pi("b", 1999)); f.sale("off", nil, adjust(-12.5, pricing.RoundUp)) },
		qty:   1,
		want:  want{found: true, amount: 1750, typ: "sale", hasOrig: true, orig: 1999, id: "off~b"},
	},
	{
		name:  "adjustment: an override 5% on, above the base price",
		setup: func(f *fx) { f.base(pi("b", 2000)); f.override("plus5", nil, adjust(5, "")) },
		qty:   1,
		want: want{found: true, amount: 2100, typ: "override", hasOrig: true, orig: 2100, id: "plus5~b",
			outcomes: oc{"b": pricing.Overridden, "plus5~b": calc}},
	},
	{
		name: "adjustment: a list of a group, in a window, as written prices are",
		setup: func(f *fx) {
			f.group("vip", "cus_vip")
			f.base(pi("b", 2000))
			f.sale("vip", nil, adjust(-20, ""), groups("vip"), window(t0.Add(-time.Hour), t0.Add(time.Hour)))
		},
		query: pricing.Query{CustomerID: "cus_other"},
		qty:   1,
		want:  want{found: true, amount: 2000, typ: "default", hasOrig: true, orig: 2000, id: "b", outcomes: oc{"b": calc, "vip~b": pricing.NotInAudience}},
	},
	{
		name:  "adjustment: the derived price keeps its base price's tax basis",
		setup: func(f *fx) { f.base(pi("b", 1200, taxIncl)); f.sale("off", nil, adjust(-10, "")) },
		query: pricing.Query{TaxRate: rate(0.2)},
		qty:   1,
		want: want{found: true, amount: 1080, typ: "sale", hasOrig: true, orig: 1200, id: "off~b",
			extra: func(t *testing.T, r pricing.Resolution) {
				if !r.CalculatedIncludesTax {
					t.Error("a price derived from a tax-inclusive base price does not include tax")
				}
			}},
	},

	// Channels.
	{
		name:  "channel: a list limited to a channel applies in it",
		setup: func(f *fx) { f.base(pi("b", 2000)); f.override("pos", ps(pi("o", 2100)), channels("pos", "kiosk")) },
		query: pricing.Query{ChannelID: "pos"},
		qty:   1,
		want:  want{found: true, amount: 2100, typ: "override", hasOrig: true, orig: 2100, id: "o"},
	},
	{
		name:  "channel: not in another channel, nor for a query that names none",
		setup: func(f *fx) { f.base(pi("b", 2000)); f.override("pos", ps(pi("o", 2100)), channels("pos")) },
		query: pricing.Query{ChannelID: "web"},
		qty:   1,
		want:  want{found: true, amount: 2000, typ: "default", hasOrig: true, orig: 2000, id: "b", outcomes: oc{"b": calc, "o": pricing.WrongChannel}},
	},
	{
		name:  "channel: a list without channels applies in every channel",
		setup: func(f *fx) { f.base(pi("b", 2000)); f.sale("all", ps(pi("s", 1500))) },
		query: pricing.Query{ChannelID: "pos"},
		qty:   1,
		want:  want{found: true, amount: 1500, typ: "sale", hasOrig: true, orig: 2000, id: "s"},
	},

	// Customers named by a list.
	{
		name: "customers: a contract list for one customer",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.override("acme", ps(pi("o", 1500)), customers("cus_acme"))
		},
		query: pricing.Query{CustomerID: "cus_acme"},
		qty:   1,
		want:  want{found: true, amount: 1500, typ: "override", hasOrig: true, orig: 1500, id: "o"},
	},
	{
		name: "customers: not for another customer, nor for an anonymous shopper",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.override("acme", ps(pi("o", 1500)), customers("cus_acme"))
		},
		query: pricing.Query{CustomerID: "cus_other"},
		qty:   1,
		want:  want{found: true, amount: 2000, typ: "default", hasOrig: true, orig: 2000, id: "b", outcomes: oc{"b": calc, "o": pricing.NotInAudience}},
	},
	{
		name: "customers: a customer named, or in a group of the audience",
		setup: func(f *fx) {
			f.group("b2b", "cus_member")
			f.base(pi("b", 2000))
			f.sale("mixed", ps(pi("s", 1500)), customers("cus_named"), groups("b2b"))
		},
		query: pricing.Query{CustomerID: "cus_member"},
		qty:   1,
		want:  want{found: true, amount: 1500, typ: "sale", hasOrig: true, orig: 2000, id: "s"},
	},

	// What Medusa users do with customer groups.
	{
		name: "B2B: the wholesale group gets its own tiered prices",
		setup: func(f *fx) {
			f.group("wholesale", "cus_b2b")
			f.base(pi("b", 2000))
			f.override("wholesale_prices", ps(pi("w1", 1500, qty(1, 9)), pi("w10", 1200, qty(10, 0))), groups("wholesale"))
		},
		query: pricing.Query{CustomerID: "cus_b2b"},
		qty:   12,
		want: want{found: true, amount: 1200, typ: "override", hasOrig: true, orig: 1200, id: "w10",
			outcomes: oc{"b": pricing.Overridden, "w1": pricing.WrongQuantity, "w10": calc}},
	},
	{
		name: "B2B: a wholesale buyer below the bulk tier",
		setup: func(f *fx) {
			f.group("wholesale", "cus_b2b")
			f.base(pi("b", 2000))
			f.override("wholesale_prices", ps(pi("w1", 1500, qty(1, 9)), pi("w10", 1200, qty(10, 0))), groups("wholesale"))
		},
		query: pricing.Query{CustomerID: "cus_b2b"},
		qty:   9,
		want:  want{found: true, amount: 1500, typ: "override", hasOrig: true, orig: 1500, id: "w1"},
	},
	{
		name: "B2B: a retail customer does not see wholesale prices",
		setup: func(f *fx) {
			f.group("wholesale", "cus_b2b")
			f.base(pi("b", 2000))
			f.override("wholesale_prices", ps(pi("w1", 1500, qty(1, 9)), pi("w10", 1200, qty(10, 0))), groups("wholesale"))
		},
		query: pricing.Query{CustomerID: "cus_retail"},
		qty:   12,
		want: want{found: true, amount: 2000, typ: "default", hasOrig: true, orig: 2000, id: "b",
			outcomes: oc{"b": calc, "w1": pricing.WrongQuantity, "w10": pricing.NotInAudience}},
	},
	{
		name: "frequent buyers: a special discount shown against the regular price",
		setup: func(f *fx) {
			f.group("frequent_buyers", "cus_loyal")
			f.base(pi("b", 2000))
			f.sale("loyalty_10", ps(pi("fb", 1800)), groups("frequent_buyers"))
		},
		query: pricing.Query{CustomerID: "cus_loyal"},
		qty:   1,
		want:  want{found: true, amount: 1800, typ: "sale", hasOrig: true, orig: 2000, id: "fb", origID: "b"},
	},
	{
		name: "personas: each buyer persona gets its own sale",
		setup: func(f *fx) {
			f.group("students", "cus_student")
			f.group("teachers", "cus_teacher")
			f.base(pi("b", 2000))
			f.sale("student_deal", ps(pi("st", 1600)), groups("students"))
			f.sale("teacher_deal", ps(pi("te", 1700)), groups("teachers"))
		},
		query: pricing.Query{CustomerID: "cus_teacher"},
		qty:   1,
		want: want{found: true, amount: 1700, typ: "sale", hasOrig: true, orig: 2000, id: "te",
			outcomes: oc{"b": origOut, "st": pricing.NotInAudience, "te": calc}},
	},
}

func TestResolveRules(t *testing.T) {
	t.Parallel()
	for _, st := range testStores {
		for _, tc := range resolveCases {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				svc := pricing.New(st.open(t), pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
				runResolveCase(t, svc, tc)
			})
		}
	}
}

// runResolveCase builds the case's fixture in svc's empty store and checks it.
func runResolveCase(t *testing.T, svc *pricing.Service, tc resolveCase) {
	ctx := context.Background()
	tc.setup(&fx{t: t, ctx: ctx, svc: svc})
	q := tc.query
	if q.CurrencyCode == "" {
		q.CurrencyCode = "usd"
	}
	v := tc.variant
	if v == "" {
		v = "shirt"
	}
	w := tc.want

	// Resolve, without and with Explain.
	res, err := svc.Resolve(ctx, q, v, tc.qty)
	checkResolution(t, "Resolve", res, err, tc.qty, w)
	if res.Explanation != nil {
		t.Errorf("Explanation without Explain: %+v", res.Explanation)
	}
	qe := q
	qe.Explain = true
	resE, errE := svc.Resolve(ctx, qe, v, tc.qty)
	checkResolution(t, "Resolve with Explain", resE, errE, tc.qty, w)
	if w.outcomes != nil {
		got := map[string]pricing.Outcome{}
		for _, c := range resE.Explanation {
			got[c.Price.ID] = c.Outcome
		}
		if !maps.Equal(got, w.outcomes) {
			t.Errorf("outcomes:\n got  %v\n want %v", got, w.outcomes)
		}
	}
	resE.Explanation = nil
	deepEqual(t, "Resolve with Explain, without its Explanation", resE, res)

	// ResolveMany agrees with Resolve, also next to an item without a price.
	many, err := svc.ResolveMany(ctx, q, []pricing.Item{{VariantID: "no_such_variant", Quantity: 3}, {VariantID: v, Quantity: tc.qty}})
	if err != nil {
		t.Fatalf("ResolveMany: %v", err)
	}
	if len(many) != 2 {
		t.Fatalf("ResolveMany returned %d resolutions, want 2", len(many))
	}
	deepEqual(t, "ResolveMany[0] (no price)", many[0], pricing.Resolution{VariantID: "no_such_variant", Quantity: 3})
	wantRes := res
	if !w.found {
		wantRes = pricing.Resolution{VariantID: v, Quantity: max(tc.qty, 1)}
	}
	deepEqual(t, "ResolveMany[1]", many[1], wantRes)
}

func checkResolution(t *testing.T, call string, r pricing.Resolution, err error, qty int64, w want) {
	t.Helper()
	if !w.found {
		if !errors.Is(err, pricing.ErrNoPrice) {
			t.Errorf("%s: err = %v, want ErrNoPrice", call, err)
		}
		if r.Found || r.CalculatedAmount != 0 || r.HasOriginal || r.CalculatedType != "" {
			t.Errorf("%s: %+v, want no price", call, r)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", call, err)
	}
	if r.VariantID == "" || r.Quantity != max(qty, 1) {
		t.Errorf("%s: VariantID %q, Quantity %d; want the item's, quantity %d", call, r.VariantID, r.Quantity, max(qty, 1))
	}
	if !r.Found || r.CalculatedAmount != w.amount || r.CalculatedType != w.typ || r.HasOriginal != w.hasOrig || r.OriginalAmount != w.orig {
		t.Errorf("%s: got Found %v, Calculated %d %q, HasOriginal %v %d; want true, %d %q, %v %d",
			call, r.Found, r.CalculatedAmount, r.CalculatedType, r.HasOriginal, r.OriginalAmount, w.amount, w.typ, w.hasOrig, w.orig)
	}
	if r.CalculatedPrice.Amount != r.CalculatedAmount {
		t.Errorf("%s: CalculatedPrice.Amount %d != CalculatedAmount %d", call, r.CalculatedPrice.Amount, r.CalculatedAmount)
	}
	if r.HasOriginal && r.OriginalPrice.Amount != r.OriginalAmount {
		t.Errorf("%s: OriginalPrice.Amount %d != OriginalAmount %d", call, r.OriginalPrice.Amount, r.OriginalAmount)
	}
	if w.id != "" && r.CalculatedPrice.ID != w.id {
		t.Errorf("%s: winning price %q, want %q", call, r.CalculatedPrice.ID, w.id)
	}
	if w.origID != "" && r.OriginalPrice.ID != w.origID {
		t.Errorf("%s: original price %q, want %q", call, r.OriginalPrice.ID, w.origID)
	}
	if w.extra != nil {
		w.extra(t, r)
	}
}

// The table's explanations, together, produce every Outcome.
func TestResolveRulesCoverEveryOutcome(t *testing.T) {
	t.Parallel()
	all := []pricing.Outcome{
		pricing.Calculated, pricing.Original, pricing.WrongCurrency, pricing.WrongRegion,
		pricing.WrongQuantity, pricing.DraftList, pricing.NotStarted, pricing.Ended,
		pricing.NotInAudience, pricing.ShadowedByRegion, pricing.HigherThanWinner,
		pricing.Overridden, pricing.SaleNotLower, pricing.TaxNotComparable, pricing.WrongChannel,
	}
	seen := map[pricing.Outcome]bool{}
	for _, tc := range resolveCases {
		for _, o := range tc.want.outcomes {
			seen[o] = true
		}
	}
	for _, o := range all {
		if !seen[o] {
			t.Errorf("no case of the resolution table produces the outcome %q", o)
		}
	}
	if len(resolveCases) < 40 {
		t.Errorf("the resolution table has %d cases, want at least 40", len(resolveCases))
	}
}

func TestResolveNoPrice(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	f := &fx{t: t, ctx: ctx, svc: svc}
	f.base(pi("b_eur", 900, cur("eur")))
	res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", Explain: true}, "shirt", 1)
	if !errors.Is(err, pricing.ErrNoPrice) {
		t.Fatalf("err = %v, want ErrNoPrice", err)
	}
	if res.Found || len(res.Explanation) != 1 || res.Explanation[0].Outcome != pricing.WrongCurrency {
		t.Errorf("Resolution %+v: want Found false and the explanation of the one price", res)
	}
}

func TestResolveManyOrderAndMissingItems(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	f := &fx{t: t, ctx: ctx, svc: svc}
	f.base(pi("s1", 1000), pi("s10", 900, qty(10, 0)))
	f.base(pi("h", 500, variant("hat")))
	f.base(pi("m", 300, variant("mug")))
	f.sale("promo", ps(pi("hs", 450, variant("hat"))))
	items := []pricing.Item{
		{VariantID: "mug", Quantity: 2},
		{VariantID: "ghost", Quantity: 1},
		{VariantID: "shirt", Quantity: 10},
		{VariantID: "hat", Quantity: 0},
		{VariantID: "shirt", Quantity: 1},
		{VariantID: "ghost", Quantity: 0},
	}
	got, err := svc.ResolveMany(ctx, pricing.Query{CurrencyCode: "usd"}, items)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Variant string
		Qty     int64
		Found   bool
		Amount  int64
		Type    string
		Orig    int64
	}
	var rows []row
	for _, r := range got {
		rows = append(rows, row{r.VariantID, r.Quantity, r.Found, r.CalculatedAmount, r.CalculatedType, r.OriginalAmount})
	}
	deepEqual(t, "ResolveMany", rows, []row{
		{"mug", 2, true, 300, "default", 300},
		{"ghost", 1, false, 0, "", 0},
		{"shirt", 10, true, 900, "default", 900},
		{"hat", 1, true, 450, "sale", 500},
		{"shirt", 1, true, 1000, "default", 1000},
		{"ghost", 1, false, 0, "", 0},
	})

	empty, err := svc.ResolveMany(ctx, pricing.Query{CurrencyCode: "usd"}, nil)
	if err != nil || len(empty) != 0 {
		t.Errorf("ResolveMany(nil) = %v, %v; want no resolutions, no error", empty, err)
	}
}

// ResolveMany looks up the customer's groups once per call, however many items.
func TestResolveManyLooksUpGroupsOnce(t *testing.T) {
	t.Parallel()
	cs := &countingStore{Store: memory.New()}
	svc := pricing.New(cs, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
	ctx := context.Background()
	f := &fx{t: t, ctx: ctx, svc: svc}
	f.group("g1", "cus_1")
	f.group("g2", "cus_1")
	var items []pricing.Item
	for _, v := range []string{"a", "b", "c", "d", "e"} {
		f.base(pi(v+"_base", 1000, variant(v)))
		f.sale("sale_"+v, ps(pi(v+"_sale", 800, variant(v))), groups("g1"))
		items = append(items, pricing.Item{VariantID: v, Quantity: 1})
	}
	for _, tc := range []struct {
		name string
		q    pricing.Query
		want int64
	}{
		{"customer", pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, 1},
		{"customer and explicit groups", pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1", CustomerGroupIDs: []string{"g2"}}, 1},
		{"anonymous", pricing.Query{CurrencyCode: "usd"}, 0},
	} {
		before := cs.groupLookups.Load()
		res, err := svc.ResolveMany(ctx, tc.q, items)
		if err != nil {
			t.Fatal(err)
		}
		if n := cs.groupLookups.Load() - before; n != tc.want {
			t.Errorf("%s: %d group lookups for %d items, want %d", tc.name, n, len(items), tc.want)
		}
		for _, r := range res {
			want := int64(800)
			if tc.q.CustomerID == "" {
				want = 1000
			}
			if r.CalculatedAmount != want {
				t.Errorf("%s: %s costs %d, want %d", tc.name, r.VariantID, r.CalculatedAmount, want)
			}
		}
	}
}

// Resolution reads the list's state at the time of the call: activating, retargeting and
// deleting lists, and changing memberships, take effect at once.
func TestResolveFollowsChanges(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	f := &fx{t: t, ctx: ctx, svc: svc}
	f.group("vip")
	f.base(pi("b", 1000))
	f.sale("vip_sale", ps(pi("s", 800)), groups("vip"), draft)
	q := pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}
	price := func() int64 {
		t.Helper()
		r, err := svc.Resolve(ctx, q, "shirt", 1)
		if err != nil {
			t.Fatal(err)
		}
		return r.CalculatedAmount
	}
	steps := []struct {
		name   string
		change func() error
		want   int64
	}{
		{"draft list, customer not a member", func() error { return nil }, 1000},
		{"list activated, customer still not a member", func() error {
			st := pricing.Active
			_, err := svc.UpdatePriceList(ctx, "vip_sale", pricing.PriceListUpdate{Status: &st})
			return err
		}, 1000},
		{"customer joins the group", func() error { return svc.AddCustomers(ctx, "vip", []string{"cus_1"}) }, 800},
		{"customer leaves the group", func() error { return svc.RemoveCustomers(ctx, "vip", []string{"cus_1"}) }, 1000},
		{"list opened to everyone", func() error {
			_, err := svc.UpdatePriceList(ctx, "vip_sale", pricing.PriceListUpdate{CustomerGroupIDs: &[]string{}})
			return err
		}, 800},
		{"list ends at t0", func() error {
			end := t0
			_, err := svc.UpdatePriceList(ctx, "vip_sale", pricing.PriceListUpdate{EndsAt: &end})
			return err
		}, 1000},
		{"end cleared", func() error {
			_, err := svc.UpdatePriceList(ctx, "vip_sale", pricing.PriceListUpdate{EndsAt: &time.Time{}})
			return err
		}, 800},
		{"list turned into an override above the base", func() error {
			typ := pricing.Override
			if _, err := svc.UpdatePriceList(ctx, "vip_sale", pricing.PriceListUpdate{Type: &typ}); err != nil {
				return err
			}
			_, err := svc.AddPrices(ctx, "vip_sale", ps(pi("", 1300)), false)
			return err
		}, 1300},
		{"list deleted", func() error { return svc.DeletePriceList(ctx, "vip_sale") }, 1000},
	}
	for _, s := range steps {
		must(t, s.change())
		if got := price(); got != s.want {
			t.Errorf("after %q: %d, want %d", s.name, got, s.want)
		}
	}
}

// Resolutions run concurrently with each other and with writes, and each sees a
// consistent state: a customer is in the group with the list's price, or not.
func TestResolveConcurrently(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	f := &fx{t: t, ctx: ctx, svc: svc}
	f.group("vip", "cus_vip")
	f.base(pi("b", 1000), pi("b10", 900, qty(10, 0)))
	f.sale("vip_sale", ps(pi("s", 800), pi("s10", 700, qty(10, 0))), groups("vip"))
	done := make(chan struct{})
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := svc.AddCustomers(ctx, "vip", []string{"cus_flip"}); err != nil {
				t.Error(err)
				return
			}
			if err := svc.RemoveCustomers(ctx, "vip", []string{"cus_flip"}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			for i := range 300 {
				q := int64(1 + (i+w)%12)
				customer := []string{"", "cus_vip", "cus_other", "cus_flip"}[(i+w)%4]
				items := []pricing.Item{{VariantID: "shirt", Quantity: q}, {VariantID: "ghost"}, {VariantID: "shirt", Quantity: 1}}
				res, err := svc.ResolveMany(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: customer, Explain: i%3 == 0}, items)
				if err != nil {
					errs <- err
					return
				}
				vip := res[0].CalculatedType == "sale"
				want0, want2 := int64(1000), int64(1000)
				if q >= 10 {
					want0 = 900
				}
				if customer == "cus_vip" || customer == "cus_flip" && vip {
					want0, want2 = 800, 800
					if q >= 10 {
						want0 = 700
					}
				}
				if res[0].CalculatedAmount != want0 || res[1].Found || res[2].CalculatedAmount != want2 {
					errs <- fmt.Errorf("customer %q × %d: got %d, %v, %d; want %d, false, %d",
						customer, q, res[0].CalculatedAmount, res[1].Found, res[2].CalculatedAmount, want0, want2)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(done)
	<-writerDone
}

// ExplainVisible shows a shopper only the base prices and the prices of the lists that
// apply to them now; Explain, the merchant's view, shows every price of the variant.
// Both resolve the same price.
func TestExplainVisible(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	f := &fx{t: t, ctx: ctx, svc: svc}
	f.group("vip", "cus_vip")
	f.group("wholesale", "cus_b2b")
	f.base(pi("b", 1000), pi("b_eur", 900, cur("eur")), pi("b_10", 950, qty(10, 0)))
	f.sale("vip_sale", ps(pi("vip_usd", 800), pi("vip_eur", 700, cur("eur")), pi("vip_us", 850, rg("reg_us"))), groups("vip"))
	f.override("wholesale_prices", ps(pi("w", 600)), groups("wholesale"))
	f.sale("draft_sale", ps(pi("d", 500)), draft)
	f.sale("next_month", ps(pi("n", 400)), window(t0.Add(30*24*time.Hour), time.Time{}))
	f.sale("last_month", ps(pi("l", 300)), window(t0.Add(-60*24*time.Hour), t0.Add(-30*24*time.Hour)))
	f.sale("everyone", ps(pi("e", 990)))
	for _, tc := range []struct {
		name     string
		q        pricing.Query
		all      oc
		visible  []string
		amount   int64
		priceID  string
		listType string
	}{
		{"anonymous", pricing.Query{CurrencyCode: "usd"},
			oc{"b": origOut, "b_eur": pricing.WrongCurrency, "b_10": pricing.WrongQuantity, "vip_usd": pricing.NotInAudience,
				"vip_eur": pricing.WrongCurrency, "vip_us": pricing.WrongRegion, "w": pricing.NotInAudience, "d": pricing.DraftList,
				"n": pricing.NotStarted, "l": pricing.Ended, "e": calc},
			[]string{"b", "b_10", "b_eur", "e"}, 990, "e", "sale"},
		{"a VIP customer", pricing.Query{CurrencyCode: "usd", CustomerID: "cus_vip", RegionID: "reg_us"},
			nil, []string{"b", "b_10", "b_eur", "e", "vip_eur", "vip_us", "vip_usd"}, 850, "vip_us", "sale"},
		{"a wholesale customer", pricing.Query{CurrencyCode: "usd", CustomerID: "cus_b2b"},
			nil, []string{"b", "b_10", "b_eur", "e", "w"}, 600, "w", "override"},
		{"explicit groups", pricing.Query{CurrencyCode: "usd", CustomerGroupIDs: []string{"wholesale", "vip"}},
			nil, []string{"b", "b_10", "b_eur", "e", "vip_eur", "vip_us", "vip_usd", "w"}, 600, "w", "override"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := tc.q
			all.Explain = true
			res, err := svc.Resolve(ctx, all, "shirt", 1)
			must(t, err)
			if len(res.Explanation) != 11 {
				t.Errorf("Explain lists %d prices, want all 11", len(res.Explanation))
			}
			if tc.all != nil {
				got := oc{}
				for _, c := range res.Explanation {
					got[c.Price.ID] = c.Outcome
				}
				deepEqual(t, "Explain outcomes", got, tc.all)
			}
			visible := tc.q
			visible.ExplainVisible = true
			resV, err := svc.Resolve(ctx, visible, "shirt", 1)
			must(t, err)
			var ids []string
			for _, c := range resV.Explanation {
				ids = append(ids, c.Price.ID)
			}
			deepEqual(t, "ExplainVisible prices", ids, tc.visible)
			if resV.CalculatedAmount != tc.amount || resV.CalculatedPrice.ID != tc.priceID || resV.CalculatedType != tc.listType {
				t.Errorf("ExplainVisible resolved %d %q %s, want %d %q %s", resV.CalculatedAmount, resV.CalculatedPrice.ID, resV.CalculatedType, tc.amount, tc.priceID, tc.listType)
			}
			res.Explanation, resV.Explanation = nil, nil
			deepEqual(t, "the resolution with Explain and with ExplainVisible", resV, res)
		})
	}
}

// A call that meets more lists than the resolver scans (it indexes their terms beyond
// 16) resolves as one that meets few: 40 lists price a variant, and a batch of 30
// variants meets 60 lists, on every store.
func TestResolveManyLists(t *testing.T) {
	t.Parallel()
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			svc := pricing.New(st.open(t), pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
			ctx := context.Background()
			f := &fx{t: t, ctx: ctx, svc: svc}
			f.group("g0", "cus_1")
			f.group("g1")
			// Lists l00..l39 on "shirt": list i is a sale at 2000-i open to g(i%2), active,
			// except every seventh, a draft. cus_1 (in g0) gets the lowest even i that is
			// not a multiple of 7: 38 → 1962.
			for i := range 40 {
				opts := []listOpt{groups(fmt.Sprintf("g%d", i%2))}
				if i%7 == 0 {
					opts = append(opts, draft)
				}
				f.sale(fmt.Sprintf("l%02d", i), ps(pi(fmt.Sprintf("p%02d", i), int64(2000-i))), opts...)
			}
			f.base(pi("b", 2100))
			res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, "shirt", 1)
			must(t, err)
			if res.CalculatedPrice.ID != "p38" || res.OriginalAmount != 2100 {
				t.Errorf("resolved %+v, want p38 against 2100", res)
			}
			// Variants v00..v29, each priced by two lists of its own, m<v>a (sale, 500) and
			// m<v>b (override, 600 for odd v; for g1 only, so not cus_1's).
			var items []pricing.Item
			for v := range 30 {
				vid := fmt.Sprintf("v%02d", v)
				f.base(pi("b"+vid, 700, variant(vid)))
				f.sale("m"+vid+"a", ps(pi("s"+vid, 500, variant(vid))))
				opts := []listOpt{}
				if v%2 == 1 {
					opts = append(opts, groups("g1"))
				}
				f.override("m"+vid+"b", ps(pi("o"+vid, 600, variant(vid))), opts...)
				items = append(items, pricing.Item{VariantID: vid, Quantity: 1})
			}
			items = append(items, pricing.Item{VariantID: "shirt", Quantity: 1})
			got, err := svc.ResolveMany(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, items)
			must(t, err)
			for i, r := range got[:30] {
				wantOrig := int64(700)
				if i%2 == 0 {
					wantOrig = 600
				}
				if r.CalculatedAmount != 500 || r.CalculatedType != "sale" || r.OriginalAmount != wantOrig {
					t.Errorf("%s: %d %s against %d, want 500 sale against %d", r.VariantID, r.CalculatedAmount, r.CalculatedType, r.OriginalAmount, wantOrig)
				}
			}
			if last := got[30]; last.CalculatedPrice.ID != "p38" {
				t.Errorf("shirt after 30 variants: %+v, want p38", last)
			}
		})
	}
}
