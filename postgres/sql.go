package postgres

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// The columns of each table, in the order the scanners of encoding.go read them.
const (
	groupCols = `id, name, name_key, metadata, created_at, created_ns, updated_at, updated_ns, revision`
	listCols  = `id, name, description, type, status, starts_at, starts_ns, ends_at, ends_ns,
		customer_group_ids, customer_ids, channel_ids, adjustment_percent, adjustment_rounding,
		includes_tax, metadata, created_at, created_ns, updated_at, updated_ns, revision`
	priceCols = `id, list_id, variant_id, currency_code, region_id, min_quantity, max_quantity, amount, includes_tax,
		revision`
	// priceKeyOrder is the order of the prices_key_key index: the order of encodeKey.
	priceKeyOrder = `list_id, variant_id, currency_code, region_id, min_quantity, max_quantity`
)

// statements holds every SQL statement of a Store, with its schema's quoted name in
// place. Values always travel as bound parameters; the schema name, validated by
// checkSchema and quoted as an identifier, is the only text spliced in.
type statements struct {
	// Reads of one record, or of the group a name key names.
	group, groupIDByNameKey, list string
	// Iterations, in ascending order of their last column; the "After" form continues
	// after a row (keyset pagination), the other starts at the first row with a limit.
	groups, groupsAfter                 string
	lists, listsAfter                   string
	prices, pricesAfter                 string
	listPrices, listPricesAfter         string
	variantPrices                       string
	variantCurrencyPrices               string
	members, membersAfter, countMembers string
	groupsOfCustomer, listsOfGroup      string
	adjustedLists                       string
	orders                              map[string]*orderStatements
	countLists, listsByID               string
	membersAfterLimit                   string
	isMember, groupMemberRange          string
	priceRangeByID, priceRangeByKey     string
	candidates, candidatesOne           string
	candidatesFast, candidatesFastOne   string
	allTerms, bumpVersions              string
	putGroup, deleteGroup               string
	addMembers, removeMembers           string
	putList, deleteList                 string
	putPrices, deletePrices             string
	existingPrices, updatePrices        string
	pricesTable                         pgx.Identifier
	lockShared, lockAlone               string
	checkQueries                        []checkQuery
	checkNameKeys, checkStripes         string
	currentVersion                      string
	journalStatements
}

// The statements of ReadCandidates share one layout of 19 columns: the kind of the row,
// then the customer's groups (kind 0), the prices of the variants in the currency
// (kind 1), the terms of the lists of those prices and of every list with an
// adjustment (kind 2), and the versions of the lists' stripes (kind 3). variants is the
// condition on the variant ID: a request for one variant compares with a scalar, so
// that PostgreSQL estimates it well and soon settles on a generic plan, saving the
// planning of each call. (The columns are named in candidates.go, cKind to cPercent.)

// candidatesFastSQL returns the statement of a resolve when the store has the lists'
// terms: the groups, the prices and the versions, one snapshot.
func candidatesFastSQL(variants string) string {
	return `SELECT 0::int2, group_id, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::bigint,
			NULL::bigint, NULL::boolean, NULL::timestamptz, NULL::int2, NULL::timestamptz, NULL::int2,
			NULL::text[], NULL::bigint[], NULL::bigint, NULL::text[], NULL::text[], NULL::float8
			FROM {s}.customer_group_members WHERE customer_id = $1
		UNION ALL
		SELECT 1::int2, id, list_id, region_id, variant_id, min_quantity, max_quantity, amount,
			includes_tax, NULL, NULL, NULL, NULL, NULL, NULL, revision, NULL, NULL, NULL
			FROM {s}.prices WHERE ` + variants + ` AND currency_code = $3
		UNION ALL
		SELECT 3::int2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
			(SELECT array_agg(version ORDER BY stripe) FROM {s}.price_list_versions), NULL, NULL, NULL, NULL`
}

// candidatesSQL returns the statement of a resolve that reads the terms of the lists
// itself: the groups, the prices, and the terms of the prices' lists and of the
// adjusted lists (the partial index price_lists_adjusted_idx), one snapshot.
func candidatesSQL(variants string) string {
	return `WITH p AS MATERIALIZED (
			SELECT id, list_id, region_id, variant_id, min_quantity, max_quantity, amount, includes_tax, revision
			FROM {s}.prices WHERE ` + variants + ` AND currency_code = $3
		)
		SELECT 0::int2, group_id, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::bigint,
			NULL::bigint, NULL::boolean, NULL::timestamptz, NULL::int2, NULL::timestamptz, NULL::int2,
			NULL::text[], NULL::bigint[], NULL::bigint, NULL::text[], NULL::text[], NULL::float8
			FROM {s}.customer_group_members WHERE customer_id = $1
		UNION ALL
		SELECT 1::int2, id, list_id, region_id, variant_id, min_quantity, max_quantity, amount,
			includes_tax, NULL, NULL, NULL, NULL, NULL, NULL, revision, NULL, NULL, NULL
			FROM p
		UNION ALL
		SELECT 2::int2, l.id, l.type, l.status, l.adjustment_rounding, NULL, NULL, NULL, l.includes_tax,
			l.starts_at, l.starts_ns, l.ends_at, l.ends_ns, l.customer_group_ids, NULL, NULL,
			l.customer_ids, l.channel_ids, l.adjustment_percent
			FROM {s}.price_lists l
			WHERE l.id = ANY (ARRAY(SELECT DISTINCT list_id FROM p WHERE list_id <> ''))
				OR l.adjustment_percent IS NOT NULL`
}

// checkQuery is one query of Check: each row it returns is a problem, described by the
// row's single text column.
type checkQuery struct {
	name, sql string
}

func newStatements(schema string) *statements {
	quoted := pgx.Identifier{schema}.Sanitize()
	q := func(s string) string { return strings.ReplaceAll(s, "{s}", quoted) }
	st := &statements{
		group:            q(`SELECT ` + groupCols + ` FROM {s}.customer_groups WHERE id = $1`),
		groupIDByNameKey: q(`SELECT id FROM {s}.customer_groups WHERE name_key = $1`),
		list:             q(`SELECT ` + listCols + ` FROM {s}.price_lists WHERE id = $1`),

		groups:          q(`SELECT ` + groupCols + ` FROM {s}.customer_groups ORDER BY id LIMIT $1`),
		groupsAfter:     q(`SELECT ` + groupCols + ` FROM {s}.customer_groups WHERE id > $1 ORDER BY id`),
		lists:           q(`SELECT ` + listCols + ` FROM {s}.price_lists ORDER BY id LIMIT $1`),
		listsAfter:      q(`SELECT ` + listCols + ` FROM {s}.price_lists WHERE id > $1 ORDER BY id`),
		prices:          q(`SELECT ` + priceCols + ` FROM {s}.prices ORDER BY id LIMIT $1`),
		pricesAfter:     q(`SELECT ` + priceCols + ` FROM {s}.prices WHERE id > $1 ORDER BY id LIMIT $2`),
		listPrices:      q(`SELECT ` + priceCols + ` FROM {s}.prices WHERE list_id = $1 ORDER BY id LIMIT $2`),
		listPricesAfter: q(`SELECT ` + priceCols + ` FROM {s}.prices WHERE list_id = $1 AND id > $2 ORDER BY id`),
		variantPrices:   q(`SELECT ` + priceCols + ` FROM {s}.prices WHERE variant_id = $1 ORDER BY id`),
		variantCurrencyPrices: q(`SELECT ` + priceCols + ` FROM {s}.prices
			WHERE variant_id = $1 AND currency_code = $2`),
		members: q(`SELECT customer_id FROM {s}.customer_group_members WHERE group_id = $1
			ORDER BY customer_id OFFSET $2 LIMIT $3`),
		membersAfter: q(`SELECT customer_id FROM {s}.customer_group_members WHERE group_id = $1
			AND customer_id > $2 ORDER BY customer_id`),
		countMembers: q(`SELECT count(*) FROM {s}.customer_group_members WHERE group_id = $1`),
		groupsOfCustomer: q(`SELECT group_id FROM {s}.customer_group_members WHERE customer_id = $1
			ORDER BY group_id`),
		isMember: q(`SELECT FROM {s}.customer_group_members WHERE group_id = $1 AND customer_id = $2`),
		groupMemberRange: q(`SELECT customer_id FROM {s}.customer_group_members WHERE group_id = $1 AND customer_id >= $2
			ORDER BY customer_id LIMIT $3`),
		listsOfGroup: q(`SELECT id FROM {s}.price_lists WHERE customer_group_ids @> ARRAY[$1::text]
			ORDER BY id`),
		// The partial index price_lists_adjusted_idx, in its order.
		adjustedLists:  q(`SELECT id FROM {s}.price_lists WHERE adjustment_percent IS NOT NULL ORDER BY id`),
		priceRangeByID: q(`SELECT ` + priceCols + ` FROM {s}.prices WHERE id >= $1 ORDER BY id LIMIT $2`),
		priceRangeByKey: q(`SELECT ` + priceCols + ` FROM {s}.prices WHERE list_id = $1 AND variant_id >= $2
			ORDER BY ` + priceKeyOrder + ` LIMIT $3`),

		// One statement, so one snapshot even outside a transaction: the customer's
		// groups (kind 0), the prices of the variants in the currency (kind 1), and the
		// terms of the lists of those prices and of the adjusted lists (kind 2).
		candidates:        q(candidatesSQL(`variant_id = ANY($2::text[])`)),
		candidatesOne:     q(candidatesSQL(`variant_id = $2`)),
		candidatesFast:    q(candidatesFastSQL(`variant_id = ANY($2::text[])`)),
		candidatesFastOne: q(candidatesFastSQL(`variant_id = $2`)),
		allTerms: q(`SELECT v.versions, l.id, l.type, l.status, l.includes_tax, l.starts_at, l.starts_ns,
				l.ends_at, l.ends_ns, l.customer_group_ids, l.customer_ids, l.channel_ids,
				l.adjustment_percent, l.adjustment_rounding
			FROM (SELECT array_agg(version ORDER BY stripe) AS versions FROM {s}.price_list_versions) v
			LEFT JOIN {s}.price_lists l ON true`),
		bumpVersions: q(`UPDATE {s}.price_list_versions SET version = version + 1 WHERE stripe = ANY($1::int2[])`),

		putGroup: q(`INSERT INTO {s}.customer_groups (` + groupCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, name_key = EXCLUDED.name_key,
				metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at, created_ns = EXCLUDED.created_ns,
				updated_at = EXCLUDED.updated_at, updated_ns = EXCLUDED.updated_ns, revision = EXCLUDED.revision`),
		deleteGroup: q(`WITH m AS (DELETE FROM {s}.customer_group_members WHERE group_id = $1)
			DELETE FROM {s}.customer_groups WHERE id = $1`),
		addMembers: q(`INSERT INTO {s}.customer_group_members (group_id, customer_id)
			SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`),
		removeMembers: q(`DELETE FROM {s}.customer_group_members m USING unnest($1::text[], $2::text[]) AS r(g, c)
			WHERE m.group_id = r.g AND m.customer_id = r.c`),
		// A new list adds 1 to its stripe's count (xmax is 0 in a row just inserted, and
		// not in one that ON CONFLICT locked and updated); a deleted one takes 1.
		putList: q(`WITH l AS (INSERT INTO {s}.price_lists (` + listCols + `, name_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text::float8, $14, $15, $16, $17, $18,
				$19, $20, $21, $22)
			ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, name_key = EXCLUDED.name_key,
				description = EXCLUDED.description,
				type = EXCLUDED.type, status = EXCLUDED.status, starts_at = EXCLUDED.starts_at,
				starts_ns = EXCLUDED.starts_ns, ends_at = EXCLUDED.ends_at, ends_ns = EXCLUDED.ends_ns,
				customer_group_ids = EXCLUDED.customer_group_ids, customer_ids = EXCLUDED.customer_ids,
				channel_ids = EXCLUDED.channel_ids, adjustment_percent = EXCLUDED.adjustment_percent,
				adjustment_rounding = EXCLUDED.adjustment_rounding, includes_tax = EXCLUDED.includes_tax,
				metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at, created_ns = EXCLUDED.created_ns,
				updated_at = EXCLUDED.updated_at, updated_ns = EXCLUDED.updated_ns, revision = EXCLUDED.revision
			RETURNING xmax = 0 AS inserted)
			UPDATE {s}.price_list_versions SET lists = lists + 1 WHERE stripe = $23 AND (SELECT inserted FROM l)`),
		deleteList: q(`WITH p AS (DELETE FROM {s}.prices WHERE list_id = $1),
				l AS (DELETE FROM {s}.price_lists WHERE id = $1 RETURNING id)
			UPDATE {s}.price_list_versions SET lists = lists - 1 WHERE stripe = $2 AND EXISTS (SELECT FROM l)`),
		putPrices: q(`INSERT INTO {s}.prices (` + priceCols + `)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
				$6::bigint[], $7::bigint[], $8::bigint[], $9::boolean[], $10::bigint[])
			ON CONFLICT (id) DO UPDATE SET list_id = EXCLUDED.list_id, variant_id = EXCLUDED.variant_id,
				currency_code = EXCLUDED.currency_code, region_id = EXCLUDED.region_id,
				min_quantity = EXCLUDED.min_quantity, max_quantity = EXCLUDED.max_quantity,
				amount = EXCLUDED.amount, includes_tax = EXCLUDED.includes_tax, revision = EXCLUDED.revision`),
		lockShared:     q(`LOCK TABLE {s}.transaction_lock IN ROW SHARE MODE`),
		lockAlone:      q(`LOCK TABLE {s}.transaction_lock IN EXCLUSIVE MODE`),
		deletePrices:   q(`DELETE FROM {s}.prices WHERE id = ANY($1::text[])`),
		existingPrices: q(`SELECT id FROM {s}.prices WHERE id = ANY($1::text[])`),
		updatePrices: q(`UPDATE {s}.prices p SET list_id = u.list_id, variant_id = u.variant_id,
				currency_code = u.currency_code, region_id = u.region_id, min_quantity = u.min_quantity,
				max_quantity = u.max_quantity, amount = u.amount, includes_tax = u.includes_tax, revision = u.revision
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
				$8::bigint[], $9::boolean[], $10::bigint[]) AS u(id, list_id, variant_id, currency_code, region_id,
				min_quantity, max_quantity, amount, includes_tax, revision)
			WHERE p.id = u.id`),

		currentVersion: q(`SELECT coalesce(max(version), 0) FROM {s}.schema_migrations`),
	}
	st.orders = newOrderStatements(q)
	st.countLists = q(`SELECT sum(lists) FROM {s}.price_list_versions`)
	st.listsByID = q(`SELECT ` + listCols + ` FROM {s}.price_lists WHERE id = ANY($1::text[])`)
	st.membersAfterLimit = q(`SELECT customer_id FROM {s}.customer_group_members WHERE group_id = $1
			AND customer_id > $2 ORDER BY customer_id LIMIT $3`)
	st.pricesTable = pgx.Identifier{schema, "prices"}
	st.checkQueries = newCheckQueries(q)
	st.checkStripes = q(`SELECT (SELECT array_agg(lists ORDER BY stripe) FROM {s}.price_list_versions),
		(SELECT array_agg(id) FROM {s}.price_lists)`)
	st.checkNameKeys = q(`SELECT id, name, name_key FROM {s}.price_lists WHERE octet_length(name) <> char_length(name) ORDER BY id`)
	st.journalStatements = newJournalStatements(schema, q)
	return st
}
