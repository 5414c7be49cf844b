package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/commercekit/pricing"
)

// table writes rows under a header, in aligned columns.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		// A tab or a newline in a name would break the columns.
		cells[i] = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// money writes an amount in major units with its currency: "20.00 USD".
func money(amount int64, currency string) string {
	return pricing.FormatAmount(amount, currency) + " " + strings.ToUpper(currency)
}

// when writes an instant in UTC, or "-" for the zero time.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// window writes a list's window [starts, ends).
func window(starts, ends time.Time) string {
	switch {
	case starts.IsZero() && ends.IsZero():
		return "always"
	case ends.IsZero():
		return "from " + when(starts)
	case starts.IsZero():
		return "until " + when(ends)
	}
	return when(starts) + " to " + when(ends)
}

// quantities writes a quantity range: "any", "10+", "1-9".
func quantities(minQty, maxQty int64) string {
	switch {
	case minQty == 0 && maxQty == 0:
		return "any"
	case maxQty == 0:
		return strconv.FormatInt(minQty, 10) + "+"
	}
	return strconv.FormatInt(max(minQty, 1), 10) + "-" + strconv.FormatInt(maxQty, 10)
}

// orDash returns s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// region writes a price's region: "(any)" for a currency-wide price.
func region(id string) string {
	if id == "" {
		return "(any)"
	}
	return id
}

// taxText writes a tax flag.
func taxText(includes bool) string {
	if includes {
		return "incl."
	}
	return "excl."
}

// metadataText writes metadata as compact JSON, "-" when there is none.
func metadataText(m map[string]any) string {
	if len(m) == 0 {
		return "-"
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Sprint(m)
	}
	return string(b)
}

// fields writes "name: value" lines, aligned.
func fields(w io.Writer, kv ...string) error {
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[i], kv[i+1])
	}
	return tw.Flush()
}

// count writes n with a noun, plural when n is not 1: "1 price", "3 prices".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
