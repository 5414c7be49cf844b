package pricing

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Query says for whom, where and when prices are resolved.
type Query struct {
	// CurrencyCode is required; any case.
	CurrencyCode string `json:"currency_code"`
	// RegionID, when set, lets the region's prices apply and shadow currency-wide ones.
	RegionID string `json:"region_id,omitempty"`
	// CustomerID, when set, brings in the groups the customer belongs to.
	CustomerID string `json:"customer_id,omitempty"`
	// CustomerGroupIDs are groups to resolve for in addition to the customer's own.
	CustomerGroupIDs []string `json:"customer_group_ids,omitempty"`
	// ChannelID, when set, is the sales channel: lists limited to channels apply only
	// in theirs. Empty: only lists open to every channel apply.
	ChannelID string `json:"channel_id,omitempty"`
	// At is the instant at which list windows are evaluated. Zero (null in JSON): the
	// service's now.
	At time.Time `json:"at"`
	// TaxRate, when set, is the tax rate of the query (0.2 for 20%), from 0 to 10
	// (1,000%); other values are invalid. It lets tax-inclusive and tax-exclusive
	// amounts be compared. Nil: unknown. The rate is taken as the shortest decimal that
	// names it, rounded half to even to 18 decimal places, and applied exactly: 0.15
	// raises 50 to 57.5, rounded to 58, and 0.7/100 (0.006999999999999999) is applied as
	// that decimal, never through a float.
	TaxRate *float64 `json:"tax_rate"`
	// Explain asks for Resolution.Explanation with every price of the variant: the
	// merchant's view. It shows prices the shopper cannot get (other groups' lists,
	// drafts, scheduled and ended lists, with their IDs and amounts), so never show it
	// to a shopper: use ExplainVisible for that.
	Explain bool `json:"explain,omitempty"`
	// ExplainVisible asks for Resolution.Explanation limited to what the shopper may
	// see: the base prices of the variant and the prices of the lists that apply to the
	// shopper at At (active, in their window, open to the shopper). It cannot be
	// combined with Explain.
	ExplainVisible bool `json:"explain_visible,omitempty"`
	// PriorDays, when positive, asks for the lowest prior price of a resolution that is
	// a sale: the lowest price the same query resolved to in the PriorDays days before
	// the reduction began (EU shops show the one of 30 days). It needs a store with a
	// journal (errors.ErrUnsupported otherwise); see Resolution.LowestPriorAmount.
	PriorDays int `json:"prior_days,omitempty"`
}

// Item is one line to price: a variant and a quantity (0 means 1).
type Item struct {
	VariantID string `json:"variant_id"`
	Quantity  int64  `json:"quantity"`
}

// The values of Resolution.CalculatedType, Resolution.OriginalType and Candidate.Type.
const (
	TypeDefault  = "default"        // a base price of the variant
	TypeSale     = string(Sale)     // a price of a sale list
	TypeOverride = string(Override) // a price of an override list
)

// Resolution is the price of one item.
type Resolution struct {
	VariantID string `json:"variant_id"`
	Quantity  int64  `json:"quantity"`
	// Found reports whether any price applies. When false, the other price fields are
	// zero (and the prices null in JSON).
	Found bool `json:"found"`
	// CalculatedAmount is what the customer pays per unit, from CalculatedPrice, whose
	// PriceListID is "" for a base price. CalculatedType is TypeDefault, TypeSale or
	// TypeOverride.
	CalculatedAmount      int64  `json:"calculated_amount"`
	CalculatedPrice       Price  `json:"calculated_price"`
	CalculatedType        string `json:"calculated_type"`
	CalculatedIncludesTax bool   `json:"calculated_includes_tax"`
	// HasOriginal reports an original (reference) price: the best override price, else
	// the base price. With no base and no override price, a sale has no original (and
	// OriginalPrice is null in JSON).
	HasOriginal         bool   `json:"has_original"`
	OriginalAmount      int64  `json:"original_amount"`
	OriginalPrice       Price  `json:"original_price"`
	OriginalType        string `json:"original_type"`
	OriginalIncludesTax bool   `json:"original_includes_tax"`
	// ValidUntil is the next instant after Query.At at which time alone could change
	// the resolution: the nearest start or end of the window of a list that prices the
	// item for this query (its currency, region, quantity and audience). Zero (null in
	// JSON) when no such instant is ahead. A cache may keep the resolution until then,
	// or until a change of the catalog.
	ValidUntil time.Time `json:"valid_until"`
	// Explanation lists, with Query.Explain, every price of the variant, in ascending
	// ID order, with its outcome; with Query.ExplainVisible, only those the shopper may
	// see.
	Explanation []Candidate `json:"explanation,omitempty"`
	// With Query.PriorDays and a sale: ReductionStart is when the reduction began, and
	// HasLowestPrior reports a lowest prior price, LowestPriorAmount, from
	// LowestPriorPrice, found over [PriorFrom, ReductionStart): the Query.PriorDays
	// days before the reduction, or fewer when the journal's history begins later. A
	// reduction that began before the history does has none (the package
	// documentation, "Lowest prior price", defines each term).
	ReductionStart    time.Time `json:"reduction_start"`
	PriorFrom         time.Time `json:"prior_from"`
	HasLowestPrior    bool      `json:"has_lowest_prior,omitempty"`
	LowestPriorAmount int64     `json:"lowest_prior_amount,omitempty"`
	LowestPriorPrice  Price     `json:"lowest_prior_price"`
}

// Candidate is one price the resolver considered, and what became of it.
type Candidate struct {
	Price   Price   `json:"price"`
	Type    string  `json:"type"` // TypeDefault, TypeSale or TypeOverride
	Outcome Outcome `json:"outcome"`
	// Derivation, for a price a list's Adjustment derived, says from what.
	Derivation *Derivation `json:"derivation,omitempty"`
}

// Derivation is how a list's Adjustment derived a price: the base price, the change,
// the rounding. The derived price's ID is DerivedPriceID(list, base price).
type Derivation struct {
	BasePrice  Price      `json:"base_price"`
	Adjustment Adjustment `json:"adjustment"`
}

// DerivedPriceID returns the ID of the price that the adjustment of the list listID
// derives from the base price basePriceID: the two IDs joined by "~". A derived price
// is never stored; Service.Price does not find it.
func DerivedPriceID(listID, basePriceID string) string {
	return listID + derivedIDSeparator + basePriceID
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
	WrongChannel     Outcome = "channel"                    // its list is limited to other channels
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
	if err := r.prepare(q, false); err != nil {
		return Resolution{}, err
	}
	if err := r.load(ctx); err != nil {
		return Resolution{}, err
	}
	if err := r.lowestPriors(ctx); err != nil {
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
	if err := r.prepare(q, true); err != nil {
		return nil, err
	}
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	if err := r.lowestPriors(ctx); err != nil {
		return nil, err
	}
	out := r.out
	r.out, r.items = nil, nil
	return out, nil
}

// lowestPriors fills in the lowest prior price of each resolution that is a sale, when
// the query asks for it.
func (r *resolver) lowestPriors(ctx context.Context) error {
	if r.q.PriorDays <= 0 {
		return nil
	}
	if _, err := r.s.journal(); err != nil {
		return err
	}
	for i := range r.out {
		if err := r.s.lowestPrior(ctx, r.q, r.items[i], &r.out[i]); err != nil {
			return err
		}
	}
	return nil
}

// resolver holds the scratch state of one Resolve or ResolveMany call. Resolvers are
// pooled, so that the hot path allocates nothing but the transaction.
type resolver struct {
	s       *Service
	q       Query
	explain bool         // Explain or ExplainVisible
	rate    decimalRatio // the query's TaxRate, when it has one
	items   []Item
	out     []Resolution
	run     func(Tx) error // r.resolve, bound once
	tx      Tx             // the transaction of a View; nil with a CandidateReader
	// groups are the customer's groups and the query's, ascending and without repeats:
	// customerGroups when the query names no groups, else union.
	groups         []string
	customerGroups []string
	queryGroups    []string
	union          []string
	prices         []Price
	cands          []candidate
	// terms holds the terms of the lists met so far; termsIndex indexes them by list
	// ID once there are more than maxScannedTerms.
	terms      []PriceListTerms
	termsIndex map[string]int
	regional   []string // sources (list IDs, "" for the base prices) with an eligible region price
	// adjusted are the lists with an adjustment, and itemPrices and bases hold an
	// item's prices with those these lists derive, and the base price of each derived
	// one (nil for the others).
	adjusted   []adjustedList
	itemPrices []Price
	bases      []*Price
	baseOf     []int // the index of the base price of each derived price
	// derivedIDs keeps the IDs of the prices derived so far (DerivedPriceID), so that
	// a resolve that derives what an earlier one did allocates nothing.
	derivedIDs  map[derivedKey]string
	ratios      []percentRatio // the factors of the percentages met so far, up to maxRatios
	validUntil  time.Time      // the item's Resolution.ValidUntil so far
	candidates  Candidates     // what a CandidateReader read
	adjustedIDs []string       // scratch for loadAdjusted
	// oneItem and oneOut back items and out for Resolve, so that it allocates nothing.
	oneItem [1]Item
	oneOut  [1]Resolution
}

// candidate is a price under consideration.
type candidate struct {
	p        *Price
	typ      string
	startsAt time.Time
	outcome  Outcome
	eligible bool
	base     *Price // for a derived price, its base price
	adjusted *Adjustment
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
	r.s, r.q, r.items, r.out, r.tx = nil, Query{}, nil, nil, nil
	clear(r.prices)
	clear(r.terms)
	clear(r.cands)
	clear(r.regional)
	clear(r.queryGroups)
	clear(r.union)
	clear(r.itemPrices)
	clear(r.bases)
	clear(r.adjusted)
	r.candidates.Prices = r.candidates.Prices[:cap(r.candidates.Prices)]
	clear(r.candidates.Prices)
	r.candidates.Terms = r.candidates.Terms[:cap(r.candidates.Terms)]
	clear(r.candidates.Terms)
	resolverPool.Put(r)
}

// prepare validates the query and the items; batch says that they are the Items of
// ResolveMany, for the names of bad fields.
func (r *resolver) prepare(q Query, batch bool) error {
	var fe fieldErrors
	q.CurrencyCode = r.s.checkCurrency(&fe, "CurrencyCode", q.CurrencyCode)
	checkOptionalID(&fe, "RegionID", q.RegionID)
	checkOptionalID(&fe, "CustomerID", q.CustomerID)
	checkOptionalID(&fe, "ChannelID", q.ChannelID)
	for i, id := range q.CustomerGroupIDs {
		if reason := idReason(id); reason != "" {
			fe.add(fmt.Sprintf("CustomerGroupIDs[%d]", i), reason)
		}
	}
	if q.TaxRate != nil {
		var ok bool
		if r.rate, ok = parseRate(*q.TaxRate, maxTaxRate); !ok {
			fe.add("TaxRate", fmt.Sprintf("%v is not a rate from 0 to %d", *q.TaxRate, maxTaxRate))
		}
	}
	if q.Explain && q.ExplainVisible {
		fe.add("ExplainVisible", "cannot be combined with Explain")
	}
	if q.PriorDays < 0 {
		fe.add("PriorDays", "negative")
	}
	for i, it := range r.items {
		field := func(name string) string {
			if batch {
				return fmt.Sprintf("Items[%d].%s", i, name)
			}
			return name
		}
		if it.Quantity < 0 {
			fe.add(field("Quantity"), "negative")
		}
		if reason := idReason(it.VariantID); reason != "" {
			fe.add(field("VariantID"), reason)
		}
	}
	if err := fe.err(); err != nil {
		return err
	}
	if q.At.IsZero() {
		q.At = r.s.clock()
	}
	r.q = q
	r.explain = q.Explain || q.ExplainVisible
	r.queryGroups = append(r.queryGroups[:0], q.CustomerGroupIDs...)
	slices.Sort(r.queryGroups)
	r.queryGroups = slices.Compact(r.queryGroups)
	return nil
}

// load reads what the items need and resolves them: through the store's
// CandidateReader when it has one, else in a View.
func (r *resolver) load(ctx context.Context) error {
	cr, ok := r.s.store.(CandidateReader)
	if !ok || r.explain {
		return r.s.store.View(ctx, r.run)
	}
	c := &r.candidates
	c.CustomerGroupIDs, c.Prices, c.Terms = r.customerGroups[:0], c.Prices[:0], c.Terms[:0]
	req := CandidateRequest{CurrencyCode: r.q.CurrencyCode, CustomerID: r.q.CustomerID}
	var one [1]string
	if len(r.items) == 1 {
		one[0] = r.items[0].VariantID
		req.VariantIDs = one[:]
	} else {
		req.VariantIDs = make([]string, len(r.items))
		for i, it := range r.items {
			req.VariantIDs[i] = it.VariantID
		}
	}
	if err := cr.ReadCandidates(ctx, req, c); err != nil {
		return err
	}
	r.customerGroups = c.CustomerGroupIDs
	r.mergeGroups()
	r.resetTerms()
	r.adjusted = r.adjusted[:0]
	for _, t := range c.Terms {
		r.addTerms(t)
		r.noteAdjusted(t)
	}
	prices := c.Prices
	if len(r.items) > 1 {
		slices.SortFunc(prices, func(a, b Price) int { return strings.Compare(a.VariantID, b.VariantID) })
	}
	for _, it := range r.items {
		lo, _ := slices.BinarySearchFunc(prices, it.VariantID, func(p Price, v string) int { return strings.Compare(p.VariantID, v) })
		hi := lo
		for hi < len(prices) && prices[hi].VariantID == it.VariantID {
			hi++
		}
		res, err := r.item(prices[lo:hi], it)
		if err != nil {
			return err
		}
		r.out = append(r.out, res)
	}
	return nil
}

// resolve runs in the read transaction of a View: it loads the customer's groups once,
// then resolves each item.
func (r *resolver) resolve(tx Tx) error {
	r.tx = tx
	defer func() { r.tx = nil }()
	r.customerGroups = r.customerGroups[:0]
	if r.q.CustomerID != "" {
		var err error
		if r.customerGroups, err = tx.AppendCustomerGroupIDs(r.customerGroups, r.q.CustomerID); err != nil {
			return err
		}
	}
	r.mergeGroups()
	r.resetTerms()
	if err := r.loadAdjusted(tx); err != nil {
		return err
	}
	for _, it := range r.items {
		var err error
		r.prices = r.prices[:0]
		if r.explain {
			err = tx.PricesOfVariant(it.VariantID, func(p Price) bool {
				r.prices = append(r.prices, p)
				return true
			})
		} else {
			r.prices, err = tx.AppendVariantPrices(r.prices, it.VariantID, r.q.CurrencyCode)
		}
		if err != nil {
			return err
		}
		res, err := r.item(r.prices, it)
		if err != nil {
			return err
		}
		r.out = append(r.out, res)
	}
	return nil
}

// mergeGroups sets groups to the union of the customer's groups and the query's.
func (r *resolver) mergeGroups() {
	switch {
	case len(r.queryGroups) == 0:
		r.groups = r.customerGroups
		return
	case len(r.customerGroups) == 0:
		r.groups = r.queryGroups
		return
	}
	u := r.union[:0]
	a, b := r.customerGroups, r.queryGroups
	for len(a) > 0 && len(b) > 0 {
		switch c := strings.Compare(a[0], b[0]); {
		case c < 0:
			u, a = append(u, a[0]), a[1:]
		case c > 0:
			u, b = append(u, b[0]), b[1:]
		default:
			u, a, b = append(u, a[0]), a[1:], b[1:]
		}
	}
	r.union = append(append(u, a...), b...)
	r.groups = r.union
}

// adjustedList is a list with an adjustment, with its factor.
type adjustedList struct {
	id         string
	adjustment *Adjustment // the list's, read-only
	factor     decimalRatio
}

// loadAdjusted reads the lists with an adjustment, through the Tx's AdjustedLister
// when it has one, else by a scan of every list.
func (r *resolver) loadAdjusted(tx Tx) error {
	r.adjusted = r.adjusted[:0]
	var err error
	if r.adjustedIDs, err = appendAdjustedListIDs(tx, r.adjustedIDs[:0]); err != nil {
		return err
	}
	for _, id := range r.adjustedIDs {
		t, err := r.listTerms(id)
		if err != nil {
			return err
		}
		r.noteAdjusted(*t)
	}
	return nil
}

// appendAdjustedListIDs appends the IDs of the lists with an adjustment: through the
// Tx's AdjustedLister, or by a scan of every list.
func appendAdjustedListIDs(tx Tx, dst []string) ([]string, error) {
	if al, ok := tx.(AdjustedLister); ok {
		return al.AppendAdjustedListIDs(dst)
	}
	return scanAdjustedListIDs(tx, dst)
}

// scanAdjustedListIDs is appendAdjustedListIDs without the capability. It is apart so
// that the closure's capture of dst does not move dst to the heap on the common path.
func scanAdjustedListIDs(tx Tx, dst []string) ([]string, error) {
	err := tx.PriceLists(func(pl PriceList) bool {
		if pl.Adjustment != nil {
			dst = append(dst, pl.ID)
		}
		return true
	})
	return dst, err
}

// noteAdjusted adds the list of t to the adjusted lists if it has an adjustment.
func (r *resolver) noteAdjusted(t PriceListTerms) {
	if t.Adjustment == nil {
		return
	}
	if factor, ok := r.ratio(t.Adjustment.Percent); ok {
		r.adjusted = append(r.adjusted, adjustedList{t.ID, t.Adjustment, factor})
	}
}

// percentRatio is a percentage with its factor (adjustmentRatio).
type percentRatio struct {
	percent float64
	factor  decimalRatio
	ok      bool
}

// maxRatios bounds resolver.ratios: a shop uses a handful of percentages.
const maxRatios = 16

// ratio returns adjustmentRatio(percent), which reads the percentage's shortest
// decimal, computed once per resolver for the first maxRatios percentages.
func (r *resolver) ratio(percent float64) (decimalRatio, bool) {
	for _, pr := range r.ratios {
		if pr.percent == percent {
			return pr.factor, pr.ok
		}
	}
	factor, ok := adjustmentRatio(percent)
	if len(r.ratios) < maxRatios {
		r.ratios = append(r.ratios, percentRatio{percent, factor, ok})
	}
	return factor, ok
}

// derive returns prices with, after them, the prices the adjusted lists derive from
// the base prices among them, and sets bases.
func (r *resolver) derive(prices []Price) []Price {
	r.itemPrices = append(r.itemPrices[:0], prices...)
	r.baseOf = r.baseOf[:0]
	for _, al := range r.adjusted {
		for i := range prices {
			b := &prices[i]
			if b.PriceListID != "" || hasWritten(prices, al.id, b) {
				continue
			}
			d := *b
			d.ID, d.PriceListID, d.Revision = r.derivedID(al.id, b.ID), al.id, 0
			d.Amount = al.adjustment.adjust(b.Amount, al.factor)
			r.itemPrices = append(r.itemPrices, d)
			r.baseOf = append(r.baseOf, i)
		}
	}
	// itemPrices no longer grows: point at its elements.
	r.bases = r.bases[:0]
	for range prices {
		r.bases = append(r.bases, nil)
	}
	for _, i := range r.baseOf {
		r.bases = append(r.bases, &r.itemPrices[i])
	}
	return r.itemPrices
}

// derivedKey is the key of a derived price's ID: its list and its base price.
type derivedKey struct{ listID, baseID string }

// maxDerivedIDs bounds resolver.derivedIDs, which starts over when full.
const maxDerivedIDs = 1 << 12

// derivedID returns DerivedPriceID(listID, baseID), made once per resolver.
func (r *resolver) derivedID(listID, baseID string) string {
	k := derivedKey{listID, baseID}
	if id, ok := r.derivedIDs[k]; ok {
		return id
	}
	if r.derivedIDs == nil {
		r.derivedIDs = make(map[derivedKey]string)
	} else if len(r.derivedIDs) >= maxDerivedIDs {
		clear(r.derivedIDs)
	}
	id := DerivedPriceID(listID, baseID)
	r.derivedIDs[k] = id
	return id
}

// hasWritten reports whether prices hold a price of the list with the key of the base
// price b: that written price takes precedence over the one the list would derive.
func hasWritten(prices []Price, listID string, b *Price) bool {
	for i := range prices {
		p := &prices[i]
		if p.PriceListID == listID && p.VariantID == b.VariantID && p.CurrencyCode == b.CurrencyCode &&
			p.RegionID == b.RegionID && p.MinQuantity == b.MinQuantity && p.MaxQuantity == b.MaxQuantity {
			return true
		}
	}
	return false
}

// item resolves one item from the prices of its variant, in the steps of the rules of
// the package documentation.
func (r *resolver) item(prices []Price, it Item) (Resolution, error) {
	qty := it.Quantity
	if qty == 0 {
		qty = 1
	}
	res := Resolution{VariantID: it.VariantID, Quantity: qty}
	r.validUntil = time.Time{}
	r.bases = r.bases[:0]
	if len(r.adjusted) > 0 {
		prices = r.derive(prices)
	}
	if err := r.eligible(prices, qty); err != nil {
		return res, err
	}
	r.shadow()
	ref := r.reference()
	sale := r.sale(ref)
	r.result(&res, ref, sale)
	res.ValidUntil = r.validUntil
	return res, nil
}

// eligible collects the candidates: the prices eligible for the item, and with an
// explanation also the others, each with the reason it cannot apply. A price is judged
// by its own fields first (currency, region, quantities), then by its list's terms.
// Without an explanation a price that cannot apply is dropped at once, before its
// list is looked up if it can be.
func (r *resolver) eligible(prices []Price, qty int64) error {
	r.cands = r.cands[:0]
	for i := range prices {
		c := candidate{p: &prices[i], typ: TypeDefault}
		if i < len(r.bases) {
			c.base = r.bases[i]
		}
		c.outcome = r.priceEligibility(c.p, qty)
		if c.outcome != pending && !r.explain {
			continue
		}
		if c.p.PriceListID != "" {
			t, err := r.listTerms(c.p.PriceListID)
			if err != nil {
				return err
			}
			c.typ, c.startsAt = string(t.Type), t.StartsAt
			if c.base != nil {
				c.adjusted = t.Adjustment
			}
			listOutcome := r.listEligibility(t)
			if c.outcome == pending {
				r.noteBoundary(t, listOutcome)
			}
			if listOutcome != pending && r.q.ExplainVisible {
				continue // the shopper may not see this list
			}
			if c.outcome == pending {
				c.outcome = listOutcome
			}
		}
		c.eligible = c.outcome == pending
		if c.eligible || r.explain {
			r.cands = append(r.cands, c)
		}
	}
	return nil
}

// noteBoundary keeps in validUntil the next start or end of the window of a list that
// prices the item, given the list's eligibility: an applying list's end, or the start of
// an active list whose audience holds the customer.
func (r *resolver) noteBoundary(t *PriceListTerms, listOutcome Outcome) {
	var at time.Time
	switch {
	case listOutcome == pending:
		at = t.EndsAt
	case listOutcome == NotStarted && r.inAudience(t) && (len(t.ChannelIDs) == 0 || containsSorted(t.ChannelIDs, r.q.ChannelID)):
		at = t.StartsAt
	}
	if !at.IsZero() && (r.validUntil.IsZero() || at.Before(r.validUntil)) {
		r.validUntil = at
	}
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
	case len(t.ChannelIDs) > 0 && !containsSorted(t.ChannelIDs, r.q.ChannelID):
		return WrongChannel
	case !r.inAudience(t):
		return NotInAudience
	}
	return pending
}

// inAudience reports whether the query's customer is in the list's audience: everyone
// when it names no group and no customer, else a customer it names or a member of one
// of its groups, through the customer's own groups or the query's.
func (r *resolver) inAudience(t *PriceListTerms) bool {
	if len(t.CustomerGroupIDs) == 0 && len(t.CustomerIDs) == 0 {
		return true
	}
	if r.q.CustomerID != "" && containsSorted(t.CustomerIDs, r.q.CustomerID) {
		return true
	}
	for _, g := range t.CustomerGroupIDs {
		if containsSorted(r.groups, g) {
			return true
		}
	}
	return false
}

// containsSorted reports whether the ascending ids hold id.
func containsSorted(ids []string, id string) bool {
	_, ok := slices.BinarySearch(ids, id)
	return ok && id != ""
}

// shadow applies the first rule of choosing: it drops the currency-wide eligible
// prices of every source (the base prices, or one list) that also has an eligible
// price for the query's region.
func (r *resolver) shadow() {
	// The sources with an eligible region price: usually none.
	r.regional = r.regional[:0]
	for i := range r.cands {
		if c := &r.cands[i]; c.eligible && c.p.RegionID != "" {
			r.regional = append(r.regional, c.p.PriceListID)
		}
	}
	if len(r.regional) == 0 {
		return
	}
	slices.Sort(r.regional)
	r.regional = slices.Compact(r.regional)
	for i := range r.cands {
		if c := &r.cands[i]; c.eligible && c.p.RegionID == "" {
			if _, ok := slices.BinarySearch(r.regional, c.p.PriceListID); ok {
				c.outcome, c.eligible = ShadowedByRegion, false
			}
		}
	}
}

// reference applies the second rule: the reference price is the best override price,
// which replaces every base price, else the best base price.
func (r *resolver) reference() *candidate {
	if ref := r.best(TypeOverride, nil); ref != nil {
		r.drop(TypeDefault, Overridden)
		return ref
	}
	return r.best(TypeDefault, nil)
}

// sale applies the third rule: the best sale price of the reference's tax basis applies
// when its amount is strictly lower than the reference's, or when there is no
// reference. The order that breaks ties among sales never decides it.
func (r *resolver) sale(ref *candidate) *candidate {
	sale := r.best(TypeSale, ref)
	if sale == nil || ref == nil || r.cmpAmount(sale.p, ref.p) < 0 {
		return sale
	}
	r.drop(TypeSale, SaleNotLower) // no sale is lower than the best one
	return nil
}

// result applies the fourth rule: the calculated price is the sale when it applies,
// else the reference, which is the original price either way. It settles the outcome
// of every candidate and fills in res.
func (r *resolver) result(res *Resolution, ref, sale *candidate) {
	calc := ref
	if sale != nil {
		calc = sale
	}
	r.drop(TypeDefault, HigherThanWinner)
	r.drop(TypeOverride, HigherThanWinner)
	r.drop(TypeSale, HigherThanWinner)
	if calc != nil {
		res.Found = true
		res.CalculatedAmount, res.CalculatedPrice = calc.p.Amount, *calc.p
		res.CalculatedType, res.CalculatedIncludesTax = calc.typ, calc.p.IncludesTax
		calc.outcome = Calculated
	}
	if ref != nil {
		res.HasOriginal = true
		res.OriginalAmount, res.OriginalPrice = ref.p.Amount, *ref.p
		res.OriginalType, res.OriginalIncludesTax = ref.typ, ref.p.IncludesTax
		if sale != nil {
			ref.outcome = Original
		}
	}
	if r.explain {
		res.Explanation = make([]Candidate, len(r.cands))
		for i, c := range r.cands {
			res.Explanation[i] = Candidate{Price: *c.p, Type: c.typ, Outcome: c.outcome}
			if c.base != nil {
				res.Explanation[i].Derivation = &Derivation{BasePrice: *c.base, Adjustment: *c.adjusted}
			}
		}
		slices.SortFunc(res.Explanation, func(a, b Candidate) int { return strings.Compare(a.Price.ID, b.Price.ID) })
	}
}

// drop marks every eligible candidate of the type with the outcome.
func (r *resolver) drop(typ string, o Outcome) {
	for i := range r.cands {
		if c := &r.cands[i]; c.eligible && c.typ == typ {
			c.outcome, c.eligible = o, false
		}
	}
}

// best returns the lowest eligible candidate of the type in the order of compare.
// Without a tax rate, only the candidates with the tax basis of basis (or, with basis
// nil, of the type's first candidate in the tie-break order) compete; the others are
// dropped as TaxNotComparable.
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

// compare orders two candidates totally: the lower amount (cmpAmount), then a region
// price before a currency-wide one, then the earlier list start, then the lower price
// ID.
func (r *resolver) compare(a, b *candidate) int {
	if c := r.cmpAmount(a.p, b.p); c != 0 {
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

// cmpAmount compares the amounts of two prices: as they are when both have the same
// tax basis (or no rate is known, when the caller compares only prices of one basis),
// else the tax-exclusive one raised by the query's rate, exactly, against the other.
func (r *resolver) cmpAmount(a, b *Price) int {
	switch {
	case a.IncludesTax == b.IncludesTax || r.q.TaxRate == nil:
		return cmp.Compare(a.Amount, b.Amount)
	case a.IncludesTax:
		return -r.rate.raise(b.Amount).cmpInt64(a.Amount)
	}
	return r.rate.raise(a.Amount).cmpInt64(b.Amount)
}

// maxScannedTerms is how many lists' terms listTerms scans; beyond, it indexes them.
const maxScannedTerms = 16

// listTerms returns the terms of a list, loaded once per call: from the terms met so
// far, by a scan while they are few and by an index beyond (a batch of a large
// catalog meets hundreds of lists), else from the View's transaction.
func (r *resolver) listTerms(id string) (*PriceListTerms, error) {
	if len(r.terms) > maxScannedTerms {
		if i, ok := r.termsIndex[id]; ok {
			return &r.terms[i], nil
		}
	} else {
		for i := range r.terms {
			if r.terms[i].ID == id {
				return &r.terms[i], nil
			}
		}
	}
	if r.tx == nil {
		return nil, fmt.Errorf("pricing: the store read a price of list %q without the list's terms", id)
	}
	t, err := r.tx.PriceListTerms(id)
	if err != nil {
		return nil, err
	}
	return r.addTerms(t), nil
}

// addTerms adds the terms of a list to those met so far.
func (r *resolver) addTerms(t PriceListTerms) *PriceListTerms {
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
		r.termsIndex[t.ID] = i
	}
	return &r.terms[i]
}

// resetTerms forgets the terms of the previous call. The index keeps its capacity, so
// that calls that meet many lists (a variant priced by thousands of contract lists)
// do not build it again each time; one beyond maxIndexedTerms is let go, since clearing
// a map costs its capacity and such a call is rare.
func (r *resolver) resetTerms() {
	r.terms = r.terms[:0]
	if len(r.termsIndex) > maxIndexedTerms {
		r.termsIndex = nil
	} else {
		clear(r.termsIndex)
	}
}

// maxIndexedTerms is the size of the largest index of terms a pooled resolver keeps.
const maxIndexedTerms = 1 << 14
