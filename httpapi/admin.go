package httpapi

import (
	"net/http"

	"github.com/commercekit/pricing"
)

// NewAdminHandler returns the merchant's handler over svc: the routes under /admin/
// for customer groups, memberships, price lists, prices, and resolution with the full
// explanation. It authenticates no one: mount it behind the host's admin
// authentication.
func NewAdminHandler(svc *pricing.Service, opts *Options) http.Handler {
	h := newHandler(svc, opts)
	h.groupRoutes()
	h.priceListRoutes()
	h.priceRoutes()
	return h
}
