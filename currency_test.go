package pricing_test

import (
	"math"
	"testing"

	"github.com/commercekit/pricing"
)

func TestCurrencyDigits(t *testing.T) {
	for code, want := range map[string]int{"usd": 2, "EUR": 2, "jpy": 0, "KRW": 0, "kwd": 3, "clf": 4, "xau": 0, "pts": 2} {
		if got := pricing.CurrencyDigits(code); got != want {
			t.Errorf("CurrencyDigits(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestFormatAndParseAmount(t *testing.T) {
	for _, tc := range []struct {
		amount   int64
		currency string
		text     string
	}{
		{2000, "usd", "20.00"}, {5, "usd", "0.05"}, {0, "eur", "0.00"}, {-250, "usd", "-2.50"},
		{2000, "jpy", "2000"}, {-7, "JPY", "-7"}, {1234, "kwd", "1.234"}, {1, "kwd", "0.001"},
		{math.MaxInt64, "usd", "92233720368547758.07"}, {math.MinInt64 + 1, "usd", "-92233720368547758.07"},
	} {
		if got := pricing.FormatAmount(tc.amount, tc.currency); got != tc.text {
			t.Errorf("FormatAmount(%d, %s) = %q, want %q", tc.amount, tc.currency, got, tc.text)
		}
		if got, err := pricing.ParseAmount(tc.text, tc.currency); err != nil || got != tc.amount {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tc.text, tc.currency, got, err, tc.amount)
		}
	}
	for text, want := range map[string]int64{"20": 2000, "20.5": 2050, ".5": 50, "-3": -300, "007": 700} {
		if got, err := pricing.ParseAmount(text, "usd"); err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", text, got, err, want)
		}
	}
	for _, tc := range []struct{ text, currency string }{
		{"20.001", "usd"}, {"1.5", "jpy"}, {"", "usd"}, {".", "usd"}, {"20.", "usd"}, {"1e3", "usd"}, {"+5", "usd"},
		{"1,50", "eur"}, {" 5", "usd"}, {"92233720368547758.08", "usd"}, {"--1", "usd"}, {"١٢", "usd"},
	} {
		if got, err := pricing.ParseAmount(tc.text, tc.currency); err == nil {
			t.Errorf("ParseAmount(%q, %s) = %d, want an error", tc.text, tc.currency, got)
		}
	}
}
