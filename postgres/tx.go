package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commercekit/pricing"
)

// conn is what a transaction sends its statements on: a connection of the pool, or a
// host's pgx.Tx.
type conn interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
}

// closer reports a closed connection, for classify.
type closer interface{ IsClosed() bool }

// Errors of the transaction's own making.
var (
	errReadOnly = errors.New("postgres: write in a read-only transaction")
	errTxDone   = errors.New("postgres: transaction used after its function returned")
	// errNoPriceKey is PriceIDByKey's answer for a free key: a bulk write of new prices
	// asks once per price, so it is not formatted each time.
	errNoPriceKey = fmt.Errorf("postgres: no price has that key: %w", pricing.ErrNotFound)
)

// firstPage is the number of rows the first read of an iteration asks for: an
// iteration that stops early reads little, one that goes on reads the rest at once.
const firstPage = 128

// tx is a pricing.Tx: one transaction on one connection. Its writes are buffered
// (writes.go) and sent before the next read of the server, or with the commit; its
// reads are cached (cache.go). The statement that begins the transaction goes in the
// same round trip as the first statement, and the commit in the same as the last
// writes.
type tx struct {
	ctx      context.Context
	st       *statements
	conn     conn
	readOnly bool

	begin    string // sent before the first statement
	lock     string // sent after begin: an Update's lock of the transaction_lock table
	commit   string // sent after the last writes when fn succeeds; "" for none
	rollback string // sent when fn fails, if the transaction began
	begun    bool   // begin was sent
	done     bool   // fn returned: the Tx must not be used
	fail     *txFailure

	w        writes
	stripes  uint64 // the stripes of the lists written: their versions go up at commit
	groups   map[string]*groupEntry
	nameKeys map[string]string // name key → group ID, "" when free
	lists    map[string]*listEntry
	ahead    readAhead // the lists to read with the next miss of lists (listorder.go)
	prices   *priceCache
	members  *memberCache

	// The journal (journal.go).
	lastRev      int64 // LastRevision, once read
	lastRevKnown bool
	rev          int64 // the Update's revision, once asked
	wroteEntry   bool  // WriteJournal buffered the Update's entry
	// readsRevision: the statements that begin the transaction read the counter (a
	// SERIALIZABLE Update of the Store), so that Revision needs no round trip of its
	// own; lockPending: the lock of the counter is to go with the next statements.
	readsRevision, lockPending bool
}

func newTx(ctx context.Context, st *statements, c conn, readOnly bool) *tx {
	return &tx{
		ctx: ctx, st: st, conn: c, readOnly: readOnly,
		groups: map[string]*groupEntry{}, nameKeys: map[string]string{}, lists: map[string]*listEntry{},
		prices: newPriceCache(), members: newMemberCache(),
	}
}

var (
	_ pricing.Tx             = (*tx)(nil)
	_ pricing.AdjustedLister = (*tx)(nil)
)

// run runs fn in the transaction and commits it, or rolls it back when fn fails or
// panics. It returns a failure of the transaction itself, else fn's error.
func (t *tx) run(fn func(pricing.Tx) error) (f *txFailure, err error) {
	committed := false
	defer func() {
		t.done = true
		if !committed {
			t.abort()
		}
	}()
	err = fn(t)
	switch {
	case t.fail != nil && (t.fail.retry || err == nil):
		return t.fail, nil
	case err != nil:
		return nil, err
	}
	if f := t.finish(); f != nil {
		return f, nil
	}
	committed = true
	return nil, nil
}

// finish sends the buffered writes and the commit in one round trip.
func (t *tx) finish() *txFailure {
	if !t.begun && t.w.empty() {
		return nil // nothing was sent, nothing was written
	}
	if !t.wroteEntry {
		t.lockPending = false // the revision was asked, and not taken
	}
	err := t.send(func(b *pgx.Batch) {
		if t.stripes != 0 {
			var bumped []int16
			for i := range numStripes {
				if t.stripes&(1<<i) != 0 {
					bumped = append(bumped, int16(i))
				}
			}
			b.Queue(t.st.bumpVersions, bumped)
		}
		if t.commit != "" {
			b.Queue(t.commit)
		}
	})
	if err == nil {
		return nil
	}
	f := t.fail
	if f == nil {
		return &txFailure{err: err}
	}
	if f.connLost && t.commit != "" {
		// The COMMIT may have reached the server before the connection broke.
		return &txFailure{err: fmt.Errorf("%w: %w", ErrCommitUnknown, f.err)}
	}
	return f
}

// abort rolls the transaction back, if it began. It runs even when ctx is done, for at
// most a few seconds; if it fails, the pool discards the connection (it is not idle).
func (t *tx) abort() {
	if !t.begun || t.rollback == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 5*time.Second)
	defer cancel()
	// One simple-protocol Exec: pgx would first prepare a statement of a batch, which
	// an aborted transaction refuses.
	_, _ = t.conn.Exec(ctx, t.rollback)
}

// send sends, in one round trip, the statement that begins the transaction if not sent
// yet, the buffered writes, and the statements queue adds, whose callbacks read their
// results. A failure breaks the transaction: every later call returns it.
func (t *tx) send(queue func(b *pgx.Batch)) error {
	if t.fail != nil {
		return t.fail
	}
	if t.done {
		return errTxDone
	}
	if err := t.ctx.Err(); err != nil {
		t.fail = &txFailure{err: err}
		return t.fail
	}
	b := t.newBatch()
	for i := range t.w.ops {
		o := &t.w.ops[i]
		if o.kind == wPutPrices && len(o.prices) >= copyMin {
			var err error
			if b, err = t.copyPrices(b, o); err != nil {
				t.w.reset()
				return t.failWith(err)
			}
			continue
		}
		if o.kind == wJournal && o.entry.items >= journalCopyMin {
			var err error
			if b, err = t.copyJournal(b, o.entry); err != nil {
				t.w.reset()
				return t.failWith(err)
			}
			continue
		}
		if o.kind == wJournal && t.lockPending {
			t.queueLock(b) // as late as can be: the lock is held to the commit
		}
		o.queue(b, t.st)
	}
	t.w.reset()
	if queue != nil {
		queue(b)
	}
	if len(b.QueuedQueries) == 0 {
		return nil
	}
	t.begun = true
	if err := t.conn.SendBatch(t.ctx, b).Close(); err != nil {
		return t.failWith(err)
	}
	return nil
}

// newBatch returns a batch that begins with the statements that begin the transaction,
// if they were not sent yet.
func (t *tx) newBatch() *pgx.Batch {
	b := &pgx.Batch{}
	if !t.begun && t.begin != "" {
		b.Queue(t.begin)
		if t.lock != "" {
			b.Queue(t.lock)
		}
		if t.readsRevision {
			b.Queue(t.st.lastRevision).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					if err := rows.Scan(&t.lastRev); err != nil {
						return err
					}
					t.lastRevKnown = true
				}
				return rows.Err()
			})
		}
	}
	return b
}

// failWith breaks the transaction with the failure of a statement.
func (t *tx) failWith(err error) error {
	c, _ := t.conn.(closer)
	t.fail = classify(t.ctx, c, err)
	return t.fail
}

// copyMin is the number of prices of a run of writes from which they are written with
// COPY rather than in one INSERT ... ON CONFLICT statement of the batch.
const copyMin = 1000

// copyPrices writes a run of prices: the prices whose IDs may exist are looked up, in
// the batch b of the statements before them, which it sends; those that exist are
// updated, the others copied in with COPY, in round trips of their own. (Updates come
// first: a new price may take a key an updated one gives up; the key constraint is
// checked at the end of each statement.) It returns a new batch for the statements
// after them.
func (t *tx) copyPrices(b *pgx.Batch, o *write) (*pgx.Batch, error) {
	var maybe []string
	present := map[string]bool{}
	for i, p := range o.prices {
		switch o.was[i] {
		case idUnknown:
			maybe = append(maybe, p.ID)
		case idTaken:
			present[p.ID] = true
		}
	}
	if len(maybe) > 0 {
		b.Queue(t.st.existingPrices, maybe).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				present[id] = true
			}
			return rows.Err()
		})
	}
	if len(b.QueuedQueries) > 0 {
		t.begun = true
		if err := t.conn.SendBatch(t.ctx, b).Close(); err != nil {
			return nil, err
		}
	}
	var updates, inserts []pricing.Price
	for _, p := range o.prices {
		if present[p.ID] {
			updates = append(updates, p)
		} else {
			inserts = append(inserts, p)
		}
	}
	if len(updates) > 0 {
		if _, err := t.conn.Exec(t.ctx, t.st.updatePrices, priceColumns(updates)...); err != nil {
			return nil, err
		}
	}
	if len(inserts) > 0 {
		_, err := t.conn.CopyFrom(t.ctx, t.st.pricesTable, priceColumnNames, pgx.CopyFromSlice(len(inserts), func(i int) ([]any, error) {
			p := &inserts[i]
			return []any{p.ID, p.PriceListID, p.VariantID, p.CurrencyCode, p.RegionID, p.MinQuantity, p.MaxQuantity, p.Amount, p.IncludesTax, p.Revision}, nil
		}))
		if err != nil {
			return nil, err
		}
	}
	return &pgx.Batch{}, nil
}

// queryRows runs one query, after the buffered writes, and calls scan for each row.
func (t *tx) queryRows(sql string, args []any, scan func(rows pgx.Rows) error) error {
	return t.send(func(b *pgx.Batch) {
		b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		})
	})
}

// notFound returns the error of a missing record. With the journal, the Service asks
// for each price it writes whether it exists: the error is formatted only if read.
func notFound(what, id string) error {
	return &notFoundError{what: what, id: id}
}

type notFoundError struct{ what, id string }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("postgres: %s %q: %v", e.what, e.id, pricing.ErrNotFound)
}

func (e *notFoundError) Unwrap() error { return pricing.ErrNotFound }

// ---- customer groups ----

// group returns the cached entry of the group, reading it when not cached.
func (t *tx) group(id string) (*groupEntry, error) {
	if e, ok := t.groups[id]; ok {
		return e, nil
	}
	e := &groupEntry{}
	if textOK(id) {
		err := t.queryRows(t.st.group, []any{id}, func(rows pgx.Rows) error {
			e.present = true
			return e.row.scan(rows)
		})
		if err != nil {
			return nil, err
		}
	}
	t.groups[id] = e
	if e.present {
		if _, ok := t.nameKeys[e.row.nameKey]; !ok {
			t.nameKeys[e.row.nameKey] = id
		}
	}
	return e, nil
}

// CustomerGroup implements pricing.Tx.
func (t *tx) CustomerGroup(id string) (pricing.CustomerGroup, error) {
	e, err := t.group(id)
	switch {
	case err != nil:
		return pricing.CustomerGroup{}, err
	case !e.present:
		return pricing.CustomerGroup{}, notFound("customer group", id)
	}
	return e.row.group()
}

// groupByNameKey returns the ID of the group holding the name key, "" for none.
func (t *tx) groupByNameKey(key string) (string, error) {
	if id, ok := t.nameKeys[key]; ok {
		return id, nil
	}
	var id string
	if textOK(key) {
		if err := t.queryRows(t.st.groupIDByNameKey, []any{key}, func(rows pgx.Rows) error {
			return rows.Scan(&id)
		}); err != nil {
			return "", err
		}
	}
	t.nameKeys[key] = id
	return id, nil
}

// CustomerGroupIDByNameKey implements pricing.Tx.
func (t *tx) CustomerGroupIDByNameKey(nameKey string) (string, error) {
	id, err := t.groupByNameKey(nameKey)
	if err == nil && id == "" {
		err = notFound("customer group name key", nameKey)
	}
	return id, err
}

// CustomerGroups implements pricing.Tx.
func (t *tx) CustomerGroups(fn func(pricing.CustomerGroup) bool) error {
	var page []groupRow
	scan := func(rows pgx.Rows) error {
		var r groupRow
		err := r.scan(rows)
		page = append(page, r)
		return err
	}
	if err := t.queryRows(t.st.groups, []any{firstPage}, scan); err != nil {
		return err
	}
	for first := true; ; first = false {
		for i := range page {
			g, err := page[i].group()
			if err != nil {
				return err
			}
			if !fn(g) {
				return nil
			}
		}
		if !first || len(page) < firstPage {
			return nil
		}
		last := page[len(page)-1].id
		page = page[:0]
		if err := t.queryRows(t.st.groupsAfter, []any{last}, scan); err != nil {
			return err
		}
	}
}

// PutCustomerGroup implements pricing.Tx.
func (t *tx) PutCustomerGroup(g pricing.CustomerGroup, nameKey string) error {
	if t.readOnly {
		return errReadOnly
	}
	r, err := newGroupRow(g, nameKey)
	if err != nil {
		return err
	}
	holder, err := t.groupByNameKey(nameKey)
	if err != nil {
		return err
	}
	if holder != "" && holder != g.ID {
		return fmt.Errorf("postgres: customer group name key %q is held by group %q: %w", nameKey, holder, pricing.ErrAlreadyExists)
	}
	t.freeNameKeys(g.ID)
	t.nameKeys[nameKey] = g.ID
	t.groups[g.ID] = &groupEntry{present: true, row: r}
	t.w.putGroup(r)
	return nil
}

// freeNameKeys records that the group holds none of the keys it held.
func (t *tx) freeNameKeys(id string) {
	for k, v := range t.nameKeys {
		if v == id {
			t.nameKeys[k] = ""
		}
	}
}

// DeleteCustomerGroup implements pricing.Tx.
func (t *tx) DeleteCustomerGroup(id string) error {
	if t.readOnly {
		return errReadOnly
	}
	e, err := t.group(id)
	switch {
	case err != nil:
		return err
	case !e.present:
		return notFound("customer group", id)
	}
	t.freeNameKeys(id)
	t.groups[id] = &groupEntry{}
	t.members.removeGroup(id)
	t.w.deleteGroup(id)
	return nil
}

// ---- memberships ----

// AddMember implements pricing.Tx.
func (t *tx) AddMember(groupID, customerID string) error {
	if t.readOnly {
		return errReadOnly
	}
	if err := checkText("customer group ID", groupID, true); err != nil {
		return err
	}
	if err := checkText("customer ID", customerID, true); err != nil {
		return err
	}
	t.members.set(groupID, customerID, true)
	t.w.member(wAddMembers, groupID, customerID)
	return nil
}

// RemoveMember implements pricing.Tx.
func (t *tx) RemoveMember(groupID, customerID string) error {
	if t.readOnly {
		return errReadOnly
	}
	if !textOK(groupID) || !textOK(customerID) {
		return nil // never a member
	}
	t.members.set(groupID, customerID, false)
	t.w.member(wRemoveMembers, groupID, customerID)
	return nil
}

// Members implements pricing.Tx. A negative offset counts as 0.
func (t *tx) Members(groupID string, offset int, fn func(customerID string) bool) error {
	if !textOK(groupID) {
		return nil
	}
	var page []string
	scan := func(rows pgx.Rows) error {
		var id string
		err := rows.Scan(&id)
		page = append(page, id)
		return err
	}
	if err := t.queryRows(t.st.members, []any{groupID, max(offset, 0), firstPage}, scan); err != nil {
		return err
	}
	for first := true; ; first = false {
		for _, id := range page {
			if !fn(id) {
				return nil
			}
		}
		if !first || len(page) < firstPage {
			return nil
		}
		last := page[len(page)-1]
		page = page[:0]
		if err := t.queryRows(t.st.membersAfter, []any{groupID, last}, scan); err != nil {
			return err
		}
	}
}

// CountMembers implements pricing.Tx.
func (t *tx) CountMembers(groupID string) (int, error) {
	if !textOK(groupID) {
		return 0, nil
	}
	var n int64
	err := t.queryRows(t.st.countMembers, []any{groupID}, func(rows pgx.Rows) error { return rows.Scan(&n) })
	return int(n), err
}

// AppendCustomerGroupIDs implements pricing.Tx.
func (t *tx) AppendCustomerGroupIDs(dst []string, customerID string) ([]string, error) {
	if !textOK(customerID) {
		return dst, nil
	}
	err := t.queryRows(t.st.groupsOfCustomer, []any{customerID}, func(rows pgx.Rows) error {
		var id string
		err := rows.Scan(&id)
		dst = append(dst, id)
		return err
	})
	return dst, err
}

// IsMember reports whether the customer is a member of the group: the Service's
// recorder asks it before each membership it adds or removes (see memberCache). A
// read-write transaction that does not know reads the group's members from the
// customer on; a View reads the one row.
func (t *tx) IsMember(groupID, customerID string) (bool, error) {
	if !textOK(groupID) || !textOK(customerID) {
		return false, nil
	}
	if t.readOnly {
		found := false
		err := t.queryRows(t.st.isMember, []any{groupID, customerID}, func(pgx.Rows) error { found = true; return nil })
		return found, err
	}
	c := t.members
	if member, known := c.isMember(groupID, customerID); known {
		return member, nil
	}
	limit, n := c.limit, 0
	var last string
	g := c.group(groupID)
	err := t.queryRows(t.st.groupMemberRange, []any{groupID, customerID, limit}, func(rows pgx.Rows) error {
		if err := rows.Scan(&last); err != nil {
			return err
		}
		g.members[last] = true
		n++
		return nil
	})
	if err != nil {
		return false, err
	}
	if n < limit {
		g.known.add(span{lo: customerID, open: true})
	} else {
		g.known.add(span{lo: customerID, hi: last + "\x00"})
		c.limit = min(2*c.limit, maxRangeLimit)
	}
	return g.members[customerID], nil
}

// ---- price lists ----

// list returns the cached entry of the list, reading it when not cached: with the lists
// after it in the read-ahead, when it is one of them.
func (t *tx) list(id string) (*listEntry, error) {
	if e, ok := t.lists[id]; ok {
		if e.ahead {
			e.ahead = false
			t.ahead.hits++
		}
		return e, nil
	}
	if ids := t.ahead.take(id, func(id string) bool { _, ok := t.lists[id]; return ok }); ids != nil {
		if err := t.readLists(ids); err != nil {
			return nil, err
		}
		e := t.lists[id]
		e.ahead = false
		return e, nil
	}
	e := &listEntry{}
	if textOK(id) {
		err := t.queryRows(t.st.list, []any{id}, func(rows pgx.Rows) error {
			e.present = true
			return e.row.scan(rows)
		})
		if err != nil {
			return nil, err
		}
	}
	t.lists[id] = e
	return e, nil
}

// PriceList implements pricing.Tx.
func (t *tx) PriceList(id string) (pricing.PriceList, error) {
	e, err := t.list(id)
	switch {
	case err != nil:
		return pricing.PriceList{}, err
	case !e.present:
		return pricing.PriceList{}, notFound("price list", id)
	}
	return e.row.list()
}

// PriceListTerms implements pricing.Tx. The result's slices and Adjustment are the
// cached row's, read-only as the contract says.
func (t *tx) PriceListTerms(id string) (pricing.PriceListTerms, error) {
	e, err := t.list(id)
	switch {
	case err != nil:
		return pricing.PriceListTerms{}, err
	case !e.present:
		return pricing.PriceListTerms{}, notFound("price list", id)
	}
	return e.row.terms(), nil
}

// PriceLists implements pricing.Tx.
func (t *tx) PriceLists(fn func(pricing.PriceList) bool) error {
	var page []listRow
	scan := func(rows pgx.Rows) error {
		var r listRow
		err := r.scan(rows)
		page = append(page, r)
		return err
	}
	if err := t.queryRows(t.st.lists, []any{firstPage}, scan); err != nil {
		return err
	}
	for first := true; ; first = false {
		for i := range page {
			pl, err := page[i].list()
			if err != nil {
				return err
			}
			if !fn(pl) {
				return nil
			}
		}
		if !first || len(page) < firstPage {
			return nil
		}
		last := page[len(page)-1].id
		page = page[:0]
		if err := t.queryRows(t.st.listsAfter, []any{last}, scan); err != nil {
			return err
		}
	}
}

// AppendPriceListIDsOfGroup implements pricing.Tx. The IDs join the read-ahead: a
// listing of a group's lists reads their heads next.
func (t *tx) AppendPriceListIDsOfGroup(dst []string, groupID string) ([]string, error) {
	if !textOK(groupID) {
		return dst, nil
	}
	err := t.queryRows(t.st.listsOfGroup, []any{groupID}, func(rows pgx.Rows) error {
		var id string
		err := rows.Scan(&id)
		dst = append(dst, id)
		t.ahead.add(id)
		return err
	})
	return dst, err
}

// AppendAdjustedListIDs implements pricing.AdjustedLister: the partial index
// price_lists_adjusted_idx, after the transaction's buffered writes.
func (t *tx) AppendAdjustedListIDs(dst []string) ([]string, error) {
	err := t.queryRows(t.st.adjustedLists, nil, func(rows pgx.Rows) error {
		var id string
		err := rows.Scan(&id)
		dst = append(dst, id)
		return err
	})
	return dst, err
}

// PutPriceList implements pricing.Tx.
func (t *tx) PutPriceList(pl pricing.PriceList) error {
	if t.readOnly {
		return errReadOnly
	}
	r, err := newListRow(pl)
	if err != nil {
		return err
	}
	t.lists[pl.ID] = &listEntry{present: true, row: r}
	t.w.putList(r)
	t.stripes |= 1 << stripe(pl.ID)
	return nil
}

// DeletePriceList implements pricing.Tx.
func (t *tx) DeletePriceList(id string) error {
	if t.readOnly {
		return errReadOnly
	}
	e, err := t.list(id)
	switch {
	case err != nil:
		return err
	case !e.present:
		return notFound("price list", id)
	}
	t.lists[id] = &listEntry{}
	t.prices.removeList(id)
	t.w.deleteList(id)
	t.stripes |= 1 << stripe(id)
	return nil
}

// ---- prices ----

// priceByID returns the price with the ID and whether it exists, reading the range of
// IDs from it when the cache does not know.
func (t *tx) priceByID(id string) (pricing.Price, bool, error) {
	if !textOK(id) {
		return pricing.Price{}, false, nil
	}
	if p, present, known := t.prices.byID(id); known {
		return p, present, nil
	}
	c := t.prices
	limit, n := c.limit, 0
	var last string
	err := t.queryRows(t.st.priceRangeByID, []any{id, limit}, func(rows pgx.Rows) error {
		var p pricing.Price
		if err := scanPrice(rows, &p); err != nil {
			return err
		}
		c.learn(&p)
		last = p.ID
		n++
		return nil
	})
	if err != nil {
		return pricing.Price{}, false, err
	}
	c.learnRange(&c.ids, id, n, limit, func() string { return last + "\x00" })
	c.learnAbsent(id) // a no-op when the read found it
	p, present, _ := c.byID(id)
	return p, present, nil
}

// priceIDByKey returns the ID of the price with the key, "" for none. When the cache
// does not know, it reads: for a base price, every price of the key's variant (a
// variant's base prices are written together, and the Service then asks for all its
// prices); for a list's price, the keys of the list from the key's variant on, up to a
// limit (a list's prices are written in bulk).
func (t *tx) priceIDByKey(k *pricing.PriceKey) (string, error) {
	if !keyOK(k) {
		return "", nil
	}
	c := t.prices
	if id, known := c.idByKey(k); known {
		return id, nil
	}
	if k.PriceListID == "" {
		var variant []pricing.Price
		if err := t.queryRows(t.st.variantPrices, []any{k.VariantID}, func(rows pgx.Rows) error {
			var p pricing.Price
			err := scanPrice(rows, &p)
			variant = append(variant, p)
			return err
		}); err != nil {
			return "", err
		}
		c.learnVariant(k.VariantID, variant)
	} else {
		limit, n := c.limit, 0
		var last pricing.PriceKey
		if err := t.queryRows(t.st.priceRangeByKey, []any{k.PriceListID, k.VariantID, limit}, func(rows pgx.Rows) error {
			var p pricing.Price
			if err := scanPrice(rows, &p); err != nil {
				return err
			}
			c.learn(&p)
			last = p.Key()
			n++
			return nil
		}); err != nil {
			return "", err
		}
		lo := keyPrefix(k.PriceListID, k.VariantID)
		if n < limit {
			_, end := listKeyRange(k.PriceListID)
			c.keys.add(span{lo: lo, hi: end})
		} else {
			c.learnRange(&c.keys, lo, n, limit, func() string { return encodeKey(&last) + "\x00" })
		}
	}
	id, _ := c.idByKey(k)
	return id, nil
}

// Price implements pricing.Tx.
func (t *tx) Price(id string) (pricing.Price, error) {
	p, present, err := t.priceByID(id)
	if err == nil && !present {
		err = notFound("price", id)
	}
	return p, err
}

// PriceIDByKey implements pricing.Tx.
func (t *tx) PriceIDByKey(key pricing.PriceKey) (string, error) {
	id, err := t.priceIDByKey(&key)
	if err == nil && id == "" {
		err = errNoPriceKey
	}
	return id, err
}

// PutPrice implements pricing.Tx.
func (t *tx) PutPrice(p pricing.Price) error {
	if t.readOnly {
		return errReadOnly
	}
	if err := checkPrice(&p); err != nil {
		return err
	}
	k := p.Key()
	holder, err := t.priceIDByKey(&k)
	if err != nil {
		return err
	}
	if holder != "" && holder != p.ID {
		return fmt.Errorf("postgres: price %q: its key is held by price %q: %w", p.ID, holder, pricing.ErrAlreadyExists)
	}
	was := idUnknown
	if _, present, known := t.prices.byID(p.ID); known && present {
		was = idTaken
	} else if known {
		was = idFree
	}
	t.prices.put(&p)
	t.w.putPrice(&p, was)
	return nil
}

// DeletePrice implements pricing.Tx.
func (t *tx) DeletePrice(id string) error {
	if t.readOnly {
		return errReadOnly
	}
	_, present, err := t.priceByID(id)
	switch {
	case err != nil:
		return err
	case !present:
		return notFound("price", id)
	}
	t.prices.remove(id)
	t.w.deletePrice(id)
	return nil
}

// scanPrices returns a scanner that appends each row to *page, and records it in the
// cache in read-write transactions.
func (t *tx) scanPrices(page *[]pricing.Price) func(rows pgx.Rows) error {
	return func(rows pgx.Rows) error {
		var p pricing.Price
		if err := scanPrice(rows, &p); err != nil {
			return err
		}
		if !t.readOnly {
			t.prices.learn(&p)
		}
		*page = append(*page, p)
		return nil
	}
}

// Prices implements pricing.Tx. It reads in pages that grow from firstPage to 64 Ki
// prices, so that stopping early reads little and a whole table is not one result.
func (t *tx) Prices(fn func(pricing.Price) bool) error {
	var page []pricing.Price
	scan := t.scanPrices(&page)
	limit := firstPage
	if err := t.queryRows(t.st.prices, []any{limit}, scan); err != nil {
		return err
	}
	for {
		for i := range page {
			if !fn(page[i]) {
				return nil
			}
		}
		if len(page) < limit {
			return nil
		}
		last := page[len(page)-1].ID
		page = page[:0]
		limit = min(8*limit, 1<<16)
		if err := t.queryRows(t.st.pricesAfter, []any{last, limit}, scan); err != nil {
			return err
		}
	}
}

// PricesOfList implements pricing.Tx. Having read them all, a read-write transaction
// knows every key of the list.
func (t *tx) PricesOfList(listID string, fn func(pricing.Price) bool) error {
	if !textOK(listID) {
		return nil
	}
	var page []pricing.Price
	scan := t.scanPrices(&page)
	if err := t.queryRows(t.st.listPrices, []any{listID, firstPage}, scan); err != nil {
		return err
	}
	for first := true; ; first = false {
		for i := range page {
			if !fn(page[i]) {
				return nil
			}
		}
		if !first || len(page) < firstPage {
			break
		}
		last := page[len(page)-1].ID
		page = page[:0]
		if err := t.queryRows(t.st.listPricesAfter, []any{listID, last}, scan); err != nil {
			return err
		}
	}
	if !t.readOnly {
		lo, hi := listKeyRange(listID)
		t.prices.keys.add(span{lo: lo, hi: hi})
	}
	return nil
}

// PricesOfVariant implements pricing.Tx. A read-write transaction that knows every
// price of the variant answers without reading the server.
func (t *tx) PricesOfVariant(variantID string, fn func(pricing.Price) bool) error {
	if !textOK(variantID) {
		return nil
	}
	var page []pricing.Price
	if ids, ok := t.prices.variant(variantID); ok && !t.readOnly {
		for id := range ids {
			page = append(page, t.prices.rows[id].p)
		}
		slices.SortFunc(page, func(a, b pricing.Price) int { return strings.Compare(a.ID, b.ID) })
	} else {
		if err := t.queryRows(t.st.variantPrices, []any{variantID}, t.scanPrices(&page)); err != nil {
			return err
		}
		if !t.readOnly {
			t.prices.learnVariant(variantID, page)
		}
	}
	for i := range page {
		if !fn(page[i]) {
			return nil
		}
	}
	return nil
}

// AppendVariantPrices implements pricing.Tx: one index range of
// prices_variant_currency_idx.
func (t *tx) AppendVariantPrices(dst []pricing.Price, variantID, currencyCode string) ([]pricing.Price, error) {
	if !textOK(variantID) || !textOK(currencyCode) {
		return dst, nil
	}
	err := t.queryRows(t.st.variantCurrencyPrices, []any{variantID, currencyCode}, t.scanPrices(&dst))
	return dst, err
}
