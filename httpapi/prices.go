package httpapi

import (
	"net/http"

	"github.com/commercekit/pricing"
)

// The routes of prices outside a list: listings, one price, a variant's base prices,
// and the merchant's resolution.
func (h *handler) priceRoutes() {
	h.handle("GET /admin/prices", h.listAllPrices)
	h.handle("GET /admin/prices/{id}", h.getPrice)
	h.handle("POST /admin/prices/resolve", h.adminResolve)
	h.handle("GET /admin/variants/{id}/prices", h.basePrices)
	h.handle("PUT /admin/variants/{id}/prices", h.setBasePrices)
}

func (h *handler) listAllPrices(r *http.Request) (any, error) {
	p := newParams(r, &h.opts)
	f := pricing.PriceFilter{
		PriceListID: p.str("price_list_id"), BaseOnly: p.boolean("base_only"), VariantIDs: p.list("variant_id"),
		CurrencyCode: p.str("currency_code"), RegionID: p.str("region_id"), After: p.str("after"),
	}
	f.Limit, f.Offset = p.page()
	if err := p.err(); err != nil {
		return nil, err
	}
	return h.listPrices(r, f)
}

func (h *handler) getPrice(r *http.Request) (any, error) {
	p, err := h.svc.Price(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return struct {
		Price pricing.Price `json:"price"`
	}{p}, nil
}

func (h *handler) basePrices(r *http.Request) (any, error) {
	prices, err := h.svc.BasePrices(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return pricesResponse{Prices: nonNil(prices)}, nil
}

// setBasePricesBody is the body that replaces a variant's base prices.
type setBasePricesBody struct {
	Prices []priceBody `json:"prices"`
}

func (h *handler) setBasePrices(r *http.Request) (any, error) {
	var in setBasePricesBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var a aliases
	prices := a.prices("prices", in.Prices)
	if err := a.err(); err != nil {
		return nil, err
	}
	out, err := h.svc.SetBasePrices(r.Context(), r.PathValue("id"), prices)
	if err != nil {
		a.rename("variant_id", "id")
		return nil, renamed(err, a.renames)
	}
	return pricesResponse{Prices: nonNil(out)}, nil
}

// adminResolveBody is the merchant's query: every member of pricing.Query (the
// customer, explicit groups, an instant, a tax rate, the full explanation) and the
// items to price.
type adminResolveBody struct {
	pricing.Query
	Items []pricing.Item `json:"items"`
}

// resolveResponse is the body of a resolution: one price per item, in order.
type resolveResponse struct {
	Prices []pricing.Resolution `json:"prices"`
}

func (h *handler) adminResolve(r *http.Request) (any, error) {
	var in adminResolveBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	res, err := h.svc.ResolveMany(r.Context(), in.Query, in.Items)
	if err != nil {
		return nil, err
	}
	return resolveResponse{nonNil(res)}, nil
}
