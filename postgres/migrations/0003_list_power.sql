-- Schema version 3: the rest of a price list's terms: the customers of its audience,
-- its channels, and its adjustment (pricing.Adjustment).
--
-- customer_ids and channel_ids are ascending sets of IDs, like customer_group_ids: {}
-- for none, one dimension, never a NULL element. The lists of earlier versions have
-- neither.
--
-- The adjustment is two columns, both NULL for a list without one. adjustment_percent
-- is a double precision, the float64 of Adjustment.Percent bit for bit (-0 and the
-- percents that no decimal of 16 places holds included), finite: PostgreSQL's float8
-- would keep NaN and the infinities, which no JSON and no Service value holds.
-- adjustment_rounding is the Rounding as the Service wrote it ("half_up", "down" or
-- "up"; like type and status, not constrained to those).

ALTER TABLE price_lists
	ADD COLUMN customer_ids text[] COLLATE "C" NOT NULL DEFAULT '{}',
	ADD COLUMN channel_ids text[] COLLATE "C" NOT NULL DEFAULT '{}',
	ADD COLUMN adjustment_percent double precision,
	ADD COLUMN adjustment_rounding text COLLATE "C",
	-- One dimension (array_position refuses more), no NULL element.
	ADD CONSTRAINT price_lists_customer_ids_check
		CHECK (CASE WHEN array_ndims(customer_ids) > 1 THEN false ELSE array_position(customer_ids, NULL) IS NULL END),
	ADD CONSTRAINT price_lists_channel_ids_check
		CHECK (CASE WHEN array_ndims(channel_ids) > 1 THEN false ELSE array_position(channel_ids, NULL) IS NULL END),
	-- NaN compares above every number in PostgreSQL, the infinities at the ends.
	ADD CONSTRAINT price_lists_adjustment_percent_check
		CHECK (adjustment_percent > '-Infinity'::float8 AND adjustment_percent < 'Infinity'::float8),
	ADD CONSTRAINT price_lists_adjustment_rounding_check
		CHECK ((adjustment_percent IS NULL) = (adjustment_rounding IS NULL));

-- The adjusted lists, which every resolve reads (pricing.AdjustedLister): a partial
-- index of their IDs, as small as the lists that have an adjustment.
CREATE INDEX price_lists_adjusted_idx ON price_lists (id) WHERE adjustment_percent IS NOT NULL;
