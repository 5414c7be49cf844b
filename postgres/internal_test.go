package postgres

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/commercekit/pricing"
)

// Migration files must be numbered 1, 2, 3, ... without gaps.
func TestLoadMigrations(t *testing.T) {
	ok := fstest.MapFS{
		"migrations/0002_more.sql":  {Data: []byte("SELECT 2")},
		"migrations/0001_first.sql": {Data: []byte("SELECT 1")},
	}
	ms, err := loadMigrations(ok)
	if err != nil || len(ms) != 2 || ms[0].name != "first" || ms[1].version != 2 {
		t.Fatalf("loadMigrations: %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":      {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
		"no name":  {"migrations/0001.sql": {}},
		"not num":  {"migrations/one_a.sql": {}},
		"starts 2": {"migrations/0002_b.sql": {}},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("loadMigrations accepted %s", name)
		}
	}
	if len(migrations) != SchemaVersion || SchemaVersion < 1 {
		t.Fatalf("embedded migrations: %d, SchemaVersion %d", len(migrations), SchemaVersion)
	}
}

// The encoding of keys orders them as the prices_key_key index does (byte order of
// each field in turn, then signed integers), and a list and variant prefix sorts
// before every key that extends it and after every smaller one.
func TestKeyEncodingOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	strs := []string{"", "a", "a\x00", "a\x00b", "ab", "a\xff", "b", "é", "\x01", "\xff\xff"}
	ints := []int64{-1 << 63, -5, -1, 0, 1, 5, 1<<63 - 1}
	var keys []pricing.PriceKey
	for range 3000 {
		keys = append(keys, pricing.PriceKey{
			PriceListID: strs[r.IntN(len(strs))], VariantID: strs[r.IntN(len(strs))],
			CurrencyCode: strs[r.IntN(len(strs))], RegionID: strs[r.IntN(len(strs))],
			MinQuantity: ints[r.IntN(len(ints))], MaxQuantity: ints[r.IntN(len(ints))],
		})
	}
	cmpKey := func(a, b pricing.PriceKey) int {
		for _, c := range []int{
			strings.Compare(a.PriceListID, b.PriceListID), strings.Compare(a.VariantID, b.VariantID),
			strings.Compare(a.CurrencyCode, b.CurrencyCode), strings.Compare(a.RegionID, b.RegionID),
			cmpInt(a.MinQuantity, b.MinQuantity), cmpInt(a.MaxQuantity, b.MaxQuantity),
		} {
			if c != 0 {
				return c
			}
		}
		return 0
	}
	for i := 0; i+1 < len(keys); i += 2 {
		a, b := keys[i], keys[i+1]
		want := cmpKey(a, b)
		if got := strings.Compare(encodeKey(&a), encodeKey(&b)); got != want {
			t.Fatalf("encodeKey order of %+v and %+v: %d, want %d", a, b, got, want)
		}
		p := keyPrefix(a.PriceListID, a.VariantID)
		wantP := cmpKey(pricing.PriceKey{PriceListID: a.PriceListID, VariantID: a.VariantID, MinQuantity: -1 << 63, MaxQuantity: -1 << 63}, b)
		if b.PriceListID == a.PriceListID && b.VariantID == a.VariantID {
			wantP = -1
		}
		if got := strings.Compare(p, encodeKey(&b)); got != wantP && !(wantP == 0 && got < 0) {
			t.Fatalf("prefix of %+v against %+v: %d, want %d", a, b, got, wantP)
		}
		lo, hi := listKeyRange(a.PriceListID)
		in := encodeKey(&b) >= lo && encodeKey(&b) < hi
		if in != (b.PriceListID == a.PriceListID) {
			t.Fatalf("listKeyRange(%q) holds %+v: %v", a.PriceListID, b, in)
		}
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// spans merges overlapping and touching ranges, and answers membership like a naive
// list of ranges.
func TestSpans(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		var s spans
		var naive []span
		for range 1 + r.IntN(12) {
			lo := string(rune('a' + r.IntN(20)))
			n := span{lo: lo, hi: string(rune(lo[0] + byte(1+r.IntN(5))))}
			if r.IntN(8) == 0 {
				n.open, n.hi = true, ""
			}
			s.add(n)
			naive = append(naive, n)
		}
		if !slices.IsSortedFunc(s, func(a, b span) int { return strings.Compare(a.lo, b.lo) }) {
			t.Fatalf("round %d: unsorted %v", round, s)
		}
		for i := 1; i < len(s); i++ {
			if s[i-1].open || s[i-1].hi >= s[i].lo {
				t.Fatalf("round %d: overlapping or touching %v", round, s)
			}
		}
		for c := 'a' - 1; c <= 'z'+6; c++ {
			x := string(c)
			want := slices.ContainsFunc(naive, func(n span) bool { return x >= n.lo && (n.open || x < n.hi) })
			if got := s.contains(x); got != want {
				t.Fatalf("round %d: contains(%q) = %v, want %v; spans %v, added %v", round, x, got, want, s, naive)
			}
		}
	}
}
