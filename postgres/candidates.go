package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
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
		err = scanCandidates(rows, req.CurrencyCode, n0, dst)
	}
	if err != nil {
		dst.CustomerGroupIDs, dst.Prices, dst.Terms = dst.CustomerGroupIDs[:n0], dst.Prices[:n1], dst.Terms[:n2]
		c, _ := q.(closer)
		return classify(ctx, c, err)
	}
	return nil
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
