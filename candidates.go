package pricing

import "context"

// CandidateReader is an optional capability of a Store, for stores behind a network: it
// reads everything one Resolve or ResolveMany call needs in one consistent snapshot, so
// that the call costs one round trip to the server instead of one per lookup. The
// Service detects it with a type assertion and, when the store has it, calls
// ReadCandidates instead of View for every resolve without Query.Explain. A store
// without it still passes storetest and resolves the same way through View.
//
// ReadCandidates decides no rule: it filters by nothing but the request's variants and
// currency, and the Service applies every rule to what it returns. It returns
// ErrClosed after Close, and the context's error when ctx is done.
type CandidateReader interface {
	ReadCandidates(ctx context.Context, req CandidateRequest, dst *Candidates) error
}

// CandidateRequest says what a resolve call reads.
type CandidateRequest struct {
	// CustomerID is the customer whose groups are read; "" reads none.
	CustomerID string
	// CurrencyCode is the lower-case currency of the prices read.
	CurrencyCode string
	// VariantIDs are the variants whose prices are read, in any order, possibly
	// repeated.
	VariantIDs []string
}

// Candidates is what ReadCandidates reads, appended to the slices the caller passes
// (empty, and reused across calls).
type Candidates struct {
	// CustomerGroupIDs are the IDs of the customer's groups, ascending, as
	// Tx.AppendCustomerGroupIDs returns them.
	CustomerGroupIDs []string
	// Prices are every price, base and list, of each requested variant in the
	// requested currency, once each, in any order: what Tx.AppendVariantPrices returns
	// for each variant.
	Prices []Price
	// Terms are the terms of every price list that one of Prices belongs to, and of
	// every price list with an Adjustment, once each, in any order, as
	// Tx.PriceListTerms returns them.
	Terms []PriceListTerms
}

// AdjustedLister is an optional capability of a Tx: the IDs of the price lists that have
// an Adjustment, which every resolve needs, since their prices are not stored. A Tx
// without it makes the resolver scan every list on every call.
type AdjustedLister interface {
	// AppendAdjustedListIDs appends to dst, in ascending order, the IDs of the price
	// lists whose Adjustment is set, and returns the extended slice.
	AppendAdjustedListIDs(dst []string) ([]string, error)
}
