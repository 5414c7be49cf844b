package postgres

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/commercekit/pricing"
)

// The journal of revisions (pricing.Journal), schema version 2
// (migrations/0002_journal.sql): journal_revision holds the last revision committed,
// journal_entries an entry per revision kept, journal_items their items.
//
// An Update takes its revision when it first asks for it (Revision, or WriteJournal):
// it locks the counter's row (SELECT ... FOR UPDATE) and reads last+1. The lock is held
// until the Update ends, so the Updates that write entries commit one at a time, in
// the order of their revisions, in every process; and as an Update is SERIALIZABLE, a
// counter that another transaction changed after the Update's snapshot fails it with a
// serialization failure (40001), and Update runs it again, on a new snapshot, where it
// asks again. WriteJournal sets the counter to the revision along with the entry, so
// that an Update that writes no entry, or fails, takes no revision. The entry's
// statement also calls pg_notify, which PostgreSQL delivers at the commit (feed.go).

// journalStatements are the statements of the journal.
type journalStatements struct {
	lastRevision, lockRevision  string
	writeJournalEntry           string
	writeJournalItems           string
	readJournal, readJournalKey string
	trimJournal                 string
	checkJournalItems           string
	journalItemsTable           pgx.Identifier
	channel                     string // the channel of the notifications, unquoted
}

// journalPageSQL returns a statement of ReadJournal: the first revision kept and the
// last committed, then the columns of page (revision, at, at_ns, key, data), or NULLs
// when page has no rows.
func journalPageSQL(page string) string {
	return `SELECT m.first, m.last, p.revision, p.at, p.at_ns, p.key, p.data
		FROM (SELECT (SELECT min(revision) FROM {s}.journal_entries) AS first,
			(SELECT last FROM {s}.journal_revision) AS last) m
		LEFT JOIN LATERAL (` + page + `) p ON true
		ORDER BY p.revision`
}

func newJournalStatements(schema string, q func(string) string) journalStatements {
	return journalStatements{
		lastRevision: q(`SELECT last FROM {s}.journal_revision`),
		lockRevision: q(`SELECT last FROM {s}.journal_revision FOR UPDATE`),
		// One statement: the counter, the entry, and the notification (delivered at the
		// commit; the payload is the revision).
		writeJournalEntry: q(`WITH c AS (UPDATE {s}.journal_revision SET last = $1),
				e AS (INSERT INTO {s}.journal_entries (revision, at, at_ns) VALUES ($1, $2, $3))
			SELECT pg_notify($4, $5)`),
		// The rows of a run of keys.
		writeJournalItems: q(`INSERT INTO {s}.journal_items (revision, key, data)
			SELECT $1, u.key, u.data FROM unnest($2::text[], $3::bytea[]) AS u(key, data)`),
		// A page of entries after a revision, with their rows (an entry without items
		// comes as one row of NULLs); and, in the same snapshot, the first revision kept
		// and the last committed, on every row (on a row of NULLs when the page is
		// empty): the pages after the first are other statements, so other snapshots,
		// and a trim between two of them must not go unseen.
		readJournal: q(journalPageSQL(`SELECT e.revision, e.at, e.at_ns, i.key, i.data
			FROM (SELECT revision, at, at_ns FROM {s}.journal_entries WHERE revision > $1 ORDER BY revision LIMIT $2) e
			LEFT JOIN {s}.journal_items i ON i.revision = e.revision`)),
		// A page of the entries that have items of a key, with only that key's row: the
		// index journal_items_key_idx, then the entries.
		readJournalKey: q(journalPageSQL(`SELECT e.revision, e.at, e.at_ns, i.key, i.data
			FROM (SELECT revision, key, data FROM {s}.journal_items WHERE key = $3 AND revision > $1
				ORDER BY revision LIMIT $2) i
			JOIN {s}.journal_entries e ON e.revision = i.revision`)),
		// The entries before the first one not older than the instant, by revision: the
		// journal stays a run of consecutive revisions. The counter is left alone.
		trimJournal: q(`WITH cut AS (
				SELECT coalesce((SELECT revision FROM {s}.journal_entries WHERE (at, at_ns) >= ($1::timestamptz, $2::int2)
					ORDER BY revision LIMIT 1), 9223372036854775807) AS r
			), i AS (DELETE FROM {s}.journal_items WHERE revision < (SELECT r FROM cut))
			DELETE FROM {s}.journal_entries WHERE revision < (SELECT r FROM cut)`),
		checkJournalItems: q(`SELECT revision, key, data FROM {s}.journal_items ORDER BY revision`),
		journalItemsTable: pgx.Identifier{schema, "journal_items"},
		channel:           channelName(schema),
	}
}

// channelName returns the notification channel of a schema's journal:
// pricing_journal.<schema>, or, when that is longer than an identifier may be (63
// bytes), pricing_journal.<a hash of the schema>.
func channelName(schema string) string {
	name := "pricing_journal." + schema
	if len(name) <= 63 {
		return name
	}
	h := fnv.New64a()
	h.Write([]byte(schema))
	return fmt.Sprintf("pricing_journal.%016x", h.Sum64())
}

var journalItemColumns = []string{"revision", "key", "data"}

// journalEntry is an entry buffered by WriteJournal: its items by key, a row of
// journal_items each.
type journalEntry struct {
	rev   int64
	at    pgtype.Timestamptz
	atNs  int16
	items int      // the number of items
	keys  []string // the entry's keys, in the order of their first items
	data  [][]byte // by key: its items, framed (appendItem)
}

// appendItem appends an item to the data of its key's row: its place in the entry,
// its length (uvarints) and its bytes.
func appendItem(b []byte, seq int, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(seq))
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

// uvarintLen returns the length of x as a uvarint.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// errJournalRow reports a row of journal_items that does not decode.
var errJournalRow = fmt.Errorf("%w: a journal item row does not decode", ErrCorrupt)

// decodeItems appends the items of a row's data, with their places, to items and
// seqs. The items' data are parts of b.
func decodeItems(b []byte, key string, items []pricing.JournalItem, seqs []uint64) ([]pricing.JournalItem, []uint64, error) {
	for len(b) > 0 {
		seq, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, nil, errJournalRow
		}
		b = b[n:]
		size, n := binary.Uvarint(b)
		if n <= 0 || size > uint64(len(b)-n) {
			return nil, nil, errJournalRow
		}
		b = b[n:]
		items = append(items, pricing.JournalItem{Key: key, Data: b[:size:size]})
		seqs = append(seqs, seq)
		b = b[size:]
	}
	return items, seqs, nil
}

// queue queues the statement that writes the entry, the counter and the notification.
func (e *journalEntry) queue(b *pgx.Batch, st *statements) {
	b.Queue(st.writeJournalEntry, e.rev, e.at, e.atNs, st.channel, fmt.Sprint(e.rev))
}

// journalCopyMin is the number of items from which an entry's items are written with
// COPY, in round trips of their own (two: pgx first asks for the columns' types), rather
// than with the entry, in the batch, by statements of about journalChunk items each.
const (
	journalCopyMin = 10000
	journalChunk   = 4096
)

// queueItems queues the statements that write the entry's rows, journalChunk keys a
// statement.
func (e *journalEntry) queueItems(b *pgx.Batch, st *statements) {
	for i := 0; i < len(e.keys); i += journalChunk {
		j := min(i+journalChunk, len(e.keys))
		b.Queue(st.writeJournalItems, e.rev, e.keys[i:j], e.data[i:j])
	}
}

// copyJournal writes an entry of many items: the items with COPY, then the entry's
// statement in b, the batch of the statements around it, which is sent first if it
// begins the transaction or takes the counter's lock (which must come before the items
// of the revision).
func (t *tx) copyJournal(b *pgx.Batch, e *journalEntry) (*pgx.Batch, error) {
	locking := t.lockPending
	if locking {
		t.queueLock(b)
	}
	if len(b.QueuedQueries) > 0 && (!t.begun || locking) {
		t.begun = true
		if err := t.conn.SendBatch(t.ctx, b).Close(); err != nil {
			return nil, err
		}
		b = &pgx.Batch{}
	}
	t.begun = true
	_, err := t.conn.CopyFrom(t.ctx, t.st.journalItemsTable, journalItemColumns, pgx.CopyFromSlice(len(e.keys), func(i int) ([]any, error) {
		return []any{e.rev, e.keys[i], e.data[i]}, nil
	}))
	if err != nil {
		return nil, err
	}
	e.queue(b, t.st)
	return b, nil
}

var _ pricing.JournalTx = (*tx)(nil)

// LastRevision implements pricing.JournalTx: the counter as of the transaction's
// snapshot, read once.
func (t *tx) LastRevision() (int64, error) {
	switch {
	case t.rev != 0:
		return t.rev - 1, nil
	case t.lastRevKnown:
		return t.lastRev, nil
	}
	var last int64
	if err := t.queryRows(t.st.lastRevision, nil, func(rows pgx.Rows) error { return rows.Scan(&last) }); err != nil {
		return 0, err
	}
	t.lastRev, t.lastRevKnown = last, true
	return last, nil
}

// Revision implements pricing.JournalTx. The first call locks the counter until the
// transaction ends (see above); in a View it fails.
func (t *tx) Revision() (int64, error) {
	if t.readOnly {
		return 0, errReadOnly
	}
	if t.rev != 0 {
		return t.rev, nil
	}
	if t.readsRevision && t.lastRevKnown {
		// The counter as of the snapshot, read with the transaction's first statements:
		// the lock goes just before the entry's statements, and finds the same (a
		// SERIALIZABLE transaction fails on a row changed since its snapshot).
		t.rev, t.lockPending = t.lastRev+1, true
		return t.rev, nil
	}
	var last int64
	if err := t.queryRows(t.st.lockRevision, nil, func(rows pgx.Rows) error { return rows.Scan(&last) }); err != nil {
		return 0, err
	}
	t.rev = last + 1
	return t.rev, nil
}

// errRevisionMoved reports a counter that moved since the transaction's snapshot, which
// serializable isolation does not let happen; the Update runs again.
var errRevisionMoved = errors.New("postgres: the journal's revision moved since the transaction's snapshot")

// queueLock queues the lock of the counter, which must still be at the revision before
// the transaction's.
func (t *tx) queueLock(b *pgx.Batch) {
	t.lockPending = false
	want := t.rev - 1
	b.Queue(t.st.lockRevision).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var last int64
			if err := rows.Scan(&last); err != nil {
				return err
			}
			if last != want {
				return fmt.Errorf("%w: %d, want %d", errRevisionMoved, last, want)
			}
		}
		return rows.Err()
	})
}

// WriteJournal implements pricing.JournalTx: the entry is buffered with the other
// writes, and sent with them (its items by COPY when they are many).
func (t *tx) WriteJournal(e pricing.JournalEntry) error {
	if t.readOnly {
		return errReadOnly
	}
	if t.wroteEntry {
		return errors.New("postgres: a second journal entry in one Update")
	}
	rev, err := t.Revision()
	if err != nil {
		return err
	}
	if e.Revision != rev {
		return fmt.Errorf("postgres: journal entry of revision %d, want %d", e.Revision, rev)
	}
	if err := checkTime("journal entry At", e.At); err != nil {
		return err
	}
	for _, it := range e.Items {
		if !textOK(it.Key) {
			return badValue("journal item key", it.Key, "PostgreSQL text cannot hold a NUL byte or invalid UTF-8")
		}
	}
	// The items grouped by key, in the order of each key's first item, framed into
	// one buffer (the caller keeps its entry): the rows' sizes first, then the items
	// in their places.
	je := &journalEntry{rev: rev, items: len(e.Items)}
	je.at, je.atNs = instant(e.At, false)
	byKey := make(map[string]int, min(len(e.Items), 1024))
	ks := make([]int, len(e.Items)) // the key of each item
	var sizes []int
	total := 0
	for i, it := range e.Items {
		k, ok := byKey[it.Key]
		if !ok {
			k = len(je.keys)
			byKey[it.Key] = k
			je.keys, sizes = append(je.keys, it.Key), append(sizes, 0)
		}
		ks[i] = k
		size := uvarintLen(uint64(i+1)) + uvarintLen(uint64(len(it.Data))) + len(it.Data)
		sizes[k] += size
		total += size
	}
	buf := make([]byte, total)
	je.data = make([][]byte, len(je.keys))
	pos := make([]int, len(je.keys))
	off := 0
	for k, size := range sizes {
		je.data[k] = buf[off : off+size : off+size]
		pos[k] = off
		off += size
	}
	for i, it := range e.Items {
		k := ks[i]
		b := appendItem(buf[pos[k]:pos[k]], i+1, it.Data)
		pos[k] += len(b)
	}
	t.w.journal(je)
	t.wroteEntry = true
	return nil
}

// ---- reading ----

// journalPage is the number of entries the first page of a read asks for; later pages
// ask for as many entries as hold about journalPageItems items, by the entries read so
// far, from 1 to journalMaxPage.
const (
	journalPage      = 64
	journalMaxPage   = 1024
	journalPageItems = 1 << 16
)

// readJournal implements ReadJournal on q, a page a statement. fn runs between the
// statements, never during one, so it may use the store. lock, when set, is held
// around each statement (a TxStore's, whose transaction is one connection).
func readJournal(ctx context.Context, q querier, st *statements, lock func() func(), after int64, key string, limit int, fn func(pricing.JournalEntry) bool) error {
	if key != "" && !textOK(key) {
		return nil // no item has such a key
	}
	page, read, items := journalPage, 0, 0
	first := true
	for {
		n := page
		if limit > 0 {
			n = min(n, limit-read)
		}
		sql, args := st.readJournal, []any{after, n}
		if key != "" {
			sql, args = st.readJournalKey, append(args, key)
		}
		unlock := lock()
		entries, kept, last, err := readJournalPage(ctx, q, sql, args)
		unlock()
		if err != nil {
			c, _ := q.(closer)
			return classify(ctx, c, err).final()
		}
		if !first && last > after && (kept == 0 || kept > after+1) {
			// Entries after the last one fn saw were trimmed since.
			return fmt.Errorf("postgres: the journal was trimmed while being read: revisions from %d are no longer kept: %w",
				after+1, pricing.ErrTrimmed)
		}
		for _, e := range entries {
			if !fn(e) {
				return nil
			}
			after = e.Revision
			read++
			items += len(e.Items)
		}
		if len(entries) < n || limit > 0 && read >= limit {
			return nil
		}
		first = false
		page = min(max(journalPageItems*read/max(items, 1), 1), journalMaxPage)
	}
}

// readJournalPage runs one statement of readJournal and returns its entries, the
// first revision kept (0 for none) and the last committed. An entry's rows come a key
// each: its items are put back in their places.
func readJournalPage(ctx context.Context, q querier, sql string, args []any) ([]pricing.JournalEntry, int64, int64, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, 0, err
	}
	defer rows.Close()
	var (
		out         []pricing.JournalEntry
		first, last pgtype.Int8
		rev         pgtype.Int8
		at          pgtype.Timestamptz
		ns          pgtype.Int2
		key         pgtype.Text
		data        []byte
		seqs        []uint64 // the places of the items of the last entry of out
	)
	for rows.Next() {
		data = nil
		if err := rows.Scan(&first, &last, &rev, &at, &ns, &key, &data); err != nil {
			return nil, 0, 0, err
		}
		if !rev.Valid {
			continue // an empty page
		}
		if n := len(out); n == 0 || out[n-1].Revision != rev.Int64 {
			if n > 0 {
				placeItems(&out[n-1], seqs)
			}
			out = append(out, pricing.JournalEntry{Revision: rev.Int64, At: fromInstant(at, ns.Int16), Items: []pricing.JournalItem{}})
			seqs = seqs[:0]
		}
		if key.Valid {
			e := &out[len(out)-1]
			if e.Items, seqs, err = decodeItems(data, key.String, e.Items, seqs); err != nil {
				return nil, 0, 0, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, 0, err
	}
	if n := len(out); n > 0 {
		placeItems(&out[n-1], seqs)
	}
	return out, first.Int64, last.Int64, nil
}

// placeItems orders the items of e, read a key at a time, by their places seqs.
func placeItems(e *pricing.JournalEntry, seqs []uint64) {
	if slices.IsSorted(seqs) {
		return
	}
	idx := make([]int, len(seqs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(seqs[a], seqs[b]) })
	items := make([]pricing.JournalItem, len(idx))
	for i, k := range idx {
		items[i] = e.Items[k]
	}
	e.Items = items
}

// ---- the Store ----

var _ pricing.Journal = (*Store)(nil)

// journalError maps the error of a journal call on the Store.
func (s *Store) journalError(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case s.closed.Load():
		return pricing.ErrClosed
	case ctx.Err() != nil:
		return fmt.Errorf("postgres: %w", ctx.Err())
	}
	var f *txFailure
	if errors.As(err, &f) {
		return err
	}
	return fmt.Errorf("postgres: journal: %w", err)
}

// usable returns ErrClosed after Close, else the context's error.
func (s *Store) usable(ctx context.Context) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	return ctx.Err()
}

// LastRevision implements pricing.Journal: one statement on the pool.
func (s *Store) LastRevision(ctx context.Context) (int64, error) {
	if err := s.usable(ctx); err != nil {
		return 0, err
	}
	var last int64
	if err := s.pool.QueryRow(ctx, s.st.lastRevision).Scan(&last); err != nil {
		return 0, s.journalError(ctx, err)
	}
	s.feed.advance(last)
	return last, nil
}

// ReadJournal implements pricing.Journal. It reads a page of entries a statement (the
// first 64 entries, then as many as hold about 64 Ki items, up to 1,024), each on one
// connection of the pool, and calls fn between the statements, so that fn may use the
// store. The pages are consecutive revisions, as revisions commit in order; should a
// trim delete entries after those fn has seen before the next page is read, the error
// wraps pricing.ErrTrimmed.
func (s *Store) ReadJournal(ctx context.Context, after int64, key string, limit int, fn func(pricing.JournalEntry) bool) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	err := readJournal(ctx, s.pool, s.st, noLock, after, key, limit, fn)
	if err != nil && !errors.Is(err, pricing.ErrTrimmed) {
		return s.journalError(ctx, err)
	}
	return err
}

func noLock() func() { return func() {} }

// TrimJournal implements pricing.Journal: one statement, which deletes the entries
// before the first one committed at t or later, in revision order, and their items.
func (s *Store) TrimJournal(ctx context.Context, before time.Time) (int, error) {
	if err := s.usable(ctx); err != nil {
		return 0, err
	}
	at, ns := trimInstant(before)
	tag, err := s.pool.Exec(ctx, s.st.trimJournal, at, ns)
	if err != nil {
		return 0, s.journalError(ctx, err)
	}
	return int(tag.RowsAffected()), nil
}

// trimInstant returns the instant of a trim as a timestamptz and nanoseconds, clamped
// to the range the store keeps (every At is within it).
func trimInstant(t time.Time) (pgtype.Timestamptz, int16) {
	switch {
	case t.Before(minInstant):
		t = minInstant
	case !t.Before(maxInstant):
		t = maxInstant
	}
	return instant(t, false)
}

// WaitJournal implements pricing.Journal. A commit of this Store wakes it at once; one
// of another Store, in this process or another, through PostgreSQL's notifications
// (feed.go), within the time a notification takes, or, should one be lost, within the
// poll interval (2 s).
func (s *Store) WaitJournal(ctx context.Context, after int64) (int64, error) {
	if err := s.usable(ctx); err != nil {
		return 0, err
	}
	f := s.feed
	f.start(s)
	f.wait(+1)
	defer f.wait(-1)
	// What is committed now: a later revision returns at once. An error other than
	// the context's (a server restarting) leaves the wait to the listener and the poll.
	if _, err := s.LastRevision(ctx); err != nil && (ctx.Err() != nil || s.closed.Load()) {
		return 0, s.journalError(ctx, err)
	}
	// Then the listener must be in place: it reads the counter once it listens, which
	// covers what commits between the read above and its LISTEN.
	if last, changed, _ := f.state(); last <= after {
		f.awaitReady(ctx, changed, pollInterval())
	}
	for {
		last, changed, closed := f.state()
		switch {
		case closed || s.closed.Load():
			return 0, pricing.ErrClosed
		case last > after:
			return last, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return last, ctx.Err()
		}
	}
}

// ---- the host's transaction ----

var (
	_ pricing.Journal = (*TxStore)(nil)
)

// lockTx returns the function readJournal calls to hold the TxStore's mutex.
func (h *TxStore) lockTx() func() {
	h.mu.Lock()
	return h.mu.Unlock
}

func (h *TxStore) usable(ctx context.Context) error {
	if h.closed.Load() || h.s.closed.Load() {
		return pricing.ErrClosed
	}
	return ctx.Err()
}

// LastRevision implements pricing.Journal in the host's transaction: the last revision
// it sees, its own included.
func (h *TxStore) LastRevision(ctx context.Context) (int64, error) {
	if err := h.usable(ctx); err != nil {
		return 0, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var last int64
	if err := h.tx.QueryRow(ctx, h.s.st.lastRevision).Scan(&last); err != nil {
		return 0, classify(ctx, nil, err).final()
	}
	return last, nil
}

// ReadJournal implements pricing.Journal in the host's transaction, which sees its own
// entries.
func (h *TxStore) ReadJournal(ctx context.Context, after int64, key string, limit int, fn func(pricing.JournalEntry) bool) error {
	if err := h.usable(ctx); err != nil {
		return err
	}
	return readJournal(ctx, h.tx, h.s.st, h.lockTx, after, key, limit, fn)
}

// TrimJournal implements pricing.Journal in a savepoint of the host's transaction, so
// that a failure leaves the transaction usable.
func (h *TxStore) TrimJournal(ctx context.Context, before time.Time) (int, error) {
	if err := h.usable(ctx); err != nil {
		return 0, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := newTx(ctx, h.s.st, h.tx, false)
	t.begin, t.commit, t.rollback = savepoint, releaseSavepoint, rollbackSavepoint+"; "+releaseSavepoint
	at, ns := trimInstant(before)
	var n int64
	f, err := t.run(func(pricing.Tx) error {
		return t.send(func(b *pgx.Batch) {
			b.Queue(h.s.st.trimJournal, at, ns).Exec(func(tag pgconn.CommandTag) error {
				n = tag.RowsAffected()
				return nil
			})
		})
	})
	if f != nil {
		return 0, f.final()
	}
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// WaitJournal implements pricing.Journal: it returns when the last revision that the
// host's transaction sees is greater than after. It is woken by the Updates of this
// TxStore, and by the commits of every process, which the Store's listener hears;
// whether the host's transaction sees those depends on its isolation level (at READ
// COMMITTED it does, in a REPEATABLE READ or SERIALIZABLE snapshot it never will, and
// WaitJournal then waits until ctx is done).
func (h *TxStore) WaitJournal(ctx context.Context, after int64) (int64, error) {
	if err := h.usable(ctx); err != nil {
		return 0, err
	}
	f := h.s.feed
	f.start(h.s)
	f.wait(+1)
	defer f.wait(-1)
	for {
		h.mu.Lock()
		local := h.changed
		h.mu.Unlock()
		_, others, closed := f.state()
		if closed {
			return 0, pricing.ErrClosed
		}
		last, err := h.LastRevision(ctx)
		switch {
		case err != nil:
			return last, err
		case last > after:
			return last, nil
		}
		select {
		case <-local:
		case <-others:
		case <-ctx.Done():
			return last, ctx.Err()
		}
	}
}
