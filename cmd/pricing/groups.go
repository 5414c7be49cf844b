package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/commercekit/pricing"
)

// groupsList lists customer groups.
func groupsList(e *env, args []string) error {
	fs := e.flagSet("groups list", "[flags]")
	var f pricing.CustomerGroupFilter
	fs.StringVar(&f.Q, "q", "", "keep groups whose name contains `TEXT`, in any case")
	fs.StringVar(&f.CustomerID, "customer", "", "keep the groups of the customer `ID`")
	fs.StringVar(&f.Order, "order", "", "order: created_at, updated_at or name, '-' first for descending (default -created_at)")
	fs.IntVar(&f.Limit, "limit", 0, "show at most `N` groups (0: all)")
	fs.IntVar(&f.Offset, "offset", 0, "skip the first `N` groups")
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	return e.withStore(true, func(s *store) error {
		groups, total, err := s.svc.ListCustomerGroups(e.ctx, f)
		if err != nil {
			return err
		}
		if e.json {
			return e.writeJSON(map[string]any{"customer_groups": groups, "count": total, "offset": f.Offset, "limit": f.Limit})
		}
		t := newTable(e.stdout, "ID", "NAME", "CUSTOMERS", "CREATED")
		for _, g := range groups {
			_, n, err := s.svc.GroupCustomers(e.ctx, g.ID, 1, 0)
			if err != nil {
				return err
			}
			t.row(g.ID, g.Name, strconv.Itoa(n), when(g.CreatedAt))
		}
		if err := t.flush(); err != nil {
			return err
		}
		if len(groups) < total {
			fmt.Fprintf(e.stdout, "(%d of %d groups)\n", len(groups), total)
		}
		return nil
	})
}

// groupsShow shows a customer group.
func groupsShow(e *env, args []string) error {
	fs := e.flagSet("groups show", "ID [flags]")
	customers := fs.Int("customers", 20, "list at most `N` of the group's customers (-1: all)")
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return e.withStore(true, func(s *store) error {
		g, err := s.svc.CustomerGroup(e.ctx, pos[0])
		if err != nil {
			return err
		}
		limit := *customers
		if limit < 0 {
			limit = 0 // all
		} else if limit == 0 {
			limit = 1 // the count only
		}
		members, n, err := s.svc.GroupCustomers(e.ctx, g.ID, limit, 0)
		if err != nil {
			return err
		}
		if *customers == 0 {
			members = []string{}
		}
		lists, err := s.svc.PriceListsOfGroup(e.ctx, g.ID)
		if err != nil {
			return err
		}
		if e.json {
			return e.writeJSON(map[string]any{"customer_group": g, "customer_count": n, "customers": members, "price_lists": lists})
		}
		if err := fields(e.stdout,
			"ID", g.ID, "Name", g.Name, "Created", when(g.CreatedAt), "Updated", when(g.UpdatedAt),
			"Metadata", metadataText(g.Metadata), "Customers", strconv.Itoa(n)); err != nil {
			return err
		}
		if len(members) > 0 {
			more := ""
			if len(members) < n {
				more = fmt.Sprintf(", and %d more", n-len(members))
			}
			fmt.Fprintf(e.stdout, "  %s%s\n", strings.Join(members, ", "), more)
		}
		if len(lists) == 0 {
			fmt.Fprintln(e.stdout, "Price lists: none")
			return nil
		}
		fmt.Fprintln(e.stdout, "Price lists:")
		t := newTable(e.stdout, "  ID", "NAME", "TYPE", "STATUS", "WINDOW")
		for _, pl := range lists {
			t.row("  "+pl.ID, pl.Name, string(pl.Type), string(pl.Status), window(pl.StartsAt, pl.EndsAt))
		}
		return t.flush()
	})
}
