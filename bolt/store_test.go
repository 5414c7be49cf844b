package bolt_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

var t0 = time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)

func sampleMetadata() map[string]any {
	return map[string]any{
		"tier": "gold", "score": 4.5, "count": 12345678901234.0, "vip": true, "note": nil,
		"label": "Großhändler ✓ \"quoted\"\n<&>",
		"tags":  []any{"a", 1.0, false, nil, map[string]any{"deep": []any{"x", -0.25}}},
		"none":  map[string]any{}, "empty": []any{},
	}
}

// Awkward IDs: bytes that a separator-based key scheme would trip on.
var (
	idNUL   = "a\x00b"
	idSlash = "a/b"
	idLong  = string(slices.Repeat([]byte{'z'}, 255))
	idUTF8  = "größe-✓"
)

type fixture struct {
	groups  []pricing.CustomerGroup
	keys    []string // name keys of groups
	members [][2]string
	lists   []pricing.PriceList
	prices  []pricing.Price
}

func sampleFixture() fixture {
	var f fixture
	for i, id := range []string{"cg_2", "cg_1", idNUL, idSlash, idLong, idUTF8} {
		g := pricing.CustomerGroup{ID: id, Name: "Group " + id, CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(i) * time.Hour)}
		if i%2 == 0 {
			g.Metadata = sampleMetadata()
		}
		f.groups = append(f.groups, g)
		f.keys = append(f.keys, "group "+id)
	}
	f.members = [][2]string{
		{"cg_1", "cus_1"}, {"cg_1", "cus_2"}, {"cg_2", "cus_2"}, {idNUL, "cus_1"}, {idNUL, "cus_1\x00"},
		{idSlash, "cus_1"}, {"cg_1", idLong}, {idLong, idUTF8},
	}
	f.lists = []pricing.PriceList{
		{ID: "pl_2", Name: "Sale", Description: "d", Type: pricing.Sale, Status: pricing.Active,
			StartsAt: t0, EndsAt: t0.Add(48 * time.Hour), CustomerGroupIDs: []string{"cg_1", idNUL},
			IncludesTax: true, Metadata: sampleMetadata(), CreatedAt: t0, UpdatedAt: t0},
		{ID: "pl_1", Name: "Override", Type: pricing.Override, Status: pricing.Draft,
			CustomerIDs: []string{"cus_1", idUTF8}, ChannelIDs: []string{"pos", idNUL},
			Adjustment: &pricing.Adjustment{Percent: -12.5, Rounding: pricing.RoundUp}, CreatedAt: t0, UpdatedAt: t0},
		{ID: idNUL, Name: "Odd", Type: "custom-type", Status: "custom-status", CustomerGroupIDs: []string{},
			StartsAt: time.Date(1500, 1, 1, 0, 0, 0, 1, time.UTC), EndsAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			CreatedAt: t0, UpdatedAt: t0},
	}
	n := 0
	for _, list := range []string{"", "pl_2", "pl_1", idNUL} {
		for _, variant := range []string{"var_1", "var_2", idSlash} {
			for _, cur := range []string{"usd", "eur"} {
				for _, region := range []string{"", "reg_de"} {
					n++
					f.prices = append(f.prices, pricing.Price{
						ID: "price_" + string(rune('a'+n%26)) + "_" + time.Duration(n).String(), PriceListID: list,
						VariantID: variant, CurrencyCode: cur, RegionID: region,
						Amount: int64(1000 + n), MinQuantity: int64(n % 3), MaxQuantity: int64(n % 5 * 10),
						IncludesTax: n%2 == 0,
					})
				}
			}
		}
	}
	return f
}

func (f fixture) load(t testing.TB, s pricing.Store) {
	t.Helper()
	update(t, s, func(tx pricing.Tx) error {
		for i, g := range f.groups {
			if err := tx.PutCustomerGroup(g, f.keys[i]); err != nil {
				return err
			}
		}
		for _, m := range f.members {
			if err := tx.AddMember(m[0], m[1]); err != nil {
				return err
			}
		}
		for _, pl := range f.lists {
			if err := tx.PutPriceList(pl); err != nil {
				return err
			}
		}
		for _, p := range f.prices {
			if err := tx.PutPrice(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// verify checks every read method of s against f.
func (f fixture) verify(t *testing.T, s pricing.Store) {
	t.Helper()
	view(t, s, func(tx pricing.Tx) error {
		for i, g := range f.groups {
			got, err := tx.CustomerGroup(g.ID)
			if err != nil || !reflect.DeepEqual(got, g) {
				t.Errorf("CustomerGroup(%q) = %#v, %v; want %#v", g.ID, got, err, g)
			}
			id, err := tx.CustomerGroupIDByNameKey(f.keys[i])
			if err != nil || id != g.ID {
				t.Errorf("CustomerGroupIDByNameKey(%q) = %q, %v", f.keys[i], id, err)
			}
		}
		groups, err := collect(tx.CustomerGroups)
		wantIDs := func(what string, got []string, want []string) {
			t.Helper()
			if !slices.Equal(got, want) {
				t.Errorf("%s = %q, want %q", what, got, want)
			}
		}
		var gids []string
		for _, g := range groups {
			gids = append(gids, g.ID)
		}
		if err != nil {
			t.Error(err)
		}
		want := []string{}
		for _, g := range f.groups {
			want = append(want, g.ID)
		}
		slices.Sort(want)
		wantIDs("CustomerGroups", gids, want)

		byGroup, byCustomer := map[string][]string{}, map[string][]string{}
		for _, m := range f.members {
			byGroup[m[0]] = append(byGroup[m[0]], m[1])
			byCustomer[m[1]] = append(byCustomer[m[1]], m[0])
		}
		for g, cs := range byGroup {
			slices.Sort(cs)
			var got []string
			if err := tx.Members(g, 0, func(c string) bool { got = append(got, c); return true }); err != nil {
				t.Error(err)
			}
			wantIDs("Members("+g+")", got, cs)
			n, err := tx.CountMembers(g)
			if err != nil || n != len(cs) {
				t.Errorf("CountMembers(%q) = %d, %v; want %d", g, n, err, len(cs))
			}
			got = nil
			if err := tx.Members(g, 1, func(c string) bool { got = append(got, c); return true }); err != nil {
				t.Error(err)
			}
			wantIDs("Members("+g+", 1)", got, cs[1:])
		}
		for c, gs := range byCustomer {
			slices.Sort(gs)
			got, err := tx.AppendCustomerGroupIDs([]string{"x"}, c)
			if err != nil {
				t.Error(err)
			}
			wantIDs("AppendCustomerGroupIDs("+c+")", got, append([]string{"x"}, gs...))
		}

		byAudience := map[string][]string{}
		for _, pl := range f.lists {
			got, err := tx.PriceList(pl.ID)
			if err != nil || !reflect.DeepEqual(got, pl) {
				t.Errorf("PriceList(%q) = %#v, %v; want %#v", pl.ID, got, err, pl)
			}
			terms, err := tx.PriceListTerms(pl.ID)
			if err != nil || !reflect.DeepEqual(terms, pl.Terms()) {
				t.Errorf("PriceListTerms(%q) = %#v, %v; want %#v", pl.ID, terms, err, pl.Terms())
			}
			for _, g := range pl.CustomerGroupIDs {
				byAudience[g] = append(byAudience[g], pl.ID)
			}
		}
		for g, ls := range byAudience {
			slices.Sort(ls)
			got, err := tx.AppendPriceListIDsOfGroup(nil, g)
			if err != nil {
				t.Error(err)
			}
			wantIDs("AppendPriceListIDsOfGroup("+g+")", got, ls)
		}
		lists, err := collect(tx.PriceLists)
		if err != nil {
			t.Error(err)
		}
		var lids, wantL []string
		for _, pl := range lists {
			lids = append(lids, pl.ID)
		}
		for _, pl := range f.lists {
			wantL = append(wantL, pl.ID)
		}
		slices.Sort(wantL)
		wantIDs("PriceLists", lids, wantL)

		byList, byVariant, byVC := map[string][]string{}, map[string][]string{}, map[[2]string][]pricing.Price{}
		for _, p := range f.prices {
			got, err := tx.Price(p.ID)
			if err != nil || got != p {
				t.Errorf("Price(%q) = %#v, %v; want %#v", p.ID, got, err, p)
			}
			id, err := tx.PriceIDByKey(p.Key())
			if err != nil || id != p.ID {
				t.Errorf("PriceIDByKey(%+v) = %q, %v; want %q", p.Key(), id, err, p.ID)
			}
			byList[p.PriceListID] = append(byList[p.PriceListID], p.ID)
			byVariant[p.VariantID] = append(byVariant[p.VariantID], p.ID)
			byVC[[2]string{p.VariantID, p.CurrencyCode}] = append(byVC[[2]string{p.VariantID, p.CurrencyCode}], p)
		}
		priceIDs := func(iter func(func(pricing.Price) bool) error) []string {
			ps, err := collect(iter)
			if err != nil {
				t.Error(err)
			}
			var out []string
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		for l, ps := range byList {
			slices.Sort(ps)
			wantIDs("PricesOfList("+l+")", priceIDs(func(fn func(pricing.Price) bool) error { return tx.PricesOfList(l, fn) }), ps)
		}
		for v, ps := range byVariant {
			slices.Sort(ps)
			wantIDs("PricesOfVariant("+v+")", priceIDs(func(fn func(pricing.Price) bool) error { return tx.PricesOfVariant(v, fn) }), ps)
		}
		all := priceIDs(tx.Prices)
		if !slices.IsSorted(all) || len(all) != len(f.prices) {
			t.Errorf("Prices: %d IDs, sorted %v; want %d sorted", len(all), slices.IsSorted(all), len(f.prices))
		}
		for vc, ps := range byVC {
			got, err := tx.AppendVariantPrices(nil, vc[0], vc[1])
			if err != nil {
				t.Error(err)
			}
			byID := func(a, b pricing.Price) int { return cmpString(a.ID, b.ID) }
			slices.SortFunc(got, byID)
			slices.SortFunc(ps, byID)
			if !reflect.DeepEqual(got, ps) {
				t.Errorf("AppendVariantPrices(%q, %q) = %#v, want %#v", vc[0], vc[1], got, ps)
			}
		}
		return nil
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestRoundTripAndIndexes(t *testing.T) {
	s, _ := openTemp(t)
	f := sampleFixture()
	f.load(t, s)
	f.verify(t, s)
}

func TestSurvivesReopen(t *testing.T) {
	s, path := openTemp(t)
	f := sampleFixture()
	f.load(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s2, err := bolt.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.verify(t, s2)
		if err := s2.Check(context.Background()); err != nil {
			t.Error(err)
		}
		if err := s2.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReplaceAndDeleteKeepIndexes(t *testing.T) {
	s, _ := openTemp(t)
	f := sampleFixture()
	f.load(t, s)
	update(t, s, func(tx pricing.Tx) error {
		// Rename a group: its old name key goes.
		g := f.groups[0]
		g.Name = "Renamed"
		if err := tx.PutCustomerGroup(g, "renamed"); err != nil {
			return err
		}
		if _, err := tx.CustomerGroupIDByNameKey(f.keys[0]); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("old name key: got %v, want ErrNotFound", err)
		}
		f.groups[0], f.keys[0] = g, "renamed"
		// Move a price to another variant, list and key.
		p := f.prices[0]
		p.VariantID, p.PriceListID, p.CurrencyCode, p.Amount = "var_9", "pl_1", "gbp", 1
		if err := tx.PutPrice(p); err != nil {
			return err
		}
		f.prices[0] = p
		// Change an audience.
		pl := f.lists[0]
		pl.CustomerGroupIDs = []string{idSlash}
		if err := tx.PutPriceList(pl); err != nil {
			return err
		}
		f.lists[0] = pl
		// Memberships: remove one, remove a non-member, re-add a member.
		if err := tx.RemoveMember("cg_1", "cus_1"); err != nil {
			return err
		}
		if err := tx.RemoveMember("cg_1", "nobody"); err != nil {
			return err
		}
		if err := tx.AddMember("cg_1", "cus_2"); err != nil {
			return err
		}
		f.members = slices.DeleteFunc(f.members, func(m [2]string) bool { return m == [2]string{"cg_1", "cus_1"} })
		return nil
	})
	f.verify(t, s)

	update(t, s, func(tx pricing.Tx) error {
		if err := tx.DeletePriceList("pl_2"); err != nil {
			return err
		}
		if err := tx.DeleteCustomerGroup(idNUL); err != nil {
			return err
		}
		return tx.DeletePrice(f.prices[1].ID)
	})
	f.lists = slices.DeleteFunc(f.lists, func(pl pricing.PriceList) bool { return pl.ID == "pl_2" })
	f.prices = slices.DeleteFunc(f.prices, func(p pricing.Price) bool { return p.PriceListID == "pl_2" || p.ID == f.prices[1].ID })
	i := slices.IndexFunc(f.groups, func(g pricing.CustomerGroup) bool { return g.ID == idNUL })
	f.groups, f.keys = slices.Delete(f.groups, i, i+1), slices.Delete(f.keys, i, i+1)
	f.members = slices.DeleteFunc(f.members, func(m [2]string) bool { return m[0] == idNUL })
	f.verify(t, s)
	view(t, s, func(tx pricing.Tx) error {
		if n, err := tx.CountMembers(idNUL); n != 0 || err != nil {
			t.Errorf("CountMembers of a deleted group = %d, %v", n, err)
		}
		if ids, _ := tx.AppendPriceListIDsOfGroup(nil, "cg_1"); len(ids) != 0 {
			t.Errorf("deleted list still in the audience index: %q", ids)
		}
		return nil
	})
}

func TestErrors(t *testing.T) {
	s, _ := openTemp(t)
	f := sampleFixture()
	f.load(t, s)
	ctx := context.Background()
	view(t, s, func(tx pricing.Tx) error {
		for what, err := range map[string]error{
			"CustomerGroup":  second(tx.CustomerGroup("nope")),
			"NameKey":        second(tx.CustomerGroupIDByNameKey("nope")),
			"PriceList":      second(tx.PriceList("nope")),
			"PriceListTerms": second(tx.PriceListTerms("nope")),
			"Price":          second(tx.Price("nope")),
			"PriceIDByKey":   second(tx.PriceIDByKey(pricing.PriceKey{VariantID: "nope"})),
			"empty ID":       second(tx.CustomerGroup("")),
		} {
			if !errors.Is(err, pricing.ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", what, err)
			}
		}
		if err := tx.PutCustomerGroup(f.groups[0], "x"); !errors.Is(err, berrors.ErrTxNotWritable) {
			t.Errorf("PutCustomerGroup in a View: got %v", err)
		}
		if err := tx.DeletePrice(f.prices[0].ID); err == nil {
			t.Errorf("DeletePrice in a View: no error")
		}
		if err := tx.AddMember("a", "b"); err == nil {
			t.Errorf("AddMember in a View: no error")
		}
		return nil
	})
	err := s.Update(ctx, func(tx pricing.Tx) error {
		for what, err := range map[string]error{
			"DeleteCustomerGroup": tx.DeleteCustomerGroup("nope"),
			"DeletePriceList":     tx.DeletePriceList("nope"),
			"DeletePrice":         tx.DeletePrice("nope"),
		} {
			if !errors.Is(err, pricing.ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", what, err)
			}
		}
		g := f.groups[1]
		g.ID = "other"
		if err := tx.PutCustomerGroup(g, f.keys[0]); !errors.Is(err, pricing.ErrAlreadyExists) {
			t.Errorf("PutCustomerGroup with a taken name key: got %v", err)
		}
		p := f.prices[3]
		p.ID = "other"
		if err := tx.PutPrice(p); !errors.Is(err, pricing.ErrAlreadyExists) {
			t.Errorf("PutPrice with a taken key: got %v", err)
		}
		if _, err := tx.CustomerGroup("other"); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("refused group was written: %v", err)
		}
		if _, err := tx.Price("other"); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("refused price was written: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.verify(t, s)
}

func second[T any](_ T, err error) error { return err }

func TestRollback(t *testing.T) {
	s, _ := openTemp(t)
	f := sampleFixture()
	f.load(t, s)
	boom := errors.New("boom")
	wreck := func(tx pricing.Tx) {
		_ = tx.DeletePriceList("pl_2")
		_ = tx.DeleteCustomerGroup("cg_1")
		_ = tx.PutPrice(pricing.Price{ID: "new", VariantID: "v", CurrencyCode: "usd"})
	}
	if err := s.Update(context.Background(), func(tx pricing.Tx) error { wreck(tx); return boom }); !errors.Is(err, boom) {
		t.Errorf("Update returned %v, want fn's error", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "panic!" {
				t.Errorf("recovered %v, want the panic value", r)
			}
		}()
		_ = s.Update(context.Background(), func(tx pricing.Tx) error { wreck(tx); panic("panic!") })
	}()
	f.verify(t, s)
}

func TestContextAndClose(t *testing.T) {
	s, _ := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	fn := func(pricing.Tx) error { ran = true; return nil }
	if err := s.View(ctx, fn); !errors.Is(err, context.Canceled) {
		t.Errorf("View with a done context: %v", err)
	}
	if err := s.Update(ctx, fn); !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a done context: %v", err)
	}
	if err := s.Check(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Check with a done context: %v", err)
	}
	if ran {
		t.Error("fn ran with a done context")
	}
	var kept pricing.Tx
	view(t, s, func(tx pricing.Tx) error { kept = tx; return nil })
	if _, err := kept.CustomerGroup("x"); err == nil || errors.Is(err, pricing.ErrNotFound) {
		t.Errorf("Tx used after its function: got %v, want an error", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	bg := context.Background()
	if err := s.View(bg, fn); !errors.Is(err, pricing.ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
	if err := s.Update(bg, fn); !errors.Is(err, pricing.ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	if err := s.Check(bg); !errors.Is(err, pricing.ErrClosed) {
		t.Errorf("Check after Close: %v", err)
	}
	if ran {
		t.Error("fn ran after Close")
	}
}

// TestWriteBufferReadsItsWrites: within one Update, every read sees the writes before
// it, whatever mix of puts and deletes of the same keys came first, and the commit
// keeps the last of them.
func TestWriteBufferReadsItsWrites(t *testing.T) {
	s, _ := openTemp(t)
	p := pricing.Price{ID: "p1", PriceListID: "pl", VariantID: "v1", CurrencyCode: "usd", Amount: 100}
	amounts := func(tx pricing.Tx) []int64 {
		ps, err := tx.AppendVariantPrices(nil, "v1", "usd")
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, p := range ps {
			out = append(out, p.Amount)
		}
		return out
	}
	update(t, s, func(tx pricing.Tx) error {
		for i, step := range []struct {
			do   func() error
			want []int64
		}{
			{func() error { return tx.PutPrice(p) }, []int64{100}},
			{func() error { p.Amount = 200; return tx.PutPrice(p) }, []int64{200}},
			{func() error { return tx.DeletePrice("p1") }, nil},
			{func() error { p.Amount = 300; return tx.PutPrice(p) }, []int64{300}},
			{func() error { // same ID, new key: the old index entries go
				p.CurrencyCode = "eur"
				return tx.PutPrice(p)
			}, nil},
			{func() error { p.CurrencyCode, p.Amount = "usd", 400; return tx.PutPrice(p) }, []int64{400}},
		} {
			if err := step.do(); err != nil {
				return err
			}
			if got := amounts(tx); !slices.Equal(got, step.want) {
				t.Errorf("step %d: amounts %v, want %v", i, got, step.want)
			}
			if got, err := tx.Price("p1"); (step.want == nil) != errors.Is(err, pricing.ErrNotFound) && p.CurrencyCode == "usd" {
				t.Errorf("step %d: Price = %+v, %v", i, got, err)
			}
		}
		return nil
	})
	view(t, s, func(tx pricing.Tx) error {
		if got, err := tx.Price("p1"); err != nil || got != p {
			t.Errorf("after commit: %+v, %v; want %+v", got, err, p)
		}
		if got := amounts(tx); !slices.Equal(got, []int64{400}) {
			t.Errorf("after commit: amounts %v", got)
		}
		if ps, _ := tx.AppendVariantPrices(nil, "v1", "eur"); len(ps) != 0 {
			t.Errorf("stale eur entry: %v", ps)
		}
		return nil
	})
}

// TestOversizedKeyFailsTheWriteOnly: a key bbolt cannot hold fails the write that
// makes it, at once, and the transaction goes on.
func TestOversizedKeyFailsTheWriteOnly(t *testing.T) {
	s, _ := openTemp(t)
	huge := string(slices.Repeat([]byte{'x'}, 40_000))
	update(t, s, func(tx pricing.Tx) error {
		if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: huge, Name: "n"}, "n"); err == nil {
			t.Error("PutCustomerGroup with a 40,000-byte ID: no error")
		}
		if err := tx.AddMember("g", huge); err == nil {
			t.Error("AddMember with a 40,000-byte customer ID: no error")
		}
		if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: "g2", Name: "n"}, ""); err == nil {
			t.Error("PutCustomerGroup with an empty name key: no error")
		}
		if err := tx.PutPrice(pricing.Price{ID: "p", VariantID: huge, CurrencyCode: "usd"}); err == nil {
			t.Error("PutPrice with a 40,000-byte variant ID: no error")
		}
		if err := tx.PutPrice(pricing.Price{VariantID: "v", CurrencyCode: "usd"}); err == nil {
			t.Error("PutPrice without an ID: no error")
		}
		return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "g", Name: "G"}, "g")
	})
	view(t, s, func(tx pricing.Tx) error {
		if _, err := tx.CustomerGroup("g"); err != nil {
			t.Error(err)
		}
		if n, _ := tx.CountMembers("g"); n != 0 {
			t.Errorf("CountMembers = %d after a failed AddMember", n)
		}
		if _, err := tx.CustomerGroup("g2"); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("a refused group was written: %v", err)
		}
		if ps, _ := collect(tx.Prices); len(ps) != 0 {
			t.Errorf("refused prices were written: %v", ps)
		}
		return nil
	})
}
