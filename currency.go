package pricing

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// isoCurrencies holds the ISO 4217 alphabetic codes (current, fund and precious-metal
// codes, and the few withdrawn codes still seen in catalogs), lower-cased as prices
// store them. Hosts add their own with WithCurrencies.
var isoCurrencies = map[string]bool{
	"aed": true, "afn": true, "all": true, "amd": true, "ang": true, "aoa": true, "ars": true,
	"aud": true, "awg": true, "azn": true, "bam": true, "bbd": true, "bdt": true, "bgn": true,
	"bhd": true, "bif": true, "bmd": true, "bnd": true, "bob": true, "bov": true, "brl": true,
	"bsd": true, "btn": true, "bwp": true, "byn": true, "bzd": true, "cad": true, "cdf": true,
	"che": true, "chf": true, "chw": true, "clf": true, "clp": true, "cny": true, "cop": true,
	"cou": true, "crc": true, "cuc": true, "cup": true, "cve": true, "czk": true, "djf": true,
	"dkk": true, "dop": true, "dzd": true, "egp": true, "ern": true, "etb": true, "eur": true,
	"fjd": true, "fkp": true, "gbp": true, "gel": true, "ghs": true, "gip": true, "gmd": true,
	"gnf": true, "gtq": true, "gyd": true, "hkd": true, "hnl": true, "htg": true, "huf": true,
	"idr": true, "ils": true, "inr": true, "iqd": true, "irr": true, "isk": true, "jmd": true,
	"jod": true, "jpy": true, "kes": true, "kgs": true, "khr": true, "kmf": true, "kpw": true,
	"krw": true, "kwd": true, "kyd": true, "kzt": true, "lak": true, "lbp": true, "lkr": true,
	"lrd": true, "lsl": true, "lyd": true, "mad": true, "mdl": true, "mga": true, "mkd": true,
	"mmk": true, "mnt": true, "mop": true, "mru": true, "mur": true, "mvr": true, "mwk": true,
	"mxn": true, "mxv": true, "myr": true, "mzn": true, "nad": true, "ngn": true, "nio": true,
	"nok": true, "npr": true, "nzd": true, "omr": true, "pab": true, "pen": true, "pgk": true,
	"php": true, "pkr": true, "pln": true, "pyg": true, "qar": true, "ron": true, "rsd": true,
	"rub": true, "rwf": true, "sar": true, "sbd": true, "scr": true, "sdg": true, "sek": true,
	"sgd": true, "shp": true, "sle": true, "sll": true, "sos": true, "srd": true, "ssp": true,
	"stn": true, "svc": true, "syp": true, "szl": true, "thb": true, "tjs": true, "tmt": true,
	"tnd": true, "top": true, "try": true, "ttd": true, "twd": true, "tzs": true, "uah": true,
	"ugx": true, "usd": true, "usn": true, "uyi": true, "uyu": true, "uyw": true, "uzs": true,
	"ved": true, "ves": true, "vnd": true, "vuv": true, "wst": true, "xaf": true, "xag": true,
	"xau": true, "xba": true, "xbb": true, "xbc": true, "xbd": true, "xcd": true, "xcg": true,
	"xdr": true, "xof": true, "xpd": true, "xpf": true, "xpt": true, "xsu": true, "xts": true,
	"xua": true, "xxx": true, "yer": true, "zar": true, "zmw": true, "zwg": true, "zwl": true,
}

// currencyDigits holds the ISO 4217 currencies whose minor unit does not have two
// digits; those without a minor unit at all (precious metals, XDR, XXX) have none.
var currencyDigits = map[string]int{
	"bif": 0, "clp": 0, "djf": 0, "gnf": 0, "isk": 0, "jpy": 0, "kmf": 0, "krw": 0, "pyg": 0,
	"rwf": 0, "ugx": 0, "uyi": 0, "vnd": 0, "vuv": 0, "xaf": 0, "xof": 0, "xpf": 0,
	"xag": 0, "xau": 0, "xba": 0, "xbb": 0, "xbc": 0, "xbd": 0, "xdr": 0, "xpd": 0, "xpt": 0,
	"xsu": 0, "xts": 0, "xua": 0, "xxx": 0,
	"bhd": 3, "iqd": 3, "jod": 3, "kwd": 3, "lyd": 3, "omr": 3, "tnd": 3,
	"clf": 4, "uyw": 4,
}

// CurrencyDigits returns how many decimal digits the minor unit of the currency has,
// in any case: 2 for usd (cents), 0 for jpy, 3 for kwd, as ISO 4217 says; 2 for a code
// it does not list, such as one registered with WithCurrencies.
func CurrencyDigits(code string) int {
	if d, ok := currencyDigits[lowerASCII(code)]; ok {
		return d
	}
	return 2
}

// FormatAmount writes an amount of minor units in major units of the currency, with
// the currency's digits: 2000 usd is "20.00", 2000 jpy is "2000", 1234 kwd is "1.234".
func FormatAmount(amount int64, currency string) string {
	digits := CurrencyDigits(currency)
	neg := amount < 0
	u := uint64(amount)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseAmount reads an amount in major units of the currency ("20", "20.5", "20.50",
// "-3") as minor units (2000, 2050, 2050, -300 for usd). It refuses more decimals than
// the currency has, anything but ASCII digits, one optional point and an optional
// leading minus, and an amount that does not fit an int64.
func ParseAmount(s, currency string) (int64, error) {
	digits := CurrencyDigits(currency)
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("pricing: amount %q in %s: %s", s, lowerASCII(currency), why)
	}
	num, neg := strings.CutPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(num, ".")
	switch {
	case whole == "" && frac == "", hasPoint && frac == "":
		return bad("not a number")
	case len(frac) > digits:
		return bad(fmt.Sprintf("more than %d decimals", digits))
	}
	if whole == "" {
		whole = "0"
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return bad("not a number")
			}
		}
	}
	u, err := strconv.ParseUint(whole+frac+strings.Repeat("0", digits-len(frac)), 10, 64)
	if err != nil || u > math.MaxInt64 {
		return bad("too large")
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}
