package pricing_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// TestPreviewDiff is a differential test of PreviewPriceList against Resolve. On random
// catalogs (those of TestResolveDiff, to which some lists get customers named, sales
// channels and an adjustment), it previews a random change to a random list (an update
// of one to three of its terms, or its deletion), then makes the change through
// UpdatePriceList or DeletePriceList, and resolves a grid of queries before and after:
// every variant, currency, region of the catalog and one without prices, channel of the
// catalog and none, quantity from 1 to 6, for the anonymous shopper, a customer in
// exactly each group, in two groups, and the customer of the catalog. It checks that
//
//   - the preview fails exactly when the change fails, with an error of the same kind;
//   - the preview writes nothing;
//   - every change reported is real: Resolve gives its Before before the change and
//     its After after it, for every quantity of its tier, and they differ; no two
//     changes are of one scenario;
//   - no change is missed: every query of the grid whose resolution changed is covered
//     by a change of its variant, currency, audience and quantity, of its region or of
//     the region "" (a region without prices of its own), of its channel or of the
//     channel "" (one that no list examined names), with the same Before and After.
//
// The grid's audiences are all examined when the preview is given them as
// PreviewOptions.Audiences, which half the catalogs are; in the other half the check
// covers the audiences the preview examines by default (anonymous, and the groups and
// customers the list names before or after the change).
//
//	go test -run TestPreviewDiff                          # the default: a second or two
//	go test -run TestPreviewDiff -previewdiff.n=20000     # more catalogs
//	go test -run TestPreviewDiff -previewdiff.seed=S -previewdiff.case=I   # one catalog again
var (
	previewDiffN    = flag.Int("previewdiff.n", 200, "TestPreviewDiff: random catalogs per store")
	previewDiffSeed = flag.Uint64("previewdiff.seed", 0, "TestPreviewDiff: seed (0: a random one, printed on failure)")
	previewDiffCase = flag.Int("previewdiff.case", -1, "TestPreviewDiff: run only the catalog of this index (with -previewdiff.seed)")
)

// pdQuery is a query of the grid.
type pdQuery struct {
	variant, currency, region, channel string
	audience                           pricing.Audience
	qty                                int64
}

func (q pdQuery) String() string {
	return fmt.Sprintf("%s %s %s %s %s q%d", q.variant, q.currency, cmpOr(q.region, "-"), fmtAudience(q.audience), cmpOr(q.channel, "-"), q.qty)
}

// pdGrid returns the queries of the grid for the catalog's groups, those of one
// variant and quantity after another.
func pdGrid(groups []string) []pdQuery {
	audiences := []pricing.Audience{{}, {CustomerID: "cus"}, {CustomerID: "someone"}, {CustomerID: "nobody"}, {CustomerID: "other"}}
	for _, g := range groups {
		audiences = append(audiences, pricing.Audience{CustomerGroupIDs: []string{g}})
	}
	if len(groups) >= 2 {
		audiences = append(audiences, pricing.Audience{CustomerGroupIDs: groups[:2]})
	}
	var out []pdQuery
	for _, cur := range []string{"usd", "eur"} {
		for _, region := range []string{"", "r1", "r2", "r_none"} {
			for _, a := range audiences {
				for _, ch := range []string{"", "web", "pos"} {
					for _, v := range pdVariants {
						for qty := int64(1); qty <= pdMaxQuantity; qty++ {
							out = append(out, pdQuery{v, cur, region, ch, a, qty})
						}
					}
				}
			}
		}
	}
	return out
}

// The variants and quantities of the grid.
var pdVariants = []string{"v1", "v2", "v3"}

const pdMaxQuantity = 6

// pdResolve resolves every query of the grid at the instant, with the tax rate: those
// of one query, for every variant and quantity, in one ResolveMany.
func pdResolve(ctx context.Context, svc *pricing.Service, grid []pdQuery, at time.Time, taxRate *float64) (map[string]pricing.Resolution, error) {
	out := make(map[string]pricing.Resolution, len(grid))
	n := len(pdVariants) * pdMaxQuantity
	items := make([]pricing.Item, n)
	for i := 0; i < len(grid); i += n {
		batch := grid[i : i+n]
		for j, q := range batch {
			items[j] = pricing.Item{VariantID: q.variant, Quantity: q.qty}
		}
		q := batch[0]
		res, err := svc.ResolveMany(ctx, pricing.Query{
			CurrencyCode: q.currency, RegionID: q.region, ChannelID: q.channel, CustomerID: q.audience.CustomerID,
			CustomerGroupIDs: q.audience.CustomerGroupIDs, At: at, TaxRate: taxRate,
		}, items)
		if err != nil {
			return nil, err
		}
		for j, q := range batch {
			out[q.String()] = res[j]
		}
	}
	return out, nil
}

// pdChange returns a random change to the list l of the catalog, and its description.
func pdChange(r *rand.Rand, c *dCatalog) (pricing.PriceListChange, string) {
	if r.IntN(8) == 0 {
		return pricing.PriceListChange{Delete: true}, "delete"
	}
	var u pricing.PriceListUpdate
	var what []string
	subset := func(of []string) *[]string {
		s := []string{}
		for _, id := range of {
			if r.IntN(2) == 0 {
				s = append(s, id)
			}
		}
		return &s
	}
	bound := func() *time.Time {
		if r.IntN(3) == 0 {
			return &time.Time{}
		}
		at := t0.Add(pick(r, diffOffsets))
		return &at
	}
	for range 1 + r.IntN(3) {
		switch r.IntN(9) {
		case 0:
			st := pick(r, []pricing.PriceListStatus{pricing.Active, pricing.Draft})
			u.Status = &st
			what = append(what, "status "+string(st))
		case 1:
			typ := pick(r, []pricing.PriceListType{pricing.Sale, pricing.Override})
			u.Type = &typ
			what = append(what, "type "+string(typ))
		case 2:
			u.StartsAt = bound()
			what = append(what, "starts_at "+u.StartsAt.Format(time.RFC3339Nano))
		case 3:
			u.EndsAt = bound()
			what = append(what, "ends_at "+u.EndsAt.Format(time.RFC3339Nano))
		case 4:
			u.CustomerGroupIDs = subset(c.groups)
			what = append(what, fmt.Sprintf("groups %q", *u.CustomerGroupIDs))
		case 5:
			u.CustomerIDs = subset([]string{"cus", "someone"})
			what = append(what, fmt.Sprintf("customers %q", *u.CustomerIDs))
		case 6:
			u.ChannelIDs = subset([]string{"web", "pos"})
			what = append(what, fmt.Sprintf("channels %q", *u.ChannelIDs))
		case 7:
			a := pick(r, []pricing.Adjustment{{}, {Percent: -10}, {Percent: -50, Rounding: pricing.RoundDown}, {Percent: 5, Rounding: pricing.RoundUp}, {Percent: -100}})
			u.Adjustment = &a
			what = append(what, fmt.Sprintf("adjustment %+v", a))
		case 8:
			incl := r.IntN(2) == 0
			u.IncludesTax = &incl
			what = append(what, fmt.Sprintf("includes_tax %v", incl))
		}
	}
	return pricing.PriceListChange{Update: &u}, strings.Join(what, ", ")
}

// pdExtras gives some lists of the catalog customers named, channels and an
// adjustment, which the catalogs of TestResolveDiff do not have.
func pdExtras(ctx context.Context, r *rand.Rand, svc *pricing.Service, c *dCatalog) error {
	for _, l := range c.lists {
		var u pricing.PriceListUpdate
		if r.IntN(4) == 0 {
			u.CustomerIDs = &[]string{pick(r, []string{"cus", "someone"})}
		}
		if r.IntN(4) == 0 {
			u.ChannelIDs = &[]string{pick(r, []string{"web", "pos"})}
		}
		if r.IntN(5) == 0 {
			u.Adjustment = &pricing.Adjustment{Percent: pick(r, []float64{-10, -20, 10})}
		}
		if _, err := svc.UpdatePriceList(ctx, l.id, u); err != nil {
			return err
		}
	}
	return nil
}

func TestPreviewDiff(t *testing.T) {
	t.Parallel()
	seed := *previewDiffSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	first, last := 0, *previewDiffN
	if testing.Short() && *previewDiffCase < 0 {
		last = min(last, 20)
	}
	if *previewDiffCase >= 0 {
		first, last = *previewDiffCase, *previewDiffCase+1
	}
	for si, st := range testStores {
		if st.name == "candidates" {
			continue // the memory store, read by Resolve through ReadCandidates: the preview reads through a Tx
		}
		t.Run(st.name, func(t *testing.T) {
			requireNewListFields(t, st.open(t))
			changes, failures := 0, 0
			for i := first; i < last && failures < 3; i++ {
				n, err := previewDiffCatalog(t, st, rand.New(rand.NewPCG(seed, uint64(si)<<32|uint64(i))))
				changes += n
				if err != nil {
					failures++
					t.Errorf("catalog %d (go test -run 'TestPreviewDiff/%s$' -previewdiff.seed=%d -previewdiff.case=%d): %v",
						i, st.name, seed, i, err)
				}
			}
			t.Logf("seed %d: %d catalogs, %d changes reported and checked", seed, last-first, changes)
		})
	}
}

// previewDiffCatalog checks the preview of one random change on one random catalog and
// returns the number of changes reported.
func previewDiffCatalog(t *testing.T, st testStore, r *rand.Rand) (int, error) {
	ctx := context.Background()
	store := st.open(t)
	svc := pricing.New(store, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
	c := genCatalog(r)
	if len(c.lists) == 0 {
		return 0, nil
	}
	if err := c.build(ctx, svc, ""); err != nil {
		return 0, fmt.Errorf("build: %v", err)
	}
	if err := pdExtras(ctx, r, svc, c); err != nil {
		return 0, fmt.Errorf("extras: %v", err)
	}
	list := pick(r, c.lists).id
	change, what := pdChange(r, c)
	opts := &pricing.PreviewOptions{}
	at := t0
	if r.IntN(4) == 0 {
		at = t0.Add(pick(r, diffOffsets))
		opts.At = at
	}
	if r.IntN(4) == 0 {
		opts.TaxRate = rate(pick(r, []float64{0, 0.2, 0.07}))
	}
	grid := pdGrid(c.groups)
	all := r.IntN(2) == 0
	if all {
		seen := map[string]bool{}
		for _, q := range grid {
			if k := fmtAudience(q.audience); !seen[k] && k != "anyone" {
				seen[k] = true
				opts.Audiences = append(opts.Audiences, q.audience)
			}
		}
	}
	fail := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("list %s, change %s, at %v, rate %v, all audiences %v: %s", list, what, at.Sub(t0), opts.TaxRate, all, fmt.Sprintf(format, args...))
	}

	before, err := pdResolve(ctx, svc, grid, at, opts.TaxRate)
	if err != nil {
		return 0, err
	}
	stored := dumpStore(t, store)
	changes, previewErr := collectPreview(ctx, svc, list, change, opts)
	if d := dumpStore(t, store); !equalDumps(d, stored) {
		return fail("the preview wrote to the store")
	}
	var changeErr error
	if change.Delete {
		changeErr = svc.DeletePriceList(ctx, list)
	} else {
		_, changeErr = svc.UpdatePriceList(ctx, list, *change.Update)
	}
	switch {
	case previewErr == nil && changeErr != nil, previewErr != nil && changeErr == nil:
		return fail("preview error %v, change error %v", previewErr, changeErr)
	case previewErr != nil:
		for _, kind := range []error{pricing.ErrInvalid, pricing.ErrNotFound, pricing.ErrConflict} {
			if errors.Is(previewErr, kind) != errors.Is(changeErr, kind) {
				return fail("preview error %v, change error %v", previewErr, changeErr)
			}
		}
		return 0, nil
	}
	after, err := pdResolve(ctx, svc, grid, at, opts.TaxRate)
	if err != nil {
		return 0, err
	}

	// Every change is real, and of a scenario of its own.
	type key struct{ variant, currency, region, audience, channel string }
	byKey := map[key][]pricing.PriceChange{}
	for _, ch := range changes {
		sc := ch.Scenario
		k := key{sc.VariantID, sc.CurrencyCode, sc.RegionID, fmtAudience(sc.Audience), sc.ChannelID}
		for _, other := range byKey[k] {
			if sc.MinQuantity <= tierEnd(other.Scenario) && other.Scenario.MinQuantity <= tierEnd(sc) {
				return fail("two changes of one scenario: %s and %s", fmtChange(other), fmtChange(ch))
			}
		}
		byKey[k] = append(byKey[k], ch)
		if fmtResolution(ch.Before) == fmtResolution(ch.After) {
			return fail("a change that changes nothing: %s", fmtChange(ch))
		}
		for qty := sc.MinQuantity; qty <= pdMaxQuantity && (sc.MaxQuantity == 0 || qty <= sc.MaxQuantity); qty++ {
			q := pdQuery{sc.VariantID, sc.CurrencyCode, sc.RegionID, sc.ChannelID, sc.Audience, qty}
			b, ok := before[q.String()]
			if !ok {
				return fail("a change of a scenario outside the grid: %s", fmtChange(ch))
			}
			if got, want := fmtResolution(ch.Before), fmtResolution(b); got != want {
				return fail("%s: Before %s, Resolve before the change %s", q, got, want)
			}
			if got, want := fmtResolution(ch.After), fmtResolution(after[q.String()]); got != want {
				return fail("%s: After %s, Resolve after the change %s", q, got, want)
			}
		}
	}

	// No change is missed.
	examined := func(a pricing.Audience) bool {
		if all || len(a.CustomerGroupIDs) == 0 && a.CustomerID == "" {
			return true
		}
		for _, l := range [2]*pricing.PriceList{stored.list(list), pdAfterList(ctx, svc, list)} {
			if l == nil {
				continue
			}
			if a.CustomerID != "" && slices.Contains(l.CustomerIDs, a.CustomerID) ||
				len(a.CustomerGroupIDs) == 1 && slices.Contains(l.CustomerGroupIDs, a.CustomerGroupIDs[0]) {
				return true
			}
		}
		return false
	}
	covers := func(ch pricing.PriceChange, q pdQuery) bool {
		sc := ch.Scenario
		return sc.MinQuantity <= q.qty && (sc.MaxQuantity == 0 || q.qty <= sc.MaxQuantity)
	}
	for _, q := range grid {
		b, a := before[q.String()], after[q.String()]
		if fmtResolution(a) == fmtResolution(b) || !examined(q.audience) {
			continue
		}
		var found *pricing.PriceChange
	search:
		for _, region := range []string{q.region, ""} {
			for _, channel := range []string{q.channel, ""} {
				for _, ch := range byKey[key{q.variant, q.currency, region, fmtAudience(q.audience), channel}] {
					if covers(ch, q) {
						found = &ch
						break search
					}
				}
			}
		}
		if found == nil {
			return fail("%s: %s → %s, not reported; the changes: %s", q, fmtResolution(b), fmtResolution(a), fmtChanges(changes))
		}
		if fmtResolution(found.Before) != fmtResolution(b) || fmtResolution(found.After) != fmtResolution(a) {
			return fail("%s: %s → %s, reported as %s", q, fmtResolution(b), fmtResolution(a), fmtChange(*found))
		}
	}
	return len(changes), nil
}

// tierEnd returns the greatest quantity of the scenario's tier.
func tierEnd(sc pricing.Scenario) int64 {
	if sc.MaxQuantity == 0 {
		return math.MaxInt64
	}
	return sc.MaxQuantity
}

func fmtChanges(changes []pricing.PriceChange) string {
	var s []string
	for _, c := range changes {
		s = append(s, fmtChange(c))
	}
	return "\n  " + strings.Join(s, "\n  ")
}

// list returns the list of the dump with the ID, or nil.
func (d dump) list(id string) *pricing.PriceList {
	for i := range d.Lists {
		if d.Lists[i].ID == id {
			return &d.Lists[i]
		}
	}
	return nil
}

// pdAfterList returns the list as the change left it, or nil when it is gone.
func pdAfterList(ctx context.Context, svc *pricing.Service, id string) *pricing.PriceList {
	pl, err := svc.PriceList(ctx, id)
	if err != nil {
		return nil
	}
	return &pl
}

// equalDumps reports whether two dumps hold the same records.
func equalDumps(a, b dump) bool {
	return reflect.DeepEqual(a, b)
}
