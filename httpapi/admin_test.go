package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/httpapi"
)

// adminCase is one request to the admin handler over a fresh fixture: the status and
// the JSON the response must contain, and what the store must hold afterwards.
type adminCase struct {
	name         string
	method, path string
	body         string
	status       int
	want         string                     // JSON that the body must contain; "" checks nothing
	check        func(t *testing.T, e *env) // side effects, nil for none
}

func TestAdminCustomerGroups(t *testing.T) {
	runAdmin(t, []adminCase{
		{name: "list, newest first then by ID descending, Medusa's page", method: "GET", path: "/admin/customer-groups", status: 200,
			want: `{"customer_groups": [{"id": "wholesale", "name": "Wholesale", "metadata": {"tier": "b2b"}, "created_at": "2026-01-01T00:00:00Z"}, {"id": "vip"}, {"id": "empty"}],
				"count": 3, "offset": 0, "limit": 50}`},
		{name: "list by free text", method: "GET", path: "/admin/customer-groups?q=SALE", status: 200,
			want: `{"customer_groups": [{"id": "wholesale"}], "count": 1}`},
		{name: "list by IDs in Medusa's array form, by name", method: "GET", path: "/admin/customer-groups?id[]=vip&id[]=empty&id[]=ghost&order=name", status: 200,
			want: `{"customer_groups": [{"name": "Nobody yet"}, {"name": "VIP"}], "count": 2}`},
		{name: "list by repeated names", method: "GET", path: "/admin/customer-groups?name=vip&name=WHOLESALE&order=-name", status: 200,
			want: `{"customer_groups": [{"id": "wholesale"}, {"id": "vip"}]}`},
		{name: "list the groups of a customer", method: "GET", path: "/admin/customer-groups?customer_id=cus_ada", status: 200,
			want: `{"customer_groups": [{"id": "vip"}], "count": 1}`},
		{name: "list a page", method: "GET", path: "/admin/customer-groups?limit=1&offset=1", status: 200,
			want: `{"customer_groups": [{"id": "vip"}], "count": 3, "offset": 1, "limit": 1}`},
		{name: "list by creation time", method: "GET", path: "/admin/customer-groups?created_at[gt]=2026-01-01T00:00:00Z", status: 200,
			want: `{"customer_groups": [], "count": 0}`},
		{name: "list by creation time, inclusive", method: "GET", path: "/admin/customer-groups?created_at[gte]=2026-01-01T00:00:00Z&created_at[lte]=2026-01-01T00:00:00Z", status: 200,
			want: `{"count": 3}`},
		{name: "list with a bad order", method: "GET", path: "/admin/customer-groups?order=size", status: 400,
			want: `{"type": "invalid_data", "fields": [{"field": "order"}]}`},
		{name: "list with bad paging and an unknown parameter", method: "GET", path: "/admin/customer-groups?limit=0&offset=-1&limt=5", status: 400,
			want: `{"type": "invalid_data", "fields": [{"field": "limit", "reason": "want 1 to 1000"}, {"field": "offset", "reason": "negative"}, {"field": "limt", "reason": "unknown query parameter"}]}`},
		{name: "list with a limit over the maximum", method: "GET", path: "/admin/customer-groups?limit=1001", status: 400,
			want: `{"fields": [{"field": "limit"}]}`},
		{name: "list with a bad time and a repeated scalar", method: "GET", path: "/admin/customer-groups?updated_at[lt]=yesterday&q=a&q=b", status: 400,
			want: `{"fields": [{"field": "q", "reason": "given more than once"}, {"field": "updated_at[lt]"}]}`},

		{name: "create", method: "POST", path: "/admin/customer-groups", body: `{"name": " Frequent buyers ", "metadata": {"since": 2020}}`, status: 200,
			want:  `{"customer_group": {"id": "id_0001", "name": "Frequent buyers", "metadata": {"since": 2020}, "created_at": "2026-01-01T00:00:00Z"}}`,
			check: func(t *testing.T, e *env) { mustGroup(t, e, "id_0001", "Frequent buyers") }},
		{name: "create with an ID", method: "POST", path: "/admin/customer-groups", body: `{"id": "gold", "name": "Gold"}`, status: 200,
			want: `{"customer_group": {"id": "gold"}}`},
		{name: "create a taken name, in another case", method: "POST", path: "/admin/customer-groups", body: `{"name": "vip"}`, status: 409,
			want: `{"type": "duplicate_error"}`},
		{name: "create without a name", method: "POST", path: "/admin/customer-groups", body: `{"metadata": null}`, status: 400,
			want: `{"type": "invalid_data", "fields": [{"field": "name", "reason": "required"}]}`},
		{name: "create with a misspelled member", method: "POST", path: "/admin/customer-groups", body: `{"nmae": "x"}`, status: 400,
			want: `{"fields": [{"field": "nmae", "reason": "unknown field"}]}`},
		{name: "create with a name of the wrong type", method: "POST", path: "/admin/customer-groups", body: `{"name": 5}`, status: 400,
			want: `{"fields": [{"field": "name", "reason": "want a string, got number"}]}`},

		{name: "get", method: "GET", path: "/admin/customer-groups/vip", status: 200, want: `{"customer_group": {"id": "vip", "name": "VIP", "metadata": null}}`},
		{name: "get a missing group", method: "GET", path: "/admin/customer-groups/ghost", status: 404, want: `{"type": "not_found"}`},
		{name: "update merges metadata", method: "POST", path: "/admin/customer-groups/wholesale", body: `{"name": "Trade", "metadata": {"tier": "", "net": 30}}`, status: 200,
			want:  `{"customer_group": {"id": "wholesale", "name": "Trade", "metadata": {"net": 30}}}`,
			check: func(t *testing.T, e *env) { mustGroup(t, e, "wholesale", "Trade") }},
		{name: "update a missing group", method: "POST", path: "/admin/customer-groups/ghost", body: `{"name": "x"}`, status: 404},
		{name: "delete", method: "DELETE", path: "/admin/customer-groups/empty", status: 200,
			want: `{"id": "empty", "object": "customer_group", "deleted": true}`,
			check: func(t *testing.T, e *env) {
				if _, err := e.Service.CustomerGroup(context.Background(), "empty"); !errors.Is(err, pricing.ErrNotFound) {
					t.Errorf("the group is still there: %v", err)
				}
			}},
		{name: "delete a missing group is not an error", method: "DELETE", path: "/admin/customer-groups/ghost", status: 200,
			want: `{"id": "ghost", "deleted": true}`},
		{name: "delete a group that a list names", method: "DELETE", path: "/admin/customer-groups/wholesale", status: 409,
			want: `{"type": "conflict"}`, check: func(t *testing.T, e *env) { mustGroup(t, e, "wholesale", "Wholesale") }},

		{name: "a group's customers", method: "GET", path: "/admin/customer-groups/wholesale/customers", status: 200,
			want: `{"customers": [{"id": "cus_acme"}, {"id": "cus_bolt"}], "count": 2, "offset": 0, "limit": 50}`},
		{name: "a page of a group's customers", method: "GET", path: "/admin/customer-groups/wholesale/customers?limit=1&offset=1", status: 200,
			want: `{"customers": [{"id": "cus_bolt"}], "count": 2, "offset": 1, "limit": 1}`},
		{name: "the customers of a missing group", method: "GET", path: "/admin/customer-groups/ghost/customers", status: 404},
		{name: "add and remove customers", method: "POST", path: "/admin/customer-groups/wholesale/customers",
			body: `{"add": ["cus_new", "cus_acme"], "remove": ["cus_bolt", "cus_never"]}`, status: 200,
			want:  `{"customer_group": {"id": "wholesale"}}`,
			check: func(t *testing.T, e *env) { mustMembers(t, e, "wholesale", "cus_acme", "cus_new") }},
		{name: "add and remove: one bad ID, and nothing changes", method: "POST", path: "/admin/customer-groups/wholesale/customers",
			body: `{"add": ["cus_new"], "remove": ["cus_bolt", ""]}`, status: 400,
			want:  `{"fields": [{"field": "remove[1]", "reason": "required"}]}`,
			check: func(t *testing.T, e *env) { mustMembers(t, e, "wholesale", "cus_acme", "cus_bolt") }},
		{name: "add and remove the same customer", method: "POST", path: "/admin/customer-groups/wholesale/customers",
			body: `{"add": ["cus_x"], "remove": ["cus_x"]}`, status: 400, want: `{"fields": [{"field": "remove[0]"}]}`},
		{name: "add customers to a missing group", method: "POST", path: "/admin/customer-groups/ghost/customers", body: `{"add": ["c"]}`, status: 404},
		{name: "the lists that name a group", method: "GET", path: "/admin/customer-groups/wholesale/price-lists", status: 200,
			want: `{"price_lists": [{"id": "pl_wholesale", "customer_group_ids": ["wholesale"]}]}`},

		{name: "a customer's groups", method: "GET", path: "/admin/customers/cus_acme/customer-groups", status: 200,
			want: `{"customer_groups": [{"id": "wholesale"}]}`},
		{name: "an unknown customer has no group", method: "GET", path: "/admin/customers/cus_nobody/customer-groups", status: 200,
			want: `{"customer_groups": []}`},
		{name: "set a customer's groups", method: "PUT", path: "/admin/customers/cus_acme/customer-groups", body: `{"customer_group_ids": ["vip", "empty"]}`, status: 200,
			want:  `{"customer_groups": [{"id": "vip"}, {"id": "empty"}]}`,
			check: func(t *testing.T, e *env) { mustMembers(t, e, "wholesale", "cus_bolt") }},
		{name: "set a customer's groups to an unknown one", method: "PUT", path: "/admin/customers/cus_acme/customer-groups", body: `{"customer_group_ids": ["ghost"]}`, status: 404,
			check: func(t *testing.T, e *env) { mustMembers(t, e, "wholesale", "cus_acme", "cus_bolt") }},
		{name: "set a customer's groups with an empty ID", method: "PUT", path: "/admin/customers/cus_acme/customer-groups", body: `{"customer_group_ids": ["vip", ""]}`, status: 400,
			want: `{"fields": [{"field": "customer_group_ids[1]", "reason": "required"}]}`},
	})
}

func TestAdminPriceLists(t *testing.T) {
	runAdmin(t, []adminCase{
		{name: "list", method: "GET", path: "/admin/price-lists", status: 200,
			want: `{"count": 4, "offset": 0, "limit": 50, "price_lists": [{"id": "pl_wholesale"}, {"id": "pl_vip"}, {"id": "pl_spring", "starts_at": "2026-03-01T00:00:00Z"}, {"id": "pl_draft", "starts_at": null}]}`},
		{name: "list by status and type", method: "GET", path: "/admin/price-lists?status=active&type=sale", status: 200,
			want: `{"price_lists": [{"id": "pl_vip"}, {"id": "pl_spring"}]}`},
		{name: "list by a bad status", method: "GET", path: "/admin/price-lists?status[0]=active&status[1]=live", status: 400,
			want: `{"fields": [{"field": "status[1]", "reason": "unknown status \"live\""}]}`},
		{name: "list the lists that apply at an instant", method: "GET", path: "/admin/price-lists?active_at=2026-03-15T00:00:00Z&order=name", status: 200,
			want: `{"price_lists": [{"id": "pl_spring"}, {"id": "pl_vip"}, {"id": "pl_wholesale"}]}`},
		{name: "list by group, and by text that names a group", method: "GET", path: "/admin/price-lists?customer_group_id=vip&q=vip", status: 200,
			want: `{"price_lists": [{"id": "pl_vip"}]}`},

		{name: "create in the library's names", method: "POST", path: "/admin/price-lists",
			body: `{"name": "B2B", "type": "override", "status": "active", "customer_group_ids": ["wholesale"], "ends_at": "2026-06-01T00:00:00Z",
				"prices": [{"variant_id": "hat", "currency_code": "USD", "amount": 1200}, {"variant_id": "hat", "currency_code": "usd", "region_id": "reg_eu", "amount": 1100}]}`,
			status: 200,
			want: `{"price_list": {"id": "id_0001", "name": "B2B", "type": "override", "status": "active", "customer_group_ids": ["wholesale"], "starts_at": null, "ends_at": "2026-06-01T00:00:00Z"},
				"prices": [{"id": "id_0002", "price_list_id": "id_0001", "currency_code": "usd", "amount": 1200}, {"id": "id_0003", "region_id": "reg_eu"}]}`},
		{name: "create in Medusa's names", method: "POST", path: "/admin/price-lists",
			body: `{"title": "VIP hats", "description": "", "rules": {"customer_group_id": ["vip"]}, "starts_at": null,
				"prices": [{"variant_id": "hat", "currency_code": "usd", "amount": 900, "min_quantity": null, "rules": {"region_id": "reg_us"}}]}`,
			status: 200,
			want:   `{"price_list": {"name": "VIP hats", "type": "sale", "status": "draft", "customer_group_ids": ["vip"]}, "prices": [{"region_id": "reg_us", "min_quantity": 0}]}`},
		{name: "create with a title and a name", method: "POST", path: "/admin/price-lists", body: `{"name": "a", "title": "b"}`, status: 400,
			want: `{"fields": [{"field": "title", "reason": "give name or title, not both"}]}`},
		{name: "create with an empty title: the error names the title", method: "POST", path: "/admin/price-lists", body: `{"title": " "}`, status: 400,
			want: `{"fields": [{"field": "title", "reason": "required"}]}`},
		{name: "create with rules the library does not have", method: "POST", path: "/admin/price-lists",
			body:   `{"name": "a", "rules": {"customer_group_id": ["vip"], "product_type": ["x"]}, "prices": [{"variant_id": "v", "currency_code": "usd", "amount": 1, "rules": {"sales_channel": "web"}}]}`,
			status: 400,
			want:   `{"fields": [{"field": "rules.product_type"}, {"field": "prices[0].rules.sales_channel"}]}`,
			check:  func(t *testing.T, e *env) { mustListCount(t, e, 4) }},
		{name: "create with groups in both spellings", method: "POST", path: "/admin/price-lists",
			body: `{"name": "a", "customer_group_ids": ["vip"], "rules": {"customer_group_id": ["vip"]}}`, status: 400,
			want: `{"fields": [{"field": "rules.customer_group_id"}]}`},
		{name: "create with a bad price in Medusa's names: the error names the rule", method: "POST", path: "/admin/price-lists",
			body:   `{"title": "a", "rules": {"customer_group_id": [""]}, "prices": [{"variant_id": "v", "currency_code": "usd", "amount": 1}, {"variant_id": "v", "currency_code": "usd", "amount": -1, "rules": {"region_id": "\u0007"}}]}`,
			status: 400,
			want:   `{"fields": [{"field": "rules.customer_group_id[0]"}, {"field": "prices[1].rules.region_id"}, {"field": "prices[1].amount"}]}`},
		{name: "create with an amount in major units", method: "POST", path: "/admin/price-lists",
			body: `{"name": "a", "prices": [{"variant_id": "v", "currency_code": "usd", "amount": 10}, {"variant_id": "v", "currency_code": "eur", "amount": 10.5}]}`, status: 400,
			want: `{"fields": [{"field": "prices[1].amount", "reason": "want an integer in range, got number 10.5"}]}`},
		{name: "create for a missing group", method: "POST", path: "/admin/price-lists", body: `{"name": "a", "customer_group_ids": ["ghost"]}`, status: 404,
			check: func(t *testing.T, e *env) { mustListCount(t, e, 4) }},
		{name: "create with a window that ends before it starts", method: "POST", path: "/admin/price-lists",
			body: `{"name": "a", "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z"}`, status: 400,
			want: `{"fields": [{"field": "ends_at"}]}`},
		{name: "create with a time that is not one", method: "POST", path: "/admin/price-lists", body: `{"name": "a", "starts_at": "soon"}`, status: 400,
			want: `{"type": "invalid_data"}`},

		{name: "get", method: "GET", path: "/admin/price-lists/pl_spring", status: 200,
			want: `{"price_list": {"id": "pl_spring", "name": "Spring sale", "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-04-01T00:00:00Z", "customer_group_ids": []}}`},
		{name: "get a missing list", method: "GET", path: "/admin/price-lists/ghost", status: 404},
		{name: "update", method: "POST", path: "/admin/price-lists/pl_draft", body: `{"status": "active", "description": "Last items", "metadata": {"by": "ops"}}`, status: 200,
			want: `{"price_list": {"id": "pl_draft", "status": "active", "description": "Last items", "metadata": {"by": "ops"}}}`},
		{name: "update: null clears a bound, a missing member leaves it", method: "POST", path: "/admin/price-lists/pl_spring", body: `{"ends_at": null}`, status: 200,
			want: `{"price_list": {"starts_at": "2026-03-01T00:00:00Z", "ends_at": null}}`},
		{name: "update in Medusa's names", method: "POST", path: "/admin/price-lists/pl_vip", body: `{"title": "VIP", "rules": {"customer_group_id": ["vip", "wholesale"]}}`, status: 200,
			want: `{"price_list": {"name": "VIP", "customer_group_ids": ["vip", "wholesale"]}}`},
		{name: "update: rules without groups leave the audience", method: "POST", path: "/admin/price-lists/pl_vip", body: `{"rules": {}}`, status: 200,
			want: `{"price_list": {"customer_group_ids": ["vip"]}}`},
		{name: "update: null groups open the list to everyone", method: "POST", path: "/admin/price-lists/pl_vip", body: `{"customer_group_ids": null}`, status: 200,
			want: `{"price_list": {"customer_group_ids": []}}`},
		{name: "update: empty group rule opens the list to everyone", method: "POST", path: "/admin/price-lists/pl_vip", body: `{"rules": {"customer_group_id": []}}`, status: 200,
			want: `{"price_list": {"customer_group_ids": []}}`},
		{name: "update with a window that ends before it starts", method: "POST", path: "/admin/price-lists/pl_spring", body: `{"ends_at": "2026-02-01T00:00:00Z"}`, status: 400,
			want: `{"fields": [{"field": "ends_at"}]}`},
		{name: "update with groups of the wrong type", method: "POST", path: "/admin/price-lists/pl_vip", body: `{"customer_group_ids": [1]}`, status: 400,
			want: `{"fields": [{"field": "customer_group_ids", "reason": "want a string, got number"}]}`},
		{name: "update with a bad type and an empty title", method: "POST", path: "/admin/price-lists/pl_vip", body: `{"type": "discount", "title": ""}`, status: 400,
			want: `{"fields": [{"field": "title"}, {"field": "type"}]}`},
		{name: "delete", method: "DELETE", path: "/admin/price-lists/pl_wholesale", status: 200,
			want: `{"id": "pl_wholesale", "object": "price_list", "deleted": true}`,
			check: func(t *testing.T, e *env) {
				mustListCount(t, e, 3)
				if _, err := e.Service.Price(context.Background(), "p_ws_shirt"); !errors.Is(err, pricing.ErrNotFound) {
					t.Errorf("the list's price is still there: %v", err)
				}
			}},

		{name: "a list's prices", method: "GET", path: "/admin/price-lists/pl_wholesale/prices", status: 200,
			want: `{"prices": [{"id": "p_ws_shirt", "amount": 1400}, {"id": "p_ws_shirt_50", "min_quantity": 50}], "count": 2, "offset": 0, "limit": 50}`},
		{name: "a list's prices of a variant", method: "GET", path: "/admin/price-lists/pl_wholesale/prices?variant_id=hat", status: 200,
			want: `{"prices": [], "count": 0}`},
		{name: "the prices of a missing list", method: "GET", path: "/admin/price-lists/ghost/prices", status: 404},
		{name: "add prices: an existing key is updated and keeps its ID", method: "POST", path: "/admin/price-lists/pl_vip/prices",
			body: `{"prices": [{"variant_id": "shirt", "currency_code": "usd", "amount": 1600}, {"variant_id": "hat", "currency_code": "usd", "amount": 1300}]}`, status: 200,
			want:  `{"prices": [{"id": "p_vip_shirt", "amount": 1600}, {"id": "id_0002", "amount": 1300}]}`,
			check: func(t *testing.T, e *env) { mustPrices(t, e, "pl_vip", "id_0002", "p_vip_shirt") }},
		{name: "add prices with replace", method: "POST", path: "/admin/price-lists/pl_wholesale/prices",
			body: `{"prices": [{"variant_id": "hat", "currency_code": "usd", "amount": 1000}], "replace": true}`, status: 200,
			check: func(t *testing.T, e *env) { mustPrices(t, e, "pl_wholesale", "id_0001") }},
		{name: "add prices with a bad currency", method: "POST", path: "/admin/price-lists/pl_vip/prices",
			body: `{"prices": [{"variant_id": "hat", "currency_code": "usd", "amount": 1}, {"variant_id": "hat", "currency_code": "xyz", "amount": 1}]}`, status: 400,
			want: `{"fields": [{"field": "prices[1].currency_code"}]}`},
		{name: "batch", method: "POST", path: "/admin/price-lists/pl_wholesale/prices/batch",
			body: `{"create": [{"variant_id": "hat", "currency_code": "usd", "amount": 1000}],
				"update": [{"id": "p_ws_shirt", "variant_id": "shirt", "currency_code": "usd", "amount": 1350}],
				"delete": ["p_ws_shirt_50", "p_vip_shirt", "ghost"]}`,
			status: 200,
			want: `{"created": [{"id": "id_0001", "variant_id": "hat", "price_list_id": "pl_wholesale"}], "updated": [{"id": "p_ws_shirt", "amount": 1350}],
				"deleted": {"ids": ["p_ws_shirt_50"], "object": "price", "deleted": true}}`,
			check: func(t *testing.T, e *env) {
				mustPrices(t, e, "pl_wholesale", "id_0001", "p_ws_shirt")
				mustPrices(t, e, "pl_vip", "p_vip_shirt")
			}},
		{name: "batch: an unknown update and nothing happens", method: "POST", path: "/admin/price-lists/pl_wholesale/prices/batch",
			body:   `{"create": [{"variant_id": "hat", "currency_code": "usd", "amount": 1000}], "update": [{"id": "p_vip_shirt", "variant_id": "shirt", "currency_code": "usd", "amount": 1}], "delete": ["p_ws_shirt"]}`,
			status: 404,
			check:  func(t *testing.T, e *env) { mustPrices(t, e, "pl_wholesale", "p_ws_shirt", "p_ws_shirt_50") }},
		{name: "batch: bad input named by its path", method: "POST", path: "/admin/price-lists/pl_wholesale/prices/batch",
			body:   `{"create": [{"variant_id": "hat", "currency_code": "usd", "amount": -1}], "update": [{"variant_id": "shirt", "currency_code": "usd", "amount": 1, "rules": {"region_id": "r"}}]}`,
			status: 400,
			want:   `{"fields": [{"field": "create[0].amount", "reason": "negative"}, {"field": "update[0].id", "reason": "required"}]}`},
		{name: "batch: a taken key", method: "POST", path: "/admin/price-lists/pl_wholesale/prices/batch",
			body: `{"create": [{"variant_id": "shirt", "currency_code": "usd", "amount": 1}]}`, status: 409},
		{name: "batch of a missing list", method: "POST", path: "/admin/price-lists/ghost/prices/batch", body: `{}`, status: 404},
		{name: "remove a list's prices of variants", method: "POST", path: "/admin/price-lists/pl_wholesale/variants", body: `{"remove": ["shirt", "hat"]}`, status: 200,
			want:  `{"price_list": {"id": "pl_wholesale"}, "prices_deleted": 2}`,
			check: func(t *testing.T, e *env) { mustPrices(t, e, "pl_wholesale") }},
		{name: "add variants is not a thing", method: "POST", path: "/admin/price-lists/pl_wholesale/variants", body: `{"add": ["shirt"]}`, status: 400,
			want: `{"fields": [{"field": "add", "reason": "unknown field"}]}`},
		{name: "remove a bad variant ID", method: "POST", path: "/admin/price-lists/pl_wholesale/variants", body: `{"remove": ["shirt", ""]}`, status: 400,
			want: `{"fields": [{"field": "remove[1]"}]}`},
	})
}

func TestAdminPrices(t *testing.T) {
	runAdmin(t, []adminCase{
		{name: "base prices", method: "GET", path: "/admin/prices?base_only=true", status: 200,
			want: `{"prices": [{"id": "p_hat_usd"}, {"id": "p_shirt_eur"}, {"id": "p_shirt_usd"}], "count": 3}`},
		{name: "every price of a variant in a currency", method: "GET", path: "/admin/prices?variant_id=hat&currency_code=USD", status: 200,
			want: `{"prices": [{"id": "p_draft_hat"}, {"id": "p_hat_usd"}], "count": 2}`},
		{name: "a list's prices", method: "GET", path: "/admin/prices?price_list_id=pl_vip", status: 200,
			want: `{"prices": [{"id": "p_vip_shirt"}]}`},
		{name: "base prices of a list is not a thing", method: "GET", path: "/admin/prices?base_only=true&price_list_id=pl_vip", status: 400,
			want: `{"fields": [{"field": "base_only"}]}`},
		{name: "a bad boolean", method: "GET", path: "/admin/prices?base_only=yes", status: 400,
			want: `{"fields": [{"field": "base_only"}]}`},
		{name: "one price", method: "GET", path: "/admin/prices/p_ws_shirt_50", status: 200,
			want: `{"price": {"id": "p_ws_shirt_50", "price_list_id": "pl_wholesale", "variant_id": "shirt", "currency_code": "usd", "region_id": "", "amount": 1100, "min_quantity": 50, "max_quantity": 0, "includes_tax": false}}`},
		{name: "a missing price", method: "GET", path: "/admin/prices/ghost", status: 404},
		{name: "a variant's base prices", method: "GET", path: "/admin/variants/shirt/prices", status: 200,
			want: `{"prices": [{"id": "p_shirt_eur"}, {"id": "p_shirt_usd"}]}`},
		{name: "set a variant's base prices", method: "PUT", path: "/admin/variants/shirt/prices",
			body: `{"prices": [{"currency_code": "usd", "amount": 2100, "includes_tax": true}, {"currency_code": "gbp", "amount": 1800}]}`, status: 200,
			want: `{"prices": [{"id": "p_shirt_usd", "variant_id": "shirt", "amount": 2100, "includes_tax": true}, {"id": "id_0002", "currency_code": "gbp"}]}`,
			check: func(t *testing.T, e *env) {
				prices, err := e.Service.BasePrices(context.Background(), "shirt")
				if err != nil || len(prices) != 2 {
					t.Errorf("base prices %v, %v; want 2, eur gone", prices, err)
				}
			}},
		{name: "set another variant's prices", method: "PUT", path: "/admin/variants/shirt/prices", body: `{"prices": [{"variant_id": "hat", "currency_code": "usd", "amount": 1}]}`, status: 400,
			want: `{"fields": [{"field": "prices[0].variant_id"}]}`},

		{name: "resolve as the merchant, with the full explanation", method: "POST", path: "/admin/prices/resolve",
			body: `{"currency_code": "usd", "customer_id": "cus_acme", "explain": true, "items": [{"variant_id": "shirt", "quantity": 60}, {"variant_id": "sock"}]}`, status: 200,
			want: `{"prices": [
				{"variant_id": "shirt", "quantity": 60, "found": true, "calculated_amount": 1100, "calculated_type": "override", "calculated_price": {"id": "p_ws_shirt_50"},
				 "explanation": [{"price": {"id": "p_shirt_eur"}, "outcome": "currency"}, {"price": {"id": "p_shirt_usd"}, "outcome": "replaced by an override"},
					{"price": {"id": "p_spring_shirt"}, "outcome": "not yet started"}, {"price": {"id": "p_vip_shirt"}, "outcome": "customer not in the audience"},
					{"price": {"id": "p_ws_shirt"}, "outcome": "higher than the winner"}, {"price": {"id": "p_ws_shirt_50"}, "outcome": "calculated"}]},
				{"variant_id": "sock", "quantity": 1, "found": false, "calculated_price": null, "original_price": null}]}`},
		{name: "resolve at an instant, for explicit groups", method: "POST", path: "/admin/prices/resolve",
			body: `{"currency_code": "usd", "customer_group_ids": ["vip"], "at": "2026-03-02T00:00:00Z", "items": [{"variant_id": "shirt"}]}`, status: 200,
			want: `{"prices": [{"calculated_amount": 1000, "calculated_type": "sale", "original_amount": 2000}]}`},
		{name: "resolve bad items", method: "POST", path: "/admin/prices/resolve",
			body: `{"currency_code": "usd", "items": [{"variant_id": "shirt"}, {"variant_id": "", "quantity": -1}]}`, status: 400,
			want: `{"fields": [{"field": "items[1].quantity"}, {"field": "items[1].variant_id"}]}`},
		{name: "resolve without a currency", method: "POST", path: "/admin/prices/resolve", body: `{"items": []}`, status: 400,
			want: `{"fields": [{"field": "currency_code", "reason": "required"}]}`},
		{name: "resolve with a quantity of the wrong type", method: "POST", path: "/admin/prices/resolve",
			body: `{"currency_code": "usd", "items": [{"variant_id": "shirt"}, {"variant_id": "hat", "quantity": "2"}]}`, status: 400,
			want: `{"fields": [{"field": "items[1].quantity"}]}`},
	})
}

// TestAdminRequests covers what every route shares: the body's media type, its
// decoding, unknown paths and methods.
func TestAdminRequests(t *testing.T) {
	const create = "/admin/customer-groups"
	for _, tc := range []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status       int
		want         string
		allow        string
	}{
		{name: "no Content-Type", method: "POST", path: create, body: `{"name": "a"}`, headers: []string{"Content-Type: "}, status: 415, want: `{"type": "invalid_data"}`},
		{name: "a form", method: "POST", path: create, body: `{"name": "a"}`, headers: []string{"Content-Type: application/x-www-form-urlencoded"}, status: 415},
		{name: "text", method: "POST", path: create, body: `{"name": "a"}`, headers: []string{"Content-Type: text/plain"}, status: 415},
		{name: "JSON with a charset", method: "POST", path: create, body: `{"name": "a"}`, headers: []string{"Content-Type: application/json; charset=utf-8"}, status: 200},
		{name: "no body", method: "POST", path: create, status: 415},
		{name: "an empty body", method: "POST", path: create, body: " \n", status: 400, want: `{"message": "the request body is empty; want a JSON object"}`},
		{name: "bad JSON", method: "POST", path: create, body: `{"name": "a",}`, status: 400, want: `{"type": "invalid_data"}`},
		{name: "cut JSON", method: "POST", path: create, body: `{"name": "a"`, status: 400, want: `{"message": "invalid JSON: the body ends inside a value"}`},
		{name: "two values", method: "POST", path: create, body: `{"name": "a"} {"name": "b"}`, status: 400},
		{name: "an array", method: "POST", path: create, body: `[{"name": "a"}]`, status: 400, want: `{"fields": [{"field": "", "reason": "want an object, got array"}]}`},
		{name: "null is an empty object", method: "POST", path: create, body: `null`, status: 400, want: `{"fields": [{"field": "name", "reason": "required"}]}`},
		{name: "an unknown path", method: "GET", path: "/admin/customers", status: 404, want: `{"type": "not_found", "message": "no route for GET /admin/customers"}`},
		{name: "a path of the storefront", method: "POST", path: "/store/prices", body: `{}`, status: 404},
		{name: "a method the path does not serve", method: "PATCH", path: "/admin/price-lists/pl_vip", body: `{}`, status: 405,
			want: `{"type": "not_allowed"}`, allow: "GET, HEAD, POST, DELETE"},
		{name: "a method of a POST-only path", method: "GET", path: "/admin/price-lists/pl_vip/prices/batch", status: 405, allow: "POST"},
		{name: "GET of the resolve route is a price ID", method: "GET", path: "/admin/prices/resolve", status: 404, want: `{"type": "not_found"}`},
		{name: "HEAD", method: "HEAD", path: "/admin/customer-groups/vip", status: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			rec := serve(e.admin, tc.method, tc.path, tc.body, tc.headers...)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if tc.method == "HEAD" {
				return
			}
			body := decode(t, rec)
			if tc.want != "" {
				if err := matchJSON(tc.want, body); err != nil {
					t.Errorf("%v\nbody %s", err, rec.Body)
				}
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, nil)
	big := `{"name": "` + strings.Repeat("x", 1<<20) + `"}`
	rec := serve(e.admin, "POST", "/admin/customer-groups", big)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body over the default 1 MiB: %d %s", rec.Code, rec.Body)
	}
	if err := matchJSON(`{"type": "invalid_data", "message": "the request body is larger than 1048576 bytes"}`, decode(t, rec)); err != nil {
		t.Error(err)
	}

	e = newEnv(t, &httpapi.Options{MaxBodyBytes: 64})
	if rec := serve(e.admin, "POST", "/admin/customer-groups", `{"name": "`+strings.Repeat("x", 60)+`"}`); rec.Code != 413 {
		t.Errorf("a body over MaxBodyBytes 64: %d", rec.Code)
	}
	if rec := serve(e.admin, "POST", "/admin/customer-groups", `{"name": "short"}`); rec.Code != 200 {
		t.Errorf("a body under MaxBodyBytes: %d %s", rec.Code, rec.Body)
	}
}

func TestPageOptions(t *testing.T) {
	e := newEnv(t, &httpapi.Options{DefaultLimit: 2, MaxLimit: 2})
	if err := matchJSON(`{"count": 3, "limit": 2, "customer_groups": [{}, {}]}`, decode(t, serve(e.admin, "GET", "/admin/customer-groups", ""))); err != nil {
		t.Error(err)
	}
	if rec := serve(e.admin, "GET", "/admin/customer-groups?limit=3", ""); rec.Code != 400 {
		t.Errorf("limit over MaxLimit: %d", rec.Code)
	}
}

// runAdmin runs each case on a fresh fixture.
func runAdmin(t *testing.T, cases []adminCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			rec := serve(e.admin, tc.method, tc.path, tc.body)
			body := decode(t, rec)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if tc.want != "" {
				if err := matchJSON(tc.want, body); err != nil {
					t.Errorf("%v\nbody %s", err, rec.Body)
				}
			}
			if m, _ := body.(map[string]any); tc.status >= 400 && (m["type"] == "" || m["message"] == "" || m["type"] == nil || m["message"] == nil) {
				t.Errorf("an error without a type or a message: %s", rec.Body)
			}
			if tc.check != nil {
				tc.check(t, e)
			}
		})
	}
}

func mustGroup(t *testing.T, e *env, id, name string) {
	t.Helper()
	g, err := e.Service.CustomerGroup(context.Background(), id)
	if err != nil || g.Name != name {
		t.Errorf("group %s: %+v, %v; want the name %q", id, g, err, name)
	}
}

func mustMembers(t *testing.T, e *env, group string, want ...string) {
	t.Helper()
	got, _, err := e.Service.GroupCustomers(context.Background(), group, 0, 0)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("members of %s: %v, %v; want %v", group, got, err, want)
	}
}

func mustPrices(t *testing.T, e *env, list string, want ...string) {
	t.Helper()
	prices, _, err := e.Service.ListPrices(context.Background(), pricing.PriceFilter{PriceListID: list})
	var got []string
	for _, p := range prices {
		got = append(got, p.ID)
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("prices of %s: %v, %v; want %v", list, got, err, want)
	}
}

// A list's customers and channels are written and listed by their names.
func TestAdminListsOfCustomersAndChannels(t *testing.T) {
	e := newEnv(t, nil)
	rec := serve(e.admin, "POST", "/admin/price-lists", `{"name": "Acme contract", "type": "override", "status": "active",
		"customer_ids": ["cus_acme"], "channel_ids": ["pos"], "adjustment": {"percent": -7.5}}`)
	if err := matchJSON(`{"price_list": {"customer_ids": ["cus_acme"], "channel_ids": ["pos"], "adjustment": {"percent": -7.5, "rounding": "half_up"}}}`, decode(t, rec)); err != nil || rec.Code != 200 {
		t.Fatalf("create: %d %v\n%s", rec.Code, err, rec.Body)
	}
	for _, tc := range []struct{ query, want string }{
		{"customer_id=cus_acme", `{"count": 1, "price_lists": [{"name": "Acme contract"}]}`},
		{"customer_id=cus_bolt", `{"count": 0}`},
		{"channel_id=pos&channel_id=web", `{"count": 1}`},
		{"channel_id=web", `{"count": 0}`},
	} {
		rec := serve(e.admin, "GET", "/admin/price-lists?"+tc.query, "")
		if err := matchJSON(tc.want, decode(t, rec)); err != nil || rec.Code != 200 {
			t.Errorf("%s: %d %v\n%s", tc.query, rec.Code, err, rec.Body)
		}
	}
}

func mustListCount(t *testing.T, e *env, want int) {
	t.Helper()
	if _, n, err := e.Service.ListPriceLists(context.Background(), pricing.PriceListFilter{}); err != nil || n != want {
		t.Errorf("%d price lists, %v; want %d", n, err, want)
	}
}

// Every listing answers the cursor of its next page, and following the cursors with
// after visits every match once; a bad cursor is a 400 naming after.
func TestListingCursors(t *testing.T) {
	e := newEnv(t, nil)
	walk := func(path, member string) []string {
		t.Helper()
		var ids []string
		next := ""
		for range 20 {
			target := path
			if next != "" {
				target += "&after=" + url.QueryEscape(next)
			}
			rec := serve(e.admin, "GET", target, "")
			if rec.Code != 200 {
				t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
			}
			body := decode(t, rec).(map[string]any)
			for _, r := range body[member].([]any) {
				ids = append(ids, r.(map[string]any)["id"].(string))
			}
			n, _ := body["next"].(string)
			if next = n; next == "" {
				return ids
			}
		}
		t.Fatalf("GET %s: the cursors do not end", path)
		return nil
	}
	all := func(path, member string) []string {
		t.Helper()
		var ids []string
		for _, r := range decode(t, serve(e.admin, "GET", path, "")).(map[string]any)[member].([]any) {
			ids = append(ids, r.(map[string]any)["id"].(string))
		}
		return ids
	}
	for _, c := range []struct{ all, page, member string }{
		{"/admin/customer-groups?order=name", "/admin/customer-groups?order=name&limit=1", "customer_groups"},
		{"/admin/price-lists?order=-updated_at", "/admin/price-lists?order=-updated_at&limit=1", "price_lists"},
		{"/admin/prices?currency_code=usd", "/admin/prices?currency_code=usd&limit=1", "prices"},
		{"/admin/customer-groups/wholesale/customers", "/admin/customer-groups/wholesale/customers?limit=1", "customers"},
	} {
		want := all(c.all, c.member)
		if len(want) < 2 {
			t.Fatalf("%s: %d records, too few to page", c.all, len(want))
		}
		if got := walk(c.page, c.member); !reflect.DeepEqual(got, want) {
			t.Errorf("%s by cursor: %q, want %q", c.page, got, want)
		}
	}
	for _, path := range []string{"/admin/customer-groups?after=nope", "/admin/price-lists?after=nope", "/admin/prices?after=nope",
		"/admin/customer-groups/wholesale/customers?after=nope"} {
		if err := matchJSON(`{"type": "invalid_data", "fields": [{"field": "after"}]}`, decode(t, serve(e.admin, "GET", path, ""))); err != nil {
			t.Errorf("GET %s: %v", path, err)
		}
	}
	if err := matchJSON(`{"type": "invalid_data", "fields": [{"field": "offset"}]}`,
		decode(t, serve(e.admin, "GET", "/admin/customer-groups/wholesale/customers?after=x&offset=1", ""))); err != nil {
		t.Error(err)
	}
}
