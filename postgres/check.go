package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/commercekit/pricing"
)

// maxProblems bounds the problems one Check reports.
const maxProblems = 100

// newCheckQueries returns the queries of Check. Each returns one text column, a row per
// problem. q puts the schema's name in place of {s}.
func newCheckQueries(q func(string) string) []checkQuery {
	return []checkQuery{
		{"schema version", q(`SELECT format('schema_migrations holds versions %s, want 1 to %s', string_agg(version::text, ',' ORDER BY version), $1::int)
			FROM {s}.schema_migrations HAVING array_agg(version ORDER BY version) <> ARRAY(SELECT generate_series(1, $1::int))`)},
		{"memberships of missing groups", q(`SELECT format('customer %L is a member of the missing group %L', m.customer_id, m.group_id)
			FROM {s}.customer_group_members m
			WHERE NOT EXISTS (SELECT FROM {s}.customer_groups g WHERE g.id = m.group_id)
			ORDER BY m.group_id, m.customer_id LIMIT 100`)},
		{"audiences naming missing groups", q(`SELECT format('price list %L names the missing group %L', l.id, a.group_id)
			FROM {s}.price_lists l, unnest(l.customer_group_ids) AS a(group_id)
			WHERE NOT EXISTS (SELECT FROM {s}.customer_groups g WHERE g.id = a.group_id)
			ORDER BY l.id, a.group_id LIMIT 100`)},
		{"audiences out of order", q(`SELECT format('price list %L: audience %s is not strictly ascending', l.id, l.customer_group_ids)
			FROM {s}.price_lists l
			WHERE l.customer_group_ids <> ARRAY(SELECT DISTINCT g FROM unnest(l.customer_group_ids) AS a(g) ORDER BY g)
			ORDER BY l.id LIMIT 100`)},
		{"customers and channels out of order", q(`SELECT format('price list %L: %s %s is not strictly ascending', l.id, a.what, a.ids)
			FROM {s}.price_lists l,
				LATERAL (VALUES ('customers', l.customer_ids), ('channels', l.channel_ids)) AS a(what, ids)
			WHERE a.ids <> ARRAY(SELECT DISTINCT x FROM unnest(a.ids) AS u(x) ORDER BY x)
			ORDER BY l.id, a.what LIMIT 100`)},
		// The name keys of the lists whose names are ASCII: lower() under COLLATE "C"
		// folds A to Z only, as strings.ToLower does on ASCII. checkNameKeys compares the
		// others in Go.
		{"name keys", q(`SELECT format('price list %L: name_key %L is not the name %L in lower case', l.id, l.name_key, l.name)
			FROM {s}.price_lists l
			WHERE octet_length(l.name) = char_length(l.name) AND l.name_key <> lower(l.name COLLATE "C")
			ORDER BY l.id LIMIT 100`)},
		{"prices of missing lists", q(`SELECT format('price %L belongs to the missing price list %L', p.id, p.list_id)
			FROM {s}.prices p
			WHERE p.list_id <> '' AND NOT EXISTS (SELECT FROM {s}.price_lists l WHERE l.id = p.list_id)
			ORDER BY p.id LIMIT 100`)},
		{"empty IDs", q(`SELECT format('%s with an empty %s', what, col) FROM (
				SELECT 'a customer group' AS what, 'ID' AS col FROM {s}.customer_groups WHERE id = ''
				UNION ALL SELECT 'a membership', 'group or customer ID' FROM {s}.customer_group_members WHERE group_id = '' OR customer_id = ''
				UNION ALL SELECT 'a price list', 'ID' FROM {s}.price_lists WHERE id = ''
				UNION ALL SELECT 'a price', 'ID' FROM {s}.prices WHERE id = ''
			) e LIMIT 100`)},
		// The journal: one counter; the entries kept are consecutive revisions, the last
		// of them the counter's (trimming deletes the oldest, and the last only with all
		// the others); every item belongs to an entry (and checkItems decodes them). The
		// records' revisions are what the store was given: the Service stamps them with
		// the revisions of the journal, but a Store need not check that.
		{"journal counter", q(`SELECT format('journal_revision has %s rows, want 1', count(*))
			FROM {s}.journal_revision HAVING count(*) <> 1`)},
		{"journal entries", q(`SELECT format('the journal keeps %s entries from revision %s to %s: revisions are missing',
				count(*), min(revision), max(revision))
			FROM {s}.journal_entries HAVING count(*) > 0 AND count(*) <> max(revision) - min(revision) + 1
			UNION ALL
			SELECT format('the last journal entry is revision %s, and the last revision %s', e.last, c.last)
			FROM (SELECT max(revision) AS last FROM {s}.journal_entries) e, {s}.journal_revision c
			WHERE e.last IS NOT NULL AND e.last <> c.last`)},
		{"journal items", q(`SELECT format('the journal items of key %L of revision %s belong to no entry', i.key, i.revision)
			FROM {s}.journal_items i
			WHERE NOT EXISTS (SELECT FROM {s}.journal_entries e WHERE e.revision = i.revision)
			LIMIT 100`)},
	}
}

// Check verifies, in SQL and in one snapshot (a REPEATABLE READ READ ONLY transaction),
// the invariants that the library keeps and the schema's constraints do not: the
// schema's versions run 1 to SchemaVersion; every list's name_key is
// pricing.NameOrderKey of its name, and each stripe of price_list_versions counts its
// lists; no membership names a missing group, no
// audience names a missing group, and every audience, and every list's customers and
// channels, is strictly ascending; no price
// belongs to a missing list; no record has an empty ID; the journal keeps consecutive
// revisions whose last is the counter's (those trimmed aside), and every item belongs
// to an entry and decodes, its entry's items numbered 1 to n. (The Service checks
// references before it writes, and SERIALIZABLE transactions keep a concurrent delete
// from slipping in between; Check is how a test, or an operator, sees that they held.) The
// keys, the unique name and price keys, the ranges of the nanosecond columns, the sets
// without NULL elements and the adjustments (a finite percent, with a rounding) are
// constraints that PostgreSQL keeps. Check returns nil for sound data, else an error
// wrapping ErrCorrupt that lists the problems (at most 100). It scans every table once.
func (s *Store) Check(ctx context.Context) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	var problems []error
	add := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Errorf(format, args...))
		}
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, c := range s.st.checkQueries {
			var args []any
			if c.name == "schema version" {
				args = []any{SchemaVersion}
			}
			b.Queue(c.sql, args...).Query(func(rows pgx.Rows) error {
				for rows.Next() {
					var text string
					if err := rows.Scan(&text); err != nil {
						return err
					}
					add("%s", text)
				}
				return rows.Err()
			})
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		if err := s.checkNameKeys(ctx, tx, add); err != nil {
			return err
		}
		if err := s.checkStripes(ctx, tx, add); err != nil {
			return err
		}
		return s.checkItems(ctx, tx, add)
	})
	if err != nil {
		return fmt.Errorf("postgres: check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %d problems:\n%w", ErrCorrupt, len(problems), errors.Join(problems...))
	}
	return nil
}

// checkNameKeys checks that the name_key of each list whose name has a character beyond
// ASCII is pricing.NameOrderKey of its name, which SQL cannot compute.
func (s *Store) checkNameKeys(ctx context.Context, tx pgx.Tx, add func(string, ...any)) error {
	rows, err := tx.Query(ctx, s.st.checkNameKeys)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name, key string
		if err := rows.Scan(&id, &name, &key); err != nil {
			return err
		}
		if want := pricing.NameOrderKey(name); key != want {
			add("price list %q: name_key %q is not the name %q in lower case (%q)", id, key, name, want)
		}
	}
	return rows.Err()
}

// checkStripes checks that the count of lists of each stripe is the number of lists
// whose ID hashes to it.
func (s *Store) checkStripes(ctx context.Context, tx pgx.Tx, add func(string, ...any)) error {
	var counts []int64
	var ids []string
	if err := tx.QueryRow(ctx, s.st.checkStripes).Scan(&counts, &ids); err != nil {
		return err
	}
	if len(counts) != numStripes {
		add("price_list_versions has %d rows, want %d", len(counts), numStripes)
		return nil
	}
	var want [numStripes]int64
	for _, id := range ids {
		want[stripe(id)]++
	}
	for i, n := range counts {
		if n != want[i] {
			add("price_list_versions: stripe %d counts %d lists, and %d lists are of that stripe", i, n, want[i])
		}
	}
	return nil
}

// checkItems decodes every row of journal_items, and checks that the items of each
// entry are numbered 1 to n, each once.
func (s *Store) checkItems(ctx context.Context, tx pgx.Tx, add func(string, ...any)) error {
	rows, err := tx.Query(ctx, s.st.checkJournalItems)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		rev, cur int64 = 0, -1
		key      string
		data     []byte
		seqs     []uint64
		items    []pricing.JournalItem
	)
	done := func() {
		if cur < 0 {
			return
		}
		slices.Sort(seqs)
		for i, seq := range seqs {
			if seq != uint64(i+1) {
				add("the items of journal revision %d are not numbered 1 to %d: %v", cur, len(seqs), seqs)
				return
			}
		}
	}
	for rows.Next() {
		if err := rows.Scan(&rev, &key, &data); err != nil {
			return err
		}
		if rev != cur {
			done()
			cur, seqs = rev, seqs[:0]
		}
		if items, seqs, err = decodeItems(data, key, items[:0], seqs); err != nil {
			add("the journal items of key %q of revision %d do not decode", key, rev)
		}
	}
	done()
	return rows.Err()
}
