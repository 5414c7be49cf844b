package pricing_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// The rules of Overlaps and DeadWeight in the package documentation, one fixture per
// case: the overlaps reported, in the form of fmtOverlap, and the dead weight, in the
// form of fmtDeadWeight.

type overlapCase struct {
	name      string
	setup     func(f *fx)
	opts      *pricing.OverlapOptions
	overlaps  []string
	dead      []string
	newFields bool
}

// fmtInstant is an instant as an offset from t0, "t0" itself, or "∞" for zero.
func fmtInstant(at time.Time) string {
	switch d := at.Sub(t0); {
	case at.IsZero():
		return "∞"
	case d == 0:
		return "t0"
	case d > 0:
		return "t0+" + d.String()
	default:
		return "t0" + d.String()
	}
}

// fmtOverlap is "scenario [from,to): lists → resolution (candidate: outcome, ...)".
func fmtOverlap(ov pricing.Overlap) string {
	var cands []string
	for _, c := range ov.Candidates {
		cands = append(cands, fmtCandidate(&c))
	}
	return fmt.Sprintf("%s [%s,%s): %s → %s (%s)", fmtScenario(ov.Scenario), fmtInstant(ov.From), fmtInstant(ov.To),
		strings.Join(ov.PriceListIDs, " "), fmtResolution(ov.Resolution), strings.Join(cands, ", "))
}

// fmtDeadWeight is one line per dead list, "list: reason [outcomes]", then one per dead
// price of the other lists, "list/price: [outcomes]".
func fmtDeadWeight(dw pricing.DeadWeight) []string {
	var out []string
	for _, l := range dw.Lists {
		out = append(out, fmt.Sprintf("%s: %s %q", l.PriceListID, l.Reason, l.Outcomes))
	}
	for _, p := range dw.Prices {
		out = append(out, fmt.Sprintf("%s/%s: %q", p.Price.PriceListID, p.Price.ID, p.Outcomes))
	}
	return out
}

var overlapCases = []overlapCase{
	{
		name: "two sales of equal amounts: the list that started earlier wins the tie, whatever the price IDs; the other is dead",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("x", ps(pi("p2", 1500)))
			f.sale("y", ps(pi("p1", 1500)), window(t0.Add(-time.Hour), time.Time{}))
		},
		overlaps: []string{
			"shirt usd - anyone - q1+ [t0,∞): x y → p2=1500 sale/b=2000 (b: original, p1: higher than the winner, p2: calculated)",
		},
		dead: []string{`y: never chosen ["higher than the winner"]`},
	},
	{
		name: "a list's currency-wide price that loses where it is not shadowed by the list's own region price is dead; the list is not",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("l", ps(pi("c", 1500), pi("c_ca", 1300, rg("reg_ca"))))
			f.sale("m", ps(pi("m", 1400)))
		},
		overlaps: []string{
			"shirt usd - anyone - q1+ [t0,∞): l m → m=1400 sale/b=2000 (b: original, c: higher than the winner, m: calculated)",
			"shirt usd reg_ca anyone - q1+ [t0,∞): l m → c_ca=1300 sale/b=2000 (b: original, c: shadowed by a region price, c_ca: calculated, m: higher than the winner)",
		},
		dead: []string{`l/c: ["higher than the winner" "shadowed by a region price"]`},
	},
	{
		name: "a price that wins for one tier only is not dead; consecutive tiers that resolve alike are one",
		setup: func(f *fx) {
			f.group("g")
			f.base(pi("b", 2000), pi("b20", 1900, qty(20, 0)))
			f.sale("t", ps(pi("t", 1400)))
			f.sale("u", ps(pi("u", 1300, qty(1, 9))))
			f.sale("gl", ps(pi("g5", 100, qty(5, 0))), groups("g"))
		},
		overlaps: []string{
			"shirt usd - anyone - q1-9 [t0,∞): t u → u=1300 sale/b=2000 (b: original, t: higher than the winner, u: calculated)",
			"shirt usd - g:g - q1-4 [t0,∞): t u → u=1300 sale/b=2000 (b: original, t: higher than the winner, u: calculated)",
			"shirt usd - g:g - q5-9 [t0,∞): gl t u → g5=100 sale/b=2000 (b: original, g5: calculated, t: higher than the winner, u: higher than the winner)",
			"shirt usd - g:g - q10-19 [t0,∞): gl t → g5=100 sale/b=2000 (b: original, g5: calculated, t: higher than the winner)",
			"shirt usd - g:g - q20+ [t0,∞): gl t → g5=100 sale/b20=1900 (b: higher than the winner, b20: original, g5: calculated, t: higher than the winner)",
		},
		dead: nil,
	},
	{
		name: "consecutive periods that resolve alike are one; a list that always loses is dead",
		setup: func(f *fx) {
			f.group("g")
			f.base(pi("bp", 2000))
			f.sale("a", ps(pi("pa", 1500)))
			f.sale("b", ps(pi("pb", 1400)), window(time.Time{}, t0.Add(2*time.Hour)))
			f.sale("c", ps(pi("pc", 1600)), groups("g"), window(t0.Add(time.Hour), time.Time{}))
		},
		overlaps: []string{
			"shirt usd - anyone - q1+ [t0,t0+2h0m0s): a b → pb=1400 sale/bp=2000 (bp: original, pa: higher than the winner, pb: calculated)",
			"shirt usd - g:g - q1+ [t0,t0+1h0m0s): a b → pb=1400 sale/bp=2000 (bp: original, pa: higher than the winner, pb: calculated)",
			"shirt usd - g:g - q1+ [t0+1h0m0s,t0+2h0m0s): a b c → pb=1400 sale/bp=2000 (bp: original, pa: higher than the winner, pb: calculated, pc: higher than the winner)",
			"shirt usd - g:g - q1+ [t0+2h0m0s,∞): a c → pa=1500 sale/bp=2000 (bp: original, pa: calculated, pc: higher than the winner)",
		},
		dead: []string{`c: never chosen ["higher than the winner"]`},
	},
	{
		name: "lists compete only while both windows are open; over a period within the later one, the other is dead",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("a", ps(pi("a", 1500)))
			f.sale("flash", ps(pi("fl", 1000)), window(t0.Add(time.Hour), t0.Add(2*time.Hour)))
		},
		overlaps: []string{
			"shirt usd - anyone - q1+ [t0+1h0m0s,t0+2h0m0s): a flash → fl=1000 sale/b=2000 (a: higher than the winner, b: original, fl: calculated)",
		},
		dead: nil,
	},
	{
		name: "a period: the lists whose window it contains",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("a", ps(pi("a", 1500)))
			f.sale("flash", ps(pi("fl", 1000)), window(t0.Add(time.Hour), t0.Add(2*time.Hour)))
		},
		opts: &pricing.OverlapOptions{Period: pricing.TimeRange{From: t0.Add(90 * time.Minute), To: t0.Add(2 * time.Hour)}},
		overlaps: []string{
			"shirt usd - anyone - q1+ [t0+1h30m0s,t0+2h0m0s): a flash → fl=1000 sale/b=2000 (a: higher than the winner, b: original, fl: calculated)",
		},
		dead: []string{`a: never chosen ["higher than the winner"]`},
	},
	{
		name: "an ended list, a list without prices and a draft: the first two are dead weight, the draft is not examined",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("ended", ps(pi("e", 1000)), window(t0.Add(-2*time.Hour), t0))
			f.sale("empty", nil)
			f.sale("draft", ps(pi("d", 900)), draft)
			f.sale("live", ps(pi("l", 1500)))
		},
		overlaps: nil,
		dead:     []string{`empty: prices nothing []`, `ended: outside the period []`},
	},
	{
		name: "lists of two groups compete only for a customer in both: examined when Audiences names them",
		setup: func(f *fx) {
			f.group("a")
			f.group("b")
			f.base(pi("b", 2000))
			f.sale("la", ps(pi("pa", 1500)), groups("a"))
			f.sale("lb", ps(pi("pb", 1600)), groups("b"))
		},
		opts: &pricing.OverlapOptions{Audiences: []pricing.Audience{{CustomerGroupIDs: []string{"b", "a"}}}},
		overlaps: []string{
			"shirt usd - g:a+b - q1+ [t0,∞): la lb → pa=1500 sale/b=2000 (b: original, pa: calculated, pb: higher than the winner)",
		},
		dead: nil,
	},
	{
		name: "without Audiences, lists of two groups do not compete, and the one that would lose for a customer in both is not dead",
		setup: func(f *fx) {
			f.group("a")
			f.group("b")
			f.base(pi("b", 2000))
			f.sale("la", ps(pi("pa", 1500)), groups("a"))
			f.sale("lb", ps(pi("pb", 1600)), groups("b"))
		},
		overlaps: nil,
		dead:     nil,
	},
	{
		name: "an override above the base price and a sale below it are both chosen: the original and the calculated",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.override("o", ps(pi("o", 2500)))
			f.sale("s", ps(pi("s", 2200)))
		},
		overlaps: []string{
			"shirt usd - anyone - q1+ [t0,∞): o s → s=2200 sale/o=2500 (b: replaced by an override, o: original, s: calculated)",
		},
		dead: nil,
	},
	{
		name: "a sale not lower than an override is dead",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.override("o", ps(pi("o", 1500)))
			f.sale("s", ps(pi("s", 1800)))
		},
		overlaps: []string{
			"shirt usd - anyone - q1+ [t0,∞): o s → o=1500 override (b: replaced by an override, o: calculated, s: sale not lower than the reference)",
		},
		dead: []string{`s: never chosen ["sale not lower than the reference"]`},
	},
	{
		name: "a list of a customer and a list of a channel compete with a list for everyone where they apply",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("all", ps(pi("all", 1500)))
			f.sale("cus", ps(pi("c", 1400)), customers("cus_1"))
			f.sale("web", ps(pi("w", 1450)), channels("web"))
		},
		overlaps: []string{
			"shirt usd - anyone web q1+ [t0,∞): all web → w=1450 sale/b=2000 (all: higher than the winner, b: original, w: calculated)",
			"shirt usd - c:cus_1 - q1+ [t0,∞): all cus → c=1400 sale/b=2000 (all: higher than the winner, b: original, c: calculated)",
			"shirt usd - c:cus_1 web q1+ [t0,∞): all cus web → c=1400 sale/b=2000 (all: higher than the winner, b: original, c: calculated, w: higher than the winner)",
		},
		dead:      nil,
		newFields: true,
	},
	{
		name: "a list with an adjustment competes through its derived prices; one that never wins is dead, with its derivation",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.base(pi("hb", 1000, variant("hat")))
			f.sale("off", nil, adjust(-10, ""))
			f.sale("s", ps(pi("s", 1700)))
		},
		overlaps: []string{
			"shirt usd - anyone - q1+ [t0,∞): off s → s=1700 sale/b=2000 (b: original, off~b: higher than the winner, s: calculated)",
		},
		dead:      []string{`off/off~b: ["higher than the winner"]`},
		newFields: true,
	},
}

func TestOverlapRules(t *testing.T) {
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			for _, tc := range overlapCases {
				t.Run(tc.name, func(t *testing.T) {
					store := st.open(t)
					if tc.newFields {
						requireNewListFields(t, store)
					}
					svc := pricing.New(store, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
					f := &fx{t: t, ctx: context.Background(), svc: svc}
					tc.setup(f)
					var got []string
					for ov, err := range svc.Overlaps(f.ctx, tc.opts) {
						must(t, err)
						got = append(got, fmtOverlap(ov))
						checkOverlapAgainstResolve(t, f, tc.opts, ov)
					}
					if !slices.Equal(got, tc.overlaps) {
						t.Errorf("overlaps:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(tc.overlaps, "\n      "))
					}
					dw := must1[pricing.DeadWeight](t)(svc.DeadWeight(f.ctx, tc.opts))
					if got := fmtDeadWeight(dw); !slices.Equal(got, tc.dead) {
						t.Errorf("dead weight:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(tc.dead, "\n      "))
					}
				})
			}
		})
	}
}

// checkOverlapAgainstResolve checks an overlap's resolution, and candidates, against
// Resolve with Explain at the start of its period and at its least quantity.
func checkOverlapAgainstResolve(t *testing.T, f *fx, opts *pricing.OverlapOptions, ov pricing.Overlap) {
	t.Helper()
	q := ov.Scenario.Query(ov.From)
	q.Explain = true
	if opts != nil {
		q.TaxRate = opts.TaxRate
	}
	res := must1[[]pricing.Resolution](t)(f.svc.ResolveMany(f.ctx, q, []pricing.Item{ov.Scenario.Item()}))[0]
	if got, want := fmtResolution(ov.Resolution), fmtResolution(res); got != want {
		t.Errorf("%s: the overlap resolves to %s, Resolve to %s", fmtOverlap(ov), got, want)
	}
	var eligible []pricing.Candidate
	for _, c := range res.Explanation {
		switch c.Outcome {
		case pricing.Calculated, pricing.Original, pricing.ShadowedByRegion, pricing.HigherThanWinner, pricing.Overridden,
			pricing.SaleNotLower, pricing.TaxNotComparable:
			c.Price.Revision = 0
			eligible = append(eligible, c)
		}
	}
	cands := slices.Clone(ov.Candidates)
	for i := range cands {
		cands[i].Price.Revision = 0
	}
	deepEqual(t, fmtOverlap(ov)+": candidates against Resolve's explanation", cands, eligible)
}
