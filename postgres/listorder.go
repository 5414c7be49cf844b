package postgres

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/commercekit/pricing"
)

// The listings' capabilities: pricing.PriceListOrderer over the indexes of schema
// version 4 (price_lists_created_idx, _updated_idx and _name_idx), and
// pricing.MemberPager over the primary key of customer_group_members. Each reads after
// the transaction's buffered writes (queryRows sends them first), so an Update sees
// its own.

var (
	_ pricing.PriceListOrderer = (*tx)(nil)
	_ pricing.MemberPager      = (*tx)(nil)
)

// headCols are the columns of a list's head, in scanHead's order: its terms, name and
// times, without its description and metadata, and its name_key (the position of the
// order by name).
const headCols = `id, name, type, status, starts_at, starts_ns, ends_at, ends_ns,
		customer_group_ids, customer_ids, channel_ids, adjustment_percent, adjustment_rounding,
		includes_tax, created_at, created_ns, updated_at, updated_ns, name_key`

// maxWalkPage is the most rows one statement of a walk reads: the first reads
// firstPage, each next 8 times more, so that a walk that stops early reads little and
// one that goes on costs a few round trips.
const maxWalkPage = 1 << 13

// orderStatements are the statements of one order: the walk from the first list, and
// the walk after a position, each with a limit.
type orderStatements struct {
	field       string // "created_at", "updated_at" or "name"
	first, next string
}

// newOrderStatements returns the statements of the six orders, by order. The
// ascending ones compare the index's columns as a row, the descending ones scan the
// same index backward.
func newOrderStatements(q func(string) string) map[string]*orderStatements {
	m := map[string]*orderStatements{}
	for _, o := range []struct{ field, cols, params string }{
		{"created_at", "created_at, created_ns, id", "$1::timestamptz, $2::int2, $3"},
		{"updated_at", "updated_at, updated_ns, id", "$1::timestamptz, $2::int2, $3"},
		{"name", "name_key, id", "$1, $2"},
	} {
		n := strings.Count(o.params, "$")
		for _, desc := range []bool{false, true} {
			order, cmpOp, by := o.field, ">", o.cols
			if desc {
				order, cmpOp = "-"+o.field, "<"
				by = strings.ReplaceAll(o.cols, ",", " DESC,") + " DESC"
			}
			m[order] = &orderStatements{
				field: o.field,
				first: q(`SELECT ` + headCols + ` FROM {s}.price_lists ORDER BY ` + by + ` LIMIT $1`),
				next: q(`SELECT ` + headCols + ` FROM {s}.price_lists WHERE (` + o.cols + `) ` + cmpOp + ` (` + o.params + `)
					ORDER BY ` + by + ` LIMIT $` + fmt.Sprint(n+1)),
			}
		}
	}
	return m
}

// headRow is a row of headCols.
type headRow struct {
	listRow
	nameKey string
}

func (r *headRow) scan(row pgx.Row) error {
	var (
		percent  pgtype.Float8
		rounding pgtype.Text
	)
	err := row.Scan(&r.id, &r.name, &r.typ, &r.status, &r.starts, &r.startsNs, &r.ends, &r.endsNs,
		&r.groups, &r.customers, &r.channels, &percent, &rounding,
		&r.includesTax, &r.created, &r.createdNs, &r.updated, &r.updatedNs, &r.nameKey)
	if err != nil {
		return err
	}
	r.adjustment, err = decodeAdjustment(r.id, percent, rounding)
	return err
}

// head returns the list's head; its slices and Adjustment are the row's (read-only).
func (r *listRow) head() pricing.PriceListHead {
	return pricing.PriceListHead{PriceListTerms: r.terms(), Name: r.name,
		CreatedAt: fromInstant(r.created, r.createdNs), UpdatedAt: fromInstant(r.updated, r.updatedNs)}
}

// positionArgs returns the arguments of a walk's statement that continues after p in
// the order's field, and whether p can be sent at all: a position whose strings text
// cannot hold, or whose instant timestamptz cannot, cannot (a cursor is the caller's
// input).
func positionArgs(field string, p *pricing.ListPosition) ([]any, bool) {
	if !textOK(p.ID) {
		return nil, false
	}
	if field == "name" {
		return []any{p.Name, p.ID}, textOK(p.Name)
	}
	if checkTime("", p.Time) != nil {
		return nil, false
	}
	ts, ns := instant(p.Time, false)
	return []any{ts, ns, p.ID}, true
}

// rowArgs returns the arguments of the position of the row r in the order's field.
func rowArgs(field string, r *headRow) []any {
	switch field {
	case "created_at":
		return []any{r.created, r.createdNs, r.id}
	case "updated_at":
		return []any{r.updated, r.updatedNs, r.id}
	}
	return []any{r.nameKey, r.id}
}

// after reports whether the row r comes after the position p in the order, as the
// statements compare: for the positions the server cannot be sent.
func (r *headRow) after(field string, desc bool, p *pricing.ListPosition) bool {
	var c int
	switch field {
	case "created_at":
		c = fromInstant(r.created, r.createdNs).Compare(p.Time)
	case "updated_at":
		c = fromInstant(r.updated, r.updatedNs).Compare(p.Time)
	default:
		c = strings.Compare(r.nameKey, p.Name)
	}
	if c == 0 {
		c = cmp.Compare(r.id, p.ID)
	}
	if desc {
		return c < 0
	}
	return c > 0
}

// PriceListsInOrder implements pricing.PriceListOrderer: keyset pages of the order's
// index, of firstPage rows, then 8 times more each up to maxWalkPage. A position the
// server cannot be sent (a string with NUL or invalid UTF-8, an instant out of
// timestamptz's range: a forged cursor) is compared in Go, on a walk from the first
// list. The lists it hands fn are the transaction's read-ahead (see tx.list).
func (t *tx) PriceListsInOrder(order string, after *pricing.ListPosition, fn func(*pricing.PriceListHead) bool) error {
	o, ok := t.st.orders[order]
	if !ok {
		return fmt.Errorf("postgres: price lists in the order %q: not an order: %w", order, pricing.ErrInvalid)
	}
	desc := strings.HasPrefix(order, "-")
	var args []any
	var skip *pricing.ListPosition // the position compared in Go
	if after != nil {
		var ok bool
		if args, ok = positionArgs(o.field, after); !ok {
			args, skip = nil, after
		}
	}
	t.ahead.reset()
	// fn is called as the rows arrive (it must not use the Tx, and keeps nothing of a
	// head), with one row reused; once it stops, the rest of the statement's rows are
	// not decoded.
	var (
		r       headRow
		n       int
		stopped bool
	)
	scan := func(rows pgx.Rows) error {
		n++
		if stopped {
			return nil
		}
		if err := r.scan(rows); err != nil {
			return err
		}
		if skip == nil || r.after(o.field, desc, skip) {
			h := r.head()
			t.ahead.add(r.id)
			stopped = !fn(&h)
		}
		return nil
	}
	for limit := firstPage; ; limit = min(8*limit, maxWalkPage) {
		n = 0
		var err error
		if args == nil {
			err = t.queryRows(o.first, []any{limit}, scan)
		} else {
			err = t.queryRows(o.next, append(args, limit), scan)
		}
		if err != nil || stopped || n < limit {
			return err
		}
		args = rowArgs(o.field, &r) // the last row's
	}
}

// PriceListHead implements pricing.PriceListOrderer: the transaction's list, read with
// the read-ahead of tx.list.
func (t *tx) PriceListHead(id string) (pricing.PriceListHead, error) {
	e, err := t.list(id)
	switch {
	case err != nil:
		return pricing.PriceListHead{}, err
	case !e.present:
		return pricing.PriceListHead{}, notFound("price list", id)
	}
	return e.row.head(), nil
}

// CountPriceLists implements pricing.PriceListOrderer: the sum of the counts of lists of
// the 64 stripes of price_list_versions, which the statements that insert and delete
// lists keep.
func (t *tx) CountPriceLists() (int, error) {
	var n int64
	err := t.queryRows(t.st.countLists, nil, func(rows pgx.Rows) error { return rows.Scan(&n) })
	return int(n), err
}

// MembersAfter implements pricing.MemberPager: keyset pages of the primary key of
// customer_group_members, growing as PriceListsInOrder's. An after that text cannot
// hold is compared in Go, from the group's first member.
func (t *tx) MembersAfter(groupID, after string, fn func(customerID string) bool) error {
	if !textOK(groupID) {
		return nil
	}
	from, skip := after, false
	if !textOK(after) {
		from, skip = "", true
	}
	var page []string
	scan := func(rows pgx.Rows) error {
		var id string
		err := rows.Scan(&id)
		page = append(page, id)
		return err
	}
	for limit := firstPage; ; limit = min(8*limit, maxWalkPage) {
		page = page[:0]
		if err := t.queryRows(t.st.membersAfterLimit, []any{groupID, from, limit}, scan); err != nil {
			return err
		}
		for _, id := range page {
			if skip && id <= after {
				continue
			}
			if !fn(id) {
				return nil
			}
		}
		if len(page) < limit {
			return nil
		}
		from = page[len(page)-1]
	}
}

// readAhead is what a transaction reads ahead of its lookups of lists by ID: the IDs of
// the lists its last walk handed out (PriceListsInOrder), or its lookups of a group's
// lists returned (AppendPriceListIDsOfGroup), in their order. A listing reads the
// records of its page next, one by one: a lookup that the cache misses reads, in one
// statement, the records of the IDs from it on, so that a page costs a round trip,
// not one per list. How many: minAheadWindow the first time after a walk, then twice
// as many as the lookups that the last read answered, up to maxAheadWindow. A page
// of a filter that few lists match looks up few of the lists that its walk handed
// out, and so falls back to reading one or two lists at a time instead of reading
// records that no one asks for.
type readAhead struct {
	ids  []string
	pos  int // where the search for the next miss starts
	read bool
	hits int // lookups of the lists of the last read, the missed one's included
}

// The read-ahead's bounds: the IDs it keeps, and the records one read takes.
const (
	maxAheadIDs    = 1 << 16
	minAheadWindow = 256
	maxAheadWindow = 4096
)

func (a *readAhead) reset() {
	clear(a.ids)
	a.ids, a.pos, a.read, a.hits = a.ids[:0], 0, false, 0
}

func (a *readAhead) add(id string) {
	if len(a.ids) >= maxAheadIDs {
		a.reset()
	}
	a.ids = append(a.ids, id)
	a.read = false // a new listing: its first read takes minAheadWindow
}

// take returns the IDs to read with id, which the cache missed: id and the IDs after
// it for which cached is false, up to the window; nil when id is not one of the IDs.
func (a *readAhead) take(id string, cached func(string) bool) []string {
	i := -1
	for j := a.pos; j < len(a.ids); j++ {
		if a.ids[j] == id {
			i = j
			break
		}
	}
	for j := 0; i < 0 && j < min(a.pos, len(a.ids)); j++ {
		if a.ids[j] == id {
			i = j
		}
	}
	if i < 0 {
		return nil
	}
	window := minAheadWindow
	if a.read {
		window = min(2*a.hits, maxAheadWindow)
	}
	a.read, a.hits = true, 1
	ids := []string{id}
	j := i + 1
	for ; j < len(a.ids) && len(ids) < window; j++ {
		if !cached(a.ids[j]) {
			ids = append(ids, a.ids[j])
		}
	}
	a.pos = j
	return ids
}

// readLists reads the lists with the IDs into the cache, those missing as absent.
func (t *tx) readLists(ids []string) error {
	err := t.queryRows(t.st.listsByID, []any{ids}, func(rows pgx.Rows) error {
		e := &listEntry{present: true, ahead: true}
		if err := e.row.scan(rows); err != nil {
			return err
		}
		t.lists[e.row.id] = e
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, ok := t.lists[id]; !ok {
			t.lists[id] = &listEntry{}
		}
	}
	return nil
}
