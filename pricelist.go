package pricing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Type        PriceListType   `json:"type"`
	Status      PriceListStatus `json:"status"`
	// StartsAt and EndsAt bound the half-open window [StartsAt, EndsAt) in which the list
	// applies. A zero bound is unbounded (null in JSON).
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	// CustomerGroupIDs and CustomerIDs are the audience, each in ascending order: the
	// customers of the groups, and the customers named. Both empty: everyone, anonymous
	// shoppers included.
	CustomerGroupIDs []string `json:"customer_group_ids"`
	CustomerIDs      []string `json:"customer_ids"`
	// ChannelIDs are the sales channels the list applies in, in ascending order. Empty:
	// every channel, and queries that name none.
	ChannelIDs []string `json:"channel_ids"`
	// Adjustment, when set, derives a price of the list from every base price.
	Adjustment *Adjustment `json:"adjustment"`
	// IncludesTax says whether the list's amounts include tax.
	IncludesTax bool           `json:"includes_tax"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	// Revision is the revision of the store's journal that last changed the list (not
	// its prices, which have their own); 0 on a store without a journal.
	Revision int64 `json:"revision,omitempty"`
}

// Clone returns a deep copy of pl.
func (pl PriceList) Clone() PriceList {
	pl.CustomerGroupIDs = slices.Clone(pl.CustomerGroupIDs)
	pl.CustomerIDs = slices.Clone(pl.CustomerIDs)
	pl.ChannelIDs = slices.Clone(pl.ChannelIDs)
	if pl.Adjustment != nil {
		a := *pl.Adjustment
		pl.Adjustment = &a
	}
	pl.Metadata = CloneMetadata(pl.Metadata)
	return pl
}

// NewPriceList is the input of Service.CreatePriceList.
type NewPriceList struct {
	ID               string          `json:"id,omitempty"`
	Name             string          `json:"name"`
	Description      string          `json:"description,omitempty"`
	Type             PriceListType   `json:"type,omitempty"`   // zero: Sale
	Status           PriceListStatus `json:"status,omitempty"` // zero: Draft
	StartsAt         time.Time       `json:"starts_at"`
	EndsAt           time.Time       `json:"ends_at"`
	CustomerGroupIDs []string        `json:"customer_group_ids,omitempty"`
	CustomerIDs      []string        `json:"customer_ids,omitempty"`
	ChannelIDs       []string        `json:"channel_ids,omitempty"`
	Adjustment       *Adjustment     `json:"adjustment,omitempty"` // nil or the zero Adjustment: none
	IncludesTax      bool            `json:"includes_tax,omitempty"`
	Metadata         map[string]any  `json:"metadata,omitempty"`
	Prices           []PriceInput    `json:"prices,omitempty"`
}

// PriceListUpdate is the input of Service.UpdatePriceList. Nil fields are left unchanged.
type PriceListUpdate struct {
	Name        *string          `json:"name,omitempty"`
	Description *string          `json:"description,omitempty"`
	Type        *PriceListType   `json:"type,omitempty"`
	Status      *PriceListStatus `json:"status,omitempty"`
	// A pointer to the zero time clears the bound; in JSON, null does.
	StartsAt *time.Time `json:"starts_at,omitempty"`
	EndsAt   *time.Time `json:"ends_at,omitempty"`
	// CustomerGroupIDs and CustomerIDs replace the groups and the customers of the
	// audience; when both are empty the list is open to everyone. A pointer to an empty
	// slice, or null in JSON, empties one.
	CustomerGroupIDs *[]string `json:"customer_group_ids,omitempty"`
	CustomerIDs      *[]string `json:"customer_ids,omitempty"`
	// ChannelIDs replaces the channels; empty: every channel.
	ChannelIDs *[]string `json:"channel_ids,omitempty"`
	// Adjustment replaces the list's adjustment; a pointer to the zero Adjustment, or
	// null in JSON, removes it.
	Adjustment  *Adjustment `json:"adjustment,omitempty"`
	IncludesTax *bool       `json:"includes_tax,omitempty"`
	// Metadata is merged into the list's: a key set to "" is removed.
	Metadata map[string]any `json:"metadata,omitempty"`
	// IfRevision, when not 0, makes the update happen only if the list is at that
	// revision; otherwise the error wraps ErrConflict and nothing is written.
	IfRevision int64 `json:"if_revision,omitempty"`
}

// PriceListFilter selects price lists for Service.ListPriceLists. Zero fields select
// everything.
type PriceListFilter struct {
	// Q keeps lists whose name or description, or the name of one of whose groups,
	// contains Q, compared case-insensitively.
	Q string `json:"q,omitempty"`
	// IDs keeps lists with one of these IDs.
	IDs []string `json:"ids,omitempty"`
	// Statuses and Types keep lists with one of these statuses and types.
	Statuses []PriceListStatus `json:"statuses,omitempty"`
	Types    []PriceListType   `json:"types,omitempty"`
	// CustomerGroupIDs keeps lists whose audience names one of these groups, and
	// CustomerIDs lists whose audience names one of these customers.
	CustomerGroupIDs []string `json:"customer_group_ids,omitempty"`
	CustomerIDs      []string `json:"customer_ids,omitempty"`
	// ChannelIDs keeps lists limited to one of these channels.
	ChannelIDs []string `json:"channel_ids,omitempty"`
	// ActiveAt, when set, keeps active lists whose window contains that instant.
	ActiveAt time.Time `json:"active_at,omitzero"`
	// CreatedAt and UpdatedAt keep lists whose timestamps fall in the range.
	CreatedAt TimeRange `json:"created_at,omitzero"`
	UpdatedAt TimeRange `json:"updated_at,omitzero"`
	// Order is one of "created_at", "updated_at", "name", each optionally prefixed with
	// "-" for descending order. Empty: "-created_at", newest first.
	Order string `json:"order,omitempty"`
	// Limit is the page size (0: no limit); Offset skips that many matches first.
	Limit  int `json:"limit,omitempty"`
	Offset int `json:"offset,omitempty"`
	// After, when set, is the cursor of a page of the same Order, PriceListPage.Next:
	// the listing starts with the first match after that page, then skips Offset.
	// Unlike an Offset, a cursor costs nothing on a store with PriceListOrderer, and a
	// list created or deleted before it does not shift the pages that follow.
	After string `json:"after,omitempty"`
}

// PriceListTerms is the part of a PriceList that decides whether its prices apply.
type PriceListTerms struct {
	ID               string
	Type             PriceListType
	Status           PriceListStatus
	StartsAt, EndsAt time.Time
	CustomerGroupIDs []string
	CustomerIDs      []string
	ChannelIDs       []string
	Adjustment       *Adjustment
	IncludesTax      bool
}

// Terms returns the list's terms. The result shares its slices and Adjustment with pl.
func (pl PriceList) Terms() PriceListTerms {
	return PriceListTerms{
		ID: pl.ID, Type: pl.Type, Status: pl.Status, StartsAt: pl.StartsAt, EndsAt: pl.EndsAt,
		CustomerGroupIDs: pl.CustomerGroupIDs, CustomerIDs: pl.CustomerIDs, ChannelIDs: pl.ChannelIDs,
		Adjustment: pl.Adjustment, IncludesTax: pl.IncludesTax,
	}
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

// checkList validates the fields of a new list, naming them with prefix ("" or
// "PriceLists[2]." in a snapshot), and returns the list as it is stored: type and
// status defaulted, times in UTC, audience sorted without repeats, metadata normalized.
func checkList(fe *fieldErrors, prefix string, pl PriceList) PriceList {
	if pl.ID != "" {
		checkNewListOrPriceID(fe, prefix+"ID", pl.ID)
	}
	pl.Name = cleanName(fe, prefix+"Name", pl.Name)
	checkDescription(fe, prefix+"Description", pl.Description)
	pl.Type = checkType(fe, prefix+"Type", pl.Type, true)
	pl.Status = checkStatus(fe, prefix+"Status", pl.Status, true)
	pl.StartsAt, pl.EndsAt = utc(pl.StartsAt), utc(pl.EndsAt)
	checkWindow(fe, prefix+"EndsAt", pl.StartsAt, pl.EndsAt)
	pl.CustomerGroupIDs = foldIDs(fe, prefix+"CustomerGroupIDs", pl.CustomerGroupIDs)
	pl.CustomerIDs = foldIDs(fe, prefix+"CustomerIDs", pl.CustomerIDs)
	pl.ChannelIDs = foldIDs(fe, prefix+"ChannelIDs", pl.ChannelIDs)
	pl.Adjustment = checkAdjustment(fe, prefix+"Adjustment", pl.Adjustment)
	pl.Metadata = normalizeMetadata(fe, prefix+"Metadata", pl.Metadata)
	return pl
}

// checkType validates a list type. The zero type means Sale where zeroOK (a new list).
func checkType(fe *fieldErrors, field string, t PriceListType, zeroOK bool) PriceListType {
	if t == "" && zeroOK {
		return Sale
	}
	if t != Sale && t != Override {
		fe.add(field, fmt.Sprintf("%q is neither %q nor %q", t, Sale, Override))
	}
	return t
}

// checkStatus validates a list status. The zero status means Draft where zeroOK.
func checkStatus(fe *fieldErrors, field string, st PriceListStatus, zeroOK bool) PriceListStatus {
	if st == "" && zeroOK {
		return Draft
	}
	if st != Draft && st != Active {
		fe.add(field, fmt.Sprintf("%q is neither %q nor %q", st, Draft, Active))
	}
	return st
}

func checkDescription(fe *fieldErrors, field, d string) {
	if !utf8.ValidString(d) {
		fe.add(field, "not valid UTF-8")
	} else if len(d) > maxDescriptionBytes {
		fe.add(field, fmt.Sprintf("longer than %d bytes", maxDescriptionBytes))
	}
}

// checkWindow requires StartsAt < EndsAt when both are set; field names EndsAt.
func checkWindow(fe *fieldErrors, field string, starts, ends time.Time) {
	if !starts.IsZero() && !ends.IsZero() && !starts.Before(ends) {
		fe.add(field, "not after StartsAt")
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
	pl, _, err := s.CreatePriceListWithPrices(ctx, in)
	return pl, err
}

// CreatePriceListWithPrices is CreatePriceList that also returns the list's prices as
// stored, in the order of in.Prices.
func (s *Service) CreatePriceListWithPrices(ctx context.Context, in NewPriceList) (PriceList, []Price, error) {
	var fe fieldErrors
	pl := checkList(&fe, "", PriceList{
		ID: in.ID, Name: in.Name, Description: in.Description, Type: in.Type, Status: in.Status,
		StartsAt: in.StartsAt, EndsAt: in.EndsAt, CustomerGroupIDs: in.CustomerGroupIDs,
		CustomerIDs: in.CustomerIDs, ChannelIDs: in.ChannelIDs, Adjustment: in.Adjustment,
		IncludesTax: in.IncludesTax, Metadata: in.Metadata,
	})
	prices := s.checkPrices(&fe, "Prices", in.Prices, "")
	takeListTax(&fe, "Prices", prices, in.IncludesTax)
	if err := fe.err(); err != nil {
		return PriceList{}, nil, err
	}
	if pl.ID == "" {
		pl.ID = s.newID()
	}
	fresh := s.newPriceIDs(prices)
	pl.CreatedAt = s.clock()
	pl.UpdatedAt = pl.CreatedAt
	var out []Price
	rev, err := s.update(ctx, func(tx Tx) (err error) {
		if err := absent(tx.PriceList(pl.ID)); err != nil {
			return taken(err, "price list ID %q is taken", pl.ID)
		}
		if err := groupsExist(tx, pl.CustomerGroupIDs); err != nil {
			return err
		}
		if err := tx.PutPriceList(pl); err != nil {
			return err
		}
		out, err = s.upsertPrices(tx, pl.ID, prices, fresh, nil)
		return err
	})
	if err != nil {
		return PriceList{}, nil, err
	}
	pl.Revision = rev
	setRevision(out, rev)
	return pl.Clone(), nonNil(out), nil
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
	u, err := s.checkListUpdate(upd)
	if err != nil {
		return PriceList{}, err
	}
	var pl PriceList
	rev, err := s.update(ctx, func(tx Tx) (err error) {
		old, err := getList(tx, id)
		if err != nil {
			return err
		}
		if pl, err = u.apply(tx, old); err != nil {
			return err
		}
		pl.UpdatedAt = s.clock()
		return putUpdatedList(tx, old, pl)
	})
	if err != nil {
		return PriceList{}, err
	}
	pl.Revision = rev
	return pl.Clone(), nil
}

// listUpdate is a PriceListUpdate checked outside a transaction, with the sets it
// replaces in the form the list keeps them. UpdatePriceList applies it, and so does
// PreviewPriceList, in a transaction it rolls back.
type listUpdate struct {
	upd                         PriceListUpdate
	name                        string
	groups, customers, channels []string
	adjustment                  *Adjustment
	patch                       map[string]any
}

// checkListUpdate validates the fields of upd that need no transaction.
func (s *Service) checkListUpdate(upd PriceListUpdate) (listUpdate, error) {
	var fe fieldErrors
	u := listUpdate{upd: upd}
	if upd.Name != nil {
		u.name = cleanName(&fe, "Name", *upd.Name)
	}
	if upd.CustomerIDs != nil {
		u.customers = foldIDs(&fe, "CustomerIDs", *upd.CustomerIDs)
	}
	if upd.ChannelIDs != nil {
		u.channels = foldIDs(&fe, "ChannelIDs", *upd.ChannelIDs)
	}
	u.adjustment = checkAdjustment(&fe, "Adjustment", upd.Adjustment)
	if upd.Description != nil {
		checkDescription(&fe, "Description", *upd.Description)
	}
	if upd.Type != nil {
		checkType(&fe, "Type", *upd.Type, false)
	}
	if upd.Status != nil {
		checkStatus(&fe, "Status", *upd.Status, false)
	}
	if upd.CustomerGroupIDs != nil {
		u.groups = foldIDs(&fe, "CustomerGroupIDs", *upd.CustomerGroupIDs)
	}
	u.patch = normalizeMetadata(&fe, "Metadata", upd.Metadata)
	if err := fe.err(); err != nil {
		return listUpdate{}, err
	}
	if err := s.checkRevisionSupport(upd.IfRevision); err != nil {
		return listUpdate{}, err
	}
	return u, nil
}

// apply returns the list pl as the update changes it, without writing: it checks the
// expected revision, the window and that the groups exist. UpdatedAt is left to the
// caller.
func (u *listUpdate) apply(tx Tx, pl PriceList) (PriceList, error) {
	upd := &u.upd
	if err := checkRevision("price list", pl.ID, pl.Revision, upd.IfRevision); err != nil {
		return PriceList{}, err
	}
	pl = pl.Clone()
	if upd.Name != nil {
		pl.Name = u.name
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
	if checkWindow(&fe, "EndsAt", pl.StartsAt, pl.EndsAt); fe.err() != nil {
		return PriceList{}, fe.err()
	}
	if upd.CustomerGroupIDs != nil {
		if err := groupsExist(tx, u.groups); err != nil {
			return PriceList{}, err
		}
		pl.CustomerGroupIDs = u.groups
	}
	if upd.CustomerIDs != nil {
		pl.CustomerIDs = u.customers
	}
	if upd.ChannelIDs != nil {
		pl.ChannelIDs = u.channels
	}
	if upd.Adjustment != nil {
		pl.Adjustment = u.adjustment
	}
	if upd.IncludesTax != nil {
		pl.IncludesTax = *upd.IncludesTax
	}
	var err error
	if pl.Metadata, err = mergeMetadataChecked(pl.Metadata, u.patch); err != nil {
		return PriceList{}, err
	}
	return pl, nil
}

// putUpdatedList writes pl, the list old as an update changed it, and gives the list's
// prices its tax flag when that changed.
func putUpdatedList(tx Tx, old, pl PriceList) error {
	if err := tx.PutPriceList(pl); err != nil {
		return err
	}
	if pl.IncludesTax != old.IncludesTax {
		return setListTaxFlag(tx, pl.ID, pl.IncludesTax)
	}
	return nil
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
	return s.DeletePriceListIf(ctx, id, 0)
}

// DeletePriceListIf is DeletePriceList that deletes the list only if it is at the given
// revision (0: any): otherwise, and when the list is missing, the error wraps
// ErrConflict and nothing is deleted.
func (s *Service) DeletePriceListIf(ctx context.Context, id string, revision int64) error {
	if err := s.checkRevisionSupport(revision); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx Tx) error { return deleteList(tx, id, revision) })
	return err
}

// deleteList deletes the list id if it is at the revision (0: any). A missing list is
// no error unless a revision is expected.
func deleteList(tx Tx, id string, revision int64) error {
	pl, err := tx.PriceList(id)
	switch {
	case errors.Is(err, ErrNotFound) && revision == 0:
		return nil
	case errors.Is(err, ErrNotFound):
		return errorf(ErrConflict, "price list %q is gone; revision %d was expected", id, revision)
	case err != nil:
		return err
	}
	if err := checkRevision("price list", id, pl.Revision, revision); err != nil {
		return err
	}
	return tx.DeletePriceList(id)
}

// ListPriceLists returns the page of price lists that match f, and how many match in all.
func (s *Service) ListPriceLists(ctx context.Context, f PriceListFilter) ([]PriceList, int, error) {
	p, err := s.ListPriceListsPage(ctx, f)
	return p.PriceLists, p.Count, err
}

// PriceListPage is a page of price lists, the result of Service.ListPriceListsPage.
type PriceListPage struct {
	PriceLists []PriceList `json:"price_lists"`
	// Count is how many lists match the filter in all, those before its After cursor
	// included.
	Count int `json:"count"`
	// Next is the cursor of the page that follows, for PriceListFilter.After; "" when
	// no match follows this page or the filter has no Limit.
	Next string `json:"next,omitempty"`
}

// ListPriceListsPage is ListPriceLists that also returns the cursor of the next page.
//
// On a store whose transactions have the PriceListOrderer capability, a filter without
// Q walks the store's index in the filter's order and reads the full records of the
// page only: a page costs the walk up to it (Offset included, which an After cursor
// avoids) and, when the filter selects anything less than every list, a walk of the
// rest of the index to count the matches; IDs and CustomerGroupIDs read and sort the
// heads of the lists they name. Otherwise, and with Q, every list is read and sorted.
func (s *Service) ListPriceListsPage(ctx context.Context, f PriceListFilter) (PriceListPage, error) {
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
	after := decodeCursor(&fe, "After", cursorPriceLists, f.Order, f.After)
	if err := fe.err(); err != nil {
		return PriceListPage{}, err
	}
	order := cmp.Or(f.Order, defaultOrder)
	m := &listMatcher{f: &f, ids: set(f.IDs), statuses: set(f.Statuses), types: set(f.Types),
		groups: set(f.CustomerGroupIDs), customers: set(f.CustomerIDs), channels: set(f.ChannelIDs)}
	var out PriceListPage
	err := s.store.View(ctx, func(tx Tx) (err error) {
		out = PriceListPage{}
		if m.groupNames, err = groupNamesFor(tx, f.Q); err != nil {
			return err
		}
		if lo, ok := tx.(PriceListOrderer); ok && f.Q == "" {
			return listInOrder(tx, lo, m, order, after, f.Limit, f.Offset, &out)
		}
		return listAll(tx, m, order, after, f.Limit, f.Offset, &out)
	})
	if err != nil {
		return PriceListPage{}, err
	}
	return out, nil
}

// listMatcher is a PriceListFilter ready to match lists.
type listMatcher struct {
	f                                *PriceListFilter
	ids, groups, customers, channels map[string]struct{}
	statuses                         map[PriceListStatus]struct{}
	types                            map[PriceListType]struct{}
	groupNames                       map[string]string // by group ID, when f.Q is set
}

// everything reports whether the filter selects every list.
func (m *listMatcher) everything() bool {
	f := m.f
	return m.ids == nil && m.groups == nil && m.customers == nil && m.channels == nil &&
		m.statuses == nil && m.types == nil && f.ActiveAt.IsZero() && f.Q == "" &&
		f.CreatedAt == (TimeRange{}) && f.UpdatedAt == (TimeRange{})
}

// match reports whether the list with head h and the given description matches; the
// description is only read when Q is set.
func (m *listMatcher) match(h *PriceListHead, description string) bool {
	f := m.f
	if !(in(m.ids, h.ID) && in(m.statuses, h.Status) && in(m.types, h.Type) &&
		(m.groups == nil || slices.ContainsFunc(h.CustomerGroupIDs, func(id string) bool { return in(m.groups, id) })) &&
		(m.customers == nil || slices.ContainsFunc(h.CustomerIDs, func(id string) bool { return in(m.customers, id) })) &&
		(m.channels == nil || slices.ContainsFunc(h.ChannelIDs, func(id string) bool { return in(m.channels, id) })) &&
		f.CreatedAt.Contains(h.CreatedAt) && f.UpdatedAt.Contains(h.UpdatedAt)) {
		return false
	}
	if !f.ActiveAt.IsZero() {
		if started, ended := h.window(f.ActiveAt); h.Status != Active || !started || ended {
			return false
		}
	}
	return f.Q == "" || containsFold(h.Name, f.Q) || containsFold(description, f.Q) ||
		slices.ContainsFunc(h.CustomerGroupIDs, func(id string) bool { return containsFold(m.groupNames[id], f.Q) })
}

// candidateListIDs returns the IDs of the only lists that can match, ascending without
// repeats, when the filter names them by ID or group; ok is false when any list can.
func (m *listMatcher) candidateListIDs(tx Tx) (ids []string, ok bool, err error) {
	switch {
	case m.ids != nil:
		ids = slices.Collect(maps.Keys(m.ids))
	case m.groups != nil:
		for g := range m.groups {
			if ids, err = tx.AppendPriceListIDsOfGroup(ids, g); err != nil {
				return nil, false, err
			}
		}
	default:
		return nil, false, nil
	}
	slices.Sort(ids)
	return slices.Compact(ids), true, nil
}

// listAll lists by reading every candidate list and sorting the matches: the path of
// stores without PriceListOrderer, and of the free-text filter.
func listAll(tx Tx, m *listMatcher, order string, after *ListPosition, limit, offset int, out *PriceListPage) error {
	var all []PriceList
	visit := func(pl PriceList) bool {
		if h := pl.Head(); m.match(&h, pl.Description) {
			all = append(all, pl)
		}
		return true
	}
	ids, ok, err := m.candidateListIDs(tx)
	switch {
	case err != nil:
		return err
	case ok:
		err = visitLists(tx, ids, visit)
	default:
		err = tx.PriceLists(visit)
	}
	if err != nil {
		return err
	}
	sortByOrder(all, order, listSortKey)
	out.Count = len(all)
	out.PriceLists, out.Next = pageAfter(all, cursorPriceLists, order, after, limit, offset, listSortKey)
	return nil
}

// listInOrder lists through the store's ordered index: it collects the positions of
// the matches up to the end of the page, and one more to know whether a next page
// exists, counts the matches, and reads the page's records.
func listInOrder(tx Tx, lo PriceListOrderer, m *listMatcher, order string, after *ListPosition, limit, offset int, out *PriceListPage) error {
	c := pageCollector{order: order, skip: offset, limit: limit}
	ids, ok, err := m.candidateListIDs(tx)
	switch {
	case err != nil:
		return err
	case ok: // few candidates: read their heads and sort them
		var all []ListPosition
		for _, id := range ids {
			h, err := lo.PriceListHead(id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if m.match(&h, "") {
				all = append(all, headPosition(order, &h))
			}
		}
		field, desc := strings.CutPrefix(order, "-")
		slices.SortFunc(all, func(a, b ListPosition) int {
			if desc {
				return comparePositions(field, &b, &a)
			}
			return comparePositions(field, &a, &b)
		})
		out.Count = len(all)
		if after != nil {
			i, _ := slices.BinarySearchFunc(all, after, func(q ListPosition, p *ListPosition) int {
				if q.after(order, p) {
					return 1
				}
				return -1
			})
			all = all[i:]
		}
		for _, p := range all {
			if !c.add(p) {
				break
			}
		}
	case m.everything(): // count from the store, walk up to the end of the page
		if out.Count, err = lo.CountPriceLists(); err != nil {
			return err
		}
		err = lo.PriceListsInOrder(order, after, c.addHead)
	default: // walk every head to count the matches, then from the cursor to the page's end
		err = lo.PriceListsInOrder(order, nil, func(h *PriceListHead) bool {
			if m.match(h, "") {
				out.Count++
			}
			return true
		})
		if err == nil {
			err = lo.PriceListsInOrder(order, after, func(h *PriceListHead) bool {
				return !m.match(h, "") || c.addHead(h)
			})
		}
	}
	if err != nil {
		return err
	}
	out.PriceLists = make([]PriceList, 0, len(c.got))
	for _, p := range c.got {
		pl, err := getList(tx, p.ID)
		if errors.Is(err, ErrNotFound) {
			// Not the caller's ErrNotFound: the store's index and records disagree.
			return fmt.Errorf("pricing: the store's order of price lists names %q, which it does not hold", p.ID)
		} else if err != nil {
			return err
		}
		out.PriceLists = append(out.PriceLists, pl)
	}
	if c.more && len(c.got) > 0 {
		out.Next = encodeCursor(cursorPriceLists, order, c.got[len(c.got)-1])
	}
	return nil
}

// pageCollector keeps the page of the matches it is given in order: it skips the
// first skip of them, keeps limit (0: all), and notes whether one more follows.
type pageCollector struct {
	order       string
	skip, limit int
	got         []ListPosition
	more        bool
}

// full reports whether the page is complete, noting that one more match exists.
func (c *pageCollector) full() bool {
	if c.limit > 0 && len(c.got) == c.limit {
		c.more = true
	}
	return c.more
}

// add takes the position of the next match and reports whether more are wanted.
func (c *pageCollector) add(p ListPosition) bool {
	switch {
	case c.full():
		return false
	case c.skip > 0:
		c.skip--
	default:
		c.got = append(c.got, p)
	}
	return true
}

// addHead is add for the list with head h. It is apart from add so that the position,
// whose name key may allocate, is made only for a match the page keeps.
func (c *pageCollector) addHead(h *PriceListHead) bool {
	switch {
	case c.full():
		return false
	case c.skip > 0:
		c.skip--
	default:
		c.got = append(c.got, headPosition(c.order, h))
	}
	return true
}

// headPosition returns the position of the list with head h in order.
func headPosition(order string, h *PriceListHead) ListPosition {
	return positionOf(order, sortKey{created: h.CreatedAt, updated: h.UpdatedAt, name: h.Name, id: h.ID})
}

// visitLists calls visit for each existing list of ids, which has no repeats.
func visitLists(tx Tx, ids []string, visit func(PriceList) bool) error {
	for _, id := range ids {
		pl, err := tx.PriceList(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !visit(pl) {
			return nil
		}
	}
	return nil
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
