package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/commercekit/pricing/httpapi"
	"github.com/commercekit/pricing/pricingtest"
)

// fixture is the catalog every handler test starts from: groups wholesale (cus_acme,
// cus_bolt), vip (cus_ada) and empty; an active override list for wholesale, an
// active sale for vip, a spring sale for everyone in March 2026 and a draft list;
// base prices of shirt (usd, eur) and hat (usd). The clock is at pricingtest.T0,
// 2026-01-01.
const fixture = "testdata/catalog.json"

// env is a Service over memory loaded with the fixture, and its handlers.
type env struct {
	*pricingtest.Env
	admin, store http.Handler
}

func newEnv(t testing.TB, opts *httpapi.Options) *env {
	t.Helper()
	e := pricingtest.New(t, fixture)
	return &env{Env: e, admin: httpapi.NewAdminHandler(e.Service, opts), store: httpapi.NewStoreHandler(e.Service, opts)}
}

// serve sends a request to h. A body is sent as application/json unless a
// Content-Type is given in headers ("Name: value").
func serve(h http.Handler, method, target, body string, headers ...string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// decode unmarshals a response body, failing the test when it is not JSON.
func decode(t testing.TB, rec *httptest.ResponseRecorder) any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json; body %s", ct, rec.Body)
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("the body is not JSON: %v\n%s", err, rec.Body)
	}
	return v
}

// matchJSON reports how got differs from want, a JSON text that got must contain:
// every member of a want object must be in got with a matching value (got may have
// more members), arrays must have the same length and matching elements, and other
// values must be equal.
func matchJSON(want string, got any) error {
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return fmt.Errorf("the test's want is not JSON: %v", err)
	}
	return match(w, got, "$")
}

func match(want, got any, path string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: got %s, want an object", path, show(got))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s: missing", path, k)
			}
			if err := match(w[k], gv, path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: got %s, want %d elements", path, show(got), len(w))
		}
		for i := range w {
			if err := match(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if want != got {
		return fmt.Errorf("%s: got %s, want %s", path, show(got), show(want))
	}
	return nil
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
