package pricing

import (
	"slices"
	"time"
)

// PriceListType says how a price list's prices compete with the base prices.
type PriceListType string

// The price list types.
const (
	// Sale lists offer prices that apply only when lower than the reference price.
	Sale PriceListType = "sale"
	// Override lists replace the base price: their price becomes the reference price.
	Override PriceListType = "override"
)

// PriceListStatus says whether a price list takes part in resolution.
type PriceListStatus string

// The price list statuses.
const (
	// Draft lists are ignored by the resolver.
	Draft PriceListStatus = "draft"
	// Active lists apply within their window and audience.
	Active PriceListStatus = "active"
)

// PriceList is a set of prices with a type, a status, an optional validity window and an
// audience of customer groups.
type PriceList struct {
	ID, Name, Description string
	Type                  PriceListType
	Status                PriceListStatus
	// StartsAt and EndsAt bound the half-open window [StartsAt, EndsAt) in which the list
	// applies. A zero bound is unbounded.
	StartsAt, EndsAt time.Time
	// CustomerGroupIDs is the audience, in ascending order. Empty: everyone, anonymous
	// shoppers included.
	CustomerGroupIDs []string
	// IncludesTax says whether the list's amounts include tax.
	IncludesTax          bool
	Metadata             map[string]any
	CreatedAt, UpdatedAt time.Time
}

// Clone returns a deep copy of pl.
func (pl PriceList) Clone() PriceList {
	pl.CustomerGroupIDs = slices.Clone(pl.CustomerGroupIDs)
	pl.Metadata = CloneMetadata(pl.Metadata)
	return pl
}

// Price is an amount for a variant in a currency, optionally limited to a region and a
// quantity range. A price with an empty PriceListID is a base price of the variant.
type Price struct {
	ID, PriceListID, VariantID, CurrencyCode, RegionID string
	// Amount is in minor units of the currency (cents). MinQuantity and MaxQuantity bound
	// the quantity, inclusive; 0 is unbounded.
	Amount, MinQuantity, MaxQuantity int64
	// IncludesTax says whether Amount includes tax. List prices take their list's flag.
	IncludesTax bool
}

// PriceInput is one price to add to a list (Service.AddPrices), to a new list
// (NewPriceList.Prices), or to a variant's base prices (Service.SetBasePrices).
type PriceInput struct {
	// ID is optional: empty, the Service generates one (or keeps the ID of the price
	// that already has the same key).
	ID, VariantID, CurrencyCode, RegionID string
	Amount, MinQuantity, MaxQuantity      int64
	// IncludesTax is for base prices only; list prices take their list's flag.
	IncludesTax bool
}

// NewPriceList is the input of Service.CreatePriceList.
type NewPriceList struct {
	ID, Name, Description string
	Type                  PriceListType   // zero: Sale
	Status                PriceListStatus // zero: Draft
	StartsAt, EndsAt      time.Time
	CustomerGroupIDs      []string
	IncludesTax           bool
	Metadata              map[string]any
	Prices                []PriceInput
}

// PriceListUpdate is the input of Service.UpdatePriceList. Nil fields are left unchanged.
type PriceListUpdate struct {
	Name, Description *string
	Type              *PriceListType
	Status            *PriceListStatus
	// A pointer to the zero time clears the bound.
	StartsAt, EndsAt *time.Time
	// CustomerGroupIDs replaces the audience; a pointer to an empty slice opens the list
	// to everyone.
	CustomerGroupIDs *[]string
	IncludesTax      *bool
	// Metadata is merged into the list's: a key set to "" is removed.
	Metadata map[string]any
}

// PriceListFilter selects price lists for Service.ListPriceLists. Zero fields select
// everything.
type PriceListFilter struct {
	// Q keeps lists whose name or description, or the name of one of whose groups,
	// contains Q, compared case-insensitively.
	Q string
	// IDs keeps lists with one of these IDs.
	IDs []string
	// Statuses and Types keep lists with one of these statuses and types.
	Statuses []PriceListStatus
	Types    []PriceListType
	// CustomerGroupIDs keeps lists whose audience names one of these groups.
	CustomerGroupIDs []string
	// ActiveAt, when set, keeps active lists whose window contains that instant.
	ActiveAt time.Time
	// CreatedAt and UpdatedAt keep lists whose timestamps fall in the range.
	CreatedAt, UpdatedAt TimeRange
	// Order is one of "created_at", "updated_at", "name", each optionally prefixed with
	// "-" for descending order. Empty: "-created_at", newest first.
	Order string
	// Limit is the page size (0: no limit); Offset skips that many matches first.
	Limit, Offset int
}

// PriceFilter selects prices for Service.ListPrices, in ascending ID order. Zero fields
// select everything.
type PriceFilter struct {
	// PriceListID keeps the prices of that list.
	PriceListID string
	// BaseOnly keeps only base prices; it cannot be combined with PriceListID.
	BaseOnly bool
	// VariantIDs keeps prices of these variants.
	VariantIDs []string
	// CurrencyCode and RegionID keep prices in that currency and region ("" matches any).
	CurrencyCode, RegionID string
	// Limit is the page size (0: no limit); Offset skips that many matches first.
	Limit, Offset int
}
