package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/commercekit/pricing"
)

// writes is the write buffer of a transaction: its writes in order, each run of
// memberships or of prices merged into one statement. The buffer is sent before the
// transaction's next read of the server, or with its commit, in the same round trip
// (tx.send); a run of at least copyMin prices is written with COPY, in round trips of
// its own (tx.copyPrices). A write method checks what it writes, and the cache answers whether a key
// is taken or a record exists, before anything is buffered; so a write that fails
// leaves nothing behind, and the statements of the buffer do not fail but for a
// concurrent transaction or a lost connection.
type writes struct {
	ops []write
}

type writeKind uint8

const (
	wPutGroup writeKind = iota
	wDeleteGroup
	wAddMembers
	wRemoveMembers
	wPutList
	wDeleteList
	wPutPrices
	wDeletePrices
	wJournal
)

// write is one statement of the buffer.
type write struct {
	kind  writeKind
	id    string   // wDeleteGroup, wDeleteList
	group groupRow // wPutGroup
	list  listRow  // wPutList
	// wAddMembers, wRemoveMembers: group and customer IDs; wDeletePrices: price IDs in a.
	a, b []string
	// wPutPrices: the prices, once per ID (the last write of an ID wins), and where each
	// ID is in prices. One statement writes them all: the key constraint is checked at
	// its end, so prices may trade keys within it.
	prices []pricing.Price
	at     map[string]int
	// was[i] is what the cache knew of the ID of prices[i] when it was first written:
	// that no price had it, that one had, or nothing. A flush that copies prices in
	// looks up only the IDs it knew nothing of.
	was []idState
	// wJournal: the Update's journal entry.
	entry *journalEntry
}

// idState is what a transaction knew of a price ID.
type idState uint8

const (
	idUnknown idState = iota
	idFree
	idTaken
)

func (w *writes) empty() bool { return len(w.ops) == 0 }

func (w *writes) reset() {
	clear(w.ops)
	w.ops = w.ops[:0]
}

// last returns the last write if it is of the kind, else appends a new one.
func (w *writes) last(kind writeKind) *write {
	if n := len(w.ops); n > 0 && w.ops[n-1].kind == kind {
		return &w.ops[n-1]
	}
	w.ops = append(w.ops, write{kind: kind})
	return &w.ops[len(w.ops)-1]
}

func (w *writes) putGroup(r groupRow) {
	w.ops = append(w.ops, write{kind: wPutGroup, group: r})
}

func (w *writes) deleteGroup(id string) {
	w.ops = append(w.ops, write{kind: wDeleteGroup, id: id})
}

func (w *writes) member(kind writeKind, groupID, customerID string) {
	o := w.last(kind)
	o.a = append(o.a, groupID)
	o.b = append(o.b, customerID)
}

func (w *writes) putList(r listRow) {
	w.ops = append(w.ops, write{kind: wPutList, list: r})
}

func (w *writes) deleteList(id string) {
	w.ops = append(w.ops, write{kind: wDeleteList, id: id})
}

func (w *writes) putPrice(p *pricing.Price, was idState) {
	o := w.last(wPutPrices)
	if o.at == nil {
		o.at = map[string]int{}
	}
	if i, ok := o.at[p.ID]; ok {
		o.prices[i] = *p // was as it was at its first write
		return
	}
	o.at[p.ID] = len(o.prices)
	o.prices = append(o.prices, *p)
	o.was = append(o.was, was)
}

func (w *writes) journal(e *journalEntry) {
	w.ops = append(w.ops, write{kind: wJournal, entry: e})
}

func (w *writes) deletePrice(id string) {
	o := w.last(wDeletePrices)
	o.a = append(o.a, id)
}

// queue queues the write's statement on b.
func (o *write) queue(b *pgx.Batch, st *statements) {
	switch o.kind {
	case wPutGroup:
		b.Queue(st.putGroup, o.group.args()...)
	case wDeleteGroup:
		b.Queue(st.deleteGroup, o.id)
	case wAddMembers:
		b.Queue(st.addMembers, o.a, o.b)
	case wRemoveMembers:
		b.Queue(st.removeMembers, o.a, o.b)
	case wPutList:
		b.Queue(st.putList, o.list.args()...)
	case wDeleteList:
		b.Queue(st.deleteList, o.id, int16(stripe(o.id)))
	case wPutPrices:
		b.Queue(st.putPrices, priceColumns(o.prices)...)
	case wDeletePrices:
		b.Queue(st.deletePrices, o.a)
	case wJournal:
		o.entry.queue(b, st)
		o.entry.queueItems(b, st)
	}
}

// priceColumnNames are the columns of COPY into prices, in priceColumns' order.
var priceColumnNames = []string{"id", "list_id", "variant_id", "currency_code", "region_id", "min_quantity", "max_quantity", "amount", "includes_tax", "revision"}

// priceColumns returns the prices as the ten arrays of the putPrices statement.
func priceColumns(ps []pricing.Price) []any {
	n := len(ps)
	ids, lists, variants, currencies, regions := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	mins, maxs, amounts, revs := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	taxes := make([]bool, n)
	for i := range ps {
		p := &ps[i]
		ids[i], lists[i], variants[i], currencies[i], regions[i] = p.ID, p.PriceListID, p.VariantID, p.CurrencyCode, p.RegionID
		mins[i], maxs[i], amounts[i], taxes[i], revs[i] = p.MinQuantity, p.MaxQuantity, p.Amount, p.IncludesTax, p.Revision
	}
	return []any{ids, lists, variants, currencies, regions, mins, maxs, amounts, taxes, revs}
}
