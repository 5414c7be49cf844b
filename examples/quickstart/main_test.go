package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// want is the part of the output that is the same on every store and every run.
const want = `anonymous shopper         pays 19.00 USD (sale from pl_black_friday, instead of 20.00 USD)
frequent buyer            pays 18.00 USD (sale from pl_frequent, instead of 20.00 USD)
frequent buyer, student   pays 17.00 USD (sale from pl_students, instead of 20.00 USD)
wholesale, 10 pieces      pays 14.00 USD (override from pl_wholesale)
wholesale, 60 pieces      pays 11.00 USD (override from pl_wholesale)
anonymous, in Germany     pays 18.50 EUR (default)
anonymous, in Japan       pays 3000 JPY (default)

why the frequent buyer who is a student pays what they pay (prices in usd):
  price list       region       amount  outcome
  (base price)     (any)     20.00 USD  original
  pl_frequent      (any)     18.00 USD  higher than the winner
  pl_students      (any)     17.00 USD  calculated
  pl_black_friday  (any)     19.00 USD  higher than the winner
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
	if !strings.Contains(second, "reusing the groups, price lists and prices of an earlier run") || !strings.HasSuffix(second, want) {
		t.Fatalf("second run:\n%s", second)
	}
}

// TestDefaultIsFresh runs the program twice with its defaults: each run takes a new
// file, gives the whole tour, and leaves no file behind.
func TestDefaultIsFresh(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for range 2 {
		out := runQuickstart(t)
		if !strings.Contains(out, "creating groups") || !strings.HasSuffix(out, want) {
			t.Fatalf("run with the defaults:\n%s", out)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
