package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/commercekit/pricing"
)

// The routes of price lists and their prices.
func (h *handler) priceListRoutes() {
	h.handle("GET /admin/price-lists", h.listPriceLists)
	h.handle("POST /admin/price-lists", h.createPriceList)
	h.handle("GET /admin/price-lists/{id}", h.getPriceList)
	h.handle("POST /admin/price-lists/{id}", h.updatePriceList)
	h.handle("DELETE /admin/price-lists/{id}", h.deletePriceList)
	h.handle("GET /admin/price-lists/{id}/prices", h.listPriceListPrices)
	h.handle("POST /admin/price-lists/{id}/prices", h.addPrices)
	h.handle("POST /admin/price-lists/{id}/prices/batch", h.batchPrices)
	h.handle("POST /admin/price-lists/{id}/variants", h.removeVariants)
}

// priceListResponse is the body of a route that answers with one list, as Medusa's;
// creating a list also answers with its prices.
type priceListResponse struct {
	PriceList pricing.PriceList `json:"price_list"`
	Prices    []pricing.Price   `json:"prices,omitempty"`
}

// priceListsResponse is the body of a route that answers with lists; a listing adds
// the page.
type priceListsResponse struct {
	PriceLists []pricing.PriceList `json:"price_lists"`
	*pageInfo
}

// pricesResponse is the body of a route that answers with prices; a listing adds the
// page.
type pricesResponse struct {
	Prices []pricing.Price `json:"prices"`
	*pageInfo
}

func (h *handler) listPriceLists(r *http.Request) (any, error) {
	p := newParams(r, &h.opts)
	f := pricing.PriceListFilter{
		Q: p.str("q"), IDs: p.list("id"), CustomerGroupIDs: p.list("customer_group_id"),
		CustomerIDs: p.list("customer_id"), ChannelIDs: p.list("channel_id"),
		ActiveAt: p.instant("active_at"), CreatedAt: p.timeRange("created_at"), UpdatedAt: p.timeRange("updated_at"),
		Order: p.str("order"), After: p.str("after"),
	}
	for _, s := range p.list("status") {
		f.Statuses = append(f.Statuses, pricing.PriceListStatus(s))
	}
	for _, t := range p.list("type") {
		f.Types = append(f.Types, pricing.PriceListType(t))
	}
	f.Limit, f.Offset = p.page()
	if err := p.err(); err != nil {
		return nil, err
	}
	pg, err := h.svc.ListPriceListsPage(r.Context(), f)
	if err != nil {
		return nil, renamed(err, map[string]string{"statuses": "status", "types": "type"})
	}
	return priceListsResponse{nonNil(pg.PriceLists), &pageInfo{pg.Count, f.Offset, f.Limit, pg.Next}}, nil
}

// priceBody is a price in a request: the library's PriceInput, or Medusa's, which
// gives the region as a rule: "rules": {"region_id": "reg_1"}.
type priceBody struct {
	pricing.PriceInput
	Rules map[string]string `json:"rules"`
}

// newPriceListBody is the body that creates a list: the library's NewPriceList, or
// Medusa's, which names the list "title" and its audience
// "rules": {"customer_group_id": [...]}.
type newPriceListBody struct {
	pricing.NewPriceList
	Title  *string             `json:"title"`
	Rules  map[string][]string `json:"rules"`
	Prices []priceBody         `json:"prices"`
}

// aliases collects what a request spells in Medusa's names: the library's input is
// filled in, the errors of the Service are renamed to the request's paths, and a name
// given twice, or a rule the library does not have, is an error.
type aliases struct {
	renames map[string]string
	fields  []FieldError
}

func (a *aliases) rename(from, to string) {
	if a.renames == nil {
		a.renames = map[string]string{}
	}
	a.renames[from] = to
}

// title reports whether Medusa's title names the list; nameGiven says whether the
// request gives the library's name too, which is an error.
func (a *aliases) title(title *string, nameGiven bool) bool {
	if title == nil {
		return false
	}
	if nameGiven {
		a.fields = append(a.fields, FieldError{Field: "title", Reason: "give name or title, not both"})
		return false
	}
	a.rename("name", "title")
	return true
}

// listRules takes Medusa's rules of a list: customer_group_id, the audience. It
// reports whether the rules set the audience.
func (a *aliases) listRules(rules map[string][]string, ids []string, given bool) ([]string, bool) {
	if rules == nil {
		return ids, given
	}
	for _, k := range sortedKeys(rules) {
		if k != "customer_group_id" {
			a.fields = append(a.fields, FieldError{Field: "rules." + k, Reason: "unknown rule; a list's only rule is customer_group_id"})
		}
	}
	groups, ok := rules["customer_group_id"]
	if !ok {
		return ids, given
	}
	if given {
		a.fields = append(a.fields, FieldError{Field: "rules.customer_group_id", Reason: "give customer_group_ids or rules.customer_group_id, not both"})
		return ids, given
	}
	a.rename("customer_group_ids", "rules.customer_group_id")
	return nonNil(groups), true
}

// prices returns the library's inputs for prices of a request at path ("prices",
// "create"): Medusa's rule region_id becomes the RegionID.
func (a *aliases) prices(path string, in []priceBody) []pricing.PriceInput {
	if in == nil {
		return nil
	}
	out := make([]pricing.PriceInput, len(in))
	for i, p := range in {
		at := fmt.Sprintf("%s[%d]", path, i)
		for _, k := range sortedKeys(p.Rules) {
			switch {
			case k != "region_id":
				a.fields = append(a.fields, FieldError{Field: at + ".rules." + k, Reason: "unknown rule; a price's only rule is region_id"})
			case p.RegionID != "":
				a.fields = append(a.fields, FieldError{Field: at + ".rules.region_id", Reason: "give region_id or rules.region_id, not both"})
			default:
				p.RegionID = p.Rules[k]
				a.rename(at+".region_id", at+".rules.region_id")
			}
		}
		out[i] = p.PriceInput
	}
	return out
}

// err returns the errors of the aliases as a 400, nil when there are none.
func (a *aliases) err() error {
	if len(a.fields) == 0 {
		return nil
	}
	return invalid("invalid "+a.fields[0].Field+": "+a.fields[0].Reason, a.fields...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (h *handler) createPriceList(r *http.Request) (any, error) {
	var in newPriceListBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var a aliases
	nl := in.NewPriceList
	if a.title(in.Title, nl.Name != "") {
		nl.Name = *in.Title
	}
	nl.CustomerGroupIDs, _ = a.listRules(in.Rules, nl.CustomerGroupIDs, nl.CustomerGroupIDs != nil)
	nl.Prices = a.prices("prices", in.Prices)
	if err := a.err(); err != nil {
		return nil, err
	}
	pl, prices, err := h.svc.CreatePriceListWithPrices(r.Context(), nl)
	if err != nil {
		return nil, renamed(err, a.renames)
	}
	return priceListResponse{pl, nonNil(prices)}, nil
}

func (h *handler) getPriceList(r *http.Request) (any, error) {
	pl, err := h.svc.PriceList(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return priceListResponse{PriceList: pl}, nil
}

// optional is a member of a request body that may be missing, null or set.
type optional[T any] struct {
	set bool
	v   T // the zero value for null
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		return nil
	}
	err := json.Unmarshal(b, &o.v)
	if typ, ok := err.(*json.UnmarshalTypeError); ok {
		typ.Offset = -1 // an offset in b, not in the body: typePath must not use it
	}
	return err
}

// priceListUpdateBody is the body that updates a list: the members of the library's
// PriceListUpdate, with its rules for null (null clears a bound, and null for
// customer_group_ids opens the list to everyone), or Medusa's title and rules. A
// missing member leaves its field unchanged; so do rules without customer_group_id.
type priceListUpdateBody struct {
	Name             *string                  `json:"name"`
	Title            *string                  `json:"title"`
	Description      *string                  `json:"description"`
	Type             *pricing.PriceListType   `json:"type"`
	Status           *pricing.PriceListStatus `json:"status"`
	StartsAt         optional[time.Time]      `json:"starts_at"`
	EndsAt           optional[time.Time]      `json:"ends_at"`
	CustomerGroupIDs optional[[]string]       `json:"customer_group_ids"`
	Rules            map[string][]string      `json:"rules"`
	IncludesTax      *bool                    `json:"includes_tax"`
	Metadata         map[string]any           `json:"metadata"`
}

func (h *handler) updatePriceList(r *http.Request) (any, error) {
	var in priceListUpdateBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var a aliases
	upd := pricing.PriceListUpdate{
		Name: in.Name, Description: in.Description, Type: in.Type, Status: in.Status,
		IncludesTax: in.IncludesTax, Metadata: in.Metadata,
	}
	if a.title(in.Title, in.Name != nil) {
		upd.Name = in.Title
	}
	if in.StartsAt.set {
		upd.StartsAt = &in.StartsAt.v
	}
	if in.EndsAt.set {
		upd.EndsAt = &in.EndsAt.v
	}
	if groups, ok := a.listRules(in.Rules, in.CustomerGroupIDs.v, in.CustomerGroupIDs.set); ok {
		groups = nonNil(groups)
		upd.CustomerGroupIDs = &groups
	}
	if err := a.err(); err != nil {
		return nil, err
	}
	pl, err := h.svc.UpdatePriceList(r.Context(), r.PathValue("id"), upd)
	if err != nil {
		return nil, renamed(err, a.renames)
	}
	return priceListResponse{PriceList: pl}, nil
}

func (h *handler) deletePriceList(r *http.Request) (any, error) {
	id := r.PathValue("id")
	if err := h.svc.DeletePriceList(r.Context(), id); err != nil {
		return nil, err
	}
	return deleteResponse{id, "price_list", true}, nil
}

func (h *handler) listPriceListPrices(r *http.Request) (any, error) {
	p := newParams(r, &h.opts)
	f := pricing.PriceFilter{
		PriceListID: r.PathValue("id"), VariantIDs: p.list("variant_id"),
		CurrencyCode: p.str("currency_code"), RegionID: p.str("region_id"), After: p.str("after"),
	}
	f.Limit, f.Offset = p.page()
	if err := p.err(); err != nil {
		return nil, err
	}
	if _, err := h.svc.PriceList(r.Context(), f.PriceListID); err != nil {
		return nil, err
	}
	return h.listPrices(r, f)
}

// listPrices answers with the page of prices f selects.
func (h *handler) listPrices(r *http.Request, f pricing.PriceFilter) (any, error) {
	pg, err := h.svc.ListPricesPage(r.Context(), f)
	if err != nil {
		return nil, renamed(err, map[string]string{"variant_ids": "variant_id"})
	}
	return pricesResponse{nonNil(pg.Prices), &pageInfo{pg.Count, f.Offset, f.Limit, pg.Next}}, nil
}

// addPricesBody is the body that adds prices to a list, or updates those whose key
// (variant, currency, region, quantities) exists; with replace, the list's other
// prices are deleted.
type addPricesBody struct {
	Prices  []priceBody `json:"prices"`
	Replace bool        `json:"replace"`
}

func (h *handler) addPrices(r *http.Request) (any, error) {
	var in addPricesBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var a aliases
	prices := a.prices("prices", in.Prices)
	if err := a.err(); err != nil {
		return nil, err
	}
	out, err := h.svc.AddPrices(r.Context(), r.PathValue("id"), prices, in.Replace)
	if err != nil {
		return nil, renamed(err, a.renames)
	}
	return pricesResponse{Prices: nonNil(out)}, nil
}

// batchBody is Medusa's body of a batch of a list's prices.
type batchBody struct {
	Create []priceBody `json:"create"`
	Update []priceBody `json:"update"`
	Delete []string    `json:"delete"`
}

// batchResponse is Medusa's answer to a batch: the prices created and updated, and
// the IDs of the prices deleted (those of the batch that were prices of the list).
type batchResponse struct {
	Created []pricing.Price `json:"created"`
	Updated []pricing.Price `json:"updated"`
	Deleted batchDeleted    `json:"deleted"`
}

type batchDeleted struct {
	IDs     []string `json:"ids"`
	Object  string   `json:"object"`
	Deleted bool     `json:"deleted"`
}

func (h *handler) batchPrices(r *http.Request) (any, error) {
	var in batchBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var a aliases
	b := pricing.PriceBatch{Create: a.prices("create", in.Create), Update: a.prices("update", in.Update), Delete: in.Delete}
	if err := a.err(); err != nil {
		return nil, err
	}
	res, err := h.svc.BatchPrices(r.Context(), r.PathValue("id"), b)
	if err != nil {
		return nil, renamed(err, a.renames)
	}
	return batchResponse{nonNil(res.Created), nonNil(res.Updated), batchDeleted{nonNil(res.Deleted), "price", true}}, nil
}

// removeVariantsBody is the body that deletes a list's prices of some variants, in the
// shape of Medusa's route for a list's products.
type removeVariantsBody struct {
	Remove []string `json:"remove"`
}

func (h *handler) removeVariants(r *http.Request) (any, error) {
	var in removeVariantsBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	n, err := h.svc.DeleteVariantPrices(r.Context(), id, in.Remove)
	if err != nil {
		return nil, renamed(err, map[string]string{"variant_ids": "remove"})
	}
	pl, err := h.svc.PriceList(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return struct {
		PriceList     pricing.PriceList `json:"price_list"`
		PricesDeleted int               `json:"prices_deleted"`
	}{pl, n}, nil
}
