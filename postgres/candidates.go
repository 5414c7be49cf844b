package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/commercekit/pricing"
)

// querier runs queries: the pool, or a host's pgx.Tx.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// The terms of price lists change rarely and every resolve needs some, so a Store keeps
// the terms of every list, with the 64 versions of the lists' stripes that it read them
// with (price_list_versions: a transaction that writes or deletes a list adds 1 to the
// version of the list's stripe). A resolve reads the customer's groups, the prices and
// the versions in one statement (one snapshot); when the versions are those of the
// cache, no list has changed since, and the cache has the terms as of that snapshot.
// Otherwise the resolve reads again, in a second round trip, with the statement that
// joins the terms of the prices' lists itself, and reloads the cache in the same round
// trip.

// termsCache is the terms of every price list, as of a snapshot whose stripe versions
// are versions. It is never changed once made.
type termsCache struct {
	versions []int64
	index    map[string]int // list ID → position in terms
	terms    []pricing.PriceListTerms
	adjusted []int // the positions in terms of the lists with an adjustment
}

// numStripes is the number of rows of price_list_versions.
const numStripes = 64

// stripe returns the stripe of a list ID: FNV-1a, modulo 64.
func stripe(listID string) int {
	h := uint32(2166136261)
	for i := 0; i < len(listID); i++ {
		h ^= uint32(listID[i])
		h *= 16777619
	}
	return int(h % numStripes)
}

// ReadCandidates implements pricing.CandidateReader. It costs one round trip when no
// list changed since the store last read the lists' terms, else two; more only the
// first time a connection runs each statement (pgx prepares it). A connection lost
// before the answer is retried once on another connection: the statements only read.
func (s *Store) ReadCandidates(ctx context.Context, req pricing.CandidateRequest, dst *pricing.Candidates) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := readCandidates(ctx, s.pool, s.st, &s.terms, true, req, dst)
	var f *txFailure
	if errors.As(err, &f) && f.connLost && ctx.Err() == nil && !s.closed.Load() {
		err = readCandidates(ctx, s.pool, s.st, &s.terms, true, req, dst)
	}
	if err != nil && s.closed.Load() {
		return pricing.ErrClosed
	}
	return err
}

// readCandidates reads what ReadCandidates reads on q, with the terms cache of the store,
// which it reloads when update is set. (A host's transaction may see its own uncommitted
// lists: it uses the cache, whose versions then differ from what it sees, but never
// fills it.) On a failure it leaves dst as it was given.
func readCandidates(ctx context.Context, q querier, st *statements, cache *atomic.Pointer[termsCache], update bool, req pricing.CandidateRequest, dst *pricing.Candidates) error {
	if !textOK(req.CurrencyCode) {
		return nil // no price has such a currency
	}
	customer := req.CustomerID
	if !textOK(customer) {
		customer = "" // no customer has such an ID; "" is no customer's ID
	}
	variants := req.VariantIDs
	if slices.ContainsFunc(variants, func(v string) bool { return !textOK(v) }) {
		variants = slices.DeleteFunc(slices.Clone(variants), func(v string) bool { return !textOK(v) })
	}
	n0, n1, n2 := len(dst.CustomerGroupIDs), len(dst.Prices), len(dst.Terms)
	fail := func(err error) error {
		dst.CustomerGroupIDs, dst.Prices, dst.Terms = dst.CustomerGroupIDs[:n0], dst.Prices[:n1], dst.Terms[:n2]
		c, _ := q.(closer)
		return classify(ctx, c, err)
	}
	args := []any{customer, variants, req.CurrencyCode}
	fast, full := st.candidatesFast, st.candidates
	if len(variants) == 1 {
		args[1] = variants[0]
		fast, full = st.candidatesFastOne, st.candidatesOne
	}

	var cached *termsCache
	if cache != nil {
		cached = cache.Load()
	}
	if cached != nil {
		rows, err := q.Query(ctx, fast, args...)
		var versions []int64
		if err == nil {
			versions, err = decodeCandidates(rows, &req, cached, n0, dst)
		}
		if err != nil {
			return fail(err)
		}
		if slices.Equal(versions, cached.versions) {
			cached.appendTerms(dst, n1)
			return nil
		}
		dst.CustomerGroupIDs, dst.Prices = dst.CustomerGroupIDs[:n0], dst.Prices[:n1]
	}

	// The statement that reads the terms itself, and, to the cache, every list's terms.
	b := &pgx.Batch{}
	var decodeErr error
	b.Queue(full, args...).Query(func(rows pgx.Rows) error {
		_, decodeErr = decodeCandidates(rows, &req, nil, n0, dst)
		return decodeErr
	})
	var fresh *termsCache
	if update {
		b.Queue(st.allTerms).Query(func(rows pgx.Rows) error {
			var err error
			fresh, err = decodeTerms(rows)
			return err
		})
	}
	if err := q.SendBatch(ctx, b).Close(); err != nil {
		return fail(err)
	}
	if decodeErr != nil {
		return fail(decodeErr)
	}
	if fresh != nil {
		cache.Store(fresh)
	}
	return nil
}

// appendTerms appends to dst the terms of the lists with an adjustment, then those of
// the other lists of dst.Prices[from:], once each. Their slices and Adjustments are the
// cache's, read-only as pricing.Tx allows.
func (c *termsCache) appendTerms(dst *pricing.Candidates, from int) {
	for _, k := range c.adjusted {
		dst.Terms = append(dst.Terms, c.terms[k])
	}
	start := len(dst.Terms)
	var seen map[int]bool
	for i := from; i < len(dst.Prices); i++ {
		id := dst.Prices[i].PriceListID
		if id == "" {
			continue
		}
		k, ok := c.index[id]
		if !ok || c.terms[k].Adjustment != nil {
			continue // a price of a missing list, or of an adjusted one, appended above
		}
		if seen == nil && len(dst.Terms)-start > 16 {
			seen = make(map[int]bool, 64)
			for _, t := range dst.Terms[start:] {
				seen[c.index[t.ID]] = true
			}
		}
		if seen != nil {
			if seen[k] {
				continue
			}
			seen[k] = true
		} else if slices.ContainsFunc(dst.Terms[start:], func(t pricing.PriceListTerms) bool { return t.ID == id }) {
			continue
		}
		dst.Terms = append(dst.Terms, c.terms[k])
	}
}

// decodeTerms reads the rows of the allTerms statement.
func decodeTerms(rows pgx.Rows) (*termsCache, error) {
	defer rows.Close()
	c := &termsCache{index: map[string]int{}}
	for rows.Next() {
		var (
			versions                    []int64
			id, typ, status, rounding   pgtype.Text
			tax                         pgtype.Bool
			starts, ends                pgtype.Timestamptz
			startsNs, endsNs            pgtype.Int2
			groups, customers, channels []string
			percent                     pgtype.Float8
		)
		if err := rows.Scan(&versions, &id, &typ, &status, &tax, &starts, &startsNs, &ends, &endsNs, &groups,
			&customers, &channels, &percent, &rounding); err != nil {
			return nil, err
		}
		c.versions = versions
		if !id.Valid {
			continue // no list: the one row carries the versions
		}
		t := pricing.PriceListTerms{
			ID: id.String, Type: pricing.PriceListType(typ.String), Status: pricing.PriceListStatus(status.String),
			StartsAt: fromInstant(starts, startsNs.Int16), EndsAt: fromInstant(ends, endsNs.Int16), IncludesTax: tax.Bool,
			CustomerGroupIDs: nilIfEmpty(groups), CustomerIDs: nilIfEmpty(customers), ChannelIDs: nilIfEmpty(channels),
		}
		var err error
		if t.Adjustment, err = decodeAdjustment(t.ID, percent, rounding); err != nil {
			return nil, err
		}
		if t.Adjustment != nil {
			c.adjusted = append(c.adjusted, len(c.terms))
		}
		c.index[t.ID] = len(c.terms)
		c.terms = append(c.terms, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(c.versions) != numStripes {
		return nil, fmt.Errorf("postgres: %d price list versions, want %d", len(c.versions), numStripes)
	}
	return c, nil
}

// The columns of the candidates statement.
const (
	cKind = iota
	cID
	cText1 // a price's list ID; a list's type
	cText2 // a price's region ID; a list's status
	cText3 // a price's variant ID; a list's adjustment rounding
	cMin
	cMax
	cAmount
	cTax
	cStarts
	cStartsNs
	cEnds
	cEndsNs
	cGroups
	cVersions  // the row of kind 3: the versions of the stripes of the lists
	cRevision  // a price's revision
	cCustomers // a list's customers
	cChannels  // a list's channels
	cPercent   // a list's adjustment percent; its rounding is cText3
	nCandidateCols
)

// rawCandidates reports whether the rows come in the formats decodeCandidates reads:
// binary for the numbers, instants and the array (pgx's choice, unless the host's pool
// uses the simple protocol, whose text formats scanCandidates reads).
func rawCandidates(fds []pgconn.FieldDescription) bool {
	if len(fds) != nCandidateCols {
		return false
	}
	for _, i := range []int{cKind, cMin, cMax, cAmount, cTax, cStarts, cStartsNs, cEnds, cEndsNs, cGroups, cVersions, cRevision,
		cCustomers, cChannels, cPercent} {
		if fds[i].Format != pgx.BinaryFormatCode {
			return false
		}
	}
	return true
}

// pgEpoch is PostgreSQL's epoch, 2000-01-01, in Unix microseconds.
const pgEpoch = 946_684_800 * 1_000_000

// decodeCandidates reads the rows of a candidates statement into dst, and returns the
// stripe versions of the row of kind 3, if any. From their binary form (pgx's choice
// but on the simple protocol), it copies the bytes of the price IDs and regions of one
// call into one arena and makes those strings from it, so that a call allocates a few
// times, not a few times per row; variant IDs are the request's, list IDs the cache's
// or shared.
func decodeCandidates(rows pgx.Rows, req *pricing.CandidateRequest, cache *termsCache, groupsFrom int, dst *pricing.Candidates) (versions []int64, err error) {
	defer rows.Close()
	if !rawCandidates(rows.FieldDescriptions()) {
		return scanCandidates(rows, req.CurrencyCode, groupsFrom, dst)
	}
	d := candidateDecoder{req: req, cache: cache}
	groupsSorted := true
	for rows.Next() {
		v := rows.RawValues()
		if len(v) != nCandidateCols || len(v[cKind]) != 2 {
			return nil, errCandidateRow
		}
		switch binary.BigEndian.Uint16(v[cKind]) {
		case 0:
			if n := len(dst.CustomerGroupIDs); n > groupsFrom && dst.CustomerGroupIDs[n-1] > string(v[cID]) {
				groupsSorted = false
			}
			dst.CustomerGroupIDs = append(dst.CustomerGroupIDs, string(v[cID]))
		case 1:
			if len(v[cMin]) != 8 || len(v[cMax]) != 8 || len(v[cAmount]) != 8 || len(v[cTax]) != 1 || len(v[cRevision]) != 8 {
				return nil, errCandidateRow
			}
			d.ref(v[cID], len(dst.Prices), false)
			d.ref(v[cText2], len(dst.Prices), true)
			dst.Prices = append(dst.Prices, pricing.Price{
				PriceListID: d.list(v[cText1]), VariantID: d.variant(v[cText3]), CurrencyCode: req.CurrencyCode,
				MinQuantity: int64(binary.BigEndian.Uint64(v[cMin])), MaxQuantity: int64(binary.BigEndian.Uint64(v[cMax])),
				Amount: int64(binary.BigEndian.Uint64(v[cAmount])), IncludesTax: v[cTax][0] != 0,
				Revision: int64(binary.BigEndian.Uint64(v[cRevision])),
			})
		case 2:
			if len(v[cTax]) != 1 {
				return nil, errCandidateRow
			}
			t := pricing.PriceListTerms{
				ID: d.list(v[cID]), Type: pricing.PriceListType(v[cText1]), Status: pricing.PriceListStatus(v[cText2]),
				IncludesTax: v[cTax][0] != 0,
			}
			if t.StartsAt, err = rawInstant(v[cStarts], v[cStartsNs]); err != nil {
				return nil, err
			}
			if t.EndsAt, err = rawInstant(v[cEnds], v[cEndsNs]); err != nil {
				return nil, err
			}
			if t.CustomerGroupIDs, err = rawTextArray(v[cGroups]); err != nil {
				return nil, err
			}
			if t.CustomerIDs, err = rawTextArray(v[cCustomers]); err != nil {
				return nil, err
			}
			if t.ChannelIDs, err = rawTextArray(v[cChannels]); err != nil {
				return nil, err
			}
			if t.Adjustment, err = rawAdjustment(t.ID, v[cPercent], v[cText3]); err != nil {
				return nil, err
			}
			dst.Terms = append(dst.Terms, t)
		case 3:
			if versions, err = rawInt8Array(v[cVersions]); err != nil {
				return nil, err
			}
		default:
			return nil, errCandidateRow
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	all := string(d.arena)
	for _, r := range d.refs {
		s := all[r.off : r.off+r.n]
		if p := &dst.Prices[r.price]; r.region {
			p.RegionID = s
		} else {
			p.ID = s
		}
	}
	if !groupsSorted {
		slices.Sort(dst.CustomerGroupIDs[groupsFrom:])
	}
	return versions, nil
}

var errCandidateRow = errors.New("postgres: candidates: a row of an unexpected shape")

// candidateDecoder holds the state of one decodeCandidates.
type candidateDecoder struct {
	req   *pricing.CandidateRequest
	cache *termsCache
	arena []byte      // the bytes of the strings of refs
	refs  []stringRef // strings to make from the arena, once it is complete
	lists map[string]string
	byID  map[string]string // the request's variant IDs, when it has many
}

// stringRef is a string of decodeCandidates: where its bytes are in the arena, and
// which price's ID or region it is.
type stringRef struct {
	off, n, price int
	region        bool
}

// ref records that the ID (or region) of price i is b.
func (d *candidateDecoder) ref(b []byte, i int, region bool) {
	if len(b) > 0 {
		d.refs = append(d.refs, stringRef{off: len(d.arena), n: len(b), price: i, region: region})
		d.arena = append(d.arena, b...)
	}
}

// variant returns the request's variant ID equal to b.
func (d *candidateDecoder) variant(b []byte) string {
	vs := d.req.VariantIDs
	if len(vs) <= 8 {
		for _, v := range vs {
			if string(b) == v {
				return v
			}
		}
		return string(b)
	}
	if d.byID == nil {
		d.byID = make(map[string]string, len(vs))
		for _, v := range vs {
			d.byID[v] = v
		}
	}
	if v, ok := d.byID[string(b)]; ok {
		return v
	}
	return string(b)
}

// list returns b as a list ID, shared by every row that names the list.
func (d *candidateDecoder) list(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if d.cache != nil {
		if k, ok := d.cache.index[string(b)]; ok {
			return d.cache.terms[k].ID
		}
	}
	if id, ok := d.lists[string(b)]; ok {
		return id
	}
	if d.lists == nil {
		d.lists = map[string]string{}
	}
	id := string(b)
	d.lists[id] = id
	return id
}

// rawInstant decodes a binary timestamptz (NULL: the zero time) and its nanoseconds.
func rawInstant(ts, ns []byte) (time.Time, error) {
	if ts == nil {
		return time.Time{}, nil
	}
	if len(ts) != 8 || len(ns) != 2 {
		return time.Time{}, errCandidateRow
	}
	us := int64(binary.BigEndian.Uint64(ts)) + pgEpoch
	sec, rem := us/1_000_000, us%1_000_000
	if rem < 0 {
		sec, rem = sec-1, rem+1_000_000
	}
	return time.Unix(sec, rem*1000+int64(int16(binary.BigEndian.Uint16(ns)))).UTC(), nil
}

// rawAdjustment decodes a binary float8 percent and a rounding's text, both NULL (nil)
// for no adjustment.
func rawAdjustment(listID string, percent, rounding []byte) (*pricing.Adjustment, error) {
	if percent != nil && len(percent) != 8 {
		return nil, errCandidateRow
	}
	p := pgtype.Float8{Valid: percent != nil}
	if p.Valid {
		p.Float64 = math.Float64frombits(binary.BigEndian.Uint64(percent))
	}
	return decodeAdjustment(listID, p, pgtype.Text{String: string(rounding), Valid: rounding != nil})
}

// rawInt8Array decodes a binary one-dimensional bigint[] without NULLs.
func rawInt8Array(b []byte) ([]int64, error) {
	if len(b) < 12 {
		return nil, errCandidateRow
	}
	if binary.BigEndian.Uint32(b) == 0 {
		return nil, nil
	}
	if len(b) < 20 {
		return nil, errCandidateRow
	}
	n := int(binary.BigEndian.Uint32(b[12:]))
	b = b[20:]
	if len(b) != 12*n {
		return nil, errCandidateRow
	}
	out := make([]int64, n)
	for i := range out {
		if binary.BigEndian.Uint32(b[12*i:]) != 8 {
			return nil, errCandidateRow
		}
		out[i] = int64(binary.BigEndian.Uint64(b[12*i+4:]))
	}
	return out, nil
}

// rawTextArray decodes a binary one-dimensional text[] without NULLs; empty is nil.
func rawTextArray(b []byte) ([]string, error) {
	bad := errCandidateRow
	if len(b) < 12 {
		return nil, bad
	}
	ndim := binary.BigEndian.Uint32(b)
	if ndim == 0 {
		return nil, nil
	}
	if ndim != 1 || len(b) < 20 {
		return nil, bad
	}
	n := int(binary.BigEndian.Uint32(b[12:]))
	b = b[20:]
	out := make([]string, 0, n)
	for range n {
		if len(b) < 4 {
			return nil, bad
		}
		l := int32(binary.BigEndian.Uint32(b))
		if l < 0 || len(b) < 4+int(l) {
			return nil, bad
		}
		out = append(out, string(b[4:4+l]))
		b = b[4+l:]
	}
	return out, nil
}

// scanCandidates reads the rows of a candidates statement into dst through pgx's scan
// plans, in whatever format they come (the simple protocol's text), and returns the
// stripe versions of the row of kind 3, if any.
func scanCandidates(rows pgx.Rows, currency string, groupsFrom int, dst *pricing.Candidates) ([]int64, error) {
	defer rows.Close()
	var (
		kind                        int16
		id                          pgtype.Text
		s1, s2, s3                  pgtype.Text
		n1, n2, n3, rev             pgtype.Int8
		flag                        pgtype.Bool
		starts, ends                pgtype.Timestamptz
		startsNs, endsNs            pgtype.Int2
		groups, customers, channels []string
		vers, versions              []int64
		percent                     pgtype.Float8
		dests                       = []any{&kind, &id, &s1, &s2, &s3, &n1, &n2, &n3, &flag, &starts, &startsNs, &ends, &endsNs,
			&groups, &vers, &rev, &customers, &channels, &percent}
	)
	for rows.Next() {
		groups, customers, channels, vers = nil, nil, nil, nil
		if err := rows.Scan(dests...); err != nil {
			return nil, err
		}
		switch kind {
		case 0:
			dst.CustomerGroupIDs = append(dst.CustomerGroupIDs, id.String)
		case 1:
			dst.Prices = append(dst.Prices, pricing.Price{
				ID: id.String, PriceListID: s1.String, RegionID: s2.String, VariantID: s3.String, CurrencyCode: currency,
				MinQuantity: n1.Int64, MaxQuantity: n2.Int64, Amount: n3.Int64, IncludesTax: flag.Bool, Revision: rev.Int64,
			})
		case 2:
			t := pricing.PriceListTerms{
				ID: id.String, Type: pricing.PriceListType(s1.String), Status: pricing.PriceListStatus(s2.String),
				StartsAt: fromInstant(starts, startsNs.Int16), EndsAt: fromInstant(ends, endsNs.Int16),
				IncludesTax: flag.Bool, CustomerGroupIDs: nilIfEmpty(groups), CustomerIDs: nilIfEmpty(customers),
				ChannelIDs: nilIfEmpty(channels),
			}
			var err error
			if t.Adjustment, err = decodeAdjustment(t.ID, percent, s3); err != nil {
				return nil, err
			}
			dst.Terms = append(dst.Terms, t)
		case 3:
			versions = vers
		default:
			return nil, fmt.Errorf("postgres: candidates: row of unknown kind %d", kind)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(dst.CustomerGroupIDs[groupsFrom:])
	return versions, nil
}
