package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/commercekit/pricing"
)

// NewStoreHandler returns the storefront's handler over svc: POST /store/prices, which
// prices a variant or a cart for the shopper of the request. The shopper is who
// opts.CustomerID says, never who the body says: a body has no customer, no groups,
// no channel, no instant and no tax rate, and an explanation shows only what the shopper may see
// (pricing.Query.ExplainVisible). Mount it behind the host's storefront middleware.
func NewStoreHandler(svc *pricing.Service, opts *Options) http.Handler {
	h := newHandler(svc, opts)
	h.handle("POST /store/prices", h.storePrices)
	return h
}

// storePricesBody is a shopper's question: these items, in this currency and region.
// Explain asks for the explanation a shopper may see.
type storePricesBody struct {
	CurrencyCode string         `json:"currency_code"`
	RegionID     string         `json:"region_id"`
	Items        []pricing.Item `json:"items"`
	Explain      bool           `json:"explain"`
}

func (h *handler) storePrices(r *http.Request) (any, error) {
	var in storePricesBody
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	q := pricing.Query{CurrencyCode: in.CurrencyCode, RegionID: in.RegionID, ExplainVisible: in.Explain}
	if h.opts.CustomerID != nil {
		q.CustomerID = h.opts.CustomerID(r)
	}
	if h.opts.ChannelID != nil {
		q.ChannelID = h.opts.ChannelID(r)
	}
	if h.opts.TaxRate != nil {
		q.TaxRate = h.opts.TaxRate(r, strings.ToLower(in.CurrencyCode), in.RegionID)
	}
	res, err := h.svc.ResolveMany(r.Context(), q, in.Items)
	if err != nil {
		if field := hostField(err); field != "" {
			// The host's function gave the bad value, not the shopper: a 500, logged.
			return nil, fmt.Errorf("httpapi: the storefront query's %s, from Options, is invalid: %v", field, err)
		}
		return nil, err
	}
	return resolveResponse{nonNil(res)}, nil
}

// hostField returns the first field of an invalid-input error that the host's Options
// gave (CustomerID, ChannelID, TaxRate), or "".
func hostField(err error) string {
	var fields []*pricing.FieldError
	var ve *pricing.ValidationError
	var fe *pricing.FieldError
	if errors.As(err, &ve) {
		fields = ve.Fields
	} else if errors.As(err, &fe) {
		fields = []*pricing.FieldError{fe}
	}
	for _, f := range fields {
		if f.Field == "CustomerID" || f.Field == "ChannelID" || f.Field == "TaxRate" {
			return f.Field
		}
	}
	return ""
}
