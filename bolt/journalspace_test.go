package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// TestJournalSpace measures the history's space on disk: the bytes the journal's
// buckets hold per recorded change, for price changes (an item holds the price before
// and after) and for memberships (an item holds the two IDs), written in batches of
// 1,000 as a host's imports write them. BENCHMARKS.md quotes its log:
//
//	go test -run TestJournalSpace -v ./bolt
func TestJournalSpace(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 40,000 changes")
	}
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		write func(t *testing.T, svc *pricing.Service) int // returns the changes made
		limit float64                                      // bytes per change the test allows
	}{
		{"price updates", func(t *testing.T, svc *pricing.Service) int {
			prices := make([]pricing.PriceInput, 1000)
			for i := range prices {
				prices[i] = pricing.PriceInput{VariantID: fmt.Sprintf("variant_%05d", i), CurrencyCode: "eur", Amount: 1000}
			}
			pl, err := svc.CreatePriceList(ctx, pricing.NewPriceList{Name: "Sale", Prices: prices})
			if err != nil {
				t.Fatal(err)
			}
			for round := 1; round <= 20; round++ {
				for i := range prices {
					prices[i].Amount = int64(1000 - round)
				}
				if _, err := svc.AddPrices(ctx, pl.ID, prices, false); err != nil {
					t.Fatal(err)
				}
			}
			return 21 * len(prices)
		}, 400},
		{"memberships", func(t *testing.T, svc *pricing.Service) int {
			ids := make([]string, 1000)
			for g := range 20 {
				grp, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: fmt.Sprintf("Group %d", g)})
				if err != nil {
					t.Fatal(err)
				}
				for i := range ids {
					ids[i] = fmt.Sprintf("cus_%02d_%05d", g, i)
				}
				if err := svc.AddCustomers(ctx, grp.ID, ids); err != nil {
					t.Fatal(err)
				}
			}
			return 20 * (len(ids) + 1)
		}, 250},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pricing.db")
			st, err := bolt.Open(path, &bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			changes := c.write(t, pricing.New(st))
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var journal, total int
			err = db.View(func(btx *bbolt.Tx) error {
				root := btx.Bucket([]byte(bolt.DefaultBucket))
				return root.ForEachBucket(func(name []byte) error {
					s := root.Bucket(name).Stats()
					n := s.LeafInuse + s.BranchInuse
					total += n
					switch string(name) {
					case "journal", "journal_items", "journal_keys":
						journal += n
					}
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			per := float64(journal) / float64(changes)
			t.Logf("%d changes: the journal's buckets hold %d bytes in use, %.0f per change; every bucket %d bytes", changes, journal, per, total)
			if per > c.limit {
				t.Errorf("%.0f bytes of journal per change, want at most %.0f", per, c.limit)
			}
		})
	}
}
