package memory_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// TestJournalBytesPerChange measures the history's heap: 20 rounds of 1,000 price
// updates, each of which replaces stored prices (so the records do not grow) and adds a
// journal item holding the price before and after. BENCHMARKS.md quotes its log:
//
//	go test -run TestJournalBytesPerChange -v ./memory
func TestJournalBytesPerChange(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20,000 changes")
	}
	ctx := context.Background()
	s := memory.New()
	defer s.Close()
	svc := pricing.New(s)
	prices := make([]pricing.PriceInput, 1000)
	for i := range prices {
		prices[i] = pricing.PriceInput{VariantID: fmt.Sprintf("variant_%05d", i), CurrencyCode: "eur", Amount: 1000}
	}
	pl, err := svc.CreatePriceList(ctx, pricing.NewPriceList{Name: "Sale", Prices: prices})
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 20
	before := heapInUse()
	for round := 1; round <= rounds; round++ {
		for i := range prices {
			prices[i].Amount = int64(1000 - round)
		}
		if _, err := svc.AddPrices(ctx, pl.ID, prices, false); err != nil {
			t.Fatal(err)
		}
	}
	after := heapInUse()
	per := (float64(after) - float64(before)) / float64(rounds*len(prices))
	t.Logf("%.0f bytes of heap per recorded price change (%d changes)", per, rounds*len(prices))
	if per > 500 {
		t.Errorf("%.0f bytes of heap per change, want at most 500", per)
	}
	runtime.KeepAlive(s)
}
