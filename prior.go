package pricing

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// The lowest prior price (EU Directive 98/6/EC, article 6a, as amended by Directive
// 2019/2161): next to a reduced price, a shop shows the lowest price it applied in the
// 30 days before the reduction. The Service computes it from the journal: it rebuilds,
// revision by revision, the part of the catalog that the item's resolution reads (the
// variant's prices in the query's currency, their lists' terms, the customer's groups)
// and resolves the same query at every instant at which that resolution can change.
//
// Definitions, for a resolution at instant A whose calculated price is a sale:
//   - The reduction began at the earliest instant S such that the same query resolved
//     to a sale at every instant of [S, A]: back-to-back sales, and a sale whose amount
//     changed, are one reduction (successive reductions refer to the price before the
//     first one).
//   - The lowest prior price is the lowest calculated amount the same query resolved to
//     at an instant of [S - N days, S), whatever its type, where it found a price.
//   - What counts is what was recorded and in force at each instant: a price edited
//     during the period counts with each of its amounts, for the time each was stored
//     and its list's window was open.
//   - The journal keeps history for its retention. When the reduction began before the
//     oldest revision it keeps, S is not known and there is no lowest prior price; when
//     only the start of the N days is older, the period examined begins at the oldest
//     revision (Resolution.PriorFrom says where).

// priorState is the part of the catalog that one item's resolution reads, as it was
// over one interval of time.
type priorState struct {
	prices map[string]Price          // by ID: the variant's prices in the query's currency
	terms  map[string]PriceListTerms // by list ID; a missing list has no entry
	groups map[string]bool           // the customer's groups
}

func (st priorState) clone() priorState {
	return priorState{prices: maps.Clone(st.prices), terms: maps.Clone(st.terms), groups: maps.Clone(st.groups)}
}

// priorRevision is one revision of the journal that changed the state, with the
// changes that concern it, in order.
type priorRevision struct {
	rev     int64
	at      time.Time
	changes []Change
}

// maxPriorAttempts bounds the reads of lowestPrior that a concurrent write spoils.
const maxPriorAttempts = 5

// lowestPrior fills in the lowest prior price of res, the resolution of it for q (a
// validated query with At set) when it is a sale.
func (s *Service) lowestPrior(ctx context.Context, q Query, it Item, res *Resolution) error {
	if !res.Found || res.CalculatedType != TypeSale {
		return nil
	}
	j, err := s.journal()
	if err != nil {
		return err
	}
	var h priorHistory
	for attempt := 0; ; attempt++ {
		ok, err := h.read(ctx, s.store, j, q, it.VariantID)
		if err != nil {
			return err
		}
		if ok {
			break
		}
		if attempt == maxPriorAttempts {
			return fmt.Errorf("pricing: the history of variant %q changed %d times while it was read", it.VariantID, maxPriorAttempts)
		}
	}
	return h.lowest(s, q, it, res)
}

// priorHistory is the history of one item's resolution: its state now, and the
// revisions that led to it.
type priorHistory struct {
	now       priorState
	revisions []priorRevision
	// since is the first instant the history knows: the time of the oldest revision
	// the journal keeps, or zero when it keeps every revision since the first.
	since time.Time
}

// read reads the history of the variant for the query. It reports false when a write
// committed between its reads, which then disagree.
func (h *priorHistory) read(ctx context.Context, store Store, j Journal, q Query, variantID string) (bool, error) {
	// The variant's price changes, and the lists they name, first: then the state
	// and its revision R in one View, with the terms of every list named; then what
	// committed meanwhile, which must name no other list.
	priceChanges, last, err := readChanges(ctx, j, priceKey(variantID), 0, 0)
	if err != nil {
		return false, err
	}
	lists := map[string]bool{}
	noteLists := func(cs []priorRevision) {
		for _, r := range cs {
			for _, c := range r.changes {
				for _, p := range []*Price{c.Price, c.OldPrice} {
					if p != nil && p.PriceListID != "" {
						lists[p.PriceListID] = true
					}
				}
			}
		}
	}
	noteLists(priceChanges)
	// The lists that had an adjustment, whose derived prices are in no variant's
	// history: from the journal's markers, and those that have one now.
	if err := j.ReadJournal(ctx, 0, adjustedKey, 0, func(e JournalEntry) bool {
		for _, it := range e.Items {
			lists[string(it.Data)] = true
		}
		return true
	}); err != nil {
		return false, err
	}
	var rev int64
	h.now = priorState{prices: map[string]Price{}, terms: map[string]PriceListTerms{}, groups: map[string]bool{}}
	err = store.View(ctx, func(tx Tx) error {
		jt, ok := tx.(JournalTx)
		if !ok {
			return fmt.Errorf("pricing: the View of a Journal store is not a JournalTx: %w", errors.ErrUnsupported)
		}
		var err error
		if rev, err = jt.LastRevision(); err != nil {
			return err
		}
		prices, err := tx.AppendVariantPrices(nil, variantID, q.CurrencyCode)
		if err != nil {
			return err
		}
		adjusted, err := appendAdjustedListIDs(tx, nil)
		if err != nil {
			return err
		}
		for _, id := range adjusted {
			lists[id] = true
		}
		for _, p := range prices {
			h.now.prices[p.ID] = p
			if p.PriceListID != "" {
				lists[p.PriceListID] = true
			}
		}
		for id := range lists {
			t, err := tx.PriceListTerms(id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			t.CustomerGroupIDs = slices.Clone(t.CustomerGroupIDs)
			h.now.terms[id] = t
		}
		if q.CustomerID != "" {
			groups, err := tx.AppendCustomerGroupIDs(nil, q.CustomerID)
			if err != nil {
				return err
			}
			for _, g := range groups {
				h.now.groups[g] = true
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if last > rev {
		return false, nil // the first read saw revisions the View did not
	}
	more, _, err := readChanges(ctx, j, priceKey(variantID), last, rev)
	if err != nil {
		return false, err
	}
	before := len(lists)
	noteLists(more)
	if len(lists) != before {
		return false, nil // a list the View did not read the terms of
	}
	h.revisions = append(priceChanges, more...)
	for id := range lists {
		cs, _, err := readChanges(ctx, j, listKey(id), 0, rev)
		if err != nil {
			return false, err
		}
		h.revisions = append(h.revisions, cs...)
	}
	if q.CustomerID != "" {
		cs, _, err := readChanges(ctx, j, customerKey(q.CustomerID), 0, rev)
		if err != nil {
			return false, err
		}
		h.revisions = append(h.revisions, cs...)
	}
	h.revisions = mergeRevisions(h.revisions)
	// Where the history begins.
	h.since = time.Time{}
	if err := j.ReadJournal(ctx, 0, "", 1, func(e JournalEntry) bool {
		if e.Revision > 1 {
			h.since = e.At
		}
		return false
	}); err != nil {
		return false, err
	}
	return true, nil
}

// readChanges reads the revisions after after, up to upTo (0: every one), of the
// items under key, and returns the last revision it read.
func readChanges(ctx context.Context, j Journal, key string, after, upTo int64) ([]priorRevision, int64, error) {
	var out []priorRevision
	last := after
	var decodeErr error
	err := j.ReadJournal(ctx, after, key, 0, func(e JournalEntry) bool {
		if upTo > 0 && e.Revision > upTo {
			return false
		}
		r := priorRevision{rev: e.Revision, at: e.At, changes: make([]Change, len(e.Items))}
		for i, it := range e.Items {
			if decodeErr = decodeChange(e.Revision, it, &r.changes[i]); decodeErr != nil {
				return false
			}
		}
		out = append(out, r)
		last = e.Revision
		return true
	})
	if err == nil {
		err = decodeErr
	}
	return out, last, err
}

// mergeRevisions sorts the revisions read under several keys and joins those of one
// revision.
func mergeRevisions(rs []priorRevision) []priorRevision {
	slices.SortStableFunc(rs, func(a, b priorRevision) int { return int(a.rev - b.rev) })
	var out []priorRevision
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].rev == r.rev {
			out[n-1].changes = append(out[n-1].changes, r.changes...)
			continue
		}
		out = append(out, r)
	}
	return out
}

// undo changes the state after the changes of r into the state before them.
func (prev priorState) undo(r priorRevision, q Query, variantID string) {
	for i := len(r.changes) - 1; i >= 0; i-- {
		c := r.changes[i]
		switch c.Kind {
		case KindPrice:
			if c.Price != nil {
				delete(prev.prices, c.ID)
			}
			if p := c.OldPrice; p != nil && p.VariantID == variantID && p.CurrencyCode == q.CurrencyCode {
				prev.prices[c.ID] = *p
			}
		case KindPriceList:
			delete(prev.terms, c.ID)
			if c.OldPriceList != nil {
				prev.terms[c.ID] = c.OldPriceList.Terms()
			}
		case KindMembership:
			if c.CustomerID != q.CustomerID {
				continue
			}
			if c.Op == OpCreate {
				delete(prev.groups, c.ID)
			} else {
				prev.groups[c.ID] = true
			}
		}
	}
}

// segment is an interval of time over which the item's resolution does not change.
type segment struct {
	from  time.Time // zero: from the beginning of time
	state *priorState
}

// lowest computes the lowest prior price from the history.
func (h *priorHistory) lowest(s *Service, q Query, it Item, res *Resolution) error {
	// The states, oldest first: states[i] holds from revisions[i-1].at (states[0]
	// from the beginning of the history) to revisions[i].at. A state that holds for
	// no time (its revision has the time of the next: a bulk load makes many) is
	// never resolved, so the undo goes on in place rather than in a copy.
	states := make([]priorState, len(h.revisions)+1)
	states[len(h.revisions)] = h.now
	empty := func(i int) bool {
		return i > 0 && i < len(h.revisions) && !h.revisions[i-1].at.Before(h.revisions[i].at)
	}
	for i := len(h.revisions) - 1; i >= 0; i-- {
		prev := states[i+1]
		if !empty(i + 1) {
			prev = prev.clone()
		}
		prev.undo(h.revisions[i], q, it.VariantID)
		states[i] = prev
	}
	// The segments: a state's interval, cut at every window bound of its lists.
	var segs []segment
	for i := range states {
		from, to := h.since, time.Time{}
		if i > 0 {
			from = h.revisions[i-1].at
		}
		if i < len(h.revisions) {
			to = h.revisions[i].at
		}
		if !to.IsZero() && !from.IsZero() && !from.Before(to) {
			continue // a revision with the time of the next (or a clock that went back)
		}
		segs = append(segs, segment{from: from, state: &states[i]})
		var cuts []time.Time
		for _, t := range states[i].terms {
			for _, b := range []time.Time{t.StartsAt, t.EndsAt} {
				if !b.IsZero() && (from.IsZero() || b.After(from)) && (to.IsZero() || b.Before(to)) {
					cuts = append(cuts, b)
				}
			}
		}
		slices.SortFunc(cuts, time.Time.Compare)
		for _, c := range slices.Compact(cuts) {
			segs = append(segs, segment{from: c, state: &states[i]})
		}
	}
	// The segment that holds A, resolved at A, then back, segment by segment, to the
	// start of the reduction. A segment is resolved at its start: nothing changes
	// within it.
	k := len(segs) - 1
	for k > 0 && segs[k].from.After(q.At) {
		k--
	}
	start := -1
	for i := k; i >= 0; i-- {
		at := segs[i].from
		if i == k || at.IsZero() {
			at = q.At
			if i < k {
				at = segs[i+1].from.Add(-time.Nanosecond)
			}
		}
		r, err := s.resolveState(q, it, segs[i].state, at)
		if err != nil {
			return err
		}
		if !r.Found || r.CalculatedType != TypeSale {
			break
		}
		start = i
	}
	if start < 0 || segs[start].from.IsZero() || start == 0 && !h.since.IsZero() {
		return nil // the reduction began before the history does
	}
	reduction := segs[start].from
	from := reduction.Add(-time.Duration(q.PriorDays) * 24 * time.Hour)
	if !h.since.IsZero() && h.since.After(from) {
		from = h.since
	}
	found := false
	var lowest Resolution
	for i := start - 1; i >= 0; i-- {
		end := segs[i+1].from
		if !end.After(from) {
			break
		}
		at := segs[i].from
		if at.IsZero() || at.Before(from) {
			at = from
		}
		r, err := s.resolveState(q, it, segs[i].state, at)
		if err != nil {
			return err
		}
		if r.Found && (!found || r.CalculatedAmount < lowest.CalculatedAmount) {
			lowest, found = r, true
		}
	}
	res.ReductionStart, res.PriorFrom = reduction, from
	if found {
		res.HasLowestPrior = true
		res.LowestPriorAmount, res.LowestPriorPrice = lowest.CalculatedAmount, lowest.CalculatedPrice
	}
	return nil
}

// resolveState resolves the item for q at instant at over a state of the history.
func (s *Service) resolveState(q Query, it Item, st *priorState, at time.Time) (Resolution, error) {
	r := s.getResolver()
	defer s.putResolver(r)
	r.q, r.explain = q, false
	r.q.At, r.q.Explain, r.q.ExplainVisible = at, false, false
	if q.TaxRate != nil {
		r.rate, _ = parseRate(*q.TaxRate, maxTaxRate) // validated with q
	}
	r.customerGroups = r.customerGroups[:0]
	for g := range st.groups {
		r.customerGroups = append(r.customerGroups, g)
	}
	slices.Sort(r.customerGroups)
	r.queryGroups = append(r.queryGroups[:0], q.CustomerGroupIDs...)
	slices.Sort(r.queryGroups)
	r.queryGroups = slices.Compact(r.queryGroups)
	r.mergeGroups()
	r.resetTerms()
	r.adjusted = r.adjusted[:0]
	for _, t := range st.terms {
		r.addTerms(t)
		r.noteAdjusted(t)
	}
	r.prices = r.prices[:0]
	for _, p := range st.prices {
		if _, ok := st.terms[p.PriceListID]; ok || p.PriceListID == "" {
			r.prices = append(r.prices, p)
		}
	}
	return r.item(r.prices, it)
}
