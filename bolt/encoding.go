package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
)

// This file holds every byte layout of the schema: the composite keys of the index
// buckets and the values of the record buckets. The package documentation describes
// the same layouts; keep the two in step, and the golden bytes of encoding_test.go.

// The format bytes. Every non-empty value starts with one byte that names its layout,
// counted per kind of value from 1: a decoder reads every format its kind has had, an
// encoder writes the newest, so that a new layout needs no rewrite of the values
// already on disk. (A new format still raises SchemaVersion, with a migration that
// writes nothing else, so that an older package refuses the file instead of meeting
// values it cannot read.) The values of the key-only indexes are empty: a later format
// that gives them a payload starts it with a format byte, and an empty value stays
// unambiguous.
const (
	groupFormat      = 2 // groups; 1 had no revision
	listFormat       = 2 // lists; 1 had no revision
	termsFormat      = 2 // list_terms; 1 had no adjustment, customers or channels
	priceFormat      = 2 // prices; 1 had no revision
	priceIndexFormat = 2 // variant_currency_prices; 1 had no revision
	idFormat         = 1 // group_names, price_keys: an ID
	countFormat      = 1 // member_counts
	entryFormat      = 1 // journal: an entry's instant and number of items
	itemFormat       = 1 // journal_items: an item's key and data
	revisionFormat   = 1 // the root bucket's last_revision
	orderFormat      = 1 // list_order: a list's name and times (schema 5)
)

// body returns the value v without its format byte, and that format, which must be
// one that the kind of value has had: 1 to newest.
func body(v []byte, newest byte) ([]byte, byte, bool) {
	if len(v) == 0 || v[0] == 0 || v[0] > newest {
		return nil, 0, false
	}
	return v[1:], v[0], true
}

// formatProblem describes why body refused v, of a kind whose newest format is newest.
func formatProblem(v []byte, newest byte) string {
	if len(v) == 0 {
		return "empty value"
	}
	if newest == 1 {
		return fmt.Sprintf("value of format %d, this package reads format 1", v[0])
	}
	return fmt.Sprintf("value of format %d, this package reads formats 1 to %d", v[0], newest)
}

// appendLP appends s with its uvarint length prefix. Length-prefixed parts make composite
// keys unambiguous whatever bytes an ID holds.
func appendLP(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendI64 appends v as 8 big-endian bytes (two's complement).
func appendI64(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// The tags of an encoded time.
const (
	timeZero  = 0 // the zero time.Time; no payload
	timeNanos = 1 // 8 bytes: Unix nanoseconds, big-endian int64
	timeWide  = 2 // 8 bytes Unix seconds + 4 bytes nanoseconds, for instants outside int64 nanoseconds (before 1678, after 2262)
)

// appendTime appends t as an instant in UTC: a tag byte, then the payload the tag names.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, timeZero)
	}
	if n := t.UnixNano(); time.Unix(0, n).Equal(t) {
		return appendI64(append(b, timeNanos), n)
	}
	b = appendI64(append(b, timeWide), t.Unix())
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// Keys of the index buckets. Each composite key is built by exactly one of these
// helpers, and its parts are length-prefixed, except the last one, which runs to the end
// of the key so that keys sharing a prefix sort by their last part.

// pairKey is the key of the two-part index buckets (members, member_of, list_groups,
// group_lists, list_prices): lp(first) ‖ second.
func pairKey(b []byte, first, second string) []byte {
	return append(appendLP(b, first), second...)
}

// pairPrefix is the prefix shared by the pairKeys whose first part is first.
func pairPrefix(b []byte, first string) []byte {
	return appendLP(b, first)
}

// variantCurrencyKey is the key of variant_currency_prices:
// lp(variant) ‖ lp(currency) ‖ price ID.
func variantCurrencyKey(b []byte, variantID, currency, priceID string) []byte {
	return append(variantCurrencyPrefix(b, variantID, currency), priceID...)
}

// variantCurrencyPrefix is the prefix of the variant_currency_prices keys of a variant
// in a currency.
func variantCurrencyPrefix(b []byte, variantID, currency string) []byte {
	return appendLP(appendLP(b, variantID), currency)
}

// priceKeyKey is the key of price_keys: lp(list) ‖ lp(variant) ‖ lp(currency) ‖
// lp(region) ‖ min (8 bytes) ‖ max (8 bytes).
func priceKeyKey(b []byte, k pricing.PriceKey) []byte {
	b = appendLP(b, k.PriceListID)
	b = appendLP(b, k.VariantID)
	b = appendLP(b, k.CurrencyCode)
	b = appendLP(b, k.RegionID)
	b = appendI64(b, k.MinQuantity)
	return appendI64(b, k.MaxQuantity)
}

// splitPair splits a pairKey into its first part and the rest.
func splitPair(k []byte) (first, second []byte, ok bool) {
	d := decoder{b: k}
	first = d.lp()
	return first, d.b, !d.bad
}

// splitVariantCurrencyKey splits a variantCurrencyKey into its three parts. ok is false
// when the key is malformed or its price ID is empty.
func splitVariantCurrencyKey(k []byte) (variant, currency, priceID []byte, ok bool) {
	d := decoder{b: k}
	variant, currency = d.lp(), d.lp()
	return variant, currency, d.b, !d.bad && len(d.b) > 0
}

// decodePriceKey decodes a priceKeyKey. ok is false when k is not exactly one.
func decodePriceKey(k []byte) (pk pricing.PriceKey, ok bool) {
	d := decoder{b: k}
	pk.PriceListID = string(d.lp())
	pk.VariantID = string(d.lp())
	pk.CurrencyCode = string(d.lp())
	pk.RegionID = string(d.lp())
	pk.MinQuantity = d.i64()
	pk.MaxQuantity = d.i64()
	if d.bad || len(d.b) != 0 {
		return pricing.PriceKey{}, false
	}
	return pk, true
}

// checkEntry returns an error if the key or the value that a cursor found in bucket id
// is longer than bbolt lets anyone write: a damaged page says so, and copying the key
// or the value would allocate as much.
func checkEntry(id bucketID, k, v []byte) error {
	if len(k) > bbolt.MaxKeySize || len(v) > bbolt.MaxValueSize {
		return fmt.Errorf("%w: bucket %s: an entry with a key of %d bytes and a value of %d bytes, longer than bbolt writes",
			ErrCorrupt, bucketNames[id], len(k), len(v))
	}
	return nil
}

// badValue returns the error for the value of key in bucket id that does not decode: it
// wraps ErrCorrupt and names the bucket and the key, quoted.
func badValue(id bucketID, key string, format string, args ...any) error {
	return fmt.Errorf("%w: bucket %s, key %s: %s", ErrCorrupt, bucketNames[id], quoteKey(key), fmt.Sprintf(format, args...))
}

// maxQuotedKey bounds the bytes of a key that an error message quotes.
const maxQuotedKey = 200

// quoteKey quotes key for an error message (strconv.Quote: any bytes print safely),
// cut to its first maxQuotedKey bytes when it is longer.
func quoteKey(key string) string {
	if len(key) <= maxQuotedKey {
		return strconv.Quote(key)
	}
	return strconv.Quote(key[:maxQuotedKey]) + "… (" + strconv.Itoa(len(key)) + " bytes)"
}

// Values of the record buckets.

// encodeGroup encodes a groups value: groupFormat ‖ lp(name) ‖ lp(name key) ‖
// time(created) ‖ time(updated) ‖ varint(revision) ‖ metadata JSON (to the end; empty
// for no metadata). Format 1 had no revision.
func encodeGroup(g pricing.CustomerGroup, nameKey string) ([]byte, error) {
	md, err := encodeMetadata(g.Metadata)
	if err != nil {
		return nil, fmt.Errorf("bolt: customer group %q: %w", g.ID, err)
	}
	b := make([]byte, 0, 1+2*binary.MaxVarintLen16+len(g.Name)+len(nameKey)+2*13+binary.MaxVarintLen64+len(md))
	b = append(b, groupFormat)
	b = appendLP(b, g.Name)
	b = appendLP(b, nameKey)
	b = appendTime(b, g.CreatedAt)
	b = appendTime(b, g.UpdatedAt)
	b = binary.AppendVarint(b, g.Revision)
	return append(b, md...), nil
}

// decodeGroup decodes the groups value v of group id.
func decodeGroup(id string, v []byte) (g pricing.CustomerGroup, nameKey string, err error) {
	b, format, ok := body(v, groupFormat)
	if !ok {
		return pricing.CustomerGroup{}, "", badValue(bkGroups, id, "%s", formatProblem(v, groupFormat))
	}
	d := decoder{b: b}
	g.ID = id
	g.Name = string(d.lp())
	nameKey = string(d.lp())
	g.CreatedAt = d.time()
	g.UpdatedAt = d.time()
	if format >= 2 {
		g.Revision = d.varint()
	}
	if d.bad {
		return pricing.CustomerGroup{}, "", badValue(bkGroups, id, "bad customer group record")
	}
	if g.Metadata, err = decodeMetadata(d.b); err != nil {
		return pricing.CustomerGroup{}, "", badValue(bkGroups, id, "customer group metadata: %v", err)
	}
	return g, nameKey, nil
}

// groupNameKey returns the name key of the groups value v of group id without decoding
// the rest.
func groupNameKey(id string, v []byte) ([]byte, error) {
	b, _, ok := body(v, groupFormat)
	if !ok {
		return nil, badValue(bkGroups, id, "%s", formatProblem(v, groupFormat))
	}
	d := decoder{b: b}
	d.lp()
	k := d.lp()
	if d.bad {
		return nil, badValue(bkGroups, id, "bad customer group record")
	}
	return k, nil
}

// encodeList encodes a lists value, the part of a price list that the resolver does not
// read: listFormat ‖ lp(name) ‖ lp(description) ‖ time(created) ‖ time(updated) ‖
// varint(revision) ‖ metadata JSON (to the end). Format 1 had no revision.
func encodeList(pl pricing.PriceList) ([]byte, error) {
	md, err := encodeMetadata(pl.Metadata)
	if err != nil {
		return nil, fmt.Errorf("bolt: price list %q: %w", pl.ID, err)
	}
	b := make([]byte, 0, 1+2*binary.MaxVarintLen16+len(pl.Name)+len(pl.Description)+2*13+binary.MaxVarintLen64+len(md))
	b = append(b, listFormat)
	b = appendLP(b, pl.Name)
	b = appendLP(b, pl.Description)
	b = appendTime(b, pl.CreatedAt)
	b = appendTime(b, pl.UpdatedAt)
	b = binary.AppendVarint(b, pl.Revision)
	return append(b, md...), nil
}

// decodeList decodes the lists value v of list pl.ID into pl.
func decodeList(pl *pricing.PriceList, v []byte) error {
	b, format, ok := body(v, listFormat)
	if !ok {
		return badValue(bkLists, pl.ID, "%s", formatProblem(v, listFormat))
	}
	d := decoder{b: b}
	pl.Name = string(d.lp())
	pl.Description = string(d.lp())
	pl.CreatedAt = d.time()
	pl.UpdatedAt = d.time()
	pl.Revision = 0
	if format >= 2 {
		pl.Revision = d.varint()
	}
	if d.bad {
		return badValue(bkLists, pl.ID, "bad price list record")
	}
	md, err := decodeMetadata(d.b)
	if err != nil {
		return badValue(bkLists, pl.ID, "price list metadata: %v", err)
	}
	pl.Metadata = md
	return nil
}

// Bits of the flags byte of list terms and prices.
const flagIncludesTax = 1

// The sets of IDs of list terms, in the order format 2 stores them; format 1 stores the
// first only.
const (
	setGroups = iota
	setCustomers
	setChannels
	numSets
)

// encodeTerms encodes a list_terms value, in format 2: termsFormat ‖ lp(type) ‖
// lp(status) ‖ flags (1 byte) ‖ time(starts) ‖ time(ends) ‖ adjustment ‖ three set
// headers (customer groups, customers, channels) ‖ the IDs of the three sets back to
// back. The adjustment is 0 for none, or 1 ‖ the IEEE 754 bits of Percent (uint64) ‖
// lp(rounding). A set header is uvarint(n) ‖ n-1 × uvarint(len(ID)): n is 0 for a nil
// set and the number of IDs plus one otherwise, so that an empty non-nil slice comes
// back as one.
//
// Format 1 is format 2 without the adjustment and with the customer groups' set only.
func encodeTerms(pl pricing.PriceList) []byte {
	sets := [numSets][]string{setGroups: pl.CustomerGroupIDs, setCustomers: pl.CustomerIDs, setChannels: pl.ChannelIDs}
	n := 1 + 2*binary.MaxVarintLen16 + len(pl.Type) + len(pl.Status) + 1 + 2*13 + 10
	if a := pl.Adjustment; a != nil {
		n += len(a.Rounding)
	}
	for _, s := range sets {
		n += binary.MaxVarintLen32
		for _, id := range s {
			n += binary.MaxVarintLen16 + len(id)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, termsFormat)
	b = appendLP(b, string(pl.Type))
	b = appendLP(b, string(pl.Status))
	var flags byte
	if pl.IncludesTax {
		flags |= flagIncludesTax
	}
	b = append(b, flags)
	b = appendTime(b, pl.StartsAt)
	b = appendTime(b, pl.EndsAt)
	if a := pl.Adjustment; a == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(a.Percent))
		b = appendLP(b, string(a.Rounding))
	}
	for _, s := range sets {
		if s == nil {
			b = append(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(s))+1)
		for _, id := range s {
			b = binary.AppendUvarint(b, uint64(len(id)))
		}
	}
	for _, s := range sets {
		for _, id := range s {
			b = append(b, id...)
		}
	}
	return b
}

// decodeTerms decodes a list_terms value of format 1 or 2. The IDs are substrings of
// one string: it allocates that string, a slice per non-empty set and the Adjustment.
func decodeTerms(id string, v []byte) (pricing.PriceListTerms, error) {
	b, format, ok := body(v, termsFormat)
	if !ok {
		return pricing.PriceListTerms{}, badValue(bkListTerms, id, "%s", formatProblem(v, termsFormat))
	}
	d := decoder{b: b}
	t := pricing.PriceListTerms{ID: id}
	t.Type = listType(d.lp())
	t.Status = listStatus(d.lp())
	flags := d.byte()
	t.IncludesTax = flags&flagIncludesTax != 0
	t.StartsAt = d.time()
	t.EndsAt = d.time()
	nsets := 1
	if format >= 2 {
		nsets = numSets
		switch d.byte() {
		case 0:
		case 1:
			p := math.Float64frombits(uint64(d.i64()))
			r := d.lp()
			if math.IsNaN(p) || math.IsInf(p, 0) {
				d.fail()
			}
			t.Adjustment = &pricing.Adjustment{Percent: p, Rounding: rounding(r)}
		default:
			d.fail()
		}
	}
	if d.bad || flags&^flagIncludesTax != 0 {
		return pricing.PriceListTerms{}, badValue(bkListTerms, id, "bad price list terms")
	}
	// The set headers: counts (plus one, 0 for nil) and the lengths of the IDs.
	var (
		counts [numSets]uint64
		lens   [16]int
	)
	ls, total := lens[:0], 0
	for s := range nsets {
		n := d.uvarint()
		if n > uint64(len(d.b))+1 {
			d.fail()
		}
		counts[s] = n
		for i := uint64(1); i < n && !d.bad; i++ {
			l := d.uvarint()
			if l > uint64(len(v)) {
				d.fail()
			}
			ls = append(ls, int(l))
			total += int(l)
		}
	}
	if d.bad || total != len(d.b) {
		return pricing.PriceListTerms{}, badValue(bkListTerms, id, "bad price list terms")
	}
	var all string
	if total > 0 {
		all = string(d.b)
	}
	dst := [numSets]*[]string{setGroups: &t.CustomerGroupIDs, setCustomers: &t.CustomerIDs, setChannels: &t.ChannelIDs}
	off, li := 0, 0
	for s, n := range counts[:nsets] {
		if n == 0 {
			continue
		}
		ids := make([]string, n-1)
		for i := range ids {
			ids[i] = all[off : off+ls[li]]
			off += ls[li]
			li++
		}
		*dst[s] = ids
	}
	return t, nil
}

// rounding returns the rounding spelled by b, without allocating for the known ones.
func rounding(b []byte) pricing.Rounding {
	switch string(b) {
	case string(pricing.RoundHalfUp):
		return pricing.RoundHalfUp
	case string(pricing.RoundDown):
		return pricing.RoundDown
	case string(pricing.RoundUp):
		return pricing.RoundUp
	}
	return pricing.Rounding(b)
}

// listType returns the type spelled by b, without allocating for the known types.
func listType(b []byte) pricing.PriceListType {
	switch string(b) {
	case string(pricing.Sale):
		return pricing.Sale
	case string(pricing.Override):
		return pricing.Override
	}
	return pricing.PriceListType(b)
}

// listStatus returns the status spelled by b, without allocating for the known statuses.
func listStatus(b []byte) pricing.PriceListStatus {
	switch string(b) {
	case string(pricing.Active):
		return pricing.Active
	case string(pricing.Draft):
		return pricing.Draft
	}
	return pricing.PriceListStatus(b)
}

// priceFixed is the size of the fixed part of the price values.
const priceFixed = 1 + 3*8

// appendPriceFixed appends the fixed part of the price values: flags (1 byte) ‖ amount
// ‖ min quantity ‖ max quantity (8 bytes each).
func appendPriceFixed(b []byte, p *pricing.Price) []byte {
	var flags byte
	if p.IncludesTax {
		flags |= flagIncludesTax
	}
	b = append(b, flags)
	b = appendI64(b, p.Amount)
	b = appendI64(b, p.MinQuantity)
	return appendI64(b, p.MaxQuantity)
}

// encodePrice appends a prices value, whose key is the price ID: priceFormat ‖ the
// fixed part ‖ varint(revision) ‖ uvarint lengths of variant ID, currency, list ID,
// region ID ‖ those four strings back to back. Format 1 had no revision.
func encodePrice(b []byte, p *pricing.Price) []byte {
	b = appendPriceFixed(append(b, priceFormat), p)
	b = binary.AppendVarint(b, p.Revision)
	for _, s := range [...]string{p.VariantID, p.CurrencyCode, p.PriceListID, p.RegionID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
	}
	b = append(b, p.VariantID...)
	b = append(b, p.CurrencyCode...)
	b = append(b, p.PriceListID...)
	return append(b, p.RegionID...)
}

// encodeVariantPrice appends a variant_currency_prices value, whose key holds the
// variant ID, currency and price ID: priceIndexFormat ‖ the fixed part ‖
// varint(revision) ‖ uvarint lengths of list ID and region ID ‖ those two strings back
// to back. Format 1 had no revision.
func encodeVariantPrice(b []byte, p *pricing.Price) []byte {
	b = appendPriceFixed(append(b, priceIndexFormat), p)
	b = binary.AppendVarint(b, p.Revision)
	b = binary.AppendUvarint(b, uint64(len(p.PriceListID)))
	b = binary.AppendUvarint(b, uint64(len(p.RegionID)))
	b = append(b, p.PriceListID...)
	return append(b, p.RegionID...)
}

// priceValuesSize bounds the size of both values of p.
func priceValuesSize(p *pricing.Price) int {
	return 2*(1+priceFixed+binary.MaxVarintLen64) + 6*binary.MaxVarintLen16 + len(p.VariantID) + len(p.CurrencyCode) +
		2*(len(p.PriceListID)+len(p.RegionID))
}

// priceValue is a parsed price value: its fixed fields, the lengths of its strings,
// and the bytes of those strings, back to back.
type priceValue struct {
	flags            byte
	amount, min, max int64
	rev              int64
	lens             [4]int
	strs             []byte
}

// parsePriceValue parses a price value of a format from 1 to newest with n strings
// (prices: priceFormat, 4; variant_currency_prices: priceIndexFormat, 2).
func parsePriceValue(v []byte, newest byte, n int) (pv priceValue, ok bool) {
	if len(v) < 1+priceFixed+n || v[0] == 0 || v[0] > newest || v[1]&^flagIncludesTax != 0 {
		return pv, false
	}
	format := v[0]
	v = v[1:]
	pv.flags = v[0]
	pv.amount = int64(binary.BigEndian.Uint64(v[1:]))
	pv.min = int64(binary.BigEndian.Uint64(v[9:]))
	pv.max = int64(binary.BigEndian.Uint64(v[17:]))
	d := decoder{b: v[priceFixed:]}
	if format >= 2 {
		pv.rev = d.varint()
	}
	total := 0
	for i := range n {
		l := d.uvarint()
		if l > uint64(len(v)) {
			return pv, false
		}
		pv.lens[i] = int(l)
		total += int(l)
	}
	if d.bad || total != len(d.b) {
		return pv, false
	}
	pv.strs = d.b
	return pv, true
}

// priceProblem describes why parsePriceValue refused v.
func priceProblem(v []byte, newest byte) string {
	if len(v) == 0 || v[0] == 0 || v[0] > newest {
		return formatProblem(v, newest)
	}
	return "bad price"
}

// price returns the fixed fields of pv and its revision as a price without strings.
func (pv *priceValue) price() pricing.Price {
	return pricing.Price{
		Amount: pv.amount, MinQuantity: pv.min, MaxQuantity: pv.max,
		IncludesTax: pv.flags&flagIncludesTax != 0, Revision: pv.rev,
	}
}

// decodePrice decodes the prices value v of price id. Its strings share one
// allocation.
func decodePrice(id, v []byte) (pricing.Price, error) {
	pv, ok := parsePriceValue(v, priceFormat, 4)
	if !ok {
		return pricing.Price{}, badValue(bkPrices, string(id), "%s", priceProblem(v, priceFormat))
	}
	var arr [128]byte
	s := string(append(append(arr[:0], pv.strs...), id...))
	p := pv.price()
	off := 0
	next := func(n int) string { s := s[off : off+n]; off += n; return s }
	p.VariantID = next(pv.lens[0])
	p.CurrencyCode = next(pv.lens[1])
	p.PriceListID = next(pv.lens[2])
	p.RegionID = next(pv.lens[3])
	p.ID = s[off:]
	return p, nil
}

// decodeVariantPrice decodes the variant_currency_prices entry k → v. Its strings
// share one allocation.
func decodeVariantPrice(k, v []byte) (pricing.Price, error) {
	variant, currency, id, ok := splitVariantCurrencyKey(k)
	if !ok {
		return pricing.Price{}, badValue(bkVariantCurrencyPrices, string(k), "bad key")
	}
	pv, ok := parsePriceValue(v, priceIndexFormat, 2)
	if !ok {
		return pricing.Price{}, badValue(bkVariantCurrencyPrices, string(k), "%s", priceProblem(v, priceIndexFormat))
	}
	var arr [128]byte
	b := append(arr[:0], variant...)
	b = append(b, currency...)
	b = append(b, id...)
	s := string(append(b, pv.strs...))
	p := pv.price()
	off := 0
	next := func(n int) string { s := s[off : off+n]; off += n; return s }
	p.VariantID = next(len(variant))
	p.CurrencyCode = next(len(currency))
	p.ID = next(len(id))
	p.PriceListID = next(pv.lens[0])
	p.RegionID = next(pv.lens[1])
	return p, nil
}

// encodeMetadata encodes metadata as a JSON object; nil metadata encodes to nothing (an
// empty non-nil map is "{}").
func encodeMetadata(m map[string]any) ([]byte, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return b, nil
}

// decodeMetadata decodes what encodeMetadata made: nil for nothing, else a map of
// JSON-normal values (map[string]any, []any, string, float64, bool, nil). A map of such
// values round-trips exactly.
func decodeMetadata(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil { // "null"
		return nil, errors.New("metadata is not an object")
	}
	return m, nil
}

// decoder reads the parts of a value in order. A read past the end or a malformed
// length sets bad, and every later read returns zero values.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) fail() {
	d.bad = true
	d.b = nil
}

// uvarint reads an unsigned varint written in as few bytes as it takes, as
// binary.AppendUvarint writes it: a longer one (its last byte 0) would let two keys of
// different bytes decode alike.
func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || (n > 1 && d.b[n-1] == 0) {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// lp reads a length-prefixed part. The result aliases the value.
func (d *decoder) lp() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// varint reads a signed varint (binary.AppendVarint), written in as few bytes as it
// takes.
func (d *decoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) i64() int64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := int64(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) u32() uint32 {
	if len(d.b) < 4 {
		d.fail()
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

// time reads what appendTime wrote. Non-zero times come back in UTC.
func (d *decoder) time() time.Time {
	switch d.byte() {
	case timeZero:
		return time.Time{}
	case timeNanos:
		return time.Unix(0, d.i64()).UTC()
	case timeWide:
		sec := d.i64()
		nsec := d.u32()
		if nsec >= 1e9 {
			d.fail()
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).UTC()
	}
	d.fail()
	return time.Time{}
}

// encodeVersion encodes the value of the root bucket's version key: the schema version,
// a big-endian uint64. Every version of the package must read it, to know whether it
// may read the rest.
func encodeVersion(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// decodeVersion decodes the value v of the version key of the root bucket root.
func decodeVersion(root, v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: bucket %s, key %q: schema version of %d bytes, want 8", ErrCorrupt, quoteKey(string(root)), versionKey, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// encodeCount encodes a member_counts value: countFormat ‖ big-endian uint64.
func encodeCount(n uint64) []byte { return binary.BigEndian.AppendUint64([]byte{countFormat}, n) }

// decodeCount decodes the member_counts value v of group id.
func decodeCount(id string, v []byte) (uint64, error) {
	return decodeCountIn(bkMemberCounts, id, v)
}

// decodeCountIn decodes a count value v of key in bucket bk: member_counts, or
// list_order's count of lists.
func decodeCountIn(bk bucketID, key string, v []byte) (uint64, error) {
	b, _, ok := body(v, countFormat)
	if !ok {
		return 0, badValue(bk, key, "%s", formatProblem(v, countFormat))
	}
	if len(b) != 8 {
		return 0, badValue(bk, key, "count of %d bytes, want 8", len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// encodeID appends the value of the group_names and price_keys entries: idFormat ‖ the
// ID of the group or price that holds the key.
func encodeID(b []byte, id string) []byte {
	return append(append(b, idFormat), id...)
}

// decodeID decodes the value v of key in bucket bk, group_names or price_keys: the ID
// it holds, never empty and never longer than the store's writes allow (maxPart). The
// result aliases v.
func decodeID(bk bucketID, key, v []byte) ([]byte, error) {
	b, _, ok := body(v, idFormat)
	if !ok {
		return nil, badValue(bk, string(key), "%s", formatProblem(v, idFormat))
	}
	if len(b) == 0 || len(b) > maxPart {
		return nil, badValue(bk, string(key), "ID of %d bytes", len(b))
	}
	return b, nil
}

// The journal (schema 3). A revision is a positive int64, written as 8 big-endian
// bytes so that the keys of the journal and of its items sort by revision; an item's
// place in its entry (seq) is 4 big-endian bytes.

// Sizes of the journal's fixed-size keys.
const (
	revisionSize = 8
	itemKeySize  = revisionSize + 4
)

// maxEntryItems bounds the items of one entry, so that seq fits its 4 bytes and an
// int on every platform.
const maxEntryItems = 1<<31 - 1

// journalKey appends the key of the journal entry of revision rev: 8 bytes.
func journalKey(b []byte, rev int64) []byte {
	return appendI64(b, rev)
}

// decodeJournalKey decodes a journalKey. ok is false unless k is 8 bytes that hold a
// revision (1 or more).
func decodeJournalKey(k []byte) (rev int64, ok bool) {
	if len(k) != revisionSize {
		return 0, false
	}
	rev = int64(binary.BigEndian.Uint64(k))
	return rev, rev > 0
}

// encodeEntry appends a journal value: entryFormat ‖ time(At) ‖ uvarint(number of
// items). The items are in journal_items, under the same revision.
func encodeEntry(b []byte, at time.Time, items int) []byte {
	b = appendTime(append(b, entryFormat), at)
	return binary.AppendUvarint(b, uint64(items))
}

// decodeEntry decodes the journal value v under key k: the entry's instant and its
// number of items (at most maxEntryItems).
func decodeEntry(k, v []byte) (at time.Time, items int, err error) {
	b, _, ok := body(v, entryFormat)
	if !ok {
		return time.Time{}, 0, badValue(bkJournal, string(k), "%s", formatProblem(v, entryFormat))
	}
	d := decoder{b: b}
	at = d.time()
	n := d.uvarint()
	if d.bad || len(d.b) != 0 || n > maxEntryItems {
		return time.Time{}, 0, badValue(bkJournal, string(k), "bad journal entry")
	}
	return at, int(n), nil
}

// itemKey appends the key of journal_items of the item seq (its place in the entry,
// from 0) of revision rev: revision (8 bytes) ‖ seq (4 bytes). The items of an entry
// share the prefix journalKey(rev) and sort in their order.
func itemKey(b []byte, rev int64, seq int) []byte {
	return binary.BigEndian.AppendUint32(appendI64(b, rev), uint32(seq))
}

// splitItemKey decodes an itemKey. ok is false unless k is 12 bytes whose revision is
// 1 or more.
func splitItemKey(k []byte) (rev int64, seq int, ok bool) {
	if len(k) != itemKeySize {
		return 0, 0, false
	}
	rev, ok = decodeJournalKey(k[:revisionSize])
	return rev, int(binary.BigEndian.Uint32(k[revisionSize:])), ok
}

// encodeItem appends a journal_items value: itemFormat ‖ lp(item key) ‖ data (to the
// end of the value).
func encodeItem(b []byte, key string, data []byte) []byte {
	return append(appendLP(append(b, itemFormat), key), data...)
}

// itemSize is the size of encodeItem's value.
func itemSize(key string, data []byte) int {
	return 1 + varintLen(uint64(len(key))) + len(key) + len(data)
}

// varintLen is the number of bytes of uvarint(v).
func varintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// decodeItem decodes the journal_items value v under key k: the item's key (never
// empty, at most maxPart bytes) and data. Both alias v.
func decodeItem(k, v []byte) (key, data []byte, err error) {
	b, _, ok := body(v, itemFormat)
	if !ok {
		return nil, nil, badValue(bkJournalItems, string(k), "%s", formatProblem(v, itemFormat))
	}
	d := decoder{b: b}
	key = d.lp()
	if d.bad || len(key) == 0 || len(key) > maxPart {
		return nil, nil, badValue(bkJournalItems, string(k), "bad journal item")
	}
	return key, d.b, nil
}

// keyIndexKey appends the key of journal_keys of the item seq of revision rev, whose
// key is key: lp(key) ‖ revision (8 bytes) ‖ seq (4 bytes). The entries of one key
// share the prefix keyIndexPrefix(key), and sort by revision, then by place.
func keyIndexKey(b []byte, key string, rev int64, seq int) []byte {
	return itemKey(keyIndexPrefix(b, key), rev, seq)
}

// keyIndexPrefix appends the prefix of the journal_keys keys of key: lp(key).
func keyIndexPrefix(b []byte, key string) []byte {
	return appendLP(b, key)
}

// splitKeyIndexKey decodes a keyIndexKey. ok is false unless k is one, with a key of 1
// to maxPart bytes.
func splitKeyIndexKey(k []byte) (key []byte, rev int64, seq int, ok bool) {
	d := decoder{b: k}
	key = d.lp()
	if d.bad || len(key) == 0 || len(key) > maxPart {
		return nil, 0, 0, false
	}
	rev, seq, ok = splitItemKey(d.b)
	return key, rev, seq, ok
}

// encodeLastRevision encodes the value of the root bucket's last_revision key:
// revisionFormat ‖ the revision (8 bytes).
func encodeLastRevision(rev int64) []byte {
	return appendI64([]byte{revisionFormat}, rev)
}

// decodeLastRevision decodes the value v of the last_revision key of the root bucket
// root: a revision, 0 or more.
func decodeLastRevision(root, v []byte) (int64, error) {
	b, _, ok := body(v, revisionFormat)
	if !ok {
		return 0, fmt.Errorf("%w: bucket %s, key %q: %s", ErrCorrupt, quoteKey(string(root)), lastRevisionKey, formatProblem(v, revisionFormat))
	}
	if len(b) != revisionSize || int64(binary.BigEndian.Uint64(b)) < 0 {
		return 0, fmt.Errorf("%w: bucket %s, key %q: bad last revision %x", ErrCorrupt, quoteKey(string(root)), lastRevisionKey, b)
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// The kinds of entry of list_order: the first byte of each key, one per order of a
// listing, and listCountKey, which holds the number of lists (a count value).
const (
	orderCreated = 'c'
	orderName    = 'n'
	orderUpdated = 'u'
)

// listCountKey is the key of the number of lists in list_order. It starts with none of
// the kinds, so that no walk of an order meets it.
var listCountKey = []byte("#count")

// orderKinds are the kinds of list_order entries, by order field.
var orderKinds = map[string]byte{"created_at": orderCreated, "updated_at": orderUpdated, "name": orderName}

// appendOrderTime appends t so that the byte order of the result is the order of
// instants: the Unix seconds as a big-endian uint64 with the sign bit flipped, then the
// nanoseconds as a big-endian uint32. The zero time is an instant like any other.
func appendOrderTime(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// listOrderKey appends the list_order key of a position in the order of kind: for the
// orders by time, kind ‖ appendOrderTime(Time) ‖ ID; for the order by name, kind ‖ Name (the
// name order key, which holds no 0 byte) ‖ 0 ‖ ID. Byte order is the order of
// positions, ties broken by ID.
func listOrderKey(b []byte, kind byte, p *pricing.ListPosition) []byte {
	b = append(b, kind)
	if kind == orderName {
		b = append(append(b, p.Name...), 0)
	} else {
		b = appendOrderTime(b, p.Time)
	}
	return append(b, p.ID...)
}

// everyOrderKind are the kinds of list_order entries: a list has one of each.
var everyOrderKind = [...]byte{orderCreated, orderName, orderUpdated}

// eachListOrderKey calls fn with the list_order key of the list of each kind,
// built in buf's storage (fn copies what it keeps), and stops at fn's first error.
func eachListOrderKey(buf []byte, id, name string, created, updated time.Time, fn func(key []byte) error) error {
	for _, kind := range everyOrderKind {
		p := positionOf(kind, id, name, created, updated)
		if err := fn(listOrderKey(buf[:0], kind, &p)); err != nil {
			return err
		}
	}
	return nil
}

// listOrderID returns the list ID of a list_order key of kind, or false for a key of
// another shape.
func listOrderID(kind byte, k []byte) ([]byte, bool) {
	if len(k) == 0 || k[0] != kind {
		return nil, false
	}
	k = k[1:]
	if kind == orderName {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			return nil, false
		}
		return k[i+1:], true
	}
	if len(k) < 12 {
		return nil, false
	}
	return k[12:], true
}

// positionOf returns the position of the list with the given sort keys in the order
// of kind.
func positionOf(kind byte, id, name string, created, updated time.Time) pricing.ListPosition {
	switch kind {
	case orderCreated:
		return pricing.ListPosition{Time: created, ID: id}
	case orderUpdated:
		return pricing.ListPosition{Time: updated, ID: id}
	}
	return pricing.ListPosition{Name: pricing.NameOrderKey(name), ID: id}
}

// encodeOrderValue encodes the value of every list_order entry of a list: orderFormat ‖
// time(created) ‖ time(updated) ‖ name (to the end): what a listing needs of the list
// beside its terms.
func encodeOrderValue(name string, created, updated time.Time) []byte {
	b := make([]byte, 0, 1+2*13+len(name))
	b = append(b, orderFormat)
	b = appendTime(b, created)
	b = appendTime(b, updated)
	return append(b, name...)
}

// decodeOrderValue decodes a list_order value of list id into h's Name, CreatedAt and
// UpdatedAt.
func decodeOrderValue(id string, v []byte, h *pricing.PriceListHead) error {
	b, _, ok := body(v, orderFormat)
	if !ok {
		return badValue(bkListOrder, id, "%s", formatProblem(v, orderFormat))
	}
	d := decoder{b: b}
	h.CreatedAt = d.time()
	h.UpdatedAt = d.time()
	if d.bad {
		return badValue(bkListOrder, id, "bad list order value")
	}
	h.Name = string(d.b)
	return nil
}

// listKeys decodes the name and times of a lists value, without its metadata.
func listKeys(id string, v []byte) (name string, created, updated time.Time, err error) {
	b, _, ok := body(v, listFormat)
	if !ok {
		return "", time.Time{}, time.Time{}, badValue(bkLists, id, "%s", formatProblem(v, listFormat))
	}
	d := decoder{b: b}
	name = string(d.lp())
	d.lp()
	created, updated = d.time(), d.time()
	if d.bad {
		return "", time.Time{}, time.Time{}, badValue(bkLists, id, "bad price list record")
	}
	return name, created, updated, nil
}
