package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/commercekit/pricing"
)

// export writes a snapshot of the store.
func export(e *env, args []string) error {
	fs := e.flagSet("export", "[flags]")
	var lists, variants stringList
	fs.Var(&lists, "list", "export the list `ID`, its prices, its groups and their members (no base prices); may repeat")
	fs.Var(&variants, "variant", "export only the prices of the variant `ID`; may repeat")
	out := fs.String("out", "", "write to `file` instead of standard output (replaced only when the export is whole)")
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	f := pricing.ExportFilter{PriceListIDs: lists, VariantIDs: variants}
	return e.withStore(true, func(s *store) error {
		var p *progress
		if e.progressOn() {
			total, err := snapshotRecords(e, s.svc, f)
			if err != nil {
				return err
			}
			p = e.newProgress("exporting", total+snapshotLines, recordsUnit)
		}
		counter := &lines{p: p}
		var err error
		if *out == "" {
			counter.w = e.stdout
			err = s.svc.Export(e.ctx, counter, f)
		} else {
			err = writeFileAtomic(*out, func(w io.Writer) error {
				counter.w = w
				return s.svc.Export(e.ctx, counter, f)
			})
		}
		p.finish()
		if err != nil || *out == "" {
			return err
		}
		records := counter.n - snapshotLines
		if e.json {
			return e.writeJSON(map[string]any{"out": *out, "records": records})
		}
		fmt.Fprintf(e.stdout, "exported %s to %s\n", count(int(records), "record"), *out)
		return nil
	})
}

// snapshotLines is how many newlines of a snapshot do not end a record: those that
// start its four sections, and its last.
const snapshotLines = 5

// progressOn reports whether newProgress draws.
func (e *env) progressOn() bool { return e.progress || isTerminal(e.stderr) }

// snapshotRecords counts the records that Export writes for f, for a progress bar.
func snapshotRecords(e *env, svc *pricing.Service, f pricing.ExportFilter) (int64, error) {
	ctx := e.ctx
	var groups []string
	var total int64
	if len(f.PriceListIDs) == 0 {
		all, _, err := svc.ListCustomerGroups(ctx, pricing.CustomerGroupFilter{})
		if err != nil {
			return 0, err
		}
		for _, g := range all {
			groups = append(groups, g.ID)
		}
		_, n, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{Limit: 1})
		if err != nil {
			return 0, err
		}
		_, m, err := svc.ListPrices(ctx, pricing.PriceFilter{VariantIDs: f.VariantIDs, Limit: 1})
		if err != nil {
			return 0, err
		}
		total += int64(n + m)
	} else {
		seen := map[string]bool{}
		for _, id := range f.PriceListIDs {
			pl, err := svc.PriceList(ctx, id)
			if err != nil {
				return 0, err
			}
			_, m, err := svc.ListPrices(ctx, pricing.PriceFilter{PriceListID: id, VariantIDs: f.VariantIDs, Limit: 1})
			if err != nil {
				return 0, err
			}
			total += int64(1 + m)
			for _, g := range pl.CustomerGroupIDs {
				if !seen[g] {
					seen[g] = true
					groups = append(groups, g)
				}
			}
		}
	}
	for _, g := range groups {
		_, n, err := svc.GroupCustomers(ctx, g, 1, 0)
		if err != nil {
			return 0, err
		}
		total += int64(1 + n)
	}
	return total, nil
}

// lines counts the lines written through it, into a progress bar too.
type lines struct {
	w io.Writer
	p *progress
	n int64
}

func (l *lines) Write(b []byte) (int, error) {
	n, err := l.w.Write(b)
	k := int64(strings.Count(string(b[:n]), "\n"))
	l.n += k
	l.p.add(k)
	return n, err
}

// writeFileAtomic writes a file through a temporary file in the same directory, which
// replaces path only when write succeeds.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// openInput opens the file of an argument, "-" for standard input, and returns its
// size when it is known (0 otherwise) and a name for messages.
func (e *env) openInput(arg string) (r io.ReadCloser, size int64, name string, err error) {
	if arg == "-" {
		return io.NopCloser(e.stdin), 0, "standard input", nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, 0, "", err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, arg, nil
}

// importSnapshot loads a snapshot into the store.
func importSnapshot(e *env, args []string) error {
	fs := e.flagSet("import", "FILE|- [flags]")
	chunk := fs.Int("chunk", 0, "write in transactions of at most `N` records (0: one transaction, all or nothing); a bad record stops the import, and the chunks before it stay")
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	r, size, name, err := e.openInput(pos[0])
	if err != nil {
		return err
	}
	defer r.Close()
	return e.withStore(false, func(s *store) error {
		p := e.newProgress("importing "+name, size, bytesUnit)
		stats, err := s.svc.Import(e.ctx, countingReader{r, p}, &pricing.ImportOptions{ChunkSize: *chunk})
		p.finish()
		if err != nil {
			if stats != (pricing.ImportStats{}) {
				fmt.Fprintf(e.stderr, "pricing: written before the error: %s\n", statsText(stats))
			} else if *chunk == 0 || errors.Is(err, pricing.ErrInvalid) {
				fmt.Fprintln(e.stderr, "pricing: nothing was written")
			}
			return err
		}
		if e.json {
			return e.writeJSON(stats)
		}
		fmt.Fprintf(e.stdout, "imported %s\n", statsText(stats))
		return nil
	})
}

func statsText(s pricing.ImportStats) string {
	return fmt.Sprintf("%s, %s, %s and %s", count(s.CustomerGroups, "customer group"), count(s.Memberships, "membership"),
		count(s.PriceLists, "price list"), count(s.Prices, "price"))
}
