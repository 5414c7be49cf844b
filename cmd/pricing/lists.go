package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/commercekit/pricing"
)

// parseTime reads an instant in RFC 3339, or "now".
func parseTime(flagName, s string) (time.Time, error) {
	if s == "now" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("--%s %q: want an instant in RFC 3339 (2026-01-15T12:00:00Z) or now", flagName, s)
	}
	return t, nil
}

// listsList lists price lists.
func listsList(e *env, args []string) error {
	fs := e.flagSet("lists list", "[flags]")
	var f pricing.PriceListFilter
	var statuses, types, groups stringList
	var activeAt string
	fs.StringVar(&f.Q, "q", "", "keep lists whose name, description or a group's name contains `TEXT`")
	fs.Var(&statuses, "status", "keep lists of this `status` (draft, active); may repeat")
	fs.Var(&types, "type", "keep lists of this `type` (sale, override); may repeat")
	fs.Var(&groups, "group", "keep lists whose audience names the group `ID`; may repeat")
	fs.StringVar(&activeAt, "active-at", "", "keep lists active at this `instant` (RFC 3339, or now)")
	fs.StringVar(&f.Order, "order", "", "order: created_at, updated_at or name, '-' first for descending (default -created_at)")
	fs.IntVar(&f.Limit, "limit", 0, "show at most `N` lists (0: all)")
	fs.IntVar(&f.Offset, "offset", 0, "skip the first `N` lists")
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	for _, s := range statuses {
		f.Statuses = append(f.Statuses, pricing.PriceListStatus(s))
	}
	for _, t := range types {
		f.Types = append(f.Types, pricing.PriceListType(t))
	}
	f.CustomerGroupIDs = groups
	if activeAt != "" {
		t, err := parseTime("active-at", activeAt)
		if err != nil {
			return err
		}
		f.ActiveAt = t
	}
	return e.withStore(true, func(s *store) error {
		lists, total, err := s.svc.ListPriceLists(e.ctx, f)
		if err != nil {
			return err
		}
		if e.json {
			return e.writeJSON(map[string]any{"price_lists": lists, "count": total, "offset": f.Offset, "limit": f.Limit})
		}
		names, err := groupNames(e.ctx, s.svc)
		if err != nil {
			return err
		}
		t := newTable(e.stdout, "ID", "NAME", "TYPE", "STATUS", "WINDOW", "AUDIENCE", "PRICES")
		for _, pl := range lists {
			_, n, err := s.svc.ListPrices(e.ctx, pricing.PriceFilter{PriceListID: pl.ID, Limit: 1})
			if err != nil {
				return err
			}
			t.row(pl.ID, pl.Name, string(pl.Type), string(pl.Status), window(pl.StartsAt, pl.EndsAt),
				audience(pl.CustomerGroupIDs, names), strconv.Itoa(n))
		}
		if err := t.flush(); err != nil {
			return err
		}
		if len(lists) < total {
			fmt.Fprintf(e.stdout, "(%d of %d lists)\n", len(lists), total)
		}
		return nil
	})
}

// groupNames returns the name of every group by ID.
func groupNames(ctx context.Context, svc *pricing.Service) (map[string]string, error) {
	groups, _, err := svc.ListCustomerGroups(ctx, pricing.CustomerGroupFilter{})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(groups))
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	return names, nil
}

// listNames returns the name of every price list by ID.
func listNames(ctx context.Context, svc *pricing.Service) (map[string]string, error) {
	lists, _, err := svc.ListPriceLists(ctx, pricing.PriceListFilter{})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(lists))
	for _, pl := range lists {
		names[pl.ID] = pl.Name
	}
	return names, nil
}

// audience writes a list's audience by group names: "everyone" when it is empty.
func audience(ids []string, names map[string]string) string {
	if len(ids) == 0 {
		return "everyone"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = orDefault(names[id], id)
	}
	return strings.Join(out, ", ")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// listsShow shows a price list.
func listsShow(e *env, args []string) error {
	fs := e.flagSet("lists show", "ID [flags]")
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return e.withStore(true, func(s *store) error {
		pl, err := s.svc.PriceList(e.ctx, pos[0])
		if err != nil {
			return err
		}
		_, n, err := s.svc.ListPrices(e.ctx, pricing.PriceFilter{PriceListID: pl.ID, Limit: 1})
		if err != nil {
			return err
		}
		if e.json {
			return e.writeJSON(map[string]any{"price_list": pl, "price_count": n})
		}
		names, err := groupNames(e.ctx, s.svc)
		if err != nil {
			return err
		}
		return fields(e.stdout,
			"ID", pl.ID, "Name", pl.Name, "Description", orDash(pl.Description),
			"Type", string(pl.Type), "Status", string(pl.Status),
			"Window", window(pl.StartsAt, pl.EndsAt), "Audience", audience(pl.CustomerGroupIDs, names),
			"Tax", taxText(pl.IncludesTax), "Prices", strconv.Itoa(n), "Metadata", metadataText(pl.Metadata),
			"Created", when(pl.CreatedAt), "Updated", when(pl.UpdatedAt))
	})
}

// pricesList lists prices.
func pricesList(e *env, args []string) error {
	fs := e.flagSet("prices list", "[flags]")
	var f pricing.PriceFilter
	var variants stringList
	fs.StringVar(&f.PriceListID, "list", "", "the prices of the list `ID`")
	fs.Var(&variants, "variant", "the prices of the variant `ID`; may repeat")
	fs.BoolVar(&f.BaseOnly, "base", false, "base prices only")
	fs.StringVar(&f.CurrencyCode, "currency", "", "keep prices in this `currency`")
	fs.StringVar(&f.RegionID, "region", "", "keep prices of the region `ID`")
	fs.IntVar(&f.Limit, "limit", 0, "show at most `N` prices (0: all)")
	fs.IntVar(&f.Offset, "offset", 0, "skip the first `N` prices")
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	f.VariantIDs = variants
	return e.withStore(true, func(s *store) error {
		if f.PriceListID != "" {
			if _, err := s.svc.PriceList(e.ctx, f.PriceListID); err != nil {
				return err
			}
		}
		prices, total, err := s.svc.ListPrices(e.ctx, f)
		if err != nil {
			return err
		}
		if e.json {
			return e.writeJSON(map[string]any{"prices": prices, "count": total, "offset": f.Offset, "limit": f.Limit})
		}
		t := newTable(e.stdout, "ID", "LIST", "VARIANT", "REGION", "QUANTITY", "AMOUNT", "TAX")
		for _, p := range prices {
			t.row(p.ID, orDefault(p.PriceListID, "(base)"), p.VariantID, region(p.RegionID),
				quantities(p.MinQuantity, p.MaxQuantity), money(p.Amount, p.CurrencyCode), taxText(p.IncludesTax))
		}
		if err := t.flush(); err != nil {
			return err
		}
		if len(prices) < total {
			fmt.Fprintf(e.stdout, "(%d of %d prices)\n", len(prices), total)
		}
		return nil
	})
}
