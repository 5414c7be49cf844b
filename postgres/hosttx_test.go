package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/storetest"
)

// hostTable makes the host's own table of customers, in its own schema, dropped when t
// ends.
func hostTable(t *testing.T) string {
	t.Helper()
	schema := newSchema(t)
	table := pgx.Identifier{schema, "customers"}.Sanitize()
	for _, stmt := range []string{
		"CREATE SCHEMA " + pgx.Identifier{schema}.Sanitize(),
		"CREATE TABLE " + table + " (id text PRIMARY KEY, email text NOT NULL)",
	} {
		if _, err := sharedPool(t).Exec(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	return table
}

// The steps of ExampleStore_WithTx: a customer in the host's table and their
// membership commit together, or roll back together; a failed Service call inside the
// host's transaction leaves that transaction usable and holds none of its writes.
func TestHostTransaction(t *testing.T) {
	ctx := t.Context()
	pool := sharedPool(t)
	store := newStore(t, nil)
	customers := hostTable(t)
	svc := pricing.New(store)
	g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_w", Name: "Wholesale"})
	if err != nil {
		t.Fatal(err)
	}
	groupsOf := func(customer string) []string {
		t.Helper()
		gs, err := svc.CustomerGroupsOf(ctx, customer)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range gs {
			ids = append(ids, g.ID)
		}
		return ids
	}
	hostHas := func(customer string) bool {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+customers+" WHERE id = $1", customer).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}

	// Commit once: both.
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO "+customers+" (id, email) VALUES ($1, $2)", "cus_acme", "buyer@acme.example"); err != nil {
			return err
		}
		inTx := pricing.New(store.WithTx(tx))
		if err := inTx.AddCustomers(ctx, g.ID, []string{"cus_acme"}); err != nil {
			return err
		}
		// Inside the transaction, its writes are visible to the Service bound to it, and
		// not yet to others.
		if gs, err := inTx.CustomerGroupsOf(ctx, "cus_acme"); err != nil || len(gs) != 1 {
			t.Errorf("inside the host's transaction: groups of cus_acme %v, %v; want [cg_w]", gs, err)
		}
		if got := groupsOf("cus_acme"); got != nil {
			t.Errorf("before the host commits, another Service sees the membership: %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hostHas("cus_acme") || !slices.Equal(groupsOf("cus_acme"), []string{"cg_w"}) {
		t.Fatalf("after the commit: customer %v, groups %v; want both", hostHas("cus_acme"), groupsOf("cus_acme"))
	}

	// Roll back: neither.
	errHost := errors.New("host gives up")
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO "+customers+" (id, email) VALUES ($1, $2)", "cus_gone", "x@example.com"); err != nil {
			return err
		}
		if err := pricing.New(store.WithTx(tx)).AddCustomers(ctx, g.ID, []string{"cus_gone"}); err != nil {
			return err
		}
		return errHost
	})
	if !errors.Is(err, errHost) {
		t.Fatal(err)
	}
	if hostHas("cus_gone") || groupsOf("cus_gone") != nil {
		t.Fatalf("after the host's rollback: customer %v, groups %v; want neither", hostHas("cus_gone"), groupsOf("cus_gone"))
	}

	// A Service call that fails inside the host's transaction (a taken name, refused by
	// the rules; a write the store refuses after the cache let it through) leaves the
	// transaction usable, without its writes.
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		inTx := pricing.New(store.WithTx(tx))
		if _, err := inTx.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "WHOLESALE"}); !errors.Is(err, pricing.ErrAlreadyExists) {
			t.Errorf("a taken name in the host's transaction: %v, want ErrAlreadyExists", err)
		}
		if err := inTx.AddCustomers(ctx, "cg_missing", []string{"cus_x"}); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("AddCustomers to a missing group: %v, want ErrNotFound", err)
		}
		errFn := errors.New("fn fails after writing")
		err := store.WithTx(tx).Update(ctx, func(ptx pricing.Tx) error {
			if err := ptx.AddMember(g.ID, "cus_half"); err != nil {
				return err
			}
			if _, err := ptx.CustomerGroup(g.ID); err != nil { // sends the buffered write
				return err
			}
			return errFn
		})
		if !errors.Is(err, errFn) {
			t.Errorf("Update: %v, want fn's error", err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+customers+" (id, email) VALUES ('cus_after', 'a@example.com')"); err != nil {
			t.Errorf("the host's transaction after failed Service calls: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hostHas("cus_after") || groupsOf("cus_half") != nil {
		t.Errorf("after the host's commit: cus_after %v (want true), groups of cus_half %v (want none)", hostHas("cus_after"), groupsOf("cus_half"))
	}

	// A serialization failure in the host's transaction comes back to the host, with its
	// SQLSTATE, for the host to retry; the store does not retry inside it.
	tx1, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(context.Background())
	s1 := pricing.New(store.WithTx(tx1))
	if _, err := s1.CustomerGroup(ctx, g.ID); err != nil { // tx1 takes its snapshot
		t.Fatal(err)
	}
	if _, err := svc.UpdateCustomerGroup(ctx, g.ID, pricing.CustomerGroupUpdate{Metadata: map[string]any{"by": "other"}}); err != nil {
		t.Fatal(err)
	}
	_, err = s1.UpdateCustomerGroup(ctx, g.ID, pricing.CustomerGroupUpdate{Metadata: map[string]any{"by": "host"}})
	if err == nil {
		err = tx1.Commit(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "40001" {
		t.Errorf("a concurrent update in the host's transaction: %v, want a serialization failure (40001)", err)
	}
}

// A TxStore is a pricing.Store too: the conformance suite passes on stores bound to
// host transactions (each of its stores in a transaction of its own, rolled back at
// the end).
func TestConformanceHostTx(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pricing.Store {
		store := newStore(t, nil)
		tx, err := sharedPool(t).BeginTx(t.Context(), pgx.TxOptions{IsoLevel: pgx.Serializable})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
		return store.WithTx(tx)
	})
}

// After its Store is closed, a TxStore refuses.
func TestHostTransactionClose(t *testing.T) {
	ctx := t.Context()
	store := newStore(t, nil)
	tx, err := sharedPool(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	ts := store.WithTx(tx)
	if err := ts.View(ctx, func(pricing.Tx) error { return nil }); err != nil {
		t.Fatalf("View: %v", err)
	}
	_ = store.Close()
	if err := ts.Update(ctx, func(pricing.Tx) error { return nil }); !errors.Is(err, pricing.ErrClosed) {
		t.Fatalf("Update after the Store's Close: %v, want ErrClosed", err)
	}
	var c pricing.Candidates
	if err := ts.ReadCandidates(ctx, pricing.CandidateRequest{CurrencyCode: "usd"}, &c); !errors.Is(err, pricing.ErrClosed) {
		t.Fatalf("ReadCandidates after the Store's Close: %v, want ErrClosed", err)
	}
}
