package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/commercekit/pricing/medusacsv"
)

// csvFlags are the flags of csv import and csv export.
type csvFlags struct {
	list      string
	skuMap    string
	regions   string
	delimiter string
}

func (f *csvFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.list, "list", "", "the price list `ID` (required)")
	fs.StringVar(&f.skuMap, "sku-map", "", "a CSV `file` of SKUs and variants: columns SKU and Product Variant ID (or Medusa's Variant SKU and Variant ID)")
	fs.StringVar(&f.regions, "regions", "", "a CSV `file` of region names and IDs: columns Region Name and Region ID (or Name and ID)")
	fs.StringVar(&f.delimiter, "delimiter", "", "the field `delimiter`: , ; or tab (default: import finds it, export writes ,)")
}

// options returns the medusacsv options the flags say.
func (f *csvFlags) options() (*medusacsv.Options, error) {
	if f.list == "" {
		return nil, usagef("--list ID is required")
	}
	opts := &medusacsv.Options{}
	switch f.delimiter {
	case "":
	case "tab", `\t`:
		opts.Comma = '\t'
	default:
		r, n := utf8.DecodeRuneInString(f.delimiter)
		if n != len(f.delimiter) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
			return nil, usagef("--delimiter %q: want one character such as , or ; or tab", f.delimiter)
		}
		opts.Comma = r
	}
	if f.skuMap != "" {
		bySKU, err := readMap(f.skuMap, []string{"sku", "variant sku"}, []string{"product variant id", "variant id"})
		if err != nil {
			return nil, err
		}
		opts.VariantBySKU = lookupIn(bySKU)
		opts.SKUOf = lookupIn(invert(bySKU))
	}
	if f.regions != "" {
		byName, err := readMap(f.regions, []string{"region name", "name", "region"}, []string{"region id", "id"})
		if err != nil {
			return nil, err
		}
		opts.RegionByName = lookupIn(byName)
		opts.RegionName = lookupIn(invert(byName))
	}
	return opts, nil
}

func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// invert returns the inverse of m; of two keys with one value, the lesser wins.
func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		if _, taken := out[m[k]]; !taken {
			out[m[k]] = k
		}
	}
	return out
}

// readMap reads a CSV file whose header names a key column (one of keyNames) and a
// value column (one of valueNames), in any case; other columns are ignored. A key
// given twice with different values is an error.
func readMap(path string, keyNames, valueNames []string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k, v := -1, -1
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		for _, name := range keyNames {
			if h == name && k < 0 {
				k = i
			}
		}
		for _, name := range valueNames {
			if h == name && v < 0 {
				v = i
			}
		}
	}
	if k < 0 || v < 0 {
		return nil, fmt.Errorf("%s: line 1: want the columns %q and %q", path, keyNames[0], valueNames[0])
	}
	out := map[string]string{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if k >= len(rec) || v >= len(rec) {
			return nil, fmt.Errorf("%s: line %d: fewer columns than the header", path, line)
		}
		key, val := strings.TrimSpace(rec[k]), strings.TrimSpace(rec[v])
		if key == "" && val == "" {
			continue
		}
		if prev, dup := out[key]; dup && prev != val {
			return nil, fmt.Errorf("%s: line %d: %q maps to %q and to %q", path, line, key, prev, val)
		}
		out[key] = val
	}
}

// csvImport makes a Medusa price-list CSV the prices of a list.
func csvImport(e *env, args []string) error {
	fs := e.flagSet("csv import", "--list ID FILE|- [flags]")
	var f csvFlags
	f.register(fs)
	ignore := fs.Bool("ignore-unknown-columns", false, "ignore columns that are not the format's (Product Title, ...) instead of refusing the file")
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	opts, err := f.options()
	if err != nil {
		return err
	}
	opts.IgnoreUnknownColumns = *ignore
	r, size, name, err := e.openInput(pos[0])
	if err != nil {
		return err
	}
	defer r.Close()
	return e.withStore(false, func(s *store) error {
		pl, err := s.svc.PriceList(e.ctx, f.list)
		if err != nil {
			return err
		}
		p := e.newProgress("reading "+name, size, bytesUnit)
		prices, err := medusacsv.Import(e.ctx, s.svc, f.list, countingReader{r, p}, opts)
		p.finish()
		if err != nil {
			return err
		}
		if e.json {
			return e.writeJSON(map[string]any{"price_list_id": pl.ID, "prices": prices})
		}
		fmt.Fprintf(e.stdout, "price list %s (%s) now has the %s of %s\n", pl.ID, pl.Name, count(len(prices), "price"), name)
		return nil
	})
}

// csvExport writes a list's prices as a Medusa price-list CSV.
func csvExport(e *env, args []string) error {
	fs := e.flagSet("csv export", "--list ID [flags]")
	var f csvFlags
	f.register(fs)
	out := fs.String("out", "", "write to `file` instead of standard output")
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	opts, err := f.options()
	if err != nil {
		return err
	}
	return e.withStore(true, func(s *store) error {
		if *out == "" {
			return medusacsv.Export(e.ctx, s.svc, f.list, e.stdout, opts)
		}
		if err := writeFileAtomic(*out, func(w io.Writer) error {
			return medusacsv.Export(e.ctx, s.svc, f.list, w, opts)
		}); err != nil {
			return err
		}
		if e.json {
			return e.writeJSON(map[string]any{"price_list_id": f.list, "out": *out})
		}
		fmt.Fprintf(e.stdout, "exported the prices of price list %s to %s\n", f.list, *out)
		return nil
	})
}
