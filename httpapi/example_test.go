package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/httpapi"
	"github.com/commercekit/pricing/memory"
)

// A host mounts the admin routes behind its admin authentication and the storefront
// route behind its session; a merchant then runs pricing with plain HTTP requests.
func Example() {
	svc := pricing.New(memory.New())

	mux := http.NewServeMux()
	mux.Handle("/admin/", requireAdmin(httpapi.NewAdminHandler(svc, nil)))
	mux.Handle("/store/", httpapi.NewStoreHandler(svc, &httpapi.Options{
		CustomerID: customerOf, // who the host's session says the shopper is
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// The merchant: a base price, a VIP group with a customer, a sale for the group.
	admin := func(method, path, body string) {
		status, _ := send(method, srv.URL+path, body, "Authorization", "Bearer admin-token")
		fmt.Println(method, path, status)
	}
	admin("PUT", "/admin/variants/shirt/prices", `{"prices": [{"currency_code": "usd", "amount": 2000}]}`)
	admin("POST", "/admin/customer-groups", `{"id": "vip", "name": "VIP"}`)
	admin("POST", "/admin/customer-groups/vip/customers", `{"add": ["cus_ada"]}`)
	admin("POST", "/admin/price-lists", `{"title": "VIP sale", "status": "active", "rules": {"customer_group_id": ["vip"]},
		"prices": [{"variant_id": "shirt", "currency_code": "usd", "amount": 1500}]}`)
	status, _ := send("GET", srv.URL+"/admin/price-lists", "")
	fmt.Println("without the admin token:", status)

	// The storefront: the same cart for an anonymous shopper and for the VIP.
	for _, customer := range []string{"", "cus_ada"} {
		_, body := send("POST", srv.URL+"/store/prices", `{"currency_code": "usd", "items": [{"variant_id": "shirt", "quantity": 2}]}`,
			"Cookie", "customer="+customer)
		var res struct{ Prices []pricing.Resolution }
		_ = json.Unmarshal(body, &res)
		p := res.Prices[0]
		fmt.Printf("%q pays %s (%s, was %s)\n", customer, pricing.FormatAmount(p.CalculatedAmount, "usd"), p.CalculatedType, pricing.FormatAmount(p.OriginalAmount, "usd"))
	}
	// Output:
	// PUT /admin/variants/shirt/prices 200
	// POST /admin/customer-groups 200
	// POST /admin/customer-groups/vip/customers 200
	// POST /admin/price-lists 200
	// without the admin token: 401
	// "" pays 20.00 (default, was 20.00)
	// "cus_ada" pays 15.00 (sale, was 20.00)
}

// requireAdmin stands for a host's admin authentication.
func requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer admin-token" {
			http.Error(w, "sign in", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// customerOf stands for a host's session: a real host reads a signed session, never
// a cookie the shopper could set.
func customerOf(r *http.Request) string {
	c, err := r.Cookie("customer")
	if err != nil {
		return ""
	}
	return c.Value
}

// send makes a request with a JSON body and returns the status and the body.
func send(method, url, body string, header ...string) (int, []byte) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
