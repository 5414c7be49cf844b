package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/commercekit/pricing"
)

// params reads the query parameters of a request, each once, collecting the errors:
// a parameter the route does not take is an error too, so that a misspelled filter
// is not silently ignored. A list parameter is repeated (id=a&id=b) or written as
// Medusa's clients write arrays (id[]=a, id[0]=a); a time range is an operator map
// (created_at[gte]=..., with gt, gte, lt and lte).
type params struct {
	values url.Values
	used   map[string]bool
	fields []FieldError
	opts   *Options
}

// newParams parses the query of r. A query that does not parse is the first error.
func newParams(r *http.Request, opts *Options) *params {
	p := &params{values: url.Values{}, used: map[string]bool{}, opts: opts}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		p.fail("", "the query does not parse: "+err.Error())
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys) // id[0] before id[1], and the same order on every run
	for _, k := range keys {
		name := k
		if base, index, ok := strings.Cut(k, "["); ok && strings.HasSuffix(index, "]") && isIndex(index[:len(index)-1]) {
			name = base
		}
		p.values[name] = append(p.values[name], values[k]...)
	}
	return p
}

// isIndex reports whether s is "" or decimal digits: the index of id[] or id[3].
func isIndex(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (p *params) fail(field, reason string) {
	p.fields = append(p.fields, FieldError{Field: field, Reason: reason})
}

// str returns the value of a parameter given at most once, "" when absent.
func (p *params) str(name string) string {
	p.used[name] = true
	vs := p.values[name]
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	p.fail(name, "given more than once")
	return ""
}

// list returns every value of a list parameter, nil when absent.
func (p *params) list(name string) []string {
	p.used[name] = true
	return p.values[name]
}

// integer returns an integer parameter, def when absent.
func (p *params) integer(name string, def int) int {
	s := p.str(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.fail(name, fmt.Sprintf("%q is not an integer", s))
		return def
	}
	return n
}

// boolean returns a boolean parameter: "true" or "false"; false when absent.
func (p *params) boolean(name string) bool {
	switch s := p.str(name); s {
	case "", "false":
		return false
	case "true":
		return true
	default:
		p.fail(name, fmt.Sprintf("%q is neither true nor false", s))
		return false
	}
}

// instant returns a time parameter in RFC 3339, zero when absent.
func (p *params) instant(name string) time.Time {
	s := p.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(name, fmt.Sprintf("%q is not an RFC 3339 time", s))
	}
	return t
}

// timeRange returns the range of name[gte], name[gt], name[lt] and name[lte]: the
// half-open pricing.TimeRange they mean (times are exact to the nanosecond, so
// "after t" is "from t+1ns").
func (p *params) timeRange(name string) pricing.TimeRange {
	var r pricing.TimeRange
	bound := func(op string) (time.Time, bool) {
		t := p.instant(name + "[" + op + "]")
		return t, !t.IsZero()
	}
	gte, hasGTE := bound("gte")
	gt, hasGT := bound("gt")
	lt, hasLT := bound("lt")
	lte, hasLTE := bound("lte")
	switch {
	case hasGTE && hasGT:
		p.fail(name+"[gt]", "cannot be combined with "+name+"[gte]")
	case hasGTE:
		r.From = gte
	case hasGT:
		r.From = gt.Add(time.Nanosecond)
	}
	switch {
	case hasLT && hasLTE:
		p.fail(name+"[lte]", "cannot be combined with "+name+"[lt]")
	case hasLT:
		r.To = lt
	case hasLTE:
		r.To = lte.Add(time.Nanosecond)
	}
	return r
}

// page returns the limit and offset of a listing: limit from 1 to the handler's
// MaxLimit, DefaultLimit when absent; offset 0 or more.
func (p *params) page() (limit, offset int) {
	limit = p.integer("limit", p.opts.DefaultLimit)
	if limit < 1 || limit > p.opts.MaxLimit {
		p.fail("limit", fmt.Sprintf("want 1 to %d", p.opts.MaxLimit))
	}
	offset = p.integer("offset", 0)
	if offset < 0 {
		p.fail("offset", "negative")
	}
	return limit, offset
}

// err returns the errors met so far and one for each parameter that was not read, as
// a 400; nil when there are none.
func (p *params) err() error {
	fields := p.fields
	var unknown []string
	for name := range p.values {
		if !p.used[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		fields = append(fields, FieldError{Field: name, Reason: "unknown query parameter"})
	}
	if len(fields) == 0 {
		return nil
	}
	msg := make([]string, len(fields))
	for i, f := range fields {
		msg[i] = f.Field + ": " + f.Reason
	}
	return invalid("invalid query: "+strings.Join(msg, "; "), fields...)
}
