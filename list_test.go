package pricing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/commercekit/pricing"
)

// noOrderer hides the pricing.PriceListOrderer of a store's transactions, so that the
// Service lists by reading every list, as on a store without the capability.
type noOrderer struct{ pricing.Store }

func (s noOrderer) View(ctx context.Context, fn func(pricing.Tx) error) error {
	return s.Store.View(ctx, func(tx pricing.Tx) error { return fn(struct{ pricing.Tx }{tx}) })
}

// randomLists fills a new store of ts with n lists of random terms, names that tie but for case,
// and creation and update times that tie, then updates and deletes some.
func randomLists(t *testing.T, ts testStore, rng *rand.Rand, n int) (*pricing.Service, pricing.Store) {
	t.Helper()
	ctx := context.Background()
	st := ts.open(t)
	clk := newClock(t0)
	svc := pricing.New(st, pricing.WithClock(clk.Now), pricing.WithIDGenerator(seqIDs("id")))
	for g := range 4 {
		must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("g%d", g), Name: fmt.Sprintf("Group %c", 'A'+g)}))
	}
	names := []string{"Spring", "spring", "SPRING", "Summer sale", "été", "Été", "b2b", "B2B contract"}
	pick := func(prefix string, k int) []string {
		var ids []string
		for i := range k {
			if rng.IntN(3) == 0 {
				ids = append(ids, fmt.Sprintf("%s%d", prefix, i))
			}
		}
		return ids
	}
	for i := range n {
		nl := pricing.NewPriceList{
			ID: fmt.Sprintf("pl_%02d", rng.IntN(100)*1000+i), Name: names[rng.IntN(len(names))],
			Description:      []string{"", "for VIPs", "winter"}[rng.IntN(3)],
			Type:             []pricing.PriceListType{pricing.Sale, pricing.Override}[rng.IntN(2)],
			Status:           []pricing.PriceListStatus{pricing.Draft, pricing.Active}[rng.IntN(2)],
			CustomerGroupIDs: pick("g", 4), CustomerIDs: pick("c", 3), ChannelIDs: pick("ch", 2),
		}
		if rng.IntN(3) == 0 {
			nl.StartsAt = t0.Add(time.Duration(rng.IntN(10)) * time.Hour)
		}
		if rng.IntN(3) == 0 {
			nl.EndsAt = t0.Add(time.Duration(10+rng.IntN(10)) * time.Hour)
		}
		must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, nl))
		if rng.IntN(2) == 0 {
			clk.Advance(time.Second)
		}
	}
	all := listIDs(mustPage[pricing.PriceList](t)(svc.ListPriceLists(ctx, pricing.PriceListFilter{})))
	for _, id := range all {
		switch rng.IntN(6) {
		case 0:
			must(t, svc.DeletePriceList(ctx, id))
		case 1:
			name := names[rng.IntN(len(names))]
			must1[pricing.PriceList](t)(svc.UpdatePriceList(ctx, id, pricing.PriceListUpdate{Name: &name}))
			clk.Advance(time.Duration(rng.IntN(2)) * time.Second)
		}
	}
	return svc, st
}

// randomFilter returns a filter of random fields, order and page.
func randomFilter(rng *rand.Rand) pricing.PriceListFilter {
	var f pricing.PriceListFilter
	f.Order = []string{"", "created_at", "-created_at", "updated_at", "-updated_at", "name", "-name"}[rng.IntN(7)]
	f.Limit = []int{0, 1, 3, 10}[rng.IntN(4)]
	f.Offset = []int{0, 0, 1, 5}[rng.IntN(4)]
	switch rng.IntN(12) {
	case 0:
		f.Statuses = []pricing.PriceListStatus{pricing.Active}
	case 1:
		f.Types = []pricing.PriceListType{pricing.Override}
	case 2:
		f.CustomerGroupIDs = []string{"g1", "g3"}
	case 3:
		f.CustomerIDs = []string{"c0"}
	case 4:
		f.ChannelIDs = []string{"ch1"}
	case 5:
		f.ActiveAt = t0.Add(time.Duration(rng.IntN(24)) * time.Hour)
	case 6:
		f.CreatedAt = pricing.TimeRange{From: t0.Add(5 * time.Second), To: t0.Add(20 * time.Second)}
	case 7:
		f.Q = []string{"spr", "vip", "group b"}[rng.IntN(3)]
	case 8:
		f.IDs = []string{"pl_00", "pl_5001", "pl_missing"}
		for range 5 {
			f.IDs = append(f.IDs, fmt.Sprintf("pl_%02d", rng.IntN(100)*1000+rng.IntN(60)))
		}
	case 9:
		f.Statuses, f.CustomerGroupIDs = []pricing.PriceListStatus{pricing.Draft}, []string{"g0"}
	}
	return f
}

// ListPriceLists gives the same pages, counts and cursors through the store's ordered
// index as by reading every list, and following the cursors from page to page visits
// every match once, in order.
func TestListPriceListsIndexed(t *testing.T) {
	for _, ts := range testStores {
		t.Run(ts.name, func(t *testing.T) { testListPriceListsIndexed(t, ts) })
	}
}

func testListPriceListsIndexed(t *testing.T, ts testStore) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(13, 4))
	for round := range 4 {
		svc, st := randomLists(t, ts, rng, 60)
		plain := pricing.New(noOrderer{st})
		for i := range 300 {
			f := randomFilter(rng)
			what := fmt.Sprintf("round %d, filter %d %+v", round, i, f)
			got := must1[pricing.PriceListPage](t)(svc.ListPriceListsPage(ctx, f))
			want := must1[pricing.PriceListPage](t)(plain.ListPriceListsPage(ctx, f))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: through the index\n%v %d %q\nby reading every list\n%v %d %q", what,
					listIDs(got.PriceLists), got.Count, got.Next, listIDs(want.PriceLists), want.Count, want.Next)
			}
			all := f
			all.Limit, all.Offset = 0, 0
			every := listIDs(must1[pricing.PriceListPage](t)(plain.ListPriceListsPage(ctx, all)).PriceLists)
			if f.Limit == 0 {
				continue
			}
			for _, s := range []*pricing.Service{svc, plain} {
				var walked []string
				g := f
				g.Offset = 0
				for {
					p := must1[pricing.PriceListPage](t)(s.ListPriceListsPage(ctx, g))
					if p.Count != len(every) {
						t.Fatalf("%s: count %d after %q, want %d", what, p.Count, g.After, len(every))
					}
					walked = append(walked, listIDs(p.PriceLists)...)
					if p.Next == "" {
						break
					}
					if len(walked) > len(every) {
						t.Fatalf("%s: the cursors walk past every match: %q", what, walked)
					}
					g.After = p.Next
				}
				if !slices.Equal(walked, every) && !(len(walked) == 0 && len(every) == 0) {
					t.Fatalf("%s: the cursors walk\n%q, want\n%q", what, walked, every)
				}
			}
		}
	}
}

// A cursor holds its place when the lists before it are deleted, and a cursor of
// another order, or a malformed one, is ErrInvalid naming After.
func TestListPriceListsCursor(t *testing.T) {
	ctx := context.Background()
	svc, _ := newServiceClock(t)
	for i := range 5 {
		must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: fmt.Sprintf("pl_%d", i), Name: fmt.Sprintf("List %d", i)}))
	}
	p := must1[pricing.PriceListPage](t)(svc.ListPriceListsPage(ctx, pricing.PriceListFilter{Order: "name", Limit: 2}))
	deepEqual(t, "first page", listIDs(p.PriceLists), []string{"pl_0", "pl_1"})
	must(t, svc.DeletePriceList(ctx, "pl_0"))
	must(t, svc.DeletePriceList(ctx, "pl_1"))
	q := must1[pricing.PriceListPage](t)(svc.ListPriceListsPage(ctx, pricing.PriceListFilter{Order: "name", Limit: 2, After: p.Next}))
	deepEqual(t, "page after the cursor", listIDs(q.PriceLists), []string{"pl_2", "pl_3"})
	if q.Count != 3 || q.Next == "" {
		t.Errorf("count %d, next %q; want 3 and a cursor", q.Count, q.Next)
	}
	r := must1[pricing.PriceListPage](t)(svc.ListPriceListsPage(ctx, pricing.PriceListFilter{Order: "name", Limit: 2, After: q.Next}))
	deepEqual(t, "last page", listIDs(r.PriceLists), []string{"pl_4"})
	if r.Next != "" {
		t.Errorf("last page: next %q, want none", r.Next)
	}
	for _, order := range []string{"", "-name", "created_at", "updated_at"} {
		_, _, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{Order: order, After: p.Next})
		wantInvalid(t, err, "After")
	}
}
