package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/httpapi"
	"github.com/commercekit/pricing/memory"
)

// Every class of error the library returns has its status and type, and invalid input
// names each bad field by its JSON path.
func TestError(t *testing.T) {
	ctx := context.Background()
	svc := pricing.New(memory.New())
	if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "l", CustomerGroupIDs: []string{"vip"}}); err != nil {
		t.Fatal(err)
	}
	closed := memory.New()
	_ = closed.Close()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
		typ    string
		fields []httpapi.FieldError
	}{
		{"one bad field", errOf(svc.AddPrices(ctx, "pl", []pricing.PriceInput{{VariantID: "v", CurrencyCode: "usd", Amount: 1}, {VariantID: "v", CurrencyCode: "zzz"}}, false)),
			400, httpapi.TypeInvalidData, []httpapi.FieldError{{"prices[1].currency_code", `unknown currency "zzz" (register it with WithCurrencies)`}}},
		{"several bad fields", errOf(svc.CreatePriceList(ctx, pricing.NewPriceList{Type: "x", CustomerGroupIDs: []string{""}})),
			400, httpapi.TypeInvalidData, []httpapi.FieldError{{"name", "required"}, {"type", `"x" is neither "sale" nor "override"`}, {"customer_group_ids[0]", "required"}}},
		{"not found", errOf(svc.PriceList(ctx, "ghost")), 404, httpapi.TypeNotFound, nil},
		{"no price", errOf(svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd"}, "v", 1)), 404, httpapi.TypeNoPrice, nil},
		{"duplicate", errOf(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "vip"})), 409, httpapi.TypeDuplicate, nil},
		{"conflict", svc.DeleteCustomerGroup(ctx, "vip"), 409, httpapi.TypeConflict, nil},
		{"closed store", errOf(pricing.New(closed).PriceList(ctx, "pl")), 503, httpapi.TypeUnavailable, nil},
		{"canceled", errOf(svc.PriceList(canceled, "pl")), 503, httpapi.TypeUnavailable, nil},
		{"anything else", fmt.Errorf("bolt: disk on fire at /secret/path"), 500, httpapi.TypeUnexpected, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("the call did not fail")
			}
			rec := httptest.NewRecorder()
			httpapi.WriteError(rec, tc.err)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("status %d, content type %q; want %d, application/json", rec.Code, rec.Header().Get("Content-Type"), tc.status)
			}
			var body httpapi.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Type != tc.typ || fmt.Sprint(body.Fields) != fmt.Sprint(tc.fields) {
				t.Errorf("body %+v, want type %s, fields %v", body, tc.typ, tc.fields)
			}
			if tc.status == http.StatusInternalServerError && body.Message != "internal error" {
				t.Errorf("a 500 shows %q", body.Message)
			}
			if status, _ := httpapi.Error(tc.err); status != tc.status {
				t.Errorf("Error: %d", status)
			}
			if tc.status != 500 && body.Message != tc.err.Error() {
				t.Errorf("message %q, want the error's %q", body.Message, tc.err)
			}
		})
	}
}

// errOf returns the error of a call that returns a value and an error.
func errOf[T any](_ T, err error) error { return err }
