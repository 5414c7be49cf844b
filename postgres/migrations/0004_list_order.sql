-- Schema version 4: the orders of the price listings (pricing.PriceListOrderer), so
-- that a page of lists costs a walk of an index up to the page, not a read and a sort
-- of every list.
--
-- name_key is pricing.NameOrderKey(name), Go's strings.ToLower of the name, compared
-- byte by byte (COLLATE "C"). The store computes it in Go on every write: PostgreSQL's
-- lower() follows the database's locale, which folds letters beyond ASCII otherwise
-- than Go (U+0130 'İ', the Kelvin sign U+212A), and even ASCII ones (a Turkish locale
-- lowers 'I' to 'ı'). lower() under COLLATE "C" folds A to Z only, exactly as
-- strings.ToLower folds a name of ASCII letters: the UPDATE below fills those rows,
-- and the migration's Go step (fillNameKeys, migrate.go) rewrites the rows whose name
-- has a character beyond ASCII, in the same transaction.
--
-- price_list_versions.lists counts the lists of each stripe, so that the count of a
-- listing (CountPriceLists) sums 64 rows instead of reading an index of every list.
-- The statements that insert and delete a list add to and take from its stripe's
-- count; the migration's Go step counts the lists there are, by the stripe of their
-- ID (FNV-1a, which SQL does not compute).
--
-- The indexes are the three orders, ascending, ties broken by ID; a descending order
-- scans them backward. Instants compare by their timestamptz, then the nanoseconds
-- below the microsecond.

ALTER TABLE price_lists ADD COLUMN name_key text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE price_lists ALTER COLUMN name_key DROP DEFAULT;
UPDATE price_lists SET name_key = lower(name COLLATE "C");

ALTER TABLE price_list_versions ADD COLUMN lists bigint NOT NULL DEFAULT 0;

CREATE INDEX price_lists_created_idx ON price_lists (created_at, created_ns, id);
CREATE INDEX price_lists_updated_idx ON price_lists (updated_at, updated_ns, id);
CREATE INDEX price_lists_name_idx ON price_lists (name_key, id);
