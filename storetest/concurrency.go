package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/commercekit/pricing"
)

var concurrencyRules = []rule{
	{"Isolation", testConcurrentIsolation},
}

// Concurrent Views never see a partial or rolled-back Update, and concurrent Updates
// all take effect. Each Update of the writers keeps two invariants with several writes
// (two prices that always have the same amount; as many members in a group as prices
// in a list), and one in four fails after its writes; readers check the invariants.
// Run it with -race to check the store's locking too.
func testConcurrentIsolation(t *testing.T, open opener) {
	const (
		writers, readers, rounds = 4, 4, 24
		poison                   = int64(-99) // the amount of aborted Updates
	)
	ctx := t.Context()
	s := open(t)
	a := pricing.Price{ID: "inv_a", VariantID: "var_inv", CurrencyCode: "usd", RegionID: "reg_a"}
	b := pricing.Price{ID: "inv_b", VariantID: "var_inv", CurrencyCode: "usd", RegionID: "reg_b"}
	write(t, s,
		putGroup(sampleGroup("cg_c", "Counted", nil), "counted"),
		putList(pricing.PriceList{ID: "pl_c", Name: "Counted", Type: pricing.Sale, Status: pricing.Active}),
		putPrice(a), putPrice(b))

	// check returns how the state tx sees breaks an invariant, or "".
	check := func(tx pricing.Tx) (string, error) {
		ps, err := tx.AppendVariantPrices(nil, "var_inv", "usd")
		if err != nil {
			return "", err
		}
		if len(ps) != 2 || ps[0].Amount != ps[1].Amount {
			return fmt.Sprintf("inv_a and inv_b differ: %+v", ps), nil
		}
		if ps[0].Amount == poison {
			return "the amount of a rolled-back Update", nil
		}
		n, err := tx.CountMembers("cg_c")
		if err != nil {
			return "", err
		}
		var listed int
		if err := tx.PricesOfList("pl_c", func(pricing.Price) bool { listed++; return true }); err != nil {
			return "", err
		}
		if n != listed {
			return fmt.Sprintf("%d members of cg_c but %d prices in pl_c", n, listed), nil
		}
		return "", nil
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	committed := make([]int, writers) // committed[w] is written by writer w only
	for w := range writers {
		wg.Go(func() {
			<-start
			for i := range rounds {
				abort := i%4 == 3
				amount := int64(w*1000 + i)
				if abort {
					amount = poison
				}
				a, b := a, b
				a.Amount, b.Amount = amount, amount
				tag := fmt.Sprintf("%d_%d", w, i)
				err := s.Update(ctx, func(tx pricing.Tx) error {
					if err := apply(tx,
						putPrice(a),
						addMember("cg_c", "cus_"+tag),
						putPrice(pricing.Price{ID: "pr_" + tag, PriceListID: "pl_c", VariantID: "var_" + tag, CurrencyCode: "usd", Amount: 1}),
						putPrice(b),
					); err != nil {
						return err
					}
					if abort {
						return errAbort
					}
					return nil
				})
				if abort && !errors.Is(err, errAbort) || !abort && err != nil {
					t.Errorf("writer %d, Update %d (abort %v): %v", w, i, abort, err)
					return
				}
				if !abort {
					committed[w]++
				}
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			<-start
			for i := range 2 * rounds {
				var broken string
				err := s.View(ctx, func(tx pricing.Tx) (err error) {
					broken, err = check(tx)
					return err
				})
				if err != nil {
					t.Errorf("reader %d, View %d: %v", r, i, err)
					return
				}
				if broken != "" {
					t.Errorf("a View saw a partial or rolled-back Update: %s", broken)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()

	total := 0
	for _, n := range committed {
		total += n
	}
	view(t, s, func(tx pricing.Tx) {
		broken, err := check(tx)
		wantNoErr(t, "final check", err)
		if broken != "" {
			t.Errorf("after the concurrent Updates: %s", broken)
		}
		n, err := tx.CountMembers("cg_c")
		wantNoErr(t, "CountMembers", err)
		wantEqual(t, "every committed concurrent Update must take effect, and no failed one: CountMembers", n, total)
	})
}
