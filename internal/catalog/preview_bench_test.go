package catalog_test

import (
	"context"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/internal/catalog"
)

// benchPreview previews the publishing of a draft sale list of 10,000 prices: 85% of
// the base price of every other variant, in usd and eur, for one group (group) or for
// everyone (everyone), as PreviewPriceList does for a merchant about to publish it.
// The draft is created before the benchmark and deleted after it; each iteration reads
// every change. It reports the changes found per preview and the CPU time of the
// process per preview (garbage collection included), which a shared machine disturbs
// less than the wall clock.
func benchPreview(b *testing.B, ctx context.Context, d *dataset, audience string) {
	const n = 10_000
	nl := pricing.NewPriceList{ID: "bench_preview", Name: "Bench preview", Status: pricing.Draft}
	if audience == "group" {
		nl.CustomerGroupIDs = []string{catalog.GroupID(3)}
	}
	for v := 0; len(nl.Prices) < n; v += 2 {
		v := v % d.c.V
		amount := catalog.Base(v) * 85 / 100
		for _, cur := range catalog.Currencies[:2] {
			nl.Prices = append(nl.Prices, pricing.PriceInput{VariantID: d.c.VariantID(v), CurrencyCode: cur, Amount: amount})
		}
	}
	if _, err := d.svc.CreatePriceList(ctx, nl); err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := d.svc.DeletePriceList(ctx, nl.ID); err != nil {
			b.Fatal(err)
		}
	}()
	active := pricing.Active
	change := pricing.PriceListChange{Update: &pricing.PriceListUpdate{Status: &active}}
	b.ReportAllocs()
	changes := 0
	cpu := cpuTime()
	for b.Loop() {
		changes = 0
		for _, err := range d.svc.PreviewPriceList(ctx, nl.ID, change, nil) {
			if err != nil {
				b.Fatal(err)
			}
			changes++
		}
	}
	if changes == 0 {
		b.Fatal("the preview found no change")
	}
	b.ReportMetric(float64(changes), "changes/op")
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(c.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// benchDeadWeight asks which lists of the catalog are dead weight from T0 on: every
// scenario of every variant that an active list prices. It reports the dead lists.
func benchDeadWeight(b *testing.B, ctx context.Context, d *dataset) {
	b.ReportAllocs()
	var dw pricing.DeadWeight
	cpu := cpuTime()
	for b.Loop() {
		var err error
		if dw, err = d.svc.DeadWeight(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(dw.Lists)), "dead-lists")
	b.ReportMetric(float64(len(dw.Prices)), "dead-prices")
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(c.Seconds()/float64(b.N), "cpu-s/op")
	}
}

// benchOverlaps reads every overlap of the catalog from T0 on.
func benchOverlaps(b *testing.B, ctx context.Context, d *dataset) {
	b.ReportAllocs()
	n := 0
	cpu := cpuTime()
	for b.Loop() {
		n = 0
		for _, err := range d.svc.Overlaps(ctx, nil) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n), "overlaps/op")
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(c.Seconds()/float64(b.N), "cpu-s/op")
	}
}
