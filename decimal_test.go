package pricing

import (
	"math"
	"testing"
)

// percent divides at run time, as a host that turns a percentage into a rate does
// (the constant expression 0.7 / 100 would be exact).
func percent(p float64) float64 { return p / 100 }

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		rate     float64
		num, den uint64
		ok       bool
	}{
		{0, 0, 1, true},
		{math.Copysign(0, -1), 0, 1, true},
		{0.15, 15, 100, true},
		{0.2, 2, 10, true},
		{1, 1, 1, true},
		{10, 10, 1, true},
		{7.25, 725, 100, true},
		// What hosts get from percentages: their shortest decimals, kept exactly.
		{percent(0.7), 6999999999999999, 1e18, true},  // 0.006999999999999999
		{percent(1.1), 11000000000000001, 1e18, true}, // 0.011000000000000001
		{0.005000000000000001, 5000000000000001, 1e18, true},
		// More than 18 decimal places: rounded half to even at the 18th.
		{percent(0.55), 5500000000000000, 1e18, true}, // 0.0055000000000000005: a half, to even
		{1.5e-18, 2, 1e18, true},                      // 0.0000000000000000015: a half, to even (up)
		{2.5e-18, 2, 1e18, true},                      // a half, to even (down)
		{2.6e-18, 3, 1e18, true},
		{1.49e-18, 1, 1e18, true},
		{1e-300, 0, 1e18, true},
		{math.SmallestNonzeroFloat64, 0, 1e18, true},
		// Out of range.
		{-0.1, 0, 0, false},
		{math.Nextafter(10, 11), 0, 0, false},
		{1e18, 0, 0, false},
		{math.NaN(), 0, 0, false},
		{math.Inf(1), 0, 0, false},
		{math.Inf(-1), 0, 0, false},
	} {
		got, ok := parseRate(tc.rate, maxTaxRate)
		if ok != tc.ok || ok && (got != decimalRatio{tc.num, tc.den}) {
			t.Errorf("parseRate(%v) = %v, %v; want %d/%d, %v", tc.rate, got, ok, tc.num, tc.den, tc.ok)
		}
	}
}

func TestRaise(t *testing.T) {
	for _, tc := range []struct {
		rate   float64
		amount int64
		want   uint128
	}{
		{0.15, 50, uint128{0, 58}},    // 57.5 → 58
		{0.2, 1002, uint128{0, 1202}}, // 1202.4 → 1202
		{0.2, 1004, uint128{0, 1205}}, // 1204.8 → 1205
		{0.5, 3, uint128{0, 5}},       // 4.5 → 5
		{0, math.MaxInt64, uint128{0, math.MaxInt64}},
		{0.1, math.MaxInt64, uint128{0, 10145709240540253388}}, // 10145709240540253387.7 → …388
		{10, math.MaxInt64, uint128{5, 1<<63 - 11}},            // 11 × (2^63 − 1) = 5 × 2^64 + 2^63 − 11
		{0.005000000000000001, 100, uint128{0, 101}},           // 100.5000000000000001 → 101
		{0.005, 100, uint128{0, 101}},                          // 100.5 → 101, half away from zero
		{0.005, 99, uint128{0, 99}},                            // 99.495 → 99
	} {
		r, _ := parseRate(tc.rate, maxTaxRate)
		if got := r.raise(tc.amount); got != tc.want {
			t.Errorf("raise(%d) by %v = %v, want %v", tc.amount, tc.rate, got, tc.want)
		}
	}
}

func TestMulDivHalfUp(t *testing.T) {
	for _, tc := range []struct {
		a, mul, div uint64
		want        uint128
	}{
		{1, 1, 3, uint128{0, 0}},  // 0.33
		{2, 1, 3, uint128{0, 1}},  // 0.67
		{3, 1, 2, uint128{0, 2}},  // 1.5
		{5, 1, 10, uint128{0, 1}}, // 0.5
		{4, 1, 10, uint128{0, 0}}, // 0.4
		{math.MaxUint64, math.MaxUint64, 1, uint128{math.MaxUint64 - 1, 1}},
		{math.MaxUint64, math.MaxUint64, math.MaxUint64, uint128{0, math.MaxUint64}},
	} {
		if got := mulDivHalfUp(tc.a, tc.mul, tc.div); got != tc.want {
			t.Errorf("mulDivHalfUp(%d, %d, %d) = %v, want %v", tc.a, tc.mul, tc.div, got, tc.want)
		}
	}
}
