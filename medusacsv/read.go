package medusacsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/commercekit/pricing"
)

// Read reads a file and returns its prices, in the order of its rows and, within a
// row, of its columns. A file with problems returns an *Error listing them all. Read
// checks the file's form only; Import also has the Service check the prices.
func Read(r io.Reader, opts *Options) ([]pricing.PriceInput, error) {
	sh, err := read(r, opts.orZero())
	if err != nil {
		return nil, err
	}
	return sh.prices, nil
}

// colKind is what a column holds.
type colKind int

const (
	colUnknown colKind = iota // a header this package does not know
	colIgnored                // an unknown header, with Options.IgnoreUnknownColumns
	colEmpty                  // an empty header
	colVariantID
	colSKU
	colMinQuantity
	colMaxQuantity
	colPrice
)

// column is one column of a file's header.
type column struct {
	kind     colKind
	header   string // as written, trimmed
	currency string // for colPrice: the code as written
	region   string // for colPrice: the region's name, "" for a currency-wide price
	regionID string // for colPrice: the region's ID, when found
}

// origin is where a price of a file was read: its line, its price column and the
// column that named its variant (all 1-based).
type origin struct {
	line, column, variantColumn int
}

// sheet is a file as read.
type sheet struct {
	cols    []column
	prices  []pricing.PriceInput
	origins []origin // one per price
}

// header returns the header of the 1-based column n.
func (sh *sheet) header(n int) string {
	if n < 1 || n > len(sh.cols) {
		return ""
	}
	return sh.cols[n-1].header
}

// read reads a whole file; a file with problems returns an *Error.
func read(r io.Reader, opts *Options) (*sheet, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	comma := opts.Comma
	if comma == 0 {
		comma = detectComma(br)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	var ps problems
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		ps.add(1, 0, "", "no header line: the file is empty")
		return nil, ps.err()
	}
	if err != nil {
		ps.add(errorLine(err, 1), 0, "", "%s", csvReason(err))
		return nil, ps.err()
	}
	sh := &sheet{cols: parseHeader(&ps, header, opts)}
	vc := sh.variantColumns()
	seen := map[pricing.PriceKey]int{} // the line of each price's key
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ps.add(errorLine(err, 0), 0, "", "%s; the lines after it were not read", csvReason(err))
			break
		}
		line, _ := cr.FieldPos(0)
		sh.row(&ps, opts, vc, line, rec, seen)
		rows++
	}
	if rows > 0 && !slices.ContainsFunc(sh.cols, func(c column) bool { return c.kind == colPrice }) {
		// Rows without a price column are a mistake; a header alone is an empty list.
		ps.add(1, 0, "", "no price column: write Price <CUR> (Price USD) or Price <Region> [<CUR>] (Price Europe [EUR])")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return sh, nil
}

// detectComma returns the delimiter of the header line: the most frequent of comma,
// semicolon and tab outside quotes, a comma when there is none.
func detectComma(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	counts := map[byte]int{}
	quoted := false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ';' || c == '\t'):
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

// errorLine returns the line of a CSV syntax error, or def.
func errorLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return def
}

// csvReason describes a CSV syntax error without the line, which the problem has.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "not CSV: " + pe.Err.Error()
	}
	return "cannot read the file: " + err.Error()
}

// columnsHelp names the columns this package reads.
const columnsHelp = "the columns are Product Variant ID, SKU, Price <CUR>, Price <Region> [<CUR>], Min Quantity and Max Quantity"

// parseHeader returns the columns of a header line and reports its problems.
func parseHeader(ps *problems, header []string, opts *Options) []column {
	cols := make([]column, len(header))
	first := map[string]int{} // what a column means → its 1-based number
	for i, raw := range header {
		n := i + 1
		h := strings.TrimSpace(raw)
		c := column{header: h}
		switch lower := strings.ToLower(h); {
		case h == "":
			c.kind = colEmpty
		case lower == "product variant id":
			c.kind = colVariantID
		case lower == "sku":
			c.kind = colSKU
		case lower == "min quantity":
			c.kind = colMinQuantity
		case lower == "max quantity":
			c.kind = colMaxQuantity
		default:
			currency, region, ok := parsePriceHeader(h)
			switch {
			case ok:
				c.kind, c.currency, c.region = colPrice, currency, region
			case strings.HasPrefix(lower, "price"):
				ps.add(1, n, h, "not a price column: write Price <CUR> (Price USD) or Price <Region> [<CUR>] (Price Europe [EUR])")
			case opts.IgnoreUnknownColumns:
				c.kind = colIgnored
			default:
				ps.add(1, n, h, "unknown column (%s; Options.IgnoreUnknownColumns ignores others)", columnsHelp)
			}
		}
		if c.kind == colPrice && c.region != "" {
			switch id, ok := lookup(opts.RegionByName, c.region); {
			case opts.RegionByName == nil:
				ps.add(1, n, h, "a region price, and no RegionByName to find region %q", c.region)
			case !ok:
				ps.add(1, n, h, "no region named %q", c.region)
			default:
				c.regionID = id
			}
		}
		meaning := ""
		switch c.kind {
		case colVariantID, colSKU, colMinQuantity, colMaxQuantity:
			meaning = strings.ToLower(h)
		case colPrice:
			meaning = "price " + lowerASCII(c.currency) + " region " + c.regionID
			if c.regionID == "" && c.region != "" {
				meaning = "price " + lowerASCII(c.currency) + " region name " + c.region
			}
		}
		if meaning != "" {
			if m, dup := first[meaning]; dup {
				ps.add(1, n, h, "means the same as column %s (%s)", ColumnLetters(m), cols[m-1].header)
			} else {
				first[meaning] = n
			}
		}
		cols[i] = c
	}
	if first["product variant id"] == 0 && first["sku"] == 0 {
		ps.add(1, 0, "", "no Product Variant ID or SKU column (%s)", columnsHelp)
	}
	return cols
}

// parsePriceHeader reads a trimmed header "Price <CUR>" or "Price <Region> [<CUR>]",
// "Price" in any case.
func parsePriceHeader(h string) (currency, region string, ok bool) {
	if len(h) < len("price ") || !strings.EqualFold(h[:len("price")], "price") {
		return "", "", false
	}
	rest := h[len("price"):]
	if t := strings.TrimLeft(rest, " \t"); t == rest {
		return "", "", false // "Prices", "PriceUSD"
	} else {
		rest = t
	}
	if strings.HasSuffix(rest, "]") {
		i := strings.LastIndexByte(rest, '[')
		if i < 0 {
			return "", "", false
		}
		region = strings.TrimSpace(rest[:i])
		currency = strings.TrimSpace(rest[i+1 : len(rest)-1])
		if region == "" {
			return "", "", false
		}
	} else {
		currency = rest
	}
	if currency == "" || strings.IndexFunc(currency, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) >= 0 {
		return "", "", false
	}
	return currency, region, true
}

func lookup(fn func(string) (string, bool), key string) (string, bool) {
	if fn == nil {
		return "", false
	}
	return fn(key)
}

// variantColumns are the 1-based numbers of the columns that name a row's variant and
// its quantities, 0 for those the file does not have.
type variantColumns struct {
	id, sku, min, max int
}

func (sh *sheet) variantColumns() variantColumns {
	var vc variantColumns
	for i, c := range sh.cols {
		switch n := i + 1; c.kind {
		case colVariantID:
			vc.id = firstCol(vc.id, n)
		case colSKU:
			vc.sku = firstCol(vc.sku, n)
		case colMinQuantity:
			vc.min = firstCol(vc.min, n)
		case colMaxQuantity:
			vc.max = firstCol(vc.max, n)
		}
	}
	return vc
}

// firstCol returns a unless it is 0, else b: the first column of a kind.
func firstCol(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// row reads one row at line into the sheet's prices and reports its problems. seen
// holds the line of every price key read so far.
func (sh *sheet) row(ps *problems, opts *Options, vc variantColumns, line int, rec []string, seen map[pricing.PriceKey]int) {
	cell := func(n int) string {
		if n < 1 || n > len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[n-1])
	}
	if !slices.ContainsFunc(rec, func(c string) bool { return strings.TrimSpace(c) != "" }) {
		return // ",,,": a spreadsheet's empty row, as blank as a blank line
	}
	for n := len(sh.cols) + 1; n <= len(rec); n++ {
		if cell(n) != "" {
			ps.add(line, n, "", "a value beyond the last column of the header")
		}
	}
	for i, c := range sh.cols {
		if c.kind == colEmpty && !opts.IgnoreUnknownColumns && cell(i+1) != "" {
			ps.add(line, i+1, "", "a value in a column without a header")
		}
	}
	before := len(*ps)
	variant, variantColumn := cell(vc.id), vc.id
	if vc.id == 0 && vc.sku == 0 {
		before = -1 // the header's problem: no variant column
	} else if variant == "" {
		sku := cell(vc.sku)
		variantColumn = vc.sku
		switch id, ok := lookup(opts.VariantBySKU, sku); {
		case sku == "" && vc.id != 0:
			ps.add(line, vc.id, sh.header(vc.id), "no Product Variant ID, and no SKU")
		case sku == "":
			ps.add(line, vc.sku, sh.header(vc.sku), "no SKU")
		case opts.VariantBySKU == nil:
			ps.add(line, vc.sku, sh.header(vc.sku), "no Product Variant ID, and no VariantBySKU to find the variant of SKU %q", sku)
		case !ok:
			ps.add(line, vc.sku, sh.header(vc.sku), "no variant has SKU %q", sku)
		default:
			variant = id
		}
	}
	quantity := func(n int) int64 {
		s := cell(n)
		if s == "" {
			return 0
		}
		q, err := strconv.ParseUint(s, 10, 63)
		if err != nil {
			ps.add(line, n, sh.header(n), "%q is not a whole number of items", s)
		}
		return int64(q)
	}
	minQty, maxQty := quantity(vc.min), quantity(vc.max)
	rowOK := len(*ps) == before
	for i, c := range sh.cols {
		n := i + 1
		s := cell(n)
		if c.kind != colPrice || s == "" {
			continue
		}
		amount, reason := parseAmount(s, c.currency)
		if reason != "" {
			ps.add(line, n, c.header, "%s", reason)
			continue
		}
		p := pricing.PriceInput{VariantID: variant, CurrencyCode: c.currency, RegionID: c.regionID,
			Amount: amount, MinQuantity: minQty, MaxQuantity: maxQty}
		if rowOK {
			k := keyOf(p)
			if l, dup := seen[k]; dup {
				ps.add(line, n, c.header, "line %d already prices this variant in this currency, region and quantity range", l)
				continue
			}
			seen[k] = line
		}
		sh.prices = append(sh.prices, p)
		sh.origins = append(sh.origins, origin{line: line, column: n, variantColumn: variantColumn})
	}
}

// parseAmount reads an amount in major units of the currency, or returns why it
// cannot.
func parseAmount(s, currency string) (int64, string) {
	switch {
	case s[0] == '-':
		return 0, fmt.Sprintf("%q is negative", s)
	case s[0] == '+':
		return 0, fmt.Sprintf("%q: write the amount without a sign", s)
	case strings.ContainsAny(s, ", '"):
		return 0, fmt.Sprintf("%q is not an amount: write decimals with a point, without a thousands separator (1234.50)", s)
	}
	digits := pricing.CurrencyDigits(currency)
	if whole, frac, ok := strings.Cut(s, "."); ok && len(frac) > digits {
		// Zeros past the currency's digits say nothing: 20.500 USD is 20.50.
		if trimmed := strings.TrimRight(frac[digits:], "0"); trimmed == "" {
			s = whole + "." + frac[:digits]
			if digits == 0 {
				s = whole
			}
		}
	}
	a, err := pricing.ParseAmount(s, currency)
	if err != nil {
		return 0, strings.TrimPrefix(err.Error(), "pricing: ")
	}
	return a, ""
}
