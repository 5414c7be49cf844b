package httpapi

import (
	"net/http"

	"github.com/commercekit/pricing"
)

// The routes of customer groups and their customers.
func (h *handler) groupRoutes() {
	h.handle("GET /admin/customer-groups", h.listGroups)
	h.handle("POST /admin/customer-groups", h.createGroup)
	h.handle("GET /admin/customer-groups/{id}", h.getGroup)
	h.handle("POST /admin/customer-groups/{id}", h.updateGroup)
	h.handle("DELETE /admin/customer-groups/{id}", h.deleteGroup)
	h.handle("GET /admin/customer-groups/{id}/customers", h.groupCustomers)
	h.handle("POST /admin/customer-groups/{id}/customers", h.changeCustomers)
	h.handle("GET /admin/customer-groups/{id}/price-lists", h.groupPriceLists)
	h.handle("GET /admin/customers/{id}/customer-groups", h.customerGroups)
	h.handle("PUT /admin/customers/{id}/customer-groups", h.setCustomerGroups)
}

// groupResponse is the body of a route that answers with one group, as Medusa's.
type groupResponse struct {
	CustomerGroup pricing.CustomerGroup `json:"customer_group"`
}

// groupsResponse is the body of a route that answers with groups; a listing adds the
// page.
type groupsResponse struct {
	CustomerGroups []pricing.CustomerGroup `json:"customer_groups"`
	*pageInfo
}

// pageInfo is the page of a listing, as Medusa gives it: the count of every match,
// and the offset and limit of the request; next, beyond Medusa, is the cursor of the
// next page, for the after parameter, when a match follows the page.
type pageInfo struct {
	Count  int    `json:"count"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
	Next   string `json:"next,omitempty"`
}

// deleteResponse is the body of a DELETE, as Medusa's.
type deleteResponse struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

func (h *handler) listGroups(r *http.Request) (any, error) {
	p := newParams(r, &h.opts)
	f := pricing.CustomerGroupFilter{
		Q: p.str("q"), IDs: p.list("id"), Names: p.list("name"), CustomerID: p.str("customer_id"),
		CreatedAt: p.timeRange("created_at"), UpdatedAt: p.timeRange("updated_at"), Order: p.str("order"),
		After: p.str("after"),
	}
	f.Limit, f.Offset = p.page()
	if err := p.err(); err != nil {
		return nil, err
	}
	pg, err := h.svc.ListCustomerGroupsPage(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return groupsResponse{nonNil(pg.CustomerGroups), &pageInfo{pg.Count, f.Offset, f.Limit, pg.Next}}, nil
}

func (h *handler) createGroup(r *http.Request) (any, error) {
	var in pricing.NewCustomerGroup
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	g, err := h.svc.CreateCustomerGroup(r.Context(), in)
	if err != nil {
		return nil, err
	}
	return groupResponse{g}, nil
}

func (h *handler) getGroup(r *http.Request) (any, error) {
	g, err := h.svc.CustomerGroup(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return groupResponse{g}, nil
}

func (h *handler) updateGroup(r *http.Request) (any, error) {
	var upd pricing.CustomerGroupUpdate
	if err := decodeBody(r, &upd); err != nil {
		return nil, err
	}
	g, err := h.svc.UpdateCustomerGroup(r.Context(), r.PathValue("id"), upd)
	if err != nil {
		return nil, err
	}
	return groupResponse{g}, nil
}

func (h *handler) deleteGroup(r *http.Request) (any, error) {
	id := r.PathValue("id")
	if err := h.svc.DeleteCustomerGroup(r.Context(), id); err != nil {
		return nil, err
	}
	return deleteResponse{id, "customer_group", true}, nil
}

// customerRef is a customer in a listing of a group's customers: the library knows
// customers by ID only, and Medusa lists them as objects.
type customerRef struct {
	ID string `json:"id"`
}

func (h *handler) groupCustomers(r *http.Request) (any, error) {
	p := newParams(r, &h.opts)
	limit, offset := p.page()
	after := p.str("after")
	if after != "" && offset != 0 {
		p.fail("offset", "cannot be combined with after")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	// A page from the first customer or from a cursor comes with the next cursor; one
	// at an offset does not.
	var pg pricing.CustomerPage
	var err error
	if offset == 0 {
		pg, err = h.svc.GroupCustomersAfter(r.Context(), r.PathValue("id"), after, limit)
	} else {
		pg.CustomerIDs, pg.Count, err = h.svc.GroupCustomers(r.Context(), r.PathValue("id"), limit, offset)
	}
	if err != nil {
		return nil, err
	}
	customers := make([]customerRef, len(pg.CustomerIDs))
	for i, id := range pg.CustomerIDs {
		customers[i] = customerRef{id}
	}
	return struct {
		Customers []customerRef `json:"customers"`
		pageInfo
	}{customers, pageInfo{pg.Count, offset, limit, pg.Next}}, nil
}

// changeCustomersBody is Medusa's body for managing a group's customers.
type changeCustomersBody struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

func (h *handler) changeCustomers(r *http.Request) (any, error) {
	var in changeCustomersBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if err := h.svc.ChangeCustomers(r.Context(), id, in.Add, in.Remove); err != nil {
		return nil, err
	}
	return h.getGroup(r)
}

func (h *handler) groupPriceLists(r *http.Request) (any, error) {
	lists, err := h.svc.PriceListsOfGroup(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return priceListsResponse{PriceLists: nonNil(lists)}, nil
}

func (h *handler) customerGroups(r *http.Request) (any, error) {
	groups, err := h.svc.CustomerGroupsOf(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, renamed(err, map[string]string{"customer_id": "id"})
	}
	return groupsResponse{CustomerGroups: nonNil(groups)}, nil
}

// setCustomerGroupsBody is the body that replaces a customer's groups.
type setCustomerGroupsBody struct {
	CustomerGroupIDs []string `json:"customer_group_ids"`
}

func (h *handler) setCustomerGroups(r *http.Request) (any, error) {
	var in setCustomerGroupsBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	if err := h.svc.SetCustomerGroups(r.Context(), r.PathValue("id"), in.CustomerGroupIDs); err != nil {
		return nil, renamed(err, map[string]string{"customer_id": "id", "group_ids": "customer_group_ids"})
	}
	return h.customerGroups(r)
}

// nonNil returns s, or an empty slice for nil, so that JSON has [] and not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
