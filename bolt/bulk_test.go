package bolt_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// putMany puts n prices of random variants, in an order unrelated to any index, into
// an empty store in one Update, and returns the CPU time it took.
func putMany(t *testing.T, n int) time.Duration {
	s, _ := openTemp(t)
	start := cpuTime()
	update(t, s, func(tx pricing.Tx) error {
		for i := range n {
			j := i * 7919 % n // 7919 is prime: a permutation of 0..n-1 for n not a multiple
			p := pricing.Price{
				ID: fmt.Sprintf("price_%09d", j), PriceListID: fmt.Sprintf("pl_%d", j%7),
				VariantID: fmt.Sprintf("variant_%07d", (j*31)%n), CurrencyCode: "usd", Amount: int64(j),
			}
			if err := tx.PutPrice(p); err != nil {
				return err
			}
		}
		return nil
	})
	return cpuTime() - start
}

// TestBulkPutIsLinear: bbolt splits nodes only at commit, so keys written in random
// order within one transaction would cost quadratic time without the store's write
// buffer (measured: 20,000 prices 1 s, 80,000 prices 57 s). Four times the prices must
// cost well under sixteen times the time.
func TestBulkPutIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	small, large := putMany(t, 5000), putMany(t, 20000)
	if small <= 0 {
		t.Skip("no CPU time on this system")
	}
	ratio := float64(large) / float64(small)
	t.Logf("5,000 prices: %v; 20,000 prices: %v; ratio %.1f", small, large, ratio)
	if ratio > 9 {
		t.Errorf("4× the prices took %.1f× the time: superlinear", ratio)
	}
}

// TestTermsCacheFollowsSnapshots: a read-only transaction sees the terms of its own
// snapshot, whatever newer transactions have cached.
func TestTermsCacheFollowsSnapshots(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	list := func(groups ...string) pricing.PriceList {
		return pricing.PriceList{ID: "pl", Name: "pl", Type: pricing.Sale, Status: pricing.Active, CustomerGroupIDs: groups}
	}
	groupsOf := func(tx pricing.Tx) []string {
		terms, err := tx.PriceListTerms("pl")
		if err != nil {
			t.Fatal(err)
		}
		return terms.CustomerGroupIDs
	}
	update(t, s, func(tx pricing.Tx) error { return tx.PutPriceList(list("a")) })

	started, updated := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := s.View(ctx, func(tx pricing.Tx) error {
			if g := groupsOf(tx); len(g) != 1 || g[0] != "a" {
				t.Errorf("old snapshot, first read: %q", g)
			}
			close(started)
			<-updated
			if g := groupsOf(tx); len(g) != 1 || g[0] != "a" {
				t.Errorf("old snapshot, after a newer one cached its terms: %q", g)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}()
	<-started
	update(t, s, func(tx pricing.Tx) error {
		if err := tx.PutPriceList(list("b")); err != nil {
			return err
		}
		if g := groupsOf(tx); len(g) != 1 || g[0] != "b" {
			t.Errorf("the Update that wrote them: %q", g)
		}
		return nil
	})
	for range 2 {
		view(t, s, func(tx pricing.Tx) error {
			if g := groupsOf(tx); len(g) != 1 || g[0] != "b" {
				t.Errorf("new snapshot: %q", g)
			}
			return nil
		})
	}
	close(updated)
	wg.Wait()
	update(t, s, func(tx pricing.Tx) error { return tx.DeletePriceList("pl") })
	view(t, s, func(tx pricing.Tx) error {
		if _, err := tx.PriceListTerms("pl"); err == nil {
			t.Error("terms of a deleted list still found")
		}
		return nil
	})
}
