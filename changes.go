package pricing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ChangeKind names the kind of record a Change is about.
type ChangeKind string

// The kinds of record.
const (
	KindCustomerGroup ChangeKind = "customer_group"
	KindMembership    ChangeKind = "membership"
	KindPriceList     ChangeKind = "price_list"
	KindPrice         ChangeKind = "price"
)

// ChangeOp names what happened to the record.
type ChangeOp string

// The operations of a Change.
const (
	OpCreate ChangeOp = "create"
	OpUpdate ChangeOp = "update"
	OpDelete ChangeOp = "delete"
)

// Change is what happened to one record in one revision: enough for a cache or a
// search index to act without reading the store again.
type Change struct {
	Kind ChangeKind `json:"kind"`
	Op   ChangeOp   `json:"op"`
	// ID is the record's ID; for a membership, the group's.
	ID string `json:"id"`
	// CustomerID is the customer of a membership.
	CustomerID string `json:"customer_id,omitempty"`
	// The record after the change (nil for a delete) and before it (nil for a create),
	// in the fields of its kind. Memberships have neither.
	CustomerGroup    *CustomerGroup `json:"customer_group,omitempty"`
	OldCustomerGroup *CustomerGroup `json:"old_customer_group,omitempty"`
	PriceList        *PriceList     `json:"price_list,omitempty"`
	OldPriceList     *PriceList     `json:"old_price_list,omitempty"`
	Price            *Price         `json:"price,omitempty"`
	OldPrice         *Price         `json:"old_price,omitempty"`
}

// ChangeSet is what one revision changed, in the order the operation made the changes.
// Cascades are spelled out: deleting a list deletes each of its prices, deleting a
// group ends each of its memberships.
type ChangeSet struct {
	Revision int64     `json:"revision"`
	At       time.Time `json:"at"` // the Service's clock when the operation ran
	Changes  []Change  `json:"changes"`
}

// Apply writes the changes of the revision to a store's transaction, in their order:
// what a follower of the change feed does to keep a copy of the store (package replica
// does it to a memory store). It writes records as they were, revisions included, and
// decides no rule; an error names the change that failed.
func (cs ChangeSet) Apply(tx Tx) error {
	for _, c := range cs.Changes {
		var err error
		switch {
		case c.Kind == KindCustomerGroup && c.Op == OpDelete:
			err = tx.DeleteCustomerGroup(c.ID)
		case c.Kind == KindCustomerGroup:
			err = tx.PutCustomerGroup(*c.CustomerGroup, NameKey(c.CustomerGroup.Name))
		case c.Kind == KindMembership && c.Op == OpDelete:
			err = tx.RemoveMember(c.ID, c.CustomerID)
		case c.Kind == KindMembership:
			err = tx.AddMember(c.ID, c.CustomerID)
		case c.Kind == KindPriceList && c.Op == OpDelete:
			err = tx.DeletePriceList(c.ID)
		case c.Kind == KindPriceList:
			err = tx.PutPriceList(*c.PriceList)
		case c.Kind == KindPrice && c.Op == OpDelete:
			err = tx.DeletePrice(c.ID)
		case c.Kind == KindPrice:
			err = tx.PutPrice(*c.Price)
		}
		if err != nil {
			return fmt.Errorf("pricing: revision %d: %s %s %q: %w", cs.Revision, c.Op, c.Kind, c.ID, err)
		}
	}
	return nil
}

// ErrTrimmed reports that the journal no longer holds the revisions asked for: they are
// older than its retention. A reader that meets it must read the store again.
var ErrTrimmed = errors.New("pricing: journal trimmed")

// DefaultRetention is how long the journal keeps a revision unless WithRetention says
// otherwise: long enough to tell the lowest price of the 30 days before a reduction
// that began up to 60 days ago.
const DefaultRetention = 90 * 24 * time.Hour

// WithRetention sets how long the journal of the store keeps a revision, by the
// Service's clock. The Service trims older revisions after a write, at most once an
// hour. A retention of 0 or less keeps every revision.
func WithRetention(d time.Duration) Option {
	return func(s *Service) { s.retention = d }
}

// The keys under which the journal indexes a change: a price's by its variant, a
// list's by the list, a membership's by its customer, a group's by the group. A change
// has one key: a price that moves to another variant is deleted from the one and
// created in the other.
const (
	pricePrefix    = "v:"
	listPrefix     = "l:"
	customerPrefix = "c:"
	groupPrefix    = "g:"
)

// adjustedKey indexes the revisions that change a list with an adjustment (before or
// after the change): its items are markers whose data is the list's ID, not changes,
// since the prices such a list derives are in no variant's history.
const adjustedKey = "a:"

func priceKey(variantID string) string     { return pricePrefix + variantID }
func listKey(listID string) string         { return listPrefix + listID }
func customerKey(customerID string) string { return customerPrefix + customerID }

// journal returns the store's Journal, or an error wrapping errors.ErrUnsupported.
func (s *Service) journal() (Journal, error) {
	j, ok := s.store.(Journal)
	if !ok {
		return nil, fmt.Errorf("pricing: the store keeps no journal: %w", errors.ErrUnsupported)
	}
	return j, nil
}

// Revision returns the revision of the last change to the store, 0 for none.
func (s *Service) Revision(ctx context.Context) (int64, error) {
	j, err := s.journal()
	if err != nil {
		return 0, err
	}
	return j.LastRevision(ctx)
}

// Changes returns what each revision after after changed, oldest first, at most limit
// revisions (0: every one). A reader that has applied every change up to revision R
// asks for the changes after R; when the journal no longer holds revision R+1 (older
// than the retention), the error wraps ErrTrimmed.
func (s *Service) Changes(ctx context.Context, after int64, limit int) ([]ChangeSet, error) {
	j, err := s.journal()
	if err != nil {
		return nil, err
	}
	if after < 0 || limit < 0 {
		var fe fieldErrors
		if after < 0 {
			fe.add("After", "negative")
		}
		checkPage(&fe, limit, 0)
		return nil, fe.err()
	}
	out := []ChangeSet{}
	var decodeErr error
	err = j.ReadJournal(ctx, after, "", limit, func(e JournalEntry) bool {
		if len(out) == 0 && e.Revision != after+1 {
			decodeErr = errorf(ErrTrimmed, "revision %d is no longer kept (the oldest is %d)", after+1, e.Revision)
			return false
		}
		cs := ChangeSet{Revision: e.Revision, At: e.At, Changes: make([]Change, 0, len(e.Items))}
		for _, it := range e.Items {
			if it.Key == adjustedKey {
				continue // an index marker, not a change
			}
			cs.Changes = append(cs.Changes, Change{})
			if decodeErr = decodeChange(e.Revision, it, &cs.Changes[len(cs.Changes)-1]); decodeErr != nil {
				return false
			}
		}
		out = append(out, cs)
		return true
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// Nothing after after: fine when after is the last revision, or beyond it.
		last, err := j.LastRevision(ctx)
		if err != nil {
			return nil, err
		}
		if after < last {
			return nil, errorf(ErrTrimmed, "revisions %d to %d are no longer kept", after+1, last)
		}
	}
	return out, nil
}

// WaitChanges is Changes that first waits, until ctx is done, for a revision after
// after to commit, in this process or, on a store that processes share, in another.
func (s *Service) WaitChanges(ctx context.Context, after int64, limit int) ([]ChangeSet, error) {
	j, err := s.journal()
	if err != nil {
		return nil, err
	}
	if _, err := j.WaitJournal(ctx, after); err != nil {
		return nil, err
	}
	return s.Changes(ctx, after, limit)
}

// decodeChange decodes an item of the journal entry of revision rev.
func decodeChange(rev int64, it JournalItem, c *Change) error {
	if err := decodeChangeItem(it.Data, c); err != nil {
		return fmt.Errorf("pricing: an item of the journal entry of revision %d (key %q) does not decode: %v", rev, it.Key, err)
	}
	return nil
}

// update runs fn in an Update of the store. On a store with a journal it records what
// fn writes, stamps the records with the Update's revision, and writes the journal
// entry; it returns that revision, or 0 when fn wrote nothing or the store has no
// journal.
func (s *Service) update(ctx context.Context, fn func(Tx) error) (int64, error) {
	var rev int64
	err := s.store.Update(ctx, func(tx Tx) error {
		rev = 0
		jt, ok := tx.(JournalTx)
		if !ok {
			return fn(tx)
		}
		rec := &recorder{JournalTx: jt}
		if err := fn(rec); err != nil {
			return err
		}
		if len(rec.items) == 0 {
			return nil
		}
		rev = rec.rev
		return jt.WriteJournal(JournalEntry{Revision: rev, At: s.clock(), Items: rec.entry()})
	})
	if err != nil {
		return 0, err
	}
	if rev != 0 {
		s.trim(ctx)
	}
	return rev, nil
}

// trim trims the journal of the revisions older than the retention, at most once an
// hour of the Service's clock. A failure is left for the next write to retry: the
// write that triggered the trim has committed.
func (s *Service) trim(ctx context.Context) {
	if s.retention <= 0 {
		return
	}
	now := s.clock()
	last := s.lastTrim.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < time.Hour || !s.lastTrim.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if j, ok := s.store.(Journal); ok {
		if _, err := j.TrimJournal(ctx, now.Add(-s.retention)); err != nil {
			s.lastTrim.Store(last)
		}
	}
}

// recorder is the Tx of an Update on a Journal store: it passes every call to the
// store's Tx, and for each write records the change, stamps the record with the
// Update's revision, and notes the journal's index keys.
type recorder struct {
	JournalTx
	rev   int64 // the Update's revision, once a write asked for it
	items []JournalItem
	buf   []byte // the items' data, back to back
	// keys holds the items' keys back to back, and keySpans the place of each item's
	// key in it: the keys become one string when the entry is written (entry), not one
	// each. An empty span leaves the item's Key as it is.
	keys     []byte
	keySpans []keySpan
	groups   []string // scratch for membership checks
}

// keySpan is the place of an item's key in recorder.keys.
type keySpan struct{ start, end int }

var _ Tx = (*recorder)(nil)

// reserveChanges makes room, when tx records changes, for n more whose data and keys
// take about dataSize and keySize bytes each: an operation that knows how many records
// it will write (a batch of memberships) saves the growth of the entry's buffers.
func reserveChanges(tx Tx, n, dataSize, keySize int) {
	if r, ok := tx.(*recorder); ok {
		r.items = slices.Grow(r.items, n)
		r.keySpans = slices.Grow(r.keySpans, n)
		r.buf = slices.Grow(r.buf, n*dataSize)
		r.keys = slices.Grow(r.keys, n*keySize)
	}
}

// revision returns the Update's revision.
func (r *recorder) revision() (int64, error) {
	if r.rev == 0 {
		rev, err := r.JournalTx.Revision()
		if err != nil {
			return 0, err
		}
		r.rev = rev
	}
	return r.rev, nil
}

// record adds a change, under the key of kind (a prefix such as "v:") and id, to the
// Update's journal entry. The changes of one operation often share keys (the prices of
// one variant): a key equal to the last one is not made again.
func (r *recorder) record(c *Change, prefix, id string) error {
	start := len(r.buf)
	buf, err := appendChange(r.buf, c)
	if err != nil {
		return err
	}
	r.buf = buf
	var span keySpan
	if n := len(r.keySpans); n > 0 {
		last := r.keySpans[n-1]
		if k := r.keys[last.start:last.end]; len(k) == len(prefix)+len(id) &&
			string(k[:len(prefix)]) == prefix && string(k[len(prefix):]) == id {
			span = last
		}
	}
	if span.end == 0 {
		span.start = len(r.keys)
		r.keys = append(append(r.keys, prefix...), id...)
		span.end = len(r.keys)
	}
	r.items = append(r.items, JournalItem{Data: buf[start:len(buf):len(buf)]})
	r.keySpans = append(r.keySpans, span)
	return nil
}

// entry returns the items of the Update's journal entry, with their keys.
func (r *recorder) entry() []JournalItem {
	keys := string(r.keys)
	for i, sp := range r.keySpans {
		if sp.end > sp.start {
			r.items[i].Key = keys[sp.start:sp.end]
		}
	}
	return r.items
}

// before returns the record a getter finds, nil when there is none, or the store's
// error.
func before[T any](v T, err error) (*T, error) {
	switch {
	case err == nil:
		return &v, nil
	case errors.Is(err, ErrNotFound):
		return nil, nil
	}
	return nil, err
}

func opOf[T any](old *T) ChangeOp {
	if old == nil {
		return OpCreate
	}
	return OpUpdate
}

// PutCustomerGroup implements Tx.
func (r *recorder) PutCustomerGroup(g CustomerGroup, nameKey string) error {
	old, err := before(r.JournalTx.CustomerGroup(g.ID))
	if err != nil {
		return err
	}
	if g.Revision, err = r.revision(); err != nil {
		return err
	}
	if err := r.JournalTx.PutCustomerGroup(g, nameKey); err != nil {
		return err
	}
	return r.record(&Change{Kind: KindCustomerGroup, Op: opOf(old), ID: g.ID, CustomerGroup: &g, OldCustomerGroup: old}, groupPrefix, g.ID)
}

// DeleteCustomerGroup implements Tx: the group's memberships end first.
func (r *recorder) DeleteCustomerGroup(id string) error {
	old, err := before(r.JournalTx.CustomerGroup(id))
	if err != nil || old == nil {
		return r.JournalTx.DeleteCustomerGroup(id) // the store's error, or its ErrNotFound
	}
	var members []string
	if err := r.JournalTx.Members(id, 0, func(c string) bool { members = append(members, c); return true }); err != nil {
		return err
	}
	if _, err := r.revision(); err != nil {
		return err
	}
	if err := r.JournalTx.DeleteCustomerGroup(id); err != nil {
		return err
	}
	for _, c := range members {
		if err := r.record(&Change{Kind: KindMembership, Op: OpDelete, ID: id, CustomerID: c}, customerPrefix, c); err != nil {
			return err
		}
	}
	return r.record(&Change{Kind: KindCustomerGroup, Op: OpDelete, ID: id, OldCustomerGroup: old}, groupPrefix, id)
}

// memberChecker is an optional method of a store's Tx: whether a customer is a member
// of a group, answered without reading every group of the customer. A store behind a
// network (postgres) answers a bulk of checks on one group with a few reads of that
// group's members, where reading each customer's groups would cost a read each.
type memberChecker interface {
	IsMember(groupID, customerID string) (bool, error)
}

// isMember reports whether customerID is a member of groupID.
func (r *recorder) isMember(groupID, customerID string) (bool, error) {
	if m, ok := r.JournalTx.(memberChecker); ok {
		return m.IsMember(groupID, customerID)
	}
	var err error
	if r.groups, err = r.JournalTx.AppendCustomerGroupIDs(r.groups[:0], customerID); err != nil {
		return false, err
	}
	_, found := slices.BinarySearch(r.groups, groupID)
	return found, nil
}

// AddMember implements Tx; adding a member is no change.
func (r *recorder) AddMember(groupID, customerID string) error {
	if member, err := r.isMember(groupID, customerID); err != nil || member {
		return err
	}
	if _, err := r.revision(); err != nil {
		return err
	}
	if err := r.JournalTx.AddMember(groupID, customerID); err != nil {
		return err
	}
	return r.record(&Change{Kind: KindMembership, Op: OpCreate, ID: groupID, CustomerID: customerID}, customerPrefix, customerID)
}

// RemoveMember implements Tx; removing a non-member is no change.
func (r *recorder) RemoveMember(groupID, customerID string) error {
	if member, err := r.isMember(groupID, customerID); err != nil || !member {
		return err
	}
	if _, err := r.revision(); err != nil {
		return err
	}
	if err := r.JournalTx.RemoveMember(groupID, customerID); err != nil {
		return err
	}
	return r.record(&Change{Kind: KindMembership, Op: OpDelete, ID: groupID, CustomerID: customerID}, customerPrefix, customerID)
}

// PutPriceList implements Tx.
func (r *recorder) PutPriceList(pl PriceList) error {
	old, err := before(r.JournalTx.PriceList(pl.ID))
	if err != nil {
		return err
	}
	if pl.Revision, err = r.revision(); err != nil {
		return err
	}
	if err := r.JournalTx.PutPriceList(pl); err != nil {
		return err
	}
	if pl.Adjustment != nil || old != nil && old.Adjustment != nil {
		r.mark(pl.ID)
	}
	return r.record(&Change{Kind: KindPriceList, Op: opOf(old), ID: pl.ID, PriceList: &pl, OldPriceList: old}, listPrefix, pl.ID)
}

// mark adds the marker of a change of a list with an adjustment.
func (r *recorder) mark(listID string) {
	start := len(r.buf)
	r.buf = append(r.buf, listID...)
	r.items = append(r.items, JournalItem{Key: adjustedKey, Data: r.buf[start:len(r.buf):len(r.buf)]})
	r.keySpans = append(r.keySpans, keySpan{}) // the Key is set
}

// DeletePriceList implements Tx: the list's prices are deleted first.
func (r *recorder) DeletePriceList(id string) error {
	old, err := before(r.JournalTx.PriceList(id))
	if err != nil || old == nil {
		return r.JournalTx.DeletePriceList(id)
	}
	var prices []Price
	if err := r.JournalTx.PricesOfList(id, func(p Price) bool { prices = append(prices, p); return true }); err != nil {
		return err
	}
	if _, err := r.revision(); err != nil {
		return err
	}
	if err := r.JournalTx.DeletePriceList(id); err != nil {
		return err
	}
	for i := range prices {
		if err := r.record(&Change{Kind: KindPrice, Op: OpDelete, ID: prices[i].ID, OldPrice: &prices[i]}, pricePrefix, prices[i].VariantID); err != nil {
			return err
		}
	}
	if old.Adjustment != nil {
		r.mark(id)
	}
	return r.record(&Change{Kind: KindPriceList, Op: OpDelete, ID: id, OldPriceList: old}, listPrefix, id)
}

// PutPrice implements Tx.
func (r *recorder) PutPrice(p Price) error {
	prev, err := r.JournalTx.Price(p.ID)
	var old *Price
	switch {
	case err == nil:
		old = &prev
	case !errors.Is(err, ErrNotFound):
		return err
	}
	if p.Revision, err = r.revision(); err != nil {
		return err
	}
	if err := r.JournalTx.PutPrice(p); err != nil {
		return err
	}
	if old != nil && old.VariantID != p.VariantID {
		// A move to another variant: deleted from the one, created in the other, so
		// that each variant's history has it under its own key.
		if err := r.record(&Change{Kind: KindPrice, Op: OpDelete, ID: p.ID, OldPrice: old}, pricePrefix, old.VariantID); err != nil {
			return err
		}
		old = nil
	}
	return r.record(&Change{Kind: KindPrice, Op: opOf(old), ID: p.ID, Price: &p, OldPrice: old}, pricePrefix, p.VariantID)
}

// DeletePrice implements Tx.
func (r *recorder) DeletePrice(id string) error {
	old, err := before(r.JournalTx.Price(id))
	if err != nil || old == nil {
		return r.JournalTx.DeletePrice(id)
	}
	if _, err := r.revision(); err != nil {
		return err
	}
	if err := r.JournalTx.DeletePrice(id); err != nil {
		return err
	}
	return r.record(&Change{Kind: KindPrice, Op: OpDelete, ID: id, OldPrice: old}, pricePrefix, old.VariantID)
}
