package pricing_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
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
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/memory"
)

// TestResolveDiff is a differential test of the resolver: random catalogs, built through
// the Service on every store of diffStores, are resolved with Resolve, Resolve with
// Explain and ResolveMany, and every answer is compared with refResolve, a brute-force
// reference written from the rules of doc.go's "Resolution" section (and SEMANTICS.md),
// not from resolve.go. The catalogs are small and their values few (amounts, quantity
// bounds, window bounds around the instant, regions, IDs), so that ties, boundaries and
// mixed tax bases are common.
//
// A disagreement is shrunk to a minimal catalog and printed as a fixture for the
// resolution table of resolve_test.go.
//
//	go test -run TestResolveDiff                  # the default: a few seconds
//	go test -run TestResolveDiff -diff.n=100000   # more catalogs per store
//	go test -run TestResolveDiff -diff.seed=S -diff.case=I   # one failing catalog again
//	go test -run TestResolveDiff -diff.skip=all   # tolerate the known bug classes
var (
	diffN    = flag.Int("diff.n", 0, "TestResolveDiff: random catalogs per store (0: the default, a few seconds' worth)")
	diffSeed = flag.Uint64("diff.seed", 0, "TestResolveDiff: seed (0: a random one, printed on failure)")
	diffCase = flag.Int("diff.case", -1, "TestResolveDiff: run only the catalog of this index (with -diff.seed)")
	diffSkip = flag.String("diff.skip", "", "TestResolveDiff: comma-separated bug classes to tolerate, for sanity checks "+
		"while they are open: sale-tie, tax-raise, rate-range, or all")
)

// diffDefaultCatalogs is how many catalogs each store gets by default; with about 70
// resolutions a catalog, that is over 20,000 resolutions a store.
const diffDefaultCatalogs = 320

// diffRecycle is how many catalogs a worker builds in one store, each under its own
// ID prefix, before it starts over with a new store.
const diffRecycle = 64

// diffStores are the stores the differential test runs on; open returns an empty store
// whose files, if any, are in dir. Another store is one more line.
var diffStores = []struct {
	name string
	open func(dir string) (pricing.Store, error)
}{
	{"memory", func(string) (pricing.Store, error) { return memory.New(), nil }},
	{"bolt", func(dir string) (pricing.Store, error) {
		return bolt.Open(filepath.Join(dir, "pricing.db"), &bolt.Options{NoSync: true})
	}},
}

// The model: a catalog as the test generated it, with IDs without their prefix.

type dCatalog struct {
	groups  []string
	members map[string][]string // customer → groups
	base    []dPrice            // the base prices of every variant
	lists   []dList
}

type dList struct {
	id         string
	typ        pricing.PriceListType
	active     bool
	start, end time.Time
	audience   []string
	incl       bool
	prices     []dPrice
	// later is how many of prices (the last ones) are added with AddPrices after the
	// list is created.
	later int
}

type dPrice struct {
	id, list, variant string
	currency          string // lower-case
	inCurrency        string // as the input spells it
	region            string
	amount, min, max  int64
	incl              bool
}

// dQuery is a query of the model.
type dQuery struct {
	currency string // any case
	region   string
	customer string // "" anonymous
	groups   []string
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
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// genCatalog returns a random catalog.
func genCatalog(r *rand.Rand) *dCatalog {
	c := &dCatalog{members: map[string][]string{}}
	variants := []string{"v1", "v2", "v3"}[:1+r.IntN(3)]
	for i := range 1 + r.IntN(3) {
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
	// sometimes of different lengths ("p7" > "p10").
	format := "p%02d"
	if r.IntN(5) == 0 {
		format = "p%d"
	}
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
	for i := range r.IntN(7) {
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
		for range r.IntN(9) {
			if p := price(l.id, l.incl); unique(p) {
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
	if r.IntN(4) == 0 {
		for _, g := range c.groups {
			if r.IntN(3) == 0 {
				q.groups = append(q.groups, g)
			}
		}
		if r.IntN(4) == 0 {
			q.groups = append(q.groups, "g_unknown")
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
	byVariant := map[string][]pricing.PriceInput{}
	for _, p := range c.base {
		byVariant[p.variant] = append(byVariant[p.variant], p.input(ns))
	}
	for _, v := range slices.Sorted(maps.Keys(byVariant)) {
		if _, err := svc.SetBasePrices(ctx, ns+v, byVariant[v]); err != nil {
			return err
		}
	}
	for _, l := range c.lists {
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
		if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{
			ID: ns + l.id, Name: ns + l.id, Type: l.typ, Status: status, StartsAt: l.start, EndsAt: l.end,
			CustomerGroupIDs: prefixed(ns, l.audience), IncludesTax: l.incl, Prices: now,
		}); err != nil {
			return err
		}
		if len(later) > 0 {
			if _, err := svc.AddPrices(ctx, ns+l.id, later, false); err != nil {
				return err
			}
		}
	}
	return nil
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

// price is the Price the store must hold for p.
func (p dPrice) price(ns string) pricing.Price {
	list := ""
	if p.list != "" {
		list = ns + p.list
	}
	return pricing.Price{
		ID: ns + p.id, PriceListID: list, VariantID: ns + p.variant, CurrencyCode: p.currency, RegionID: p.region,
		Amount: p.amount, MinQuantity: p.min, MaxQuantity: p.max, IncludesTax: p.incl,
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
	return fmt.Sprintf("{currency %q, region %q, customer %q, groups %q, at %s, rate %s}", q.currency, q.region, q.customer, q.groups, at, rate)
}

func (q dQuery) query(ns string, explain bool) pricing.Query {
	pq := pricing.Query{
		CurrencyCode: q.currency, RegionID: q.region, CustomerGroupIDs: prefixed(ns, q.groups),
		At: q.at, TaxRate: q.rate, Explain: explain,
	}
	if q.customer != "" {
		pq.CustomerID = ns + q.customer
	}
	return pq
}

func (c *dCatalog) clone() *dCatalog {
	d := &dCatalog{groups: slices.Clone(c.groups), members: map[string][]string{}, base: slices.Clone(c.base)}
	for k, v := range c.members {
		d.members[k] = slices.Clone(v)
	}
	for _, l := range c.lists {
		l.audience = slices.Clone(l.audience)
		l.prices = slices.Clone(l.prices)
		d.lists = append(d.lists, l)
	}
	return d
}

// The reference resolver, from the rules of doc.go.

// diffBugs selects known bugs of the resolver that refResolve reproduces instead of the
// rule, so that TestResolveDiff can tell them from other disagreements (and, with
// -diff.skip, tolerate them). The zero value is the rules: the default run tolerates
// nothing. A disagreement's class names the smallest set of them that explains it
// whole (every field and the explanation), or is "unexplained".
//
//   - sale-tie: whether a sale applies is decided with the tie-break order, so a sale
//     equal to the reference applies when it comes first (rule 3 compares amounts only).
//   - tax-raise: a tax-exclusive amount is raised even against one of the same basis,
//     saturates at MaxInt64 (a false tie), and is raised in float64 when the rate's
//     shortest decimal has more than 18 digits or does not parse ("-0"), where
//     MaxInt64 overflows to MinInt64.
//   - rate-range: a rate above 10 is accepted.
type diffBugs struct {
	saleTie   bool // "sale-tie": a sale equal to the reference applies when it comes first in the tie-break order
	taxRaise  bool // "tax-raise": raised amounts saturate at MaxInt64, rates of more than 18 digits are raised in float64
	rateRange bool // "rate-range": rates above 10 are accepted
}

func (b diffBugs) String() string {
	var s []string
	if b.saleTie {
		s = append(s, "sale-tie")
	}
	if b.taxRaise {
		s = append(s, "tax-raise")
	}
	if b.rateRange {
		s = append(s, "rate-range")
	}
	return strings.Join(s, "+")
}

func (b diffBugs) any() bool { return b != diffBugs{} }

// within reports whether every bug of b is in c.
func (b diffBugs) within(c diffBugs) bool {
	return (!b.saleTie || c.saleTie) && (!b.taxRaise || c.taxRaise) && (!b.rateRange || c.rateRange)
}

func parseDiffBugs(s string) (diffBugs, error) {
	var b diffBugs
	for _, f := range strings.Split(s, ",") {
		switch strings.TrimSpace(f) {
		case "":
		case "sale-tie":
			b.saleTie = true
		case "tax-raise":
			b.taxRaise = true
		case "rate-range":
			b.rateRange = true
		case "all":
			b = diffBugs{true, true, true}
		default:
			return b, fmt.Errorf("-diff.skip: unknown bug class %q", f)
		}
	}
	return b, nil
}

// refCand is a price under consideration by refResolve.
type refCand struct {
	p       *dPrice
	typ     string
	start   time.Time // of its list; zero for a base price
	outcome pricing.Outcome
	elig    bool
	raised  *big.Int // with a rate, the amount raised by it (for an exclusive price)
	bugKey  int64    // with bugs.taxRaise, the amount the buggy resolver compares
}

type refResult struct {
	invalid   bool // the query is invalid (its tax rate)
	calc, ref *refCand
	cands     []refCand // every price of the variant, in ascending ID order
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

// bugRaise is the known bug "tax-raise": the raised amount as the resolver computes it
// before the fix, saturated at MaxInt64, in float64 for a rate of more than 18 digits.
func bugRaise(amount int64, rate float64) int64 {
	whole, frac, _ := strings.Cut(strconv.FormatFloat(rate, 'f', -1, 64), ".")
	n, err := strconv.ParseUint(whole+frac, 10, 64)
	if len(whole)+len(frac) > 18 || err != nil {
		return int64(math.Round(float64(amount) * (1 + rate)))
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	v := new(big.Int).Add(den, new(big.Int).SetUint64(n))
	v.Mul(v, big.NewInt(amount))
	v.Add(v, new(big.Int).Rsh(den, 1))
	v.Quo(v, den)
	if !v.IsInt64() {
		return math.MaxInt64
	}
	return v.Int64()
}

// refResolve resolves one item of the catalog by the rules.
func refResolve(c *dCatalog, q dQuery, variant string, qty int64, bugs diffBugs) refResult {
	var res refResult
	if q.rate != nil {
		r := *q.rate
		if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 || r > 10 && !bugs.rateRange {
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

	// Eligibility, and the reason of every price that is not eligible.
	add := func(p *dPrice, l *dList) {
		rc := refCand{p: p, typ: pricing.TypeDefault}
		if l != nil {
			rc.typ, rc.start = string(l.typ), l.start
		}
		switch {
		case p.currency != currency:
			rc.outcome = pricing.WrongCurrency
		case p.region != "" && p.region != q.region:
			rc.outcome = pricing.WrongRegion
		case p.min != 0 && qty < p.min, p.max != 0 && qty > p.max:
			rc.outcome = pricing.WrongQuantity
		case l == nil:
			rc.elig = true
		case !l.active:
			rc.outcome = pricing.DraftList
		case !l.start.IsZero() && at.Before(l.start):
			rc.outcome = pricing.NotStarted
		case !l.end.IsZero() && !at.Before(l.end):
			rc.outcome = pricing.Ended
		case len(l.audience) > 0 && !slices.ContainsFunc(l.audience, func(g string) bool { return slices.Contains(groups, g) }):
			rc.outcome = pricing.NotInAudience
		default:
			rc.elig = true
		}
		if rc.elig && rate != nil && !p.incl {
			rc.raised = refRaise(p.amount, rate)
		}
		if rc.elig && bugs.taxRaise {
			rc.bugKey = p.amount
			if q.rate != nil && !p.incl {
				rc.bugKey = bugRaise(p.amount, *q.rate)
			}
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
		case bugs.taxRaise:
			return compareInt64(a.bugKey, b.bugKey)
		case rate == nil || a.p.incl == b.p.incl:
			return compareInt64(a.p.amount, b.p.amount)
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
	if sale != nil && ref != nil {
		lower := func(s *refCand) bool { return amountCmp(s, ref) < 0 }
		if bugs.saleTie {
			lower = func(s *refCand) bool { return order(s, ref) < 0 }
		}
		if !lower(sale) {
			for _, s := range sales {
				if !lower(s) {
					s.outcome, s.elig = pricing.SaleNotLower, false
				}
			}
			sale = nil
		}
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

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// resolution is the Resolution the result stands for, without its explanation.
func (r refResult) resolution(ns, variant string, qty int64) pricing.Resolution {
	res := pricing.Resolution{VariantID: ns + variant, Quantity: max(qty, 1)}
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

func (r refResult) explanation(ns string) []pricing.Candidate {
	out := make([]pricing.Candidate, len(r.cands))
	for i, rc := range r.cands {
		out[i] = pricing.Candidate{Price: rc.p.price(ns), Type: rc.typ, Outcome: rc.outcome}
	}
	return out
}

// Comparing the Service with the reference.

// diffCall is one call to check: Resolve, Resolve with Explain, or ResolveMany.
type diffCall struct {
	kind  string // "Resolve", "Explain" or "ResolveMany"
	items []pricing.Item
}

// diffMismatch is a disagreement between the Service and the reference.
type diffMismatch struct {
	field     string // the first field that differs: its name, with the item's index
	got, want string
	// bugs is the smallest set of known bugs that explains the disagreement; zero when
	// none does.
	bugs diffBugs
}

func (m *diffMismatch) class() string {
	if m.bugs.any() {
		return m.bugs.String()
	}
	return "unexplained"
}

// diffResolutionFields are the fields compared, in order.
var diffResolutionFields = []string{
	"Found", "CalculatedAmount", "CalculatedPrice", "CalculatedType", "CalculatedIncludesTax",
	"HasOriginal", "OriginalAmount", "OriginalPrice", "OriginalType", "OriginalIncludesTax",
	"VariantID", "Quantity",
}

// compareResolution returns the first field where got and want differ; "" when none.
func compareResolution(got, want pricing.Resolution, fields []string) (field, g, w string) {
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for _, f := range fields {
		a, b := gv.FieldByName(f).Interface(), wv.FieldByName(f).Interface()
		if !reflect.DeepEqual(a, b) {
			return f, fmt.Sprintf("%+v", a), fmt.Sprintf("%+v", b)
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
		case got[i] != want[i]:
			return fmt.Sprintf("Explanation[%s]", want[i].Price.ID), fmt.Sprintf("%+v", got[i]), fmt.Sprintf("%+v", want[i])
		}
	}
	return "", "", ""
}

// run makes the call on svc and compares its answer with refResolve under bugs; it
// returns the first difference, and how many resolutions it checked.
func (call diffCall) run(ctx context.Context, svc *pricing.Service, c *dCatalog, ns string, q dQuery, bugs diffBugs) (*diffMismatch, int) {
	mismatch := func(field, got, want string) (*diffMismatch, int) {
		return &diffMismatch{field: field, got: got, want: want}, 0
	}
	var refs []refResult
	for _, it := range call.items {
		refs = append(refs, refResolve(c, q, it.VariantID, it.Quantity, bugs))
	}
	if refs[0].invalid {
		var err error
		switch call.kind {
		case "ResolveMany":
			_, err = svc.ResolveMany(ctx, q.query(ns, false), prefixedItems(ns, call.items))
		default:
			_, err = svc.Resolve(ctx, q.query(ns, call.kind == "Explain"), ns+call.items[0].VariantID, call.items[0].Quantity)
		}
		if !errors.Is(err, pricing.ErrInvalid) || !slices.Contains(fieldsOf(err), "TaxRate") {
			return mismatch("error", fmt.Sprint(err), "ErrInvalid for TaxRate")
		}
		return nil, 0
	}
	switch call.kind {
	case "Resolve", "Explain":
		it := call.items[0]
		got, err := svc.Resolve(ctx, q.query(ns, call.kind == "Explain"), ns+it.VariantID, it.Quantity)
		want := refs[0].resolution(ns, it.VariantID, it.Quantity)
		fields := diffResolutionFields
		if !want.Found {
			if !errors.Is(err, pricing.ErrNoPrice) {
				return mismatch("error", fmt.Sprint(err), "ErrNoPrice")
			}
			fields = fields[:len(fields)-2] // no promise on VariantID and Quantity
		} else if err != nil {
			return mismatch("error", err.Error(), "nil")
		}
		if f, g, w := compareResolution(got, want, fields); f != "" {
			return mismatch(f, g, w)
		}
		if call.kind == "Resolve" {
			if got.Explanation != nil {
				return mismatch("Explanation", fmt.Sprintf("%+v", got.Explanation), "nil without Explain")
			}
		} else if f, g, w := compareExplanation(got.Explanation, refs[0].explanation(ns)); f != "" {
			return mismatch(f, g, w)
		}
		return nil, 1
	default:
		got, err := svc.ResolveMany(ctx, q.query(ns, false), prefixedItems(ns, call.items))
		if err != nil {
			return mismatch("error", err.Error(), "nil")
		}
		if len(got) != len(call.items) {
			return mismatch("len", strconv.Itoa(len(got)), strconv.Itoa(len(call.items)))
		}
		for i, it := range call.items {
			want := refs[i].resolution(ns, it.VariantID, it.Quantity)
			if f, g, w := compareResolution(got[i], want, append(diffResolutionFields, "Explanation")); f != "" {
				return mismatch(fmt.Sprintf("[%d].%s", i, f), g, w)
			}
		}
		return nil, len(call.items)
	}
}

// check runs the call against the rules; on a disagreement it finds the known bugs that
// explain it, if any.
func (call diffCall) check(ctx context.Context, svc *pricing.Service, c *dCatalog, ns string, q dQuery) (*diffMismatch, int) {
	m, n := call.run(ctx, svc, c, ns, q, diffBugs{})
	if m == nil {
		return nil, n
	}
	for _, b := range diffBugSets {
		if m2, _ := call.run(ctx, svc, c, ns, q, b); m2 == nil {
			m.bugs = b
			break
		}
	}
	return m, n
}

// diffBugSets are the non-empty sets of known bugs, smallest first.
var diffBugSets = []diffBugs{
	{saleTie: true}, {taxRaise: true}, {rateRange: true},
	{saleTie: true, taxRaise: true}, {saleTie: true, rateRange: true}, {taxRaise: true, rateRange: true},
	{true, true, true},
}

func prefixedItems(ns string, items []pricing.Item) []pricing.Item {
	out := make([]pricing.Item, len(items))
	for i, it := range items {
		out[i] = pricing.Item{VariantID: ns + it.VariantID, Quantity: it.Quantity}
	}
	return out
}

// diffCalls returns the calls to check on a catalog for one query: Resolve and Resolve
// with Explain of every variant (and of one without prices), and one ResolveMany.
func diffCalls(r *rand.Rand) []diffCall {
	variants := []string{"v1", "v2", "v3", "ghost"}
	var calls []diffCall
	for _, v := range variants {
		it := []pricing.Item{{VariantID: v, Quantity: r.Int64N(5)}}
		calls = append(calls, diffCall{"Resolve", it}, diffCall{"Explain", it})
	}
	var items []pricing.Item
	for range 1 + r.IntN(6) {
		items = append(items, pricing.Item{VariantID: pick(r, variants), Quantity: r.Int64N(5)})
	}
	return append(calls, diffCall{"ResolveMany", items})
}

// diffQueriesPerCatalog is how many queries each catalog is resolved for.
const diffQueriesPerCatalog = 6

// diffState is the shared state of one store's run.
type diffState struct {
	t        *testing.T
	store    int
	seed     uint64
	skip     diffBugs
	checked  atomic.Int64
	known    atomic.Int64
	failures atomic.Int64
	stop     atomic.Bool
	mu       sync.Mutex
	reported map[string]int  // class → disagreements seen
	covered  map[string]bool // the situations the catalogs reached (diffSituations)
}

// diffSituations are what the default run must reach, so that a change to the generator
// cannot quietly make the test weaker: every outcome, every type, no price, a sale with no
// original, a sale that ties with its reference, mixed tax bases compared with a rate, a
// raised amount beyond int64, and an invalid rate.
var diffSituations = []string{
	"calculated", "original", "currency", "region", "quantity", "draft list", "not yet started", "ended",
	"customer not in the audience", "shadowed by a region price", "higher than the winner",
	"replaced by an override", "sale not lower than the reference", "tax basis not comparable",
	"type default", "type sale", "type override", "no price", "sale without original",
	"sale tied with the reference", "mixed bases with a rate", "raised beyond int64", "invalid rate",
}

// cover records the situations of an item's resolution.
func (s *diffState) cover(c *dCatalog, q dQuery, it pricing.Item) {
	ref := refResolve(c, q, it.VariantID, it.Quantity, diffBugs{})
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
	skip, err := parseDiffBugs(*diffSkip)
	if err != nil {
		t.Fatal(err)
	}
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
	for si, st := range diffStores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			s := &diffState{t: t, store: si, seed: seed, skip: skip, reported: map[string]int{}, covered: map[string]bool{}}
			start := time.Now()
			workers := max(1, min(runtime.GOMAXPROCS(0), last-first))
			var wg sync.WaitGroup
			for w := range workers {
				dir := t.TempDir()
				wg.Go(func() { s.worker(dir, first+w, last, workers) })
			}
			wg.Wait()
			t.Logf("seed %d: %d catalogs, %d resolutions checked in %v; %d disagreements tolerated (-diff.skip=%s)",
				seed, last-first, s.checked.Load(), time.Since(start).Round(time.Millisecond), s.known.Load(), *diffSkip)
			if last-first >= diffDefaultCatalogs {
				for _, k := range diffSituations {
					if !s.covered[k] {
						t.Errorf("no catalog reached the situation %q: the generator lost some of its reach", k)
					}
				}
			}
			if f := s.failures.Load(); f > 0 {
				t.Errorf("seed %d: %d disagreements with the rules by class %v; rerun with -diff.seed=%d", seed, f, s.reported, seed)
			}
		})
	}
}

// worker checks the catalogs first, first+step, ... below last, in stores it recycles.
func (s *diffState) worker(dir string, first, last, step int) {
	ctx := context.Background()
	var (
		store pricing.Store
		sub   string // its directory
		svc   *pricing.Service
		built int
	)
	closeStore := func() {
		if store != nil {
			if err := store.Close(); err != nil {
				s.t.Error(err)
			}
			if err := os.RemoveAll(sub); err != nil {
				s.t.Error(err)
			}
			store = nil
		}
	}
	defer closeStore()
	for i := first; i < last && !s.stop.Load(); i += step {
		if store == nil || built == diffRecycle {
			closeStore()
			sub = filepath.Join(dir, strconv.Itoa(i))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				s.t.Error(err)
				return
			}
			var err error
			if store, err = diffStores[s.store].open(sub); err != nil {
				s.t.Error(err)
				return
			}
			svc = pricing.New(store, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("gen")))
			built = 0
		}
		built++
		r := rand.New(rand.NewPCG(s.seed, uint64(i)))
		c := genCatalog(r)
		ns := fmt.Sprintf("c%d.", i)
		if err := c.build(ctx, svc, ns); err != nil {
			s.t.Errorf("catalog %d: build: %v", i, err)
			s.stop.Store(true)
			return
		}
		for range diffQueriesPerCatalog {
			q := genQuery(r, c)
			for _, call := range diffCalls(r) {
				if call.kind == "Explain" {
					s.cover(c, q, call.items[0])
				}
				m, n := call.check(ctx, svc, c, ns, q)
				s.checked.Add(int64(n))
				if m != nil {
					s.disagreement(i, c, q, call, m)
				}
			}
		}
	}
}

// disagreement records m; the first of its class is shrunk and reported.
func (s *diffState) disagreement(i int, c *dCatalog, q dQuery, call diffCall, m *diffMismatch) {
	if m.bugs.any() && m.bugs.within(s.skip) {
		s.known.Add(1)
		return
	}
	s.failures.Add(1)
	class := m.class()
	s.mu.Lock()
	s.reported[class]++
	firstOfClass := s.reported[class] == 1
	s.mu.Unlock()
	if !firstOfClass {
		return
	}
	dc := diffRepro{cat: c, q: q, call: call}
	small, sm := dc.shrink(s.store, class)
	s.t.Errorf("%s disagrees with the rules (class %s; -diff.seed=%d -diff.case=%d): %s of %v for %v:\n"+
		"  %s: got  %s\n  %s: want %s\nminimized, %s of %v for %v:\n  %s: got  %s\n  %s: want %s\n%s",
		diffStores[s.store].name, class, s.seed, i, call.kind, call.items, q, m.field, m.got, m.field, m.want,
		small.call.kind, small.call.items, small.q, sm.field, sm.got, sm.field, sm.want, small.fixture("diff: "+class))
}

// Shrinking.

// diffRepro is a call on a catalog, to shrink.
type diffRepro struct {
	cat  *dCatalog
	q    dQuery
	call diffCall
}

// fails builds the case in a new store and returns its disagreement if it is of class.
func (dc diffRepro) fails(store int, class string) *diffMismatch {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "resolve-diff-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	st, err := diffStores[store].open(dir)
	if err != nil {
		panic(err)
	}
	defer st.Close()
	svc := pricing.New(st, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("gen")))
	if err := dc.cat.build(ctx, svc, ""); err != nil {
		return nil // a shrink step that makes the catalog invalid
	}
	if m, _ := dc.call.check(ctx, svc, dc.cat, "", dc.q); m != nil && m.class() == class {
		return m
	}
	return nil
}

// shrink returns a smaller case that still fails with a disagreement of the class.
func (dc diffRepro) shrink(store int, class string) (diffRepro, *diffMismatch) {
	m := dc.fails(store, class)
	if m == nil {
		// Not reproducible alone (it would depend on the store's other catalogs).
		return dc, &diffMismatch{field: "(not reproduced in a fresh store)"}
	}
	for improved := true; improved; {
		improved = false
		for _, next := range dc.smaller() {
			if m2 := next.fails(store, class); m2 != nil {
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
	if dc.call.kind == "ResolveMany" && len(dc.call.items) == 1 {
		with(func(c *diffRepro) { c.call.kind = "Resolve" })
	}
	if dc.call.kind == "Explain" {
		with(func(c *diffRepro) { c.call.kind = "Resolve" })
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
		edit(l.later > 0, func(l *dList) { l.later = 0 })
		edit(!l.active, func(l *dList) { l.active = true })
		edit(l.incl, func(l *dList) {
			l.incl = false
			for i := range l.prices {
				l.prices[i].incl = false
			}
		})
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
	}
	return out
}

// fixture prints the case as a case of the resolution table of resolve_test.go, with
// the result the rules give.
func (dc diffRepro) fixture(name string) string {
	var b strings.Builder
	c := dc.cat
	it := dc.call.items[0]
	ref := refResolve(c, dc.q, it.VariantID, it.Quantity, diffBugs{})
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
	fmt.Fprintf(&b, "\t{\n\t\tname: %q,\n\t\tsetup: func(f *fx) {\n", name)
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
	for _, v := range slices.Sorted(maps.Keys(byVariant)) {
		fmt.Fprintf(&b, "\t\t\tf.base(%s)\n", pis(byVariant[v], true))
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
			var gs []string
			for _, g := range l.audience {
				gs = append(gs, strconv.Quote(g))
			}
			opts = append(opts, fmt.Sprintf("groups(%s)", strings.Join(gs, ", ")))
		}
		o := ""
		if len(opts) > 0 {
			o = ", " + strings.Join(opts, ", ")
		}
		fmt.Fprintf(&b, "\t\t\tf.%s(%q, ps(%s)%s)\n", l.typ, l.id, pis(l.prices, false), o)
	}
	fmt.Fprintf(&b, "\t\t},\n")
	var qf []string
	if dc.q.currency != "usd" {
		qf = append(qf, fmt.Sprintf("CurrencyCode: %q", dc.q.currency))
	}
	if dc.q.region != "" {
		qf = append(qf, fmt.Sprintf("RegionID: %q", dc.q.region))
	}
	if dc.q.customer != "" {
		qf = append(qf, fmt.Sprintf("CustomerID: %q", dc.q.customer))
	}
	if len(dc.q.groups) > 0 {
		qf = append(qf, fmt.Sprintf("CustomerGroupIDs: %#v", dc.q.groups))
	}
	if !dc.q.at.IsZero() {
		qf = append(qf, "At: "+at(dc.q.at))
	}
	if dc.q.rate != nil {
		qf = append(qf, fmt.Sprintf("TaxRate: rate(%s)", goFloat(*dc.q.rate)))
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
	fmt.Fprintf(&b, "\t\twant: want{%s,\n\t\t\toutcomes: oc{%s}},\n\t},\n", strings.Join(w, ", "), strings.Join(oc, ", "))
	if dc.call.kind == "ResolveMany" {
		fmt.Fprintf(&b, "\t// (the disagreement is in ResolveMany of %v)\n", dc.call.items)
	}
	return b.String()
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
		"NotInAudience": pricing.NotInAudience, "Overridden": pricing.Overridden, "SaleNotLower": pricing.SaleNotLower,
		"TaxNotComparable": pricing.TaxNotComparable,
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
				groups: tc.query.CustomerGroupIDs, at: tc.query.At, rate: tc.query.TaxRate}
			if q.currency == "" {
				q.currency = "usd"
			}
			v := tc.variant
			if v == "" {
				v = "shirt"
			}
			ref := refResolve(c, q, v, tc.qty, diffBugs{})
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
			start: pl.StartsAt, end: pl.EndsAt, audience: pl.CustomerGroupIDs, incl: pl.IncludesTax})
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
