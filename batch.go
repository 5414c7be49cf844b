package pricing

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// PriceBatch is the input of Service.BatchPrices: prices of one list to create, to
// update and to delete, in one transaction.
type PriceBatch struct {
	// Create holds new prices. An ID is optional; one that names an existing price, or
	// a key (variant, currency, region, quantities) that another price of the list
	// holds, is ErrAlreadyExists.
	Create []PriceInput `json:"create,omitempty"`
	// Update holds changes to prices of the list, each named by its ID (required); an ID
	// that names no price of the list is ErrNotFound. An update may change a price's
	// key, to one that no other price holds.
	Update []PriceInput `json:"update,omitempty"`
	// Delete holds IDs of prices of the list to delete; other IDs are ignored.
	Delete []string `json:"delete,omitempty"`
	// Revisions holds, by price ID, the revision at which the batch expects a price it
	// updates or deletes: a price at another revision, or gone, makes the error wrap
	// ErrConflict, and nothing is written.
	Revisions map[string]int64 `json:"revisions,omitempty"`
}

// PriceBatchResult is what Service.BatchPrices did.
type PriceBatchResult struct {
	// Created and Updated are the prices as stored, in the order of the batch.
	Created []Price `json:"created"`
	Updated []Price `json:"updated"`
	// Deleted are the IDs of the prices deleted, in the order of the batch.
	Deleted []string `json:"deleted"`
}

// BatchPrices creates, updates and deletes prices of the list in one transaction: all
// of it happens, or none. Deletes apply first, then updates, then creates, so that a
// batch can free a key and give it to another price. Bad input is ErrInvalid naming the
// field (Create[2].Amount, Update[0].ID, Delete[1]); an unknown list is ErrNotFound.
func (s *Service) BatchPrices(ctx context.Context, listID string, b PriceBatch) (PriceBatchResult, error) {
	var fe fieldErrors
	create := s.checkPrices(&fe, "Create", b.Create, "")
	update := s.checkPrices(&fe, "Update", b.Update, "")
	deleted := set(foldIDs(&fe, "Delete", b.Delete))
	for i, p := range update {
		if p.ID == "" {
			fe.add(fmt.Sprintf("Update[%d].ID", i), "required")
		} else if _, ok := deleted[p.ID]; ok {
			fe.add(fmt.Sprintf("Update[%d].ID", i), fmt.Sprintf("price %q is also deleted by the batch", p.ID))
		}
	}
	if err := fe.err(); err != nil {
		return PriceBatchResult{}, err
	}
	if len(b.Revisions) > 0 {
		if err := s.checkRevisionSupport(1); err != nil {
			return PriceBatchResult{}, err
		}
	}
	fresh := s.newPriceIDs(create)
	var out PriceBatchResult
	rev, err := s.update(ctx, func(tx Tx) error {
		out = PriceBatchResult{Created: []Price{}, Updated: []Price{}, Deleted: []string{}}
		pl, err := getList(tx, listID)
		if err != nil {
			return err
		}
		var fe fieldErrors
		create, update, fresh := slices.Clone(create), slices.Clone(update), fresh // each run starts over
		takeListTax(&fe, "Create", create, pl.IncludesTax)
		takeListTax(&fe, "Update", update, pl.IncludesTax)
		if err := fe.err(); err != nil {
			return err
		}
		for _, id := range uniqueInOrder(b.Delete) {
			p, err := tx.Price(id)
			gone := errors.Is(err, ErrNotFound) || err == nil && p.PriceListID != listID
			if want, ok := b.Revisions[id]; ok && gone {
				return errorf(ErrConflict, "price %q is gone; revision %d was expected", id, want)
			}
			if gone {
				continue
			}
			if err != nil {
				return err
			}
			if err := checkRevision("price", id, p.Revision, b.Revisions[id]); err != nil {
				return err
			}
			if err := tx.DeletePrice(id); err != nil {
				return err
			}
			out.Deleted = append(out.Deleted, id)
		}
		for _, p := range update {
			old, err := tx.Price(p.ID)
			if errors.Is(err, ErrNotFound) || err == nil && old.PriceListID != listID {
				return errorf(ErrNotFound, "price %q not found in price list %q", p.ID, listID)
			}
			if err != nil {
				return err
			}
			if err := checkRevision("price", p.ID, old.Revision, b.Revisions[p.ID]); err != nil {
				return err
			}
			p.PriceListID = listID
			if err := checkKeyFree(tx, p); err != nil {
				return err
			}
			if err := tx.PutPrice(p); err != nil {
				return err
			}
			out.Updated = append(out.Updated, p)
		}
		for _, p := range create {
			p.PriceListID = listID
			if p.ID == "" {
				p.ID, fresh = fresh[0], fresh[1:]
			} else if err := absent(tx.Price(p.ID)); err != nil {
				return taken(err, "price ID %q is taken", p.ID)
			}
			if err := checkKeyFree(tx, p); err != nil {
				return err
			}
			if err := tx.PutPrice(p); err != nil {
				return err
			}
			out.Created = append(out.Created, p)
		}
		return nil
	})
	if err != nil {
		return PriceBatchResult{}, err
	}
	setRevision(out.Created, rev)
	setRevision(out.Updated, rev)
	return out, nil
}

// checkKeyFree returns ErrAlreadyExists, naming the holder, when another price than p
// holds p's key.
func checkKeyFree(tx Tx, p Price) error {
	holder, err := tx.PriceIDByKey(p.Key())
	switch {
	case err == nil && holder != p.ID:
		return errorf(ErrAlreadyExists, "price %q: its variant, currency, region and quantities are those of price %q", p.ID, holder)
	case err != nil && !errors.Is(err, ErrNotFound):
		return err
	}
	return nil
}

// uniqueInOrder returns ids without repeats, each where it first appears.
func uniqueInOrder(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
