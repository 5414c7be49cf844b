package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/commercekit/pricing"
)

// querier runs one query: the pool, or a host's pgx.Tx.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ReadCandidates implements pricing.CandidateReader: one statement, so one snapshot and
// one round trip to the server, reads the customer's groups, every price of the
// variants in the currency, and the terms of the lists of those prices. A connection
// lost before the answer is retried once on another connection: the statement only
// reads.
func (s *Store) ReadCandidates(ctx context.Context, req pricing.CandidateRequest, dst *pricing.Candidates) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := readCandidates(ctx, s.pool, s.st, req, dst)
	var f *txFailure
	if errors.As(err, &f) && f.connLost && ctx.Err() == nil && !s.closed.Load() {
		err = readCandidates(ctx, s.pool, s.st, req, dst)
	}
	if err != nil && s.closed.Load() {
		return pricing.ErrClosed
	}
	return err
}

// readCandidates runs the candidates statement on q. On a failure it leaves dst as it
// was given.
func readCandidates(ctx context.Context, q querier, st *statements, req pricing.CandidateRequest, dst *pricing.Candidates) error {
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
	var rows pgx.Rows
	var err error
	if len(variants) == 1 {
		rows, err = q.Query(ctx, st.candidatesOne, customer, variants[0], req.CurrencyCode)
	} else {
		rows, err = q.Query(ctx, st.candidates, customer, variants, req.CurrencyCode)
	}
	if err == nil {
		if rawCandidates(rows.FieldDescriptions()) {
			err = decodeCandidates(rows, req, n0, dst)
		} else {
			err = scanCandidates(rows, req.CurrencyCode, n0, dst)
		}
	}
	if err != nil {
		dst.CustomerGroupIDs, dst.Prices, dst.Terms = dst.CustomerGroupIDs[:n0], dst.Prices[:n1], dst.Terms[:n2]
		c, _ := q.(closer)
		return classify(ctx, c, err)
	}
	return nil
}

// The columns of the candidates statement.
const (
	cKind = iota
	cID
	cText1 // a price's list ID; a list's type
	cText2 // a price's region ID; a list's status
	cText3 // a price's variant ID
	cMin
	cMax
	cAmount
	cTax
	cStarts
	cStartsNs
	cEnds
	cEndsNs
	cGroups
	nCandidateCols
)

// rawCandidates reports whether the rows come in the formats decodeCandidates reads:
// binary for the numbers, instants and the array (pgx's choice, unless the host's pool
// uses the simple protocol, whose text formats scanCandidates reads).
func rawCandidates(fds []pgconn.FieldDescription) bool {
	if len(fds) != nCandidateCols {
		return false
	}
	for _, i := range []int{cKind, cMin, cMax, cAmount, cTax, cStarts, cStartsNs, cEnds, cEndsNs, cGroups} {
		if fds[i].Format != pgx.BinaryFormatCode {
			return false
		}
	}
	return true
}

// pgEpoch is PostgreSQL's epoch, 2000-01-01, in Unix microseconds.
const pgEpoch = 946_684_800 * 1_000_000

// decodeCandidates reads the rows of the candidates statement into dst from their
// binary form. It copies the bytes of the price IDs and regions of one call into one
// arena and makes those strings from it, so that a call allocates a few times, not a few
// times per row; variant IDs are the request's, list IDs are shared.
func decodeCandidates(rows pgx.Rows, req pricing.CandidateRequest, groupsFrom int, dst *pricing.Candidates) error {
	defer rows.Close()
	d := candidateDecoder{req: &req}
	groupsSorted := true
	for rows.Next() {
		v := rows.RawValues()
		if len(v) != nCandidateCols || len(v[cKind]) != 2 {
			return errCandidateRow
		}
		switch binary.BigEndian.Uint16(v[cKind]) {
		case 0:
			if n := len(dst.CustomerGroupIDs); n > groupsFrom && dst.CustomerGroupIDs[n-1] > string(v[cID]) {
				groupsSorted = false
			}
			dst.CustomerGroupIDs = append(dst.CustomerGroupIDs, string(v[cID]))
		case 1:
			if len(v[cMin]) != 8 || len(v[cMax]) != 8 || len(v[cAmount]) != 8 || len(v[cTax]) != 1 {
				return errCandidateRow
			}
			d.ref(v[cID], len(dst.Prices), false)
			d.ref(v[cText2], len(dst.Prices), true)
			dst.Prices = append(dst.Prices, pricing.Price{
				PriceListID: d.list(v[cText1]), VariantID: d.variant(v[cText3]), CurrencyCode: req.CurrencyCode,
				MinQuantity: int64(binary.BigEndian.Uint64(v[cMin])), MaxQuantity: int64(binary.BigEndian.Uint64(v[cMax])),
				Amount: int64(binary.BigEndian.Uint64(v[cAmount])), IncludesTax: v[cTax][0] != 0,
			})
		case 2:
			if len(v[cTax]) != 1 {
				return errCandidateRow
			}
			t := pricing.PriceListTerms{
				ID: d.list(v[cID]), Type: pricing.PriceListType(v[cText1]), Status: pricing.PriceListStatus(v[cText2]),
				IncludesTax: v[cTax][0] != 0,
			}
			var err error
			if t.StartsAt, err = rawInstant(v[cStarts], v[cStartsNs]); err != nil {
				return err
			}
			if t.EndsAt, err = rawInstant(v[cEnds], v[cEndsNs]); err != nil {
				return err
			}
			if t.CustomerGroupIDs, err = rawTextArray(v[cGroups]); err != nil {
				return err
			}
			dst.Terms = append(dst.Terms, t)
		default:
			return errCandidateRow
		}
	}
	if err := rows.Err(); err != nil {
		return err
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
	return nil
}

var errCandidateRow = errors.New("postgres: candidates: a row of an unexpected shape")

// candidateDecoder holds the state of one decodeCandidates.
type candidateDecoder struct {
	req   *pricing.CandidateRequest
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

// scanCandidates reads the rows of the candidates statement into dst.
func scanCandidates(rows pgx.Rows, currency string, groupsFrom int, dst *pricing.Candidates) error {
	defer rows.Close()
	var (
		kind                      int16
		id                        string
		s1, s2, s3                pgtype.Text
		n1, n2, n3                pgtype.Int8
		flag                      pgtype.Bool
		starts, ends              pgtype.Timestamptz
		startsNs, endsNs          pgtype.Int2
		groups                    []string
		dests                     = []any{&kind, &id, &s1, &s2, &s3, &n1, &n2, &n3, &flag, &starts, &startsNs, &ends, &endsNs, &groups}
		groupsSorted, groupsAdded = true, false
	)
	for rows.Next() {
		groups = nil
		if err := rows.Scan(dests...); err != nil {
			return err
		}
		switch kind {
		case 0:
			if n := len(dst.CustomerGroupIDs); groupsAdded && dst.CustomerGroupIDs[n-1] > id {
				groupsSorted = false
			}
			dst.CustomerGroupIDs = append(dst.CustomerGroupIDs, id)
			groupsAdded = true
		case 1:
			dst.Prices = append(dst.Prices, pricing.Price{
				ID: id, PriceListID: s1.String, RegionID: s2.String, VariantID: s3.String, CurrencyCode: currency,
				MinQuantity: n1.Int64, MaxQuantity: n2.Int64, Amount: n3.Int64, IncludesTax: flag.Bool,
			})
		case 2:
			t := pricing.PriceListTerms{
				ID: id, Type: pricing.PriceListType(s1.String), Status: pricing.PriceListStatus(s2.String),
				StartsAt: fromInstant(starts, startsNs.Int16), EndsAt: fromInstant(ends, endsNs.Int16),
				IncludesTax: flag.Bool,
			}
			if len(groups) > 0 {
				t.CustomerGroupIDs = groups
			}
			dst.Terms = append(dst.Terms, t)
		default:
			return fmt.Errorf("postgres: candidates: row of unknown kind %d", kind)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !groupsSorted {
		slices.Sort(dst.CustomerGroupIDs[groupsFrom:])
	}
	return nil
}
