package httpapi

import (
	"errors"
	"testing"
)

// A type error names its member by its path in the body, indices included, however
// much comes before it.
func TestTypeErrorPath(t *testing.T) {
	type item struct {
		VariantID string `json:"variant_id"`
		Quantity  int64  `json:"quantity"`
	}
	type body struct {
		Metadata map[string]any      `json:"metadata"`
		Items    []item              `json:"items"`
		Matrix   [][]int             `json:"matrix"`
		Rules    map[string][]string `json:"rules"`
		Flag     bool                `json:"flag"`
		Window   optional[[]string]  `json:"window"`
	}
	for _, tc := range []struct {
		body, field string
	}{
		{`{"items": [{"variant_id": "a"}, {"variant_id": "b", "quantity": "2"}]}`, "items[1].quantity"},
		{`{"metadata": {"items": [1, {"quantity": "x"}], "a]": "[b"}, "items": [{"quantity": true}]}`, "items[0].quantity"},
		{`{"items": [{}, {}, 5]}`, "items[2]"},
		{`{"items": {}}`, "items"},
		{`{"matrix": [[1], [2, 3, "4"]]}`, "matrix[1][2]"},
		{`{"rules": {"customer_group_id": ["a", 7]}}`, "rules.customer_group_id[1]"},
		{`{"flag": "yes"}`, "flag"},
		{`  [1]`, ""},
		{`{"window": [1]}`, "window"}, // from a custom decoder: its own path, without the index
	} {
		var v body
		err := decodeJSON([]byte(tc.body), &v)
		var re *requestError
		if !errors.As(err, &re) || re.status != 400 || len(re.body.Fields) != 1 {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if got := re.body.Fields[0].Field; got != tc.field {
			t.Errorf("%s: field %q, want %q", tc.body, got, tc.field)
		}
	}
}
