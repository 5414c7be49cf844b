package pricing_test

import (
	"context"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// Resolution.ValidUntil is the next start or end of the window of a list that prices
// the item for the query; lists that cannot price it do not count.
func TestValidUntil(t *testing.T) {
	ctx := context.Background()
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	for _, tc := range []struct {
		name  string
		setup func(f *fx)
		query pricing.Query
		qty   int64
		want  time.Time
	}{
		{"base prices only: never", func(f *fx) { f.base(pi("b", 1000)) }, pricing.Query{}, 1, time.Time{}},
		{"an open-ended sale: never", func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("s", ps(pi("s1", 900)), window(h(-1), time.Time{}))
		}, pricing.Query{}, 1, time.Time{}},
		{"a sale that ends", func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("s", ps(pi("s1", 900)), window(h(-1), h(5)))
		}, pricing.Query{}, 1, h(5)},
		{"the nearest of an end and a start", func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("s", ps(pi("s1", 900)), window(h(-1), h(5)))
			f.override("o", ps(pi("o1", 1100)), window(h(3), h(9)))
		}, pricing.Query{}, 1, h(3)},
		{"a list that starts later, even one that will not win, counts", func(f *fx) {
			f.base(pi("b", 1000))
			f.sale("s", ps(pi("s1", 1200)), window(h(2), time.Time{}))
		}, pricing.Query{}, 1, h(2)},
		{"not for a draft, another audience, currency, region or quantity", func(f *fx) {
			f.group("vip")
			f.base(pi("b", 1000))
			f.sale("draft", ps(pi("d1", 900)), window(h(1), h(2)), draft)
			f.sale("vip", ps(pi("v1", 900)), window(h(1), h(2)), groups("vip"))
			f.sale("eur", ps(pi("e1", 900, cur("eur"))), window(h(1), h(2)))
			f.sale("ca", ps(pi("c1", 900, rg("reg_ca"))), window(h(1), h(2)))
			f.sale("bulk", ps(pi("q1", 900, qty(10, 0))), window(h(1), h(2)))
			f.sale("ended", ps(pi("x1", 900)), window(h(-2), h(-1)))
		}, pricing.Query{}, 1, time.Time{}},
		{"for the customer's audience", func(f *fx) {
			f.group("vip", "cus_1")
			f.base(pi("b", 1000))
			f.sale("vip", ps(pi("v1", 900)), window(h(1), h(2)), groups("vip"))
		}, pricing.Query{CustomerID: "cus_1"}, 1, h(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, _ := newService(t)
			tc.setup(&fx{t: t, ctx: ctx, svc: svc})
			q := tc.query
			q.CurrencyCode = "usd"
			res := must1[pricing.Resolution](t)(svc.Resolve(ctx, q, "shirt", tc.qty))
			if !res.ValidUntil.Equal(tc.want) {
				t.Errorf("ValidUntil %v, want %v", res.ValidUntil, tc.want)
			}
			many := must1[[]pricing.Resolution](t)(svc.ResolveMany(ctx, q, []pricing.Item{{VariantID: "shirt", Quantity: tc.qty}}))
			if !many[0].ValidUntil.Equal(tc.want) {
				t.Errorf("ResolveMany: ValidUntil %v, want %v", many[0].ValidUntil, tc.want)
			}
			// At ValidUntil's instant, resolving again may give another answer; just
			// before it, the same.
			if !tc.want.IsZero() {
				q.At = tc.want.Add(-time.Nanosecond)
				again := must1[pricing.Resolution](t)(svc.Resolve(ctx, q, "shirt", tc.qty))
				if again.CalculatedPrice != res.CalculatedPrice {
					t.Errorf("just before ValidUntil: %+v, want %+v", again.CalculatedPrice, res.CalculatedPrice)
				}
			}
		})
	}
}

func TestWindowChanges(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	f := &fx{t: t, ctx: ctx, svc: svc}
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	f.sale("a", ps(pi("a1", 1)), window(h(1), h(3)))
	f.sale("b", ps(pi("b1", 1)), window(h(3), h(5)))
	f.sale("c", ps(pi("c1", 1)), window(h(2), time.Time{}))
	f.sale("draft", ps(pi("d1", 1)), window(h(1), h(2)), draft)
	f.sale("always", ps(pi("x1", 1)))
	got := must1[[]pricing.WindowChange](t)(svc.WindowChanges(ctx, pricing.TimeRange{From: h(1), To: h(5)}))
	deepEqual(t, "window changes in [h1, h5)", got, []pricing.WindowChange{
		{At: h(1), PriceListID: "a", Opens: true},
		{At: h(2), PriceListID: "c", Opens: true},
		{At: h(3), PriceListID: "a"},
		{At: h(3), PriceListID: "b", Opens: true},
	})
	all := must1[[]pricing.WindowChange](t)(svc.WindowChanges(ctx, pricing.TimeRange{}))
	if len(all) != 5 {
		t.Errorf("every window change: %d, want 5", len(all))
	}
}
