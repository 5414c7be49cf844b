package pricing

import (
	"maps"
	"time"
)

// CustomerGroup is a named set of customers, such as wholesale buyers or frequent buyers,
// that price lists can target.
type CustomerGroup struct {
	ID        string
	Name      string
	Metadata  map[string]any
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Clone returns a deep copy of g.
func (g CustomerGroup) Clone() CustomerGroup {
	g.Metadata = CloneMetadata(g.Metadata)
	return g
}

// NewCustomerGroup is the input of Service.CreateCustomerGroup. ID is optional: empty,
// the Service generates one.
type NewCustomerGroup struct {
	ID       string
	Name     string
	Metadata map[string]any
}

// CustomerGroupUpdate is the input of Service.UpdateCustomerGroup. A nil Name leaves the
// name unchanged. Metadata is merged into the group's: a key set to "" is removed.
type CustomerGroupUpdate struct {
	Name     *string
	Metadata map[string]any
}

// CustomerGroupFilter selects customer groups for Service.ListCustomerGroups. Zero fields
// select everything.
type CustomerGroupFilter struct {
	// Q keeps groups whose name contains Q, compared case-insensitively.
	Q string
	// IDs keeps groups with one of these IDs.
	IDs []string
	// Names keeps groups with one of these names, compared case-insensitively.
	Names []string
	// CustomerID keeps the groups this customer belongs to.
	CustomerID string
	// CreatedAt and UpdatedAt keep groups whose timestamps fall in the range.
	CreatedAt, UpdatedAt TimeRange
	// Order is one of "created_at", "updated_at", "name", each optionally prefixed with
	// "-" for descending order. Empty: "-created_at", newest first.
	Order string
	// Limit is the page size (0: no limit); Offset skips that many matches first.
	Limit, Offset int
}

// TimeRange is the half-open interval [From, To). A zero bound is unbounded.
type TimeRange struct {
	From, To time.Time
}

// Contains reports whether t is in the range.
func (r TimeRange) Contains(t time.Time) bool {
	return (r.From.IsZero() || !t.Before(r.From)) && (r.To.IsZero() || t.Before(r.To))
}

// CloneMetadata returns a deep copy of a metadata map as the Service stores it: nested
// maps and slices are copied, other values are immutable. Nil stays nil.
func CloneMetadata(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for k, v := range out {
		out[k] = cloneJSONValue(v)
	}
	return out
}

func cloneJSONValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return CloneMetadata(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneJSONValue(e)
		}
		return out
	}
	return v
}
