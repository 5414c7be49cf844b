-- Schema version 1: the tables of the store. The migration runs in one transaction, with
-- search_path set to the store's schema only, so the names below land in it.
--
-- Every identifier column is text COLLATE "C": byte order, as Go compares strings, and
-- the order the pricing.Tx iteration methods promise. An instant is a timestamptz
-- (microseconds) plus a smallint of the nanoseconds below the microsecond, so that
-- Go's times come back exactly; a NULL instant is the zero time (an unbounded window).

-- A table without rows, locked by every Update before its first query: in ROW SHARE
-- mode by an Update, in EXCLUSIVE mode by an Update that must run alone. A lock taken
-- before the first query comes before the transaction's snapshot, so that an Update
-- that waited for it sees what the Updates it waited for wrote.
CREATE TABLE transaction_lock ();

CREATE TABLE schema_migrations (
	version    integer     NOT NULL,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
);

CREATE TABLE customer_groups (
	id         text COLLATE "C" NOT NULL,
	name       text             NOT NULL,
	name_key   text COLLATE "C" NOT NULL,
	metadata   json,
	created_at timestamptz      NOT NULL,
	created_ns smallint         NOT NULL,
	updated_at timestamptz      NOT NULL,
	updated_ns smallint         NOT NULL,
	CONSTRAINT customer_groups_pkey PRIMARY KEY (id),
	CONSTRAINT customer_groups_name_key_key UNIQUE (name_key),
	CONSTRAINT customer_groups_created_ns_check CHECK (created_ns BETWEEN 0 AND 999),
	CONSTRAINT customer_groups_updated_ns_check CHECK (updated_ns BETWEEN 0 AND 999)
);

CREATE TABLE customer_group_members (
	group_id    text COLLATE "C" NOT NULL,
	customer_id text COLLATE "C" NOT NULL,
	CONSTRAINT customer_group_members_pkey PRIMARY KEY (group_id, customer_id)
);
CREATE INDEX customer_group_members_customer_idx ON customer_group_members (customer_id, group_id);

CREATE TABLE price_lists (
	id                 text COLLATE "C"   NOT NULL,
	name               text               NOT NULL,
	description        bytea              NOT NULL,
	type               text COLLATE "C"   NOT NULL,
	status             text COLLATE "C"   NOT NULL,
	starts_at          timestamptz,
	starts_ns          smallint           NOT NULL,
	ends_at            timestamptz,
	ends_ns            smallint           NOT NULL,
	customer_group_ids text[] COLLATE "C" NOT NULL,
	includes_tax       boolean            NOT NULL,
	metadata           json,
	created_at         timestamptz        NOT NULL,
	created_ns         smallint           NOT NULL,
	updated_at         timestamptz        NOT NULL,
	updated_ns         smallint           NOT NULL,
	CONSTRAINT price_lists_pkey PRIMARY KEY (id),
	CONSTRAINT price_lists_starts_ns_check CHECK (starts_ns BETWEEN 0 AND 999 AND (starts_at IS NOT NULL OR starts_ns = 0)),
	CONSTRAINT price_lists_ends_ns_check CHECK (ends_ns BETWEEN 0 AND 999 AND (ends_at IS NOT NULL OR ends_ns = 0)),
	CONSTRAINT price_lists_created_ns_check CHECK (created_ns BETWEEN 0 AND 999),
	CONSTRAINT price_lists_updated_ns_check CHECK (updated_ns BETWEEN 0 AND 999),
	CONSTRAINT price_lists_customer_group_ids_check CHECK (array_position(customer_group_ids, NULL) IS NULL)
);
-- The versions of the price lists, in 64 stripes: a transaction that writes or deletes a
-- list adds 1 to the version of the list's stripe (an FNV-1a hash of its ID, modulo 64),
-- so that a reader that finds the same 64 versions as when it read the lists knows
-- they have not changed. Stripes, not one row, so that two transactions writing
-- different lists rarely write the same row.
CREATE TABLE price_list_versions (
	stripe  smallint NOT NULL,
	version bigint   NOT NULL,
	CONSTRAINT price_list_versions_pkey PRIMARY KEY (stripe),
	CONSTRAINT price_list_versions_stripe_check CHECK (stripe BETWEEN 0 AND 63)
);
INSERT INTO price_list_versions (stripe, version) SELECT s, 0 FROM generate_series(0, 63) AS s;

-- The audience index: the lists whose customer_group_ids contain a group. fastupdate is
-- off so that a serializable reader locks the entries it reads, not the whole index.
CREATE INDEX price_lists_customer_group_ids_idx ON price_lists USING gin (customer_group_ids) WITH (fastupdate = off);

CREATE TABLE prices (
	id            text COLLATE "C" NOT NULL,
	list_id       text COLLATE "C" NOT NULL,
	variant_id    text COLLATE "C" NOT NULL,
	currency_code text COLLATE "C" NOT NULL,
	region_id     text COLLATE "C" NOT NULL,
	min_quantity  bigint           NOT NULL,
	max_quantity  bigint           NOT NULL,
	amount        bigint           NOT NULL,
	includes_tax  boolean          NOT NULL,
	CONSTRAINT prices_pkey PRIMARY KEY (id),
	-- Checked at the end of each statement, not row by row, so that one statement can
	-- move prices between keys (a key freed and taken by another price).
	CONSTRAINT prices_key_key UNIQUE (list_id, variant_id, currency_code, region_id, min_quantity, max_quantity)
		DEFERRABLE INITIALLY IMMEDIATE
);
-- The resolver's index: every price of a variant in a currency, whole, so that a resolve
-- reads the index alone once the table's pages are all-visible.
CREATE INDEX prices_variant_currency_idx ON prices (variant_id, currency_code)
	INCLUDE (list_id, region_id, min_quantity, max_quantity, amount, includes_tax, id);
