package pricing_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/memory"
)

// retryingStore runs every Update function twice, as a store that retries a
// transaction after a serialization failure does: the first run is rolled back, the
// second one counts.
type retryingStore struct {
	pricing.Store
}

var errFirstRun = errors.New("first run, rolled back")

func (s retryingStore) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	err := s.Store.Update(ctx, func(tx pricing.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errFirstRun
	})
	if !errors.Is(err, errFirstRun) {
		return err
	}
	return s.Store.Update(ctx, fn)
}

// The Service never relies on a transaction function running once: every operation,
// run on a store that runs each function twice, returns and stores what it does on a
// store that runs it once.
func TestServiceSurvivesRetriedTransactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type step struct {
		name string
		run  func(svc *pricing.Service) (any, error)
	}
	str := func(s string) *string { return &s }
	yes := true
	steps := []step{
		{"CreateCustomerGroup", func(svc *pricing.Service) (any, error) {
			return svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "vip", Name: "VIP", Metadata: map[string]any{"a": 1}})
		}},
		{"CreateCustomerGroup with a generated ID", func(svc *pricing.Service) (any, error) {
			return svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "Wholesale"})
		}},
		{"UpdateCustomerGroup", func(svc *pricing.Service) (any, error) {
			return svc.UpdateCustomerGroup(ctx, "vip", pricing.CustomerGroupUpdate{Name: str("Very Important"), Metadata: map[string]any{"b": "x"}})
		}},
		{"AddCustomers", func(svc *pricing.Service) (any, error) {
			return nil, svc.AddCustomers(ctx, "vip", []string{"c1", "c2", "c3"})
		}},
		{"RemoveCustomers", func(svc *pricing.Service) (any, error) { return nil, svc.RemoveCustomers(ctx, "vip", []string{"c2"}) }},
		{"ChangeCustomers", func(svc *pricing.Service) (any, error) {
			return nil, svc.ChangeCustomers(ctx, "vip", []string{"c4"}, []string{"c1"})
		}},
		{"SetCustomerGroups", func(svc *pricing.Service) (any, error) {
			return nil, svc.SetCustomerGroups(ctx, "c3", []string{"id_001"})
		}},
		{"CreatePriceList with generated price IDs", func(svc *pricing.Service) (any, error) {
			return svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl", Name: "VIP prices", Status: pricing.Active,
				CustomerGroupIDs: []string{"vip"}, Prices: ps(pi("", 900), pi("", 800, qty(10, 0)), pi("", 700, variant("hat")))})
		}},
		{"UpdatePriceList, tax flag", func(svc *pricing.Service) (any, error) {
			return svc.UpdatePriceList(ctx, "pl", pricing.PriceListUpdate{IncludesTax: &yes, Description: str("d")})
		}},
		{"AddPrices", func(svc *pricing.Service) (any, error) {
			return svc.AddPrices(ctx, "pl", ps(pi("", 850), pi("", 600, variant("mug"))), false)
		}},
		{"AddPrices with replace", func(svc *pricing.Service) (any, error) {
			return svc.AddPrices(ctx, "pl", ps(pi("", 840), pi("", 500, variant("cap"))), true)
		}},
		{"BatchPrices", func(svc *pricing.Service) (any, error) {
			return svc.BatchPrices(ctx, "pl", pricing.PriceBatch{Create: ps(pi("", 820, variant("sock"))), Delete: []string{"id_012"}})
		}},
		{"SetBasePrices", func(svc *pricing.Service) (any, error) {
			return svc.SetBasePrices(ctx, "shirt", ps(pi("", 1000), pi("", 950, rg("reg_us"))))
		}},
		{"Resolve", func(svc *pricing.Service) (any, error) {
			return svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "c1", Explain: true}, "shirt", 1)
		}},
		{"DeleteVariantPrices", func(svc *pricing.Service) (any, error) {
			return svc.DeleteVariantPrices(ctx, "pl", []string{"cap", "ghost"})
		}},
		{"DeletePrices", func(svc *pricing.Service) (any, error) {
			return nil, svc.DeletePrices(ctx, "pl", []string{"id_011", "nope"})
		}},
		{"DeleteCustomerGroup refused", func(svc *pricing.Service) (any, error) {
			return nil, svc.DeleteCustomerGroup(ctx, "vip")
		}},
		{"DeletePriceList", func(svc *pricing.Service) (any, error) { return nil, svc.DeletePriceList(ctx, "pl") }},
		{"DeleteCustomerGroup", func(svc *pricing.Service) (any, error) { return nil, svc.DeleteCustomerGroup(ctx, "vip") }},
	}
	once, onceStore := newService(t)
	twiceStore := retryingStore{memory.New()}
	twice := pricing.New(twiceStore, pricing.WithClock(func() time.Time { return t0 }), pricing.WithIDGenerator(seqIDs("id")))
	for _, s := range steps {
		want, wantErr := s.run(once)
		got, gotErr := s.run(twice)
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			t.Fatalf("%s: err %v on a retrying store, %v on a plain one", s.name, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s returned on a retrying store:\n %+v\nand on a plain one:\n %+v", s.name, got, want)
		}
		deepEqual(t, "the store after "+s.name, dumpStore(t, twiceStore), dumpStore(t, onceStore))
	}
}
