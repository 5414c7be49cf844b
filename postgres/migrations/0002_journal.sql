-- Schema version 2: the journal of revisions (pricing.Journal), and the revision that
-- last changed each record.
--
-- Revisions are 1, 2, 3, ... in commit order. journal_revision holds the last one
-- committed: an Update that writes an entry locks its one row (SELECT ... FOR UPDATE)
-- when it first asks for its revision, and sets it with the entry, so that the row lock
-- orders the Updates that write entries, across connections and processes, until they
-- commit; an Update that writes no entry leaves it as it was, and one that fails rolls
-- it back with the rest.

ALTER TABLE customer_groups ADD COLUMN revision bigint NOT NULL DEFAULT 0;
ALTER TABLE price_lists ADD COLUMN revision bigint NOT NULL DEFAULT 0;
ALTER TABLE prices ADD COLUMN revision bigint NOT NULL DEFAULT 0;

-- The resolver's index, whole prices again: with their revision.
DROP INDEX prices_variant_currency_idx;
CREATE INDEX prices_variant_currency_idx ON prices (variant_id, currency_code)
	INCLUDE (list_id, region_id, min_quantity, max_quantity, amount, includes_tax, id, revision);

CREATE TABLE journal_revision (
	one  boolean NOT NULL DEFAULT true,
	last bigint  NOT NULL,
	CONSTRAINT journal_revision_pkey PRIMARY KEY (one),
	CONSTRAINT journal_revision_one_check CHECK (one),
	CONSTRAINT journal_revision_last_check CHECK (last >= 0)
);
INSERT INTO journal_revision (one, last) VALUES (true, 0);

-- One row per revision still kept: trimming deletes the oldest (by their At), and
-- their items.
CREATE TABLE journal_entries (
	revision bigint      NOT NULL,
	at       timestamptz NOT NULL,
	at_ns    smallint    NOT NULL,
	CONSTRAINT journal_entries_pkey PRIMARY KEY (revision),
	CONSTRAINT journal_entries_revision_check CHECK (revision > 0),
	CONSTRAINT journal_entries_at_ns_check CHECK (at_ns BETWEEN 0 AND 999)
);

-- The items of each entry, a row per key of the entry (a bulk write of prices has
-- several per variant). data holds the key's items, each as its place in the entry
-- (from 1, a uvarint), its length (a uvarint) and its bytes: one plain value per row,
-- cheaper to write than arrays. By key, for the history of one variant, list or
-- customer.
CREATE TABLE journal_items (
	revision bigint           NOT NULL,
	key      text COLLATE "C" NOT NULL,
	data     bytea            NOT NULL,
	CONSTRAINT journal_items_pkey PRIMARY KEY (revision, key),
	CONSTRAINT journal_items_data_check CHECK (length(data) >= 2)
);
CREATE INDEX journal_items_key_idx ON journal_items (key, revision);
