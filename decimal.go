package pricing

import (
	"cmp"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Exact decimal arithmetic on amounts: a rate given as a float64 is read as the decimal
// a person wrote (0.15, not the binary 0.1499999999999999944...), and amounts are
// scaled by it in 128 bits, so that no amount the API accepts overflows or rounds
// through a float.

// maxTaxRate is the largest Query.TaxRate accepted: 1,000%.
const maxTaxRate = 10

// maxRateDigits is how many decimal places of a rate are kept.
const maxRateDigits = 18

// decimalRatio is the exact non-negative fraction num/den, where den is a power of ten.
type decimalRatio struct {
	num, den uint64
}

// parseRate returns rate, which must be finite and within [0, max] (max <= 10), as the
// fraction of its shortest decimal form rounded half to even to 18 decimal places. It
// reports false for any other rate.
func parseRate(rate, max float64) (decimalRatio, bool) {
	if !(rate >= 0 && rate <= max) { // false for NaN too
		return decimalRatio{}, false
	}
	return parseDecimal(rate, 0)
}

// parseDecimal returns |f| / 10^shift as the fraction of the shortest decimal of |f|,
// shifted, rounded half to even to 18 decimal places. |f| / 10^shift must be at most
// 10; it reports false otherwise.
func parseDecimal(f float64, shift int) (decimalRatio, bool) {
	f = math.Abs(f)
	if f == 0 { // -0 as well
		return decimalRatio{0, 1}, true
	}
	whole, frac, _ := strings.Cut(strconv.FormatFloat(f, 'f', -1, 64), ".")
	digits, places := whole+frac, len(frac)+shift
	rest := ""
	if places > maxRateDigits {
		cut := len(digits) - (places - maxRateDigits)
		if cut < 0 {
			digits, rest = "", strings.Repeat("0", -cut)+digits
		} else {
			digits, rest = digits[:cut], digits[cut:]
		}
		places = maxRateDigits
	}
	var num uint64
	if digits != "" {
		var err error
		if num, err = strconv.ParseUint(digits, 10, 64); err != nil {
			return decimalRatio{}, false
		}
	}
	// The shortest form has no trailing zeros: rest is exactly one half when it is "5".
	if rest != "" && (rest[0] > '5' || rest[0] == '5' && (strings.TrimRight(rest[1:], "0") != "" || num%2 == 1)) {
		num++
	}
	den := uint64(1)
	for range places {
		den *= 10
	}
	if num/den > 10 || num/den == 10 && num%den != 0 {
		return decimalRatio{}, false
	}
	return decimalRatio{num, den}, true
}

// uint128 is an unsigned 128-bit integer.
type uint128 struct{ hi, lo uint64 }

// cmpInt64 compares x with a non-negative v.
func (x uint128) cmpInt64(v int64) int {
	if x.hi != 0 {
		return 1
	}
	return cmp.Compare(x.lo, uint64(v))
}

// mulDivFloor returns a × mul / div, rounded down, exactly. div must not be 0.
func mulDivFloor(a, mul, div uint64) uint128 {
	hi, lo := bits.Mul64(a, mul)
	qhi, rem := hi/div, hi%div
	qlo, _ := bits.Div64(rem, lo, div)
	return uint128{qhi, qlo}
}

// mulDivCeil returns a × mul / div, rounded up, exactly. div must not be 0.
func mulDivCeil(a, mul, div uint64) uint128 {
	hi, lo := bits.Mul64(a, mul)
	qhi, rem := hi/div, hi%div
	qlo, r := bits.Div64(rem, lo, div)
	if r != 0 {
		var carry uint64
		qlo, carry = bits.Add64(qlo, 1, 0)
		qhi += carry
	}
	return uint128{qhi, qlo}
}

// mulDivHalfUp returns a × mul / div, rounded half up, exactly. div must not be 0.
func mulDivHalfUp(a, mul, div uint64) uint128 {
	// floor((a × mul + floor(div/2)) / div) rounds half up, for an odd div as well.
	hi, lo := bits.Mul64(a, mul)
	lo, carry := bits.Add64(lo, div/2, 0)
	hi += carry
	qhi, rem := hi/div, hi%div
	qlo, _ := bits.Div64(rem, lo, div)
	return uint128{qhi, qlo}
}

// raise returns the tax-exclusive amount a raised by the rate r, that is
// a × (1 + r) rounded half away from zero to a minor unit, exactly. a must be >= 0.
func (r decimalRatio) raise(a int64) uint128 {
	// den + num <= 11 × 10^18 < 2^64 for rates up to 10; a × (den + num) < 2^127.
	return mulDivHalfUp(uint64(a), r.den+r.num, r.den)
}
