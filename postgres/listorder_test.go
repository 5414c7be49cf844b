package postgres_test

import (
	"slices"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// memoryWith returns a Service over a memory store holding the lists exactly.
func memoryWith(t *testing.T, pls []pricing.PriceList) *pricing.Service {
	t.Helper()
	m := memory.New()
	t.Cleanup(func() { _ = m.Close() })
	err := m.Update(t.Context(), func(tx pricing.Tx) error {
		for _, pl := range pls {
			if err := tx.PutPriceList(pl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pricing.New(m)
}

// pageIDs returns the IDs of every list in the order, read whole and then in pages of
// 3 through the cursors, which must agree.
func pageIDs(t *testing.T, svc *pricing.Service, order string) []string {
	t.Helper()
	ctx := t.Context()
	all, n, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{Order: order})
	if err != nil || n != len(all) {
		t.Fatalf("ListPriceLists(%q): %d of %d, %v", order, len(all), n, err)
	}
	ids := []string{}
	for _, pl := range all {
		ids = append(ids, pl.ID)
	}
	paged := []string{}
	f := pricing.PriceListFilter{Order: order, Limit: 3}
	for {
		p, err := svc.ListPriceListsPage(ctx, f)
		if err != nil {
			t.Fatalf("ListPriceListsPage(%q, after %q): %v", order, f.After, err)
		}
		for _, pl := range p.PriceLists {
			paged = append(paged, pl.ID)
		}
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("the lists in the order %q in pages of 3: %q, whole: %q", order, paged, ids)
	}
	return ids
}
