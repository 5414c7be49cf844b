package postgres_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

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

// hostileNames are names that PostgreSQL's lower() and Go's strings.ToLower fold
// differently, or that byte order and a locale's order sort differently: U+0130 'İ'
// (Go: "i̇", two runes), the Kelvin sign U+212A (Go: 'k'), capital sharp s, final
// sigma, title-case digraphs, mixed case, accents, and names equal but for case.
var hostileNames = []string{
	"İstanbul", "istanbul", "ISTANBUL", "ıstanbul", "I", "i", "İ",
	"\u212Aelvin", "Kelvin", "kelvin", "\u212A", "K", "k",
	"ẞ", "ß", "ss", "SS", "ΣΑΣ", "σας", "ς", "ǅ", "ǆ", "Ǆ",
	"Été", "été", "ÉTÉ", "ete", "Ete", "e\u0301te",
	"Zeta", "zeta", "ZETA", "Alpha", "alpha", "ALPHA", "a", "B", "b",
	"日本", "🚀 rocket", "Ωmega", "ωmega", "Ａ", "ａ", "~", "_", "[", "'", `"`,
}

// The order by name on postgres is the memory store's, for names that PostgreSQL's
// lower() and Go's strings.ToLower fold differently: the store writes
// pricing.NameOrderKey in Go. Every order, whole and through cursors, and after forged
// cursors the server cannot be sent (invalid UTF-8), matches; a name with NUL is
// refused before anything is written; Check finds every name_key right.
func TestListOrderHostileNames(t *testing.T) {
	s := newStore(t, nil)
	ctx := t.Context()
	now := time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)
	clock := pricing.WithClock(func() time.Time { return now })
	svc := pricing.New(s, clock)
	for i, name := range hostileNames {
		// Few distinct times, so that ties are broken by ID; IDs not in name order.
		now = time.Date(2026, 1, 15, 12, 0, i%3, 123456789+i%2, time.UTC)
		if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: fmt.Sprintf("pl_%02d", (i*17)%len(hostileNames)), Name: name}); err != nil {
			t.Fatalf("CreatePriceList(%q): %v", name, err)
		}
	}
	for _, name := range []string{"a\x00b", "\x00", "bad \xff"} {
		if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{Name: name}); !errors.Is(err, pricing.ErrInvalid) {
			t.Errorf("CreatePriceList(%q): %v, want ErrInvalid", name, err)
		}
	}
	// Renaming moves a list in the order by name.
	renamed := "ǲ renamed"
	if _, err := svc.UpdatePriceList(ctx, "pl_00", pricing.PriceListUpdate{Name: &renamed}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	all, _, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	mem := memoryWith(t, all)
	for _, order := range []string{"name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"} {
		want := pageIDs(t, mem, order)
		if got := pageIDs(t, svc, order); !slices.Equal(got, want) {
			t.Errorf("the lists in the order %q:\n got  %q\n want %q (the memory store's)", order, got, want)
		}
	}
	byName := pageIDs(t, svc, "name")
	var names []string
	for _, id := range byName {
		pl, err := svc.PriceList(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, pl.Name)
	}
	t.Logf("by name: %q", names)

	// Forged cursors: keys and IDs that PostgreSQL text cannot hold, compared in Go.
	// A cursor is base64url of listing, order, key (a time as Unix seconds and
	// nanoseconds) and ID, joined by 0 bytes.
	at := time.Date(2026, 1, 15, 12, 0, 1, 123456789, time.UTC)
	atKey := fmt.Sprintf("%d.%d", at.Unix(), at.Nanosecond())
	for _, c := range []struct{ order, key, id string }{
		{"name", "\xff", "pl_00"},
		{"name", "é\xff", "pl_00"},
		{"-name", "é\xff", "pl_00"},
		{"name", "kelvin", "pl_\xff"},
		{"-name", "kelvin", "pl_\xff"},
		{"created_at", atKey, "pl_\xc3"},
		{"-updated_at", atKey, "pl_\xc3"},
	} {
		after := base64.RawURLEncoding.EncodeToString([]byte("price_lists\x00" + c.order + "\x00" + c.key + "\x00" + c.id))
		page := func(svc *pricing.Service) []string {
			p, err := svc.ListPriceListsPage(ctx, pricing.PriceListFilter{Order: c.order, After: after, Limit: 100})
			if err != nil {
				t.Fatalf("ListPriceListsPage(%q after %q, %q): %v", c.order, c.key, c.id, err)
			}
			ids := []string{}
			for _, pl := range p.PriceLists {
				ids = append(ids, pl.ID)
			}
			return ids
		}
		if got, want := page(svc), page(mem); !slices.Equal(got, want) {
			t.Errorf("the lists in the order %q after the forged position (%q, %q):\n got  %q\n want %q", c.order, c.key, c.id, got, want)
		}
	}

	// The customers of a group after a forged cursor.
	g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "G"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddCustomers(ctx, g.ID, []string{"a", "é", "éa", "z"}); err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx pricing.Tx) error {
		got := []string{}
		err := tx.(pricing.MemberPager).MembersAfter(g.ID, "a\xff", func(id string) bool {
			got = append(got, id)
			return true
		})
		if want := []string{"z", "é", "éa"}; err == nil && !slices.Equal(got, want) {
			t.Errorf("MembersAfter a forged cursor: %q, want %q", got, want)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The count of lists (price_list_versions.lists, by stripe) follows every write: a list
// put twice in one Update, deleted and put again, replaced, and the writes of an Update
// that fails and of a host's savepoint rolled back, which count nothing; Check agrees.
func TestCountPriceLists(t *testing.T) {
	s := newStore(t, nil)
	ctx := t.Context()
	count := func(st pricing.Store, want int, when string) {
		t.Helper()
		err := st.View(ctx, func(tx pricing.Tx) error {
			n, err := tx.(pricing.PriceListOrderer).CountPriceLists()
			if err == nil && n != want {
				t.Errorf("CountPriceLists %s: %d, want %d", when, n, want)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	pl := func(id string) pricing.PriceList {
		return pricing.PriceList{ID: id, Name: id, Type: pricing.Sale, Status: pricing.Draft}
	}
	update := func(st pricing.Store, fn func(tx pricing.Tx) error) error {
		return st.Update(ctx, fn)
	}
	count(s, 0, "of an empty store")
	err := update(s, func(tx pricing.Tx) error {
		for _, id := range []string{"a", "b", "c", "a", "b"} {
			if err := tx.PutPriceList(pl(id)); err != nil {
				return err
			}
		}
		if _, err := tx.PriceList("a"); err != nil { // the writes are sent
			return err
		}
		if err := tx.DeletePriceList("b"); err != nil {
			return err
		}
		return errors.Join(tx.PutPriceList(pl("b")), tx.PutPriceList(pl("c")), tx.DeletePriceList("c"))
	})
	if err != nil {
		t.Fatal(err)
	}
	count(s, 2, "after a, b, c put, b deleted and put again, c deleted")
	failed := errors.New("rolled back")
	err = update(s, func(tx pricing.Tx) error {
		_ = tx.PutPriceList(pl("d"))
		_ = tx.DeletePriceList("a")
		_, _ = tx.PriceList("d")
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatal(err)
	}
	count(s, 2, "after an Update that failed")
	// A host's transaction: a savepoint rolled back, then one kept.
	htx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = htx.Rollback(context.Background()) }()
	h := s.WithTx(htx)
	err = update(h, func(tx pricing.Tx) error {
		_ = tx.PutPriceList(pl("e"))
		_, _ = tx.PriceList("e")
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatal(err)
	}
	count(h, 2, "in a host's transaction after a savepoint rolled back")
	if err := update(h, func(tx pricing.Tx) error { return tx.PutPriceList(pl("f")) }); err != nil {
		t.Fatal(err)
	}
	count(h, 3, "in a host's transaction after a list put")
	count(s, 2, "outside the host's transaction, before it commits")
	if err := htx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	count(s, 3, "after the host's transaction committed")
	if err := s.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}
