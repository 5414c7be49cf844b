package pricing_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// TestOverlapsDiff is a differential test of Overlaps and DeadWeight against Resolve
// with Explain. On the random catalogs of TestPreviewDiff, it asks for the overlaps
// and the dead weight from now on, with every audience of the grid of TestPreviewDiff
// as OverlapOptions.Audiences, and resolves the grid at now and at every bound of a
// list's window after it. It checks that
//
//   - every overlap is real: Resolve at its start and least quantity gives its
//     resolution, and two lists or more have an eligible price there;
//   - no overlap is missed: every query of the grid at which two lists or more have an
//     eligible price is covered by an overlap of its variant, currency, audience,
//     quantity and instant, of its region or "", of its channel or "", with the same
//     resolution;
//   - the dead weight is exact: a list price is reported dead (alone, or with its
//     dead list) exactly when it is eligible somewhere in the grid and never the
//     calculated nor the original price; a list is dead when none of its prices is
//     chosen, for the reason its window, its prices or their outcomes give.
//
// Run it as:
//
//	go test -run TestOverlapsDiff                          # the default: a few seconds
//	go test -run TestOverlapsDiff -overlapsdiff.n=5000     # more catalogs
//	go test -run TestOverlapsDiff -overlapsdiff.seed=S -overlapsdiff.case=I
var (
	overlapsDiffN    = flag.Int("overlapsdiff.n", 80, "TestOverlapsDiff: random catalogs per store")
	overlapsDiffSeed = flag.Uint64("overlapsdiff.seed", 0, "TestOverlapsDiff: seed (0: a random one, printed on failure)")
	overlapsDiffCase = flag.Int("overlapsdiff.case", -1, "TestOverlapsDiff: run only the catalog of this index (with -overlapsdiff.seed)")
)

func TestOverlapsDiff(t *testing.T) {
	t.Parallel()
	seed := *overlapsDiffSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	first, last := 0, *overlapsDiffN
	if testing.Short() && *overlapsDiffCase < 0 {
		last = min(last, 20)
	}
	if *overlapsDiffCase >= 0 {
		first, last = *overlapsDiffCase, *overlapsDiffCase+1
	}
	for si, st := range testStores {
		if st.name == "candidates" {
			continue // Overlaps reads through a Tx; Resolve with Explain does too
		}
		t.Run(st.name, func(t *testing.T) {
			requireNewListFields(t, st.open(t))
			overlaps, failures := 0, 0
			for i := first; i < last && failures < 3; i++ {
				n, err := overlapsDiffCatalog(t, st, rand.New(rand.NewPCG(seed, uint64(si)<<32|uint64(i))))
				overlaps += n
				if err != nil {
					failures++
					t.Errorf("catalog %d (go test -run 'TestOverlapsDiff/%s$' -overlapsdiff.seed=%d -overlapsdiff.case=%d): %v",
						i, st.name, seed, i, err)
				}
			}
			t.Logf("seed %d: %d catalogs, %d overlaps checked", seed, last-first, overlaps)
		})
	}
}

// eligibleOutcome reports whether a candidate with the outcome was eligible.
func eligibleOutcome(o pricing.Outcome) bool {
	switch o {
	case pricing.Calculated, pricing.Original, pricing.ShadowedByRegion, pricing.HigherThanWinner, pricing.Overridden,
		pricing.SaleNotLower, pricing.TaxNotComparable:
		return true
	}
	return false
}

// overlapsDiffCatalog checks one random catalog and returns the number of overlaps.
func overlapsDiffCatalog(t *testing.T, st testStore, r *rand.Rand) (int, error) {
	ctx := context.Background()
	store := st.open(t)
	svc := pricing.New(store, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
	c := genCatalog(r)
	if err := c.build(ctx, svc, ""); err != nil {
		return 0, fmt.Errorf("build: %v", err)
	}
	if err := pdExtras(ctx, r, svc, c); err != nil {
		return 0, fmt.Errorf("extras: %v", err)
	}
	grid := pdGrid(c.groups)
	opts := &pricing.OverlapOptions{}
	if r.IntN(4) == 0 {
		opts.TaxRate = rate(pick(r, []float64{0, 0.2}))
	}
	seen := map[string]bool{}
	for _, q := range grid {
		if k := fmtAudience(q.audience); !seen[k] && k != "anyone" {
			seen[k] = true
			opts.Audiences = append(opts.Audiences, q.audience)
		}
	}
	fail := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("rate %v: %s", opts.TaxRate, fmt.Sprintf(format, args...))
	}

	var overlaps []pricing.Overlap
	for ov, err := range svc.Overlaps(ctx, opts) {
		if err != nil {
			return 0, err
		}
		overlaps = append(overlaps, ov)
	}
	dw, err := svc.DeadWeight(ctx, opts)
	if err != nil {
		return 0, err
	}

	// The instants: now, and every bound of a window after it.
	d := dumpStore(t, store)
	instants := []time.Time{t0}
	for _, l := range d.Lists {
		for _, b := range []time.Time{l.StartsAt, l.EndsAt} {
			if b.After(t0) {
				instants = append(instants, b)
			}
		}
	}
	slices.SortFunc(instants, time.Time.Compare)
	instants = slices.CompactFunc(instants, time.Time.Equal)

	// Resolve the grid at each instant, with Explain.
	type point struct {
		q   pdQuery
		at  time.Time
		res pricing.Resolution
	}
	var points []point
	eligible, chosen := map[string]bool{}, map[string]bool{}
	n := len(pdVariants) * pdMaxQuantity
	items := make([]pricing.Item, n)
	for _, at := range instants {
		for i := 0; i < len(grid); i += n {
			batch := grid[i : i+n]
			for j, q := range batch {
				items[j] = pricing.Item{VariantID: q.variant, Quantity: q.qty}
			}
			q := batch[0]
			res, err := svc.ResolveMany(ctx, pricing.Query{
				CurrencyCode: q.currency, RegionID: q.region, ChannelID: q.channel, CustomerID: q.audience.CustomerID,
				CustomerGroupIDs: q.audience.CustomerGroupIDs, At: at, TaxRate: opts.TaxRate, Explain: true,
			}, items)
			if err != nil {
				return 0, err
			}
			for j, q := range batch {
				points = append(points, point{q, at, res[j]})
				for _, c := range res[j].Explanation {
					if c.Price.PriceListID == "" || !eligibleOutcome(c.Outcome) {
						continue
					}
					eligible[c.Price.ID] = true
					if c.Outcome == pricing.Calculated || c.Outcome == pricing.Original {
						chosen[c.Price.ID] = true
					}
				}
			}
		}
	}

	// Every overlap is real, and no overlap is missed.
	for _, ov := range overlaps {
		if len(ov.PriceListIDs) < 2 {
			return fail("an overlap of fewer than two lists: %s", fmtOverlap(ov))
		}
	}
	covers := func(ov *pricing.Overlap, p *point) bool {
		sc := ov.Scenario
		return sc.VariantID == p.q.variant && sc.CurrencyCode == p.q.currency && fmtAudience(sc.Audience) == fmtAudience(p.q.audience) &&
			sc.MinQuantity <= p.q.qty && p.q.qty <= tierEnd(sc) && !p.at.Before(ov.From) && (ov.To.IsZero() || p.at.Before(ov.To))
	}
	for i := range points {
		p := &points[i]
		lists := map[string]bool{}
		for _, c := range p.res.Explanation {
			if c.Price.PriceListID != "" && eligibleOutcome(c.Outcome) {
				lists[c.Price.PriceListID] = true
			}
		}
		if len(lists) < 2 {
			continue
		}
		var found *pricing.Overlap
	search:
		for _, region := range []string{p.q.region, ""} {
			for _, channel := range []string{p.q.channel, ""} {
				for k := range overlaps {
					if ov := &overlaps[k]; ov.Scenario.RegionID == region && ov.Scenario.ChannelID == channel && covers(ov, p) {
						found = ov
						break search
					}
				}
			}
		}
		if found == nil {
			return fail("%s at %s: lists compete, no overlap reported", p.q, fmtInstant(p.at))
		}
		if got, want := fmtResolution(found.Resolution), fmtResolution(p.res); got != want {
			return fail("%s at %s: resolves to %s, reported as %s", p.q, fmtInstant(p.at), want, fmtOverlap(*found))
		}
	}

	// The dead weight is exact.
	reported := map[string]bool{}
	deadLists := map[string]pricing.DeadList{}
	for _, l := range dw.Lists {
		deadLists[l.PriceListID] = l
	}
	for _, p := range dw.Prices {
		if _, ok := deadLists[p.Price.PriceListID]; ok {
			return fail("a dead price %s of the dead list %s", p.Price.ID, p.Price.PriceListID)
		}
		reported[p.Price.ID] = true
	}
	for id := range eligible {
		price := priceOf(d, id)
		_, deadList := deadLists[price.PriceListID]
		if dead := !chosen[id]; dead != (reported[id] || deadList) {
			return fail("price %s of list %s: chosen %v, reported dead %v (its list dead: %v)", id, price.PriceListID, chosen[id], reported[id], deadList)
		}
	}
	for id := range reported {
		if !eligible[id] {
			return fail("price %s reported dead is eligible nowhere", id)
		}
	}
	for _, l := range d.Lists {
		if l.Status != pricing.Active {
			if _, ok := deadLists[l.ID]; ok {
				return fail("the draft list %s reported dead", l.ID)
			}
			continue
		}
		anyChosen, anyEligible := false, false
		for id := range eligible {
			if priceOf(d, id).PriceListID == l.ID {
				anyEligible = true
				anyChosen = anyChosen || chosen[id]
			}
		}
		dl, dead := deadLists[l.ID]
		switch {
		case !l.EndsAt.IsZero() && !l.EndsAt.After(t0):
			if !dead || dl.Reason != pricing.DeadOutsidePeriod {
				return fail("list %s ended: reported %+v", l.ID, dl)
			}
		case anyChosen:
			if dead {
				return fail("list %s has a price chosen, reported dead: %+v", l.ID, dl)
			}
		case anyEligible:
			if !dead || dl.Reason != pricing.DeadNeverChosen {
				return fail("list %s never chosen: reported %+v", l.ID, dl)
			}
		default:
			if !dead || dl.Reason != pricing.DeadPricesNothing {
				return fail("list %s prices nothing: reported %+v", l.ID, dl)
			}
		}
	}
	return len(overlaps), nil
}

// priceOf returns the price of the dump with the ID, or, for a derived price
// (list~base), a price of that list.
func priceOf(d dump, id string) pricing.Price {
	for _, p := range d.Prices {
		if p.ID == id {
			return p
		}
	}
	for _, l := range d.Lists {
		if len(id) > len(l.ID) && id[:len(l.ID)+1] == l.ID+"~" {
			return pricing.Price{ID: id, PriceListID: l.ID}
		}
	}
	return pricing.Price{ID: id}
}
