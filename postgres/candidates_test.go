package postgres_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// fromTx reads in a View what ReadCandidates reads, in canonical order.
func fromTx(t *testing.T, s pricing.Store, req pricing.CandidateRequest) pricing.Candidates {
	t.Helper()
	var c pricing.Candidates
	err := s.View(t.Context(), func(tx pricing.Tx) (err error) {
		if c.CustomerGroupIDs, err = tx.AppendCustomerGroupIDs(nil, req.CustomerID); err != nil {
			return err
		}
		for _, v := range slices.Compact(slices.Sorted(slices.Values(req.VariantIDs))) {
			if c.Prices, err = tx.AppendVariantPrices(c.Prices, v, req.CurrencyCode); err != nil {
				return err
			}
		}
		// The prices' lists, and every list with an adjustment.
		adjusted, err := tx.(pricing.AdjustedLister).AppendAdjustedListIDs(nil)
		if err != nil {
			return err
		}
		lists := adjusted
		for _, p := range c.Prices {
			lists = append(lists, p.PriceListID)
		}
		seen := map[string]bool{}
		for _, id := range lists {
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			terms, err := tx.PriceListTerms(id)
			if err != nil {
				return err
			}
			c.Terms = append(c.Terms, terms)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return canonical(c)
}

func canonical(c pricing.Candidates) pricing.Candidates {
	slices.SortFunc(c.Prices, func(a, b pricing.Price) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(c.Terms, func(a, b pricing.PriceListTerms) int { return cmp.Compare(a.ID, b.ID) })
	if len(c.CustomerGroupIDs) == 0 {
		c.CustomerGroupIDs = nil
	}
	if len(c.Prices) == 0 {
		c.Prices = nil
	}
	if len(c.Terms) == 0 {
		c.Terms = nil
	}
	return c
}

// The terms a Store keeps for ReadCandidates follow what other instances write: after
// every write of a list (its terms, its audience of groups and customers, its channels,
// its adjustment, its deletion) through another Store of the schema, ReadCandidates
// reads what a View reads, the terms of every adjusted list included.
func TestCandidatesFollowOtherInstances(t *testing.T) {
	schema := newSchema(t)
	a := newStore(t, &postgres.Options{Schema: schema})
	b := newStore(t, &postgres.Options{Schema: schema})
	ctx := t.Context()
	ok := okFunc(t)
	sb := pricing.New(b)
	for g := range 4 {
		ok(sb.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("cg_%d", g), Name: fmt.Sprintf("G%d", g)}))
	}
	mustErr(t, sb.AddCustomers(ctx, "cg_1", []string{"cus_1"}))
	var variants []string
	for v := range 12 {
		variants = append(variants, fmt.Sprintf("var_%02d", v))
	}
	r := rand.New(rand.NewPCG(5, 6))
	t0 := time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)
	for step := range 80 {
		id := fmt.Sprintf("pl_%02d", r.IntN(20))
		switch r.IntN(4) {
		case 0, 1:
			nl := pricing.NewPriceList{ID: id, Name: id, Status: []pricing.PriceListStatus{pricing.Draft, pricing.Active}[r.IntN(2)],
				StartsAt: t0.Add(time.Duration(r.IntN(1000)) * time.Nanosecond), IncludesTax: r.IntN(2) == 0}
			for g := range 4 {
				if r.IntN(3) == 0 {
					nl.CustomerGroupIDs = append(nl.CustomerGroupIDs, fmt.Sprintf("cg_%d", g))
				}
			}
			for c := range 3 {
				if r.IntN(3) == 0 {
					nl.CustomerIDs = append(nl.CustomerIDs, fmt.Sprintf("cus_%d", c))
				}
				if r.IntN(3) == 0 {
					nl.ChannelIDs = append(nl.ChannelIDs, fmt.Sprintf("ch_%d", c))
				}
			}
			noAdjustment := pricing.Adjustment{}
			adjustment := &noAdjustment
			if r.IntN(3) == 0 {
				adjustment = &pricing.Adjustment{Percent: float64(r.IntN(2001)-1000) / 20, Rounding: []pricing.Rounding{pricing.RoundHalfUp, pricing.RoundDown, pricing.RoundUp}[r.IntN(3)]}
				nl.Adjustment = adjustment
			}
			for _, v := range variants {
				if r.IntN(3) == 0 {
					nl.Prices = append(nl.Prices, pricing.PriceInput{VariantID: v, CurrencyCode: "usd", Amount: int64(r.IntN(100))})
				}
			}
			if _, err := sb.PriceList(ctx, id); err == nil {
				upd := pricing.PriceListUpdate{Status: &nl.Status, StartsAt: &nl.StartsAt, CustomerGroupIDs: &nl.CustomerGroupIDs, IncludesTax: &nl.IncludesTax,
					CustomerIDs: &nl.CustomerIDs, ChannelIDs: &nl.ChannelIDs, Adjustment: adjustment}
				ok(sb.UpdatePriceList(ctx, id, upd))
				ok(sb.AddPrices(ctx, id, nl.Prices, true))
			} else {
				ok(sb.CreatePriceList(ctx, nl))
			}
		case 2:
			mustErr(t, sb.DeletePriceList(ctx, id))
		case 3:
			ok(sb.SetBasePrices(ctx, variants[r.IntN(len(variants))], []pricing.PriceInput{{CurrencyCode: "usd", Amount: int64(r.IntN(100))}}))
		}
		req := pricing.CandidateRequest{CustomerID: "cus_1", CurrencyCode: "usd", VariantIDs: variants[:1+r.IntN(len(variants))]}
		if r.IntN(2) == 0 {
			req.VariantIDs = req.VariantIDs[len(req.VariantIDs)-1:]
		}
		var got pricing.Candidates
		if err := a.ReadCandidates(ctx, req, &got); err != nil {
			t.Fatal(err)
		}
		if want := fromTx(t, a, req); !reflect.DeepEqual(canonical(got), want) {
			t.Fatalf("step %d: ReadCandidates after another instance's write:\n got  %+v\n want %+v", step, canonical(got), want)
		}
	}
}
