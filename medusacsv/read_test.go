package medusacsv_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/medusacsv"
)

// regions and skus are the host's lookups of the tests.
var (
	regions = map[string]string{"Europe": "reg_eu", "PL Region": "reg_pl", "Poland": "reg_pl", "Germany": "reg_de"}
	skus    = map[string]string{"SHIRT-M": "shirt_m", "pl-sku": "test-pl-sku-variant"}
)

func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// hostOptions are the options of a host that knows the regions and SKUs above.
func hostOptions() *medusacsv.Options {
	return &medusacsv.Options{VariantBySKU: lookupIn(skus), RegionByName: lookupIn(regions)}
}

// show writes a price input as variant/currency/region/min-max=amount.
func show(p pricing.PriceInput) string {
	s := p.VariantID + "/" + p.CurrencyCode
	if p.RegionID != "" {
		s += "/" + p.RegionID
	}
	if p.MinQuantity != 0 || p.MaxQuantity != 0 {
		s += fmt.Sprintf("/%d-%d", p.MinQuantity, p.MaxQuantity)
	}
	return s + fmt.Sprintf("=%d", p.Amount)
}

func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var e *medusacsv.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want a *medusacsv.Error", err, err)
	}
	if !errors.Is(err, pricing.ErrInvalid) {
		t.Errorf("error does not match pricing.ErrInvalid")
	}
	var out []string
	for _, p := range e.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		opts     *medusacsv.Options // nil: hostOptions
		want     []string           // the prices, in order
		problems []string           // or the problems
	}{
		{
			// Medusa's own template (integration-tests/api/__tests__/batch-jobs/price-list),
			// whose 44.441 USD Medusa rounds to 44.44; here it is refused.
			name: "Medusa's template",
			in:   "Product Variant ID,SKU,Price USD,Price PL Region [EUR], Price JPY\ntest-pl-variant,,11.11,22.22,3333\n,pl-sku,44.441,55.55,\n",
			problems: []string{
				`line 3, column C (Price USD): amount "44.441" in usd: more than 2 decimals`,
			},
		},
		{
			name: "Medusa's template, amounts fixed",
			in:   "Product Variant ID,SKU,Price USD,Price PL Region [EUR], Price JPY\ntest-pl-variant,,11.11,22.22,3333\n,pl-sku,44.44,55.55,\n",
			want: []string{
				"test-pl-variant/USD=1111", "test-pl-variant/EUR/reg_pl=2222", "test-pl-variant/JPY=3333",
				"test-pl-sku-variant/USD=4444", "test-pl-sku-variant/EUR/reg_pl=5555",
			},
		},
		{
			name: "BOM, CRLF, quotes, blank lines and empty rows, header case, spaces",
			in:   "\uFEFFproduct variant id,\"Sku\",price usd ,\" PRICE Europe [eur]\"\r\n\r\n\"shirt, blue\",,\"20\",\" 18.5 \"\r\n\r\nhat,,5.00,\r\n,,,\r\n , ,,\r\n",
			want: []string{"shirt, blue/usd=2000", "shirt, blue/eur/reg_eu=1850", "hat/usd=500"},
		},
		{
			name: "semicolons, as European spreadsheets write",
			in:   "Product Variant ID;SKU;Price EUR\nshirt;;19.90\n",
			want: []string{"shirt/EUR=1990"},
		},
		{
			name: "tabs",
			in:   "Product Variant ID\tPrice USD\nshirt\t19.90\n",
			want: []string{"shirt/USD=1990"},
		},
		{
			name: "forced delimiter",
			in:   "Product Variant ID;Price USD\nshirt;19.90\n",
			opts: &medusacsv.Options{Comma: ','},
			problems: []string{
				`line 1: no Product Variant ID or SKU column (the columns are Product Variant ID, SKU, Price <CUR>, Price <Region> [<CUR>], Min Quantity and Max Quantity)`,
				`line 1: no price column: write Price <CUR> (Price USD) or Price <Region> [<CUR>] (Price Europe [EUR])`,
				`line 1, column A (Product Variant ID;Price USD): unknown column (the columns are Product Variant ID, SKU, Price <CUR>, Price <Region> [<CUR>], Min Quantity and Max Quantity; Options.IgnoreUnknownColumns ignores others)`,
			},
		},
		{
			name: "digits of the currency; zeros past them; empty cells",
			in:   "Product Variant ID,Price JPY,Price KWD,Price USD\na,3000,1.234,20.500\nb,3000.0,,\nc,,,\n",
			want: []string{"a/JPY=3000", "a/KWD=1234", "a/USD=2050", "b/JPY=3000"},
		},
		{
			name: "tiers",
			in:   "Product Variant ID,Price USD,Min Quantity,Max Quantity\nshirt,20,,9\nshirt,15,10,49\nshirt,11,50,\n",
			want: []string{"shirt/USD/0-9=2000", "shirt/USD/10-49=1500", "shirt/USD/50-0=1100"},
		},
		{
			name: "SKUs; the ID wins",
			in:   "Product Variant ID,SKU,Price USD\n,SHIRT-M,20\nhat,SHIRT-M,5\n",
			want: []string{"shirt_m/USD=2000", "hat/USD=500"},
		},
		{
			name: "bad cells, every one reported",
			in: "Product Variant ID,SKU,Price USD,Price JPY,Min Quantity\n" +
				"a,,\"12,50\",,\n" +
				"b,,abc,3000.5,\n" +
				"c,,-1,,two\n" +
				",NOPE,1,,\n" +
				",,1,,\n" +
				"d,,+1,,\n" +
				"e,,1 000,,,extra\n",
			problems: []string{
				`line 2, column C (Price USD): "12,50" is not an amount: write decimals with a point, without a thousands separator (1234.50)`,
				`line 3, column C (Price USD): amount "abc" in usd: not a number`,
				`line 3, column D (Price JPY): amount "3000.5" in jpy: more than 0 decimals`,
				`line 4, column C (Price USD): "-1" is negative`,
				`line 4, column E (Min Quantity): "two" is not a whole number of items`,
				`line 5, column B (SKU): no variant has SKU "NOPE"`,
				`line 6, column A (Product Variant ID): no Product Variant ID, and no SKU`,
				`line 7, column C (Price USD): "+1": write the amount without a sign`,
				`line 8, column C (Price USD): "1 000" is not an amount: write decimals with a point, without a thousands separator (1234.50)`,
				`line 8, column F (): a value beyond the last column of the header`,
			},
		},
		{
			name: "the same price twice names both lines",
			in:   "Product Variant ID,SKU,Price USD,Price Europe [EUR],Price Germany [EUR]\nshirt_m,,20,18,\n,SHIRT-M,21,,17\nshirt_m,,,,16\n",
			problems: []string{
				`line 3, column C (Price USD): line 2 already prices this variant in this currency, region and quantity range`,
				`line 4, column E (Price Germany [EUR]): line 3 already prices this variant in this currency, region and quantity range`,
			},
		},
		{
			name: "bad headers",
			in:   "Product Variant ID,SKU,Price USD,price usd,Price Mars [EUR],Price PL Region [EUR],Price Poland [EUR],Product Title,Price,Price New York,sku,\nshirt,,1,,,,,T-shirt,,,,x\n",
			problems: []string{
				`line 1, column D (price usd): means the same as column C (Price USD)`,
				`line 1, column E (Price Mars [EUR]): no region named "Mars"`,
				`line 1, column G (Price Poland [EUR]): means the same as column F (Price PL Region [EUR])`,
				`line 1, column H (Product Title): unknown column (the columns are Product Variant ID, SKU, Price <CUR>, Price <Region> [<CUR>], Min Quantity and Max Quantity; Options.IgnoreUnknownColumns ignores others)`,
				`line 1, column I (Price): not a price column: write Price <CUR> (Price USD) or Price <Region> [<CUR>] (Price Europe [EUR])`,
				`line 1, column J (Price New York): not a price column: write Price <CUR> (Price USD) or Price <Region> [<CUR>] (Price Europe [EUR])`,
				`line 1, column K (sku): means the same as column B (SKU)`,
				`line 2, column L (): a value in a column without a header`,
			},
		},
		{
			name: "unknown columns ignored when asked",
			in:   "Product Title,Product Variant ID,Price USD,,Note\nT-shirt,shirt,20,x,cheap\n",
			opts: &medusacsv.Options{IgnoreUnknownColumns: true},
			want: []string{"shirt/USD=2000"},
		},
		{
			name: "no lookups",
			in:   "Product Variant ID,SKU,Price Europe [EUR]\n,SHIRT-M,20\n",
			opts: &medusacsv.Options{},
			problems: []string{
				`line 1, column C (Price Europe [EUR]): a region price, and no RegionByName to find region "Europe"`,
				`line 2, column B (SKU): no Product Variant ID, and no VariantBySKU to find the variant of SKU "SHIRT-M"`,
			},
		},
		{
			name: "a quoted cell over two lines: lines as an editor shows them",
			in:   "Product Variant ID,Price USD\n\"shirt\nblue\",20\nhat,x\n",
			problems: []string{
				`line 4, column B (Price USD): amount "x" in usd: not a number`,
			},
		},
		{
			name:     "not CSV",
			in:       "Product Variant ID,Price USD\nshirt,20\nha\"t,5\nx,y\n",
			problems: []string{`line 3: not CSV: bare " in non-quoted-field; the lines after it were not read`},
		},
		{
			name:     "empty",
			in:       "",
			problems: []string{`line 1: no header line: the file is empty`},
		},
		{
			name: "a header alone",
			in:   "Product Variant ID,Price USD\r\n",
			want: nil,
		},
		{
			name: "a header alone without prices: Write's form of an empty list",
			in:   "Product Variant ID,SKU\n",
			want: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			if opts == nil {
				opts = hostOptions()
			}
			prices, err := medusacsv.Read(strings.NewReader(tc.in), opts)
			if tc.problems != nil {
				if got := problemsOf(t, err); !slices.Equal(got, tc.problems) {
					t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.problems, "\n"))
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			var got []string
			for _, p := range prices {
				got = append(got, show(p))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("prices:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	var in strings.Builder
	in.WriteString("Product Variant ID,Price USD\n")
	for i := range 30 {
		fmt.Fprintf(&in, "v%d,x\n", i)
	}
	_, err := medusacsv.Read(strings.NewReader(in.String()), nil)
	var e *medusacsv.Error
	if !errors.As(err, &e) || len(e.Problems) != 30 {
		t.Fatalf("error %v, want 30 problems", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "medusacsv: 30 problem(s), nothing written:\n\tline 2, column B (Price USD)") || !strings.HasSuffix(msg, "\n\tand 10 more") {
		t.Errorf("message:\n%s", msg)
	}
}

func TestColumnLetters(t *testing.T) {
	for n, want := range map[int]string{1: "A", 26: "Z", 27: "AA", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA"} {
		if got := medusacsv.ColumnLetters(n); got != want {
			t.Errorf("ColumnLetters(%d) = %q, want %q", n, got, want)
		}
	}
}
