package pricing

import (
	"fmt"
	"math"
)

// Adjustment makes a price list derive a price from every base price of every variant:
// the base amount changed by Percent, rounded to a minor unit of the currency. The
// derived prices keep their base price's key (variant, currency, region, quantities)
// and tax basis; a price written into the list with the same key takes precedence. So
// a list "10% off for VIP customers" is one list with Percent -10, whatever the size of
// the catalog, and it follows every change of the base prices.
type Adjustment struct {
	// Percent is the change, from -100 (free) to 1000: -10 is 10% off, 5 is 5% on. It
	// is read as its shortest decimal (rounded half to even to 16 decimal places) and
	// applied exactly: 12.5% of 1999 is 249.875, never a float's 249.87499...
	Percent float64 `json:"percent"`
	// Rounding says how an amount that falls between two minor units is rounded: to
	// the nearest, half away from zero (RoundHalfUp, the default when empty), down or
	// up.
	Rounding Rounding `json:"rounding,omitempty"`
}

// Rounding is how Adjustment rounds a derived amount to a minor unit.
type Rounding string

// The roundings of an Adjustment.
const (
	RoundHalfUp Rounding = "half_up" // to the nearest; a half away from zero
	RoundDown   Rounding = "down"    // toward zero
	RoundUp     Rounding = "up"      // away from zero
)

// The bounds of Adjustment.Percent.
const (
	minAdjustPercent = -100
	maxAdjustPercent = 1000
)

// checkAdjustment validates an adjustment and returns it with its rounding defaulted;
// nil and the zero Adjustment (the JSON {"percent": 0}) are none: nil.
func checkAdjustment(fe *fieldErrors, field string, a *Adjustment) *Adjustment {
	if a == nil || *a == (Adjustment{}) {
		return nil // none: a 0% change is no adjustment
	}
	out := *a
	if _, ok := adjustmentRatio(out.Percent); !ok {
		fe.add(field+".Percent", fmt.Sprintf("%v is not a percentage from %d to %d", out.Percent, minAdjustPercent, maxAdjustPercent))
	}
	switch out.Rounding {
	case "":
		out.Rounding = RoundHalfUp
	case RoundHalfUp, RoundDown, RoundUp:
	default:
		fe.add(field+".Rounding", fmt.Sprintf("%q is none of %q, %q and %q", out.Rounding, RoundHalfUp, RoundDown, RoundUp))
	}
	return &out
}

// adjustmentRatio returns the factor (100 + percent) / 100 as an exact fraction: the
// percent is read as a rate of its shortest decimal, to 18 decimal places of the rate
// (16 of the percent).
func adjustmentRatio(percent float64) (decimalRatio, bool) {
	if !(percent >= minAdjustPercent && percent <= maxAdjustPercent) {
		return decimalRatio{}, false
	}
	// |percent| / 100 as a decimal: its shortest decimal, shifted by two places.
	r, ok := parseDecimal(percent, 2)
	if !ok {
		return decimalRatio{}, false
	}
	// 1 + percent/100 = (den ± num) / den, at least 0 (percent >= -100) and at most 11.
	if percent < 0 {
		return decimalRatio{num: r.den - r.num, den: r.den}, true
	}
	return decimalRatio{num: r.den + r.num, den: r.den}, true
}

// adjust returns the amount changed by the adjustment's factor, rounded as it says;
// a result beyond the largest int64 is the largest int64.
func (a *Adjustment) adjust(amount int64, factor decimalRatio) int64 {
	var q uint128
	switch a.Rounding {
	case RoundDown:
		q = mulDivFloor(uint64(amount), factor.num, factor.den)
	case RoundUp:
		q = mulDivCeil(uint64(amount), factor.num, factor.den)
	default:
		q = mulDivHalfUp(uint64(amount), factor.num, factor.den)
	}
	if q.hi != 0 || q.lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q.lo)
}
