package pricing

import (
	"context"
	"iter"
	"slices"
	"strings"
	"time"
)

// OverlapOptions tunes Overlaps and DeadWeight. The zero value examines the time from
// the Service's now on.
type OverlapOptions struct {
	// Period is the time examined, [From, To). A zero From is the Service's now; a zero
	// To is unbounded.
	Period TimeRange `json:"period"`
	// TaxRate is the tax rate of every query, as Query.TaxRate; nil: unknown.
	TaxRate *float64 `json:"tax_rate"`
	// Audiences are examined besides the default ones (anonymous, a customer in
	// exactly each group an active list names, each customer one names): for example
	// a customer in two groups, for whom the lists of both compete.
	Audiences []Audience `json:"audiences,omitempty"`
	// StartAfter, for Overlaps, skips the variants up to it, in ascending ID order, as
	// PreviewOptions.StartAfter does. DeadWeight examines every variant and refuses it.
	StartAfter string `json:"start_after,omitempty"`
}

// Overlap is a scenario in which the prices of two or more active lists are eligible at
// once, during [From, To) (To zero: unbounded), and which of them the rules choose.
type Overlap struct {
	Scenario Scenario  `json:"scenario"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// PriceListIDs are the lists that compete: those with an eligible price,
	// ascending.
	PriceListIDs []string `json:"price_list_ids"`
	// Candidates are the eligible prices, base and list prices, in ascending ID
	// order, with their outcome: calculated, original, or why they lost.
	Candidates []Candidate `json:"candidates"`
	// Resolution is the scenario's resolution: its calculated price is the winner.
	Resolution Resolution `json:"resolution"`
}

// DeadWeight is what DeadWeight finds: the active lists none of whose prices is ever
// chosen in the period, and the prices never chosen of the other lists. A price is
// chosen in a scenario when it is the calculated price or the original one.
type DeadWeight struct {
	// Lists are the dead lists, by ID.
	Lists []DeadList `json:"lists"`
	// Prices are the prices never chosen of the lists that have a price chosen
	// somewhere, by list ID then price ID. (Every price of a dead list is dead.)
	Prices []DeadPrice `json:"prices"`
}

// DeadList is an active list none of whose prices is chosen in any scenario of the
// period, and why.
type DeadList struct {
	PriceListID string     `json:"price_list_id"`
	Reason      DeadReason `json:"reason"`
	// Outcomes are the reasons its prices lost where they were eligible, ascending;
	// empty unless Reason is DeadNeverChosen.
	Outcomes []Outcome `json:"outcomes"`
}

// DeadReason says why a list is dead weight.
type DeadReason string

// The reasons of a DeadList.
const (
	DeadOutsidePeriod DeadReason = "outside the period" // its window does not meet the period
	DeadPricesNothing DeadReason = "prices nothing"     // no price written, none derived
	DeadNeverChosen   DeadReason = "never chosen"       // its prices lose wherever they are eligible
)

// DeadPrice is a price of an active list, written or derived, that is eligible in some
// scenario of the period and chosen in none.
type DeadPrice struct {
	Price Price `json:"price"`
	// Derivation, for a price the list's Adjustment derives, says from what.
	Derivation *Derivation `json:"derivation,omitempty"`
	// Outcomes are the reasons it lost where it was eligible, ascending: "shadowed by
	// a region price" alone means a price of its own list for the region always
	// stands in its way.
	Outcomes []Outcome `json:"outcomes"`
}

// Overlaps yields every scenario in which the prices of two or more active lists are
// eligible at once during the period, with the candidates and the winner: the report
// of where lists compete. It yields them by variant ID, currency, region, audience,
// channel, tier of quantities and time, as the package documentation ("Overlaps")
// says, merging consecutive tiers and periods that resolve alike, and stops early when
// the loop stops. An invalid option is yielded as the only error. opts may be nil.
//
// Each chunk of some hundreds of variants is read in one read transaction.
func (s *Service) Overlaps(ctx context.Context, opts *OverlapOptions) iter.Seq2[Overlap, error] {
	return func(yield func(Overlap, error) bool) {
		o, err := s.newOverlapRun(opts, false)
		if err == nil {
			err = o.run(ctx, s, func(out []Overlap) bool {
				for _, ov := range out {
					if !yield(ov, nil) {
						return false
					}
				}
				return true
			})
		}
		if err != nil {
			yield(Overlap{}, err)
		}
	}
}

// DeadWeight returns the active lists none of whose prices is chosen, calculated or
// original, in any scenario of the period, and the prices never chosen of the other
// lists. It examines the scenarios Overlaps does, every one and not only those where
// lists compete, so that a price that wins for one tier, region, audience or while
// another list has ended is not dead.
func (s *Service) DeadWeight(ctx context.Context, opts *OverlapOptions) (DeadWeight, error) {
	o, err := s.newOverlapRun(opts, true)
	if err != nil {
		return DeadWeight{}, err
	}
	if err := o.run(ctx, s, nil); err != nil {
		return DeadWeight{}, err
	}
	return o.deadWeight(), nil
}

// overlapRun is the state of one Overlaps or DeadWeight.
type overlapRun struct {
	from, to   time.Time
	startAfter string
	extra      []Audience
	e          *examiner
	dead       bool // DeadWeight: track what is chosen; Overlaps: report overlaps
	currencies []string
	// lists are the active lists whose window meets the period, by ID; outside the
	// active lists that do not.
	lists   map[string]*listState
	outside []string
	out     []Overlap
	// The variant and currency at hand.
	prices   []Price
	relevant []string // the lists met, with a price or a derived one
	sp       space
	instants []time.Time // the start of each period of the variant and currency
	byTime   [][]Price   // the prices that can apply in the scenario at hand at each instant
	seen     map[string]*priceState
	runs     []overlapTier // the overlaps of the tiers of one region, audience and channel
}

// listState is what DeadWeight learns of a list.
type listState struct {
	terms    PriceListTerms
	prices   int // written and derived prices met
	chosen   bool
	outcomes []Outcome
	dead     []DeadPrice
}

// priceState is what DeadWeight learns of a price of a variant and currency.
type priceState struct {
	price      Price
	derivation *Derivation
	eligible   bool
	chosen     bool
	outcomes   []Outcome
}

// overlapTier is the overlaps of one tier, over time.
type overlapTier struct {
	tier     int
	overlaps []Overlap // consecutive periods that resolve alike merged
}

// overlapChunk is how many variants a read transaction of Overlaps examines.
const overlapChunk = 256

func (s *Service) newOverlapRun(opts *OverlapOptions, dead bool) (*overlapRun, error) {
	if opts == nil {
		opts = &OverlapOptions{}
	}
	var fe fieldErrors
	ratio := checkTaxRate(&fe, opts.TaxRate)
	extra := checkAudiences(&fe, "Audiences", opts.Audiences)
	checkOptionalID(&fe, "StartAfter", opts.StartAfter)
	if dead && opts.StartAfter != "" {
		fe.add("StartAfter", "DeadWeight examines every variant")
	}
	from, to := utc(opts.Period.From), utc(opts.Period.To)
	if from.IsZero() {
		from = s.clock()
	}
	if !to.IsZero() && !from.Before(to) {
		fe.add("Period.To", "not after Period.From (or now)")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	return &overlapRun{
		from: from, to: to, startAfter: opts.StartAfter, extra: extra, dead: dead,
		e: newExaminer(s, opts.TaxRate, ratio), lists: map[string]*listState{}, seen: map[string]*priceState{},
	}, nil
}

// meets reports whether the window of the list meets the period.
func (o *overlapRun) meets(t *PriceListTerms) bool {
	return (t.EndsAt.IsZero() || t.EndsAt.After(o.from)) && (t.StartsAt.IsZero() || o.to.IsZero() || t.StartsAt.Before(o.to))
}

// run examines every variant that an active list prices, a chunk of them per read
// transaction, and passes each chunk's overlaps to emit (nil for DeadWeight), which
// returns false to stop.
func (o *overlapRun) run(ctx context.Context, s *Service, emit func([]Overlap) bool) error {
	var variants []string
	if err := s.store.View(ctx, func(tx Tx) error {
		var err error
		variants, err = o.variants(tx, variants[:0])
		return err
	}); err != nil {
		return err
	}
	if o.startAfter != "" {
		i, found := slices.BinarySearch(variants, o.startAfter)
		if found {
			i++
		}
		variants = variants[i:]
	}
	for len(variants) > 0 {
		chunk := variants[:min(overlapChunk, len(variants))]
		variants = variants[len(chunk):]
		o.out = o.out[:0]
		if err := s.store.View(ctx, func(tx Tx) error {
			defer o.e.end()
			if err := o.e.begin(tx); err != nil {
				return err
			}
			for _, v := range chunk {
				if err := o.variant(tx, v); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if emit != nil && !emit(o.out) {
			return nil
		}
	}
	return nil
}

// variants returns, ascending, the variants that the active lists whose window meets
// the period price, written or derived, and notes those lists and the others.
func (o *overlapRun) variants(tx Tx, dst []string) ([]string, error) {
	clear(o.lists)
	o.outside, o.currencies = o.outside[:0], o.currencies[:0]
	var ids []string
	adjusted := false
	if err := tx.PriceLists(func(pl PriceList) bool {
		if pl.Status != Active {
			return true
		}
		t := pl.Terms()
		if !o.meets(&t) {
			o.outside = append(o.outside, pl.ID)
			return true
		}
		o.lists[pl.ID] = &listState{terms: t}
		ids = append(ids, pl.ID)
		adjusted = adjusted || pl.Adjustment != nil
		return true
	}); err != nil {
		return nil, err
	}
	add := func(p Price) bool {
		if len(dst) == 0 || dst[len(dst)-1] != p.VariantID {
			dst = append(dst, p.VariantID)
		}
		if !slices.Contains(o.currencies, p.CurrencyCode) {
			o.currencies = append(o.currencies, p.CurrencyCode)
		}
		return true
	}
	for _, id := range ids {
		if err := tx.PricesOfList(id, add); err != nil {
			return nil, err
		}
	}
	if adjusted {
		if err := tx.PricesOfList("", add); err != nil {
			return nil, err
		}
	}
	slices.Sort(o.currencies)
	slices.Sort(dst)
	return slices.Compact(dst), nil
}

// variant examines every scenario of the variant.
func (o *overlapRun) variant(tx Tx, v string) error {
	for _, cur := range o.currencies {
		var err error
		if o.prices, err = tx.AppendVariantPrices(o.prices[:0], v, cur); err != nil {
			return err
		}
		if err := o.currency(); err != nil {
			return err
		}
	}
	return nil
}

// currency examines every scenario of the variant and currency of o.prices.
func (o *overlapRun) currency() error {
	e := o.e
	o.relevant = o.relevant[:0]
	bases := false
	for i := range o.prices {
		p := &o.prices[i]
		if p.PriceListID == "" {
			bases = true
		} else if o.lists[p.PriceListID] != nil && !slices.Contains(o.relevant, p.PriceListID) {
			o.relevant = append(o.relevant, p.PriceListID)
		}
	}
	if bases {
		if err := e.adjustedLists(func(t *PriceListTerms) {
			if o.lists[t.ID] != nil && !slices.Contains(o.relevant, t.ID) {
				o.relevant = append(o.relevant, t.ID)
			}
		}); err != nil {
			return err
		}
	}
	if len(o.relevant) == 0 {
		return nil
	}
	slices.Sort(o.relevant)

	// The space: the regions and tiers of the base prices and of the lists examined,
	// their audiences and channels; the periods between their windows' bounds.
	sp := &o.sp
	sp.reset(o.prices[0].VariantID, o.prices[0].CurrencyCode)
	o.instants = append(o.instants[:0], o.from)
	for i := range o.prices {
		if id := o.prices[i].PriceListID; id == "" || o.lists[id] != nil {
			sp.addPrice(&o.prices[i])
		}
	}
	for _, id := range o.relevant {
		t := &o.lists[id].terms
		sp.addList(t)
		for _, b := range [2]time.Time{t.StartsAt, t.EndsAt} {
			if !b.IsZero() && b.After(o.from) && (o.to.IsZero() || b.Before(o.to)) {
				o.instants = append(o.instants, b)
			}
		}
	}
	sp.finish(o.extra)
	slices.SortFunc(o.instants, time.Time.Compare)
	o.instants = slices.CompactFunc(o.instants, time.Time.Equal)
	if o.dead {
		if err := o.notePrices(); err != nil {
			return err
		}
	}

	for len(o.byTime) < len(o.instants) {
		o.byTime = append(o.byTime, nil)
	}
	var sc Scenario
	for ri := range sp.regions {
		for ai := range sp.audiences {
			for ci := range sp.channels {
				sc = sp.scenario(ri, ai, ci, 0)
				if err := e.set(&sc, o.from); err != nil {
					return err
				}
				for k, at := range o.instants {
					e.r.q.At = at
					var err error
					if o.byTime[k], err = e.applicable(o.byTime[k][:0], o.prices, ""); err != nil {
						return err
					}
				}
				o.runs = o.runs[:0]
				for ti := range sp.tiers {
					sc = sp.scenario(ri, ai, ci, ti)
					if err := o.tier(&sc, ti); err != nil {
						return err
					}
				}
				o.flushTiers()
			}
		}
	}
	if o.dead {
		o.settlePrices()
	}
	return nil
}

// tier resolves the scenario at each instant: it notes what is chosen, and the
// overlaps.
func (o *overlapRun) tier(sc *Scenario, ti int) error {
	e := o.e
	o.runs = append(o.runs, overlapTier{tier: ti})
	run := &o.runs[len(o.runs)-1]
	for k, at := range o.instants {
		e.r.q.At = at
		res, err := e.resolve(o.byTime[k], sc)
		if err != nil {
			return err
		}
		if o.dead {
			o.noteOutcomes()
			continue
		}
		if !o.competing() {
			continue
		}
		to := o.to
		if k+1 < len(o.instants) {
			to = o.instants[k+1]
		}
		if n := len(run.overlaps); n > 0 && run.overlaps[n-1].To.Equal(at) && o.sameOutcome(&run.overlaps[n-1], &res) {
			run.overlaps[n-1].To = to
			continue
		}
		run.overlaps = append(run.overlaps, o.overlap(sc, at, to, res))
	}
	return nil
}

// competing reports whether the eligible candidates of the last resolve belong to two
// or more lists.
func (o *overlapRun) competing() bool {
	first := ""
	for i := range o.e.r.cands {
		id := o.e.r.cands[i].p.PriceListID
		switch {
		case id == "":
		case first == "":
			first = id
		case id != first:
			return true
		}
	}
	return false
}

// overlap returns the overlap of the last resolve.
func (o *overlapRun) overlap(sc *Scenario, from, to time.Time, res Resolution) Overlap {
	ov := Overlap{Scenario: *sc, From: from, To: to, Resolution: res}
	ov.Scenario.Audience.CustomerGroupIDs = slices.Clone(sc.Audience.CustomerGroupIDs) // sc's are the space's
	for i := range o.e.r.cands {
		c := &o.e.r.cands[i]
		ov.Candidates = append(ov.Candidates, c.public())
		if id := c.p.PriceListID; id != "" && !slices.Contains(ov.PriceListIDs, id) {
			ov.PriceListIDs = append(ov.PriceListIDs, id)
		}
	}
	slices.SortFunc(ov.Candidates, func(a, b Candidate) int { return strings.Compare(a.Price.ID, b.Price.ID) })
	slices.Sort(ov.PriceListIDs)
	return ov
}

// sameOutcome reports whether the last resolve, res, resolves as the overlap ov does:
// the same candidates with the same outcomes, the same resolution.
func (o *overlapRun) sameOutcome(ov *Overlap, res *Resolution) bool {
	cands := o.e.r.cands
	if len(cands) != len(ov.Candidates) || sigOf(res) != sigOf(&ov.Resolution) {
		return false
	}
	for i := range cands {
		c := &cands[i]
		j := slices.IndexFunc(ov.Candidates, func(x Candidate) bool { return x.Price.ID == c.p.ID })
		if j < 0 || ov.Candidates[j].Outcome != c.outcome || ov.Candidates[j].Price.Amount != c.p.Amount {
			return false
		}
	}
	return true
}

// flushTiers emits the overlaps of the tiers of one region, audience and channel,
// merging consecutive tiers whose overlaps are the same over time.
func (o *overlapRun) flushTiers() {
	sp := &o.sp
	for i := 0; i < len(o.runs); {
		j := i + 1
		for j < len(o.runs) && sameOverTime(o.runs[i].overlaps, o.runs[j].overlaps) {
			j++
		}
		maxQ := int64(0)
		if j < len(sp.tiers) {
			maxQ = sp.tiers[j] - 1
		}
		for _, ov := range o.runs[i].overlaps {
			ov.Scenario.MaxQuantity = maxQ
			o.out = append(o.out, ov)
		}
		i = j
	}
}

// sameOverTime reports whether two tiers' overlaps are the same, period by period.
func sameOverTime(a, b []Overlap) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := &a[i], &b[i]
		if !x.From.Equal(y.From) || !x.To.Equal(y.To) || sigOf(&x.Resolution) != sigOf(&y.Resolution) || len(x.Candidates) != len(y.Candidates) {
			return false
		}
		for k := range x.Candidates {
			if candSig(&x.Candidates[k]) != candSig(&y.Candidates[k]) {
				return false
			}
		}
	}
	return true
}

// notePrices notes the prices of the lists examined in the variant and currency at
// hand, written and derived, before DeadWeight sees what becomes of them.
func (o *overlapRun) notePrices() error {
	clear(o.seen)
	for i := range o.prices {
		if p := &o.prices[i]; p.PriceListID != "" && o.lists[p.PriceListID] != nil {
			o.seen[p.ID] = &priceState{price: *p}
		}
	}
	r := &o.e.r
	if len(r.adjusted) == 0 {
		return nil
	}
	derived := r.derive(o.prices)
	for i := len(o.prices); i < len(derived); i++ {
		p := &derived[i]
		if o.lists[p.PriceListID] == nil {
			continue
		}
		t, err := r.listTerms(p.PriceListID)
		if err != nil {
			return err
		}
		o.seen[p.ID] = &priceState{price: *p, derivation: &Derivation{BasePrice: *r.bases[i], Adjustment: *t.Adjustment}}
	}
	return nil
}

// noteOutcomes notes what became of the eligible list prices of the last resolve.
func (o *overlapRun) noteOutcomes() {
	for i := range o.e.r.cands {
		c := &o.e.r.cands[i]
		ps := o.seen[c.p.ID]
		if ps == nil {
			continue
		}
		ps.eligible = true
		switch c.outcome {
		case Calculated, Original:
			ps.chosen = true
		default:
			if !slices.Contains(ps.outcomes, c.outcome) {
				ps.outcomes = append(ps.outcomes, c.outcome)
			}
		}
	}
}

// settlePrices adds what DeadWeight learnt of the prices of the variant and currency
// at hand to their lists.
func (o *overlapRun) settlePrices() {
	for _, ps := range o.seen {
		ls := o.lists[ps.price.PriceListID]
		ls.prices++
		if ps.chosen {
			ls.chosen = true
			continue
		}
		for _, oc := range ps.outcomes {
			if !slices.Contains(ls.outcomes, oc) {
				ls.outcomes = append(ls.outcomes, oc)
			}
		}
		slices.Sort(ps.outcomes)
		ls.dead = append(ls.dead, DeadPrice{Price: ps.price, Derivation: ps.derivation, Outcomes: nonNil(ps.outcomes)})
	}
}

// deadWeight returns what DeadWeight found.
func (o *overlapRun) deadWeight() DeadWeight {
	out := DeadWeight{Lists: []DeadList{}, Prices: []DeadPrice{}}
	for _, id := range o.outside {
		out.Lists = append(out.Lists, DeadList{PriceListID: id, Reason: DeadOutsidePeriod, Outcomes: []Outcome{}})
	}
	for id, ls := range o.lists {
		switch {
		case ls.prices == 0:
			out.Lists = append(out.Lists, DeadList{PriceListID: id, Reason: DeadPricesNothing, Outcomes: []Outcome{}})
		case !ls.chosen:
			slices.Sort(ls.outcomes)
			out.Lists = append(out.Lists, DeadList{PriceListID: id, Reason: DeadNeverChosen, Outcomes: nonNil(ls.outcomes)})
		default:
			out.Prices = append(out.Prices, ls.dead...)
		}
	}
	slices.SortFunc(out.Lists, func(a, b DeadList) int { return strings.Compare(a.PriceListID, b.PriceListID) })
	slices.SortFunc(out.Prices, func(a, b DeadPrice) int {
		if c := strings.Compare(a.Price.PriceListID, b.Price.PriceListID); c != 0 {
			return c
		}
		return strings.Compare(a.Price.ID, b.Price.ID)
	})
	return out
}
