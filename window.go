package pricing

import (
	"context"
	"slices"
	"strings"
	"time"
)

// WindowChange is an instant at which time alone changes which prices apply: an active
// price list's window opens or closes.
type WindowChange struct {
	At          time.Time `json:"at"`
	PriceListID string    `json:"price_list_id"`
	// Opens is true at the list's StartsAt, false at its EndsAt.
	Opens bool `json:"opens"`
}

// WindowChanges returns the openings and closings of the windows of active price lists
// in the half-open range r, by instant, then list ID, closings first at one instant: so
// that a host can schedule the invalidation of cached prices, or announce a sale. A
// zero bound of r is unbounded.
func (s *Service) WindowChanges(ctx context.Context, r TimeRange) ([]WindowChange, error) {
	out := []WindowChange{}
	err := s.store.View(ctx, func(tx Tx) error {
		return tx.PriceLists(func(pl PriceList) bool {
			if pl.Status != Active {
				return true
			}
			if !pl.StartsAt.IsZero() && r.Contains(pl.StartsAt) {
				out = append(out, WindowChange{At: pl.StartsAt, PriceListID: pl.ID, Opens: true})
			}
			if !pl.EndsAt.IsZero() && r.Contains(pl.EndsAt) {
				out = append(out, WindowChange{At: pl.EndsAt, PriceListID: pl.ID})
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b WindowChange) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if a.Opens != b.Opens {
			if a.Opens {
				return 1
			}
			return -1
		}
		return strings.Compare(a.PriceListID, b.PriceListID)
	})
	return out, nil
}
