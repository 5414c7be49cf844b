package postgres

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/commercekit/pricing"
)

// The conversions between the pricing package's values and the columns of the schema.
// Every value reaches SQL as a bound parameter. What PostgreSQL cannot store faithfully
// is refused before anything is buffered or sent, with an error wrapping
// pricing.ErrInvalid: text with a NUL byte or invalid UTF-8 (text columns hold neither),
// and instants outside the range of timestamptz. Descriptions are bytea, so any string
// round-trips; metadata is json, which keeps the encoder's text (\u0000 included) as it
// is.

// textOK reports whether s can be stored in a text column: valid UTF-8 without NUL.
func textOK(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= utf8.RuneSelf {
			return textOKSlow(s)
		}
	}
	return true
}

func textOKSlow(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return utf8.ValidString(s)
}

// badValue returns the error for a value the store cannot keep.
func badValue(what, value, reason string) error {
	return fmt.Errorf("postgres: %s %q: %s: %w", what, value, reason, pricing.ErrInvalid)
}

// checkText refuses what a text column cannot hold. An empty string is refused when
// required.
func checkText(what, s string, required bool) error {
	switch {
	case required && s == "":
		return badValue(what, s, "empty")
	case !textOK(s):
		return badValue(what, s, "PostgreSQL text cannot hold a NUL byte or invalid UTF-8")
	}
	return nil
}

// The instants a timestamptz holds: 4713 BC to 294276 AD, kept within a margin.
var (
	minInstant = time.Date(-4712, time.December, 1, 0, 0, 0, 0, time.UTC)
	maxInstant = time.Date(294276, time.December, 1, 0, 0, 0, 0, time.UTC)
)

// checkTime refuses an instant that timestamptz cannot hold. The zero time is fine
// anywhere: it is NULL in a window column, 0001-01-01 in the others.
func checkTime(what string, t time.Time) error {
	if !t.IsZero() && (t.Before(minInstant) || !t.Before(maxInstant)) {
		return fmt.Errorf("postgres: %s %v: outside the range of PostgreSQL's timestamptz: %w", what, t, pricing.ErrInvalid)
	}
	return nil
}

// instant splits t into a timestamptz (microseconds) and the nanoseconds below them.
// nullZero stores the zero time as NULL.
func instant(t time.Time, nullZero bool) (pgtype.Timestamptz, int16) {
	if t.IsZero() && nullZero {
		return pgtype.Timestamptz{}, 0
	}
	ns := t.Nanosecond() % 1000
	return pgtype.Timestamptz{Time: t.Add(-time.Duration(ns)), Valid: true}, int16(ns)
}

// fromInstant joins what instant split, in UTC; NULL is the zero time.
func fromInstant(ts pgtype.Timestamptz, ns int16) time.Time {
	if !ts.Valid {
		return time.Time{}
	}
	return time.Unix(ts.Time.Unix(), int64(ts.Time.Nanosecond())+int64(ns)).UTC()
}

// encodeMetadata returns the JSON text of m, or nil (NULL) for empty metadata.
func encodeMetadata(what string, m map[string]any) ([]byte, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s metadata: %w: %w", what, err, pricing.ErrInvalid)
	}
	return b, nil
}

// decodeMetadata returns a new map from the JSON text of a metadata column.
func decodeMetadata(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// bytesOf returns s as a non-nil byte slice (a nil one would be NULL).
func bytesOf(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return []byte(s)
}

// groupRow is a customer group as stored: its metadata still JSON text.
type groupRow struct {
	id, name, nameKey    string
	meta                 []byte
	created, updated     pgtype.Timestamptz
	createdNs, updatedNs int16
	revision             int64
}

// newGroupRow checks g and returns its row.
func newGroupRow(g pricing.CustomerGroup, nameKey string) (groupRow, error) {
	if err := checkText("customer group ID", g.ID, true); err != nil {
		return groupRow{}, err
	}
	if err := checkText("customer group name", g.Name, false); err != nil {
		return groupRow{}, err
	}
	if err := checkText("customer group name key", nameKey, false); err != nil {
		return groupRow{}, err
	}
	if err := checkTime("customer group CreatedAt", g.CreatedAt); err != nil {
		return groupRow{}, err
	}
	if err := checkTime("customer group UpdatedAt", g.UpdatedAt); err != nil {
		return groupRow{}, err
	}
	meta, err := encodeMetadata("customer group", g.Metadata)
	if err != nil {
		return groupRow{}, err
	}
	r := groupRow{id: g.ID, name: g.Name, nameKey: nameKey, meta: meta, revision: g.Revision}
	r.created, r.createdNs = instant(g.CreatedAt, false)
	r.updated, r.updatedNs = instant(g.UpdatedAt, false)
	return r, nil
}

func (r *groupRow) args() []any {
	return []any{r.id, r.name, r.nameKey, jsonArg(r.meta), r.created, r.createdNs, r.updated, r.updatedNs, r.revision}
}

// jsonArg returns the argument of a json column: the text, or nil (NULL). A string,
// not a []byte, which the simple protocol would send as a bytea literal.
func jsonArg(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func (r *groupRow) scan(row pgx.Row) error {
	return row.Scan(&r.id, &r.name, &r.nameKey, &r.meta, &r.created, &r.createdNs, &r.updated, &r.updatedNs, &r.revision)
}

// group returns the group, with new metadata.
func (r *groupRow) group() (pricing.CustomerGroup, error) {
	meta, err := decodeMetadata(r.meta)
	return pricing.CustomerGroup{
		ID: r.id, Name: r.name, Metadata: meta,
		CreatedAt: fromInstant(r.created, r.createdNs), UpdatedAt: fromInstant(r.updated, r.updatedNs),
		Revision: r.revision,
	}, err
}

// listRow is a price list as stored. The name_key column, pricing.NameOrderKey(name), is
// written (args) and never read: the store orders by it in SQL. args ends with the
// stripe of the ID, whose count of lists the statement keeps.
type listRow struct {
	id, name, typ, status       string
	description                 []byte
	groups, customers, channels []string
	// adjustment is the list's, nil for none: shared, read-only, by every PriceListTerms
	// of the row (pricing.Tx allows it), and copied by list.
	adjustment           *pricing.Adjustment
	includesTax          bool
	meta                 []byte
	starts, ends         pgtype.Timestamptz
	created, updated     pgtype.Timestamptz
	startsNs, endsNs     int16
	createdNs, updatedNs int16
	revision             int64
}

// newListRow checks pl and returns its row.
func newListRow(pl pricing.PriceList) (listRow, error) {
	if err := checkText("price list ID", pl.ID, true); err != nil {
		return listRow{}, err
	}
	for what, s := range map[string]string{"price list name": pl.Name, "price list type": string(pl.Type), "price list status": string(pl.Status)} {
		if err := checkText(what, s, false); err != nil {
			return listRow{}, err
		}
	}
	for _, set := range [...]struct {
		what string
		ids  []string
	}{
		{"price list customer group ID", pl.CustomerGroupIDs},
		{"price list customer ID", pl.CustomerIDs},
		{"price list channel ID", pl.ChannelIDs},
	} {
		for _, id := range set.ids {
			if err := checkText(set.what, id, true); err != nil {
				return listRow{}, err
			}
		}
	}
	if a := pl.Adjustment; a != nil {
		if math.IsNaN(a.Percent) || math.IsInf(a.Percent, 0) {
			return listRow{}, fmt.Errorf("postgres: price list adjustment percent %v: not finite: %w", a.Percent, pricing.ErrInvalid)
		}
		if err := checkText("price list adjustment rounding", string(a.Rounding), false); err != nil {
			return listRow{}, err
		}
	}
	for what, t := range map[string]time.Time{"price list StartsAt": pl.StartsAt, "price list EndsAt": pl.EndsAt, "price list CreatedAt": pl.CreatedAt, "price list UpdatedAt": pl.UpdatedAt} {
		if err := checkTime(what, t); err != nil {
			return listRow{}, err
		}
	}
	meta, err := encodeMetadata("price list", pl.Metadata)
	if err != nil {
		return listRow{}, err
	}
	r := listRow{
		id: pl.ID, name: pl.Name, typ: string(pl.Type), status: string(pl.Status),
		description: bytesOf(pl.Description), groups: idSet(pl.CustomerGroupIDs),
		customers: idSet(pl.CustomerIDs), channels: idSet(pl.ChannelIDs),
		includesTax: pl.IncludesTax, meta: meta, revision: pl.Revision,
	}
	if pl.Adjustment != nil {
		a := *pl.Adjustment
		r.adjustment = &a
	}
	r.starts, r.startsNs = instant(pl.StartsAt, true)
	r.ends, r.endsNs = instant(pl.EndsAt, true)
	r.created, r.createdNs = instant(pl.CreatedAt, false)
	r.updated, r.updatedNs = instant(pl.UpdatedAt, false)
	return r, nil
}

// idSet returns a copy of a set of IDs for an array column: never nil (NULL).
func idSet(ids []string) []string {
	if len(ids) == 0 {
		return []string{}
	}
	return slices.Clone(ids)
}

func (r *listRow) args() []any {
	percent, rounding := adjustmentArgs(r.adjustment)
	return []any{r.id, r.name, r.description, r.typ, r.status, r.starts, r.startsNs, r.ends, r.endsNs,
		r.groups, r.customers, r.channels, percent, rounding,
		r.includesTax, jsonArg(r.meta), r.created, r.createdNs, r.updated, r.updatedNs, r.revision,
		pricing.NameOrderKey(r.name), int16(stripe(r.id))}
}

// adjustmentArgs returns the arguments of the adjustment's columns: NULL and NULL for
// none. The percent goes as the text of its shortest decimal, which the statements
// cast to float8 (float8in reads it back to the same bits, -0 included), so that it
// does not depend on how a protocol spells a float64: the simple protocol splices it
// into the SQL as a numeric literal, and a bare -0 there is the integer 0.
func adjustmentArgs(a *pricing.Adjustment) (percent, rounding any) {
	if a == nil {
		return nil, nil
	}
	return strconv.FormatFloat(a.Percent, 'g', -1, 64), string(a.Rounding)
}

func (r *listRow) scan(row pgx.Row) error {
	var (
		percent  pgtype.Float8
		rounding pgtype.Text
	)
	err := row.Scan(&r.id, &r.name, &r.description, &r.typ, &r.status, &r.starts, &r.startsNs, &r.ends, &r.endsNs,
		&r.groups, &r.customers, &r.channels, &percent, &rounding,
		&r.includesTax, &r.meta, &r.created, &r.createdNs, &r.updated, &r.updatedNs, &r.revision)
	if err != nil {
		return err
	}
	r.adjustment, err = decodeAdjustment(r.id, percent, rounding)
	return err
}

// decodeAdjustment returns the adjustment of the list's columns: nil when both are
// NULL. One NULL without the other, or a percent that is not finite, is corrupt (the
// schema's constraints forbid both).
func decodeAdjustment(listID string, percent pgtype.Float8, rounding pgtype.Text) (*pricing.Adjustment, error) {
	switch {
	case !percent.Valid && !rounding.Valid:
		return nil, nil
	case percent.Valid != rounding.Valid:
		return nil, fmt.Errorf("%w: price list %q: an adjustment percent without a rounding, or a rounding without a percent", ErrCorrupt, listID)
	case math.IsNaN(percent.Float64) || math.IsInf(percent.Float64, 0):
		return nil, fmt.Errorf("%w: price list %q: adjustment percent %v", ErrCorrupt, listID, percent.Float64)
	}
	return &pricing.Adjustment{Percent: percent.Float64, Rounding: roundingOf(rounding.String)}, nil
}

// roundingOf returns the rounding spelled s, the package's constant for the known ones.
func roundingOf(s string) pricing.Rounding {
	switch pricing.Rounding(s) {
	case pricing.RoundHalfUp:
		return pricing.RoundHalfUp
	case pricing.RoundDown:
		return pricing.RoundDown
	case pricing.RoundUp:
		return pricing.RoundUp
	}
	return pricing.Rounding(s)
}

// terms returns the list's terms; their slices and Adjustment are the row's
// (read-only). Empty sets are nil.
func (r *listRow) terms() pricing.PriceListTerms {
	return pricing.PriceListTerms{
		ID: r.id, Type: pricing.PriceListType(r.typ), Status: pricing.PriceListStatus(r.status),
		StartsAt: fromInstant(r.starts, r.startsNs), EndsAt: fromInstant(r.ends, r.endsNs),
		CustomerGroupIDs: nilIfEmpty(r.groups), CustomerIDs: nilIfEmpty(r.customers), ChannelIDs: nilIfEmpty(r.channels),
		Adjustment: r.adjustment, IncludesTax: r.includesTax,
	}
}

// nilIfEmpty returns ids, or nil when empty.
func nilIfEmpty(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// list returns the list, with new metadata, sets and adjustment.
func (r *listRow) list() (pricing.PriceList, error) {
	meta, err := decodeMetadata(r.meta)
	t := r.terms()
	pl := pricing.PriceList{
		ID: r.id, Name: r.name, Description: string(r.description),
		Type: t.Type, Status: t.Status, StartsAt: t.StartsAt, EndsAt: t.EndsAt,
		CustomerGroupIDs: slices.Clone(t.CustomerGroupIDs), CustomerIDs: slices.Clone(t.CustomerIDs),
		ChannelIDs: slices.Clone(t.ChannelIDs), IncludesTax: r.includesTax, Metadata: meta,
		CreatedAt: fromInstant(r.created, r.createdNs), UpdatedAt: fromInstant(r.updated, r.updatedNs),
		Revision: r.revision,
	}
	if t.Adjustment != nil {
		a := *t.Adjustment
		pl.Adjustment = &a
	}
	return pl, err
}

// checkPrice refuses a price the store cannot keep.
func checkPrice(p *pricing.Price) error {
	if err := checkText("price ID", p.ID, true); err != nil {
		return err
	}
	for _, f := range [...]struct{ what, s string }{
		{"price list ID of a price", p.PriceListID},
		{"variant ID of a price", p.VariantID},
		{"currency code of a price", p.CurrencyCode},
		{"region ID of a price", p.RegionID},
	} {
		if err := checkText(f.what, f.s, false); err != nil {
			return err
		}
	}
	return nil
}

// keyOK reports whether every string of k can be stored; a key that cannot is held by
// no price.
func keyOK(k *pricing.PriceKey) bool {
	return textOK(k.PriceListID) && textOK(k.VariantID) && textOK(k.CurrencyCode) && textOK(k.RegionID)
}

// scanPrice reads a row of priceCols.
func scanPrice(row pgx.Row, p *pricing.Price) error {
	return row.Scan(&p.ID, &p.PriceListID, &p.VariantID, &p.CurrencyCode, &p.RegionID,
		&p.MinQuantity, &p.MaxQuantity, &p.Amount, &p.IncludesTax, &p.Revision)
}

// The order-preserving encoding of price keys, for the ranges of keys the cache of a
// transaction knows (cache.go): bytes compare as the prices_key_key index orders the
// keys. A string is its bytes, each 0x00 followed by 0xFF, then 0x00 0x01; an int64 is
// 8 big-endian bytes with the sign bit flipped.

func appendKeyString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b = append(b, s[i])
		if s[i] == 0 {
			b = append(b, 0xff)
		}
	}
	return append(b, 0, 1)
}

func appendKeyInt(b []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(n)^1<<63)
}

// keyPrefix returns the encoding of a list ID and a variant ID: it sorts before every
// key of that list and variant, and after those of smaller ones.
func keyPrefix(listID, variantID string) string {
	var buf [64]byte
	b := appendKeyString(buf[:0], listID)
	return string(appendKeyString(b, variantID))
}

// encodeKey returns the encoding of k.
func encodeKey(k *pricing.PriceKey) string {
	var buf [96]byte
	b := appendKeyString(buf[:0], k.PriceListID)
	b = appendKeyString(b, k.VariantID)
	b = appendKeyString(b, k.CurrencyCode)
	b = appendKeyString(b, k.RegionID)
	b = appendKeyInt(b, k.MinQuantity)
	return string(appendKeyInt(b, k.MaxQuantity))
}

// listKeyRange returns the range of the encodings of every key of the list.
func listKeyRange(listID string) (lo, hi string) {
	b := appendKeyString(nil, listID)
	lo = string(b)
	b[len(b)-1]++ // the terminator 0x00 0x01 becomes 0x00 0x02: past every extension
	return lo, string(b)
}
