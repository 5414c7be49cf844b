package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// A host application that keeps its customers in its own table creates a customer and
// adds them to a customer group in one transaction: both happen, or neither. The store
// lives in the host's pool (New), and WithTx binds a Store to the host's transaction.
// (The example needs a server, so go test compiles it without running it;
// TestHostTransaction runs the same steps.)
func ExampleStore_WithTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := postgres.New(ctx, pool, nil) // the tables live in the schema "pricing"
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	svc := pricing.New(store)
	wholesale, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "Wholesale"})
	if err != nil {
		log.Fatal(err)
	}

	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO customers (id, email) VALUES ($1, $2)`, "cus_acme", "buyer@acme.example"); err != nil {
			return err
		}
		// A Service over the Store bound to tx: its writes commit with the host's.
		return pricing.New(store.WithTx(tx)).AddCustomers(ctx, wholesale.ID, []string{"cus_acme"})
	})
	if err != nil {
		log.Fatal(err) // a serialization failure (SQLSTATE 40001) is the host's to retry
	}
	groups, err := svc.CustomerGroupsOf(ctx, "cus_acme")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(groups[0].Name)
}

// A store with a pool of its own, on the default schema "pricing".
func ExampleOpen() {
	ctx := context.Background()
	store, err := postgres.Open(ctx, "postgres://app@db.internal:5432/shop", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	svc := pricing.New(store)
	res, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_acme"}, "tshirt", 60)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.CalculatedAmount, res.CalculatedType)
}
