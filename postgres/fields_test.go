package postgres_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// adjustmentEdges are percents that a careless encoding would not bring back bit for
// bit: the bounds, both zeros, decimals that no float64 holds exactly, the smallest
// subnormal, neighbours of round numbers, and values past the Service's bounds (a
// Store keeps what it is given).
var adjustmentEdges = []float64{
	-100, 1000, 0, math.Copysign(0, -1), 12.5, -12.5, 0.1, 0.1 + 0.2, -33.333333333333336, 1e-16,
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, math.Nextafter(5, 6), math.Nextafter(-10, -11),
	99.99999999999999, 1e300, -math.MaxFloat64,
}

// idSets are customer, channel and group IDs: none, an empty set (which may come back
// nil), one, and several that break array literals and SQL built by hand. The last
// holds the others' IDs: its IDs are the groups of TestListFieldsRoundTrip.
var idSets = [][]string{
	nil, {}, {"cus_1"},
	{" spaced ", "\"quoted\"", "'", "NULL", "a,b", "cus_1", "pos", "web", "{x}", "Ωμέγα", "🚀"},
}

// fieldLists returns lists that between them hold every edge of the new fields.
func fieldLists() []pricing.PriceList {
	t0 := time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)
	roundings := []pricing.Rounding{pricing.RoundHalfUp, pricing.RoundDown, pricing.RoundUp, ""}
	var lists []pricing.PriceList
	for i, p := range adjustmentEdges {
		sorted := func(ids []string) []string {
			if ids == nil {
				return nil
			}
			return slices.Sorted(slices.Values(ids))
		}
		lists = append(lists, pricing.PriceList{
			ID: fmt.Sprintf("pl_%02d", i), Name: fmt.Sprintf("List %d", i), Type: pricing.Sale, Status: pricing.Active,
			CustomerGroupIDs: sorted(idSets[(i+1)%len(idSets)]),
			CustomerIDs:      sorted(idSets[i%len(idSets)]), ChannelIDs: sorted(idSets[(i/len(idSets)+i)%len(idSets)]),
			Adjustment:  &pricing.Adjustment{Percent: p, Rounding: roundings[i%len(roundings)]},
			IncludesTax: i%2 == 0, CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(i)),
		})
	}
	// Lists without an adjustment, with each set of IDs.
	for i, ids := range idSets {
		lists = append(lists, pricing.PriceList{
			ID: fmt.Sprintf("pl_plain_%d", i), Name: "Plain", Type: pricing.Override, Status: pricing.Draft,
			CustomerIDs: ids, ChannelIDs: slices.Clone(idSets[len(idSets)-1-i]), CreatedAt: t0, UpdatedAt: t0,
		})
		slices.Sort(lists[len(lists)-1].ChannelIDs)
	}
	return lists
}

// normalTerms returns the terms a store gives back for pl: empty sets may be nil.
func normalTerms(t pricing.PriceListTerms) pricing.PriceListTerms {
	for _, s := range []*[]string{&t.CustomerGroupIDs, &t.CustomerIDs, &t.ChannelIDs} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	return t
}

func normalList(pl pricing.PriceList) pricing.PriceList {
	t := normalTerms(pl.Terms())
	pl.CustomerGroupIDs, pl.CustomerIDs, pl.ChannelIDs = t.CustomerGroupIDs, t.CustomerIDs, t.ChannelIDs
	return pl
}

// sameTerms reports whether got is want, the adjustment's percent bit for bit.
func sameTerms(got, want pricing.PriceListTerms) bool {
	want = normalTerms(want)
	if (got.Adjustment == nil) != (want.Adjustment == nil) {
		return false
	}
	if got.Adjustment != nil && (math.Float64bits(got.Adjustment.Percent) != math.Float64bits(want.Adjustment.Percent) ||
		got.Adjustment.Rounding != want.Adjustment.Rounding) {
		return false
	}
	got.Adjustment, want.Adjustment = nil, nil
	return reflect.DeepEqual(got, want)
}

func sameList(got, want pricing.PriceList) bool {
	if !sameTerms(got.Terms(), want.Terms()) {
		return false
	}
	want = normalList(want)
	got.Adjustment, want.Adjustment = nil, nil
	return reflect.DeepEqual(got, want)
}

// checkLists reads every list of want through every read of a Tx (PriceList,
// PriceListTerms, PriceLists, AppendAdjustedListIDs) and compares.
func checkLists(t *testing.T, what string, tx pricing.Tx, want []pricing.PriceList) {
	t.Helper()
	var adjusted []string
	for _, w := range want {
		got, err := tx.PriceList(w.ID)
		if err != nil || !sameList(got, w) {
			t.Errorf("%s: PriceList(%s):\n got  %#v %v, %v\n want %#v %v", what, w.ID, got, got.Adjustment, err, w, w.Adjustment)
		}
		terms, err := tx.PriceListTerms(w.ID)
		if err != nil || !sameTerms(terms, w.Terms()) {
			t.Errorf("%s: PriceListTerms(%s):\n got  %#v %v, %v\n want %#v %v", what, w.ID, terms, terms.Adjustment, err, w.Terms(), w.Adjustment)
		}
		if w.Adjustment != nil {
			adjusted = append(adjusted, w.ID)
		}
	}
	i := 0
	err := tx.PriceLists(func(got pricing.PriceList) bool {
		if i >= len(want) || !sameList(got, want[i]) {
			t.Errorf("%s: PriceLists, list %d: %#v", what, i, got)
		}
		i++
		return true
	})
	if err != nil || i != len(want) {
		t.Errorf("%s: PriceLists: %d lists, %v; want %d", what, i, err, len(want))
	}
	ids, err := tx.(pricing.AdjustedLister).AppendAdjustedListIDs(nil)
	if err != nil || !slices.Equal(ids, adjusted) {
		t.Errorf("%s: AppendAdjustedListIDs: %q, %v; want %q", what, ids, err, adjusted)
	}
}

// checkCandidates reads the candidates of var_1 twice (the first read after a write of
// the lists reads their terms in its statement, the second from the store's cache),
// and compares their terms with want's: those of every list, since each prices var_1
// or has an adjustment.
func checkCandidates(t *testing.T, what string, cr pricing.CandidateReader, want []pricing.PriceList) {
	t.Helper()
	byID := map[string]pricing.PriceListTerms{}
	for _, w := range want {
		byID[w.ID] = w.Terms()
	}
	for _, read := range []string{"first", "second"} {
		var c pricing.Candidates
		if err := cr.ReadCandidates(t.Context(), pricing.CandidateRequest{CurrencyCode: "usd", VariantIDs: []string{"var_1"}}, &c); err != nil {
			t.Fatalf("%s: ReadCandidates: %v", what, err)
		}
		if len(c.Terms) != len(want) {
			t.Errorf("%s: %s ReadCandidates: the terms of %d lists, want %d", what, read, len(c.Terms), len(want))
		}
		for _, got := range c.Terms {
			if w, ok := byID[got.ID]; !ok || !sameTerms(got, w) {
				t.Errorf("%s: %s ReadCandidates: terms of %s:\n got  %#v %v\n want %#v %v", what, read, got.ID, got, got.Adjustment, w, w.Adjustment)
			}
		}
	}
}

// Every field of a price list round-trips exactly through every read of the store —
// the customers and channels (none, empty, one, several hostile IDs) and the
// adjustment (bit for bit, at its edges) among them — in the Update that wrote it (its
// cache, then the server), in a View, through ReadCandidates (from its statement and
// from its cache), on the extended and the simple protocol, and through a host's
// transaction.
func TestListFieldsRoundTrip(t *testing.T) {
	lists := fieldLists()
	slices.SortFunc(lists, func(a, b pricing.PriceList) int { return strings.Compare(a.ID, b.ID) })
	simple, err := pgxpool.ParseConfig(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	simple.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	simplePool, err := pgxpool.NewWithConfig(t.Context(), simple)
	if err != nil {
		t.Fatal(err)
	}
	defer simplePool.Close()

	for _, pool := range []struct {
		name string
		pool *pgxpool.Pool
	}{{"extended", sharedPool(t)}, {"simple", simplePool}} {
		t.Run(pool.name, func(t *testing.T) {
			s, err := postgres.New(t.Context(), pool.pool, &postgres.Options{Schema: emptySchema(t)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.Update(t.Context(), func(tx pricing.Tx) error {
				for i, id := range idSets[len(idSets)-1] {
					if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: id, Name: id}, fmt.Sprint("key ", i)); err != nil {
						return err
					}
				}
				for i, pl := range lists {
					if err := tx.PutPriceList(pl); err != nil {
						return err
					}
					if err := tx.PutPrice(pricing.Price{ID: fmt.Sprintf("p_%02d", i), PriceListID: pl.ID, VariantID: "var_1", CurrencyCode: "usd", Amount: 5}); err != nil {
						return err
					}
				}
				checkLists(t, "in the Update that wrote them", tx, lists)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.View(t.Context(), func(tx pricing.Tx) error { checkLists(t, "in a View", tx, lists); return nil }); err != nil {
				t.Fatal(err)
			}
			checkCandidates(t, "Store", s, lists)

			// A host's transaction sees the store's lists, and its own.
			tx, err := pool.pool.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(t.Context()) }()
			h := s.WithTx(tx)
			more := slices.Clone(lists)
			extra := lists[len(lists)-1]
			extra.ID, extra.Adjustment = "pl_zz_host", &pricing.Adjustment{Percent: math.Nextafter(-100, 0), Rounding: pricing.RoundUp}
			more = append(more, extra)
			err = h.Update(t.Context(), func(tx pricing.Tx) error {
				if err := tx.PutPriceList(extra); err != nil {
					return err
				}
				checkLists(t, "in a host's Update", tx, more)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := h.View(t.Context(), func(tx pricing.Tx) error { checkLists(t, "in a host's View", tx, more); return nil }); err != nil {
				t.Fatal(err)
			}
			checkCandidates(t, "TxStore", h, more)
			if err := s.Check(t.Context()); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// The store refuses, with ErrInvalid and before anything is buffered, what its columns
// cannot hold: a percent that is not finite, and IDs that text cannot hold or that are
// empty. The transaction goes on.
func TestListFieldsRefused(t *testing.T) {
	s := newStore(t, nil)
	base := pricing.PriceList{ID: "pl", Name: "n", Type: pricing.Sale, Status: pricing.Draft}
	err := s.Update(t.Context(), func(tx pricing.Tx) error {
		for name, pl := range map[string]func(pricing.PriceList) pricing.PriceList{
			"NaN percent": func(pl pricing.PriceList) pricing.PriceList {
				pl.Adjustment = &pricing.Adjustment{Percent: math.NaN(), Rounding: pricing.RoundUp}
				return pl
			},
			"+Inf percent": func(pl pricing.PriceList) pricing.PriceList {
				pl.Adjustment = &pricing.Adjustment{Percent: math.Inf(1), Rounding: pricing.RoundUp}
				return pl
			},
			"-Inf percent": func(pl pricing.PriceList) pricing.PriceList {
				pl.Adjustment = &pricing.Adjustment{Percent: math.Inf(-1)}
				return pl
			},
			"rounding with NUL": func(pl pricing.PriceList) pricing.PriceList {
				pl.Adjustment = &pricing.Adjustment{Percent: 1, Rounding: "up\x00"}
				return pl
			},
			"customer ID with NUL": func(pl pricing.PriceList) pricing.PriceList {
				pl.CustomerIDs = []string{"a\x00b"}
				return pl
			},
			"empty customer ID": func(pl pricing.PriceList) pricing.PriceList {
				pl.CustomerIDs = []string{""}
				return pl
			},
			"channel ID not UTF-8": func(pl pricing.PriceList) pricing.PriceList {
				pl.ChannelIDs = []string{"pos", "\xff"}
				return pl
			},
		} {
			if err := tx.PutPriceList(pl(base)); !errors.Is(err, pricing.ErrInvalid) {
				t.Errorf("PutPriceList with a %s: %v, want ErrInvalid", name, err)
			}
		}
		return tx.PutPriceList(base)
	})
	if err != nil {
		t.Fatalf("the Update after refused writes: %v", err)
	}
	if _, err := pricing.New(s).PriceList(t.Context(), "pl"); err != nil {
		t.Errorf("the list written after the refused ones: %v", err)
	}
}
