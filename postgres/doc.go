// Package postgres is a pricing.Store on PostgreSQL, for hosts that run several
// instances against one database, or that already keep their data in PostgreSQL. It is
// a module of its own (github.com/commercekit/pricing/postgres), on pgx v5 and its
// pool, so that the pricing module itself depends on neither.
//
// Open connects with a pool of its own; New lives in the host's pgxpool.Pool; WithTx
// binds a Store to a transaction the host holds. Any number of Stores, in any number of
// processes, may share one schema: every guarantee of pricing.Store holds between them.
// The store only keeps records and indexes; the pricing.Service validates every input
// and decides every rule (see package pricing).
//
// # Schema
//
// Every table lives in one schema (Options.Schema, "pricing" by default), so the store
// never touches the host's tables. The schema name is validated
// (^[a-z_][a-z0-9_]{0,62}$, not pg_...) and quoted as an identifier; every value
// reaches SQL as a bound parameter. Identifiers are text COLLATE "C", so that rows
// come back in byte order, the order the pricing.Tx iterations promise. Schema version
// 4 (migrations/0001_initial.sql, then 0002_journal.sql, which added the revision
// columns and the journal's tables, then 0003_list_power.sql, which added a list's
// customers, channels and adjustment, then 0004_list_order.sql, which added the
// listings' name keys, orders' indexes and counts of lists):
//
//	<schema>.transaction_lock            no columns, no rows: locked by every Update (above)
//
//	<schema>.schema_migrations          one row per applied migration
//	  version     integer      PK
//	  name        text
//	  applied_at  timestamptz  default now()
//
//	<schema>.customer_groups
//	  id          text         PK (customer_groups_pkey)
//	  name        text
//	  name_key    text         UNIQUE (customer_groups_name_key_key): the pricing.NameKey
//	  metadata    json         NULL for none; the JSON text as encoding/json wrote it
//	  created_at  timestamptz  + created_ns smallint: the nanoseconds below the µs, 0..999
//	  updated_at  timestamptz  + updated_ns smallint
//	  revision    bigint       the journal's revision that last changed the group (0: none)
//
//	<schema>.customer_group_members      group ↔ customer
//	  group_id    text         PK (group_id, customer_id)
//	  customer_id text         INDEX customer_group_members_customer_idx (customer_id, group_id)
//
//	<schema>.price_list_versions         64 rows, one per stripe of the lists
//	  stripe      smallint     PK, 0..63 (CHECK)
//	  version     bigint       +1 by each transaction that writes or deletes a list whose
//	                           ID hashes to the stripe (FNV-1a of the ID, modulo 64)
//	  lists       bigint       the number of lists whose ID hashes to the stripe: +1 by
//	                           the statement that inserts one, -1 by the one that
//	                           deletes one (pricing.PriceListOrderer's count sums them)
//
//	<schema>.price_lists
//	  id          text         PK (price_lists_pkey)
//	  name        text
//	  name_key    text         pricing.NameOrderKey(name), computed in Go (PostgreSQL's
//	                           lower() folds otherwise beyond ASCII, and by locale);
//	                           INDEX price_lists_name_idx (name_key, id)
//	  description bytea        the UTF-8 bytes: text cannot hold U+0000, which a
//	                           description may contain
//	  type        text         "sale" or "override" (the Service's values; not constrained)
//	  status      text         "draft" or "active"
//	  starts_at   timestamptz  NULL: unbounded; + starts_ns smallint (0 when NULL)
//	  ends_at     timestamptz  NULL: unbounded; + ends_ns smallint (0 when NULL)
//	  customer_group_ids text[]  the audience's groups, ascending; {} for none. No NULL
//	                           element. GIN INDEX price_lists_customer_group_ids_idx
//	                           (fastupdate off): the lists that name a group
//	  customer_ids text[]      the audience's customers, ascending; {} for none (with no
//	                           groups either: everyone). One dimension, no NULL element.
//	  channel_ids text[]       the channels, ascending; {} is every channel. One
//	                           dimension, no NULL element.
//	  adjustment_percent double precision  pricing.Adjustment.Percent, the float64 bit
//	                           for bit; NULL: no adjustment. Finite (CHECK). PARTIAL
//	                           INDEX price_lists_adjusted_idx (id) WHERE it is not NULL:
//	                           the adjusted lists, which every resolve reads
//	  adjustment_rounding text  the adjustment's Rounding ("half_up", "down", "up": the
//	                           Service's values; not constrained); NULL exactly when
//	                           the percent is (CHECK)
//	  includes_tax boolean
//	  metadata    json
//	  created_at, created_ns, updated_at, updated_ns  INDEX price_lists_created_idx
//	                           (created_at, created_ns, id), INDEX price_lists_updated_idx
//	                           (updated_at, updated_ns, id): the listings' orders
//	  revision    bigint
//
//	<schema>.prices                      base prices (list_id '') and list prices
//	  id            text       PK (prices_pkey)
//	  list_id       text       '' for a base price
//	  variant_id    text
//	  currency_code text
//	  region_id     text       '' for every region
//	  min_quantity  bigint
//	  max_quantity  bigint
//	  amount        bigint
//	  includes_tax  boolean
//	  revision      bigint
//	  UNIQUE prices_key_key (list_id, variant_id, currency_code, region_id, min_quantity,
//	      max_quantity) DEFERRABLE INITIALLY IMMEDIATE: the price key, checked at the end of
//	      each statement, so that one statement may move prices between keys
//	  INDEX prices_variant_currency_idx (variant_id, currency_code) INCLUDE (list_id,
//	      region_id, min_quantity, max_quantity, amount, includes_tax, id, revision):
//	      the resolver's index, whole prices, so that a resolve reads the index alone
//	      once the table's pages are all-visible (after autovacuum)
//
//	<schema>.journal_revision            one row: the journal's counter
//	  one         boolean      PK, CHECK (one): the only row
//	  last        bigint       the last revision committed (0: none); locked by an Update
//	                           that takes a revision, until it ends (see # The journal)
//
//	<schema>.journal_entries             an entry per revision kept (trimmed by At)
//	  revision    bigint       PK, > 0
//	  at          timestamptz  + at_ns smallint: the Service's clock, exactly
//
//	<schema>.journal_items               the entries' items, a row per key of an entry
//	  revision    bigint       PK (revision, key)
//	  key         text         INDEX journal_items_key_idx (key, revision): the history
//	                           of one variant, list, customer or group
//	  data        bytea        the key's items, each its place in the entry (from 1)
//	                           and its length (uvarints), then its bytes (the
//	                           Service's encoding of the change)
//
// CHECK constraints keep the nanosecond columns in 0..999 (and 0 beside a NULL
// instant), the sets of IDs free of NULLs (and the customers and channels in one
// dimension), and an adjustment whole: a finite percent with its rounding, or
// neither. Nothing else is constrained: the Store
// contract leaves references to the Service (a membership of a missing group is
// stored), so there are no foreign keys; Check verifies, in SQL, that the data keeps
// the invariants the library keeps (every name_key the name's, every stripe's count of
// lists its lists', both compared in Go where SQL cannot compute them), the journal's
// among them: the entries kept are
// consecutive revisions whose last is the counter's (trimming deletes the oldest
// only), and every item belongs to an entry, numbered 1 to n in it.
//
// Instants are exact: a timestamptz holds microseconds, and the nanoseconds below go
// in the _ns column beside it; instants outside timestamptz's range (4713 BC to 294276
// AD) are refused with pricing.ErrInvalid. Text columns cannot hold NUL or invalid
// UTF-8 (the database must be UTF8, which Open checks): the pricing package refuses
// them in IDs and names, and the store refuses them with pricing.ErrInvalid when it is
// given them directly. Descriptions are bytea and metadata json (which keeps \u0000),
// so every description and metadata value the Service accepts round-trips exactly.
//
// # Migrations
//
// The migrations are SQL files embedded in the package, applied in order, all that
// are pending in one transaction, under pg_advisory_xact_lock keyed by a hash of the
// package path and the schema name: of ten instances starting at once on a new
// schema, one migrates and nine wait, then find the work done. A store that finds the
// schema current takes no lock and writes nothing. A schema migrated by a newer version
// of this package is refused with ErrSchemaTooNew before anything is written.
// SchemaVersion is the version this package writes. A migration may have a step in Go,
// run after its SQL in the same transaction, for what SQL cannot compute as the store
// does: version 4's sets the name_key of the lists whose names go beyond ASCII (its SQL
// lowers the others under COLLATE "C", which folds A to Z only, as strings.ToLower
// does) and counts each stripe's lists.
//
// # Privileges
//
// At run time the store needs USAGE on its schema and SELECT, INSERT, UPDATE and
// DELETE on its tables. Migrating needs more: CREATE on the database when the schema
// does not exist yet (the store creates it), else ownership of the schema's tables
// and CREATE on the schema. A host may migrate with an owner role (Open or New once,
// at deploy time) and run with a role that has only the run-time privileges, which
// TestRuntimePrivileges checks:
//
//	GRANT USAGE ON SCHEMA pricing TO app;
//	GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pricing TO app;
//
// # Transactions
//
// A View is a REPEATABLE READ READ ONLY transaction: one snapshot of the committed data.
// An Update is a SERIALIZABLE transaction. SERIALIZABLE, not the snapshot of REPEATABLE
// READ, is what keeps the Service's checks true across instances: a group deleted while
// another instance adds members to it, or names it in a new price list, is a write
// skew that only serializable isolation refuses (one transaction fails and is retried,
// and then finds the group gone, or the list there). Unique keys (group name keys,
// price keys, IDs) are the constraints above, whatever the isolation.
//
// The statement that begins a transaction goes to the server with its first statement,
// in one round trip. An Update buffers its writes and sends them with its next read
// of the server, or with the COMMIT, as one pipelined batch: a run of memberships, or
// of prices, is one statement over arrays (unnest); a run of 1,000 prices or more is
// written with COPY (the prices that exist updated first, in one statement), in round
// trips of its own. Reads in an Update are cached for the transaction, which sees one
// snapshot that only its own writes change: groups and lists by ID, name keys, and
// prices by ID and by key, with the ranges of IDs and of keys that the cache knows
// whole, and the variants all of whose prices it knows. A lookup by ID that misses reads
// the prices from that ID on, in ID order, up to a limit that doubles as a bulk write
// goes on; one by key reads the list's keys from the key's variant on the same way,
// or, for a base price, every price of the variant. A bulk write of prices in rough
// variant or ID order thus costs a handful of round trips, and SetBasePrices three. A
// write method checks its arguments, and asks the cache whether its key is taken or
// its record exists, before it buffers anything: a write that fails changes nothing,
// and the transaction goes on.
//
// Update retries a transaction that fails with a serialization failure (40001), a
// deadlock (40P01), a unique violation of a key that the cache found free (a
// concurrent transaction took it first), or a connection lost before the COMMIT was
// sent: it rolls back, waits (up to 1 ms, then 1 ms doubling up to 250 ms, ±50%
// jitter, ending early with the context) and runs fn again on a new snapshot, at most Options.MaxRetries
// times (DefaultMaxRetries), then fails with ErrContention (or pricing.ErrAlreadyExists
// for a key taken first). So fn may run more than once, as pricing.Store allows. A
// connection lost after the COMMIT was sent is not retried: the error wraps
// ErrCommitUnknown. A View runs fn once.
//
// Serializable isolation has a price: PostgreSQL tracks what a transaction read by
// index page, so two transactions that write neighbouring keys (two loaders writing
// variant after variant) often fail one another and retry, though they touched no
// common row. Every Update locks the table transaction_lock in ROW SHARE mode (sent
// with BEGIN, in the same round trip); an Update that failed three times locks it in
// EXCLUSIVE mode, so that it waits for the Updates in progress, in every process,
// holds off new ones, and then cannot fail on a conflict with them. The lock comes
// before the transaction's first query, so before its snapshot: an Update that waited
// for it sees what those it waited for wrote.
//
// Every call honours its context: pgx closes a connection whose context ends during a
// statement, so no call outlives its deadline on a server that stopped answering. A
// lost connection rolls its transaction back (PostgreSQL does), so an Update is never
// half-applied; the pool replaces broken connections by itself.
//
// # Resolving in one round trip
//
// Store implements pricing.CandidateReader: the Service reads everything a Resolve or a
// ResolveMany needs — the customer's groups, every price of the variants in the
// currency, the terms of those prices' lists, and the terms of every list with an
// adjustment (whose prices are derived, not stored) — in one round trip, however many
// lists price the variants. The Store keeps the terms of every list, with the 64
// stripe versions it read them with; one statement (one snapshot) reads the groups,
// the prices and the versions. When the versions are the cache's, no list changed
// since, and the cached terms are those of that snapshot. Otherwise a second round
// trip reads with a statement that joins the terms of the prices' lists and of the
// adjusted lists itself, and reloads the cache. The Tx of View and Update implements
// pricing.AdjustedLister with the partial index price_lists_adjusted_idx, for the
// resolves that read through a Tx (Query.Explain). A statement's first run on a connection costs a round trip more
// (pgx prepares it). With Query.Explain, the Service resolves in a View instead, a
// round trip per read. Writing to the tables other than through the store voids the
// cache's check: do not.
//
// # Listing
//
// The Tx of View and Update implements pricing.PriceListOrderer and pricing.MemberPager,
// so that the Service's listings cost a walk of an index up to the page, not a read and
// a sort of every list. A walk is keyset pages of the order's index (a row comparison
// of its columns after the last row; a descending order scans the index backward),
// of the head's columns only (no description, no metadata): 128 rows, then 8 times
// more a statement, up to 8,192, so that a walk that stops at its first page reads one
// statement. Like every read of an Update, it comes after the transaction's buffered
// writes, which it sees. The count of lists sums the 64 stripes' counts. The Service
// then reads the page's records by ID: the first that the transaction's cache misses
// reads, in one statement, the records of the lists the walk handed out after it (or,
// for a filter by groups, the group's lists, whose IDs AppendPriceListIDsOfGroup
// read): 256 the first time, then twice as many as the last read's lookups used, so
// that a page of a filter that few lists match falls back to reading a list or two at
// a time. A page of 50 lists among 5,000, first or after a cursor, costs 4 round trips
// (the count with the BEGIN, the walk, the page's records, the COMMIT) and about 0.6
// ms against a local server; a filter other than groups walks every list's head to
// count the matches (BENCHMARKS.md, "Listing price lists"). A cursor the server cannot
// be sent (invalid UTF-8) is compared in Go, on a walk from the first list.
//
// # The journal
//
// Store implements pricing.Journal, and the Tx of its View and Update
// pricing.JournalTx, so that the Service stamps records with revisions and keeps the
// change feed (Service.Changes, Service.WaitChanges) across every process that shares
// the schema.
//
// Revisions are dense and commit in order, whatever the writers: an Update takes its
// revision, the counter's last + 1, when the Service first asks for it (at its first
// write), and locks the counter's row (SELECT ... FOR UPDATE) until it ends; the
// statement that writes its entry sets the counter. So the Updates that write entries
// commit one at a time in revision order, in every process, and none can commit
// revision R+1 before R. The counter is read with the statements that begin the
// Update, in its snapshot, and the lock goes just before the entry's statements, with
// the commit: no round trip of its own, and the lock is held from the entry's write to
// the end of the commit only (a bulk write's COPY of its prices comes before). A
// counter changed by another transaction since the Update's snapshot fails the Update
// with a serialization failure, and Update runs it again, on a new snapshot, where the
// Service asks again. An Update that asked and writes no entry, or that fails, leaves
// the counter as it was: no revision is skipped. The Updates that write (all the
// Service's that change anything) thus serialize on the counter for their commits,
// fsync included, which follow one another instead of overlapping; their reads and
// writes still overlap, at the price of a retry when another commits meanwhile. A
// View's LastRevision is the counter in its snapshot.
//
// An entry's items are stored a row per key (the ten prices of a variant that a bulk
// write adds are one row, the variant's history one index entry), framed with their
// places in the entry into one bytea (arrays cost the server more to write), so that
// ReadJournal gives them back in their order. They go with the
// Update's other writes, in the commit's batch, by statements of about 4,096 items; an
// entry of 10,000 items or more (AddPrices of 100,000 prices) is written with COPY. ReadJournal reads a page of entries a statement and
// calls its function between statements (it may use the store); consecutive
// revisions make the pages consistent, and a trim that removes entries between two
// pages is reported with an error wrapping pricing.ErrTrimmed. TrimJournal deletes,
// in one statement, the entries before the first one not older than its instant, in
// revision order, and their items; the counter stays.
//
// WaitJournal is woken at once by the Store's own commits, and by those of every
// other process through PostgreSQL's notifications: the statement that writes an
// entry calls pg_notify on the channel pricing_journal.<schema> (a hash of the schema
// past 63 bytes) with the revision, which PostgreSQL delivers at the commit. The first
// WaitJournal of a Store starts its listener, which holds one connection from then
// until Close: taken from the pool and hijacked, so that the pool opens another in
// its place (made as the pool makes its own). When that connection breaks (a server
// restart), the listener connects again, with a pause growing to 2 s, LISTENs again
// and reads the counter. And while a WaitJournal waits, the Store reads the counter
// every 2 s, so that a notification lost (the listener reconnecting, a pooler in
// transaction mode, which does not carry notifications) delays a waiter by that much
// at most, never forever.
//
// # The host's transaction
//
// WithTx binds a Store to a pgx.Tx that the host holds, the way sqlc's generated
// Queries.WithTx does, so that a host changes its own tables and the pricing data
// together and commits once:
//
//	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
//		if _, err := tx.Exec(ctx, "INSERT INTO customers (id) VALUES ($1)", id); err != nil {
//			return err
//		}
//		return pricing.New(store.WithTx(tx)).AddCustomers(ctx, groupID, []string{id})
//	})
//
// Its Update runs in a savepoint of the host's transaction, and its View in the
// transaction itself; it neither commits nor retries, so a serialization failure comes
// back to the host, which retries its whole transaction. The guarantees of
// pricing.Store hold when the host's transaction is SERIALIZABLE.
//
// A TxStore keeps the journal too: the changes made through it take their revision in
// the host's transaction (which then holds the counter's lock until it ends: keep it
// short) and commit with it, so that followers of the feed miss nothing written
// through a host's transaction; its notification goes out at the host's commit. Its
// Journal methods read in the host's transaction, which sees its own entries;
// TrimJournal runs in a savepoint. Its WaitJournal returns when the host's
// transaction sees a later revision: its own Updates wake it, and so do the commits
// of other processes, but a REPEATABLE READ or SERIALIZABLE snapshot never sees
// those, so there it waits until its context ends. Wait on the Store instead.
package postgres
