package storetest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/commercekit/pricing"
)

// candidateRules check the optional capability pricing.CandidateReader: each skips a
// store that does not have it.
var candidateRules = []rule{
	{"AgreesWithTx", testCandidatesAgreeWithTx},
	{"SeesCommittedWrites", testCandidatesSeeWrites},
	{"ContextAndClose", testCandidatesContextAndClose},
}

// candidateReader returns the store's CandidateReader, or skips the rule.
func candidateReader(t *testing.T, s pricing.Store) pricing.CandidateReader {
	t.Helper()
	cr, ok := s.(pricing.CandidateReader)
	if !ok {
		t.Skip("the store is not a pricing.CandidateReader")
	}
	return cr
}

// readCandidates reads with cr into reused slices that hold stale values, as the
// Service's pooled ones do, and returns the result in a canonical order.
func readCandidates(ctx context.Context, cr pricing.CandidateReader, req pricing.CandidateRequest) (pricing.Candidates, error) {
	stale := pricing.Candidates{
		CustomerGroupIDs: []string{"stale"},
		Prices:           []pricing.Price{{ID: "stale"}},
		Terms:            []pricing.PriceListTerms{{ID: "stale"}},
	}
	dst := pricing.Candidates{
		CustomerGroupIDs: stale.CustomerGroupIDs[:0],
		Prices:           stale.Prices[:0],
		Terms:            stale.Terms[:0],
	}
	err := cr.ReadCandidates(ctx, req, &dst)
	return sortCandidates(dst), err
}

// candidatesFromTx reads in tx what ReadCandidates reads, in canonical order.
func candidatesFromTx(tx pricing.Tx, req pricing.CandidateRequest) (pricing.Candidates, error) {
	var c pricing.Candidates
	var err error
	if req.CustomerID != "" {
		if c.CustomerGroupIDs, err = tx.AppendCustomerGroupIDs(nil, req.CustomerID); err != nil {
			return c, err
		}
	}
	variants := slices.Compact(slices.Sorted(slices.Values(req.VariantIDs)))
	for _, v := range variants {
		if c.Prices, err = tx.AppendVariantPrices(c.Prices, v, req.CurrencyCode); err != nil {
			return c, err
		}
	}
	var lists []string
	for _, p := range c.Prices {
		if p.PriceListID != "" {
			lists = append(lists, p.PriceListID)
		}
	}
	// And every list with an adjustment, whose prices are derived, not stored: from the
	// Tx's AdjustedLister (whose own rule checks it against a scan), else by a scan.
	if al, ok := tx.(pricing.AdjustedLister); ok {
		if lists, err = al.AppendAdjustedListIDs(lists); err != nil {
			return c, err
		}
	} else if err := tx.PriceLists(func(pl pricing.PriceList) bool {
		if pl.Adjustment != nil {
			lists = append(lists, pl.ID)
		}
		return true
	}); err != nil {
		return c, err
	}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(lists))) {
		terms, err := tx.PriceListTerms(id)
		if err != nil {
			return c, err
		}
		c.Terms = append(c.Terms, terms)
	}
	return sortCandidates(c), nil
}

// sortCandidates puts the prices and terms of c in ID order, and makes its empty
// slices nil.
func sortCandidates(c pricing.Candidates) pricing.Candidates {
	slices.SortFunc(c.Prices, func(a, b pricing.Price) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(c.Terms, func(a, b pricing.PriceListTerms) int { return cmp.Compare(a.ID, b.ID) })
	for i := range c.Terms {
		if len(c.Terms[i].CustomerGroupIDs) == 0 {
			c.Terms[i].CustomerGroupIDs = nil
		}
	}
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

// candidateRequests are requests over the base fixture: customers in several groups,
// in none, anonymous; variants repeated, unknown, of several lists; every currency.
var candidateRequests = []pricing.CandidateRequest{
	{CustomerID: "cus_2", CurrencyCode: "usd", VariantIDs: []string{"var_1"}},
	{CustomerID: "cus_2", CurrencyCode: "usd", VariantIDs: []string{"var_2", "var_1", "var_3", "var_1"}},
	{CurrencyCode: "usd", VariantIDs: []string{"var_1", "var_2", "var_3"}},
	{CustomerID: "cus_nobody", CurrencyCode: "eur", VariantIDs: []string{"var_1", "var_9"}},
	{CustomerID: "cus_4", CurrencyCode: "gbp", VariantIDs: []string{"var_2"}},
	{CustomerID: "cus_1", CurrencyCode: "jpy", VariantIDs: []string{"var_1"}},
	{CustomerID: "cus_3", CurrencyCode: "usd", VariantIDs: nil},
}

// ReadCandidates returns what the Tx methods return for the same request: the
// customer's groups, every price of the variants in the currency once, and the terms
// of their lists once.
func testCandidatesAgreeWithTx(t *testing.T, open opener) {
	s := open(t)
	cr := candidateReader(t, s)
	seed(t, s, baseFixture())
	for _, req := range candidateRequests {
		got, err := readCandidates(t.Context(), cr, req)
		if err != nil {
			t.Fatalf("ReadCandidates(%+v): %v", req, err)
		}
		var want pricing.Candidates
		view(t, s, func(tx pricing.Tx) {
			if want, err = candidatesFromTx(tx, req); err != nil {
				t.Fatalf("reading %+v through the Tx: %v", req, err)
			}
		})
		wantEqual(t, "ReadCandidates of "+describeRequest(req), got, want)
	}
}

// ReadCandidates sees every committed Update, and none that failed.
func testCandidatesSeeWrites(t *testing.T, open opener) {
	s := open(t)
	cr := candidateReader(t, s)
	f := baseFixture()
	seed(t, s, f)
	req := pricing.CandidateRequest{CustomerID: "cus_9", CurrencyCode: "usd", VariantIDs: []string{"var_1", "var_3"}}
	pl := f.list("pl_3")
	pl.CustomerGroupIDs = []string{"cg_1", "cg_3"}
	pl.Status = pricing.Draft
	write(t, s,
		addMember("cg_3", "cus_9"),
		putList(pl),
		putPrice(pricing.Price{ID: "pr_20", PriceListID: "pl_3", VariantID: "var_1", CurrencyCode: "usd", Amount: 10}),
		deletePrice("pr_01"),
	)
	failed := errors.New("rolled back")
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		if err := apply(tx, addMember("cg_1", "cus_9"), deletePrice("pr_20")); err != nil {
			return err
		}
		return failed
	})
	wantErr(t, "Update that fails", err, failed)
	got, err := readCandidates(t.Context(), cr, req)
	if err != nil {
		t.Fatalf("ReadCandidates: %v", err)
	}
	var want pricing.Candidates
	view(t, s, func(tx pricing.Tx) { want, err = candidatesFromTx(tx, req) })
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "customer groups after the writes", got.CustomerGroupIDs, []string{"cg_3"})
	wantEqual(t, "ReadCandidates after the writes", got, want)
}

// ReadCandidates returns the context's error when ctx is done, and ErrClosed after
// Close.
func testCandidatesContextAndClose(t *testing.T, open opener) {
	s := open(t)
	cr := candidateReader(t, s)
	seed(t, s, baseFixture())
	req := candidateRequests[0]
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := readCandidates(ctx, cr, req)
	wantErr(t, "ReadCandidates with a canceled context", err, context.Canceled)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err = readCandidates(t.Context(), cr, req)
	wantErr(t, "ReadCandidates after Close", err, pricing.ErrClosed)
}

func describeRequest(req pricing.CandidateRequest) string {
	return "customer " + req.CustomerID + ", " + req.CurrencyCode + ", variants [" + strings.Join(req.VariantIDs, " ") + "]"
}

// WithCandidateReader returns s with a pricing.CandidateReader that reads through
// s.View, with its results in a shuffled order, so that a test can run the Service's
// path for stores that have the capability on any store. It hides the other optional
// capabilities of s.
func WithCandidateReader(s pricing.Store) pricing.Store {
	return candidateStore{s}
}

type candidateStore struct{ pricing.Store }

func (s candidateStore) ReadCandidates(ctx context.Context, req pricing.CandidateRequest, dst *pricing.Candidates) error {
	return s.View(ctx, func(tx pricing.Tx) error {
		c, err := candidatesFromTx(tx, req)
		if err != nil {
			return err
		}
		// Any order: reverse the canonical one.
		slices.Reverse(c.Prices)
		slices.Reverse(c.Terms)
		dst.CustomerGroupIDs = append(dst.CustomerGroupIDs, c.CustomerGroupIDs...)
		dst.Prices = append(dst.Prices, c.Prices...)
		dst.Terms = append(dst.Terms, c.Terms...)
		return nil
	})
}
