package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/commercekit/pricing/httpapi"
)

// bodyRoute is a route that takes a body, with a record of the fixture for its {id}
// and a body it accepts.
type bodyRoute struct {
	method, pattern, id, body string
}

var bodyRoutes = []bodyRoute{
	{"POST", "/admin/customer-groups", "", `{"name": "Frequent", "metadata": {"a": [1, {"b": null}]}}`},
	{"POST", "/admin/customer-groups/{id}", "vip", `{"name": "V.I.P.", "metadata": {"x": ""}}`},
	{"POST", "/admin/customer-groups/{id}/customers", "wholesale", `{"add": ["cus_1"], "remove": ["cus_bolt"]}`},
	{"PUT", "/admin/customers/{id}/customer-groups", "cus_acme", `{"customer_group_ids": ["vip", "empty"]}`},
	{"POST", "/admin/price-lists", "", `{"title": "B2B", "type": "override", "status": "active", "starts_at": "2026-01-01T00:00:00Z", "ends_at": null,
		"rules": {"customer_group_id": ["wholesale"]}, "prices": [{"variant_id": "hat", "currency_code": "usd", "amount": 900, "min_quantity": 2, "rules": {"region_id": "reg_1"}}]}`},
	{"POST", "/admin/price-lists/{id}", "pl_vip", `{"name": "VIP", "ends_at": "2027-01-01T00:00:00Z", "customer_group_ids": null, "includes_tax": true}`},
	{"POST", "/admin/price-lists/{id}/prices", "pl_wholesale", `{"prices": [{"variant_id": "shirt", "currency_code": "usd", "amount": 1300}], "replace": true}`},
	{"POST", "/admin/price-lists/{id}/prices/batch", "pl_wholesale", `{"create": [{"variant_id": "hat", "currency_code": "usd", "amount": 1000}],
		"update": [{"id": "p_ws_shirt", "variant_id": "shirt", "currency_code": "usd", "amount": 1350}], "delete": ["p_ws_shirt_50"]}`},
	{"POST", "/admin/price-lists/{id}/variants", "pl_wholesale", `{"remove": ["shirt"]}`},
	{"POST", "/admin/prices/resolve", "", `{"currency_code": "usd", "region_id": "reg_1", "customer_id": "cus_acme", "customer_group_ids": ["vip"],
		"at": "2026-03-02T00:00:00Z", "tax_rate": 0.2, "explain": true, "items": [{"variant_id": "shirt", "quantity": 60}, {"variant_id": "hat"}]}`},
	{"PUT", "/admin/variants/{id}/prices", "shirt", `{"prices": [{"currency_code": "usd", "amount": 2100, "includes_tax": true}]}`},
	{"DELETE", "/admin/customer-groups/{id}", "empty", ``},
	{"DELETE", "/admin/price-lists/{id}", "pl_draft", ``},
}

// queryRoute is a GET route, with a record of the fixture for its {id} and a query it
// accepts.
var queryRoutes = []bodyRoute{
	{"GET", "/admin/customer-groups", "", "q=v&id[]=vip&name=VIP&customer_id=cus_ada&created_at[gte]=2025-01-01T00:00:00Z&updated_at[lt]=2027-01-01T00:00:00Z&order=-name&limit=2&offset=0"},
	{"GET", "/admin/customer-groups/{id}", "vip", ""},
	{"GET", "/admin/customer-groups/{id}/customers", "wholesale", "limit=1&offset=1"},
	{"GET", "/admin/customer-groups/{id}/price-lists", "wholesale", ""},
	{"GET", "/admin/customers/{id}/customer-groups", "cus_acme", ""},
	{"GET", "/admin/price-lists", "", "q=sale&id=pl_vip&status=active&type[0]=sale&customer_group_id=vip&active_at=2026-03-02T00:00:00Z&created_at[gt]=2025-01-01T00:00:00Z&order=name&limit=10"},
	{"GET", "/admin/price-lists/{id}", "pl_spring", ""},
	{"GET", "/admin/price-lists/{id}/prices", "pl_wholesale", "variant_id=shirt&currency_code=usd&region_id=&limit=1&offset=1"},
	{"GET", "/admin/prices", "", "price_list_id=pl_vip&base_only=false&variant_id=shirt&currency_code=USD&region_id=r&limit=5"},
	{"GET", "/admin/prices/{id}", "p_ws_shirt", ""},
	{"GET", "/admin/variants/{id}/prices", "shirt", ""},
}

// request builds a request for route with id in place of {id} (the fixture's when
// id is empty), and a body sent as JSON.
func request(route bodyRoute, id string, body []byte) *http.Request {
	if id == "" {
		id = route.id
	}
	req := httptest.NewRequest(route.method, "/", bytes.NewReader(body))
	req.URL.Path = strings.Replace(route.pattern, "{id}", id, 1)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// checkResponse fails the test on a 500, on a status the handlers do not answer, and
// on a body that is not a JSON object.
func checkResponse(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder, statuses ...int) {
	t.Helper()
	if rec.Code == http.StatusInternalServerError {
		t.Fatalf("%s %q: 500: %s", req.Method, req.URL, rec.Body)
	}
	if rec.Code == http.StatusMovedPermanently || rec.Code == http.StatusTemporaryRedirect {
		return // the mux cleans a path with "..", "//" or a trailing "/."
	}
	if !slices.Contains(statuses, rec.Code) {
		t.Fatalf("%s %q: status %d: %s", req.Method, req.URL, rec.Code, rec.Body)
	}
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%s %q: %d, a body that is not a JSON object (%v): %s", req.Method, req.URL, rec.Code, err, rec.Body)
	}
	if rec.Code >= 400 && (v["type"] == nil || v["message"] == nil) {
		t.Fatalf("%s %q: %d without a type or a message: %s", req.Method, req.URL, rec.Code, rec.Body)
	}
}

// FuzzAdminBodies sends any bytes as the body of every admin route that takes one,
// and any record ID: no request may be a 500 or panic.
func FuzzAdminBodies(f *testing.F) {
	for i, r := range bodyRoutes {
		f.Add(uint8(i), "", []byte(r.body))
		f.Add(uint8(i), "ghost", []byte(r.body))
		f.Add(uint8(i), "", []byte(`{"metadata": {"a": 1e400}, "prices": [{"amount": -1}], "add": [""], "items": [{"quantity": -1}]}`))
		f.Add(uint8(i), "", []byte(`{"name": "\u0000", "title": "x", "rules": {"customer_group_id": ["ghost"], "x": []}, "create": [{"rules": {"region_id": 5}}]}`))
	}
	f.Add(uint8(0), "", []byte(`[`))
	f.Add(uint8(4), "", []byte(`{"starts_at": "2026-02-30T00:00:00Z", "ends_at": 0, "customer_group_ids": [null], "prices": null}`))
	f.Add(uint8(5), "", []byte(`{"starts_at": null, "ends_at": "2026-01-01T00:00:00Z", "customer_group_ids": [[]], "rules": null, "metadata": {"": ""}}`))
	f.Add(uint8(9), "", []byte(`{"currency_code": "usd", "tax_rate": -0.0, "explain": true, "explain_visible": true, "items": [{"variant_id": "\xff"}]}`))
	f.Fuzz(func(t *testing.T, route uint8, id string, body []byte) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		e := newEnv(t, &httpapi.Options{MaxBodyBytes: 1 << 16})
		req := request(r, id, body)
		rec := httptest.NewRecorder()
		e.admin.ServeHTTP(rec, req)
		checkResponse(t, req, rec, 200, 400, 404, 405, 409, 413)
	})
}

// FuzzAdminQueries sends any query string, and any record ID, to every admin GET
// route: no request may be a 500 or panic.
func FuzzAdminQueries(f *testing.F) {
	for i, r := range queryRoutes {
		f.Add(uint8(i), "", r.body)
		f.Add(uint8(i), "ghost", "limit=x&offset=9999999999999999999999&order=-&created_at[gte]=2026-01-01T00:00:00%2B01:00&id[x]=1&%zz")
	}
	f.Fuzz(func(t *testing.T, route uint8, id, query string) {
		r := queryRoutes[int(route)%len(queryRoutes)]
		e := newEnv(t, nil)
		req := request(r, id, nil)
		req.Body = http.NoBody
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		e.admin.ServeHTTP(rec, req)
		checkResponse(t, req, rec, 200, 400, 404, 405)
	})
}

// storeCustomers are the shoppers of FuzzStoreBodies, and the lists whose prices each
// may see at the fixture's clock: the base prices ("") always; no list is open to an
// anonymous shopper before March.
var storeCustomers = []struct {
	id    string
	lists []string
}{
	{"", []string{""}},
	{"cus_acme", []string{"", "pl_wholesale"}},
	{"cus_ada", []string{"", "pl_vip"}},
	{"cus_stranger", []string{""}},
}

// FuzzStoreBodies sends any bytes to the storefront route for each kind of shopper:
// no request may be a 500 or panic, and no answer may show a price of a list the
// shopper cannot get, in the result or in the explanation.
func FuzzStoreBodies(f *testing.F) {
	for i := range storeCustomers {
		f.Add(uint8(i), []byte(`{"currency_code": "usd", "region_id": "reg_1", "explain": true, "items": [{"variant_id": "shirt", "quantity": 60}, {"variant_id": "hat"}]}`))
		f.Add(uint8(i), []byte(`{"currency_code": "USD", "items": [{"variant_id": "shirt"}], "customer_id": "cus_acme", "at": "2026-03-02T00:00:00Z"}`))
	}
	f.Add(uint8(0), []byte(`{"currency_code": "usd", "items": [{"variant_id": "shirt", "quantity": 9223372036854775807}, {"variant_id": "pl_vip"}]}`))
	f.Add(uint8(0), []byte(`{"currency_code": "usd", "explain": true, "items": null}`))
	f.Fuzz(func(t *testing.T, who uint8, body []byte) {
		shopper := storeCustomers[int(who)%len(storeCustomers)]
		e := newEnv(t, &httpapi.Options{CustomerID: func(*http.Request) string { return shopper.id }})
		req := request(bodyRoute{"POST", "/store/prices", "", ""}, "", body)
		rec := httptest.NewRecorder()
		e.store.ServeHTTP(rec, req)
		checkResponse(t, req, rec, 200, 400, 413)
		if rec.Code != 200 {
			return
		}
		var res struct {
			Prices []struct {
				CalculatedPrice *struct {
					PriceListID string `json:"price_list_id"`
				} `json:"calculated_price"`
				OriginalPrice *struct {
					PriceListID string `json:"price_list_id"`
				} `json:"original_price"`
				Explanation []struct {
					Price struct {
						PriceListID string `json:"price_list_id"`
					} `json:"price"`
				} `json:"explanation"`
			} `json:"prices"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, p := range res.Prices {
			if p.CalculatedPrice != nil {
				seen = append(seen, p.CalculatedPrice.PriceListID)
			}
			if p.OriginalPrice != nil {
				seen = append(seen, p.OriginalPrice.PriceListID)
			}
			for _, c := range p.Explanation {
				seen = append(seen, c.Price.PriceListID)
			}
		}
		for _, list := range seen {
			if !slices.Contains(shopper.lists, list) {
				t.Fatalf("shopper %q sees a price of list %q: %s", shopper.id, list, rec.Body)
			}
		}
	})
}
