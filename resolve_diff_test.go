package pricing_test

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// TestResolveDiff is a differential test of the resolver. On every store of testStores,
// it builds random catalogs through the Service, resolves them for random queries with
// Resolve (plain, with Explain and with ExplainVisible) and ResolveMany, and compares
// every answer with refResolve: a brute-force reference written from the rules of
// doc.go's "Resolution" section, not from resolve.go. It checks
//
//   - every field of the Resolution but Explanation, the same with an explanation as
//     without, and the error: ErrNoPrice, or ErrInvalid for the TaxRate;
//   - with Explain, the Explanation: every price of the variant, written or derived by
//     an adjusted list (with its Derivation), in ID order, with its outcome; with
//     ExplainVisible, exactly those of them that are base prices or prices of lists
//     that apply to the shopper (active, in their window, in the query's channel, open
//     to the customer by name or by the customer's groups or the query's), with the
//     same outcomes; without, none.
//
// The catalogs are small and their values few (amounts, quantity bounds, window bounds
// around the instant, regions, groups, customers and channels lists name, percents of
// adjustments, IDs), so that ties, boundaries, roundings and mixed tax bases are
// common; each store gets catalogs of its own. A worker makes its calls one after the
// other in one goroutine, and makes each call of a query that names groups besides a
// customer right after the same call for the customer alone, so that what the pooled
// resolvers keep from one call meets the next. A run of the default size also checks
// that the catalogs reached every situation of diffSituations.
//
// A store's first disagreement is shrunk to a minimal catalog and query, and printed as
// an entry for the resolution table of resolve_test.go with the result the rules give.
// The test caught a sale equal to the reference applied by the tie-break order, tax
// arithmetic that saturated at MaxInt64 or went through float64, rates above 10
// accepted, and a merge of the query's groups that wrote over the customer's groups
// held by a pooled resolver.
//
//	go test -run TestResolveDiff                  # the default: a few seconds
//	go test -run TestResolveDiff -diff.n=100000   # more catalogs per store: minutes
//	go test -run 'TestResolveDiff$/bolt$' -diff.seed=S -diff.case=I   # one catalog again
var (
	diffN    = flag.Int("diff.n", 0, "TestResolveDiff: random catalogs per store (0: the default, a few seconds' worth)")
	diffSeed = flag.Uint64("diff.seed", 0, "TestResolveDiff: seed (0: a random one, printed on failure)")
	diffCase = flag.Int("diff.case", -1, "TestResolveDiff: run only the catalog of this index (with -diff.seed)")
)

// diffDefaultCatalogs is how many catalogs each store gets by default; with about 100
// resolutions a catalog, that is over 30,000 resolutions a store.
const diffDefaultCatalogs = 320

// diffQueriesPerCatalog is how many queries each catalog is resolved for.
const diffQueriesPerCatalog = 6

// diffRecycle is how many catalogs a worker builds in one store, each under its own
// ID prefix, before it starts over with a new store.
const diffRecycle = 64

// The model: a catalog as the test generated it, with IDs without their prefix.

type dCatalog struct {
	groups  []string
	members map[string][]string // customer → groups
	base    []dPrice            // the base prices of every variant
	lists   []dList
	// baseLast sets the base prices after the lists are created: the prices adjusted
	// lists derive follow the base prices, whenever they are written.
	baseLast bool
}

type dList struct {
	id         string
	typ        pricing.PriceListType
	active     bool
	start, end time.Time
	audience   []string // groups
	customers  []string // customers the audience names
	channels   []string // the channels it is limited to
	adj        *pricing.Adjustment
	incl       bool
	prices     []dPrice // the written prices
	// later is how many of prices (the last ones) are added with AddPrices after the
	// list is created.
	later int
	// first, when set, are the terms the list is created with, before an update gives
	// it its customers, channels and adjustment.
	first *dTerms
}

// dTerms are the terms of a list that an update changes.
type dTerms struct {
	customers, channels []string
	adj                 *pricing.Adjustment
}

type dPrice struct {
	id, list, variant string
	currency          string // lower-case
	inCurrency        string // as the input spells it
	region            string
	amount, min, max  int64
	incl              bool
	revision          int64 // the revision the build stored it at (0 on a store without a journal)
	// base, for a price a list's adjustment derives, is the base price it derives
	// from, and adj the adjustment with its rounding defaulted; id is then
	// DerivedPriceID(list, base.id).
	base *dPrice
	adj  pricing.Adjustment
}

// dQuery is a query of the model.
type dQuery struct {
	currency string // any case
	region   string
	customer string // "" anonymous
	groups   []string
	channel  string    // "" none
	at       time.Time // zero: the service clock, t0
	rate     *float64
}

// The generator.

var (
	diffAmounts = []int64{0, 1, 3, 4, 5, 50, 57, 58, 99, 100, 101, 110, 120, 1000, 1100, 1200, 1800, 2000}
	diffHuge    = []int64{math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64 / 2, 1 << 62, math.MaxInt64 / 11, math.MaxInt64/11 + 1}
	// diffRates are the valid tax rates a query may have; diffBadRates the invalid ones.
	diffRates = []float64{
		0, math.Copysign(0, -1), 0.1, 0.2, 0.15, 0.5, 0.07, 0.7 / 100, 1.1 / 100, 0.55 / 100,
		0.005000000000000001, 10, 1.0 / 3, 0.1 + 0.2,
		1e-20, 1.5e-18, 2.5e-18, 0.0012345678901234567, // shortest decimals of more than 18 places
	}
	diffBadRates = []float64{-0.1, -5e-324, math.Nextafter(10, 11), 11, 1e300, math.NaN(), math.Inf(1), math.Inf(-1)}
	diffOffsets  = []time.Duration{-time.Hour, -time.Nanosecond, 0, time.Nanosecond, time.Hour}
	// diffPercents are the percents of adjustments: whole and fractional, the bounds,
	// halves of a minor unit (-10 of 5, -12.5 of 4, ±50 of odd amounts), and shortest
	// decimals of more than 16 places, which matter on huge amounts.
	diffPercents = []float64{
		-10, -12.5, -50, 50, 5, -7.5, -33.3, 0.7, 0, math.Copysign(0, -1), -100, 1000,
		0.1 + 0.2, 1.5e-16, 2.5e-16, -1.5e-16, 5e-17,
	}
	diffRoundings = []pricing.Rounding{"", pricing.RoundHalfUp, pricing.RoundDown, pricing.RoundUp}
	// diffChannels are the channels lists are limited to; queries also name "kiosk",
	// which no list names.
	diffChannels = []string{"web", "pos"}
	// diffNamed are the customers lists name: the query's customers "cus" (who has
	// groups) and "nobody" (who has none), and one no query names.
	diffNamed = []string{"cus", "nobody", "other"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// genCatalog returns a random catalog.
func genCatalog(r *rand.Rand) *dCatalog {
	c := &dCatalog{members: map[string][]string{}}
	variants := []string{"v1", "v2", "v3"}[:1+r.IntN(3)]
	for i := range 2 + r.IntN(2) {
		c.groups = append(c.groups, fmt.Sprintf("g%d", i+1))
	}
	for _, g := range c.groups {
		if len(c.members["cus"]) < 2 && r.IntN(2) == 0 {
			c.members["cus"] = append(c.members["cus"], g)
		}
	}
	// Amounts: a few per catalog, so that ties are common; sometimes huge ones.
	var amounts []int64
	for range 3 + r.IntN(3) {
		amounts = append(amounts, pick(r, diffAmounts))
	}
	if r.IntN(4) == 0 {
		for range 1 + r.IntN(3) {
			amounts = append(amounts, pick(r, diffHuge))
		}
	}
	// Price IDs: a random permutation, so that ID order is not creation order; short,
	// sometimes of different lengths ("p7" > "p10"). The IDs of derived prices begin
	// with their list's ("l1~p07"): written prices "p..." follow them all in ID order,
	// prices "l..." come before some ("l05" < "l1~p07" < "l25").
	format := pick(r, []string{"p%02d", "p%02d", "p%02d", "p%d", "l%02d", "l%d"})
	ids := r.Perm(100)
	nextID := func() string {
		id := fmt.Sprintf(format, ids[0])
		ids = ids[1:]
		return id
	}
	price := func(list string, incl bool) dPrice {
		p := dPrice{id: nextID(), list: list, variant: pick(r, variants), incl: incl}
		p.currency = pick(r, []string{"usd", "eur"})
		p.inCurrency = p.currency
		if r.IntN(4) == 0 {
			p.inCurrency = strings.ToUpper(p.currency)
		}
		switch n := r.IntN(20); {
		case n < 4:
			p.region = "r1"
		case n < 6:
			p.region = "r2"
		}
		bound := func() int64 {
			if r.IntN(2) == 0 {
				return 0
			}
			return 1 + r.Int64N(4)
		}
		p.min, p.max = bound(), bound()
		if p.min > 0 && p.max > 0 && p.min > p.max {
			p.min, p.max = p.max, p.min
		}
		p.amount = pick(r, amounts)
		return p
	}
	type key struct {
		list, variant, currency, region string
		min, max                        int64
	}
	seen := map[key]bool{}
	unique := func(p dPrice) bool {
		k := key{p.list, p.variant, p.currency, p.region, p.min, p.max}
		if seen[k] {
			return false
		}
		seen[k] = true
		return true
	}
	for _, v := range variants {
		for range r.IntN(5) {
			p := price("", r.IntN(3) == 0)
			p.variant = v
			if unique(p) {
				c.base = append(c.base, p)
			}
		}
	}
	bound := func() time.Time {
		if r.IntN(2) == 0 {
			return time.Time{}
		}
		return t0.Add(pick(r, diffOffsets))
	}
	// some returns one or two of the values, in random order.
	some := func(vals []string) []string {
		perm := r.Perm(len(vals))[:1+r.IntN(2)]
		out := make([]string, len(perm))
		for i, j := range perm {
			out[i] = vals[j]
		}
		return out
	}
	c.baseLast = r.IntN(4) == 0
	// Some catalogs have many lists, two thirds of them adjusted: a call then often
	// reads the terms of more lists than the resolver scans (16) before it indexes them.
	lists, written, adjusted := r.IntN(7), 9, 1 // adjusted: in thirds
	if r.IntN(10) == 0 {
		lists, written, adjusted = 20+r.IntN(4), 3, 2
	}
	for i := range lists {
		l := dList{id: fmt.Sprintf("l%d", i+1), typ: pricing.Sale, active: r.IntN(5) > 0, incl: r.IntN(3) == 0}
		if r.IntN(2) == 0 {
			l.typ = pricing.Override
		}
		l.start, l.end = bound(), bound()
		if !l.start.IsZero() && !l.end.IsZero() && !l.start.Before(l.end) {
			if r.IntN(2) == 0 {
				l.start = time.Time{}
			} else {
				l.end = time.Time{}
			}
		}
		if r.IntN(2) == 0 {
			for _, g := range c.groups {
				if r.IntN(2) == 0 {
					l.audience = append(l.audience, g)
				}
			}
		}
		if r.IntN(3) == 0 {
			l.customers = some(diffNamed)
		}
		if r.IntN(3) == 0 {
			l.channels = some(diffChannels)
		}
		written := written
		adjustment := func() *pricing.Adjustment {
			a := &pricing.Adjustment{Percent: pick(r, diffPercents), Rounding: pick(r, diffRoundings)}
			if *a == (pricing.Adjustment{}) { // (-0 too) the zero Adjustment is none
				a.Rounding = pricing.RoundHalfUp
			}
			return a
		}
		if r.IntN(3) < adjusted {
			l.adj = adjustment()
			written = min(written, 4) // the list has the derived prices besides
		}
		if r.IntN(6) == 0 {
			// Created with other terms, then updated: the terms the resolver reads, and
			// the lists a store knows to have an adjustment, follow the update.
			l.first = &dTerms{}
			if len(l.customers) == 0 || r.IntN(2) == 0 {
				l.first.customers = some(diffNamed)
			}
			if len(l.channels) == 0 || r.IntN(2) == 0 {
				l.first.channels = some(diffChannels)
			}
			if l.adj == nil || r.IntN(2) == 0 {
				l.first.adj = adjustment()
			}
		}
		for range r.IntN(written) {
			p := price(l.id, l.incl)
			if l.adj != nil && len(c.base) > 0 && r.IntN(2) == 0 {
				// The key of a base price: the written price takes precedence over
				// the derived one.
				b := pick(r, c.base)
				p.variant, p.currency, p.region, p.min, p.max = b.variant, b.currency, b.region, b.min, b.max
				p.inCurrency = p.currency
				if r.IntN(4) == 0 {
					p.inCurrency = strings.ToUpper(p.currency)
				}
			}
			if unique(p) {
				l.prices = append(l.prices, p)
			}
		}
		if len(l.prices) > 0 && r.IntN(4) == 0 {
			l.later = 1 + r.IntN(len(l.prices))
		}
		c.lists = append(c.lists, l)
	}
	return c
}

// genQuery returns a random query for a catalog of genCatalog.
func genQuery(r *rand.Rand, c *dCatalog) dQuery {
	q := dQuery{currency: pick(r, []string{"usd", "eur", "USD", "Eur"})}
	if r.IntN(2) == 0 {
		q.region = "r1"
	}
	switch r.IntN(5) {
	case 0, 1:
		q.customer = "cus"
	case 2:
		q.customer = "nobody"
	}
	if r.IntN(3) == 0 {
		for _, g := range c.groups {
			if r.IntN(2) == 0 {
				q.groups = append(q.groups, g)
			}
		}
		if r.IntN(4) == 0 {
			q.groups = append(q.groups, "g_unknown")
		}
	}
	switch r.IntN(4) {
	case 0:
		q.channel = "web"
	case 1:
		q.channel = "pos"
	case 2:
		if r.IntN(3) == 0 {
			q.channel = "kiosk"
		}
	}
	switch n := r.IntN(10); {
	case n < 2:
		q.at = t0.Add(pick(r, diffOffsets))
	case n < 3:
		q.at = t0.In(time.FixedZone("UTC+1", 3600))
	}
	switch n := r.IntN(50); {
	case n < 20:
	case n < 49:
		q.rate = rate(pick(r, diffRates))
	default:
		q.rate = rate(pick(r, diffBadRates))
	}
	return q
}

// build writes the catalog through the Service, with every ID prefixed by ns.
func (c *dCatalog) build(ctx context.Context, svc *pricing.Service, ns string) error {
	for _, g := range c.groups {
		if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: ns + g, Name: ns + g}); err != nil {
			return err
		}
	}
	for _, cus := range slices.Sorted(maps.Keys(c.members)) {
		if err := svc.SetCustomerGroups(ctx, ns+cus, prefixed(ns, c.members[cus])); err != nil {
			return err
		}
	}
	// Each price records the revision it was stored at, from what the Service returns.
	base := func() error {
		byVariant := map[string][]*dPrice{}
		for i := range c.base {
			byVariant[c.base[i].variant] = append(byVariant[c.base[i].variant], &c.base[i])
		}
		for _, v := range slices.Sorted(maps.Keys(byVariant)) {
			ps := byVariant[v]
			var ins []pricing.PriceInput
			for _, p := range ps {
				ins = append(ins, p.input(ns))
			}
			stored, err := svc.SetBasePrices(ctx, ns+v, ins)
			if err != nil {
				return err
			}
			for i, p := range ps {
				p.revision = stored[i].Revision
			}
		}
		return nil
	}
	if !c.baseLast {
		if err := base(); err != nil {
			return err
		}
	}
	for li := range c.lists {
		l := &c.lists[li]
		status := pricing.Draft
		if l.active {
			status = pricing.Active
		}
		var now, later []pricing.PriceInput
		for i, p := range l.prices {
			in := p.input(ns)
			if i >= len(l.prices)-l.later {
				later = append(later, in)
			} else {
				now = append(now, in)
			}
		}
		terms := dTerms{l.customers, l.channels, l.adj}
		if l.first != nil {
			terms = *l.first
		}
		_, stored, err := svc.CreatePriceListWithPrices(ctx, pricing.NewPriceList{
			ID: ns + l.id, Name: ns + l.id, Type: l.typ, Status: status, StartsAt: l.start, EndsAt: l.end,
			CustomerGroupIDs: prefixed(ns, l.audience), CustomerIDs: prefixed(ns, terms.customers),
			ChannelIDs: terms.channels, Adjustment: terms.adj, IncludesTax: l.incl, Prices: now,
		})
		if err != nil {
			return err
		}
		if l.first != nil {
			if _, err := svc.UpdatePriceList(ctx, ns+l.id, l.update(ns)); err != nil {
				return err
			}
		}
		if len(later) > 0 {
			more, err := svc.AddPrices(ctx, ns+l.id, later, false)
			if err != nil {
				return err
			}
			stored = append(stored, more...)
		}
		for i := range l.prices {
			l.prices[i].revision = stored[i].Revision
		}
	}
	if c.baseLast {
		return base()
	}
	return nil
}

// update is the update that gives the list, created with its first terms, its own.
func (l *dList) update(ns string) pricing.PriceListUpdate {
	customers, channels := prefixed(ns, l.customers), slices.Clone(l.channels)
	upd := pricing.PriceListUpdate{CustomerIDs: &customers, ChannelIDs: &channels, Adjustment: &pricing.Adjustment{}}
	if l.adj != nil {
		a := *l.adj
		if a == (pricing.Adjustment{}) { // (-0 too) the zero Adjustment would remove it
			a.Rounding = pricing.RoundHalfUp
		}
		upd.Adjustment = &a
	}
	return upd
}

func prefixed(ns string, ids []string) []string {
	if ids == nil {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = ns + id
	}
	return out
}

func (p dPrice) input(ns string) pricing.PriceInput {
	return pricing.PriceInput{
		ID: ns + p.id, VariantID: ns + p.variant, CurrencyCode: p.inCurrency, RegionID: p.region,
		Amount: p.amount, MinQuantity: p.min, MaxQuantity: p.max, IncludesTax: p.incl,
	}
}

// price is the Price the store must hold for p, or for a derived price the Price the
// resolver derives.
func (p dPrice) price(ns string) pricing.Price {
	list := ""
	if p.list != "" {
		list = ns + p.list
	}
	id := ns + p.id
	if p.base != nil {
		id = pricing.DerivedPriceID(ns+p.list, ns+p.base.id)
	}
	return pricing.Price{
		ID: id, PriceListID: list, VariantID: ns + p.variant, CurrencyCode: p.currency, RegionID: p.region,
		Amount: p.amount, MinQuantity: p.min, MaxQuantity: p.max, IncludesTax: p.incl, Revision: p.revision,
	}
}

func (q dQuery) String() string {
	rate := "nil"
	if q.rate != nil {
		rate = strconv.FormatFloat(*q.rate, 'g', -1, 64)
	}
	at := "zero"
	if !q.at.IsZero() {
		at = q.at.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("{currency %q, region %q, customer %q, groups %q, channel %q, at %s, rate %s}", q.currency, q.region, q.customer, q.groups, q.channel, at, rate)
}

// query is the Query for q in the store of prefix ns, without an explanation.
func (q dQuery) query(ns string) pricing.Query {
	pq := pricing.Query{
		CurrencyCode: q.currency, RegionID: q.region, CustomerGroupIDs: prefixed(ns, q.groups),
		ChannelID: q.channel, At: q.at, TaxRate: q.rate,
	}
	if q.customer != "" {
		pq.CustomerID = ns + q.customer
	}
	return pq
}

func (c *dCatalog) clone() *dCatalog {
	d := &dCatalog{groups: slices.Clone(c.groups), members: map[string][]string{}, base: slices.Clone(c.base), baseLast: c.baseLast}
	for k, v := range c.members {
		d.members[k] = slices.Clone(v)
	}
	for _, l := range c.lists {
		l.audience = slices.Clone(l.audience)
		l.customers = slices.Clone(l.customers)
		l.channels = slices.Clone(l.channels)
		if l.adj != nil {
			a := *l.adj
			l.adj = &a
		}
		l.prices = slices.Clone(l.prices)
		if l.first != nil {
			f := dTerms{slices.Clone(l.first.customers), slices.Clone(l.first.channels), nil}
			if l.first.adj != nil {
				a := *l.first.adj
				f.adj = &a
			}
			l.first = &f
		}
		d.lists = append(d.lists, l)
	}
	return d
}

// The reference resolver, from the rules of doc.go.

// refCand is a price under consideration by refResolve.
type refCand struct {
	p       *dPrice
	typ     string
	start   time.Time // of its list; zero for a base price
	outcome pricing.Outcome
	elig    bool
	// visible reports a base price or a price of a list that applies to the shopper:
	// what ExplainVisible shows.
	visible bool
	raised  *big.Int // with a rate, the amount raised by it (for an exclusive price)
}

type refResult struct {
	invalid   bool // the query is invalid (its tax rate)
	calc, ref *refCand
	cands     []refCand // every price of the variant, in ascending ID order
	// validUntil is the next start or end, after the instant, of the window of an
	// active list of the customer's audience and the query's channel that has a price
	// (written or derived) of the item's currency, region and quantity: the instant the
	// answer may change.
	validUntil time.Time
	// precedence reports an adjusted list with a written price of the key of a base
	// price of the variant, which therefore derives no price for that key.
	precedence bool
}

// refRateScale is the precision of a tax rate: 18 decimal places.
var refRateScale = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// refRate returns the rate's shortest decimal rounded half to even to 18 decimal places,
// times 10^18.
func refRate(rate float64) *big.Int {
	x, ok := new(big.Rat).SetString(strconv.FormatFloat(rate, 'f', -1, 64))
	if !ok {
		panic("bad rate")
	}
	x.Mul(x, new(big.Rat).SetInt(refRateScale))
	q, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int)) // x >= 0
	switch c := new(big.Int).Lsh(m, 1).Cmp(x.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	return q
}

// refRaise returns round_half_away_from_zero(amount × (1 + rate)), exactly, for the rate
// as refRate returns it.
func refRaise(amount int64, rate *big.Int) *big.Int {
	n := new(big.Int).Add(refRateScale, rate)
	n.Mul(n, big.NewInt(amount))
	q, m := new(big.Int).QuoRem(n, refRateScale, new(big.Int)) // amount >= 0
	if m.Lsh(m, 1).Cmp(refRateScale) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// refPercentScale is the precision of an adjustment's percent: 16 decimal places.
var refPercentScale = new(big.Int).Exp(big.NewInt(10), big.NewInt(16), nil)

// refPercentDen is 100 × 10^16: a percent of 16 decimal places over it is a rate.
var refPercentDen = new(big.Int).Mul(big.NewInt(100), refPercentScale)

// refPercents caches refPercent16 (float64 bits → *big.Int, never modified).
var refPercents sync.Map

// refPercent16 returns the percent's shortest decimal rounded half to even to 16
// decimal places, times 10^16.
func refPercent16(percent float64) *big.Int {
	if v, ok := refPercents.Load(math.Float64bits(percent)); ok {
		return v.(*big.Int)
	}
	pct, ok := new(big.Rat).SetString(strconv.FormatFloat(percent, 'f', -1, 64))
	if !ok {
		panic("bad percent")
	}
	// |percent| × 10^16, rounded half to even.
	x := new(big.Rat).Mul(new(big.Rat).Abs(pct), new(big.Rat).SetInt(refPercentScale))
	p16, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	switch c := new(big.Int).Lsh(m, 1).Cmp(x.Denom()); {
	case c > 0, c == 0 && p16.Bit(0) == 1:
		p16.Add(p16, big.NewInt(1))
	}
	if pct.Sign() < 0 {
		p16.Neg(p16)
	}
	refPercents.Store(math.Float64bits(percent), p16)
	return p16
}

// refDerivedExact returns amount × (100 + percent) / 100, exactly, for the percent as
// refPercent16 reads it: the quotient and the remainder of refPercentDen.
func refDerivedExact(amount int64, percent float64) (q, rem *big.Int) {
	// amount × (100 × 10^16 + p16) / (100 × 10^16), >= 0
	num := new(big.Int).Add(refPercentDen, refPercent16(percent))
	num.Mul(num, big.NewInt(amount))
	return num.QuoRem(num, refPercentDen, new(big.Int))
}

// refDerive returns the amount changed by the adjustment: the exact amount of
// refDerivedExact rounded to an integer as Rounding says (amounts are >= 0: half up is
// half away from zero, down toward zero, up away from zero), capped at the largest int64.
func refDerive(amount int64, a pricing.Adjustment) int64 {
	q, rem := refDerivedExact(amount, a.Percent)
	switch a.Rounding {
	case pricing.RoundDown:
	case pricing.RoundUp:
		if rem.Sign() > 0 {
			q.Add(q, big.NewInt(1))
		}
	case pricing.RoundHalfUp, "":
		if rem.Lsh(rem, 1).Cmp(refPercentDen) >= 0 {
			q.Add(q, big.NewInt(1))
		}
	default:
		panic("bad rounding " + string(a.Rounding))
	}
	if !q.IsInt64() {
		return math.MaxInt64
	}
	return q.Int64()
}

// refDerived returns the prices the list's adjustment derives for the variant: one from
// every base price of the variant, in every currency, but for the keys of the list's
// written prices; and whether a written price took precedence over one.
func refDerived(c *dCatalog, l *dList, variant string) (out []dPrice, precedence bool) {
	if l.adj == nil {
		return nil, false
	}
	adj := *l.adj
	if adj.Rounding == "" {
		adj.Rounding = pricing.RoundHalfUp
	}
	for i := range c.base {
		b := &c.base[i]
		if b.variant != variant {
			continue
		}
		if slices.ContainsFunc(l.prices, func(w dPrice) bool {
			return w.variant == b.variant && w.currency == b.currency && w.region == b.region && w.min == b.min && w.max == b.max
		}) {
			precedence = true
			continue
		}
		out = append(out, dPrice{
			id: l.id + "~" + b.id, list: l.id, variant: b.variant, currency: b.currency, inCurrency: b.currency,
			region: b.region, amount: refDerive(b.amount, adj), min: b.min, max: b.max, incl: b.incl,
			base: b, adj: adj,
		})
	}
	return out, precedence
}

// refResolve resolves one item of the catalog by the rules.
func refResolve(c *dCatalog, q dQuery, variant string, qty int64) refResult {
	var res refResult
	if q.rate != nil {
		if r := *q.rate; math.IsNaN(r) || r < 0 || r > 10 {
			res.invalid = true
			return res
		}
	}
	if qty == 0 {
		qty = 1
	}
	currency := strings.ToLower(q.currency)
	at := q.at
	if at.IsZero() {
		at = t0
	}
	groups := slices.Clone(q.groups)
	if q.customer != "" {
		groups = append(groups, c.members[q.customer]...)
	}
	var rate *big.Int
	if q.rate != nil {
		rate = refRate(*q.rate)
	}

	// Eligibility, and the reason of every price that is not eligible: its own fields
	// first, then its list's terms.
	inAudience := func(l *dList) bool {
		return len(l.audience) == 0 && len(l.customers) == 0 ||
			q.customer != "" && slices.Contains(l.customers, q.customer) ||
			slices.ContainsFunc(l.audience, func(g string) bool { return slices.Contains(groups, g) })
	}
	inChannel := func(l *dList) bool {
		return len(l.channels) == 0 || q.channel != "" && slices.Contains(l.channels, q.channel)
	}
	listReason := func(l *dList) pricing.Outcome {
		switch {
		case !l.active:
			return pricing.DraftList
		case !l.start.IsZero() && at.Before(l.start):
			return pricing.NotStarted
		case !l.end.IsZero() && !at.Before(l.end):
			return pricing.Ended
		case !inChannel(l):
			return pricing.WrongChannel
		case !inAudience(l):
			return pricing.NotInAudience
		}
		return ""
	}
	add := func(p *dPrice, l *dList) {
		rc := refCand{p: p, typ: pricing.TypeDefault, visible: true}
		var listOutcome pricing.Outcome
		if l != nil {
			rc.typ, rc.start = string(l.typ), l.start
			listOutcome = listReason(l)
			rc.visible = listOutcome == ""
		}
		switch {
		case p.currency != currency:
			rc.outcome = pricing.WrongCurrency
		case p.region != "" && p.region != q.region:
			rc.outcome = pricing.WrongRegion
		case p.min != 0 && qty < p.min, p.max != 0 && qty > p.max:
			rc.outcome = pricing.WrongQuantity
		default:
			rc.outcome, rc.elig = listOutcome, listOutcome == ""
			if l != nil && l.active && inChannel(l) && inAudience(l) {
				for _, b := range []time.Time{l.start, l.end} {
					if b.After(at) && (res.validUntil.IsZero() || b.Before(res.validUntil)) {
						res.validUntil = b
					}
				}
			}
		}
		if rc.elig && rate != nil && !p.incl {
			rc.raised = refRaise(p.amount, rate)
		}
		res.cands = append(res.cands, rc)
	}
	for i := range c.base {
		if p := &c.base[i]; p.variant == variant {
			add(p, nil)
		}
	}
	for li := range c.lists {
		l := &c.lists[li]
		for i := range l.prices {
			if p := &l.prices[i]; p.variant == variant {
				add(p, l)
			}
		}
		derived, precedence := refDerived(c, l, variant)
		res.precedence = res.precedence || precedence
		for i := range derived {
			add(&derived[i], l)
		}
	}
	slices.SortFunc(res.cands, func(a, b refCand) int { return strings.Compare(a.p.id, b.p.id) })
	cands := res.cands

	// Within one source, an eligible region price shadows the currency-wide ones.
	regional := map[string]bool{}
	for _, rc := range cands {
		if rc.elig && rc.p.region != "" {
			regional[rc.p.list] = true
		}
	}
	for i := range cands {
		if rc := &cands[i]; rc.elig && rc.p.region == "" && regional[rc.p.list] {
			rc.outcome, rc.elig = pricing.ShadowedByRegion, false
		}
	}

	// The order: amounts, then tieBreak.
	amountCmp := func(a, b *refCand) int {
		switch {
		case rate == nil || a.p.incl == b.p.incl:
			return cmp.Compare(a.p.amount, b.p.amount)
		case a.p.incl:
			return big.NewInt(a.p.amount).Cmp(b.raised)
		default:
			return a.raised.Cmp(big.NewInt(b.p.amount))
		}
	}
	tieBreak := func(a, b *refCand) int {
		if (a.p.region != "") != (b.p.region != "") {
			if a.p.region != "" {
				return -1
			}
			return 1
		}
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return strings.Compare(a.p.id, b.p.id)
	}
	order := func(a, b *refCand) int {
		if c := amountCmp(a, b); c != 0 {
			return c
		}
		return tieBreak(a, b)
	}
	// of returns the eligible candidates of the type.
	of := func(typ string) []*refCand {
		var out []*refCand
		for i := range cands {
			if rc := &cands[i]; rc.elig && rc.typ == typ {
				out = append(out, rc)
			}
		}
		return out
	}
	// first returns the minimum of cs under cmp.
	first := func(cs []*refCand, cmp func(a, b *refCand) int) *refCand {
		var m *refCand
		for _, rc := range cs {
			if m == nil || cmp(rc, m) < 0 {
				m = rc
			}
		}
		return m
	}
	// keepBasis drops, without a rate, the candidates whose tax basis is not incl.
	keepBasis := func(cs []*refCand, incl bool) []*refCand {
		if rate != nil {
			return cs
		}
		var out []*refCand
		for _, rc := range cs {
			if rc.p.incl == incl {
				out = append(out, rc)
			} else {
				rc.outcome, rc.elig = pricing.TaxNotComparable, false
			}
		}
		return out
	}

	// The reference: the best override, else the best base price.
	pool := of(pricing.TypeOverride)
	if len(pool) > 0 {
		for _, rc := range of(pricing.TypeDefault) {
			rc.outcome, rc.elig = pricing.Overridden, false
		}
	} else {
		pool = of(pricing.TypeDefault)
	}
	if len(pool) > 0 {
		pool = keepBasis(pool, first(pool, tieBreak).p.incl)
	}
	ref := first(pool, order)

	// The sale: the best sale comparable with the reference, if strictly lower.
	sales := of(pricing.TypeSale)
	switch {
	case len(sales) == 0:
	case ref != nil:
		sales = keepBasis(sales, ref.p.incl)
	default:
		sales = keepBasis(sales, first(sales, tieBreak).p.incl)
	}
	sale := first(sales, order)
	if sale != nil && ref != nil && amountCmp(sale, ref) >= 0 {
		for _, s := range sales { // none is lower, as the best one is not
			s.outcome, s.elig = pricing.SaleNotLower, false
		}
		sale = nil
	}
	res.ref, res.calc = ref, ref
	if sale != nil {
		res.calc = sale
	}
	for i := range cands {
		if rc := &cands[i]; rc.elig {
			rc.outcome = pricing.HigherThanWinner
		}
	}
	if res.calc != nil {
		res.calc.outcome = pricing.Calculated
	}
	if sale != nil && ref != nil {
		ref.outcome = pricing.Original
	}
	return res
}

// resolution is the Resolution the result stands for, without its explanation.
func (r refResult) resolution(ns, variant string, qty int64) pricing.Resolution {
	res := pricing.Resolution{VariantID: ns + variant, Quantity: max(qty, 1), ValidUntil: r.validUntil}
	if r.calc != nil {
		res.Found = true
		res.CalculatedAmount, res.CalculatedPrice = r.calc.p.amount, r.calc.p.price(ns)
		res.CalculatedType, res.CalculatedIncludesTax = r.calc.typ, r.calc.p.incl
	}
	if r.ref != nil {
		res.HasOriginal = true
		res.OriginalAmount, res.OriginalPrice = r.ref.p.amount, r.ref.p.price(ns)
		res.OriginalType, res.OriginalIncludesTax = r.ref.typ, r.ref.p.incl
	}
	return res
}

// explanation is the Explanation of Explain or, with visible, of ExplainVisible.
func (r refResult) explanation(ns string, visible bool) []pricing.Candidate {
	out := []pricing.Candidate{}
	for _, rc := range r.cands {
		if rc.visible || !visible {
			cand := pricing.Candidate{Price: rc.p.price(ns), Type: rc.typ, Outcome: rc.outcome}
			if rc.p.base != nil {
				cand.Derivation = &pricing.Derivation{BasePrice: rc.p.base.price(ns), Adjustment: rc.p.adj}
			}
			out = append(out, cand)
		}
	}
	return out
}

// Comparing the Service with the reference.

// diffCall is one call to check: Resolve or ResolveMany, with an explanation or not.
type diffCall struct {
	many    bool   // ResolveMany, else Resolve of items[0]
	explain string // "", "Explain" or "ExplainVisible"
	items   []pricing.Item
}

// diffExplains are the explanations a call may ask for.
var diffExplains = []string{"", "Explain", "ExplainVisible"}

func (call diffCall) String() string {
	s := "Resolve"
	if call.many {
		s = "ResolveMany"
	}
	if call.explain != "" {
		s += " with " + call.explain
	}
	return fmt.Sprintf("%s of %v", s, call.items)
}

// diffCalls returns the calls to check on a catalog for one query: Resolve of every
// variant (and of one without prices), plain, with Explain and with ExplainVisible, and
// one ResolveMany.
func diffCalls(r *rand.Rand) []diffCall {
	variants := []string{"v1", "v2", "v3", "ghost"}
	var calls []diffCall
	for _, v := range variants {
		it := []pricing.Item{{VariantID: v, Quantity: r.Int64N(5)}}
		for _, e := range diffExplains {
			calls = append(calls, diffCall{explain: e, items: it})
		}
	}
	var items []pricing.Item
	for range 1 + r.IntN(6) {
		items = append(items, pricing.Item{VariantID: pick(r, variants), Quantity: r.Int64N(5)})
	}
	return append(calls, diffCall{many: true, explain: pick(r, diffExplains), items: items})
}

// diffMismatch is a disagreement between the Service and the reference.
type diffMismatch struct {
	field     string // the first field that differs, with the item's index in a batch
	got, want string
}

// check makes the call on svc for the catalog c, built under the prefix ns, and
// compares the answer with refResolve; it returns the first difference, and how many
// resolutions it checked.
func (call diffCall) check(ctx context.Context, svc *pricing.Service, c *dCatalog, ns string, q dQuery) (*diffMismatch, int) {
	mismatch := func(field, got, want string) (*diffMismatch, int) {
		return &diffMismatch{field: field, got: got, want: want}, 0
	}
	refs := make([]refResult, len(call.items))
	for i, it := range call.items {
		refs[i] = refResolve(c, q, it.VariantID, it.Quantity)
	}
	pq := q.query(ns)
	pq.Explain, pq.ExplainVisible = call.explain == "Explain", call.explain == "ExplainVisible"
	var (
		got []pricing.Resolution
		err error
	)
	if call.many {
		got, err = svc.ResolveMany(ctx, pq, prefixedItems(ns, call.items))
	} else {
		it := call.items[0]
		res, e := svc.Resolve(ctx, pq, ns+it.VariantID, it.Quantity)
		got, err = []pricing.Resolution{res}, e
	}
	switch {
	case refs[0].invalid: // the rate is the query's: every item is invalid
		if !errors.Is(err, pricing.ErrInvalid) || !slices.Contains(fieldsOf(err), "TaxRate") {
			return mismatch("error", fmt.Sprint(err), "ErrInvalid for TaxRate")
		}
		return nil, 0
	case !call.many && refs[0].calc == nil:
		if !errors.Is(err, pricing.ErrNoPrice) {
			return mismatch("error", fmt.Sprint(err), "ErrNoPrice")
		}
	case err != nil:
		return mismatch("error", err.Error(), "nil")
	}
	if len(got) != len(call.items) {
		return mismatch("len", strconv.Itoa(len(got)), strconv.Itoa(len(call.items)))
	}
	for i, it := range call.items {
		at := ""
		if call.many {
			at = fmt.Sprintf("[%d].", i)
		}
		want := refs[i].resolution(ns, it.VariantID, it.Quantity)
		var skip []string
		if !call.many && !want.Found {
			skip = []string{"VariantID", "Quantity"} // Resolve promises nothing of them then
		}
		if f, g, w := compareResolution(got[i], want, skip); f != "" {
			return mismatch(at+f, g, w)
		}
		if call.explain == "" {
			if got[i].Explanation != nil {
				return mismatch(at+"Explanation", fmt.Sprintf("%+v", got[i].Explanation), "nil without Explain")
			}
		} else if f, g, w := compareExplanation(got[i].Explanation, refs[i].explanation(ns, call.explain == "ExplainVisible")); f != "" {
			return mismatch(at+f, g, w)
		}
	}
	return nil, len(call.items)
}

// compareResolution returns the first field but Explanation where got and want differ,
// "" when none; it skips the fields of skip.
func compareResolution(got, want pricing.Resolution, skip []string) (field, g, w string) {
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		f := gv.Type().Field(i)
		if f.Name == "Explanation" || slices.Contains(skip, f.Name) {
			continue
		}
		a, b := gv.Field(i), wv.Field(i)
		if f.Type.Comparable() && !a.Equal(b) || !f.Type.Comparable() && !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return f.Name, fmt.Sprintf("%+v", a), fmt.Sprintf("%+v", b)
		}
	}
	return "", "", ""
}

func compareExplanation(got, want []pricing.Candidate) (field, g, w string) {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return "Explanation", "(missing)", fmt.Sprintf("%+v", want[i])
		case i >= len(want):
			return "Explanation", fmt.Sprintf("%+v", got[i]), "(none)"
		case !sameCandidate(got[i], want[i]):
			return fmt.Sprintf("Explanation[%s]", want[i].Price.ID), diffCandidate(got[i]), diffCandidate(want[i])
		}
	}
	return "", "", ""
}

func sameCandidate(a, b pricing.Candidate) bool {
	da, db := a.Derivation, b.Derivation
	a.Derivation, b.Derivation = nil, nil
	return a == b && (da == nil) == (db == nil) && (da == nil || *da == *db)
}

// fmtCandidate formats a candidate, with its derivation rather than its pointer.
func diffCandidate(c pricing.Candidate) string {
	d := c.Derivation
	c.Derivation = nil
	if d == nil {
		return fmt.Sprintf("%+v", c)
	}
	return fmt.Sprintf("%+v, derived: %+v", c, *d)
}

func prefixedItems(ns string, items []pricing.Item) []pricing.Item {
	out := make([]pricing.Item, len(items))
	for i, it := range items {
		out[i] = pricing.Item{VariantID: ns + it.VariantID, Quantity: it.Quantity}
	}
	return out
}

// Running.

// diffState is the shared state of one store's run.
type diffState struct {
	t        *testing.T
	store    testStore
	seed     uint64
	stream   uint64 // the store's index in testStores: each store gets catalogs of its own
	checked  atomic.Int64
	failures atomic.Int64 // calls that disagreed
	stop     atomic.Bool
	mu       sync.Mutex
	first    *diffFailure    // the disagreement of the lowest catalog index
	covered  map[string]bool // the situations the catalogs reached (diffSituations)
}

// diffFailure is a disagreement: the call, the catalog's index, and the difference.
type diffFailure struct {
	diffRepro
	i int
	m *diffMismatch
}

// diffSituations are what the default run must reach, so that a change to the generator
// cannot quietly make the test weaker: every outcome, every type, no price, a sale with no
// original, a sale that ties with its reference, mixed tax bases compared with a rate, a
// raised amount beyond int64, an invalid rate, a price that ExplainVisible shows although
// it cannot apply, and a list open to the customer's groups for a query that names other
// groups; of the adjustments, a derived price that wins, one that is the original, one
// shadowed by a region price of its list, a written price that takes precedence over the
// derived one of its key, derived amounts rounded each way (and a half rounded up), one
// capped at the largest int64; a list that applies to a customer it names and to none of
// whose groups it is open, one limited to the query's channel; and calls that meet more
// lists than the resolver scans before it indexes their terms.
var diffSituations = []string{
	"calculated", "original", "currency", "region", "quantity", "draft list", "not yet started", "ended",
	"channel", "customer not in the audience", "shadowed by a region price", "higher than the winner",
	"replaced by an override", "sale not lower than the reference", "tax basis not comparable",
	"type default", "type sale", "type override", "no price", "sale without original",
	"sale tied with the reference", "mixed bases with a rate", "raised beyond int64", "invalid rate",
	"visible but not eligible", "audience through the customer's groups next to explicit groups",
	"derived price calculated", "derived price original", "derived price shadowed by a region price",
	"written price takes precedence over the derived one", "derived amount rounded half_up",
	"derived amount rounded down", "derived amount rounded up", "derived amount of a half rounded up",
	"derived amount capped at int64", "customer in the audience by name only", "list of the query's channel",
	"more than 16 lists",
}

// cover records the situations of an item's resolution.
func (s *diffState) cover(c *dCatalog, q dQuery, it pricing.Item) {
	ref := refResolve(c, q, it.VariantID, it.Quantity)
	var seen []string
	switch {
	case ref.invalid:
		seen = append(seen, "invalid rate")
	case ref.calc == nil:
		seen = append(seen, "no price")
	default:
		seen = append(seen, "type "+ref.calc.typ)
		if ref.ref == nil {
			seen = append(seen, "sale without original")
		}
		if ref.calc.p.base != nil {
			seen = append(seen, "derived price calculated")
		}
		if ref.ref != nil && ref.ref != ref.calc && ref.ref.p.base != nil {
			seen = append(seen, "derived price original")
		}
	}
	if ref.precedence {
		seen = append(seen, "written price takes precedence over the derived one")
	}
	if n := len(slices.DeleteFunc(slices.Clone(c.lists), func(l dList) bool {
		return l.adj == nil && !slices.ContainsFunc(l.prices, func(p dPrice) bool { return p.variant == it.VariantID })
	})); n > 16 {
		seen = append(seen, "more than 16 lists") // adjusted, or with a price of the variant
	}
	var sale *refCand
	for i := range ref.cands {
		rc := &ref.cands[i]
		seen = append(seen, string(rc.outcome))
		if rc.outcome == pricing.SaleNotLower && (sale == nil || rc.p.amount < sale.p.amount) {
			sale = rc
		}
		if rc.raised != nil && !rc.raised.IsInt64() {
			seen = append(seen, "raised beyond int64")
		}
		if b := rc.p.base; b != nil {
			switch q, rem := refDerivedExact(b.amount, rc.p.adj.Percent); {
			case !q.IsInt64() || q.Int64() == math.MaxInt64 && rem.Sign() > 0:
				seen = append(seen, "derived amount capped at int64")
			case rem.Sign() > 0:
				seen = append(seen, "derived amount rounded "+string(rc.p.adj.Rounding))
				if rem.Lsh(rem, 1).Cmp(refPercentDen) == 0 && rc.p.adj.Rounding == pricing.RoundHalfUp {
					seen = append(seen, "derived amount of a half rounded up")
				}
			}
			if rc.outcome == pricing.ShadowedByRegion {
				seen = append(seen, "derived price shadowed by a region price")
			}
		}
		if rc.p.list == "" || !rc.visible {
			continue
		}
		switch rc.outcome {
		case pricing.WrongCurrency, pricing.WrongRegion, pricing.WrongQuantity:
			seen = append(seen, "visible but not eligible")
		}
		l := c.lists[slices.IndexFunc(c.lists, func(l dList) bool { return l.id == rc.p.list })]
		if len(q.groups) > 0 && len(l.audience) > 0 && !slices.ContainsFunc(l.audience, func(g string) bool { return slices.Contains(q.groups, g) }) &&
			!slices.Contains(l.customers, q.customer) {
			seen = append(seen, "audience through the customer's groups next to explicit groups")
		}
		if slices.Contains(l.customers, q.customer) && !slices.ContainsFunc(l.audience, func(g string) bool {
			return slices.Contains(q.groups, g) || slices.Contains(c.members[q.customer], g)
		}) {
			seen = append(seen, "customer in the audience by name only")
		}
		if len(l.channels) > 0 {
			seen = append(seen, "list of the query's channel")
		}
	}
	if ref.ref != nil && sale != nil && sale.p.amount == ref.ref.p.amount && sale.p.incl == ref.ref.p.incl {
		seen = append(seen, "sale tied with the reference")
	}
	if q.rate != nil && ref.calc != nil && ref.ref != nil && ref.calc.p.incl != ref.ref.p.incl {
		seen = append(seen, "mixed bases with a rate")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range seen {
		s.covered[k] = true
	}
}

func TestResolveDiff(t *testing.T) {
	t.Parallel()
	seed := *diffSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	n := *diffN
	if n <= 0 {
		n = diffDefaultCatalogs
	}
	first, last := 0, n
	if *diffCase >= 0 {
		first, last = *diffCase, *diffCase+1
	}
	for si, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			s := &diffState{t: t, store: st, seed: seed, stream: uint64(si), covered: map[string]bool{}}
			start := time.Now()
			workers := max(1, min(runtime.GOMAXPROCS(0), last-first))
			for from := first; from < last && !s.stop.Load(); from += workers * diffRecycle {
				s.round(from, min(last, from+workers*diffRecycle), workers)
			}
			t.Logf("seed %d: %d catalogs, %d resolutions checked in %v",
				seed, last-first, s.checked.Load(), time.Since(start).Round(time.Millisecond))
			if last-first >= diffDefaultCatalogs && !s.stop.Load() {
				for _, k := range diffSituations {
					if !s.covered[k] {
						t.Errorf("no catalog reached the situation %q: the generator lost some of its reach", k)
					}
				}
			}
			if f := s.first; f != nil {
				small, sm := f.shrink(t, st)
				t.Errorf("%d calls disagree with the rules; the first is of catalog %d "+
					"(go test -run 'TestResolveDiff$/%s$' -diff.seed=%d -diff.case=%d), %v for %v:\n"+
					"  %s: got  %s\n  %s: want %s\nminimized, %v for %v:\n  %s: got  %s\n  %s: want %s\n%s",
					s.failures.Load(), f.i, st.name, seed, f.i, f.call, f.q, f.m.field, f.m.got, f.m.field, f.m.want,
					small.call, small.q, sm.field, sm.got, sm.field, sm.want, small.fixture(sm))
			}
		})
	}
}

// round checks the catalogs from, from+1, ... below to, with workers goroutines, each
// with a new store of its own.
func (s *diffState) round(from, to, workers int) {
	var wg sync.WaitGroup
	for w := range workers {
		scope := &storeScope{TB: s.t}
		defer scope.close()
		svc := pricing.New(s.store.open(scope), pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("gen")))
		wg.Go(func() {
			for i := from + w; i < to && !s.stop.Load(); i += workers {
				s.catalog(svc, i)
			}
		})
	}
	wg.Wait()
}

// catalog generates the catalog of index i, builds it in svc's store under its own ID
// prefix, and checks the calls of random queries on it. An adjusted list derives prices
// from the base prices of every variant, those of the store's other catalogs too, and
// the channels are not prefixed: the catalog's adjusted lists are deleted when its
// checks are done, so that the store never holds those of two catalogs.
func (s *diffState) catalog(svc *pricing.Service, i int) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(s.seed, s.stream<<32|uint64(i)))
	c := genCatalog(r)
	ns := fmt.Sprintf("c%d.", i)
	if err := c.build(ctx, svc, ns); err != nil {
		s.t.Errorf("catalog %d: build: %v", i, err)
		s.stop.Store(true)
		return
	}
	for range diffQueriesPerCatalog {
		query := genQuery(r, c)
		for _, call := range diffCalls(r) {
			for _, q := range diffSteps(query) {
				if !call.many && call.explain == "" {
					s.cover(c, q, call.items[0])
				}
				m, n := call.check(ctx, svc, c, ns, q)
				s.checked.Add(int64(n))
				if m != nil {
					s.failures.Add(1)
					s.mu.Lock()
					if s.first == nil || i < s.first.i {
						s.first = &diffFailure{diffRepro{c, q, call}, i, m}
					}
					s.mu.Unlock()
				}
			}
		}
	}
	for _, l := range c.lists {
		if l.adj != nil {
			if err := svc.DeletePriceList(ctx, ns+l.id); err != nil {
				s.t.Errorf("catalog %d: delete list %s: %v", i, l.id, err)
				s.stop.Store(true)
			}
		}
	}
}

// diffSteps returns the queries a call is checked for, in order: q, after the same
// query for the customer alone when q names groups besides a customer. The calls of one
// goroutine then go from a customer's groups alone to their union with the query's,
// through the same pooled resolvers: a merge that wrote into the array of the
// customer's groups lost some of them that way.
func diffSteps(q dQuery) []dQuery {
	if q.customer == "" || len(q.groups) == 0 {
		return []dQuery{q}
	}
	alone := q
	alone.groups = nil
	return []dQuery{alone, q}
}

// storeScope is a testing.TB whose Cleanup functions run, and whose TempDir directories
// go, when close is called rather than at the end of the test: the test opens stores of
// testStores one after another through it, and closes each when it is done with it.
type storeScope struct {
	testing.TB
	cleanups []func()
}

func (s *storeScope) Cleanup(f func()) { s.cleanups = append(s.cleanups, f) }

func (s *storeScope) TempDir() string {
	dir, err := os.MkdirTemp("", "resolve-diff-")
	if err != nil {
		s.Fatal(err)
	}
	s.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			s.Error(err)
		}
	})
	return dir
}

func (s *storeScope) close() {
	for _, f := range slices.Backward(s.cleanups) {
		f()
	}
	s.cleanups = nil
}

// Shrinking.

// diffRepro is a call on a catalog, to shrink.
type diffRepro struct {
	cat  *dCatalog
	q    dQuery
	call diffCall
}

// fails builds the case, without ID prefix, in a new store of st and returns its
// disagreement, if any.
func (dc diffRepro) fails(t testing.TB, st testStore) *diffMismatch {
	ctx := context.Background()
	scope := &storeScope{TB: t}
	defer scope.close()
	svc := pricing.New(st.open(scope), pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("gen")))
	if err := dc.cat.build(ctx, svc, ""); err != nil {
		return nil // a shrink step that makes the catalog invalid
	}
	for _, q := range diffSteps(dc.q) {
		if m, _ := dc.call.check(ctx, svc, dc.cat, "", q); m != nil {
			return m
		}
	}
	return nil
}

// shrink returns a smaller case that still disagrees with the rules, and its
// disagreement.
func (dc diffRepro) shrink(t testing.TB, st testStore) (diffRepro, *diffMismatch) {
	m := dc.fails(t, st)
	if m == nil {
		// It depends on what came before: the store's other catalogs, or what pooled
		// resolvers kept from earlier calls.
		return dc, &diffMismatch{field: "(not reproduced alone in a new store)"}
	}
	for improved := true; improved; {
		improved = false
		for _, next := range dc.smaller() {
			if m2 := next.fails(t, st); m2 != nil {
				dc, m, improved = next, m2, true
				break
			}
		}
	}
	return dc, m
}

// smaller returns the cases one step smaller than dc, the biggest steps first.
func (dc diffRepro) smaller() []diffRepro {
	var out []diffRepro
	with := func(edit func(c *diffRepro)) {
		next := diffRepro{cat: dc.cat.clone(), q: dc.q, call: dc.call}
		next.q.groups = slices.Clone(dc.q.groups)
		next.call.items = slices.Clone(dc.call.items)
		edit(&next)
		out = append(out, next)
	}
	for i := range dc.call.items {
		if len(dc.call.items) > 1 {
			with(func(c *diffRepro) { c.call.items = slices.Delete(c.call.items, i, i+1) })
		}
	}
	for i, it := range dc.call.items {
		if it.Quantity > 1 {
			with(func(c *diffRepro) { c.call.items[i].Quantity = 1 })
		}
	}
	if dc.call.many && len(dc.call.items) == 1 {
		with(func(c *diffRepro) { c.call.many = false })
	}
	if dc.call.explain != "" {
		with(func(c *diffRepro) { c.call.explain = "" })
	}
	if dc.call.explain == "ExplainVisible" { // the table checks Explain
		with(func(c *diffRepro) { c.call.explain = "Explain" })
	}
	for i := range dc.cat.lists {
		with(func(c *diffRepro) { c.cat.lists = slices.Delete(c.cat.lists, i, i+1) })
	}
	for i := range dc.cat.base {
		with(func(c *diffRepro) { c.cat.base = slices.Delete(c.cat.base, i, i+1) })
	}
	for li, l := range dc.cat.lists {
		for i := range l.prices {
			with(func(c *diffRepro) {
				l := &c.cat.lists[li]
				l.prices = slices.Delete(l.prices, i, i+1)
				l.later = min(l.later, len(l.prices))
			})
		}
	}
	// Queries and lists with fewer features.
	if dc.q.rate != nil {
		with(func(c *diffRepro) { c.q.rate = nil })
	}
	if dc.q.region != "" {
		with(func(c *diffRepro) { c.q.region = "" })
	}
	if !dc.q.at.IsZero() {
		with(func(c *diffRepro) { c.q.at = time.Time{} })
	}
	if dc.q.customer != "" {
		with(func(c *diffRepro) { c.q.customer = "" })
	}
	if len(dc.q.groups) > 0 {
		with(func(c *diffRepro) { c.q.groups = nil })
	}
	if dc.q.channel != "" {
		with(func(c *diffRepro) { c.q.channel = "" })
	}
	if dc.cat.baseLast {
		with(func(c *diffRepro) { c.cat.baseLast = false })
	}
	for i := range dc.q.groups {
		if len(dc.q.groups) > 1 {
			with(func(c *diffRepro) { c.q.groups = slices.Delete(c.q.groups, i, i+1) })
		}
	}
	if dc.q.currency != strings.ToLower(dc.q.currency) {
		with(func(c *diffRepro) { c.q.currency = strings.ToLower(c.q.currency) })
	}
	if strings.ToLower(dc.q.currency) == "eur" {
		// The table's default currency.
		with(func(c *diffRepro) {
			swap := func(p *dPrice) {
				p.currency = map[string]string{"usd": "eur", "eur": "usd"}[p.currency]
				p.inCurrency = p.currency
			}
			for i := range c.cat.base {
				swap(&c.cat.base[i])
			}
			for li := range c.cat.lists {
				for i := range c.cat.lists[li].prices {
					swap(&c.cat.lists[li].prices[i])
				}
			}
			c.q.currency = "usd"
		})
	}
	for li, l := range dc.cat.lists {
		edit := func(ok bool, f func(l *dList)) {
			if ok {
				with(func(c *diffRepro) { f(&c.cat.lists[li]) })
			}
		}
		edit(!l.start.IsZero(), func(l *dList) { l.start = time.Time{} })
		edit(!l.end.IsZero(), func(l *dList) { l.end = time.Time{} })
		edit(len(l.audience) > 0, func(l *dList) { l.audience = nil })
		for i := range l.audience {
			edit(len(l.audience) > 1, func(l *dList) { l.audience = slices.Delete(l.audience, i, i+1) })
		}
		edit(len(l.customers) > 0, func(l *dList) { l.customers = nil })
		for i := range l.customers {
			edit(len(l.customers) > 1, func(l *dList) { l.customers = slices.Delete(l.customers, i, i+1) })
		}
		edit(len(l.channels) > 0, func(l *dList) { l.channels = nil })
		for i := range l.channels {
			edit(len(l.channels) > 1, func(l *dList) { l.channels = slices.Delete(l.channels, i, i+1) })
		}
		edit(l.first != nil, func(l *dList) { l.first = nil })
		edit(l.adj != nil, func(l *dList) { l.adj = nil })
		edit(l.adj != nil && l.adj.Rounding != "", func(l *dList) { l.adj.Rounding = "" })
		edit(l.adj != nil && l.adj.Percent != -10, func(l *dList) { l.adj.Percent = -10 })
		edit(l.later > 0, func(l *dList) { l.later = 0 })
		edit(!l.active, func(l *dList) { l.active = true })
		edit(l.incl, func(l *dList) {
			l.incl = false
			for i := range l.prices {
				l.prices[i].incl = false
			}
		})
	}
	for _, cus := range slices.Sorted(maps.Keys(dc.cat.members)) {
		for i := range dc.cat.members[cus] {
			with(func(c *diffRepro) { c.cat.members[cus] = slices.Delete(c.cat.members[cus], i, i+1) })
		}
	}
	for i := range dc.cat.groups {
		g := dc.cat.groups[i]
		used := slices.Contains(dc.q.groups, g)
		for _, l := range dc.cat.lists {
			used = used || slices.Contains(l.audience, g)
		}
		if !used {
			with(func(c *diffRepro) {
				c.cat.groups = slices.Delete(c.cat.groups, i, i+1)
				for k, gs := range c.cat.members {
					c.cat.members[k] = slices.DeleteFunc(gs, func(x string) bool { return x == g })
				}
			})
		}
	}
	// Prices with fewer features.
	prices := func(c *dCatalog) []*dPrice {
		var ps []*dPrice
		for i := range c.base {
			ps = append(ps, &c.base[i])
		}
		for li := range c.lists {
			for i := range c.lists[li].prices {
				ps = append(ps, &c.lists[li].prices[i])
			}
		}
		return ps
	}
	for i, p := range prices(dc.cat) {
		edit := func(ok bool, f func(p *dPrice)) {
			if ok {
				with(func(c *diffRepro) { f(prices(c.cat)[i]) })
			}
		}
		edit(p.min != 0, func(p *dPrice) { p.min = 0 })
		edit(p.max != 0, func(p *dPrice) { p.max = 0 })
		edit(p.region != "", func(p *dPrice) { p.region = "" })
		edit(p.inCurrency != p.currency, func(p *dPrice) { p.inCurrency = p.currency })
		edit(p.list == "" && p.incl, func(p *dPrice) { p.incl = false })
		edit(!slices.Contains(diffAmounts, p.amount), func(p *dPrice) { p.amount = 1000 })
	}
	return out
}

// fixture prints the case as a case of the resolution table of resolve_test.go, with
// the result the rules give; when the disagreement m is in ValidUntil, the case checks
// it too.
func (dc diffRepro) fixture(m *diffMismatch) string {
	var b strings.Builder
	c := dc.cat
	it := dc.call.items[0]
	ref := refResolve(c, dc.q, it.VariantID, it.Quantity)
	// The item's variant is the table's "shirt", the others keep their names.
	variantName := func(v string) string {
		if v == it.VariantID {
			return "shirt"
		}
		return v
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return "time.Time{}"
		}
		switch d := t.Sub(t0); d {
		case 0:
			return "t0"
		case time.Hour:
			return "t0.Add(time.Hour)"
		case -time.Hour:
			return "t0.Add(-time.Hour)"
		case time.Nanosecond:
			return "t0.Add(time.Nanosecond)"
		case -time.Nanosecond:
			return "t0.Add(-time.Nanosecond)"
		default:
			return fmt.Sprintf("t0.Add(%d)", d)
		}
	}
	pis := func(ps []dPrice, base bool) string {
		var s []string
		for _, p := range ps {
			opts := ""
			if v := variantName(p.variant); v != "shirt" {
				opts += fmt.Sprintf(", variant(%q)", v)
			}
			if p.inCurrency != "usd" {
				opts += fmt.Sprintf(", cur(%q)", p.inCurrency)
			}
			if p.region != "" {
				opts += fmt.Sprintf(", rg(%q)", p.region)
			}
			if p.min != 0 || p.max != 0 {
				opts += fmt.Sprintf(", qty(%d, %d)", p.min, p.max)
			}
			if base && p.incl {
				opts += ", taxIncl"
			}
			s = append(s, fmt.Sprintf("pi(%q, %d%s)", p.id, p.amount, opts))
		}
		return strings.Join(s, ", ")
	}
	b.WriteString("\t{\n\t\tname: \"found by TestResolveDiff\",\n\t\tsetup: func(f *fx) {\n")
	for _, g := range c.groups {
		var members []string
		for _, cus := range slices.Sorted(maps.Keys(c.members)) {
			if slices.Contains(c.members[cus], g) {
				members = append(members, strconv.Quote(cus))
			}
		}
		fmt.Fprintf(&b, "\t\t\tf.group(%s)\n", strings.Join(append([]string{strconv.Quote(g)}, members...), ", "))
	}
	byVariant := map[string][]dPrice{}
	for _, p := range c.base {
		byVariant[p.variant] = append(byVariant[p.variant], p)
	}
	base := func() {
		for _, v := range slices.Sorted(maps.Keys(byVariant)) {
			fmt.Fprintf(&b, "\t\t\tf.base(%s)\n", pis(byVariant[v], true))
		}
	}
	if !c.baseLast {
		base()
	}
	quoted := func(ids []string) string {
		var q []string
		for _, id := range ids {
			q = append(q, strconv.Quote(id))
		}
		return strings.Join(q, ", ")
	}
	for _, l := range c.lists {
		var opts []string
		if !l.active {
			opts = append(opts, "draft")
		}
		if l.incl {
			opts = append(opts, "inclTax")
		}
		if !l.start.IsZero() || !l.end.IsZero() {
			opts = append(opts, fmt.Sprintf("window(%s, %s)", at(l.start), at(l.end)))
		}
		if len(l.audience) > 0 {
			opts = append(opts, fmt.Sprintf("groups(%s)", quoted(l.audience)))
		}
		terms := dTerms{l.customers, l.channels, l.adj}
		if l.first != nil {
			terms = *l.first
		}
		if len(terms.customers) > 0 {
			opts = append(opts, fmt.Sprintf("customers(%s)", quoted(terms.customers)))
		}
		if len(terms.channels) > 0 {
			opts = append(opts, fmt.Sprintf("channels(%s)", quoted(terms.channels)))
		}
		if terms.adj != nil {
			opts = append(opts, fmt.Sprintf("adjust(%s, %s)", goFloat(terms.adj.Percent), goRounding(terms.adj.Rounding)))
		}
		o := ""
		if len(opts) > 0 {
			o = ", " + strings.Join(opts, ", ")
		}
		fmt.Fprintf(&b, "\t\t\tf.%s(%q, ps(%s)%s)\n", l.typ, l.id, pis(l.prices, false), o)
		if l.first != nil {
			upd := l.update("")
			adj := "&pricing.Adjustment{}"
			if a := upd.Adjustment; *a != (pricing.Adjustment{}) {
				adj = fmt.Sprintf("&pricing.Adjustment{Percent: %s, Rounding: %s}", goFloat(a.Percent), goRounding(a.Rounding))
			}
			fmt.Fprintf(&b, "\t\t\tmust1[pricing.PriceList](f.t)(f.svc.UpdatePriceList(f.ctx, %q, pricing.PriceListUpdate{\n"+
				"\t\t\t\tCustomerIDs: &[]string{%s}, ChannelIDs: &[]string{%s}, Adjustment: %s}))\n",
				l.id, quoted(*upd.CustomerIDs), quoted(*upd.ChannelIDs), adj)
		}
	}
	if c.baseLast {
		base()
	}
	// queryFields are the fields of q but CurrencyCode, in Go.
	queryFields := func(q dQuery) []string {
		var qf []string
		if q.region != "" {
			qf = append(qf, fmt.Sprintf("RegionID: %q", q.region))
		}
		if q.customer != "" {
			qf = append(qf, fmt.Sprintf("CustomerID: %q", q.customer))
		}
		if len(q.groups) > 0 {
			qf = append(qf, fmt.Sprintf("CustomerGroupIDs: %#v", q.groups))
		}
		if q.channel != "" {
			qf = append(qf, fmt.Sprintf("ChannelID: %q", q.channel))
		}
		if !q.at.IsZero() {
			qf = append(qf, "At: "+at(q.at))
		}
		if q.rate != nil {
			qf = append(qf, fmt.Sprintf("TaxRate: rate(%s)", goFloat(*q.rate)))
		}
		return qf
	}
	if steps := diffSteps(dc.q); len(steps) > 1 {
		qf := append([]string{fmt.Sprintf("CurrencyCode: %q", dc.q.currency)}, queryFields(steps[0])...)
		fmt.Fprintf(&b, "\t\t\t// TestResolveDiff resolves for the customer alone first, with the same resolvers.\n"+
			"\t\t\t_, _ = f.svc.Resolve(f.ctx, pricing.Query{%s}, \"shirt\", %d)\n", strings.Join(qf, ", "), it.Quantity)
	}
	fmt.Fprintf(&b, "\t\t},\n")
	qf := queryFields(dc.q)
	if dc.q.currency != "usd" {
		qf = append([]string{fmt.Sprintf("CurrencyCode: %q", dc.q.currency)}, qf...)
	}
	if len(qf) > 0 {
		fmt.Fprintf(&b, "\t\tquery: pricing.Query{%s},\n", strings.Join(qf, ", "))
	}
	fmt.Fprintf(&b, "\t\tqty:   %d,\n", it.Quantity)
	if ref.invalid {
		fmt.Fprintf(&b, "\t\t// want: ErrInvalid for TaxRate (a case for the table of invalid_test.go)\n\t},\n")
		return b.String()
	}
	w := []string{fmt.Sprintf("found: %v", ref.calc != nil)}
	if ref.calc != nil {
		w = append(w, fmt.Sprintf("amount: %d, typ: %q", ref.calc.p.amount, ref.calc.typ))
	}
	if ref.ref != nil {
		w = append(w, fmt.Sprintf("hasOrig: true, orig: %d", ref.ref.p.amount))
	}
	if ref.calc != nil {
		w = append(w, fmt.Sprintf("id: %q", ref.calc.p.id))
	}
	if ref.ref != nil {
		w = append(w, fmt.Sprintf("origID: %q", ref.ref.p.id))
	}
	var oc []string
	for _, rc := range ref.cands {
		oc = append(oc, fmt.Sprintf("%q: %s", rc.p.id, outcomeName(rc.outcome)))
	}
	extra := ""
	if strings.HasSuffix(m.field, "ValidUntil") {
		extra = fmt.Sprintf(",\n\t\t\textra: func(t *testing.T, r pricing.Resolution) {\n"+
			"\t\t\t\tif want := (%s); !r.ValidUntil.Equal(want) {\n"+
			"\t\t\t\t\tt.Errorf(\"ValidUntil = %%v, want %%v\", r.ValidUntil, want)\n\t\t\t\t}\n\t\t\t}", at(ref.validUntil))
	}
	fmt.Fprintf(&b, "\t\twant: want{%s,\n\t\t\toutcomes: oc{%s}%s},\n\t},\n", strings.Join(w, ", "), strings.Join(oc, ", "), extra)
	switch {
	case dc.call.many:
		fmt.Fprintf(&b, "\t// (the disagreement is in %v)\n", dc.call)
	case dc.call.explain == "ExplainVisible":
		var ids []string
		for _, rc := range ref.cands {
			if rc.visible {
				ids = append(ids, rc.p.id)
			}
		}
		fmt.Fprintf(&b, "\t// (the disagreement is in Resolve with ExplainVisible, which lists %q: a case for TestExplainVisible)\n", ids)
	}
	return b.String()
}

// goRounding returns Go source for r.
func goRounding(r pricing.Rounding) string {
	if name, ok := map[pricing.Rounding]string{
		pricing.RoundHalfUp: "RoundHalfUp", pricing.RoundDown: "RoundDown", pricing.RoundUp: "RoundUp",
	}[r]; ok {
		return "pricing." + name
	}
	return strconv.Quote(string(r))
}

// goFloat returns Go source for f (a constant -0 is +0 in Go).
func goFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "math.NaN()"
	case math.IsInf(f, 1):
		return "math.Inf(1)"
	case math.IsInf(f, -1):
		return "math.Inf(-1)"
	case f == 0 && math.Signbit(f):
		return "math.Copysign(0, -1)"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func outcomeName(o pricing.Outcome) string {
	switch o {
	case pricing.Calculated:
		return "calc"
	case pricing.Original:
		return "origOut"
	case pricing.HigherThanWinner:
		return "higher"
	case pricing.ShadowedByRegion:
		return "shadowed"
	}
	for name, v := range map[string]pricing.Outcome{
		"WrongCurrency": pricing.WrongCurrency, "WrongRegion": pricing.WrongRegion, "WrongQuantity": pricing.WrongQuantity,
		"DraftList": pricing.DraftList, "NotStarted": pricing.NotStarted, "Ended": pricing.Ended,
		"NotInAudience": pricing.NotInAudience, "WrongChannel": pricing.WrongChannel, "Overridden": pricing.Overridden,
		"SaleNotLower": pricing.SaleNotLower, "TaxNotComparable": pricing.TaxNotComparable,
	} {
		if v == o {
			return "pricing." + name
		}
	}
	return strconv.Quote(string(o))
}

// The reference agrees with every case of the resolution table: it reads the rules as
// the table does.
func TestResolveDiffReferenceMatchesTable(t *testing.T) {
	t.Parallel()
	for _, tc := range resolveCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, st := newService(t)
			tc.setup(&fx{t: t, ctx: context.Background(), svc: svc})
			c := catalogOf(dumpStore(t, st))
			q := dQuery{currency: tc.query.CurrencyCode, region: tc.query.RegionID, customer: tc.query.CustomerID,
				groups: tc.query.CustomerGroupIDs, channel: tc.query.ChannelID, at: tc.query.At, rate: tc.query.TaxRate}
			if q.currency == "" {
				q.currency = "usd"
			}
			v := tc.variant
			if v == "" {
				v = "shirt"
			}
			ref := refResolve(c, q, v, tc.qty)
			w := tc.want
			got := want{found: ref.calc != nil}
			if ref.calc != nil {
				got.amount, got.typ, got.id = ref.calc.p.amount, ref.calc.typ, ref.calc.p.id
			}
			if ref.ref != nil {
				got.hasOrig, got.orig, got.origID = true, ref.ref.p.amount, ref.ref.p.id
			}
			if w.id == "" {
				got.id = ""
			}
			if w.origID == "" {
				got.origID = ""
			}
			if w.outcomes != nil {
				got.outcomes = oc{}
				for _, rc := range ref.cands {
					got.outcomes[rc.p.id] = rc.outcome
				}
			}
			w.extra = nil // checks the table makes on the Service's answer
			if !reflect.DeepEqual(got, w) {
				t.Errorf("the reference gives %+v\nthe table wants   %+v", got, w)
			}
		})
	}
}

// catalogOf returns the model of a store's content (IDs as they are).
func catalogOf(d dump) *dCatalog {
	c := &dCatalog{members: map[string][]string{}}
	for _, g := range d.Groups {
		c.groups = append(c.groups, g.ID)
		for _, cus := range d.Members[g.ID] {
			c.members[cus] = append(c.members[cus], g.ID)
		}
	}
	lists := map[string]int{}
	for _, pl := range d.Lists {
		lists[pl.ID] = len(c.lists)
		c.lists = append(c.lists, dList{id: pl.ID, typ: pl.Type, active: pl.Status == pricing.Active,
			start: pl.StartsAt, end: pl.EndsAt, audience: pl.CustomerGroupIDs, customers: pl.CustomerIDs,
			channels: pl.ChannelIDs, adj: pl.Adjustment, incl: pl.IncludesTax})
	}
	for _, p := range d.Prices {
		dp := dPrice{id: p.ID, list: p.PriceListID, variant: p.VariantID, currency: p.CurrencyCode, inCurrency: p.CurrencyCode,
			region: p.RegionID, amount: p.Amount, min: p.MinQuantity, max: p.MaxQuantity, incl: p.IncludesTax}
		if p.PriceListID == "" {
			c.base = append(c.base, dp)
		} else {
			l := &c.lists[lists[p.PriceListID]]
			l.prices = append(l.prices, dp)
		}
	}
	return c
}
