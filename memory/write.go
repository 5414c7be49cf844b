package memory

import (
	"fmt"
	"maps"
	"slices"

	"github.com/commercekit/pricing"
)

// readTx is the transaction of a View. It holds one pointer, so converting it to
// pricing.Tx does not allocate.
type readTx struct{ *state }

// PutCustomerGroup implements pricing.Tx: it fails in a read-only transaction.
func (readTx) PutCustomerGroup(pricing.CustomerGroup, string) error { return errReadOnly }

// DeleteCustomerGroup implements pricing.Tx: it fails in a read-only transaction.
func (readTx) DeleteCustomerGroup(string) error { return errReadOnly }

// AddMember implements pricing.Tx: it fails in a read-only transaction.
func (readTx) AddMember(string, string) error { return errReadOnly }

// RemoveMember implements pricing.Tx: it fails in a read-only transaction.
func (readTx) RemoveMember(string, string) error { return errReadOnly }

// PutPriceList implements pricing.Tx: it fails in a read-only transaction.
func (readTx) PutPriceList(pricing.PriceList) error { return errReadOnly }

// DeletePriceList implements pricing.Tx: it fails in a read-only transaction.
func (readTx) DeletePriceList(string) error { return errReadOnly }

// PutPrice implements pricing.Tx: it fails in a read-only transaction.
func (readTx) PutPrice(pricing.Price) error { return errReadOnly }

// DeletePrice implements pricing.Tx: it fails in a read-only transaction.
func (readTx) DeletePrice(string) error { return errReadOnly }

// writeTx is the transaction of an Update. The Store owns one and reuses it, since
// updates hold the write lock. Each write method appends the inverse of the change it
// is about to make to undo; rollback applies them in reverse order.
type writeTx struct {
	*state
	undo      []undoOp
	oldPrices []pricing.Price // prices replaced or deleted, for undoSetPrice
}

// undoOp is the inverse of one mutation of the state.
type undoOp struct {
	kind  undoKind
	a, b  string // IDs: the record to remove, or the group and the customer
	price int    // index in oldPrices
	group *groupRec
	list  *pricing.PriceList
}

type undoKind uint8

const (
	undoRemoveGroup  undoKind = iota // remove group a's record
	undoSetGroup                     // store group again
	undoAddMember                    // add customer b to group a
	undoRemoveMember                 // remove customer b from group a
	undoRemoveList                   // remove list a's record
	undoSetList                      // store list again
	undoRemovePrice                  // remove price a
	undoSetPrice                     // store oldPrices[price] again, replacing the price with its ID
)

// rollback undoes every write of the transaction, newest first.
func (w *writeTx) rollback() {
	s := w.state
	for i := len(w.undo) - 1; i >= 0; i-- {
		switch u := &w.undo[i]; u.kind {
		case undoRemoveGroup:
			s.removeGroup(u.a)
		case undoSetGroup:
			s.setGroup(u.group)
		case undoAddMember:
			s.addMember(u.a, u.b)
		case undoRemoveMember:
			s.removeMember(u.a, u.b)
		case undoRemoveList:
			s.removeList(u.a)
		case undoSetList:
			s.setList(u.list)
		case undoRemovePrice:
			s.deletePrice(u.a)
		case undoSetPrice:
			old := &w.oldPrices[u.price]
			s.deletePrice(old.ID)
			s.insertPrice(old, nil)
		}
	}
}

// reset empties the undo log for the next Update, dropping its references to old
// records; a log grown by a bulk load is released rather than kept.
func (w *writeTx) reset() {
	w.orderEdits = 0
	if cap(w.undo) > 1024 {
		w.undo = nil
	} else {
		clear(w.undo)
		w.undo = w.undo[:0]
	}
	if cap(w.oldPrices) > 1024 {
		w.oldPrices = nil
	} else {
		clear(w.oldPrices)
		w.oldPrices = w.oldPrices[:0]
	}
}

// saveOldPrice logs the restoration of p, which is about to be replaced or deleted.
func (w *writeTx) saveOldPrice(p *pricing.Price) {
	w.undo = append(w.undo, undoOp{kind: undoSetPrice, price: len(w.oldPrices)})
	w.oldPrices = append(w.oldPrices, *p)
}

// PutCustomerGroup implements pricing.Tx.
func (w *writeTx) PutCustomerGroup(g pricing.CustomerGroup, nameKey string) error {
	s := w.state
	if id, ok := s.groupByName[nameKey]; ok && id != g.ID {
		return fmt.Errorf("memory: customer group %q: name key %q is held by group %q: %w", g.ID, nameKey, id, pricing.ErrAlreadyExists)
	}
	rec := &groupRec{g: g.Clone(), nameKey: nameKey}
	if old := s.groups[g.ID]; old != nil {
		w.undo = append(w.undo, undoOp{kind: undoSetGroup, group: old})
	} else {
		w.undo = append(w.undo, undoOp{kind: undoRemoveGroup, a: g.ID})
	}
	s.setGroup(rec)
	return nil
}

// DeleteCustomerGroup implements pricing.Tx.
func (w *writeTx) DeleteCustomerGroup(id string) error {
	s := w.state
	rec := s.groups[id]
	if rec == nil {
		return fmt.Errorf("memory: customer group %q: %w", id, pricing.ErrNotFound)
	}
	if m := s.members[id]; m != nil {
		for c := range m.ids { // deleting the current key is safe
			w.removeMember(id, c)
		}
	}
	w.undo = append(w.undo, undoOp{kind: undoSetGroup, group: rec})
	s.removeGroup(id)
	return nil
}

// AddMember implements pricing.Tx.
func (w *writeTx) AddMember(groupID, customerID string) error {
	if w.state.addMember(groupID, customerID) {
		w.undo = append(w.undo, undoOp{kind: undoRemoveMember, a: groupID, b: customerID})
	}
	return nil
}

// RemoveMember implements pricing.Tx.
func (w *writeTx) RemoveMember(groupID, customerID string) error {
	w.removeMember(groupID, customerID)
	return nil
}

func (w *writeTx) removeMember(groupID, customerID string) {
	if w.state.removeMember(groupID, customerID) {
		w.undo = append(w.undo, undoOp{kind: undoAddMember, a: groupID, b: customerID})
	}
}

// PutPriceList implements pricing.Tx. It stores a copy of pl whose CustomerGroupIDs
// are sorted, without repeats.
func (w *writeTx) PutPriceList(pl pricing.PriceList) error {
	s := w.state
	pl = pl.Clone()
	slices.Sort(pl.CustomerGroupIDs)
	pl.CustomerGroupIDs = slices.Compact(pl.CustomerGroupIDs)
	if old := s.lists[pl.ID]; old != nil {
		w.undo = append(w.undo, undoOp{kind: undoSetList, list: old})
	} else {
		w.undo = append(w.undo, undoOp{kind: undoRemoveList, a: pl.ID})
	}
	s.setList(&pl)
	return nil
}

// DeletePriceList implements pricing.Tx.
func (w *writeTx) DeletePriceList(id string) error {
	s := w.state
	pl := s.lists[id]
	if pl == nil {
		return fmt.Errorf("memory: price list %q: %w", id, pricing.ErrNotFound)
	}
	if id != "" { // "" names the base prices, which belong to no list
		for _, b := range slices.Collect(maps.Keys(s.byList[id])) {
			for i := len(b.prices) - 1; i >= 0; i-- {
				if p := &b.prices[i]; p.PriceListID == id {
					w.saveOldPrice(p)
					s.removePrice(b, i)
				}
			}
		}
	}
	w.undo = append(w.undo, undoOp{kind: undoSetList, list: pl})
	s.removeList(id)
	return nil
}

// PutPrice implements pricing.Tx.
func (w *writeTx) PutPrice(p pricing.Price) error {
	s := w.state
	nb := s.byVC[vcKey{p.VariantID, p.CurrencyCode}]
	if nb != nil {
		key := p.Key()
		if i := nb.find(&key); i >= 0 && nb.prices[i].ID != p.ID {
			return fmt.Errorf("memory: price %q: key %+v is held by price %q: %w", p.ID, key, nb.prices[i].ID, pricing.ErrAlreadyExists)
		}
	}
	if ob := s.prices[p.ID]; ob != nil {
		i, _ := ob.index(p.ID)
		old := &ob.prices[i]
		w.saveOldPrice(old)
		if ob == nb && old.PriceListID == p.PriceListID {
			ob.set(i, &p) // same bucket, same ID: same place; same list: same counts
			return nil
		}
		s.removePrice(ob, i)
		if ob == nb && len(nb.prices) == 0 {
			nb = nil // removed from the index with its last price
		}
	} else {
		w.undo = append(w.undo, undoOp{kind: undoRemovePrice, a: p.ID})
	}
	s.insertPrice(&p, nb)
	return nil
}

// DeletePrice implements pricing.Tx.
func (w *writeTx) DeletePrice(id string) error {
	s := w.state
	b := s.prices[id]
	if b == nil {
		return fmt.Errorf("memory: price %q: %w", id, pricing.ErrNotFound)
	}
	i, _ := b.index(id)
	w.saveOldPrice(&b.prices[i])
	s.removePrice(b, i)
	return nil
}
