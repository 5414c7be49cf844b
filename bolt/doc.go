// Package bolt is a durable pricing.Store on a bbolt file (go.etcd.io/bbolt).
//
// Open opens (or creates, with mode 0600) a file that the store owns; New puts the
// store inside a host application's own bbolt database, under a root bucket of its
// own. Either way every pricing.Store transaction is one bbolt transaction: a View
// sees one consistent state, an Update commits all its writes with one fsync (unless
// Options.NoSync) or none of them, and a crash at any moment leaves the file as of the
// last committed Update. Check verifies a file: bbolt's page structure, read with
// bounds checks of its own, and every index entry against its record. A damaged file
// is an error wrapping ErrCorrupt, not a crash (see Damaged files below). The store
// keeps the journal of revisions in the same file, committed with the writes it
// records (see The journal below).
//
// The store only keeps records and indexes; the pricing.Service validates every input
// and decides every rule (see package pricing).
//
// # Schema
//
// All data lives under one root bucket (Options.Bucket, "pricing" by default). Every
// key and value below is built and parsed by one function of encoding.go, every bucket
// is named in schema.go. The tree, for schema version 5:
//
//	<root>/                          Options.Bucket, default "pricing"
//	├── version                      schema version: uint64
//	├── last_revision                the journal's last committed revision (0: none)
//	├── groups/                      customer groups
//	│   └── <group ID>               → group record
//	├── group_names/                 unique name keys of groups
//	│   └── <name key>               → ID value: the group's ID
//	├── members/                     group → customers
//	│   └── lp(group ID) customer ID → ""
//	├── member_of/                   customer → groups
//	│   └── lp(customer ID) group ID → ""
//	├── member_counts/               number of members of a group (no entry: 0)
//	│   └── <group ID>               → count
//	├── lists/                       price lists, the part the resolver does not read
//	│   └── <list ID>                → list record
//	├── list_terms/                  price lists, the part the resolver reads
//	│   └── <list ID>                → list terms
//	├── list_groups/                 list → groups (its audience)
//	│   └── lp(list ID) group ID     → ""
//	├── group_lists/                 group → lists whose audience names it
//	│   └── lp(group ID) list ID     → ""
//	├── prices/                      prices
//	│   └── <price ID>               → price
//	├── price_keys/                  unique keys of prices
//	│   └── <price key>              → ID value: the price's ID
//	├── variant_currency_prices/     variant + currency → prices (the resolver's index),
//	│   │                            and variant → prices (a scan of lp(variant ID) alone)
//	│   └── lp(variant ID) lp(currency) price ID → price index value
//	├── list_prices/                 list → prices; list ID "" holds the base prices
//	│   └── lp(list ID) price ID     → ""
//	├── journal/                     the journal's entries, one per revision
//	│   └── revision                 → entry
//	├── journal_items/               the entries' items, in their order
//	│   └── revision seq             → item
//	├── journal_keys/                item key → the items of that key, by revision
//	│   └── lp(item key) revision seq → ""
//	├── adjusted_lists/              the lists with an adjustment, which every resolve reads
//	│   └── <list ID>                → ""
//	└── list_order/                  the lists in the orders of a listing (schema 5)
//	    ├── "c" otime(created) list ID       → order value
//	    ├── "u" otime(updated) list ID       → order value
//	    ├── "n" name order key 0x00 list ID  → order value
//	    └── "#count"                 → count: the number of lists
//
// Notation: lp(s) is s preceded by its length as an unsigned varint
// (encoding/binary.AppendUvarint), ‖ is concatenation, integers are big-endian, and
// uint64 and int64 take 8 bytes (a revision is an int64, 1 or more), seq (an item's
// place in its entry, from 0) is a uint32 of 4 bytes. IDs are arbitrary bytes, so no part of a composite
// key is ever terminated by a separator character: every part but the last is
// length-prefixed, and the last one runs to the end of the key. A prefix scan over
// lp(first) therefore finds exactly the entries of first, in ascending order of the
// last part, which is the order the pricing.Tx iteration methods promise. The keys of
// list_order are the exception, made for byte order to be the order of a listing
// (pricing.PriceListOrderer): otime(t) is t's Unix seconds as a uint64 with the sign
// bit flipped, then its nanoseconds as a uint32, 12 bytes; the name order key
// (pricing.NameOrderKey, the name in lower case) holds no 0 byte, since names hold no
// control character, so 0x00 ends it and the ID runs to the end of the key.
//
// Values: every value but the schema version and the empty ones is a format byte
// followed by the layout below (time and metadata are parts of the others). The
// format is 2 for group records, list records, prices and price index values, whose
// format 1 (schema 2) had no revision, 2 for list terms, whose format 1 (schemas 1 to 3)
// had no adjustment, customers or channels, and 1 for every other kind (see Formats
// below):
//
//	time         1 tag byte: 0 for the zero time.Time (no payload), 1 + int64 Unix
//	             nanoseconds, or 2 + int64 Unix seconds + uint32 nanoseconds for instants
//	             outside int64 nanoseconds (before 1678 or after 2262). Times come
//	             back in UTC, exactly.
//	group record lp(name) lp(name key) time(created) time(updated) varint(revision)
//	             metadata
//	list record  lp(name) lp(description) time(created) time(updated)
//	             varint(revision) metadata
//	revision     the journal's revision that last wrote the record, as
//	             encoding/binary.AppendVarint writes it; 0 when it was written without
//	             a journal entry (by a host's code, or in a file of schema 2).
//	metadata     the rest of the value: nothing for nil metadata, else the JSON object
//	             (encoding/json); it comes back with JSON's types (map[string]any,
//	             []any, string, float64, bool, nil).
//	list terms   (format 2) lp(type) lp(status) flags(1 byte; bit 0: includes tax,
//	             others 0) time(starts) time(ends) adjustment, then a header for each
//	             of three sets of IDs (customer groups, customers, channels): uvarint(n)
//	             and n-1 × uvarint(length of an ID), n being 0 for a nil set, else the
//	             number of IDs plus one; then the IDs of the three sets back to back.
//	             The adjustment is 0 for none, else 1, the IEEE 754 bits of the
//	             percentage (uint64) and lp(rounding). Format 1 (schemas 1 to 3) has no
//	             adjustment and one set, the customer groups.
//	price        fixed part: flags(1 byte, as in list terms) int64(amount)
//	             int64(min quantity) int64(max quantity); then varint(revision),
//	             uvarint lengths of (variant ID, currency, list ID, region ID) and those
//	             four strings back to back. The price ID is the key.
//	price index value
//	             the same fixed part and revision, then uvarint lengths of (list ID,
//	             region ID) and those two strings: the key holds the rest of the price,
//	             so an entry of variant_currency_prices is a whole price.
//	ID value     the ID, to the end of the value (never empty).
//	count        uint64.
//	order value  time(created) time(updated) name (to the end of the value): what a
//	             listing reads of a list beside its terms, the same in its three
//	             list_order entries.
//	price key    (a key, without a format byte) lp(list ID) lp(variant ID) lp(currency)
//	             lp(region ID) int64(min quantity) int64(max quantity)
//	last revision
//	             int64.
//	entry        time(At) uvarint(number of items).
//	item         lp(item key) data (to the end of the value). An item key is never
//	             empty, and no longer than an ID.
//
// The resolver's calls decode no JSON: AppendVariantPrices is one cursor prefix scan
// of variant_currency_prices, whose entries are whole prices; PriceListTerms reads
// list_terms only; AppendCustomerGroupIDs is one prefix scan of member_of. The strings
// of the prices (or group IDs) that one call returns share one allocation, and so do
// the group IDs of decoded terms.
//
// The golden tests of encoding_test.go spell out the bytes of every layout, and
// testdata/schema-vN.db holds a database written by each schema version N, which every
// later version must open, Check clean and read back exactly.
//
// # Formats
//
// A value carries its format; the file carries its schema version. Each kind of value
// counts its formats from 1, and its decoder reads every format it has had while its
// encoder writes the newest, so a new layout of a value (a field added to a record,
// say) needs no rewrite of the values already on disk: they move to the new format as
// they are written again. This matters because a migration runs in one bbolt
// transaction, which keeps every page it writes in memory until it commits: on a file
// of the size BENCHMARKS.md measures (13 GB, 30 million prices), a migration that
// rewrites every value cannot run. A new format still raises SchemaVersion, with a
// migration that writes nothing but the version, so that an older package refuses the
// file (ErrSchemaTooNew) instead of meeting values it cannot read; in a file of a
// known schema version, a format byte the package does not know is corruption, and a
// decoder says so, naming the bucket and the key, instead of reading garbage.
//
// Schema 1 had no format bytes. Migration 1 → 2 puts one before every value, once,
// while files are young: it rewrites every value in one transaction. The cost is one
// byte per value. The key-only indexes keep empty values (an empty value cannot be
// mistaken for a later format that has a payload), and keys carry no format: a key's
// layout is the order of its bucket, and changing it is a migration whatever the key
// holds. The schema version key is the one value without a format byte: every version
// of the package reads it to learn whether it may read the rest.
//
// Schema 3 gave group records, list records, prices and price index values a format 2,
// which adds the record's revision: the values of a file of schema 2 stay in format 1,
// read with revision 0, until they are written again.
//
// # Transactions, writes and caches
//
// A View is one bbolt read-only transaction and never blocks an Update, nor another
// View; keep them short, since a long one holds the pages it reads from reuse. Values
// are decoded inside the transaction and copied out: nothing a Tx returns points into
// the file.
//
// An Update buffers its writes and applies them to bbolt, each bucket's in key order,
// when its function returns (and a bucket's before any scan of that bucket; reads by
// key look into the buffer first). bbolt splits its B+tree nodes only when it
// commits, so keys written in random order into one transaction would otherwise cost
// quadratic time: with the buffer, a bulk write of n prices costs O(n log n). A write
// method checks its arguments before it buffers anything (IDs and keys of at most
// about 8 KiB; bbolt's keys hold at most 32 KiB), so a write that fails on its
// arguments leaves nothing behind and the transaction can go on. One that meets damage
// (ErrCorrupt: an undecodable record or count) may have buffered part of its work; the
// Service then fails the Update, which writes nothing.
//
// PutPriceList and DeletePriceList keep list_order in the same Update: a list's three
// entries move when its name or times change, and the count follows inserts and
// deletes. PriceListsInOrder is a cursor walk of one order's entries from a seek to
// its position, forward or backward, reading each list's terms (from the cache below
// in a read-only transaction); CountPriceLists is one read.
//
// The store keeps the price list terms decoded by read-only transactions, for the
// snapshot they read (bbolt's transaction ID): the resolver asks for them on every
// resolve, and they change rarely. Terms that PriceListTerms returns from this cache
// share their slices and Adjustment, which the pricing.Tx contract makes read-only.
//
// # The journal
//
// The Store is a pricing.Journal, and its transactions are pricing.JournalTx: the
// pricing.Service gives every Update that changes something the next revision, stamps
// it on the records it writes, and writes what changed as one journal entry (see
// package pricing). An entry is stored as its value in journal, under its revision,
// and one value per item in journal_items, under the revision and the item's place;
// journal_keys indexes the items by key, so that ReadJournal of one key (the history
// of a variant, say) is a prefix scan of journal_keys and point reads, whatever the
// size of the journal. The root bucket's last_revision moves to the entry's revision
// in the same transaction: it is the LastRevision of every later transaction, and
// stays when TrimJournal deletes every entry. bbolt runs one Update at a time, so
// revisions commit in order and without gaps.
//
// WriteJournal checks the entry (its revision must be Revision's, the Update's first
// entry, every item key non-empty and no longer than an ID) before it buffers any of
// it, with the Update's other writes: the entry commits with them or not at all.
// ReadJournal reads one snapshot in one read-only transaction, and its function runs
// inside it (it must not call Update). TrimJournal deletes the oldest entries whose
// instant is before its argument, with their items, in Updates of at most about 20,000
// items each, and writes nothing when nothing is due.
//
// WaitJournal is woken when an Update that wrote an entry commits through this Store,
// or through any other Store of this process on the same root bucket of the same
// *bbolt.DB (New twice on a host's database), and by Close. That is every commit the
// file can see while the process has it open: bbolt locks the file for the process
// that opens it for writing, and a read-only open (which would not write either) takes
// a shared lock that a writer's excludes. So it waits on a channel, and never polls.
//
// # Versions and migrations
//
// The root bucket's version key holds the schema version (SchemaVersion); a file
// without it is at version 0. Open and New run every pending migration, in order, in
// one read-write transaction that ends by writing the new version, so a file is never
// left between two versions. A file whose version is newer than this package's is
// refused with ErrSchemaTooNew and left byte-for-byte untouched: the version is read in
// a read-only transaction first. A file already at SchemaVersion is not written at
// open. Migration 0 → 1 creates the buckets of the records and their indexes; 1 → 2
// puts the format bytes before the values; 2 → 3 creates the journal's buckets, empty,
// and last_revision 0 (a file of schema 2 has no journal: its first entry is revision
// 1); 3 → 4 creates adjusted_lists, empty (no list of an older schema has an
// adjustment), and leaves the list terms of format 1 as they are; 4 → 5 creates
// list_order and fills it from the lists (their names and times, not their metadata),
// three entries and a count. Only 1 → 2 rewrites values; 4 → 5 writes in proportion to
// the number of lists, and the others write a few pages, whatever the size of the
// file.
//
// # Durability and locking
//
// bbolt holds an exclusive lock (flock) on the file while it is open. Open waits at
// most Options.Timeout (default one second) for it, then fails with ErrLocked instead
// of hanging. With Options.NoSync unset, Update returns only after the commit is on
// disk; a crash (of the process or of the machine) leaves the file as of the last
// commit that returned, which the package's crash test checks by killing a writing
// process at random moments.
//
// # Damaged files
//
// bbolt maps its file into memory and trusts it: it follows every page ID, count,
// offset and length it finds there. On a damaged file (a disk error, a truncated copy,
// a file from elsewhere) a number that points past the end of the file kills the
// process with SIGBUS or SIGSEGV, and a page that is not what its parent says makes
// bbolt panic, in its checker in a goroutine where nothing can recover it. The store
// reads the structures that bbolt trusts before bbolt does, and turns what it cannot
// check first into errors:
//
//   - Open reads the file's two meta pages itself before bbolt maps the file, and
//     chooses one as bbolt does (the valid one, by magic, version and checksum, with
//     the higher transaction ID). It refuses a file that is shorter than the pages that
//     meta page counts (a truncated file, which bbolt would read past its end while
//     opening it), a file without a valid meta page, a meta page whose root or freelist
//     page lies outside the file, and a damaged freelist page header. An empty file is
//     a new store, as in bbolt. Open and New then check the pages that every
//     transaction reads before any record: the top-level tree, the tree of the root
//     bucket, and the headers of the schema's buckets and of their root pages.
//   - View and Update run with runtime/debug.SetPanicOnFault set, so that a fault
//     reading the mapped file is a panic, and every pricing.Tx method turns a panic
//     that bbolt raises while it runs into an error wrapping ErrCorrupt. After one,
//     every later method of the transaction returns the same error, and an Update
//     rolls back whatever its function returns. The caller's own panics (in fn, or in
//     the function an iteration method calls) are never recovered: they go on up with
//     their value, as the pricing.Store contract says; and while fn runs, a fault in
//     the caller's own code is a panic too. A key or value longer than bbolt ever
//     writes, or an ID longer than the store writes, is an error before it is copied;
//     so is, in the journal, an entry longer than the whole file.
//   - Check walks every page of the tree from the meta page, reading the file with
//     bounds checks: every page ID within the file, every page of the type its parent
//     says and referenced once, every count, overflow and element offset within its
//     page, every bucket header and inline bucket within its value, the freelist page
//     and the IDs it lists. Its time and memory are bounded by the size of the file,
//     whatever the file holds. Only on a sound structure does it run bbolt's checker
//     (key order, pages neither reachable nor free) and its own walk of the schema.
//
// What Check cannot see: bbolt keeps checksums of its meta pages only, none of its
// data pages, so damage that leaves every structure valid goes unnoticed. A changed
// byte inside a name, an ID, an amount, a time or metadata that still decodes, and in
// a record that no index repeats, reads back changed; so does a change to a page that
// the tree no longer uses (a free page) harmlessly. Changes to keys and to the values
// that indexes repeat are found, as disagreements between records and indexes.
//
// What reads cannot survive: a tree of pages in which a page points back at one of
// its ancestors sends bbolt's cursors down the loop until the goroutine's stack is
// exhausted, which kills the process; no read can tell in advance without reading
// every page. Check finds such loops. Run Check before serving from a file that you
// did not write, or after the machine (not only the process) crashed under
// Options.NoSync; a store whose Check fails is to be restored from a backup.
package bolt
