// Package httpapi puts the pricing library on HTTP for a host application: a handler
// of admin routes for customer groups, memberships, price lists and prices, a
// storefront handler that prices a variant or a cart, and the status and body of any
// error the library returns (Error, WriteError) for a host's own handlers.
//
// The handlers authenticate no one. A host mounts each behind its own middleware:
// the admin routes behind its admin authentication, the storefront route behind its
// session, which tells the handler who the shopper is ([Options.CustomerID]).
//
//	mux := http.NewServeMux()
//	mux.Handle("/admin/", requireAdmin(httpapi.NewAdminHandler(svc, nil)))
//	mux.Handle("/store/", withSession(httpapi.NewStoreHandler(svc, &httpapi.Options{
//		CustomerID: func(r *http.Request) string { return sessionCustomer(r) },
//	})))
//
// The routes have their full paths (/admin/..., /store/...). Under another prefix,
// strip it: mux.Handle("/pricing/", http.StripPrefix("/pricing", h)).
//
// # Routes
//
// They follow Medusa v2's admin API where it has the route, and its bodies: a POST
// to a record updates it, a listing answers {"customer_groups": [...], "count",
// "offset", "limit"}, a DELETE answers {"id", "object", "deleted": true}.
//
//	GET    /admin/customer-groups                    ?q id name customer_id created_at[gte|gt|lt|lte] updated_at[...] order limit offset after
//	POST   /admin/customer-groups                    {"name", "metadata", "id"?}            → {"customer_group"}
//	GET    /admin/customer-groups/{id}                                                      → {"customer_group"}
//	POST   /admin/customer-groups/{id}               {"name"?, "metadata"?}                 → {"customer_group"}
//	DELETE /admin/customer-groups/{id}                                                      → {"id", "object": "customer_group", "deleted": true}
//	GET    /admin/customer-groups/{id}/customers     ?limit offset after                    → {"customers": [{"id"}], "count", "offset", "limit", "next"?}
//	POST   /admin/customer-groups/{id}/customers     {"add": [...], "remove": [...]}        → {"customer_group"}
//	GET    /admin/customer-groups/{id}/price-lists                                          → {"price_lists"}
//	GET    /admin/customers/{id}/customer-groups                                            → {"customer_groups"}
//	PUT    /admin/customers/{id}/customer-groups     {"customer_group_ids": [...]}          → {"customer_groups"}
//	GET    /admin/price-lists                        ?q id status type customer_group_id customer_id channel_id active_at created_at[...] updated_at[...] order limit offset after
//	POST   /admin/price-lists                        pricing.NewPriceList                   → {"price_list", "prices"}
//	GET    /admin/price-lists/{id}                                                          → {"price_list"}
//	POST   /admin/price-lists/{id}                   pricing.PriceListUpdate                → {"price_list"}
//	DELETE /admin/price-lists/{id}                                                          → {"id", "object": "price_list", "deleted": true}
//	GET    /admin/price-lists/{id}/prices            ?variant_id currency_code region_id limit offset after → {"prices", "count", "offset", "limit", "next"?}
//	POST   /admin/price-lists/{id}/prices            {"prices": [...], "replace"?}          → {"prices"}
//	POST   /admin/price-lists/{id}/prices/batch      {"create", "update", "delete"}         → {"created", "updated", "deleted": {"ids", "object": "price", "deleted": true}}
//	POST   /admin/price-lists/{id}/variants          {"remove": [variant IDs]}              → {"price_list", "prices_deleted"}
//	GET    /admin/prices                             ?price_list_id base_only variant_id currency_code region_id limit offset after → {"prices", "count", "offset", "limit", "next"?}
//	GET    /admin/prices/{id}                                                               → {"price"}
//	POST   /admin/prices/resolve                     pricing.Query and {"items"}            → {"prices": [pricing.Resolution]}
//	GET    /admin/variants/{id}/prices                                                      → {"prices"}: the base prices
//	PUT    /admin/variants/{id}/prices               {"prices": [...]}                      → {"prices"}: replaces the base prices
//	POST   /store/prices                             {"currency_code", "region_id"?, "items": [{"variant_id", "quantity"}], "explain"?} → {"prices": [pricing.Resolution]}
//
// Records are the library's JSON forms (see package pricing): snake_case, amounts in
// integer minor units (2000 is $20.00; Medusa v2 takes major units), absent times
// null. Adding prices to a list upserts them by key; the batch is strict and runs in
// one transaction, as do the changes of a group's customers. Bodies may spell a
// price list in Medusa's names as well: "title" for "name", "rules":
// {"customer_group_id": [...]} for "customer_group_ids", and a price's "rules":
// {"region_id": "..."} for "region_id"; any other rule is refused, since ignoring it
// would give the prices to more shoppers than meant.
//
// # Requests and errors
//
// A body is one JSON object sent with Content-Type: application/json (else 415: a
// browser cannot send that across origins without asking first), at most
// [Options.MaxBodyBytes] (else 413). A member or query parameter that the route does
// not take is refused, so that a misspelling is an error rather than an ignored
// filter or field. Listings take limit (default 50, at most [Options.MaxLimit]) and
// offset, and after: the "next" of a previous page of the same listing (and order),
// which every listing answers, beyond Medusa, when a match follows its page; the next
// page starts after it, then skips offset (a group's customers take after or an
// offset, not both, and a page of them at an offset has no next). A cursor holds its
// place when records before it are added or deleted, and is cheaper than a deep offset
// (see package pricing, Listing).
//
// Every error has an [ErrorBody]: the library's errors as [Error] classifies them,
// and 400 invalid_data for a body or query that does not decode, naming the member
// by its path in the request ("prices[3].amount"). A path the handler has no route
// for is 404 not_found, a method it does not serve there 405 not_allowed with an Allow
// header. A 500 says only "internal error"; the error goes to [Options.Logger].
//
// # Storefront
//
// POST /store/prices prices each item for the shopper: the customer comes from
// [Options.CustomerID] (anonymous without it), the tax rate from [Options.TaxRate],
// the instant is now. A body that names a customer, groups, an instant or a tax rate
// is refused. "explain": true adds the explanation a shopper may see
// (pricing.Query.ExplainVisible): base prices and the lists that apply to them, never
// other groups' prices or scheduled sales. The admin route POST /admin/prices/resolve
// takes the whole pricing.Query, the full explanation included.
package httpapi
