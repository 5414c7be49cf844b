package bolt

import (
	"bytes"
	"fmt"
	"slices"

	bbolt "go.etcd.io/bbolt"
)

// SchemaVersion is the version of the schema this package reads and writes. Open
// migrates a file of an older version to it, and refuses a file of a newer one with
// ErrSchemaTooNew.
const SchemaVersion = 5

// versionKey is the key, in the root bucket, of the schema version: a big-endian uint64.
// A root bucket without it (or no root bucket at all) is at version 0.
var versionKey = []byte("version")

// lastRevisionKey is the key, in the root bucket, of the last revision committed to the
// journal (encodeLastRevision), kept apart from the entries so that it survives a trim
// that deletes every entry. Schema 3 added it.
var lastRevisionKey = []byte("last_revision")

// bucketID names one bucket of the schema; bucketNames spells it.
type bucketID int

// The buckets, all children of the root bucket. The package documentation draws them.
const (
	bkGroups                bucketID = iota // group ID → group record
	bkGroupNames                            // name key → group ID
	bkMembers                               // lp(group) ‖ customer → ""
	bkMemberOf                              // lp(customer) ‖ group → ""
	bkMemberCounts                          // group ID → number of members
	bkLists                                 // list ID → list record
	bkListTerms                             // list ID → list terms
	bkListGroups                            // lp(list) ‖ group → ""
	bkGroupLists                            // lp(group) ‖ list → ""
	bkPrices                                // price ID → price
	bkPriceKeys                             // price key → price ID
	bkVariantCurrencyPrices                 // lp(variant) ‖ lp(currency) ‖ price ID → price
	bkListPrices                            // lp(list) ‖ price ID → ""
	bkJournal                               // revision → journal entry (schema 3)
	bkJournalItems                          // revision ‖ seq → journal item (schema 3)
	bkJournalKeys                           // lp(item key) ‖ revision ‖ seq → "" (schema 3)
	bkAdjustedLists                         // list ID → "", the lists with an adjustment (schema 4)
	bkListOrder                             // kind ‖ sort key ‖ list ID → order value; the number of lists (schema 5)
	numBuckets
)

// schema1Buckets is the number of buckets of schemas 1 and 2, the first ones above.
const schema1Buckets = bkJournal

// bucketNames are the names of the buckets in the file. They are part of the schema:
// renaming one takes a migration.
var bucketNames = [numBuckets]string{
	bkGroups:                "groups",
	bkGroupNames:            "group_names",
	bkMembers:               "members",
	bkMemberOf:              "member_of",
	bkMemberCounts:          "member_counts",
	bkLists:                 "lists",
	bkListTerms:             "list_terms",
	bkListGroups:            "list_groups",
	bkGroupLists:            "group_lists",
	bkPrices:                "prices",
	bkPriceKeys:             "price_keys",
	bkVariantCurrencyPrices: "variant_currency_prices",
	bkListPrices:            "list_prices",
	bkJournal:               "journal",
	bkJournalItems:          "journal_items",
	bkJournalKeys:           "journal_keys",
	bkAdjustedLists:         "adjusted_lists",
	bkListOrder:             "list_order",
}

// fillPercent is, for the buckets whose keys mostly arrive in ascending order, how
// full bbolt packs the pages it splits (its default, 0.5, suits random inserts): records
// keyed by IDs that are usually time-ordered (the Service's UUID v7), and the indexes
// that lead with such an ID. It changes no byte of the schema, only the page layout.
var fillPercent = [numBuckets]float64{
	bkGroups: 0.9, bkLists: 0.9, bkListTerms: 0.9, bkPrices: 0.9, bkListPrices: 0.9, bkPriceKeys: 0.9,
	// The journal's entries and items are keyed by revision: they only ever append.
	bkJournal: 1, bkJournalItems: 1,
}

// bucketKeys are bucketNames as byte slices, made once.
var bucketKeys = func() (keys [numBuckets][]byte) {
	for i, n := range bucketNames {
		keys[i] = []byte(n)
	}
	return keys
}()

// A migration takes the root bucket from the version equal to its index in migrations
// to the next one. It runs inside the transaction that runs every pending migration and
// then records the new version, so a file is never left between two versions.
type migration struct {
	name string
	fn   func(root *bbolt.Bucket) error
}

// migrations are the schema's migrations, in order: migrations[v] takes version v to
// v+1, and len(migrations) == SchemaVersion. The next change of schema appends one
// function here, with a test in migrate_test.go, and raises SchemaVersion.
var migrations = []migration{
	{"create the buckets of schema 1", migrate0to1},
	{"put a format byte before every value", migrate1to2},
	{"create the buckets of the journal", migrate2to3},
	{"index the lists with an adjustment; list terms of format 2", migrate3to4},
	{"index the lists in the orders of a listing", migrate4to5},
}

// migrate0to1 creates the buckets of schema 1 in a new (empty) root bucket.
func migrate0to1(root *bbolt.Bucket) error {
	for _, name := range bucketKeys[:schema1Buckets] {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrate2to3 creates the buckets of the journal, empty, and records last revision 0:
// a file of schema 2 has no journal, and its first entry will be revision 1. It writes
// nothing else, so it costs the same on a file of any size.
func migrate2to3(root *bbolt.Bucket) error {
	for _, id := range []bucketID{bkJournal, bkJournalItems, bkJournalKeys} {
		if _, err := root.CreateBucketIfNotExists(bucketKeys[id]); err != nil {
			return fmt.Errorf("create bucket %s: %w", bucketNames[id], err)
		}
	}
	return root.Put(lastRevisionKey, encodeLastRevision(0))
}

// formats1 are, per bucket, the format byte that migration 1 → 2 puts before each
// value: the format whose layout is exactly the value of schema 1, the first of every
// kind. The key-only indexes (0) keep their empty values.
var formats1 = [numBuckets]byte{
	bkGroups: 1, bkGroupNames: 1, bkMemberCounts: 1, bkLists: 1, bkListTerms: 1, bkPrices: 1, bkPriceKeys: 1,
	bkVariantCurrencyPrices: 1,
}

// migrate1to2 puts the format byte of its bucket before every value of schema 1, whose
// layouts are the first formats. Values that do not decode are left for Check to
// report, with the format byte before them: the migration only moves bytes.
func migrate1to2(root *bbolt.Bucket) error {
	for id, format := range formats1 {
		if format == 0 {
			continue
		}
		b := root.Bucket(bucketKeys[id])
		if b == nil {
			return fmt.Errorf("bucket %s is missing: %w", bucketNames[id], ErrCorrupt)
		}
		if f := fillPercent[id]; f != 0 {
			b.FillPercent = f
		}
		if err := prefixValues(b, format); err != nil {
			return fmt.Errorf("bucket %s: %w", bucketNames[id], err)
		}
	}
	return nil
}

// prefixValues puts prefix before every value of b, a batch of entries at a time: a
// cursor must not walk a bucket that changes under it. Nested buckets are left alone.
func prefixValues(b *bbolt.Bucket, prefix byte) error {
	const batch = 1024
	var (
		keys, values [][]byte
		next         []byte
	)
	for first := true; first || next != nil; first = false {
		keys, values = keys[:0], values[:0]
		c := b.Cursor()
		k, v := c.First()
		if !first {
			k, v = c.Seek(next)
		}
		for ; k != nil && len(keys) < batch; k, v = c.Next() {
			if v != nil {
				keys = append(keys, bytes.Clone(k))
				values = append(values, append([]byte{prefix}, v...))
			}
		}
		next = bytes.Clone(k) // nil at the end
		for i, k := range keys {
			if err := b.Put(k, values[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// migrate3to4 creates the adjusted_lists index, empty: no list of an older schema has
// an adjustment. The list terms of the older format stay as they are (format 1 reads
// as format 2 with no adjustment, customers or channels); the version changes so that
// an older package refuses the terms of format 2 that this one writes.
func migrate3to4(root *bbolt.Bucket) error {
	_, err := root.CreateBucket(bucketKeys[bkAdjustedLists])
	return err
}

// migrate4to5 creates list_order and fills it from lists: three entries per list and
// the number of list records. It reads the lists' names and times, not their metadata, and
// writes the entries in key order; it writes a few pages per thousand lists, whatever
// the number of prices.
func migrate4to5(root *bbolt.Bucket) error {
	lists := root.Bucket(bucketKeys[bkLists])
	if lists == nil {
		return fmt.Errorf("bucket %s is missing: %w", bucketNames[bkLists], ErrCorrupt)
	}
	order, err := root.CreateBucket(bucketKeys[bkListOrder])
	if err != nil {
		return err
	}
	type entry struct{ k, v []byte }
	var entries []entry
	n := 0
	c := lists.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := checkEntry(bkLists, k, v); err != nil {
			return err
		}
		n++
		id := string(k)
		name, created, updated, err := listKeys(id, v)
		if err != nil {
			// A damaged record does not stop the migration, which would leave the
			// file unopenable: it is counted but gets no entries, which Check reports.
			continue
		}
		value := encodeOrderValue(name, created, updated)
		_ = eachListOrderKey(nil, id, name, created, updated, func(key []byte) error {
			entries = append(entries, entry{key, value}) // a new key each: buf is nil
			return nil
		})
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
	order.FillPercent = 0.9
	for _, e := range entries {
		if err := order.Put(e.k, e.v); err != nil {
			return err
		}
	}
	return order.Put(listCountKey, encodeCount(uint64(n)))
}

// readVersion returns the schema version of the root bucket named root, 0 when there is
// no such bucket or it is empty. A root key that is not a bucket, and a root bucket
// that holds data without a version, are damage (ErrCorrupt): migrating them from
// version 0 would write over the data.
func readVersion(btx *bbolt.Tx, root []byte) (uint64, error) {
	rb := btx.Bucket(root)
	if rb == nil {
		// The top level of a bbolt file holds buckets only.
		if k, _ := btx.Cursor().Seek(root); bytes.Equal(k, root) {
			return 0, fmt.Errorf("%w: root bucket %q is not a bucket", ErrCorrupt, root)
		}
		return 0, nil
	}
	v := rb.Get(versionKey)
	if v == nil {
		if k, _ := rb.Cursor().First(); k != nil {
			return 0, fmt.Errorf("%w: root bucket %q holds data but no schema version", ErrCorrupt, root)
		}
		return 0, nil
	}
	return decodeVersion(root, v)
}

// migrate brings the root bucket to version len(migs) by running the pending
// migrations of migs in one read-write transaction. It writes nothing when the file is
// already at that version, and refuses (ErrSchemaTooNew), without writing, a newer one.
func migrate(db *bbolt.DB, root []byte, migs []migration) error {
	target := uint64(len(migs))
	var v uint64
	err := db.View(func(btx *bbolt.Tx) (err error) {
		v, err = readVersion(btx, root)
		return err
	})
	if err != nil {
		return err
	}
	if v > target {
		return tooNew(root, v, target)
	}
	if v == target {
		return nil
	}
	if db.IsReadOnly() {
		return fmt.Errorf("bolt: bucket %q has schema version %d and needs migrating to %d, but the database is read-only",
			root, v, target)
	}
	return db.Update(func(btx *bbolt.Tx) error {
		// Read again: the version may have moved since the View (a host application
		// sharing its file may be opening another Store on it).
		v, err := readVersion(btx, root)
		if err != nil {
			return err
		}
		if v > target {
			return tooNew(root, v, target)
		}
		rb, err := btx.CreateBucketIfNotExists(root)
		if err != nil {
			return fmt.Errorf("bolt: create root bucket %q: %w", root, err)
		}
		for ; v < target; v++ {
			if err := migs[v].fn(rb); err != nil {
				return fmt.Errorf("bolt: migration %d to %d (%s): %w", v, v+1, migs[v].name, err)
			}
		}
		return rb.Put(versionKey, encodeVersion(target))
	})
}

func tooNew(root []byte, v, target uint64) error {
	return fmt.Errorf("%w: bucket %q holds schema version %d, written by a newer version of package bolt; this one reads up to version %d",
		ErrSchemaTooNew, root, v, target)
}
