package pricing

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Query says for whom, where and when prices are resolved.
type Query struct {
	// CurrencyCode is required; any case.
	CurrencyCode string
	// RegionID, when set, lets the region's prices apply and shadow currency-wide ones.
	RegionID string
	// CustomerID, when set, brings in the groups the customer belongs to.
	CustomerID string
	// CustomerGroupIDs are groups to resolve for in addition to the customer's own.
	CustomerGroupIDs []string
	// At is the instant at which list windows are evaluated. Zero: the service's now.
	At time.Time
	// TaxRate, when set, is the tax rate of the query (0.2 for 20%). It lets tax-inclusive
	// and tax-exclusive amounts be compared. Nil: unknown. The rate is taken as the
	// shortest decimal that names it, so 0.15 raises 50 to exactly 57.5, rounded to 58.
	TaxRate *float64
	// Explain asks for Resolution.Explanation.
	Explain bool
}

// Item is one line to price: a variant and a quantity (0 means 1).
type Item struct {
	VariantID string
	Quantity  int64
}

// The values of Resolution.CalculatedType, Resolution.OriginalType and Candidate.Type.
const (
	TypeDefault  = "default"        // a base price of the variant
	TypeSale     = string(Sale)     // a price of a sale list
	TypeOverride = string(Override) // a price of an override list
)

// Resolution is the price of one item.
type Resolution struct {
	VariantID string
	Quantity  int64
	// Found reports whether any price applies. When false, the other price fields are zero.
	Found bool
	// CalculatedAmount is what the customer pays per unit, from CalculatedPrice, whose
	// PriceListID is "" for a base price. CalculatedType is TypeDefault, TypeSale or
	// TypeOverride.
	CalculatedAmount      int64
	CalculatedPrice       Price
	CalculatedType        string
	CalculatedIncludesTax bool
	// HasOriginal reports an original (reference) price: the best override price, else
	// the base price. With no base and no override price, a sale has no original.
	HasOriginal         bool
	OriginalAmount      int64
	OriginalPrice       Price
	OriginalType        string
	OriginalIncludesTax bool
	// Explanation lists, with Query.Explain, every price of the variant considered, in
	// ascending ID order, with its outcome.
	Explanation []Candidate
}

// Candidate is one price the resolver considered, and what became of it.
type Candidate struct {
	Price   Price
	Type    string // TypeDefault, TypeSale or TypeOverride
	Outcome Outcome
}

// Outcome says why a price was chosen or why it lost.
type Outcome string

// The outcomes of a Candidate.
const (
	Calculated       Outcome = "calculated"      // the price paid
	Original         Outcome = "original"        // the reference price, when a sale applies
	WrongCurrency    Outcome = "currency"        // another currency
	WrongRegion      Outcome = "region"          // another region
	WrongQuantity    Outcome = "quantity"        // quantity outside [Min, Max]
	DraftList        Outcome = "draft list"      // its list is a draft
	NotStarted       Outcome = "not yet started" // At is before its list's StartsAt
	Ended            Outcome = "ended"           // At is at or after its list's EndsAt
	NotInAudience    Outcome = "customer not in the audience"
	ShadowedByRegion Outcome = "shadowed by a region price" // its source has an eligible price for the region
	HigherThanWinner Outcome = "higher than the winner"     // lost to a better price of its kind
	Overridden       Outcome = "replaced by an override"    // a base price when an override applies
	SaleNotLower     Outcome = "sale not lower than the reference"
	TaxNotComparable Outcome = "tax basis not comparable" // includes tax where the reference does not, or the reverse, and no TaxRate
)

// pending is the outcome of a candidate still in the running.
const pending Outcome = ""

// Resolve returns the price of quantity units of the variant for the query. When no
// price applies, the error wraps ErrNoPrice and the Resolution still carries the
// explanation asked for.
func (s *Service) Resolve(ctx context.Context, q Query, variantID string, quantity int64) (Resolution, error) {
	r := s.getResolver()
	defer s.putResolver(r)
	r.oneItem[0] = Item{VariantID: variantID, Quantity: quantity}
	r.items, r.out = r.oneItem[:], r.oneOut[:0]
	if err := r.prepare(s, q, "Quantity", "VariantID"); err != nil {
		return Resolution{}, err
	}
	if err := s.store.View(ctx, r.run); err != nil {
		return Resolution{}, err
	}
	res := r.out[0]
	r.out[0] = Resolution{}
	if !res.Found {
		return res, errorf(ErrNoPrice, "no price for variant %q in %s", variantID, r.q.CurrencyCode)
	}
	return res, nil
}

// ResolveMany resolves every item for the same query in one read transaction, looking
// up the customer's groups once. It returns one Resolution per item, in order; an item
// without a price has Found false.
func (s *Service) ResolveMany(ctx context.Context, q Query, items []Item) ([]Resolution, error) {
	r := s.getResolver()
	defer s.putResolver(r)
	r.items = items
	r.out = make([]Resolution, 0, len(items))
	if err := r.prepare(s, q, "Items[%d].Quantity", "Items[%d].VariantID"); err != nil {
		return nil, err
	}
	if err := s.store.View(ctx, r.run); err != nil {
		return nil, err
	}
	out := r.out
	r.out, r.items = nil, nil
	return out, nil
}

// resolver holds the scratch state of one Resolve or ResolveMany call. Resolvers are
// pooled, so that the hot path allocates nothing but the transaction.
type resolver struct {
	s      *Service
	q      Query
	items  []Item
	out    []Resolution
	run    func(Tx) error // r.resolve, bound once
	groups []string       // the customer's groups
	prices []Price
	cands  []candidate
	terms  []PriceListTerms
	// lastTerms is the index in terms of the list listTerms returned last; termsIndex
	// indexes terms by list ID once there are more than maxScannedTerms.
	lastTerms  int
	termsIndex map[string]int
	regional   []string // sources (list IDs, "" for the base prices) with an eligible region price
	// oneItem and oneOut back items and out for Resolve, so that it allocates nothing.
	oneItem [1]Item
	oneOut  [1]Resolution
	// rateNum/rateDen is the query's tax rate as the decimal fraction its shortest form
	// names (0.15: 15/100); rateDen 0 when it has no such form of at most 18 digits.
	rateNum, rateDen uint64
}

// candidate is a price under consideration.
type candidate struct {
	p        *Price
	typ      string
	startsAt time.Time
	outcome  Outcome
	eligible bool
}

var resolverPool sync.Pool

func (s *Service) getResolver() *resolver {
	r, _ := resolverPool.Get().(*resolver)
	if r == nil {
		r = new(resolver)
		r.run = r.resolve
	}
	r.s = s
	return r
}

func (s *Service) putResolver(r *resolver) {
	r.s, r.q, r.items, r.out = nil, Query{}, nil, nil
	clear(r.prices)
	clear(r.terms)
	clear(r.cands)
	clear(r.regional)
	resolverPool.Put(r)
}

// prepare validates the query and the items. qtyField and variantField name the fields
// in errors; for a batch they hold a %d for the item's index.
func (r *resolver) prepare(s *Service, q Query, qtyField, variantField string) error {
	var fe fieldErrors
	q.CurrencyCode = s.checkCurrency(&fe, "CurrencyCode", q.CurrencyCode)
	checkOptionalID(&fe, "RegionID", q.RegionID)
	checkOptionalID(&fe, "CustomerID", q.CustomerID)
	for i, id := range q.CustomerGroupIDs {
		checkID(&fe, indexed("CustomerGroupIDs[%d]", i), id)
	}
	if q.TaxRate != nil && (*q.TaxRate < 0 || math.IsInf(*q.TaxRate, 0) || math.IsNaN(*q.TaxRate)) {
		fe.add("TaxRate", "not a finite rate >= 0")
	}
	for i, it := range r.items {
		if it.Quantity < 0 {
			fe.add(indexed(qtyField, i), "negative")
		}
		checkID(&fe, indexed(variantField, i), it.VariantID)
	}
	if err := fe.err(); err != nil {
		return err
	}
	if q.At.IsZero() {
		q.At = s.clock()
	}
	r.q = q
	r.rateNum, r.rateDen = 0, 0
	if q.TaxRate != nil {
		r.rateNum, r.rateDen = decimalRate(*q.TaxRate)
	}
	return nil
}

// decimalRate returns rate as the fraction num/den of its shortest decimal form, which
// is what the host wrote (0.15, not the binary 0.1499999999999999944...), or 0, 0 when
// that form has more than 18 digits.
func decimalRate(rate float64) (num, den uint64) {
	whole, frac, _ := strings.Cut(strconv.FormatFloat(rate, 'f', -1, 64), ".")
	if len(whole)+len(frac) > 18 {
		return 0, 0
	}
	n, err := strconv.ParseUint(whole+frac, 10, 64)
	if err != nil {
		return 0, 0
	}
	den = 1
	for range len(frac) {
		den *= 10
	}
	return n, den
}

func indexed(field string, i int) string {
	if strings.Contains(field, "%d") {
		return fmt.Sprintf(field, i)
	}
	return field
}

// resolve runs in the read transaction: it loads the customer's groups once, then
// resolves each item.
func (r *resolver) resolve(tx Tx) error {
	r.groups = r.groups[:0]
	if r.q.CustomerID != "" {
		var err error
		if r.groups, err = tx.AppendCustomerGroupIDs(r.groups, r.q.CustomerID); err != nil {
			return err
		}
	}
	r.resetTerms()
	for _, it := range r.items {
		res, err := r.item(tx, it)
		if err != nil {
			return err
		}
		r.out = append(r.out, res)
	}
	return nil
}

// item resolves one item.
func (r *resolver) item(tx Tx, it Item) (Resolution, error) {
	qty := it.Quantity
	if qty == 0 {
		qty = 1
	}
	res := Resolution{VariantID: it.VariantID, Quantity: qty}
	var err error
	r.prices = r.prices[:0]
	if r.q.Explain {
		err = tx.PricesOfVariant(it.VariantID, func(p Price) bool {
			r.prices = append(r.prices, p)
			return true
		})
	} else {
		r.prices, err = tx.AppendVariantPrices(r.prices, it.VariantID, r.q.CurrencyCode)
	}
	if err != nil {
		return res, err
	}

	// Eligibility of each price on its own: first its own currency, region and
	// quantities, then its list's terms. Without Explain nothing looks at a price that
	// cannot apply, so it is dropped at once, before its list is looked up if it can.
	r.cands = r.cands[:0]
	for i := range r.prices {
		c := candidate{p: &r.prices[i], typ: TypeDefault}
		c.outcome = r.priceEligibility(c.p, qty)
		if c.outcome != pending && !r.q.Explain {
			continue
		}
		if c.p.PriceListID != "" {
			t, err := r.listTerms(tx, c.p.PriceListID)
			if err != nil {
				return res, err
			}
			c.typ, c.startsAt = string(t.Type), t.StartsAt
			if c.outcome == pending {
				c.outcome = r.listEligibility(t)
			}
		}
		c.eligible = c.outcome == pending
		if c.eligible || r.q.Explain {
			r.cands = append(r.cands, c)
		}
	}
	r.shadow()

	// The reference: the best override, else the best base price.
	ref := r.best(TypeOverride, nil)
	if ref != nil {
		r.settle(TypeDefault, Overridden)
	} else {
		ref = r.best(TypeDefault, nil)
	}
	// The sale: the best sale comparable with the reference, if strictly lower.
	sale := r.best(TypeSale, ref)
	if sale != nil && ref != nil && r.compare(sale, ref) >= 0 {
		for i := range r.cands {
			if c := &r.cands[i]; c.eligible && c.typ == TypeSale && r.compare(c, ref) >= 0 {
				c.outcome, c.eligible = SaleNotLower, false
			}
		}
		sale = nil
	}
	calc := ref
	if sale != nil {
		calc = sale
	}
	for i := range r.cands {
		if c := &r.cands[i]; c.eligible {
			c.outcome = HigherThanWinner
		}
	}
	if calc != nil {
		res.Found = true
		res.CalculatedAmount, res.CalculatedPrice = calc.p.Amount, *calc.p
		res.CalculatedType, res.CalculatedIncludesTax = calc.typ, calc.p.IncludesTax
		calc.outcome = Calculated
	}
	if ref != nil && sale != nil {
		res.HasOriginal = true
		res.OriginalAmount, res.OriginalPrice = ref.p.Amount, *ref.p
		res.OriginalType, res.OriginalIncludesTax = ref.typ, ref.p.IncludesTax
		ref.outcome = Original
	} else if ref != nil {
		res.HasOriginal = true
		res.OriginalAmount, res.OriginalPrice = res.CalculatedAmount, res.CalculatedPrice
		res.OriginalType, res.OriginalIncludesTax = res.CalculatedType, res.CalculatedIncludesTax
	}
	if r.q.Explain {
		res.Explanation = make([]Candidate, len(r.cands))
		for i, c := range r.cands {
			res.Explanation[i] = Candidate{Price: *c.p, Type: c.typ, Outcome: c.outcome}
		}
		slices.SortFunc(res.Explanation, func(a, b Candidate) int { return strings.Compare(a.Price.ID, b.Price.ID) })
	}
	return res, nil
}

// priceEligibility returns why the price cannot apply by its own fields (currency,
// region, quantities), or pending when it can.
func (r *resolver) priceEligibility(p *Price, qty int64) Outcome {
	switch {
	case p.CurrencyCode != r.q.CurrencyCode:
		return WrongCurrency
	case p.RegionID != "" && p.RegionID != r.q.RegionID:
		return WrongRegion
	case p.MinQuantity > 0 && qty < p.MinQuantity, p.MaxQuantity > 0 && qty > p.MaxQuantity:
		return WrongQuantity
	}
	return pending
}

// listEligibility returns why the prices of a list cannot apply to the query (status,
// window, audience), or pending when they can.
func (r *resolver) listEligibility(t *PriceListTerms) Outcome {
	if t.Status != Active {
		return DraftList
	}
	started, ended := t.window(r.q.At)
	switch {
	case !started:
		return NotStarted
	case ended:
		return Ended
	case !r.inAudience(t.CustomerGroupIDs):
		return NotInAudience
	}
	return pending
}

// inAudience reports whether the query's customer is in the audience: everyone when
// the audience is empty, else a member of one of its groups through the customer's own
// groups or the query's explicit ones.
func (r *resolver) inAudience(audience []string) bool {
	if len(audience) == 0 {
		return true
	}
	for _, g := range audience {
		if _, ok := slices.BinarySearch(r.groups, g); ok || slices.Contains(r.q.CustomerGroupIDs, g) {
			return true
		}
	}
	return false
}

// maxScannedTerms is how many lists' terms listTerms scans; beyond, it indexes them.
const maxScannedTerms = 16

// listTerms returns the terms of a list, loaded once per call. It checks the list it
// returned last first (a list's prices of a variant often come together), then the
// lists seen so far: by a scan while they are few, by an index beyond, as a batch of a
// large catalog meets hundreds of lists.
func (r *resolver) listTerms(tx Tx, id string) (*PriceListTerms, error) {
	if r.lastTerms < len(r.terms) && r.terms[r.lastTerms].ID == id {
		return &r.terms[r.lastTerms], nil
	}
	if len(r.terms) > maxScannedTerms {
		if i, ok := r.termsIndex[id]; ok {
			r.lastTerms = i
			return &r.terms[i], nil
		}
	} else {
		for i := range r.terms {
			if r.terms[i].ID == id {
				r.lastTerms = i
				return &r.terms[i], nil
			}
		}
	}
	t, err := tx.PriceListTerms(id)
	if err != nil {
		return nil, err
	}
	r.terms = append(r.terms, t)
	i := len(r.terms) - 1
	switch {
	case i == maxScannedTerms:
		if r.termsIndex == nil {
			r.termsIndex = make(map[string]int, 4*maxScannedTerms)
		}
		for j := range r.terms {
			r.termsIndex[r.terms[j].ID] = j
		}
	case i > maxScannedTerms:
		r.termsIndex[id] = i
	}
	r.lastTerms = i
	return &r.terms[i], nil
}

// resetTerms forgets the terms of the previous call.
func (r *resolver) resetTerms() {
	r.terms, r.lastTerms = r.terms[:0], 0
	if len(r.termsIndex) > 64*maxScannedTerms {
		r.termsIndex = nil // clearing a map costs its capacity: let a big one go
	} else {
		clear(r.termsIndex)
	}
}

// shadow marks the currency-wide eligible prices of every source (the base prices, or
// one list) that also has an eligible price for the query's region.
func (r *resolver) shadow() {
	// The sources with an eligible region price: few, usually none.
	r.regional = r.regional[:0]
	for i := range r.cands {
		if c := &r.cands[i]; c.eligible && c.p.RegionID != "" && !slices.Contains(r.regional, c.p.PriceListID) {
			r.regional = append(r.regional, c.p.PriceListID)
		}
	}
	if len(r.regional) == 0 {
		return
	}
	for i := range r.cands {
		if c := &r.cands[i]; c.eligible && c.p.RegionID == "" && slices.Contains(r.regional, c.p.PriceListID) {
			c.outcome, c.eligible = ShadowedByRegion, false
		}
	}
}

// settle marks every eligible candidate of the type with the outcome.
func (r *resolver) settle(typ string, o Outcome) {
	for i := range r.cands {
		if c := &r.cands[i]; c.eligible && c.typ == typ {
			c.outcome, c.eligible = o, false
		}
	}
}

// best returns the lowest eligible candidate of the type. Without a tax rate, only the
// candidates with the tax basis of basis (or, with basis nil, of the type's first
// candidate in the tie-break order) compete; the others are marked TaxNotComparable.
func (r *resolver) best(typ string, basis *candidate) *candidate {
	if r.q.TaxRate == nil {
		if basis == nil {
			for i := range r.cands {
				if c := &r.cands[i]; c.eligible && c.typ == typ && (basis == nil || tieBreak(c, basis) < 0) {
					basis = c
				}
			}
		}
		if basis != nil {
			for i := range r.cands {
				if c := &r.cands[i]; c.eligible && c.typ == typ && c.p.IncludesTax != basis.p.IncludesTax {
					c.outcome, c.eligible = TaxNotComparable, false
				}
			}
		}
	}
	var best *candidate
	for i := range r.cands {
		if c := &r.cands[i]; c.eligible && c.typ == typ && (best == nil || r.compare(c, best) < 0) {
			best = c
		}
	}
	return best
}

// compare orders two candidates totally: lower amount (with the query's tax rate, both
// as tax-inclusive amounts), then a region price before a currency-wide one, then the
// earlier list start, then the lower price ID.
func (r *resolver) compare(a, b *candidate) int {
	if c := cmp.Compare(r.amount(a), r.amount(b)); c != 0 {
		return c
	}
	return tieBreak(a, b)
}

// tieBreak is the order of compare without the amount.
func tieBreak(a, b *candidate) int {
	if ar, br := a.p.RegionID != "", b.p.RegionID != ""; ar != br {
		if ar {
			return -1
		}
		return 1
	}
	if c := a.startsAt.Compare(b.startsAt); c != 0 {
		return c
	}
	return strings.Compare(a.p.ID, b.p.ID)
}

// amount is the candidate's amount for comparison: as is when the bases agree or no
// rate is known, else tax-inclusive, rounded half away from zero to a minor unit.
func (r *resolver) amount(c *candidate) int64 {
	if r.q.TaxRate == nil || c.p.IncludesTax {
		return c.p.Amount
	}
	if r.rateDen == 0 {
		return int64(math.Round(float64(c.p.Amount) * (1 + *r.q.TaxRate)))
	}
	// Exactly: (Amount × (den + num) + den/2) / den in 128 bits; amounts are >= 0.
	hi, lo := bits.Mul64(uint64(c.p.Amount), r.rateDen+r.rateNum)
	lo, carry := bits.Add64(lo, r.rateDen/2, 0)
	hi += carry
	if hi >= r.rateDen {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, r.rateDen)
	return int64(min(q, math.MaxInt64))
}
