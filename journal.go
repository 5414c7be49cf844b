package pricing

import (
	"context"
	"time"
)

// Journal is an optional capability of a Store: a journal of revisions, which gives
// every committed Update that changes anything a revision number and keeps what it
// changed. The Service detects it with a type assertion; with it, groups, price lists
// and prices carry the revision that last changed them, Service.Changes and
// Service.WaitChanges follow every change, updates and deletes can state the revision
// they expect, and a resolution can tell the lowest prior price. The memory, bolt and
// postgres stores have it; a store without it still passes storetest.
//
// The Service writes the journal and decides what goes in it: an entry per revision,
// made of items, each an opaque value under a key (one item per changed record, keyed
// by the variant of a price, the list, the customer of a membership). The store keeps
// the entries in revision order and indexes their items by key, so that the history of
// one variant is read without reading the whole journal.
//
// Revisions are 1, 2, 3, ...: the revision of an Update is one more than the last
// committed revision, and revisions commit in order, so that a reader that has read
// every entry up to revision R never sees an entry numbered R or less appear later,
// whatever the concurrency of writers.
type Journal interface {
	// LastRevision returns the revision of the last committed entry, 0 for none.
	LastRevision(ctx context.Context) (int64, error)
	// ReadJournal calls fn for each entry whose revision is greater than after, in
	// revision order, with its items in their order, until fn returns false or limit
	// entries were read (0: no limit). With key set, it reads only the entries that
	// have items of that key, and of each only those items.
	ReadJournal(ctx context.Context, after int64, key string, limit int, fn func(JournalEntry) bool) error
	// WaitJournal blocks until the last revision is greater than after, or ctx is
	// done, and returns the last revision. It is woken by commits of other processes
	// too, on a store that processes share.
	WaitJournal(ctx context.Context, after int64) (int64, error)
	// TrimJournal deletes the entries committed before t (by their At) and returns
	// how many it deleted. LastRevision still reports the last revision committed.
	TrimJournal(ctx context.Context, before time.Time) (int, error)
}

// JournalEntry is one revision of the journal.
type JournalEntry struct {
	Revision int64
	// At is the Service's clock when the Update ran.
	At time.Time
	// Items are what the revision changed, encoded by the Service.
	Items []JournalItem
}

// JournalItem is a part of a journal entry: a value under an index key.
type JournalItem struct {
	Key  string
	Data []byte
}

// JournalTx is the Tx of a View or an Update on a store that is a Journal.
type JournalTx interface {
	Tx
	// LastRevision returns the last revision committed when the transaction began:
	// the revision of the state it reads (before its own writes).
	LastRevision() (int64, error)
	// Revision returns the revision an Update commits as if it writes an entry: one
	// more than LastRevision. The Service stamps the records it writes with it.
	Revision() (int64, error)
	// WriteJournal writes the Update's entry, committed with the Update's other writes
	// (or rolled back with them). An Update writes at most one entry; one that writes
	// none takes no revision.
	WriteJournal(e JournalEntry) error
}
