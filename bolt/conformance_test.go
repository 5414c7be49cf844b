package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/storetest"
)

// TestConformance runs the Store conformance suite on a file store per subtest, then
// checks each file's consistency.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pricing.Store {
		s, err := bolt.Open(filepath.Join(t.TempDir(), "pricing.db"), &bolt.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		return &checked{Store: s, t: t}
	})
}
