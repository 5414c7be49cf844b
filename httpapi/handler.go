package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/commercekit/pricing"
)

// Options configure the handlers. The zero value (or nil) is usable.
type Options struct {
	// CustomerID returns the ID of the customer a storefront request is made for, as the
	// host's session or authentication middleware established it, or "" for an
	// anonymous shopper. Nil: every storefront request is anonymous. A storefront
	// request never names its customer itself: a shopper must not price as another
	// customer. The admin handler does not use it.
	CustomerID func(r *http.Request) string
	// ChannelID returns the sales channel of a storefront request (the host's
	// storefront, POS or marketplace, as its API key or route says), or "" for none;
	// see pricing.Query.ChannelID. Nil: no storefront query names a channel. A shopper
	// cannot choose one: lists limited to a channel hold that channel's prices.
	ChannelID func(r *http.Request) string
	// TaxRate returns the tax rate of a storefront request for its currency (in lower
	// case) and region (0.2 for 20%), or nil when the host does not know it; see
	// pricing.Query.TaxRate. Nil: no storefront query has a rate. A shopper cannot
	// give one: the rate decides which of a tax-inclusive and a tax-exclusive price is
	// lower.
	TaxRate func(r *http.Request, currencyCode, regionID string) *float64
	// Logger receives the errors answered with status 500, whose bodies say only
	// "internal error". Nil: slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes limits the size of a request body; a larger one is answered with
	// status 413. 0: 1 MiB.
	MaxBodyBytes int64
	// DefaultLimit is the page size of a listing whose request gives no limit, and
	// MaxLimit the largest limit a request may give. 0: 50 (Medusa's default) and 1000.
	DefaultLimit int
	MaxLimit     int
}

// The defaults of Options.
const (
	defaultMaxBodyBytes = 1 << 20
	defaultLimit        = 50
	defaultMaxLimit     = 1000
)

// withDefaults returns a copy of o with every zero field set to its default.
func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.MaxBodyBytes <= 0 {
		out.MaxBodyBytes = defaultMaxBodyBytes
	}
	if out.MaxLimit <= 0 {
		out.MaxLimit = defaultMaxLimit
	}
	if out.DefaultLimit <= 0 {
		out.DefaultLimit = min(defaultLimit, out.MaxLimit)
	}
	out.DefaultLimit = min(out.DefaultLimit, out.MaxLimit)
	return out
}

// handler serves one set of routes over a Service.
type handler struct {
	svc  *pricing.Service
	opts Options
	mux  *http.ServeMux
}

func newHandler(svc *pricing.Service, opts *Options) *handler {
	h := &handler{svc: svc, opts: opts.withDefaults(), mux: http.NewServeMux()}
	h.mux.HandleFunc("/", h.notFound)
	return h
}

// ServeHTTP serves a request with the handler's routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// route is the work of one route: the value to answer with status 200 as JSON, or an
// error for WriteError.
type route func(r *http.Request) (any, error)

// handle registers a route under a ServeMux pattern ("POST /admin/customer-groups").
// Its request body, if any, is limited to MaxBodyBytes.
func (h *handler) handle(pattern string, fn route) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
		v, err := fn(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, b)
	})
}

// probeMethods are the methods the routes use, in the order an Allow header lists them.
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}

// notFound answers a request that no route matches: 405 with an Allow header when the
// path has routes for other methods, else 404, both with an ErrorBody.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range probeMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = slices.Insert(allow, 1, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeErrorBody(w, http.StatusMethodNotAllowed, ErrorBody{Type: TypeNotAllowed,
			Message: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + strings.Join(allow, ", ")})
		return
	}
	writeErrorBody(w, http.StatusNotFound, ErrorBody{Type: TypeNotFound, Message: "no route for " + r.Method + " " + r.URL.Path})
}

// TypeNotAllowed is the ErrorBody type of a request whose method the path does not
// serve (status 405), as Medusa names it.
const TypeNotAllowed = "not_allowed"

// fail answers err: a requestError as it says, any other error as Error classifies
// it, with the fields of invalid input renamed by a renamedError. A 500 is logged.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var re *requestError
	if errors.As(err, &re) {
		writeErrorBody(w, re.status, re.body)
		return
	}
	status, body := Error(err)
	if status == http.StatusInternalServerError {
		h.opts.Logger.ErrorContext(r.Context(), "pricing: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var rn *renamedError
	if errors.As(err, &rn) {
		for i := range body.Fields {
			body.Fields[i].Field = rn.rename(body.Fields[i].Field)
		}
	}
	writeErrorBody(w, status, body)
}

// writeErrorBody writes an error response as WriteError does.
func writeErrorBody(w http.ResponseWriter, status int, body ErrorBody) {
	b, _ := json.Marshal(body) // an ErrorBody always encodes
	writeJSON(w, status, b)
}

// writeJSON writes an encoded JSON value as the response.
func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// renamedError is an error of the Service whose field paths the request spells
// differently: a Medusa alias ("title" for "name"), or a path parameter.
type renamedError struct {
	err     error
	renames map[string]string // path prefix in the Service's error → in the request
}

func (e *renamedError) Error() string { return e.err.Error() }
func (e *renamedError) Unwrap() error { return e.err }

// rename returns the request's path for a field path of the Service's error: the
// longest prefix in renames, ending at a member or index boundary, replaced.
func (e *renamedError) rename(field string) string {
	best := ""
	for from := range e.renames {
		if len(from) > len(best) && hasPathPrefix(field, from) {
			best = from
		}
	}
	if best == "" {
		return field
	}
	return e.renames[best] + field[len(best):]
}

// hasPathPrefix reports whether path is prefix or begins with it followed by a member
// or an index.
func hasPathPrefix(path, prefix string) bool {
	rest, ok := strings.CutPrefix(path, prefix)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
}

// renamed wraps err so that its field paths are renamed; nil stays nil, and so does
// err when there is nothing to rename.
func renamed(err error, renames map[string]string) error {
	if err == nil || len(renames) == 0 {
		return err
	}
	return &renamedError{err: err, renames: renames}
}
