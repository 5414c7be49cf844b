package pricing_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/memory"
	"github.com/commercekit/pricing/storetest"
)

// The public API contract of /spec/API.md, name by name and signature by signature. This
// file only has to compile: a renamed or retyped name breaks the build.

// Entry points.
var (
	_ func() *memory.Store                                               = memory.New
	_ func(string, *bolt.Options) (*bolt.Store, error)                   = bolt.Open
	_ func(*bolt.Store) error                                            = (*bolt.Store).Close
	_ pricing.Store                                                      = (*memory.Store)(nil)
	_ pricing.Store                                                      = (*bolt.Store)(nil)
	_ func(pricing.Store, ...pricing.Option) *pricing.Service            = pricing.New
	_ func(func() time.Time) pricing.Option                              = pricing.WithClock
	_ func(func() string) pricing.Option                                 = pricing.WithIDGenerator
	_ func(*testing.T, func(t *testing.T) pricing.Store)                 = storetest.Run
	_ func(pricing.Store, context.Context, func(pricing.Tx) error) error = pricing.Store.View
	_ func(pricing.Store, context.Context, func(pricing.Tx) error) error = pricing.Store.Update
	_ func(pricing.Store) error                                          = pricing.Store.Close
)

// Service methods.
var (
	apiSvc *pricing.Service

	_ func(context.Context, pricing.NewCustomerGroup) (pricing.CustomerGroup, error)            = apiSvc.CreateCustomerGroup
	_ func(context.Context, string) (pricing.CustomerGroup, error)                              = apiSvc.CustomerGroup
	_ func(context.Context, string, pricing.CustomerGroupUpdate) (pricing.CustomerGroup, error) = apiSvc.UpdateCustomerGroup
	_ func(context.Context, string) error                                                       = apiSvc.DeleteCustomerGroup
	_ func(context.Context, pricing.CustomerGroupFilter) ([]pricing.CustomerGroup, int, error)  = apiSvc.ListCustomerGroups
	_ func(context.Context, string, []string) error                                             = apiSvc.AddCustomers
	_ func(context.Context, string, []string) error                                             = apiSvc.RemoveCustomers
	_ func(context.Context, string, int, int) ([]string, int, error)                            = apiSvc.GroupCustomers
	_ func(context.Context, string) ([]pricing.CustomerGroup, error)                            = apiSvc.CustomerGroupsOf
	_ func(context.Context, string, []string) error                                             = apiSvc.SetCustomerGroups
	_ func(context.Context, string) ([]pricing.PriceList, error)                                = apiSvc.PriceListsOfGroup
	_ func(context.Context, pricing.NewPriceList) (pricing.PriceList, error)                    = apiSvc.CreatePriceList
	_ func(context.Context, string) (pricing.PriceList, error)                                  = apiSvc.PriceList
	_ func(context.Context, string, pricing.PriceListUpdate) (pricing.PriceList, error)         = apiSvc.UpdatePriceList
	_ func(context.Context, string) error                                                       = apiSvc.DeletePriceList
	_ func(context.Context, pricing.PriceListFilter) ([]pricing.PriceList, int, error)          = apiSvc.ListPriceLists
	_ func(context.Context, string, []pricing.PriceInput, bool) ([]pricing.Price, error)        = apiSvc.AddPrices
	_ func(context.Context, string, []string) error                                             = apiSvc.DeletePrices
	_ func(context.Context, string, []string) (int, error)                                      = apiSvc.DeleteVariantPrices
	_ func(context.Context, pricing.PriceFilter) ([]pricing.Price, int, error)                  = apiSvc.ListPrices
	_ func(context.Context, string, []pricing.PriceInput) ([]pricing.Price, error)              = apiSvc.SetBasePrices
	_ func(context.Context, string) ([]pricing.Price, error)                                    = apiSvc.BasePrices
	_ func(context.Context, pricing.Query, string, int64) (pricing.Resolution, error)           = apiSvc.Resolve
	_ func(context.Context, pricing.Query, []pricing.Item) ([]pricing.Resolution, error)        = apiSvc.ResolveMany
)

// Constants, with their values.
var (
	_ pricing.PriceListType   = pricing.Sale
	_ pricing.PriceListType   = pricing.Override
	_ pricing.PriceListStatus = pricing.Draft
	_ pricing.PriceListStatus = pricing.Active
)

// Errors.
var _ = []error{pricing.ErrNotFound, pricing.ErrAlreadyExists, pricing.ErrInvalid, pricing.ErrConflict, pricing.ErrNoPrice, pricing.ErrClosed}

// Entities and inputs: every field of API.md, with its type, by composite literal.
var (
	_ = pricing.CustomerGroup{
		ID: "", Name: "", Metadata: map[string]any(nil), CreatedAt: time.Time{}, UpdatedAt: time.Time{},
	}
	_ = pricing.PriceList{
		ID: "", Name: "", Description: "",
		Type: pricing.PriceListType(""), Status: pricing.PriceListStatus(""),
		StartsAt: time.Time{}, EndsAt: time.Time{},
		CustomerGroupIDs: []string(nil), IncludesTax: false, Metadata: map[string]any(nil),
		CreatedAt: time.Time{}, UpdatedAt: time.Time{},
	}
	_ = pricing.Price{
		ID: "", PriceListID: "", VariantID: "", CurrencyCode: "", RegionID: "",
		Amount: int64(0), MinQuantity: int64(0), MaxQuantity: int64(0), IncludesTax: false,
	}
	_ = pricing.NewCustomerGroup{ID: "", Name: "", Metadata: map[string]any(nil)}
	_ = pricing.CustomerGroupUpdate{Name: (*string)(nil), Metadata: map[string]any(nil)}
	_ = pricing.PriceInput{
		ID: "", VariantID: "", CurrencyCode: "", RegionID: "",
		Amount: int64(0), MinQuantity: int64(0), MaxQuantity: int64(0), IncludesTax: false,
	}
	_ = pricing.NewPriceList{
		ID: "", Name: "", Description: "",
		Type: pricing.PriceListType(""), Status: pricing.PriceListStatus(""),
		StartsAt: time.Time{}, EndsAt: time.Time{},
		CustomerGroupIDs: []string(nil), IncludesTax: false, Metadata: map[string]any(nil),
		Prices: []pricing.PriceInput(nil),
	}
	_ = pricing.PriceListUpdate{
		Name: (*string)(nil), Description: (*string)(nil),
		Type: (*pricing.PriceListType)(nil), Status: (*pricing.PriceListStatus)(nil),
		StartsAt: (*time.Time)(nil), EndsAt: (*time.Time)(nil),
		CustomerGroupIDs: (*[]string)(nil), IncludesTax: (*bool)(nil), Metadata: map[string]any(nil),
	}
	_ = pricing.CustomerGroupFilter{Limit: int(0), Offset: int(0)}
	_ = pricing.PriceListFilter{Limit: int(0), Offset: int(0)}
	_ = pricing.PriceFilter{Limit: int(0), Offset: int(0)}
	_ = pricing.Query{
		CurrencyCode: "", RegionID: "", CustomerID: "", CustomerGroupIDs: []string(nil),
		At: time.Time{}, TaxRate: (*float64)(nil), Explain: false,
	}
	_ = pricing.Item{VariantID: "", Quantity: int64(0)}
	_ = pricing.Resolution{
		VariantID: "", Quantity: int64(0), Found: false,
		CalculatedAmount: int64(0), CalculatedPrice: pricing.Price{}, CalculatedType: "",
		HasOriginal: false, OriginalAmount: int64(0), OriginalPrice: pricing.Price{},
	}
)

// The string values of the contract, which hosts store and compare.
func TestAPIValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{string(pricing.Sale), "sale"},
		{string(pricing.Override), "override"},
		{string(pricing.Draft), "draft"},
		{string(pricing.Active), "active"},
		{pricing.TypeDefault, "default"},
		{pricing.TypeSale, "sale"},
		{pricing.TypeOverride, "override"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// bolt.Open with nil options opens with the defaults, and the Service works over it the
// same as over memory; Close is idempotent and the data outlives it.
func TestAPIBoltOpenNilOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pricing.db")
	st, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := pricing.New(st, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
	must1[pricing.CustomerGroup](t)(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "Wholesale", Metadata: map[string]any{"n": 1}}))
	must(t, st.Close())
	if err := st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := svc.CustomerGroup(ctx, "id_001"); !errors.Is(err, pricing.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	st, err = bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g := must1[pricing.CustomerGroup](t)(pricing.New(st).CustomerGroup(ctx, "id_001"))
	want := pricing.CustomerGroup{ID: "id_001", Name: "Wholesale", Metadata: map[string]any{"n": 1.0}, CreatedAt: t0, UpdatedAt: t0, Revision: 1}
	deepEqual(t, "group after reopening", g, want)
}
