package pricing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// The rules of Preview in the package documentation, one fixture per case. A case
// previews one change to one list and lists every change it must report, in the order
// of the report, in the form of fmtChange.

type previewCase struct {
	name   string
	setup  func(f *fx)
	list   string
	change pricing.PriceListChange
	opts   *pricing.PreviewOptions
	want   []string
	// newFields says that the case needs a store that keeps a list's customers,
	// channels and adjustment.
	newFields bool
}

func publish() pricing.PriceListChange {
	active := pricing.Active
	return pricing.PriceListChange{Update: &pricing.PriceListUpdate{Status: &active}}
}

func update(u pricing.PriceListUpdate) pricing.PriceListChange {
	return pricing.PriceListChange{Update: &u}
}

var deletion = pricing.PriceListChange{Delete: true}

// fmtAudience is "anyone", "g:a+b" for a customer in exactly the groups a and b, or
// "c:id" for a customer.
func fmtAudience(a pricing.Audience) string {
	switch {
	case a.CustomerID != "" && len(a.CustomerGroupIDs) > 0:
		return "c:" + a.CustomerID + "+g:" + strings.Join(a.CustomerGroupIDs, "+")
	case a.CustomerID != "":
		return "c:" + a.CustomerID
	case len(a.CustomerGroupIDs) > 0:
		return "g:" + strings.Join(a.CustomerGroupIDs, "+")
	}
	return "anyone"
}

// fmtScenario is "variant currency region audience channel quantities", with "-" for
// no region and no channel, and "q1-9" or "q10+" for the tier.
func fmtScenario(sc pricing.Scenario) string {
	region, channel := cmpOr(sc.RegionID, "-"), cmpOr(sc.ChannelID, "-")
	q := fmt.Sprintf("q%d+", sc.MinQuantity)
	if sc.MaxQuantity > 0 {
		q = fmt.Sprintf("q%d-%d", sc.MinQuantity, sc.MaxQuantity)
	}
	return strings.Join([]string{sc.VariantID, sc.CurrencyCode, region, fmtAudience(sc.Audience), channel, q}, " ")
}

func cmpOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// fmtResolution is "none", or "id=amount type" with "/orig=amount" when the original is
// another price, or "/no original", and "+tax" for a tax-inclusive amount.
func fmtResolution(r pricing.Resolution) string {
	if !r.Found {
		return "none"
	}
	tax := func(incl bool) string {
		if incl {
			return "+tax"
		}
		return ""
	}
	s := fmt.Sprintf("%s=%d%s %s", r.CalculatedPrice.ID, r.CalculatedAmount, tax(r.CalculatedIncludesTax), r.CalculatedType)
	switch {
	case !r.HasOriginal:
		s += "/no original"
	case r.OriginalPrice.ID != r.CalculatedPrice.ID:
		s += fmt.Sprintf("/%s=%d%s", r.OriginalPrice.ID, r.OriginalAmount, tax(r.OriginalIncludesTax))
	}
	return s
}

// fmtCandidate is "-" or "id: outcome".
func fmtCandidate(c *pricing.Candidate) string {
	if c == nil {
		return "-"
	}
	return c.Price.ID + ": " + string(c.Outcome)
}

// fmtChange is "scenario: before → after (list: before → after)".
func fmtChange(c pricing.PriceChange) string {
	return fmt.Sprintf("%s: %s → %s (%s → %s)", fmtScenario(c.Scenario), fmtResolution(c.Before), fmtResolution(c.After),
		fmtCandidate(c.ListBefore), fmtCandidate(c.ListAfter))
}

// collectPreview returns every change of a preview, formatted, or its error.
func collectPreview(ctx context.Context, svc *pricing.Service, list string, change pricing.PriceListChange, opts *pricing.PreviewOptions) ([]pricing.PriceChange, error) {
	var out []pricing.PriceChange
	for c, err := range svc.PreviewPriceList(ctx, list, change, opts) {
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

var previewCases = []previewCase{
	{
		name: "publishing a sale for a group lists exactly the scenarios it undercuts: its group's, each tier, each region (where the region price shadows the tier)",
		setup: func(f *fx) {
			f.group("vip")
			f.base(pi("b", 2000), pi("b10", 1800, qty(10, 0)), pi("b_ca", 2100, rg("reg_ca")))
			f.sale("s", ps(pi("s", 1500)), groups("vip"), draft)
		},
		list: "s", change: publish(),
		want: []string{
			"shirt usd - g:vip - q1-9: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
			"shirt usd - g:vip - q10+: b10=1800 default → s=1500 sale/b10=1800 (s: draft list → s: calculated)",
			"shirt usd reg_ca g:vip - q1+: b_ca=2100 default → s=1500 sale/b_ca=2100 (s: draft list → s: calculated)",
		},
	},
	{
		name: "a sale that is not lower than a tier's price changes only the tiers it undercuts",
		setup: func(f *fx) {
			f.base(pi("b", 2000), pi("b10", 1800, qty(10, 0)))
			f.sale("s", ps(pi("s", 1900)), draft)
		},
		list: "s", change: publish(),
		want: []string{
			"shirt usd - anyone - q1-9: b=2000 default → s=1900 sale/b=2000 (s: draft list → s: calculated)",
		},
	},
	{
		name: "consecutive tiers that change alike are one change; a list open to everyone examines the groups of the lists in force",
		setup: func(f *fx) {
			f.group("g2")
			f.base(pi("b", 2000), pi("b20", 1700, qty(20, 0)))
			f.sale("s", ps(pi("s", 1500)), draft)
			f.sale("g2", ps(pi("g5", 100, qty(5, 0))), groups("g2"))
		},
		list: "s", change: publish(),
		want: []string{
			"shirt usd - anyone - q1-19: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
			"shirt usd - anyone - q20+: b20=1700 default → s=1500 sale/b20=1700 (s: draft list → s: calculated)",
			"shirt usd - g:g2 - q1-4: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
		},
	},
	{
		name: "deleting an override list gives the base price back",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.base(pi("hb", 900, variant("hat")))
			f.override("o", ps(pi("o", 2500), pi("ho", 800, variant("hat"), cur("eur"))))
		},
		list: "o", change: deletion,
		want: []string{
			"hat eur - anyone - q1+: ho=800 override → none (ho: calculated → -)",
			"shirt usd - anyone - q1+: o=2500 override → b=2000 default (o: calculated → -)",
		},
	},
	{
		name: "a window that no longer contains the instant: the list's prices end",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), window(t0.Add(-24*time.Hour), t0.Add(24*time.Hour)))
		},
		list: "s", change: update(pricing.PriceListUpdate{EndsAt: ptr(t0.Add(-time.Hour))}),
		want: []string{
			"shirt usd - anyone - q1+: s=1500 sale/b=2000 → b=2000 default (s: calculated → s: ended)",
		},
	},
	{
		name: "a window moved to start later: not yet started",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)))
		},
		list: "s", change: update(pricing.PriceListUpdate{StartsAt: ptr(t0.Add(time.Nanosecond))}),
		want: []string{
			"shirt usd - anyone - q1+: s=1500 sale/b=2000 → b=2000 default (s: calculated → s: not yet started)",
		},
	},
	{
		name: "the audience moves from group a to group b: a's customers lose the price, b's gain it",
		setup: func(f *fx) {
			f.group("a")
			f.group("b")
			f.group("c")
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), groups("a"))
			f.sale("cs", ps(pi("cs", 1000)), groups("c"))
		},
		list: "s", change: update(pricing.PriceListUpdate{CustomerGroupIDs: &[]string{"b"}}),
		want: []string{
			"shirt usd - g:a - q1+: s=1500 sale/b=2000 → b=2000 default (s: calculated → s: customer not in the audience)",
			"shirt usd - g:b - q1+: b=2000 default → s=1500 sale/b=2000 (s: customer not in the audience → s: calculated)",
		},
	},
	{
		name: "opening a list to everyone: a group whose own override is lower keeps it; a list that ended is not examined",
		setup: func(f *fx) {
			f.group("a")
			f.group("vip")
			f.group("old")
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), groups("a"))
			f.override("vip", ps(pi("v", 1200)), groups("vip"))
			f.sale("old", ps(pi("x", 100)), groups("old"), window(time.Time{}, t0))
		},
		list: "s", change: update(pricing.PriceListUpdate{CustomerGroupIDs: &[]string{}}),
		want: []string{
			"shirt usd - anyone - q1+: b=2000 default → s=1500 sale/b=2000 (s: customer not in the audience → s: calculated)",
		},
	},
	{
		name: "opening a list to everyone: the override of a group outbids it, and the report says so for that group",
		setup: func(f *fx) {
			f.group("a")
			f.group("b2b")
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), groups("a"))
			f.override("b2b", ps(pi("o", 1600)), groups("b2b"))
		},
		list: "s", change: update(pricing.PriceListUpdate{CustomerGroupIDs: &[]string{}}),
		want: []string{
			"shirt usd - anyone - q1+: b=2000 default → s=1500 sale/b=2000 (s: customer not in the audience → s: calculated)",
			"shirt usd - g:b2b - q1+: o=1600 override → s=1500 sale/o=1600 (s: customer not in the audience → s: calculated)",
		},
	},
	{
		name: "an adjustment changed from 10% to 20% off: every derived price, of every variant with base prices",
		setup: func(f *fx) {
			f.group("vip")
			f.base(pi("b", 2000), pi("b10", 1800, qty(10, 0)))
			f.base(pi("hb", 1000, variant("hat")))
			f.sale("off", nil, groups("vip"), adjust(-10, ""))
		},
		list: "off", change: update(pricing.PriceListUpdate{Adjustment: &pricing.Adjustment{Percent: -20}}),
		want: []string{
			"hat usd - g:vip - q1+: off~hb=900 sale/hb=1000 → off~hb=800 sale/hb=1000 (off~hb: calculated → off~hb: calculated)",
			"shirt usd - g:vip - q1-9: off~b=1800 sale/b=2000 → off~b=1600 sale/b=2000 (off~b: calculated → off~b: calculated)",
			"shirt usd - g:vip - q10+: off~b10=1620 sale/b10=1800 → off~b10=1440 sale/b10=1800 (off~b10: calculated → off~b10: calculated)",
		},
		newFields: true,
	},
	{
		name: "removing an adjustment: a written price of the list stays, the derived ones go",
		setup: func(f *fx) {
			f.base(pi("b", 2000), pi("b10", 1800, qty(10, 0)))
			f.sale("off", ps(pi("w10", 1500, qty(10, 0))), adjust(-10, ""))
		},
		list: "off", change: update(pricing.PriceListUpdate{Adjustment: &pricing.Adjustment{}}),
		want: []string{
			"shirt usd - anyone - q1-9: off~b=1800 sale/b=2000 → b=2000 default (off~b: calculated → -)",
		},
		newFields: true,
	},
	{
		name: "publishing a list of customers named: only they are examined and change",
		setup: func(f *fx) {
			f.group("vip", "cus_1")
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), customers("cus_1", "cus_2"), draft)
			f.sale("vip", ps(pi("v", 1400)), groups("vip"))
		},
		list: "s", change: publish(),
		want: []string{
			"shirt usd - c:cus_2 - q1+: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
		},
		newFields: true,
	},
	{
		name: "publishing a list of a channel: only that channel changes",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), channels("web"), draft)
		},
		list: "s", change: publish(),
		want: []string{
			"shirt usd - anyone web q1+: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
		},
		newFields: true,
	},
	{
		name: "a list open to every channel meets the channels of the lists with an adjustment",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.override("web", nil, channels("web"), adjust(10, ""))
			f.sale("s", ps(pi("s", 2100)), draft)
		},
		list: "s", change: publish(),
		want: []string{
			"shirt usd - anyone web q1+: web~b=2200 override → s=2100 sale/web~b=2200 (s: draft list → s: calculated)",
		},
		newFields: true,
	},
	{
		name: "limiting a list to a channel: the shoppers of no channel lose it",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)))
		},
		list: "s", change: update(pricing.PriceListUpdate{ChannelIDs: &[]string{"pos"}}),
		want: []string{
			"shirt usd - anyone - q1+: s=1500 sale/b=2000 → b=2000 default (s: calculated → s: channel)",
		},
		newFields: true,
	},
	{
		name: "a sale made an override above the base price becomes the reference",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 2200)))
		},
		list: "s", change: update(pricing.PriceListUpdate{Type: ptr(pricing.Override)}),
		want: []string{
			"shirt usd - anyone - q1+: b=2000 default → s=2200 override (s: sale not lower than the reference → s: calculated)",
		},
	},
	{
		name: "a list made tax-inclusive, without a tax rate: its prices are no longer comparable with the base price",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)))
		},
		list: "s", change: update(pricing.PriceListUpdate{IncludesTax: ptr(true)}),
		want: []string{
			"shirt usd - anyone - q1+: s=1500 sale/b=2000 → b=2000 default (s: calculated → s: tax basis not comparable)",
		},
	},
	{
		name: "a list made tax-inclusive, with a tax rate: the same amount, another tax basis",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)))
		},
		list: "s", change: update(pricing.PriceListUpdate{IncludesTax: ptr(true)}),
		opts: &pricing.PreviewOptions{TaxRate: rate(0.2)},
		want: []string{
			"shirt usd - anyone - q1+: s=1500 sale/b=2000 → s=1500+tax sale/b=2000 (s: calculated → s: calculated)",
		},
	},
	{
		name: "a region price of the list shadows its currency-wide price in its region only",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500), pi("s_ca", 1900, rg("reg_ca"))), draft)
			f.sale("ca", ps(pi("ca", 1700, rg("reg_ca"))))
		},
		list: "s", change: publish(),
		want: []string{
			"shirt usd - anyone - q1+: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
		},
	},
	{
		name: "a rename changes no price",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)))
		},
		list: "s", change: update(pricing.PriceListUpdate{Name: ptr("Summer")}),
		want: nil,
	},
	{
		name: "a draft list deleted changes no price",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), draft)
		},
		list: "s", change: deletion,
		want: nil,
	},
	{
		name: "At previews at another instant: a scheduled list published",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), window(t0.Add(time.Hour), time.Time{}), draft)
		},
		list: "s", change: publish(),
		opts: &pricing.PreviewOptions{At: t0.Add(2 * time.Hour)},
		want: []string{
			"shirt usd - anyone - q1+: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
		},
	},
	{
		name: "a scheduled list published changes nothing now",
		setup: func(f *fx) {
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), window(t0.Add(time.Hour), time.Time{}), draft)
		},
		list: "s", change: publish(),
		want: nil,
	},
	{
		name: "Audiences adds a customer in two groups, whose own lists compete",
		setup: func(f *fx) {
			f.group("a")
			f.group("b")
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), groups("a"), draft)
			f.sale("bs", ps(pi("bs", 1600)), groups("b"))
		},
		list: "s", change: publish(),
		opts: &pricing.PreviewOptions{Audiences: []pricing.Audience{{CustomerGroupIDs: []string{"b", "a"}}}},
		want: []string{
			"shirt usd - g:a - q1+: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
			"shirt usd - g:a+b - q1+: bs=1600 sale/b=2000 → s=1500 sale/b=2000 (s: draft list → s: calculated)",
		},
	},
	{
		name: "a list with prices in two currencies: each currency, variants in ID order",
		setup: func(f *fx) {
			f.base(pi("b", 2000), pi("be", 1900, cur("eur")))
			f.base(pi("ab", 500, variant("apron")))
			f.sale("s", ps(pi("s", 1500), pi("se", 1400, cur("eur")), pi("as", 400, variant("apron"))), draft)
		},
		list: "s", change: publish(),
		want: []string{
			"apron usd - anyone - q1+: ab=500 default → as=400 sale/ab=500 (as: draft list → as: calculated)",
			"shirt eur - anyone - q1+: be=1900 default → se=1400 sale/be=1900 (se: draft list → se: calculated)",
			"shirt usd - anyone - q1+: b=2000 default → s=1500 sale/b=2000 (s: draft list → s: calculated)",
		},
	},
}

func TestPreviewRules(t *testing.T) {
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			for _, tc := range previewCases {
				t.Run(tc.name, func(t *testing.T) {
					store := st.open(t)
					if tc.newFields {
						requireNewListFields(t, store)
					}
					svc := pricing.New(store, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
					f := &fx{t: t, ctx: context.Background(), svc: svc}
					tc.setup(f)
					before := dumpStore(t, store)
					changes, err := collectPreview(f.ctx, svc, tc.list, tc.change, tc.opts)
					must(t, err)
					var got []string
					for _, c := range changes {
						got = append(got, fmtChange(c))
					}
					if !slices.Equal(got, tc.want) {
						t.Errorf("changes:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(tc.want, "\n      "))
					}
					deepEqual(t, "the store after the preview", dumpStore(t, store), before)
					checkPreviewAgainstResolve(t, f, tc, changes)
				})
			}
		})
	}
}

// checkPreviewAgainstResolve applies the change for real and checks that Resolve gives
// every change's Before before and After after, at each end of its tier.
func checkPreviewAgainstResolve(t *testing.T, f *fx, tc previewCase, changes []pricing.PriceChange) {
	t.Helper()
	at := t0
	if tc.opts != nil && !tc.opts.At.IsZero() {
		at = tc.opts.At
	}
	type probe struct {
		q   pricing.Query
		it  pricing.Item
		res pricing.Resolution
	}
	var probes []probe
	for _, c := range changes {
		q := c.Scenario.Query(at)
		if tc.opts != nil {
			q.TaxRate = tc.opts.TaxRate
		}
		for _, n := range []int64{c.Scenario.MinQuantity, c.Scenario.MaxQuantity} {
			if n == 0 {
				continue
			}
			it := pricing.Item{VariantID: c.Scenario.VariantID, Quantity: n}
			probes = append(probes, probe{q, it, c.After})
			res := must1[[]pricing.Resolution](t)(f.svc.ResolveMany(f.ctx, q, []pricing.Item{it}))[0]
			if got, want := fmtResolution(res), fmtResolution(c.Before); got != want {
				t.Errorf("%s × %d: Resolve before the change gives %s, the preview %s", fmtScenario(c.Scenario), n, got, want)
			}
		}
	}
	if tc.change.Delete {
		must(t, f.svc.DeletePriceList(f.ctx, tc.list))
	} else {
		must1[pricing.PriceList](t)(f.svc.UpdatePriceList(f.ctx, tc.list, *tc.change.Update))
	}
	for _, p := range probes {
		res := must1[[]pricing.Resolution](t)(f.svc.ResolveMany(f.ctx, p.q, []pricing.Item{p.it}))[0]
		if got, want := fmtResolution(res), fmtResolution(p.res); got != want {
			t.Errorf("%s × %d: Resolve after the change gives %s, the preview %s", p.it.VariantID, p.it.Quantity, got, want)
		}
	}
}

// requireNewListFields fails a test on a store that does not keep a list's customers,
// channels and adjustment, found by writing such a list and reading it back, so that a
// case that needs them says why it would fail.
func requireNewListFields(t *testing.T, st pricing.Store) {
	t.Helper()
	pl := pricing.PriceList{ID: "probe", Name: "probe", Type: pricing.Sale, Status: pricing.Draft, CustomerIDs: []string{"c"},
		ChannelIDs: []string{"ch"}, Adjustment: &pricing.Adjustment{Percent: -1, Rounding: pricing.RoundHalfUp}}
	var got pricing.PriceList
	ctx := context.Background()
	probe := errors.New("probe")
	err := st.Update(ctx, func(tx pricing.Tx) error {
		if err := tx.PutPriceList(pl); err != nil {
			return err
		}
		var err error
		if got, err = tx.PriceList(pl.ID); err != nil {
			return err
		}
		return probe // roll back
	})
	if !errors.Is(err, probe) {
		t.Fatal(err)
	}
	if !slices.Equal(got.CustomerIDs, pl.CustomerIDs) || !slices.Equal(got.ChannelIDs, pl.ChannelIDs) || got.Adjustment == nil {
		t.Fatal("the store lost a list's customers, channels or adjustment: every store keeps them")
	}
}

// A preview that the Service cannot make yields one error, of the kind the update would
// meet, and nothing else.
func TestPreviewErrors(t *testing.T) {
	bad := pricing.PriceListStatus("live")
	for _, tc := range []struct {
		name   string
		list   string
		change pricing.PriceListChange
		opts   *pricing.PreviewOptions
		is     error
		field  string
	}{
		{"a missing list", "nope", publish(), nil, pricing.ErrNotFound, ""},
		{"an invalid list ID", "", publish(), nil, pricing.ErrInvalid, "PriceListID"},
		{"neither an update nor a deletion", "s", pricing.PriceListChange{}, nil, pricing.ErrInvalid, "Update"},
		{"both an update and a deletion", "s", pricing.PriceListChange{Update: &pricing.PriceListUpdate{}, Delete: true}, nil, pricing.ErrInvalid, "Delete"},
		{"an invalid field of the update", "s", update(pricing.PriceListUpdate{Status: &bad}), nil, pricing.ErrInvalid, "Update.Status"},
		{"a group that does not exist", "s", update(pricing.PriceListUpdate{CustomerGroupIDs: &[]string{"ghost"}}), nil, pricing.ErrNotFound, ""},
		{"a window that ends before it starts", "s", update(pricing.PriceListUpdate{EndsAt: ptr(t0.Add(-48 * time.Hour))}), nil, pricing.ErrInvalid, "EndsAt"},
		{"an expected revision that is not the list's", "s", update(pricing.PriceListUpdate{Status: ptr(pricing.Draft), IfRevision: 1}), nil, pricing.ErrConflict, ""},
		{"a tax rate out of range", "s", publish(), &pricing.PreviewOptions{TaxRate: rate(11)}, pricing.ErrInvalid, "TaxRate"},
		{"an invalid audience", "s", publish(), &pricing.PreviewOptions{Audiences: []pricing.Audience{{CustomerGroupIDs: []string{""}}}}, pricing.ErrInvalid, "Audiences[0].CustomerGroupIDs[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, _ := newService(t)
			f := &fx{t: t, ctx: context.Background(), svc: svc}
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), window(t0.Add(-24*time.Hour), time.Time{}))
			f.sale("t", ps(pi("t", 1400))) // the list is at revision 3
			n := 0
			for c, err := range svc.PreviewPriceList(f.ctx, tc.list, tc.change, tc.opts) {
				n++
				if err == nil {
					t.Fatalf("a change %s, want an error", fmtChange(c))
				}
				if !errors.Is(err, tc.is) {
					t.Fatalf("err = %v, want %v", err, tc.is)
				}
				if tc.field != "" {
					wantInvalid(t, err, tc.field)
				}
			}
			if n != 1 {
				t.Fatalf("%d values yielded, want one error", n)
			}
		})
	}
}

// A preview writes nothing: no record changes, and the journal takes no revision.
func TestPreviewWritesNothing(t *testing.T) {
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			svc := pricing.New(store, pricing.WithClock(func() time.Time { return t0 }))
			f := &fx{t: t, ctx: context.Background(), svc: svc}
			f.group("vip", "cus_1")
			f.base(pi("b", 2000))
			f.sale("s", ps(pi("s", 1500)), groups("vip"))
			rev, revErr := svc.Revision(f.ctx) // a store without a journal has no revision
			if revErr != nil && !errors.Is(revErr, errors.ErrUnsupported) {
				t.Fatal(revErr)
			}
			before := dumpStore(t, store)
			for _, change := range []pricing.PriceListChange{
				deletion,
				update(pricing.PriceListUpdate{IncludesTax: ptr(true), Name: ptr("Renamed"), CustomerGroupIDs: &[]string{}}),
			} {
				changes := must1[[]pricing.PriceChange](t)(collectPreview(f.ctx, svc, "s", change, nil))
				if len(changes) == 0 {
					t.Fatalf("%+v: no change, want some", change)
				}
			}
			deepEqual(t, "the store after the previews", dumpStore(t, store), before)
			if got, _ := svc.Revision(f.ctx); revErr == nil && got != rev {
				t.Errorf("revision %d after the previews, want %d", got, rev)
			}
		})
	}
}

// A preview of many variants runs in several transactions and yields every change once,
// in variant order; StartAfter resumes after a variant, and a loop that stops early
// stops the preview.
func TestPreviewPaging(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	const n = 1000
	var prices []pricing.PriceInput
	for v := range n {
		id := fmt.Sprintf("var_%04d", v)
		must1[[]pricing.Price](t)(svc.SetBasePrices(ctx, id, []pricing.PriceInput{{CurrencyCode: "usd", Amount: 1000}}))
		prices = append(prices, pricing.PriceInput{VariantID: id, CurrencyCode: "usd", Amount: 900})
	}
	must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "s", Name: "s", Prices: prices}))
	changes := must1[[]pricing.PriceChange](t)(collectPreview(ctx, svc, "s", publish(), nil))
	if len(changes) != n {
		t.Fatalf("%d changes, want %d", len(changes), n)
	}
	for i, c := range changes {
		if want := fmt.Sprintf("var_%04d", i); c.Scenario.VariantID != want || c.After.CalculatedAmount != 900 {
			t.Fatalf("change %d: %s, want %s at 900", i, fmtChange(c), want)
		}
	}
	rest := must1[[]pricing.PriceChange](t)(collectPreview(ctx, svc, "s", publish(), &pricing.PreviewOptions{StartAfter: "var_0499"}))
	if len(rest) != 500 || rest[0].Scenario.VariantID != "var_0500" {
		t.Fatalf("after var_0499: %d changes from %s, want 500 from var_0500", len(rest), rest[0].Scenario.VariantID)
	}
	rest = must1[[]pricing.PriceChange](t)(collectPreview(ctx, svc, "s", publish(), &pricing.PreviewOptions{StartAfter: "var_0499x"}))
	if len(rest) != 500 || rest[0].Scenario.VariantID != "var_0500" {
		t.Fatalf("after var_0499x: %d changes from %s, want 500 from var_0500", len(rest), rest[0].Scenario.VariantID)
	}
	seen := 0
	for _, err := range svc.PreviewPriceList(ctx, "s", publish(), nil) {
		must(t, err)
		if seen++; seen == 3 {
			break
		}
	}
	if seen != 3 {
		t.Fatalf("the loop saw %d changes", seen)
	}
}

// The loop over a preview, or over the overlaps, runs outside any transaction: it may
// call the Service, writes included (on the memory store, a transaction open around it
// would deadlock).
func TestReportLoopsMayCallTheService(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	f := &fx{t: t, ctx: ctx, svc: svc}
	f.base(pi("b", 2000))
	f.sale("s", ps(pi("s", 1200)), draft)
	f.sale("t", ps(pi("t", 1400)))
	f.sale("u", ps(pi("u", 1300)))
	n := 0
	for _, err := range svc.PreviewPriceList(ctx, "s", publish(), nil) {
		must(t, err)
		must1[pricing.PriceList](t)(svc.UpdatePriceList(ctx, "t", pricing.PriceListUpdate{Name: ptr(fmt.Sprint("t", n))}))
		n++
	}
	for _, err := range svc.Overlaps(ctx, nil) {
		must(t, err)
		must1[pricing.PriceList](t)(svc.UpdatePriceList(ctx, "u", pricing.PriceListUpdate{Name: ptr(fmt.Sprint("u", n))}))
		n++
	}
	if n != 2 {
		t.Fatalf("%d changes and overlaps, want one and one", n)
	}
}
