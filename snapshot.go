package pricing

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// A snapshot is a store's records as one JSON document, written by Service.Export and
// read by Service.Import into any store:
//
//	{"format": "pricing-snapshot", "version": 1,
//	 "customer_groups": [CustomerGroup, ...],
//	 "memberships":     [{"customer_group_id": "...", "customer_id": "..."}, ...],
//	 "price_lists":     [PriceList, ...],
//	 "prices":          [Price, ...]}
//
// Records have their JSON forms, with revision 0: a revision belongs to the journal of
// one store, and Import gives the records it writes its own. The sections come in this
// order, each optional, so
// that a record only refers to records before it; both sides stream them. A snapshot is
// also the format of test fixtures (package pricingtest): Import fills in what a
// hand-written record leaves out (generated IDs of prices, timestamps from the
// Service's clock).

// SnapshotFormat and SnapshotVersion identify a snapshot. Import reads this version and
// refuses a newer one.
const (
	SnapshotFormat  = "pricing-snapshot"
	SnapshotVersion = 1
)

// Membership is a customer's membership of a group, in a snapshot.
type Membership struct {
	CustomerGroupID string `json:"customer_group_id"`
	CustomerID      string `json:"customer_id"`
}

// ExportFilter selects the part of a store that Export writes. The zero filter selects
// everything.
type ExportFilter struct {
	// PriceListIDs, when set, keeps these price lists and their prices, the groups they
	// name and those groups' memberships, and no base prices.
	PriceListIDs []string `json:"price_list_ids,omitempty"`
	// VariantIDs, when set, keeps only the prices of these variants.
	VariantIDs []string `json:"variant_ids,omitempty"`
}

// ImportOptions configures Import. The zero value imports all or nothing.
type ImportOptions struct {
	// ChunkSize, when positive, writes the snapshot in transactions of at most that
	// many records, so that a large catalog does not make one huge transaction. Each
	// chunk is checked whole before it is written; a bad record stops the import, and
	// the chunks before it stay written (ImportStats says how many records).
	ChunkSize int
	// Progress, when set, is called after each transaction with the records written so
	// far.
	Progress func(ImportStats)
}

// ImportStats counts the records an import wrote.
type ImportStats struct {
	CustomerGroups int `json:"customer_groups"`
	Memberships    int `json:"memberships"`
	PriceLists     int `json:"price_lists"`
	Prices         int `json:"prices"`
}

// snapshotSections are the sections of a snapshot, in their order.
var snapshotSections = []string{"customer_groups", "memberships", "price_lists", "prices"}

// Export writes the records that f selects as a snapshot to w, read in one transaction
// so that they are one consistent state. A store's writers may wait while it runs
// (the memory store's do), so write to a buffer or a file, not to a slow client.
func (s *Service) Export(ctx context.Context, w io.Writer, f ExportFilter) error {
	bw := bufio.NewWriter(w)
	err := s.store.View(ctx, func(tx Tx) error {
		e := snapshotWriter{w: bw}
		e.raw(`{"format":"` + SnapshotFormat + `","version":` + fmt.Sprint(SnapshotVersion))
		lists, groups, err := exportLists(tx, f)
		if err != nil {
			return err
		}
		e.section("customer_groups")
		if err := eachGroup(tx, groups, func(g CustomerGroup) error { g.Revision = 0; return e.record(g) }); err != nil {
			return err
		}
		e.section("memberships")
		if err := eachGroup(tx, groups, func(g CustomerGroup) error {
			var err error
			if merr := tx.Members(g.ID, 0, func(c string) bool {
				err = e.record(Membership{g.ID, c})
				return err == nil
			}); merr != nil {
				return merr
			}
			return err
		}); err != nil {
			return err
		}
		e.section("price_lists")
		for _, pl := range lists {
			pl.Revision = 0
			if err := e.record(pl); err != nil {
				return err
			}
		}
		e.section("prices")
		if err := exportPrices(tx, f, lists, e.record); err != nil {
			return err
		}
		e.raw("]}\n")
		return e.err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// exportLists returns the lists f selects and the IDs of the groups to export (nil for
// every group).
func exportLists(tx Tx, f ExportFilter) (lists []PriceList, groups []string, err error) {
	if len(f.PriceListIDs) == 0 {
		err = tx.PriceLists(func(pl PriceList) bool { lists = append(lists, pl); return true })
		return lists, nil, err
	}
	groups = []string{}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(f.PriceListIDs))) {
		pl, err := getList(tx, id)
		if err != nil {
			return nil, nil, err
		}
		lists = append(lists, pl)
		groups = append(groups, pl.CustomerGroupIDs...)
	}
	slices.Sort(groups)
	return lists, slices.Compact(groups), nil
}

// eachGroup calls fn for every group, or for the groups of ids when it is not nil.
func eachGroup(tx Tx, ids []string, fn func(CustomerGroup) error) error {
	if ids == nil {
		var err error
		if gerr := tx.CustomerGroups(func(g CustomerGroup) bool { err = fn(g); return err == nil }); gerr != nil {
			return gerr
		}
		return err
	}
	for _, id := range ids {
		g, err := getGroup(tx, id)
		if err != nil {
			return err
		}
		if err := fn(g); err != nil {
			return err
		}
	}
	return nil
}

// exportPrices writes the prices f selects: those of the variants of f, or all; and of
// the lists of f (no base prices), or of every list and the base prices.
func exportPrices(tx Tx, f ExportFilter, lists []PriceList, write func(any) error) error {
	var err error
	keep := set(f.VariantIDs)
	visit := func(p Price) bool {
		if in(keep, p.VariantID) {
			p.Revision = 0
			err = write(p)
		}
		return err == nil
	}
	var iterErr error
	switch {
	case len(f.PriceListIDs) > 0:
		for _, pl := range lists {
			if iterErr = tx.PricesOfList(pl.ID, visit); iterErr != nil || err != nil {
				break
			}
		}
	case len(f.VariantIDs) > 0:
		for _, v := range slices.Compact(slices.Sorted(slices.Values(f.VariantIDs))) {
			if iterErr = tx.PricesOfVariant(v, visit); iterErr != nil || err != nil {
				break
			}
		}
	default:
		iterErr = tx.Prices(visit)
	}
	if iterErr != nil {
		return iterErr
	}
	return err
}

// snapshotWriter writes the JSON of a snapshot; err holds the first write error.
type snapshotWriter struct {
	w     *bufio.Writer
	first bool // the next record is the first of its section
	err   error
}

func (e *snapshotWriter) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

// section ends the previous section, if any, and starts the named one.
func (e *snapshotWriter) section(name string) {
	if name != snapshotSections[0] {
		e.raw("]")
	}
	e.raw(",\n\"" + name + "\":[")
	e.first = true
}

// record writes v as the next record of the section, on a line of its own.
func (e *snapshotWriter) record(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !e.first {
		e.raw(",")
	}
	e.first = false
	e.raw("\n")
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
	return e.err
}

// Import reads a snapshot (Export's, or a hand-written fixture) from r and writes its
// records to the store, keeping their IDs and timestamps. It checks every record as
// the Service's other operations do: IDs, names (unique among groups), metadata,
// prices, and references to groups and lists, in the snapshot or already in the store.
// A record whose ID (or group name, or price key) is taken is ErrAlreadyExists. A
// record may leave out its timestamps (the Service's clock fills them in) and a price
// its ID (generated). Bad records are ErrInvalid, naming the field by its place in the
// snapshot: "PriceLists[2].Name". Without ImportOptions.ChunkSize the import is one
// transaction: all of it, or nothing.
func (s *Service) Import(ctx context.Context, r io.Reader, opts *ImportOptions) (ImportStats, error) {
	if opts == nil {
		opts = &ImportOptions{}
	}
	im := importer{s: s, opts: opts}
	dec := json.NewDecoder(r)
	if err := im.read(ctx, dec); err != nil {
		return im.done, err
	}
	if err := im.flush(ctx); err != nil {
		return im.done, err
	}
	return im.done, nil
}

// importer reads a snapshot and writes it in chunks.
type importer struct {
	s     *Service
	opts  *ImportOptions
	chunk []importRecord
	seen  ImportStats // records read, for the names of bad fields
	done  ImportStats // records written
}

// importRecord is one record of a snapshot, checked on its own, with its field name.
type importRecord struct {
	field      string
	group      *CustomerGroup
	membership *Membership
	list       *PriceList
	price      *Price
	freshID    string // for a price without an ID
}

func invalidSnapshot(format string, args ...any) error {
	return &FieldError{Field: "snapshot", Reason: fmt.Sprintf(format, args...)}
}

// read decodes the snapshot, section by section, into chunks.
func (im *importer) read(ctx context.Context, dec *json.Decoder) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	next := 0 // the index in snapshotSections of the first section allowed next
	format, version := "", 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return invalidSnapshot("%v", err)
		}
		key, _ := tok.(string)
		switch key {
		case "format":
			if err := dec.Decode(&format); err != nil || format != SnapshotFormat {
				return invalidSnapshot("format is %q, want %q", format, SnapshotFormat)
			}
			continue
		case "version":
			if err := dec.Decode(&version); err != nil || version < 1 {
				return invalidSnapshot("bad version")
			}
			if version > SnapshotVersion {
				return invalidSnapshot("version %d is newer than this library reads (%d)", version, SnapshotVersion)
			}
			continue
		}
		i := slices.Index(snapshotSections, key)
		switch {
		case i < 0:
			return invalidSnapshot("unknown member %q", key)
		case i < next:
			return invalidSnapshot("section %q after a later one: the order is %v", key, snapshotSections)
		}
		next = i + 1
		if format == "" || version == 0 {
			return invalidSnapshot("format and version must come before the sections")
		}
		if err := im.section(ctx, dec, key); err != nil {
			return err
		}
	}
	if format == "" || version == 0 {
		return invalidSnapshot("no format and version: not a %s", SnapshotFormat)
	}
	return expectDelim(dec, '}')
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return invalidSnapshot("%v", err)
	}
	if tok != d {
		return invalidSnapshot("%v where %v was expected", tok, d)
	}
	return nil
}

// section decodes the records of one section, checks each, and writes the chunks that
// fill up.
func (im *importer) section(ctx context.Context, dec *json.Decoder, name string) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		var rec importRecord
		var err error
		switch name {
		case "customer_groups":
			rec.field = fmt.Sprintf("CustomerGroups[%d]", im.seen.CustomerGroups)
			im.seen.CustomerGroups++
			rec.group = new(CustomerGroup)
			err = dec.Decode(rec.group)
		case "memberships":
			rec.field = fmt.Sprintf("Memberships[%d]", im.seen.Memberships)
			im.seen.Memberships++
			rec.membership = new(Membership)
			err = dec.Decode(rec.membership)
		case "price_lists":
			rec.field = fmt.Sprintf("PriceLists[%d]", im.seen.PriceLists)
			im.seen.PriceLists++
			rec.list = new(PriceList)
			err = dec.Decode(rec.list)
		case "prices":
			rec.field = fmt.Sprintf("Prices[%d]", im.seen.Prices)
			im.seen.Prices++
			rec.price = new(Price)
			err = dec.Decode(rec.price)
		}
		if err != nil {
			return &FieldError{Field: rec.field, Reason: "not a record of its section: " + err.Error()}
		}
		if err := im.s.checkRecord(&rec); err != nil {
			return err
		}
		im.chunk = append(im.chunk, rec)
		if im.opts.ChunkSize > 0 && len(im.chunk) >= im.opts.ChunkSize {
			if err := im.flush(ctx); err != nil {
				return err
			}
		}
	}
	return expectDelim(dec, ']')
}

// checkRecord validates a record on its own and fills in what it may leave out.
func (s *Service) checkRecord(rec *importRecord) error {
	var fe fieldErrors
	f := func(name string) string { return rec.field + "." + name }
	now := s.clock()
	stamp := func(created, updated *time.Time) {
		*created, *updated = utc(*created), utc(*updated)
		if created.IsZero() {
			*created = now
		}
		if updated.IsZero() {
			*updated = *created
		}
	}
	switch {
	case rec.group != nil:
		checkID(&fe, f("ID"), rec.group.ID)
		*rec.group = checkGroup(&fe, rec.field+".", *rec.group)
		stamp(&rec.group.CreatedAt, &rec.group.UpdatedAt)
	case rec.membership != nil:
		checkID(&fe, f("CustomerGroupID"), rec.membership.CustomerGroupID)
		checkID(&fe, f("CustomerID"), rec.membership.CustomerID)
	case rec.list != nil:
		checkID(&fe, f("ID"), rec.list.ID)
		*rec.list = checkList(&fe, rec.field+".", *rec.list)
		stamp(&rec.list.CreatedAt, &rec.list.UpdatedAt)
	case rec.price != nil:
		p := rec.price
		if p.PriceListID != "" {
			checkID(&fe, f("PriceListID"), p.PriceListID)
		}
		checked := s.checkPrice(&fe, f, PriceInput{ID: p.ID, VariantID: p.VariantID, CurrencyCode: p.CurrencyCode,
			RegionID: p.RegionID, Amount: p.Amount, MinQuantity: p.MinQuantity, MaxQuantity: p.MaxQuantity,
			IncludesTax: p.IncludesTax}, "")
		checked.PriceListID = p.PriceListID
		*p = checked
		if p.ID == "" {
			rec.freshID = s.newID()
		}
	}
	return fe.err()
}

// flush writes the chunk in one transaction.
func (im *importer) flush(ctx context.Context) error {
	if len(im.chunk) == 0 {
		return nil
	}
	var n ImportStats
	_, err := im.s.update(ctx, func(tx Tx) error {
		n = ImportStats{}
		for _, rec := range im.chunk {
			if err := im.s.writeRecord(tx, rec, &n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	im.chunk = im.chunk[:0]
	im.done.CustomerGroups += n.CustomerGroups
	im.done.Memberships += n.Memberships
	im.done.PriceLists += n.PriceLists
	im.done.Prices += n.Prices
	if im.opts.Progress != nil {
		im.opts.Progress(im.done)
	}
	return nil
}

// writeRecord checks a record against the store and writes it.
func (s *Service) writeRecord(tx Tx, rec importRecord, n *ImportStats) error {
	switch {
	case rec.group != nil:
		if err := absent(tx.CustomerGroup(rec.group.ID)); err != nil {
			return taken(err, "%s: customer group ID %q is taken", rec.field, rec.group.ID)
		}
		if err := putGroup(tx, *rec.group); err != nil {
			return err
		}
		n.CustomerGroups++
	case rec.membership != nil:
		m := rec.membership
		if _, err := getGroup(tx, m.CustomerGroupID); err != nil {
			return err
		}
		if err := tx.AddMember(m.CustomerGroupID, m.CustomerID); err != nil {
			return err
		}
		n.Memberships++
	case rec.list != nil:
		if err := absent(tx.PriceList(rec.list.ID)); err != nil {
			return taken(err, "%s: price list ID %q is taken", rec.field, rec.list.ID)
		}
		if err := groupsExist(tx, rec.list.CustomerGroupIDs); err != nil {
			return err
		}
		if err := tx.PutPriceList(rec.list.Clone()); err != nil {
			return err
		}
		n.PriceLists++
	case rec.price != nil:
		p := *rec.price
		if p.ID == "" {
			p.ID = rec.freshID
		} else if err := absent(tx.Price(p.ID)); err != nil {
			return taken(err, "%s: price ID %q is taken", rec.field, p.ID)
		}
		if p.PriceListID != "" {
			pl, err := getList(tx, p.PriceListID)
			if err != nil {
				return err
			}
			if p.IncludesTax && !pl.IncludesTax {
				return &FieldError{Field: rec.field + ".IncludesTax", Reason: listTaxReason}
			}
			p.IncludesTax = pl.IncludesTax
		}
		if err := checkKeyFree(tx, p); err != nil {
			return err
		}
		if err := tx.PutPrice(p); err != nil {
			return err
		}
		n.Prices++
	}
	return nil
}
