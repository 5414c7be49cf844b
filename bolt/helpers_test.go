package bolt_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// checked is a Store whose Close first runs Check, so that every test that closes its
// store also proves the file consistent.
type checked struct {
	*bolt.Store
	t *testing.T
}

func (c *checked) Close() error {
	if err := c.Store.Check(context.Background()); err != nil && !errors.Is(err, pricing.ErrClosed) {
		c.t.Errorf("Check before Close: %v", err)
	}
	return c.Store.Close()
}

// openTemp opens a new store in a temporary directory, with NoSync, checked and closed
// when the test ends. It returns the store and the file's path.
func openTemp(t testing.TB) (*bolt.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pricing.db")
	s, err := bolt.Open(path, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(context.Background()); err != nil && !errors.Is(err, pricing.ErrClosed) {
			t.Errorf("Check: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// update runs fn in an Update and fails the test on error.
func update(t testing.TB, s pricing.Store, fn func(tx pricing.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a View and fails the test on error.
func view(t testing.TB, s pricing.Store, fn func(tx pricing.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// collect gathers what an iteration method yields.
func collect[T any](iter func(func(T) bool) error) ([]T, error) {
	var out []T
	err := iter(func(v T) bool { out = append(out, v); return true })
	return out, err
}
