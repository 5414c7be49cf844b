package pricing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
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

func listSortKey(pl PriceList) sortKey {
	return sortKey{created: pl.CreatedAt, updated: pl.UpdatedAt, name: pl.Name, id: pl.ID}
}

// window reports whether t is within the list's half-open window [StartsAt, EndsAt).
func (t PriceListTerms) window(at time.Time) (started, ended bool) {
	started = t.StartsAt.IsZero() || !at.Before(t.StartsAt)
	ended = !t.EndsAt.IsZero() && !at.Before(t.EndsAt)
	return started, ended
}

// ActiveAt reports whether the list is active and its window contains t.
func (pl PriceList) ActiveAt(t time.Time) bool {
	started, ended := pl.Terms().window(t)
	return pl.Status == Active && started && !ended
}

const maxDescriptionBytes = 64 << 10

// checkType validates a list type. The zero type means Sale where zeroOK (a new list).
func checkType(fe *fieldErrors, t PriceListType, zeroOK bool) PriceListType {
	if t == "" && zeroOK {
		return Sale
	}
	if t != Sale && t != Override {
		fe.add("Type", fmt.Sprintf("%q is neither %q nor %q", t, Sale, Override))
	}
	return t
}

// checkStatus validates a list status. The zero status means Draft where zeroOK.
func checkStatus(fe *fieldErrors, st PriceListStatus, zeroOK bool) PriceListStatus {
	if st == "" && zeroOK {
		return Draft
	}
	if st != Draft && st != Active {
		fe.add("Status", fmt.Sprintf("%q is neither %q nor %q", st, Draft, Active))
	}
	return st
}

func checkDescription(fe *fieldErrors, d string) {
	if !utf8.ValidString(d) {
		fe.add("Description", "not valid UTF-8")
	} else if len(d) > maxDescriptionBytes {
		fe.add("Description", fmt.Sprintf("longer than %d bytes", maxDescriptionBytes))
	}
}

// checkWindow requires StartsAt < EndsAt when both are set.
func checkWindow(fe *fieldErrors, starts, ends time.Time) {
	if !starts.IsZero() && !ends.IsZero() && !starts.Before(ends) {
		fe.add("EndsAt", "not after StartsAt")
	}
}

// utc returns t in UTC without a monotonic reading; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// CreatePriceList creates a price list with its prices. Every group of the audience must
// exist (ErrNotFound otherwise). Type defaults to Sale and Status to Draft.
func (s *Service) CreatePriceList(ctx context.Context, in NewPriceList) (PriceList, error) {
	var fe fieldErrors
	checkOptionalID(&fe, "ID", in.ID)
	checkDescription(&fe, in.Description)
	pl := PriceList{
		ID:               in.ID,
		Name:             cleanName(&fe, "Name", in.Name),
		Description:      in.Description,
		Type:             checkType(&fe, in.Type, true),
		Status:           checkStatus(&fe, in.Status, true),
		StartsAt:         utc(in.StartsAt),
		EndsAt:           utc(in.EndsAt),
		CustomerGroupIDs: foldIDs(&fe, "CustomerGroupIDs", in.CustomerGroupIDs),
		IncludesTax:      in.IncludesTax,
		Metadata:         normalizeMetadata(&fe, "Metadata", in.Metadata),
	}
	checkWindow(&fe, pl.StartsAt, pl.EndsAt)
	prices := s.checkPrices(&fe, "Prices", in.Prices, "")
	takeListTax(&fe, "Prices", prices, in.IncludesTax)
	if err := fe.err(); err != nil {
		return PriceList{}, err
	}
	if pl.ID == "" {
		pl.ID = s.newID()
	}
	fresh := s.newPriceIDs(prices)
	pl.CreatedAt = s.clock()
	pl.UpdatedAt = pl.CreatedAt
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := absent(tx.PriceList(pl.ID)); err != nil {
			return taken(err, "price list ID %q is taken", pl.ID)
		}
		if err := groupsExist(tx, pl.CustomerGroupIDs); err != nil {
			return err
		}
		if err := tx.PutPriceList(pl); err != nil {
			return err
		}
		_, err := s.upsertPrices(tx, pl.ID, prices, fresh, nil)
		return err
	})
	if err != nil {
		return PriceList{}, err
	}
	return pl.Clone(), nil
}

func groupsExist(tx Tx, ids []string) error {
	for _, id := range ids {
		if _, err := getGroup(tx, id); err != nil {
			return err
		}
	}
	return nil
}

func getList(tx Tx, id string) (PriceList, error) {
	pl, err := tx.PriceList(id)
	if errors.Is(err, ErrNotFound) {
		return pl, errorf(ErrNotFound, "price list %q not found", id)
	}
	return pl, err
}

// PriceList returns the price list with the given ID, or ErrNotFound.
func (s *Service) PriceList(ctx context.Context, id string) (PriceList, error) {
	var pl PriceList
	err := s.store.View(ctx, func(tx Tx) (err error) {
		pl, err = getList(tx, id)
		return err
	})
	return pl, err
}

// UpdatePriceList changes the fields of upd that are set and merges upd.Metadata into
// the list's metadata. Changing IncludesTax changes it on every price of the list.
func (s *Service) UpdatePriceList(ctx context.Context, id string, upd PriceListUpdate) (PriceList, error) {
	var fe fieldErrors
	var name string
	var groups []string
	if upd.Name != nil {
		name = cleanName(&fe, "Name", *upd.Name)
	}
	if upd.Description != nil {
		checkDescription(&fe, *upd.Description)
	}
	if upd.Type != nil {
		checkType(&fe, *upd.Type, false)
	}
	if upd.Status != nil {
		checkStatus(&fe, *upd.Status, false)
	}
	if upd.CustomerGroupIDs != nil {
		groups = foldIDs(&fe, "CustomerGroupIDs", *upd.CustomerGroupIDs)
	}
	patch := normalizeMetadata(&fe, "Metadata", upd.Metadata)
	if err := fe.err(); err != nil {
		return PriceList{}, err
	}
	var pl PriceList
	err := s.store.Update(ctx, func(tx Tx) (err error) {
		if pl, err = getList(tx, id); err != nil {
			return err
		}
		wasTaxInclusive := pl.IncludesTax
		if upd.Name != nil {
			pl.Name = name
		}
		if upd.Description != nil {
			pl.Description = *upd.Description
		}
		if upd.Type != nil {
			pl.Type = *upd.Type
		}
		if upd.Status != nil {
			pl.Status = *upd.Status
		}
		if upd.StartsAt != nil {
			pl.StartsAt = utc(*upd.StartsAt)
		}
		if upd.EndsAt != nil {
			pl.EndsAt = utc(*upd.EndsAt)
		}
		var fe fieldErrors
		if checkWindow(&fe, pl.StartsAt, pl.EndsAt); fe.err() != nil {
			return fe.err()
		}
		if upd.CustomerGroupIDs != nil {
			if err := groupsExist(tx, groups); err != nil {
				return err
			}
			pl.CustomerGroupIDs = groups
		}
		if upd.IncludesTax != nil {
			pl.IncludesTax = *upd.IncludesTax
		}
		if pl.Metadata, err = mergeMetadataChecked(pl.Metadata, patch); err != nil {
			return err
		}
		pl.UpdatedAt = s.clock()
		if err := tx.PutPriceList(pl); err != nil {
			return err
		}
		if pl.IncludesTax != wasTaxInclusive {
			return setListTaxFlag(tx, pl.ID, pl.IncludesTax)
		}
		return nil
	})
	if err != nil {
		return PriceList{}, err
	}
	return pl.Clone(), nil
}

// setListTaxFlag gives every price of the list the list's IncludesTax.
func setListTaxFlag(tx Tx, listID string, includesTax bool) error {
	var prices []Price
	if err := tx.PricesOfList(listID, func(p Price) bool {
		prices = append(prices, p)
		return true
	}); err != nil {
		return err
	}
	for _, p := range prices {
		p.IncludesTax = includesTax
		if err := tx.PutPrice(p); err != nil {
			return err
		}
	}
	return nil
}

// DeletePriceList deletes the list and its prices. A missing list is not an error.
func (s *Service) DeletePriceList(ctx context.Context, id string) error {
	return s.store.Update(ctx, func(tx Tx) error {
		if err := tx.DeletePriceList(id); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	})
}

// ListPriceLists returns the page of price lists that match f, and how many match in all.
func (s *Service) ListPriceLists(ctx context.Context, f PriceListFilter) ([]PriceList, int, error) {
	var fe fieldErrors
	checkOrder(&fe, f.Order)
	checkPage(&fe, f.Limit, f.Offset)
	for i, st := range f.Statuses {
		if st != Draft && st != Active {
			fe.add(fmt.Sprintf("Statuses[%d]", i), fmt.Sprintf("unknown status %q", st))
		}
	}
	for i, t := range f.Types {
		if t != Sale && t != Override {
			fe.add(fmt.Sprintf("Types[%d]", i), fmt.Sprintf("unknown type %q", t))
		}
	}
	if err := fe.err(); err != nil {
		return nil, 0, err
	}
	var out []PriceList
	err := s.store.View(ctx, func(tx Tx) error {
		groupNames, err := groupNamesFor(tx, f.Q)
		if err != nil {
			return err
		}
		match := func(pl PriceList) bool {
			return (len(f.IDs) == 0 || slices.Contains(f.IDs, pl.ID)) &&
				(len(f.Statuses) == 0 || slices.Contains(f.Statuses, pl.Status)) &&
				(len(f.Types) == 0 || slices.Contains(f.Types, pl.Type)) &&
				(len(f.CustomerGroupIDs) == 0 || slices.ContainsFunc(pl.CustomerGroupIDs, func(id string) bool {
					return slices.Contains(f.CustomerGroupIDs, id)
				})) &&
				(f.ActiveAt.IsZero() || pl.ActiveAt(f.ActiveAt)) &&
				f.CreatedAt.Contains(pl.CreatedAt) && f.UpdatedAt.Contains(pl.UpdatedAt) &&
				(f.Q == "" || containsFold(pl.Name, f.Q) || containsFold(pl.Description, f.Q) ||
					slices.ContainsFunc(pl.CustomerGroupIDs, func(id string) bool { return containsFold(groupNames[id], f.Q) }))
		}
		return tx.PriceLists(func(pl PriceList) bool {
			if match(pl) {
				out = append(out, pl)
			}
			return true
		})
	})
	if err != nil {
		return nil, 0, err
	}
	sortByOrder(out, f.Order, listSortKey)
	return page(out, f.Limit, f.Offset), len(out), nil
}

// groupNamesFor returns the names of all groups by ID when q is set, for the free-text
// filter on price lists, and nil otherwise.
func groupNamesFor(tx Tx, q string) (map[string]string, error) {
	if q == "" {
		return nil, nil
	}
	names := map[string]string{}
	err := tx.CustomerGroups(func(g CustomerGroup) bool {
		names[g.ID] = g.Name
		return true
	})
	return names, err
}
