package pricing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// day is the instant d days after t0 (negative: before).
func day(d float64) time.Time { return t0.Add(time.Duration(d * 24 * float64(time.Hour))) }

// The lowest prior price: each case draws its timeline, in days from t0, with the price
// the query resolves to over each interval; the query runs on day 5 with PriorDays 30.
func TestLowestPrior(t *testing.T) {
	ctx := context.Background()
	type step struct {
		at float64 // the day the operation runs (the clock)
		do func(f *fx)
	}
	for _, tc := range []struct {
		name      string
		retention time.Duration
		steps     []step
		query     pricing.Query
		want      bool    // a lowest prior price
		amount    int64   // its amount
		reduction float64 // the day the reduction began
		from      float64 // the first day examined
		noStart   bool    // the reduction began before the history: no ReductionStart
	}{
		{
			// -60        0            5
			//  |--100----|----80------A    prior over [-30, 0): 100
			name: "a sale after a steady base price",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) { f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{})) }},
			},
			want: true, amount: 100, reduction: 0, from: -30,
		},
		{
			// -60      -20     -10       0         5
			//  |--100---|--90---|--120----|---80----A    prior: 90
			name: "the base price edited during the 30 days counts with each of its amounts",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) { f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{})) }},
				{-20, func(f *fx) { f.base(pi("b", 90)) }},
				{-10, func(f *fx) { f.base(pi("b", 120)) }},
			},
			want: true, amount: 90, reduction: 0, from: -30,
		},
		{
			// -60      -45     -40                 0        5
			//  |--100---|--70---|--------100--------|---80---A    prior over [-30, 0): 100 (70 is older)
			name: "a price older than the 30 days does not count",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) { f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{})) }},
				{-45, func(f *fx) { f.base(pi("b", 70)) }},
				{-40, func(f *fx) { f.base(pi("b", 100)) }},
			},
			want: true, amount: 100, reduction: 0, from: -30,
		},
		{
			// -60           -10        0         5
			//  |----100------|---A:80---|--B:70---A    one reduction from -10: prior over [-40, -10): 100
			name: "back-to-back sales are one reduction, referred to the price before the first",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) {
					f.sale("a", ps(pi("a1", 80)), window(day(-10), day(0)))
					f.sale("b", ps(pi("b1", 70)), window(day(0), time.Time{}))
				}},
			},
			want: true, amount: 100, reduction: -10, from: -40,
		},
		{
			// -60     -20 -19             0        5
			//  |--100--|50-|------100------|---80---A    the flash sale ended: prior over [-30, 0): 50
			name: "an earlier, separate sale within the 30 days counts",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) {
					f.sale("flash", ps(pi("f1", 50)), window(day(-20), day(-19)))
					f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{}))
				}},
			},
			want: true, amount: 50, reduction: 0, from: -30,
		},
		{
			// -60          -5          0        5
			//  |--60 (wholesale member)--|--100--|---80---A    the customer left wholesale on -5: prior 60
			name: "a customer whose groups changed: what they could pay then",
			steps: []step{
				{-60, func(f *fx) {
					f.group("wholesale", "cus_1")
					f.base(pi("b", 100))
					f.override("w", ps(pi("w1", 60)), groups("wholesale"))
					f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{}))
				}},
				{-5, func(f *fx) { must(f.t, f.svc.RemoveCustomers(f.ctx, "wholesale", []string{"cus_1"})) }},
			},
			query: pricing.Query{CustomerID: "cus_1"},
			want:  true, amount: 60, reduction: 0, from: -30,
		},
		{
			// -60        0                5
			//  |--100----|--110 incl.-----A    rate 0.2: the base raises to 120, the sale
			//                                  (110 with tax) is lower; prior 100 (its amount)
			name: "a tax rate compares the bases in the history too",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) { f.sale("s", ps(pi("s1", 110, taxIncl)), window(day(0), time.Time{}), inclTax) }},
			},
			query: pricing.Query{TaxRate: rate(0.2)},
			want:  true, amount: 100, reduction: 0, from: -30,
		},
		{
			// -60                       0        5
			//  |--100 (anonymous: no w)--|---80---A    another customer never saw 60: prior 100
			name: "the same catalog, for another shopper",
			steps: []step{
				{-60, func(f *fx) {
					f.group("wholesale", "cus_1")
					f.base(pi("b", 100))
					f.override("w", ps(pi("w1", 60)), groups("wholesale"))
					f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{}))
				}},
			},
			query: pricing.Query{CustomerID: "cus_2"},
			want:  true, amount: 100, reduction: 0, from: -30,
		},
		{
			// -60      -3          5
			//  |--100---|---80------A    the sale list was created on -3, already open: the reduction began when it was stored
			name: "a sale stored while its window was open begins when it was stored",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-3, func(f *fx) { f.sale("s", ps(pi("s1", 80)), window(day(-50), time.Time{})) }},
			},
			want: true, amount: 100, reduction: -3, from: -33,
		},
		{
			// -200 ... (history kept from -85) ... 5    the sale runs since before the history: no prior
			name:      "a sale that started before the history does",
			retention: 90 * 24 * time.Hour,
			steps: []step{
				{-200, func(f *fx) { f.base(pi("b", 100)) }},
				{-200, func(f *fx) { f.sale("s", ps(pi("s1", 80))) }},
				{-85, func(f *fx) { f.base(pi("h", 5, variant("hat"))) }},
				{5, func(f *fx) { f.base(pi("h", 6, variant("hat"))) }}, // trims revisions before -85
			},
			want: false, noStart: true,
		},
		{
			// history from -12:   -60 ... -12 | -12   0        5
			//                                 |--100--|---80---A    the 30 days are older than the history: examined from -12
			name:      "the 30 days begin before the history: examined from where it begins",
			retention: 17 * 24 * time.Hour,
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) { f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{})) }},
				{-12, func(f *fx) { f.base(pi("h", 5, variant("hat"))) }},
				{5, func(f *fx) { f.base(pi("h", 6, variant("hat"))) }},
			},
			want: true, amount: 100, reduction: 0, from: -12,
		},
		{
			// -60      -20  -10       0        5
			//  |--100---| --- |--120---|---80---A    no price at all on [-20, -10): prior 100
			name: "instants without a price are skipped",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) { f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{})) }},
				{-20, func(f *fx) {
					f.base(pi("b2", 100, variant("hat")))
					must1[[]pricing.Price](f.t)(f.svc.SetBasePrices(f.ctx, "shirt", nil))
				}},
				{-10, func(f *fx) { f.base(pi("b", 120)) }},
			},
			want: true, amount: 100, reduction: 0, from: -30,
		},
		{
			// -60      -20        -10       0        5
			//  |--100---|--90 (-10%)--|--85 (-15%)--|---80---A    an override list at -10%, then -15%, deleted at 0: prior 85
			name: "a percentage list counts, with the percentage it had then, even once deleted",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) { f.override("pct", nil, adjust(-10, ""), window(day(-20), time.Time{})) }},
				{-60, func(f *fx) { f.sale("s", ps(pi("s1", 80)), window(day(0), time.Time{})) }},
				{-10, func(f *fx) {
					must1[pricing.PriceList](f.t)(f.svc.UpdatePriceList(f.ctx, "pct", pricing.PriceListUpdate{Adjustment: &pricing.Adjustment{Percent: -15}}))
				}},
				{0, func(f *fx) { must(f.t, f.svc.DeletePriceList(f.ctx, "pct")) }},
			},
			want: true, amount: 85, reduction: 0, from: -30,
		},
		{
			name: "not a sale: no prior price",
			steps: []step{
				{-60, func(f *fx) { f.base(pi("b", 100)) }},
				{-60, func(f *fx) { f.override("o", ps(pi("o1", 80))) }},
			},
			want: false, noStart: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			onJournalStores(t, func(t *testing.T, st pricing.Store) {
				clk := newClock(day(tc.steps[0].at))
				opts := []pricing.Option{pricing.WithClock(clk.Now), pricing.WithIDGenerator(seqIDs("id"))}
				if tc.retention != 0 {
					opts = append(opts, pricing.WithRetention(tc.retention))
				}
				svc := pricing.New(st, opts...)
				f := &fx{t: t, ctx: ctx, svc: svc}
				for _, s := range tc.steps {
					clk.mu.Lock()
					clk.t = day(s.at)
					clk.mu.Unlock()
					s.do(f)
				}
				clk.mu.Lock()
				clk.t = day(5)
				clk.mu.Unlock()
				q := tc.query
				q.CurrencyCode, q.PriorDays = "usd", 30
				res := must1[pricing.Resolution](t)(svc.Resolve(ctx, q, "shirt", 1))
				if res.HasLowestPrior != tc.want || tc.want && res.LowestPriorAmount != tc.amount {
					t.Errorf("lowest prior: %v %d, want %v %d (resolution %d %s)", res.HasLowestPrior, res.LowestPriorAmount, tc.want, tc.amount, res.CalculatedAmount, res.CalculatedType)
				}
				if tc.noStart {
					if !res.ReductionStart.IsZero() {
						t.Errorf("ReductionStart %v, want none", res.ReductionStart)
					}
					return
				}
				if !res.ReductionStart.Equal(day(tc.reduction)) || !res.PriorFrom.Equal(day(tc.from)) {
					t.Errorf("reduction began %v, examined from %v; want day %v and day %v", res.ReductionStart, res.PriorFrom, tc.reduction, tc.from)
				}
				if tc.want && res.LowestPriorPrice.Amount != tc.amount {
					t.Errorf("LowestPriorPrice %+v", res.LowestPriorPrice)
				}
				// ResolveMany gives each item its own.
				many := must1[[]pricing.Resolution](t)(svc.ResolveMany(ctx, q, []pricing.Item{{VariantID: "ghost"}, {VariantID: "shirt"}}))
				deepEqual(t, "ResolveMany", many[1], res)
			})
		})
	}
}

func TestLowestPriorNeedsAJournal(t *testing.T) {
	ctx := context.Background()
	svc := pricing.New(noJournal{memory.New()})
	_, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", PriorDays: 30}, "shirt", 1)
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("err = %v, want errors.ErrUnsupported", err)
	}
	plain, _ := newService(t)
	if _, err := plain.Resolve(ctx, pricing.Query{CurrencyCode: "usd", PriorDays: -1}, "shirt", 1); !errors.Is(err, pricing.ErrInvalid) {
		t.Errorf("negative PriorDays: %v", err)
	}
}
