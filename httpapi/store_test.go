package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/commercekit/pricing/httpapi"
)

// customerHeader stands in for a host's session in these tests: the customer the
// host's middleware would have authenticated.
const customerHeader = "X-Test-Customer"

func sessionCustomer(r *http.Request) string { return r.Header.Get(customerHeader) }

func TestStorePrices(t *testing.T) {
	const shirtAndHat = `{"currency_code": "usd", "items": [{"variant_id": "shirt", "quantity": 1}, {"variant_id": "hat"}]}`
	march := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		customer string
		at       time.Time // zero: the fixture's clock
		body     string
		status   int
		want     string
	}{
		{name: "an anonymous shopper gets the base prices, never a group's or a draft's", body: shirtAndHat, status: 200,
			want: `{"prices": [
				{"variant_id": "shirt", "found": true, "calculated_amount": 2000, "calculated_type": "default", "calculated_price": {"id": "p_shirt_usd", "price_list_id": ""}},
				{"variant_id": "hat", "quantity": 1, "found": true, "calculated_amount": 1500, "calculated_price": {"id": "p_hat_usd"}}]}`},
		{name: "a wholesale customer gets the override", customer: "cus_acme", body: shirtAndHat, status: 200,
			want: `{"prices": [{"calculated_amount": 1400, "calculated_type": "override", "original_amount": 1400}, {"calculated_amount": 1500}]}`},
		{name: "a wholesale customer's tier", customer: "cus_bolt", body: `{"currency_code": "usd", "items": [{"variant_id": "shirt", "quantity": 50}]}`, status: 200,
			want: `{"prices": [{"quantity": 50, "calculated_amount": 1100, "calculated_price": {"id": "p_ws_shirt_50"}}]}`},
		{name: "a VIP gets the sale, with the original price", customer: "cus_ada", body: shirtAndHat, status: 200,
			want: `{"prices": [{"calculated_amount": 1700, "calculated_type": "sale", "has_original": true, "original_amount": 2000, "original_type": "default"}, {"calculated_amount": 1500}]}`},
		{name: "everyone gets the spring sale in March", at: march, body: shirtAndHat, status: 200,
			want: `{"prices": [{"calculated_amount": 1000, "calculated_type": "sale", "original_amount": 2000}, {"calculated_amount": 1500}]}`},
		{name: "another currency", customer: "cus_acme", body: `{"currency_code": "EUR", "items": [{"variant_id": "shirt"}, {"variant_id": "hat"}]}`, status: 200,
			want: `{"prices": [{"found": true, "calculated_amount": 1900}, {"found": false, "calculated_price": null}]}`},
		{name: "an anonymous shopper's explanation hides the lists they cannot get", body: `{"currency_code": "usd", "explain": true, "items": [{"variant_id": "shirt"}]}`, status: 200,
			want: `{"prices": [{"explanation": [{"price": {"id": "p_shirt_eur"}, "outcome": "currency"}, {"price": {"id": "p_shirt_usd"}, "outcome": "calculated"}]}]}`},
		{name: "a VIP's explanation shows their sale only", customer: "cus_ada", body: `{"currency_code": "usd", "explain": true, "items": [{"variant_id": "shirt"}]}`, status: 200,
			want: `{"prices": [{"explanation": [{"price": {"id": "p_shirt_eur"}}, {"price": {"id": "p_shirt_usd"}, "outcome": "original"}, {"price": {"id": "p_vip_shirt"}, "outcome": "calculated"}]}]}`},
		{name: "no items", body: `{"currency_code": "usd", "items": []}`, status: 200, want: `{"prices": []}`},
		{name: "a body cannot name the customer", body: `{"currency_code": "usd", "customer_id": "cus_acme", "items": [{"variant_id": "shirt"}]}`, status: 400,
			want: `{"fields": [{"field": "customer_id", "reason": "unknown field"}]}`},
		{name: "a body cannot name groups", body: `{"currency_code": "usd", "customer_group_ids": ["wholesale"], "items": []}`, status: 400,
			want: `{"fields": [{"field": "customer_group_ids"}]}`},
		{name: "a body cannot move the clock to a scheduled sale", body: `{"currency_code": "usd", "at": "2026-03-15T00:00:00Z", "items": []}`, status: 400,
			want: `{"fields": [{"field": "at"}]}`},
		{name: "a body cannot give the tax rate", body: `{"currency_code": "usd", "tax_rate": 9, "items": []}`, status: 400,
			want: `{"fields": [{"field": "tax_rate"}]}`},
		{name: "a body cannot ask for the merchant's explanation", body: `{"currency_code": "usd", "explain_visible": false, "items": []}`, status: 400},
		{name: "bad items", body: `{"currency_code": "usd", "items": [{"variant_id": "shirt", "quantity": -2}]}`, status: 400,
			want: `{"fields": [{"field": "items[0].quantity", "reason": "negative"}]}`},
		{name: "an unknown currency", body: `{"currency_code": "zzz", "items": []}`, status: 400,
			want: `{"fields": [{"field": "currency_code"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, &httpapi.Options{CustomerID: sessionCustomer})
			if !tc.at.IsZero() {
				e.Clock.Set(tc.at)
			}
			rec := serve(e.store, "POST", "/store/prices", tc.body, customerHeader+": "+tc.customer)
			body := decode(t, rec)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if err := matchJSON(tc.want, body); tc.want != "" && err != nil {
				t.Errorf("%v\nbody %s", err, rec.Body)
			}
			for _, secret := range []string{"pl_draft", "p_draft_hat", "pl_spring", "p_ws", "pl_wholesale", "p_vip", "pl_vip"} {
				visible := tc.customer == "cus_acme" && strings.Contains(secret, "_w") ||
					tc.customer == "cus_bolt" && strings.Contains(secret, "_w") ||
					tc.customer == "cus_ada" && strings.Contains(secret, "vip") ||
					!tc.at.IsZero() && strings.Contains(secret, "spring")
				if !visible && bytes.Contains(rec.Body.Bytes(), []byte(secret)) {
					t.Errorf("the shopper sees %s: %s", secret, rec.Body)
				}
			}
		})
	}
}

// Without Options.CustomerID every storefront request is anonymous, whatever the
// request carries.
func TestStoreWithoutCustomerFunction(t *testing.T) {
	e := newEnv(t, nil)
	rec := serve(e.store, "POST", "/store/prices", `{"currency_code": "usd", "items": [{"variant_id": "shirt"}]}`, customerHeader+": cus_acme")
	if err := matchJSON(`{"prices": [{"calculated_amount": 2000}]}`, decode(t, rec)); err != nil {
		t.Error(err)
	}
}

// The tax rate comes from the host: with it, a tax-exclusive sale is compared with a
// tax-inclusive base price; without it, it cannot be.
func TestStoreTaxRate(t *testing.T) {
	const catalog = `{"format": "pricing-snapshot", "version": 1,
		"price_lists": [{"id": "pl_net", "name": "Net sale", "type": "sale", "status": "active"}],
		"prices": [{"variant_id": "mug", "currency_code": "eur", "amount": 1200, "includes_tax": true},
			{"price_list_id": "pl_net", "variant_id": "mug", "currency_code": "eur", "amount": 1050}]}`
	body := `{"currency_code": "EUR", "region_id": "reg_de", "items": [{"variant_id": "mug"}]}`
	for _, tc := range []struct {
		name   string
		rate   func(r *http.Request, currency, region string) *float64
		amount float64
	}{
		{"no rate: the sale cannot be compared", nil, 1200},
		{"10%: 1050 is 1155 with tax, lower", func(r *http.Request, currency, region string) *float64 {
			if currency != "eur" || region != "reg_de" {
				t.Errorf("TaxRate(%q, %q)", currency, region)
			}
			rate := 0.1
			return &rate
		}, 1050},
		{"20%: 1050 is 1260 with tax, higher", func(*http.Request, string, string) *float64 { rate := 0.2; return &rate }, 1200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, &httpapi.Options{TaxRate: tc.rate})
			e.LoadString(t, catalog)
			rec := serve(e.store, "POST", "/store/prices", body)
			got := decode(t, rec).(map[string]any)["prices"].([]any)[0].(map[string]any)["calculated_amount"]
			if got != tc.amount {
				t.Errorf("calculated %v, want %v: %s", got, tc.amount, rec.Body)
			}
		})
	}
}

// The channel comes from the host: a list limited to the POS prices only its requests.
func TestStoreChannel(t *testing.T) {
	const catalog = `{"format": "pricing-snapshot", "version": 1,
		"price_lists": [{"id": "pl_pos", "name": "POS", "type": "override", "status": "active", "channel_ids": ["pos"]}],
		"prices": [{"variant_id": "mug", "currency_code": "eur", "amount": 1200},
			{"price_list_id": "pl_pos", "variant_id": "mug", "currency_code": "eur", "amount": 1000}]}`
	const channelHeader = "X-Test-Channel"
	body := `{"currency_code": "eur", "items": [{"variant_id": "mug"}]}`
	for _, tc := range []struct {
		name    string
		channel func(*http.Request) string
		header  string
		amount  float64
	}{
		{"no channel function: no channel", nil, "pos", 1200},
		{"the host says pos", func(r *http.Request) string { return r.Header.Get(channelHeader) }, "pos", 1000},
		{"the host says web", func(r *http.Request) string { return r.Header.Get(channelHeader) }, "web", 1200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, &httpapi.Options{ChannelID: tc.channel})
			e.LoadString(t, catalog)
			rec := serve(e.store, "POST", "/store/prices", body, channelHeader+": "+tc.header)
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			got := decode(t, rec).(map[string]any)["prices"].([]any)[0].(map[string]any)["calculated_amount"]
			if got != tc.amount {
				t.Errorf("calculated %v, want %v: %s", got, tc.amount, rec.Body)
			}
		})
	}
	// A shopper cannot name the channel in the body.
	e := newEnv(t, nil)
	rec := serve(e.store, "POST", "/store/prices", `{"currency_code": "eur", "items": [{"variant_id": "mug"}], "channel_id": "pos"}`)
	if rec.Code != 400 {
		t.Errorf("a body naming a channel: status %d: %s", rec.Code, rec.Body)
	}
}

// A bad value from the host's own functions is the host's bug: a 500, logged, and no
// word of it to the shopper.
func TestStoreHostErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts httpapi.Options
	}{
		{"customer ID", httpapi.Options{CustomerID: func(*http.Request) string { return "bad\x00id" }}},
		{"tax rate", httpapi.Options{TaxRate: func(*http.Request, string, string) *float64 { rate := 11.0; return &rate }}},
		{"channel ID", httpapi.Options{ChannelID: func(*http.Request) string { return "bad\x00id" }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			tc.opts.Logger = slog.New(slog.NewTextHandler(&log, nil))
			e := newEnv(t, &tc.opts)
			rec := serve(e.store, "POST", "/store/prices", `{"currency_code": "usd", "items": [{"variant_id": "shirt"}]}`)
			if rec.Code != 500 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if err := matchJSON(`{"type": "unexpected_state", "message": "internal error"}`, decode(t, rec)); err != nil {
				t.Error(err)
			}
			if !strings.Contains(log.String(), "from Options, is invalid") || !strings.Contains(log.String(), "path=/store/prices") {
				t.Errorf("log: %s", log.String())
			}
		})
	}
}

func TestStoreRoutes(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/store/prices", 405},
		{"POST", "/store/price", 404},
		{"GET", "/admin/customer-groups", 404}, // the admin routes are not on the storefront's handler
	} {
		rec := serve(e.store, tc.method, tc.path, "")
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		decode(t, rec)
	}
}

// Under a host's prefix, with http.StripPrefix, every route and the 405s still work.
func TestMountUnderPrefix(t *testing.T) {
	e := newEnv(t, &httpapi.Options{CustomerID: sessionCustomer})
	mux := http.NewServeMux()
	mux.Handle("/pricing/admin/", http.StripPrefix("/pricing", e.admin))
	mux.Handle("/pricing/store/", http.StripPrefix("/pricing", e.store))
	if rec := serve(mux, "GET", "/pricing/admin/customer-groups/vip", ""); rec.Code != 200 {
		t.Errorf("admin under the prefix: %d %s", rec.Code, rec.Body)
	}
	rec := serve(mux, "POST", "/pricing/store/prices", `{"currency_code": "usd", "items": [{"variant_id": "shirt"}]}`, customerHeader+": cus_acme")
	if err := matchJSON(`{"prices": [{"calculated_amount": 1400}]}`, decode(t, rec)); err != nil {
		t.Errorf("storefront under the prefix: %v", err)
	}
	rec = serve(mux, "DELETE", "/pricing/admin/prices/p_hat_usd", "")
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("a method not served under the prefix: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}
