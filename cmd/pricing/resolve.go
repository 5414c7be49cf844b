package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/commercekit/pricing"
)

// resolve resolves the price of items for a customer, with the resolver's explanation
// on request.
func resolve(e *env, args []string) error {
	fs := e.flagSet("resolve", "--currency C [flags] VARIANT[:QTY]...")
	var q pricing.Query
	var groups stringList
	var at, taxRate string
	fs.StringVar(&q.CurrencyCode, "currency", "", "the `currency` to price in (required)")
	fs.StringVar(&q.RegionID, "region", "", "the region `ID` of the shopper")
	fs.StringVar(&q.CustomerID, "customer", "", "the customer `ID`: brings in the customer's groups")
	fs.Var(&groups, "group", "resolve as a member of the group `ID` too; may repeat")
	fs.StringVar(&at, "at", "", "the `instant` to resolve at (RFC 3339; default now)")
	fs.StringVar(&taxRate, "tax-rate", "", "the tax `rate` (0.2 for 20%), to compare amounts with and without tax")
	fs.BoolVar(&q.Explain, "explain", false, "explain every price of each variant: the merchant's view, other groups' prices included")
	fs.BoolVar(&q.ExplainVisible, "visible", false, "explain only the prices the shopper may see")
	pos, err := e.parse(fs, args, 1, -1)
	if err != nil {
		return err
	}
	if q.CurrencyCode == "" {
		return usagef("resolve: --currency is required")
	}
	q.CustomerGroupIDs = groups
	if at != "" {
		if q.At, err = parseTime("at", at); err != nil {
			return err
		}
	}
	if taxRate != "" {
		r, err := strconv.ParseFloat(taxRate, 64)
		if err != nil {
			return usagef("--tax-rate %q: want a number such as 0.2", taxRate)
		}
		q.TaxRate = &r
	}
	items := make([]pricing.Item, len(pos))
	for i, a := range pos {
		items[i] = pricing.Item{VariantID: a, Quantity: 1}
		if j := strings.LastIndexByte(a, ':'); j > 0 {
			if n, err := strconv.ParseInt(a[j+1:], 10, 64); err == nil {
				items[i] = pricing.Item{VariantID: a[:j], Quantity: n}
			}
		}
	}
	return e.withStore(true, func(s *store) error {
		res, err := s.svc.ResolveMany(e.ctx, q, items)
		if err != nil {
			return err
		}
		missing := 0
		for _, r := range res {
			if !r.Found {
				missing++
			}
		}
		var out error
		if missing > 0 {
			out = noPriceError{missing}
		}
		if e.json {
			if err := e.writeJSON(map[string]any{"query": q, "resolutions": res}); err != nil {
				return err
			}
			if out != nil {
				return errReportedAs(out)
			}
			return nil
		}
		lists, err := listNames(e.ctx, s.svc)
		if err != nil {
			return err
		}
		if err := writeResolutions(e, res, lists, q.Explain || q.ExplainVisible); err != nil {
			return err
		}
		return out
	})
}

// errReportedAs is err, already reported on standard output: finish writes no more
// than its exit code asks.
func errReportedAs(err error) error {
	return reportedError{err}
}

type reportedError struct{ error }

func (r reportedError) Unwrap() []error { return []error{r.error, errReported} }

// noPriceError reports items without a price; it matches pricing.ErrNoPrice.
type noPriceError struct{ n int }

func (e noPriceError) Error() string { return count(e.n, "item") + " without a price" }
func (e noPriceError) Unwrap() error { return pricing.ErrNoPrice }

// writeResolutions writes one line per item, and with an explanation a table of every
// price the resolver considered.
func writeResolutions(e *env, res []pricing.Resolution, lists map[string]string, explain bool) error {
	source := func(p pricing.Price) string {
		if p.PriceListID == "" {
			return "(base price)"
		}
		return orDefault(lists[p.PriceListID], p.PriceListID)
	}
	if !explain {
		t := newTable(e.stdout, "VARIANT", "QTY", "PRICE", "TYPE", "FROM", "ORIGINAL")
		for _, r := range res {
			if !r.Found {
				t.row(r.VariantID, strconv.FormatInt(r.Quantity, 10), "no price", "-", "-", "-")
				continue
			}
			original := "-"
			if r.HasOriginal && r.OriginalAmount != r.CalculatedAmount {
				original = money(r.OriginalAmount, r.OriginalPrice.CurrencyCode)
			}
			t.row(r.VariantID, strconv.FormatInt(r.Quantity, 10), money(r.CalculatedAmount, r.CalculatedPrice.CurrencyCode),
				r.CalculatedType, source(r.CalculatedPrice), original)
		}
		return t.flush()
	}
	for i, r := range res {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintln(e.stdout, summary(r, source))
		if len(r.Explanation) == 0 {
			fmt.Fprintln(e.stdout, "  (no price of this variant)")
			continue
		}
		// The chosen prices first, then the others as the resolver lists them; prices
		// in other currencies are only counted.
		var cands []pricing.Candidate
		others := 0
		for _, c := range r.Explanation {
			if c.Outcome == pricing.WrongCurrency {
				others++
			} else {
				cands = append(cands, c)
			}
		}
		rank := func(c pricing.Candidate) int {
			switch c.Outcome {
			case pricing.Calculated:
				return 0
			case pricing.Original:
				return 1
			}
			return 2
		}
		slices.SortStableFunc(cands, func(a, b pricing.Candidate) int { return rank(a) - rank(b) })
		t := newTable(e.stdout, "  FROM", "TYPE", "REGION", "QUANTITY", "AMOUNT", "OUTCOME", "PRICE ID")
		for _, c := range cands {
			outcome := string(c.Outcome)
			if c.Outcome == pricing.Calculated {
				outcome = "PAID: " + outcome
			}
			t.row("  "+source(c.Price), c.Type, region(c.Price.RegionID), quantities(c.Price.MinQuantity, c.Price.MaxQuantity),
				money(c.Price.Amount, c.Price.CurrencyCode), outcome, c.Price.ID)
		}
		if err := t.flush(); err != nil {
			return err
		}
		if others > 0 {
			fmt.Fprintf(e.stdout, "  (and %s in other currencies)\n", count(others, "price"))
		}
	}
	return nil
}

// summary writes what the item costs in a sentence.
func summary(r pricing.Resolution, source func(pricing.Price) string) string {
	head := fmt.Sprintf("%s × %d: ", r.VariantID, r.Quantity)
	if !r.Found {
		return head + "no price"
	}
	from := func(p pricing.Price, typ string) string {
		if p.PriceListID == "" {
			return "base price"
		}
		return typ + ", " + source(p)
	}
	s := head + fmt.Sprintf("pays %s (%s)", money(r.CalculatedAmount, r.CalculatedPrice.CurrencyCode), from(r.CalculatedPrice, r.CalculatedType))
	if r.HasOriginal && r.OriginalPrice.ID != r.CalculatedPrice.ID {
		s += fmt.Sprintf(", instead of %s (%s)", money(r.OriginalAmount, r.OriginalPrice.CurrencyCode), from(r.OriginalPrice, r.OriginalType))
	}
	return s
}
