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
	"github.com/commercekit/pricing/memory"
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

// A cursor holds any instant a record can hold: before year 1, and after 9999.
func TestCursorTimesOfAnyYear(t *testing.T) {
	ctx := context.Background()
	for _, start := range []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 5, time.UTC).Add(-time.Hour), // year -1
		time.Date(12000, 6, 1, 0, 0, 0, 999_999_999, time.UTC),
	} {
		st := memory.New()
		clk := newClock(start)
		svc := pricing.New(st, pricing.WithClock(clk.Now), pricing.WithIDGenerator(seqIDs("id")))
		for i := range 3 {
			must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: fmt.Sprintf("pl_%d", i), Name: "l"}))
			clk.Advance(time.Nanosecond)
		}
		var walked []string
		f := pricing.PriceListFilter{Order: "created_at", Limit: 1}
		for {
			p := must1[pricing.PriceListPage](t)(svc.ListPriceListsPage(ctx, f))
			walked = append(walked, listIDs(p.PriceLists)...)
			if f.After = p.Next; f.After == "" {
				break
			}
		}
		deepEqual(t, fmt.Sprint("lists created from ", start), walked, []string{"pl_0", "pl_1", "pl_2"})
		must(t, st.Close())
	}
}

// Following the cursors of ListCustomerGroupsPage, ListPricesPage and
// GroupCustomersAfter from page to page visits every match once, in order, on every
// store, with and without the stores' capabilities; the cursor of one listing is
// ErrInvalid in another.
func TestCursorsOfOtherListings(t *testing.T) {
	for _, ts := range testStores {
		t.Run(ts.name, func(t *testing.T) {
			ctx := context.Background()
			st := ts.open(t)
			clk := newClock(t0)
			svc := pricing.New(st, pricing.WithClock(clk.Now), pricing.WithIDGenerator(seqIDs("id")))
			var customers []string
			for i := range 9 {
				must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("g%d", 9-i), Name: fmt.Sprintf("%c group", "aBcDeFgHi"[i])}))
				if i%3 == 2 {
					clk.Advance(time.Second)
				}
				customers = append(customers, fmt.Sprintf("cus_%d", i*7%9))
			}
			must(t, svc.AddCustomers(ctx, "g1", customers))
			var prices []pricing.PriceInput
			for i := range 9 {
				prices = append(prices, pi(fmt.Sprintf("p%d", i), int64(100+i), variant(fmt.Sprintf("v%d", i))))
			}
			must1[pricing.PriceList](t)(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "pl", Prices: prices}))
			for _, s := range []*pricing.Service{svc, pricing.New(noOrderer{st})} {
				for _, order := range []string{"", "name", "-name", "created_at", "-updated_at"} {
					var walked []string
					f := pricing.CustomerGroupFilter{Order: order, Limit: 2}
					for {
						p := must1[pricing.CustomerGroupPage](t)(s.ListCustomerGroupsPage(ctx, f))
						if p.Count != 9 {
							t.Fatalf("groups by %q: count %d", order, p.Count)
						}
						walked = append(walked, groupIDs(p.CustomerGroups)...)
						if f.After = p.Next; f.After == "" {
							break
						}
					}
					deepEqual(t, "groups walked by "+order, walked, groupIDs(must1[pricing.CustomerGroupPage](t)(s.ListCustomerGroupsPage(ctx, pricing.CustomerGroupFilter{Order: order})).CustomerGroups))
				}
				var walked []string
				pf := pricing.PriceFilter{PriceListID: "pl", Limit: 4}
				for {
					p := must1[pricing.PricePage](t)(s.ListPricesPage(ctx, pf))
					if p.Count != 9 {
						t.Fatalf("prices: count %d", p.Count)
					}
					for _, pr := range p.Prices {
						walked = append(walked, pr.ID)
					}
					if pf.After = p.Next; pf.After == "" {
						break
					}
				}
				allPrices, _ := must2[[]pricing.Price, int](t)(s.ListPrices(ctx, pricing.PriceFilter{PriceListID: "pl"}))
				var want []string
				for _, pr := range allPrices {
					want = append(want, pr.ID)
				}
				deepEqual(t, "prices walked", walked, want)

				var members []string
				next := ""
				for {
					p := must1[pricing.CustomerPage](t)(s.GroupCustomersAfter(ctx, "g1", next, 2))
					if p.Count != 9 {
						t.Fatalf("customers: count %d", p.Count)
					}
					members = append(members, p.CustomerIDs...)
					if next = p.Next; next == "" {
						break
					}
				}
				deepEqual(t, "customers walked", members, slices.Sorted(slices.Values(customers)))
			}
			// A cursor of one listing in another.
			pp := must1[pricing.PricePage](t)(svc.ListPricesPage(ctx, pricing.PriceFilter{Limit: 1}))
			gp := must1[pricing.CustomerGroupPage](t)(svc.ListCustomerGroupsPage(ctx, pricing.CustomerGroupFilter{Limit: 1}))
			_, _, err := svc.ListCustomerGroups(ctx, pricing.CustomerGroupFilter{After: pp.Next})
			wantInvalid(t, err, "After")
			_, _, err = svc.ListPrices(ctx, pricing.PriceFilter{After: gp.Next})
			wantInvalid(t, err, "After")
			_, err = svc.GroupCustomersAfter(ctx, "g1", gp.Next, 2)
			wantInvalid(t, err, "After")
			_, err = svc.GroupCustomersAfter(ctx, "g1", "%%%", 2)
			wantInvalid(t, err, "After")
			// Listings with the same order (created_at, or the ID order) tell their
			// cursors apart too.
			cp := must1[pricing.CustomerPage](t)(svc.GroupCustomersAfter(ctx, "g1", "", 1))
			_, _, err = svc.ListPrices(ctx, pricing.PriceFilter{After: cp.Next})
			wantInvalid(t, err, "After")
			_, err = svc.GroupCustomersAfter(ctx, "g1", pp.Next, 2)
			wantInvalid(t, err, "After")
			gc := must1[pricing.CustomerGroupPage](t)(svc.ListCustomerGroupsPage(ctx, pricing.CustomerGroupFilter{Order: "created_at", Limit: 1}))
			_, _, err = svc.ListPriceLists(ctx, pricing.PriceListFilter{Order: "created_at", After: gc.Next})
			wantInvalid(t, err, "After")
			// A customer removed before the cursor does not shift the next page.
			p := must1[pricing.CustomerPage](t)(svc.GroupCustomersAfter(ctx, "g1", "", 3))
			must(t, svc.RemoveCustomers(ctx, "g1", p.CustomerIDs[:1]))
			q := must1[pricing.CustomerPage](t)(svc.GroupCustomersAfter(ctx, "g1", p.Next, 3))
			deepEqual(t, "the page after a removal before the cursor", q.CustomerIDs, slices.Sorted(slices.Values(customers))[3:6])
		})
	}
}
