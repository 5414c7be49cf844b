package pricing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// CustomerGroup is a named set of customers, such as wholesale buyers or frequent buyers,
// that price lists can target.
type CustomerGroup struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Metadata  map[string]any `json:"metadata"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	// Revision is the revision of the store's journal that last changed the group; 0
	// on a store without a journal.
	Revision int64 `json:"revision,omitempty"`
}

// Clone returns a deep copy of g.
func (g CustomerGroup) Clone() CustomerGroup {
	g.Metadata = CloneMetadata(g.Metadata)
	return g
}

// NewCustomerGroup is the input of Service.CreateCustomerGroup. ID is optional: empty,
// the Service generates one.
type NewCustomerGroup struct {
	ID       string         `json:"id,omitempty"`
	Name     string         `json:"name"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// CustomerGroupUpdate is the input of Service.UpdateCustomerGroup. A nil Name leaves the
// name unchanged. Metadata is merged into the group's: a key set to "" is removed.
type CustomerGroupUpdate struct {
	Name     *string        `json:"name,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	// IfRevision, when not 0, makes the update happen only if the group is at that
	// revision; otherwise the error wraps ErrConflict and nothing is written.
	IfRevision int64 `json:"if_revision,omitempty"`
}

// CustomerGroupFilter selects customer groups for Service.ListCustomerGroups. Zero fields
// select everything.
type CustomerGroupFilter struct {
	// Q keeps groups whose name contains Q, compared case-insensitively.
	Q string `json:"q,omitempty"`
	// IDs keeps groups with one of these IDs.
	IDs []string `json:"ids,omitempty"`
	// Names keeps groups with one of these names, compared case-insensitively.
	Names []string `json:"names,omitempty"`
	// CustomerID keeps the groups this customer belongs to.
	CustomerID string `json:"customer_id,omitempty"`
	// CreatedAt and UpdatedAt keep groups whose timestamps fall in the range.
	CreatedAt TimeRange `json:"created_at,omitzero"`
	UpdatedAt TimeRange `json:"updated_at,omitzero"`
	// Order is one of "created_at", "updated_at", "name", each optionally prefixed with
	// "-" for descending order. Empty: "-created_at", newest first.
	Order string `json:"order,omitempty"`
	// Limit is the page size (0: no limit); Offset skips that many matches first.
	Limit  int `json:"limit,omitempty"`
	Offset int `json:"offset,omitempty"`
	// After, when set, is the cursor of a page of the same Order,
	// CustomerGroupPage.Next: the listing starts with the first match after that page,
	// then skips Offset. A group created or deleted before the cursor does not shift
	// the pages that follow.
	After string `json:"after,omitempty"`
}

// CustomerGroupPage is a page of customer groups, the result of
// Service.ListCustomerGroupsPage.
type CustomerGroupPage struct {
	CustomerGroups []CustomerGroup `json:"customer_groups"`
	// Count is how many groups match the filter in all, those before its After cursor
	// included.
	Count int `json:"count"`
	// Next is the cursor of the page that follows, for CustomerGroupFilter.After; ""
	// when no match follows this page or the filter has no Limit.
	Next string `json:"next,omitempty"`
}

func groupSortKey(g CustomerGroup) sortKey {
	return sortKey{created: g.CreatedAt, updated: g.UpdatedAt, name: g.Name, id: g.ID}
}

// CreateCustomerGroup creates a group. The name is trimmed and must be unique among
// groups, compared case-insensitively; a taken name or ID is ErrAlreadyExists.
func (s *Service) CreateCustomerGroup(ctx context.Context, in NewCustomerGroup) (CustomerGroup, error) {
	var fe fieldErrors
	g := checkGroup(&fe, "", CustomerGroup{ID: in.ID, Name: in.Name, Metadata: in.Metadata})
	if err := fe.err(); err != nil {
		return CustomerGroup{}, err
	}
	if g.ID == "" {
		g.ID = s.newID()
	}
	g.CreatedAt = s.clock()
	g.UpdatedAt = g.CreatedAt
	rev, err := s.update(ctx, func(tx Tx) error {
		if err := absent(tx.CustomerGroup(g.ID)); err != nil {
			return taken(err, "customer group ID %q is taken", g.ID)
		}
		return putGroup(tx, g)
	})
	if err != nil {
		return CustomerGroup{}, err
	}
	g.Revision = rev
	return g.Clone(), nil
}

// checkGroup validates the fields of a new group, naming them with prefix ("" or
// "CustomerGroups[2]." in a snapshot), and returns the group as it is stored.
func checkGroup(fe *fieldErrors, prefix string, g CustomerGroup) CustomerGroup {
	checkOptionalID(fe, prefix+"ID", g.ID)
	g.Name = cleanName(fe, prefix+"Name", g.Name)
	g.Metadata = normalizeMetadata(fe, prefix+"Metadata", g.Metadata)
	return g
}

// putGroup stores g under its name key after checking that no other group holds it.
func putGroup(tx Tx, g CustomerGroup) error {
	key := NameKey(g.Name)
	id, err := tx.CustomerGroupIDByNameKey(key)
	switch {
	case err == nil && id != g.ID:
		return errorf(ErrAlreadyExists, "customer group name %q is taken", g.Name)
	case err != nil && !errors.Is(err, ErrNotFound):
		return err
	}
	return tx.PutCustomerGroup(g, key)
}

// absent turns the result of a getter into nil when the record is missing,
// ErrAlreadyExists when it exists, and the store's error otherwise.
func absent[T any](_ T, err error) error {
	switch {
	case err == nil:
		return ErrAlreadyExists
	case errors.Is(err, ErrNotFound):
		return nil
	}
	return err
}

// taken returns the error of absent: with the formatted message for ErrAlreadyExists,
// the store's error as is.
func taken(err error, format string, args ...any) error {
	if err == ErrAlreadyExists {
		return errorf(ErrAlreadyExists, format, args...)
	}
	return err
}

// CustomerGroup returns the group with the given ID, or ErrNotFound.
func (s *Service) CustomerGroup(ctx context.Context, id string) (CustomerGroup, error) {
	var g CustomerGroup
	err := s.store.View(ctx, func(tx Tx) (err error) {
		g, err = getGroup(tx, id)
		return err
	})
	return g, err
}

func getGroup(tx Tx, id string) (CustomerGroup, error) {
	g, err := tx.CustomerGroup(id)
	if errors.Is(err, ErrNotFound) {
		return g, errorf(ErrNotFound, "customer group %q not found", id)
	}
	return g, err
}

// UpdateCustomerGroup renames the group when upd.Name is set and merges upd.Metadata
// into its metadata (a key set to "" is removed).
func (s *Service) UpdateCustomerGroup(ctx context.Context, id string, upd CustomerGroupUpdate) (CustomerGroup, error) {
	var fe fieldErrors
	var name string
	if upd.Name != nil {
		name = cleanName(&fe, "Name", *upd.Name)
	}
	patch := normalizeMetadata(&fe, "Metadata", upd.Metadata)
	if err := fe.err(); err != nil {
		return CustomerGroup{}, err
	}
	if err := s.checkRevisionSupport(upd.IfRevision); err != nil {
		return CustomerGroup{}, err
	}
	var g CustomerGroup
	rev, err := s.update(ctx, func(tx Tx) (err error) {
		if g, err = getGroup(tx, id); err != nil {
			return err
		}
		if err := checkRevision("customer group", id, g.Revision, upd.IfRevision); err != nil {
			return err
		}
		if upd.Name != nil {
			g.Name = name
		}
		if g.Metadata, err = mergeMetadataChecked(g.Metadata, patch); err != nil {
			return err
		}
		g.UpdatedAt = s.clock()
		return putGroup(tx, g)
	})
	if err != nil {
		return CustomerGroup{}, err
	}
	g.Revision = rev
	return g.Clone(), nil
}

// DeleteCustomerGroup deletes the group and its memberships. A missing group is not an
// error. A group that a price list still names is not deleted: the error wraps
// ErrConflict and names the lists; detach the group from them first.
func (s *Service) DeleteCustomerGroup(ctx context.Context, id string) error {
	return s.DeleteCustomerGroupIf(ctx, id, 0)
}

// DeleteCustomerGroupIf is DeleteCustomerGroup that deletes the group only if it is at
// the given revision (0: any): otherwise, and when the group is missing, the error
// wraps ErrConflict and nothing is deleted.
func (s *Service) DeleteCustomerGroupIf(ctx context.Context, id string, revision int64) error {
	if err := s.checkRevisionSupport(revision); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx Tx) error {
		g, err := tx.CustomerGroup(id)
		switch {
		case errors.Is(err, ErrNotFound) && revision == 0:
			return nil
		case errors.Is(err, ErrNotFound):
			return errorf(ErrConflict, "customer group %q is gone; revision %d was expected", id, revision)
		case err != nil:
			return err
		}
		if err := checkRevision("customer group", id, g.Revision, revision); err != nil {
			return err
		}
		lists, err := tx.AppendPriceListIDsOfGroup(nil, id)
		if err != nil {
			return err
		}
		if len(lists) > 0 {
			return errorf(ErrConflict, "customer group %q is the audience of price lists %q", id, lists)
		}
		return tx.DeleteCustomerGroup(id)
	})
	return err
}

// ListCustomerGroups returns the page of groups that match f, and how many match in all.
func (s *Service) ListCustomerGroups(ctx context.Context, f CustomerGroupFilter) ([]CustomerGroup, int, error) {
	p, err := s.ListCustomerGroupsPage(ctx, f)
	return p.CustomerGroups, p.Count, err
}

// ListCustomerGroupsPage is ListCustomerGroups that also returns the cursor of the next
// page. It reads every group that can match (those of CustomerID or IDs, when set) and
// sorts them: groups are few beside lists and prices.
func (s *Service) ListCustomerGroupsPage(ctx context.Context, f CustomerGroupFilter) (CustomerGroupPage, error) {
	var fe fieldErrors
	checkOrder(&fe, f.Order)
	checkPage(&fe, f.Limit, f.Offset)
	after := decodeCursor(&fe, "After", cursorCustomerGroups, f.Order, f.After)
	if err := fe.err(); err != nil {
		return CustomerGroupPage{}, err
	}
	names := make(map[string]bool, len(f.Names))
	for _, n := range f.Names {
		names[NameKey(n)] = true
	}
	ids := set(f.IDs)
	match := func(g CustomerGroup) bool {
		return (f.Q == "" || containsFold(g.Name, f.Q)) &&
			(len(f.Names) == 0 || names[NameKey(g.Name)]) &&
			in(ids, g.ID) &&
			f.CreatedAt.Contains(g.CreatedAt) && f.UpdatedAt.Contains(g.UpdatedAt)
	}
	var out []CustomerGroup
	err := s.store.View(ctx, func(tx Tx) error {
		visit := func(g CustomerGroup) bool {
			if match(g) {
				out = append(out, g)
			}
			return true
		}
		switch {
		case f.CustomerID != "":
			ids, err := tx.AppendCustomerGroupIDs(nil, f.CustomerID)
			if err != nil {
				return err
			}
			return visitGroups(tx, ids, visit)
		case len(f.IDs) > 0:
			return visitGroups(tx, f.IDs, visit)
		}
		return tx.CustomerGroups(visit)
	})
	if err != nil {
		return CustomerGroupPage{}, err
	}
	sortByOrder(out, f.Order, groupSortKey)
	p := CustomerGroupPage{Count: len(out)}
	p.CustomerGroups, p.Next = pageAfter(out, cursorCustomerGroups, cmp.Or(f.Order, defaultOrder), after, f.Limit, f.Offset, groupSortKey)
	return p, nil
}

// visitGroups calls visit for each existing group of ids, once per ID.
func visitGroups(tx Tx, ids []string, visit func(CustomerGroup) bool) error {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		g, err := tx.CustomerGroup(id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !visit(g) {
			return nil
		}
	}
	return nil
}

// AddCustomers adds customers to the group. Existing members and repeated IDs are fine;
// one invalid ID and nothing is added. An unknown group is ErrNotFound.
func (s *Service) AddCustomers(ctx context.Context, groupID string, customerIDs []string) error {
	return s.changeMembers(ctx, groupID, "CustomerIDs", customerIDs, "", nil)
}

// RemoveCustomers removes customers from the group; IDs that are not members are
// ignored. An unknown group is ErrNotFound.
func (s *Service) RemoveCustomers(ctx context.Context, groupID string, customerIDs []string) error {
	return s.changeMembers(ctx, groupID, "", nil, "CustomerIDs", customerIDs)
}

// ChangeCustomers adds the customers of add to the group and removes those of remove,
// in one transaction: all of it happens, or none. Each half follows the rules of
// AddCustomers and RemoveCustomers; an ID in both is invalid (Remove[i]). An unknown
// group is ErrNotFound.
func (s *Service) ChangeCustomers(ctx context.Context, groupID string, add, remove []string) error {
	return s.changeMembers(ctx, groupID, "Add", add, "Remove", remove)
}

// changeMembers validates the IDs to add and to remove, naming them after addField and
// removeField, and then removes and adds them in one transaction.
func (s *Service) changeMembers(ctx context.Context, groupID, addField string, add []string, removeField string, remove []string) error {
	var fe fieldErrors
	adds := foldIDs(&fe, addField, add)
	removes := foldIDs(&fe, removeField, remove)
	for i, id := range remove {
		if _, both := slices.BinarySearch(adds, id); both && idReason(id) == "" {
			fe.add(fmt.Sprintf("%s[%d]", removeField, i), fmt.Sprintf("%q is also added", id))
		}
	}
	if err := fe.err(); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx Tx) error {
		if _, err := getGroup(tx, groupID); err != nil {
			return err
		}
		longest := maxLen(removes, adds)
		reserveChanges(tx, len(removes)+len(adds), 16+len(groupID)+longest, len(customerPrefix)+longest)
		for _, id := range removes {
			if err := tx.RemoveMember(groupID, id); err != nil {
				return err
			}
		}
		for _, id := range adds {
			if err := tx.AddMember(groupID, id); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// GroupCustomers returns a page of the group's customer IDs in ascending order, and the
// group's number of customers. Limit 0 is unbounded.
func (s *Service) GroupCustomers(ctx context.Context, groupID string, limit, offset int) ([]string, int, error) {
	var fe fieldErrors
	checkPage(&fe, limit, offset)
	if err := fe.err(); err != nil {
		return nil, 0, err
	}
	ids := []string{}
	var total int
	err := s.store.View(ctx, func(tx Tx) (err error) {
		if _, err := getGroup(tx, groupID); err != nil {
			return err
		}
		if total, err = tx.CountMembers(groupID); err != nil {
			return err
		}
		return tx.Members(groupID, offset, func(id string) bool {
			ids = append(ids, id)
			return limit == 0 || len(ids) < limit
		})
	})
	if err != nil {
		return nil, 0, err
	}
	return ids, total, nil
}

// CustomerPage is a page of the customers of a group, the result of
// Service.GroupCustomersAfter.
type CustomerPage struct {
	CustomerIDs []string `json:"customer_ids"`
	// Count is the group's number of customers.
	Count int `json:"count"`
	// Next is the cursor of the page that follows, for GroupCustomersAfter; "" when no
	// customer follows this page or limit is 0.
	Next string `json:"next,omitempty"`
}

// GroupCustomersAfter returns a page of at most limit (0: all) of the group's customer
// IDs in ascending order, starting after the cursor after (a CustomerPage.Next; "":
// from the first), with the group's number of customers and the cursor of the next
// page. Unlike an offset, the cursor costs a seek on a store whose transactions have
// the MemberPager capability (a walk of the members before it otherwise), and a
// customer added or removed before it does not shift the pages that follow. A
// malformed cursor is ErrInvalid naming After.
func (s *Service) GroupCustomersAfter(ctx context.Context, groupID, after string, limit int) (CustomerPage, error) {
	var fe fieldErrors
	checkPage(&fe, limit, 0)
	pos := decodeCursor(&fe, "After", cursorCustomers, idOrder, after)
	if err := fe.err(); err != nil {
		return CustomerPage{}, err
	}
	var p CustomerPage
	err := s.store.View(ctx, func(tx Tx) (err error) {
		p = CustomerPage{CustomerIDs: []string{}} // afresh, should the store run fn again
		if _, err := getGroup(tx, groupID); err != nil {
			return err
		}
		if p.Count, err = tx.CountMembers(groupID); err != nil {
			return err
		}
		more := false
		visit := func(id string) bool {
			if limit > 0 && len(p.CustomerIDs) == limit {
				more = true
				return false
			}
			p.CustomerIDs = append(p.CustomerIDs, id)
			return true
		}
		switch mp, ok := tx.(MemberPager); {
		case pos == nil:
			err = tx.Members(groupID, 0, visit)
		case ok:
			err = mp.MembersAfter(groupID, pos.ID, visit)
		default:
			err = tx.Members(groupID, 0, func(id string) bool { return id <= pos.ID || visit(id) })
		}
		if err == nil && more {
			p.Next = encodeCursor(cursorCustomers, idOrder, ListPosition{ID: p.CustomerIDs[len(p.CustomerIDs)-1]})
		}
		return err
	})
	if err != nil {
		return CustomerPage{}, err
	}
	return p, nil
}

// CustomerGroupsOf returns the groups the customer belongs to, newest first. A customer
// the library has never seen belongs to no group.
func (s *Service) CustomerGroupsOf(ctx context.Context, customerID string) ([]CustomerGroup, error) {
	var fe fieldErrors
	checkID(&fe, "CustomerID", customerID)
	if err := fe.err(); err != nil {
		return nil, err
	}
	groups, _, err := s.ListCustomerGroups(ctx, CustomerGroupFilter{CustomerID: customerID})
	return groups, err
}

// SetCustomerGroups makes groupIDs the customer's whole set of groups. Every group must
// exist (ErrNotFound otherwise); repeated IDs are folded; an empty set removes the
// customer from every group.
func (s *Service) SetCustomerGroups(ctx context.Context, customerID string, groupIDs []string) error {
	var fe fieldErrors
	checkID(&fe, "CustomerID", customerID)
	want := foldIDs(&fe, "GroupIDs", groupIDs)
	if err := fe.err(); err != nil {
		return err
	}
	_, err := s.update(ctx, func(tx Tx) error {
		for _, id := range want {
			if _, err := getGroup(tx, id); err != nil {
				return err
			}
		}
		have, err := tx.AppendCustomerGroupIDs(nil, customerID)
		if err != nil {
			return err
		}
		for _, id := range have {
			if _, found := slices.BinarySearch(want, id); !found {
				if err := tx.RemoveMember(id, customerID); err != nil {
					return err
				}
			}
		}
		for _, id := range want {
			if err := tx.AddMember(id, customerID); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// PriceListsOfGroup returns the price lists whose audience names the group, newest first.
func (s *Service) PriceListsOfGroup(ctx context.Context, groupID string) ([]PriceList, error) {
	var lists []PriceList
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := getGroup(tx, groupID); err != nil {
			return err
		}
		ids, err := tx.AppendPriceListIDsOfGroup(nil, groupID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			pl, err := getList(tx, id)
			if err != nil {
				return err
			}
			lists = append(lists, pl)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortByOrder(lists, "", listSortKey)
	return lists, nil
}

// checkRevisionSupport returns an error wrapping errors.ErrUnsupported when an
// operation expects a revision (revision is not 0) of a store without a journal.
func (s *Service) checkRevisionSupport(revision int64) error {
	if revision == 0 {
		return nil
	}
	_, err := s.journal()
	return err
}

// checkRevision returns ErrConflict when want is not 0 and the record is at another
// revision than want.
func checkRevision(kind, id string, have, want int64) error {
	if want != 0 && have != want {
		return errorf(ErrConflict, "%s %q is at revision %d, not %d", kind, id, have, want)
	}
	return nil
}

// maxLen returns the length of the longest string of a and b.
func maxLen(a, b []string) int {
	n := 0
	for _, s := range a {
		n = max(n, len(s))
	}
	for _, s := range b {
		n = max(n, len(s))
	}
	return n
}
