package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
	"github.com/commercekit/pricing/storetest"
)

// The Store contract, checked by the conformance suite every store passes. Each store
// it opens has a schema of its own, which Check verifies when the rule ends (through
// another Store on the schema, since some rules close theirs).
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pricing.Store {
		s := newStore(t, nil)
		t.Cleanup(func() { checkSchema(t, s.Schema()) })
		return s
	})
}

// checkSchema runs Check on the schema.
func checkSchema(t testing.TB, schema string) {
	t.Helper()
	ctx := context.Background() // t.Context() is done in a cleanup
	s, err := postgres.New(ctx, sharedPool(t), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatalf("postgres.New(%s) for Check: %v", schema, err)
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// The store on a pool that uses the simple protocol, as hosts behind PgBouncer's
// transaction pooling configure pgx: values are then sent as text, results come back
// as text, and batches are one multi-statement query.
func TestConformanceSimpleProtocol(t *testing.T) {
	cfg, err := pgxpool.ParseConfig(serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	storetest.Run(t, func(t *testing.T) pricing.Store {
		s, err := postgres.New(t.Context(), pool, &postgres.Options{Schema: emptySchema(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { checkSchema(t, s.Schema()) })
		return s
	})
}
