package pricing

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Audience is a shopper as PreviewPriceList and Overlaps examine them: anonymous when
// both fields are empty; a customer who belongs to exactly the groups CustomerGroupIDs
// and to no other; or the customer CustomerID, with the groups they belong to (and
// CustomerGroupIDs besides, as in a Query).
type Audience struct {
	CustomerGroupIDs []string `json:"customer_group_ids,omitempty"`
	CustomerID       string   `json:"customer_id,omitempty"`
}

// Scenario is one situation of a shopper that a report examines: a variant in a
// currency and region, for an audience in a sales channel, at a tier of quantities.
// Every quantity of the tier resolves alike.
type Scenario struct {
	VariantID    string `json:"variant_id"`
	CurrencyCode string `json:"currency_code"`
	// RegionID is a region that has a price of its own for the variant in the
	// currency, or "": no region, or any region without a price of its own, which all
	// resolve alike.
	RegionID string   `json:"region_id"`
	Audience Audience `json:"audience"`
	// ChannelID is a channel a list examined is limited to, or "": no channel, or any
	// channel that none of the lists examined is limited to.
	ChannelID string `json:"channel_id"`
	// MinQuantity and MaxQuantity bound the tier, inclusive; MaxQuantity 0 is
	// unbounded.
	MinQuantity int64 `json:"min_quantity"`
	MaxQuantity int64 `json:"max_quantity"`
}

// Query returns the query that resolves the scenario at the instant at.
func (sc Scenario) Query(at time.Time) Query {
	return Query{
		CurrencyCode: sc.CurrencyCode, RegionID: sc.RegionID, CustomerID: sc.Audience.CustomerID,
		CustomerGroupIDs: sc.Audience.CustomerGroupIDs, ChannelID: sc.ChannelID, At: at,
	}
}

// Item returns the item that the scenario resolves: its variant at the least quantity
// of its tier.
func (sc Scenario) Item() Item { return Item{VariantID: sc.VariantID, Quantity: sc.MinQuantity} }

// checkAudiences validates the audiences a caller adds to a report and returns them
// with their groups ascending and without repeats.
func checkAudiences(fe *fieldErrors, field string, in []Audience) []Audience {
	out := make([]Audience, len(in))
	for i, a := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		checkOptionalID(fe, f+".CustomerID", a.CustomerID)
		out[i] = Audience{CustomerGroupIDs: foldIDs(fe, f+".CustomerGroupIDs", a.CustomerGroupIDs), CustomerID: a.CustomerID}
	}
	return out
}

// checkTaxRate validates the tax rate of a report as Query.TaxRate is validated.
func checkTaxRate(fe *fieldErrors, rate *float64) decimalRatio {
	if rate == nil {
		return decimalRatio{}
	}
	ratio, ok := parseRate(*rate, maxTaxRate)
	if !ok {
		fe.add("TaxRate", fmt.Sprintf("%v is not a rate from 0 to %d", *rate, maxTaxRate))
	}
	return ratio
}

// audienceKey is a comparable form of an audience.
func audienceKey(a Audience) string {
	return strings.Join(a.CustomerGroupIDs, "\x00") + "\x01" + a.CustomerID
}

// space is the scenarios a report examines for one variant in one currency: every
// region, audience, channel and tier. Within a dimension, the values are those at
// which the rules can decide differently: the regions of the prices that can apply, the
// groups, customers and channels the lists examined name, and the quantities at which
// a price that can apply starts or stops applying. Any other value resolves as one of
// them: a region without prices as "", a channel no list names as "", a quantity as the
// least quantity of its tier.
type space struct {
	variantID, currency string
	regions             []string // "" first, then ascending
	audiences           []Audience
	channels            []string // "" first, then ascending
	tiers               []int64  // the least quantity of each tier, ascending, from 1
	// groups and customers collect the audiences the lists name.
	groups, customers []string
}

// reset empties the space for the variant and currency.
func (sp *space) reset(variantID, currency string) {
	sp.variantID, sp.currency = variantID, currency
	sp.regions = append(sp.regions[:0], "")
	sp.audiences = sp.audiences[:0]
	sp.channels = append(sp.channels[:0], "")
	sp.tiers = append(sp.tiers[:0], 1)
	sp.groups, sp.customers = sp.groups[:0], sp.customers[:0]
}

// addPrice adds the region and quantity bounds of a price that can apply.
func (sp *space) addPrice(p *Price) {
	if p.RegionID != "" {
		sp.regions = append(sp.regions, p.RegionID)
	}
	if p.MinQuantity > 1 {
		sp.tiers = append(sp.tiers, p.MinQuantity)
	}
	if p.MaxQuantity > 0 && p.MaxQuantity < math.MaxInt64 {
		sp.tiers = append(sp.tiers, p.MaxQuantity+1)
	}
}

// addList adds the groups, customers and channels a list examined names.
func (sp *space) addList(t *PriceListTerms) {
	sp.groups = append(sp.groups, t.CustomerGroupIDs...)
	sp.customers = append(sp.customers, t.CustomerIDs...)
	sp.channels = append(sp.channels, t.ChannelIDs...)
}

// addCompetitor adds the groups and customers (with audiences) and the channels (with
// channels) that another list names, one that competes with the list examined where
// that list is open to everyone or to every channel.
func (sp *space) addCompetitor(t *PriceListTerms, audiences, channels bool) {
	if audiences {
		sp.groups = append(sp.groups, t.CustomerGroupIDs...)
		sp.customers = append(sp.customers, t.CustomerIDs...)
	}
	if channels {
		sp.channels = append(sp.channels, t.ChannelIDs...)
	}
}

// everyone reports whether the list's audience is everyone.
func (t *PriceListTerms) everyone() bool {
	return len(t.CustomerGroupIDs) == 0 && len(t.CustomerIDs) == 0
}

// finish sorts the dimensions and builds the audiences: anonymous, then a customer in
// exactly each group, then each customer named, then the extra audiences not already
// there.
func (sp *space) finish(extra []Audience) {
	sortTail := func(s []string) []string {
		slices.Sort(s[1:])
		return slices.Compact(s) // "" sorts first: a "" in the tail folds into the head
	}
	sp.regions = sortTail(sp.regions)
	sp.channels = sortTail(sp.channels)
	slices.Sort(sp.tiers)
	sp.tiers = slices.Compact(sp.tiers)
	slices.Sort(sp.groups)
	sp.groups = slices.Compact(sp.groups)
	slices.Sort(sp.customers)
	sp.customers = slices.Compact(sp.customers)
	sp.audiences = append(sp.audiences, Audience{})
	for i := range sp.groups {
		sp.audiences = append(sp.audiences, Audience{CustomerGroupIDs: sp.groups[i : i+1 : i+1]})
	}
	for _, c := range sp.customers {
		sp.audiences = append(sp.audiences, Audience{CustomerID: c})
	}
	if len(extra) > 0 {
		seen := make(map[string]bool, len(sp.audiences)+len(extra))
		for _, a := range sp.audiences {
			seen[audienceKey(a)] = true
		}
		for _, a := range extra {
			if k := audienceKey(a); !seen[k] {
				seen[k] = true
				sp.audiences = append(sp.audiences, a)
			}
		}
	}
}

// scenario returns the scenario of the region, audience, channel and tier indexes.
func (sp *space) scenario(region, audience, channel, tier int) Scenario {
	sc := Scenario{
		VariantID: sp.variantID, CurrencyCode: sp.currency, RegionID: sp.regions[region],
		Audience: sp.audiences[audience], ChannelID: sp.channels[channel], MinQuantity: sp.tiers[tier],
	}
	if tier+1 < len(sp.tiers) {
		sc.MaxQuantity = sp.tiers[tier+1] - 1
	}
	return sc
}

// examiner resolves many scenarios in one transaction, through the resolver's own
// steps (resolver.item), so that a report applies every rule exactly as Resolve does.
// It reads the customers' groups once per transaction.
type examiner struct {
	r        resolver
	groupsOf map[string][]string
}

// newExaminer returns an examiner of the service's rules, for the tax rate (nil:
// unknown) whose ratio checkTaxRate returned.
func newExaminer(s *Service, rate *float64, ratio decimalRatio) *examiner {
	e := &examiner{groupsOf: map[string][]string{}}
	e.r.s = s
	e.r.q.TaxRate, e.r.rate = rate, ratio
	return e
}

// begin starts the examination of the state of tx: the terms of the lists and the
// lists with an adjustment are read again, as are the customers' groups.
func (e *examiner) begin(tx Tx) error {
	e.r.tx = tx
	e.r.resetTerms()
	clear(e.groupsOf)
	return e.r.loadAdjusted(tx)
}

// end forgets the transaction.
func (e *examiner) end() { e.r.tx = nil }

// adjustedLists calls fn with the terms of each list with an adjustment.
func (e *examiner) adjustedLists(fn func(*PriceListTerms)) error {
	for _, al := range e.r.adjusted {
		t, err := e.r.listTerms(al.id)
		if err != nil {
			return err
		}
		fn(t)
	}
	return nil
}

// terms returns the terms of a list in the transaction.
func (e *examiner) terms(id string) (*PriceListTerms, error) { return e.r.listTerms(id) }

// set makes the scenario, at the instant, the query of the resolves and checks that
// follow: its currency, region, channel and audience, with the groups of its customer.
func (e *examiner) set(sc *Scenario, at time.Time) error {
	r := &e.r
	r.q.CurrencyCode, r.q.RegionID, r.q.ChannelID, r.q.At = sc.CurrencyCode, sc.RegionID, sc.ChannelID, at
	r.q.CustomerID, r.q.CustomerGroupIDs = sc.Audience.CustomerID, sc.Audience.CustomerGroupIDs
	r.queryGroups = sc.Audience.CustomerGroupIDs
	r.customerGroups = nil
	if c := sc.Audience.CustomerID; c != "" {
		groups, ok := e.groupsOf[c]
		if !ok {
			var err error
			if groups, err = r.tx.AppendCustomerGroupIDs(nil, c); err != nil {
				return err
			}
			e.groupsOf[c] = groups
		}
		r.customerGroups = groups
	}
	r.mergeGroups()
	return nil
}

// resolve resolves the scenario last set, at its tier's least quantity, from prices:
// every price of the variant in the scenario's currency that can apply. Afterwards
// e.r.cands holds the eligible candidates with their outcomes, and e.r.itemPrices
// (when lists with an adjustment exist) the prices with the derived ones.
func (e *examiner) resolve(prices []Price, sc *Scenario) (Resolution, error) {
	return e.r.item(prices, sc.Item())
}

// applies reports whether the prices of the list with terms t can apply in the
// scenario last set, as far as the list's terms decide (status, window, channel,
// audience).
func (e *examiner) applies(t *PriceListTerms) bool { return e.r.listEligibility(t) == pending }

// inForce reports whether the prices of the list with terms t can apply at the
// instant at to some shopper: the resolver does not find the list a draft, not yet
// started or ended.
func (e *examiner) inForce(t *PriceListTerms, at time.Time) bool {
	e.r.q.At = at
	switch e.r.listEligibility(t) {
	case DraftList, NotStarted, Ended:
		return false
	}
	return true
}

// applicable appends to dst the prices that can apply in the scenario last set: the
// base prices, the prices of the list keep, and those of the lists that the resolver
// does not keep out for a reason that holds whatever the region and quantity (a draft,
// an ended list, another channel, another audience). The resolver would drop the
// others at once, and they do not bear on ValidUntil (a list not yet started does),
// so a report resolves the scenario's tiers and regions without them.
func (e *examiner) applicable(dst, prices []Price, keep string) ([]Price, error) {
	for i := range prices {
		if id := prices[i].PriceListID; id != "" && id != keep {
			t, err := e.r.listTerms(id)
			if err != nil {
				return nil, err
			}
			switch e.r.listEligibility(t) {
			case DraftList, Ended, WrongChannel, NotInAudience:
				continue
			}
		}
		dst = append(dst, prices[i])
	}
	return dst, nil
}

// allPrices returns the prices of the last resolve with those the adjusted lists
// derived, and the base price of each (nil for a price not derived).
func (e *examiner) allPrices(prices []Price) ([]Price, []*Price) {
	if len(e.r.adjusted) == 0 {
		return prices, nil
	}
	return e.r.itemPrices, e.r.bases
}

// public returns the Candidate form of a candidate of the last resolve.
func (c *candidate) public() Candidate {
	out := Candidate{Price: *c.p, Type: c.typ, Outcome: c.outcome}
	if c.base != nil {
		out.Derivation = &Derivation{BasePrice: *c.base, Adjustment: *c.adjusted}
	}
	return out
}

// listPrice returns the price of the list listID that the last resolve, of prices,
// met, with what became of it: the one calculated, else the one that is the original,
// else the eligible one that came closest (a region price first, then the lowest
// amount, then the lowest ID), else the one that would have been eligible but for the
// list's terms (status, window, channel, audience), with the term that excluded it. It
// reports false when the list has no price for the scenario's currency, region and
// quantity.
func (e *examiner) listPrice(prices []Price, listID string, qty int64) (Candidate, bool, error) {
	r := &e.r
	var best *candidate
	for i := range r.cands {
		if c := &r.cands[i]; c.p.PriceListID == listID && (best == nil || closer(c, best)) {
			best = c
		}
	}
	if best != nil {
		return best.public(), true, nil
	}
	all, bases := e.allPrices(prices)
	var t *PriceListTerms
	var found candidate
	for i := range all {
		p := &all[i]
		if p.PriceListID != listID || r.priceEligibility(p, qty) != pending {
			continue
		}
		if t == nil {
			var err error
			if t, err = r.listTerms(listID); err != nil {
				return Candidate{}, false, err
			}
		}
		c := candidate{p: p, typ: string(t.Type), outcome: r.listEligibility(t)}
		if i < len(bases) && bases[i] != nil {
			c.base, c.adjusted = bases[i], t.Adjustment
		}
		if found.p == nil || closer(&c, &found) {
			found = c
		}
	}
	if found.p == nil {
		return Candidate{}, false, nil
	}
	return found.public(), true, nil
}

// closer reports whether the candidate a of a list is closer to winning than b: what
// listPrice reports of the list.
func closer(a, b *candidate) bool {
	rank := func(c *candidate) int {
		switch c.outcome {
		case Calculated:
			return 0
		case Original:
			return 1
		}
		return 2
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra < rb
	}
	if ar, br := a.p.RegionID != "", b.p.RegionID != ""; ar != br {
		return ar
	}
	if a.p.Amount != b.p.Amount {
		return a.p.Amount < b.p.Amount
	}
	return a.p.ID < b.p.ID
}

// resolutionSig is what tells two resolutions apart in a report: the calculated and
// the original price, their amounts, types and tax bases.
type resolutionSig struct {
	found            bool
	calcID, calcType string
	calcAmount       int64
	calcTax          bool
	hasOrig          bool
	origID, origType string
	origAmount       int64
	origTax          bool
}

func sigOf(r *Resolution) resolutionSig {
	return resolutionSig{
		found: r.Found, calcID: r.CalculatedPrice.ID, calcType: r.CalculatedType, calcAmount: r.CalculatedAmount,
		calcTax: r.CalculatedIncludesTax, hasOrig: r.HasOriginal, origID: r.OriginalPrice.ID,
		origType: r.OriginalType, origAmount: r.OriginalAmount, origTax: r.OriginalIncludesTax,
	}
}

// candidateSig is what tells two candidates apart in a report.
type candidateSig struct {
	id      string
	amount  int64
	tax     bool
	outcome Outcome
}

func candSig(c *Candidate) candidateSig {
	if c == nil {
		return candidateSig{}
	}
	return candidateSig{c.Price.ID, c.Price.Amount, c.Price.IncludesTax, c.Outcome}
}
