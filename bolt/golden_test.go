package bolt_test

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// The files testdata/schema-vN.db are databases written by the version of this package
// whose SchemaVersion was N, all holding the records of golden below. They are never
// rewritten: every later version must open each of them (migrating it), Check it clean
// and read back exactly golden. A change of schema adds its own file beside them:
//
//	go test ./bolt/ -run '^TestGoldenFiles$' -update-golden
//
// writes testdata/schema-vN.db for the current SchemaVersion, and refuses to replace a
// file that exists. go test never writes them.
var updateGolden = flag.Bool("update-golden", false, "write testdata/schema-vN.db for the current SchemaVersion (never replaces a file)")

// Instants of each encoding of a time: the zero time, one within int64 nanoseconds,
// and ones outside it (before 1678, after 2262).
var (
	goldenT1   = time.Date(2026, 1, 15, 12, 0, 0, 123456789, time.UTC)
	goldenT2   = time.Date(2026, 2, 1, 8, 30, 0, 0, time.UTC)
	goldenOld  = time.Date(1601, 1, 1, 0, 0, 0, 1, time.UTC)
	goldenFar  = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	goldenOdd  = "cg\x00odd/ID"
	goldenNUL  = "cus\x00nul"
	goldenHuge = int64(9_007_199_254_740_993) // above float64's exact integers
)

// golden is what every testdata database holds, spelled out: no value here comes from
// the package's encoders. The records' revisions and the journal are in the files of
// schema 3 on, the lists' customers, channels and adjustment in those of schema 4 on
// (goldenAt).
var golden = struct {
	groups   []pricing.CustomerGroup
	nameKeys []string // of groups, by index
	members  [][2]string
	lists    []pricing.PriceList
	prices   []pricing.Price
	// journal are the entries committed, one Update each, after the records; then
	// TrimJournal(trimBefore) deleted the first one.
	journal    []pricing.JournalEntry
	trimBefore time.Time
}{
	groups: []pricing.CustomerGroup{
		{ID: "cg_vip", Name: "VIP ✓", CreatedAt: goldenT1, UpdatedAt: goldenT1, Revision: 1},
		{ID: "cg_wholesale", Name: "Wholesale", CreatedAt: goldenT1, UpdatedAt: goldenT2,
			Metadata: map[string]any{
				"tier": "gold", "discount": 0.15, "tags": []any{"b2b", "eu"},
				"nested": map[string]any{"ok": true, "none": nil}, "big": 12345678901234.0,
			}},
		{ID: goldenOdd, Name: "Odd \"quoted\"\n", CreatedAt: goldenOld, UpdatedAt: goldenFar,
			Metadata: map[string]any{}, Revision: 1 << 40},
	},
	nameKeys: []string{"vip ✓", "wholesale", "odd \"quoted\""},
	members: [][2]string{
		{"cg_wholesale", "cus_1"}, {"cg_wholesale", "cus_2"}, {"cg_wholesale", goldenNUL},
		{"cg_vip", "cus_2"}, {"cg_vip", "cus_3"}, {goldenOdd, "cus_1"},
	},
	lists: []pricing.PriceList{
		{ID: "pl_sale", Name: "Spring sale", Description: "20% off tees", Type: pricing.Sale, Status: pricing.Active,
			StartsAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
			CustomerGroupIDs: []string{"cg_vip", "cg_wholesale"}, IncludesTax: true,
			Metadata:  map[string]any{"campaign": "spring", "priority": 2.0},
			CreatedAt: goldenT1, UpdatedAt: goldenT2, Revision: 2},
		{ID: "pl_override", Name: "Wholesale prices", Type: pricing.Override, Status: pricing.Draft,
			CustomerIDs: []string{"cus_1", goldenNUL}, ChannelIDs: []string{"pos", "web"},
			Adjustment: &pricing.Adjustment{Percent: -12.5, Rounding: pricing.RoundDown}, CreatedAt: goldenT1, UpdatedAt: goldenT1},
		{ID: "pl_long", Name: "Long", Type: pricing.Override, Status: pricing.Active,
			StartsAt: goldenOld, EndsAt: goldenFar, CustomerGroupIDs: []string{}, IncludesTax: false,
			ChannelIDs: []string{}, CreatedAt: goldenT2, UpdatedAt: goldenT2},
	},
	prices: []pricing.Price{
		// Base prices: list ID "".
		{ID: "price_01", VariantID: "var_tee", CurrencyCode: "usd", Amount: 2000, Revision: 3},
		{ID: "price_02", VariantID: "var_tee", CurrencyCode: "usd", RegionID: "reg_eu", Amount: 2100, IncludesTax: true},
		{ID: "price_03", VariantID: "var_tee", CurrencyCode: "eur", Amount: 1800},
		{ID: "price_04", VariantID: "var_mug", CurrencyCode: "usd", MinQuantity: 1, MaxQuantity: 9, Amount: 1200},
		{ID: "price_05", VariantID: "var_mug", CurrencyCode: "usd", MinQuantity: 10, Amount: 1000},
		// List prices.
		{ID: "price_06", PriceListID: "pl_sale", VariantID: "var_tee", CurrencyCode: "usd", Amount: 1500, IncludesTax: true, Revision: 2},
		{ID: "price_07", PriceListID: "pl_sale", VariantID: "var_tee", CurrencyCode: "usd", RegionID: "reg_eu",
			MinQuantity: 2, MaxQuantity: 5, Amount: 1600, IncludesTax: true},
		{ID: "price_08", PriceListID: "pl_override", VariantID: "var_mug", CurrencyCode: "usd", Amount: 900},
		{ID: "price_09", PriceListID: "pl_override", VariantID: "var_mug", CurrencyCode: "eur", RegionID: "reg_de", Amount: 850},
		{ID: "price_10", PriceListID: "pl_long", VariantID: "var_tee", CurrencyCode: "eur", MinQuantity: 100, Amount: goldenHuge, Revision: 300},
	},
	journal: []pricing.JournalEntry{
		{Revision: 1, At: goldenT1, Items: []pricing.JournalItem{{Key: "g:cg_vip", Data: []byte("trimmed")}}},
		{Revision: 2, At: goldenT2, Items: []pricing.JournalItem{
			{Key: "v:var_tee", Data: []byte("first \x00\xff")},
			{Key: "c:" + goldenNUL, Data: []byte{0x01, 0x02, 0x03}},
			{Key: "v:var_tee", Data: []byte("third")}, // a key again
			{Key: "l:pl_sale", Data: []byte{}},        // no data
		}},
		{Revision: 3, At: goldenFar, Items: []pricing.JournalItem{
			{Key: "g:" + goldenOdd, Data: []byte(strings.Repeat("long data ", 40))},
			{Key: "v:var_mug", Data: []byte("mug")},
		}},
	},
	trimBefore: goldenT2,
}

// writeGolden writes golden into a new store at path, in one Update.
func writeGolden(t *testing.T, path string) {
	t.Helper()
	// A small map keeps bbolt from growing the file ahead of its pages.
	s, err := bolt.Open(path, &bolt.Options{Bolt: &bbolt.Options{InitialMmapSize: 1 << 15}})
	if err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx pricing.Tx) error {
		for i, g := range golden.groups {
			if err := tx.PutCustomerGroup(g, golden.nameKeys[i]); err != nil {
				return err
			}
		}
		for _, m := range golden.members {
			if err := tx.AddMember(m[0], m[1]); err != nil {
				return err
			}
		}
		for _, pl := range golden.lists {
			if err := tx.PutPriceList(pl); err != nil {
				return err
			}
		}
		for _, p := range golden.prices {
			if err := tx.PutPrice(p); err != nil {
				return err
			}
		}
		return nil
	})
	for _, e := range golden.journal {
		update(t, s, func(tx pricing.Tx) error { return tx.(pricing.JournalTx).WriteJournal(e) })
	}
	if n, err := s.TrimJournal(context.Background(), golden.trimBefore); err != nil || n != 1 {
		t.Fatalf("TrimJournal: %d, %v; want 1", n, err)
	}
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

var goldenName = regexp.MustCompile(`^schema-v([0-9]+)\.db$`)

// TestGoldenFiles opens a copy of every testdata/schema-vN.db, checks it and reads every
// record back through the pricing.Tx API.
func TestGoldenFiles(t *testing.T) {
	current := filepath.Join("testdata", fmt.Sprintf("schema-v%d.db", bolt.SchemaVersion))
	if *updateGolden {
		if _, err := os.Stat(current); err == nil {
			t.Fatalf("%s exists: golden files are never rewritten", current)
		}
		writeGolden(t, current)
		t.Logf("wrote %s", current)
	}
	if _, err := os.Stat(current); err != nil {
		t.Fatalf("no golden file for schema version %d (%v): write it with -update-golden", bolt.SchemaVersion, err)
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		m := goldenName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		version, _ := strconv.ParseUint(m[1], 10, 64)
		t.Run(e.Name(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			// Open may migrate, and so write: never open the committed file itself.
			path := filepath.Join(t.TempDir(), e.Name())
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if v := rawVersion(t, path); v != version {
				t.Fatalf("%s holds schema version %d", e.Name(), v)
			}
			s, err := bolt.Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Check(context.Background()); err != nil {
				t.Fatalf("Check: %v", err)
			}
			verifyGolden(t, s, version)
			verifyGoldenOrders(t, s)
			verifyGoldenJournal(t, s, version)
			// The journal of a migrated file takes the next revision.
			next := int64(1)
			if version >= 3 {
				next = golden.journal[len(golden.journal)-1].Revision + 1
			}
			e := pricing.JournalEntry{Revision: next, At: goldenT2, Items: []pricing.JournalItem{{Key: "v:var_tee", Data: []byte("new")}}}
			update(t, s, func(tx pricing.Tx) error { return tx.(pricing.JournalTx).WriteJournal(e) })
			if got := journalEntries(t, s, next-1, ""); !reflect.DeepEqual(got, []pricing.JournalEntry{e}) {
				t.Errorf("the entry written after Open: %#v, want %#v", got, e)
			}
			if err := s.Check(context.Background()); err != nil {
				t.Fatalf("Check after a journal entry: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if v := rawVersion(t, path); v != bolt.SchemaVersion {
				t.Errorf("after Open, the file is at schema version %d, want %d", v, bolt.SchemaVersion)
			}
		})
	}
}

// verifyGoldenOrders checks that the golden lists come in the orders of a listing,
// from the list_order index of the file or of its migration (schema 5).
func verifyGoldenOrders(t *testing.T, s pricing.Store) {
	t.Helper()
	for _, order := range []string{"created_at", "-updated_at", "name"} {
		want := slices.Clone(golden.lists)
		slices.SortFunc(want, func(a, b pricing.PriceList) int {
			var c int
			switch order {
			case "created_at":
				c = a.CreatedAt.Compare(b.CreatedAt)
			case "-updated_at":
				c = b.UpdatedAt.Compare(a.UpdatedAt)
			default:
				c = strings.Compare(pricing.NameOrderKey(a.Name), pricing.NameOrderKey(b.Name))
			}
			if c == 0 {
				c = strings.Compare(a.ID, b.ID)
				if order == "-updated_at" {
					c = -c
				}
			}
			return c
		})
		var got []string
		if err := s.View(context.Background(), func(tx pricing.Tx) error {
			return tx.(pricing.PriceListOrderer).PriceListsInOrder(order, nil, func(h *pricing.PriceListHead) bool {
				got = append(got, h.ID)
				return true
			})
		}); err != nil {
			t.Fatal(err)
		}
		var wantIDs []string
		for _, pl := range want {
			wantIDs = append(wantIDs, pl.ID)
		}
		if !reflect.DeepEqual(got, wantIDs) {
			t.Errorf("the lists in the order %q: %q, want %q", order, got, wantIDs)
		}
	}
}

// rawVersion reads the schema version of the closed file at path with bbolt alone.
func rawVersion(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v uint64
	if err := db.View(func(btx *bbolt.Tx) error {
		b := btx.Bucket([]byte(bolt.DefaultBucket)).Get([]byte("version"))
		if len(b) != 8 {
			return fmt.Errorf("version value %x", b)
		}
		v = binary.BigEndian.Uint64(b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// goldenRecords are the records of golden as a file of schema version holds them:
// before schema 3, records had no revision; before schema 4, lists had no customers,
// channels or adjustment.
type goldenRecords struct {
	groups   []pricing.CustomerGroup
	nameKeys []string
	lists    []pricing.PriceList
	prices   []pricing.Price
}

// goldenAt returns the records of golden that a file of schema version holds.
func goldenAt(version uint64) goldenRecords {
	r := goldenRecords{slices.Clone(golden.groups), golden.nameKeys, slices.Clone(golden.lists), slices.Clone(golden.prices)}
	if version < 3 {
		for i := range r.groups {
			r.groups[i].Revision = 0
		}
		for i := range r.lists {
			r.lists[i].Revision = 0
		}
		for i := range r.prices {
			r.prices[i].Revision = 0
		}
	}
	if version < 4 {
		for i := range r.lists {
			r.lists[i].CustomerIDs, r.lists[i].ChannelIDs, r.lists[i].Adjustment = nil, nil, nil
		}
	}
	return r
}

// verifyGolden reads everything through the Tx API and compares it with golden, as a
// file of schema version holds it, and with the results of each read method, written
// out.
func verifyGolden(t *testing.T, s pricing.Store, version uint64) {
	t.Helper()
	golden := goldenAt(version)
	eq := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s =\n%#v\nwant\n%#v", what, got, want)
		}
	}
	view(t, s, func(tx pricing.Tx) error {
		for i, g := range golden.groups {
			got, err := tx.CustomerGroup(g.ID)
			eq(fmt.Sprintf("CustomerGroup(%q)", g.ID), got, g)
			eq(fmt.Sprintf("CustomerGroup(%q) error", g.ID), err, nil)
			id, err := tx.CustomerGroupIDByNameKey(golden.nameKeys[i])
			eq(fmt.Sprintf("CustomerGroupIDByNameKey(%q)", golden.nameKeys[i]), id, g.ID)
			eq("CustomerGroupIDByNameKey error", err, nil)
		}
		groups, err := collect(tx.CustomerGroups)
		eq("CustomerGroups error", err, nil)
		eq("CustomerGroups", groups, []pricing.CustomerGroup{golden.groups[2], golden.groups[0], golden.groups[1]})

		for group, want := range map[string][]string{
			"cg_wholesale": {goldenNUL, "cus_1", "cus_2"}, // "cus\x00…" sorts first
			"cg_vip":       {"cus_2", "cus_3"},
			goldenOdd:      {"cus_1"},
			"cg_none":      nil,
		} {
			var got []string
			err := tx.Members(group, 0, func(c string) bool { got = append(got, c); return true })
			eq(fmt.Sprintf("Members(%q)", group), got, want)
			eq("Members error", err, nil)
			n, err := tx.CountMembers(group)
			eq(fmt.Sprintf("CountMembers(%q)", group), n, len(want))
			eq("CountMembers error", err, nil)
		}
		for customer, want := range map[string][]string{
			"cus_1":   {goldenOdd, "cg_wholesale"},
			"cus_2":   {"cg_vip", "cg_wholesale"},
			"cus_3":   {"cg_vip"},
			goldenNUL: {"cg_wholesale"},
			"cus_9":   nil,
		} {
			got, err := tx.AppendCustomerGroupIDs(nil, customer)
			eq(fmt.Sprintf("AppendCustomerGroupIDs(%q)", customer), got, want)
			eq("AppendCustomerGroupIDs error", err, nil)
		}

		for _, pl := range golden.lists {
			got, err := tx.PriceList(pl.ID)
			eq(fmt.Sprintf("PriceList(%q)", pl.ID), got, pl)
			eq("PriceList error", err, nil)
			terms, err := tx.PriceListTerms(pl.ID)
			eq(fmt.Sprintf("PriceListTerms(%q)", pl.ID), terms, pricing.PriceListTerms{
				ID: pl.ID, Type: pl.Type, Status: pl.Status, StartsAt: pl.StartsAt, EndsAt: pl.EndsAt,
				CustomerGroupIDs: pl.CustomerGroupIDs, CustomerIDs: pl.CustomerIDs, ChannelIDs: pl.ChannelIDs,
				Adjustment: pl.Adjustment, IncludesTax: pl.IncludesTax,
			})
			eq("PriceListTerms error", err, nil)
		}
		var adjusted []string
		if version >= 4 {
			adjusted = []string{"pl_override"}
		}
		ids, err := tx.(pricing.AdjustedLister).AppendAdjustedListIDs(nil)
		eq("AppendAdjustedListIDs", ids, adjusted)
		eq("AppendAdjustedListIDs error", err, nil)
		lists, err := collect(tx.PriceLists)
		eq("PriceLists error", err, nil)
		eq("PriceLists", lists, []pricing.PriceList{golden.lists[2], golden.lists[1], golden.lists[0]})
		for group, want := range map[string][]string{
			"cg_vip": {"pl_sale"}, "cg_wholesale": {"pl_sale"}, goldenOdd: nil,
		} {
			got, err := tx.AppendPriceListIDsOfGroup(nil, group)
			eq(fmt.Sprintf("AppendPriceListIDsOfGroup(%q)", group), got, want)
			eq("AppendPriceListIDsOfGroup error", err, nil)
		}

		for _, p := range golden.prices {
			got, err := tx.Price(p.ID)
			eq(fmt.Sprintf("Price(%q)", p.ID), got, p)
			eq("Price error", err, nil)
			id, err := tx.PriceIDByKey(p.Key())
			eq(fmt.Sprintf("PriceIDByKey(%+v)", p.Key()), id, p.ID)
			eq("PriceIDByKey error", err, nil)
		}
		prices, err := collect(tx.Prices)
		eq("Prices error", err, nil)
		eq("Prices", prices, golden.prices) // ascending ID order
		byIndex := func(ix ...int) []pricing.Price {
			var out []pricing.Price
			for _, i := range ix {
				out = append(out, golden.prices[i-1])
			}
			return out
		}
		for list, want := range map[string][]pricing.Price{
			"": byIndex(1, 2, 3, 4, 5), "pl_sale": byIndex(6, 7), "pl_override": byIndex(8, 9), "pl_long": byIndex(10),
		} {
			got, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfList(list, fn) })
			eq(fmt.Sprintf("PricesOfList(%q)", list), got, want)
			eq("PricesOfList error", err, nil)
		}
		for variant, want := range map[string][]pricing.Price{
			"var_tee": byIndex(1, 2, 3, 6, 7, 10), "var_mug": byIndex(4, 5, 8, 9), "var_none": nil,
		} {
			got, err := collect(func(fn func(pricing.Price) bool) error { return tx.PricesOfVariant(variant, fn) })
			eq(fmt.Sprintf("PricesOfVariant(%q)", variant), got, want)
			eq("PricesOfVariant error", err, nil)
		}
		for vc, want := range map[[2]string][]pricing.Price{
			{"var_tee", "usd"}: byIndex(1, 2, 6, 7), {"var_tee", "eur"}: byIndex(3, 10),
			{"var_mug", "usd"}: byIndex(4, 5, 8), {"var_mug", "eur"}: byIndex(9), {"var_mug", "gbp"}: nil,
		} {
			got, err := tx.AppendVariantPrices(nil, vc[0], vc[1])
			slices.SortFunc(got, func(a, b pricing.Price) int { return cmpString(a.ID, b.ID) })
			eq(fmt.Sprintf("AppendVariantPrices(%q, %q)", vc[0], vc[1]), got, want)
			eq("AppendVariantPrices error", err, nil)
		}
		return nil
	})
}

// journalEntries returns what ReadJournal(after, key) reads from s, without a limit.
func journalEntries(t testing.TB, s pricing.Journal, after int64, key string) []pricing.JournalEntry {
	t.Helper()
	var out []pricing.JournalEntry
	if err := s.ReadJournal(context.Background(), after, key, 0, func(e pricing.JournalEntry) bool {
		out = append(out, e)
		return true
	}); err != nil {
		t.Fatalf("ReadJournal(%d, %q): %v", after, key, err)
	}
	return out
}

// verifyGoldenJournal reads the journal of a golden file of schema version: none before
// version 3, golden.journal but its trimmed first entry from 3 on.
func verifyGoldenJournal(t *testing.T, s *bolt.Store, version uint64) {
	t.Helper()
	var (
		last  int64
		all   []pricing.JournalEntry
		byKey = map[string][]pricing.JournalEntry{}
	)
	if version >= 3 {
		j := golden.journal
		last, all = j[len(j)-1].Revision, j[1:]
		e := j[1]
		byKey["v:var_tee"] = []pricing.JournalEntry{{Revision: e.Revision, At: e.At, Items: []pricing.JournalItem{e.Items[0], e.Items[2]}}}
		byKey["c:"+goldenNUL] = []pricing.JournalEntry{{Revision: e.Revision, At: e.At, Items: e.Items[1:2]}}
		byKey["l:pl_sale"] = []pricing.JournalEntry{{Revision: e.Revision, At: e.At, Items: e.Items[3:4]}}
		byKey["v:var_mug"] = []pricing.JournalEntry{{Revision: 3, At: goldenFar, Items: j[2].Items[1:]}}
	}
	if rev, err := s.LastRevision(context.Background()); err != nil || rev != last {
		t.Errorf("LastRevision = %d, %v; want %d", rev, err, last)
	}
	if got := journalEntries(t, s, 0, ""); !reflect.DeepEqual(got, all) {
		t.Errorf("ReadJournal =\n%#v\nwant\n%#v", got, all)
	}
	for _, key := range []string{"v:var_tee", "c:" + goldenNUL, "l:pl_sale", "v:var_mug", "g:cg_vip", "v:none"} {
		if got := journalEntries(t, s, 0, key); !reflect.DeepEqual(got, byKey[key]) {
			t.Errorf("ReadJournal of key %q =\n%#v\nwant\n%#v", key, got, byKey[key])
		}
	}
}
