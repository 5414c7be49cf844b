package pricing

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"
)

// JSON forms. Every entity, input, filter, query and resolution has a stable JSON form,
// given by the json tags of its fields: snake_case names, Medusa's where Medusa has
// them, amounts as integers of minor units. The methods of this file add what tags
// cannot say: an absent time (a zero time.Time) is null; a price that a resolution
// does not have is null; and in a PriceListUpdate, null clears a bound (as a pointer
// to the zero time does) while a missing member leaves it unchanged. Decoding takes
// null for an absent time everywhere. The golden files in testdata/json pin every form.

// nullTime is a time that is null in JSON when zero.
type nullTime time.Time

func (t nullTime) MarshalJSON() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte("null"), nil
	}
	return time.Time(t).MarshalJSON()
}

// optional is a member of a JSON object that may be missing, null or set: set reports
// that it was there, v holds its value (the zero value for null).
type optional[T any] struct {
	set bool
	v   T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

// MarshalJSON writes the list with null for an unbounded StartsAt or EndsAt, and []
// for an empty audience or set of channels.
func (pl PriceList) MarshalJSON() ([]byte, error) {
	type plain PriceList
	return json.Marshal(struct {
		plain
		StartsAt         nullTime `json:"starts_at"`
		EndsAt           nullTime `json:"ends_at"`
		CustomerGroupIDs []string `json:"customer_group_ids"`
		CustomerIDs      []string `json:"customer_ids"`
		ChannelIDs       []string `json:"channel_ids"`
	}{plain(pl), nullTime(pl.StartsAt), nullTime(pl.EndsAt), nonNil(pl.CustomerGroupIDs), nonNil(pl.CustomerIDs), nonNil(pl.ChannelIDs)})
}

// UnmarshalJSON reads a list; an empty set of groups, customers or channels ([] or
// null) is nil, as the Service keeps it.
func (pl *PriceList) UnmarshalJSON(b []byte) error {
	type plain PriceList
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	for _, ids := range []*[]string{&p.CustomerGroupIDs, &p.CustomerIDs, &p.ChannelIDs} {
		if len(*ids) == 0 {
			*ids = nil
		}
	}
	*pl = PriceList(p)
	return nil
}

// MarshalJSON writes the input with null for an unbounded StartsAt or EndsAt.
func (in NewPriceList) MarshalJSON() ([]byte, error) {
	type plain NewPriceList
	return json.Marshal(struct {
		plain
		StartsAt nullTime `json:"starts_at"`
		EndsAt   nullTime `json:"ends_at"`
	}{plain(in), nullTime(in.StartsAt), nullTime(in.EndsAt)})
}

// MarshalJSON writes the update with the members it sets: null for a bound it clears.
func (u PriceListUpdate) MarshalJSON() ([]byte, error) {
	type plain PriceListUpdate
	out := struct {
		plain
		StartsAt   *nullTime `json:"starts_at,omitempty"`
		EndsAt     *nullTime `json:"ends_at,omitempty"`
		Adjustment any       `json:"adjustment,omitempty"`
	}{plain: plain(u), StartsAt: (*nullTime)(u.StartsAt), EndsAt: (*nullTime)(u.EndsAt)}
	switch {
	case u.Adjustment != nil && *u.Adjustment == (Adjustment{}):
		out.Adjustment = json.RawMessage("null")
	case u.Adjustment != nil:
		out.Adjustment = u.Adjustment
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads an update: a missing member leaves its field nil (unchanged);
// null for starts_at or ends_at clears the bound, null for customer_group_ids,
// customer_ids or channel_ids empties the set, as [] does, and null for adjustment
// removes it.
func (u *PriceListUpdate) UnmarshalJSON(b []byte) error {
	type plain PriceListUpdate
	var in struct {
		plain
		StartsAt         optional[time.Time]  `json:"starts_at"`
		EndsAt           optional[time.Time]  `json:"ends_at"`
		CustomerGroupIDs optional[[]string]   `json:"customer_group_ids"`
		CustomerIDs      optional[[]string]   `json:"customer_ids"`
		ChannelIDs       optional[[]string]   `json:"channel_ids"`
		Adjustment       optional[Adjustment] `json:"adjustment"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*u = PriceListUpdate(in.plain)
	if in.StartsAt.set {
		u.StartsAt = &in.StartsAt.v
	}
	if in.EndsAt.set {
		u.EndsAt = &in.EndsAt.v
	}
	for _, f := range []struct {
		in  optional[[]string]
		out **[]string
	}{{in.CustomerGroupIDs, &u.CustomerGroupIDs}, {in.CustomerIDs, &u.CustomerIDs}, {in.ChannelIDs, &u.ChannelIDs}} {
		if f.in.set {
			ids := nonNil(f.in.v)
			*f.out = &ids
		}
	}
	if in.Adjustment.set {
		u.Adjustment = &in.Adjustment.v
	}
	return nil
}

// MarshalJSON writes the range with null for an unbounded end.
func (r TimeRange) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		From nullTime `json:"from"`
		To   nullTime `json:"to"`
	}{nullTime(r.From), nullTime(r.To)})
}

// MarshalJSON writes the query with null for a zero At (now).
func (q Query) MarshalJSON() ([]byte, error) {
	type plain Query
	return json.Marshal(struct {
		plain
		At nullTime `json:"at"`
	}{plain(q), nullTime(q.At)})
}

// MarshalJSON writes the resolution with null for the prices it does not have.
func (r Resolution) MarshalJSON() ([]byte, error) {
	type plain Resolution
	out := struct {
		plain
		CalculatedPrice  *Price    `json:"calculated_price"`
		OriginalPrice    *Price    `json:"original_price"`
		ValidUntil       nullTime  `json:"valid_until"`
		ReductionStart   *nullTime `json:"reduction_start,omitempty"`
		PriorFrom        *nullTime `json:"prior_from,omitempty"`
		LowestPriorPrice *Price    `json:"lowest_prior_price,omitempty"`
	}{plain: plain(r), ValidUntil: nullTime(r.ValidUntil)}
	if !r.ReductionStart.IsZero() {
		out.ReductionStart, out.PriorFrom = (*nullTime)(&r.ReductionStart), (*nullTime)(&r.PriorFrom)
	}
	if r.HasLowestPrior {
		out.LowestPriorPrice = &r.LowestPriorPrice
	}
	if r.Found {
		out.CalculatedPrice = &r.CalculatedPrice
	}
	if r.HasOriginal {
		out.OriginalPrice = &r.OriginalPrice
	}
	return json.Marshal(out)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// JSONField returns Field as a JSON client names it: the path of the member in the
// input's JSON form, such as "prices[3].currency_code" for "Prices[3].CurrencyCode".
func (e *FieldError) JSONField() string {
	return jsonPathOf(e.Field)
}

// jsonPathOf turns a Go field path into the path of the JSON members: each name in
// snake_case, as the json tags of the inputs spell them.
func jsonPathOf(goPath string) string {
	var b strings.Builder
	// "IDs" is one word: CustomerGroupIDs is customer_group_ids.
	runes := []rune(strings.ReplaceAll(goPath, "IDs", "Ids"))
	for i, r := range runes {
		if unicode.IsUpper(r) {
			prev := rune(0)
			if i > 0 {
				prev = runes[i-1]
			}
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MarshalJSON writes the options with null for a zero At (now).
func (o PreviewOptions) MarshalJSON() ([]byte, error) {
	type plain PreviewOptions
	return json.Marshal(struct {
		plain
		At nullTime `json:"at"`
	}{plain(o), nullTime(o.At)})
}

// MarshalJSON writes the overlap with null for an unbounded To, and [] for no
// candidates.
func (ov Overlap) MarshalJSON() ([]byte, error) {
	type plain Overlap
	return json.Marshal(struct {
		plain
		To           nullTime    `json:"to"`
		PriceListIDs []string    `json:"price_list_ids"`
		Candidates   []Candidate `json:"candidates"`
	}{plain(ov), nullTime(ov.To), nonNil(ov.PriceListIDs), nonNil(ov.Candidates)})
}
