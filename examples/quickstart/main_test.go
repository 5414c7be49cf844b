package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// want is the part of the output that is the same on every store and every run.
const want = `anonymous shopper         pays 19.00 usd (sale from pl_black_friday, instead of 20.00 usd)
frequent buyer            pays 18.00 usd (sale from pl_frequent, instead of 20.00 usd)
frequent buyer, student   pays 17.00 usd (sale from pl_students, instead of 20.00 usd)
wholesale, 10 pieces      pays 14.00 usd (override from pl_wholesale)
wholesale, 60 pieces      pays 11.00 usd (override from pl_wholesale)
anonymous, in Germany     pays 18.50 eur (default)

why the frequent buyer who is a student pays what they pay:
  base price       usd         20.00 usd  original
  base price       eur         19.00 eur  currency
  base price       eur reg_de  18.50 eur  currency
  pl_frequent      usd         18.00 usd  higher than the winner
  pl_students      usd         17.00 usd  calculated
  pl_black_friday  usd         19.00 usd  higher than the winner
`

func runQuickstart(t *testing.T, args ...string) string {
	t.Helper()
	var out strings.Builder
	if err := run(args, &out); err != nil {
		t.Fatalf("run(%q): %v", args, err)
	}
	return out.String()
}

func TestMemory(t *testing.T) {
	got := runQuickstart(t, "-memory")
	if !strings.HasSuffix(got, want) || !strings.Contains(got, "creating groups") {
		t.Errorf("output:\n%s\nwant it to end with:\n%s", got, want)
	}
}

// TestBoltKeepsData runs the program twice on one file: the second run must find the
// data of the first and print the same prices.
func TestBoltKeepsData(t *testing.T) {
	db := filepath.Join(t.TempDir(), "quickstart.db")
	first := runQuickstart(t, "-db", db)
	if !strings.Contains(first, "creating groups") || !strings.HasSuffix(first, want) {
		t.Fatalf("first run:\n%s", first)
	}
	second := runQuickstart(t, "-db", db)
	if !strings.Contains(second, "found the data of an earlier run") || !strings.HasSuffix(second, want) {
		t.Fatalf("second run:\n%s", second)
	}
}
