package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commercekit/pricing/postgres"
)

// The tests find a server through PRICING_POSTGRES_URL. Without it they skip, or fail
// when PRICING_POSTGRES_REQUIRED is 1 (as in CI, so that a run without a server cannot
// pass for a run with one). scripts/pgtest.sh starts a throwaway server and sets both.

const noServer = `PRICING_POSTGRES_URL is not set, so there is no PostgreSQL server to test against.
Run the tests against a throwaway server with one command from the repository's root:
	scripts/pgtest.sh                 (go test ./... in postgres/; arguments replace the command)
or set PRICING_POSTGRES_URL to a pgx connection string of an empty database, e.g.
	PRICING_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/pricing_test?sslmode=disable'`

// serverURL returns the server's connection string, or skips t (fails it when a
// server is required).
func serverURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("PRICING_POSTGRES_URL")
	if url == "" {
		if os.Getenv("PRICING_POSTGRES_REQUIRED") == "1" {
			t.Fatal("PRICING_POSTGRES_REQUIRED=1: " + noServer)
		}
		t.Skip(noServer)
	}
	return url
}

var (
	sharedOnce sync.Once
	shared     *pgxpool.Pool
	sharedErr  error
	schemaSeq  atomic.Int64
)

// sharedPool returns a pool on the test server shared by the tests of this process.
func sharedPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := serverURL(t)
	sharedOnce.Do(func() {
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			sharedErr = err
			return
		}
		cfg.MaxConns = 16
		shared, sharedErr = pgxpool.NewWithConfig(context.Background(), cfg)
	})
	if sharedErr != nil {
		t.Fatalf("connecting to PRICING_POSTGRES_URL: %v", sharedErr)
	}
	return shared
}

// newSchema returns the name of a schema that does not exist yet, dropped (with what
// it holds) when t ends.
func newSchema(t testing.TB) string {
	t.Helper()
	pool := sharedPool(t)
	name := fmt.Sprintf("pricing_test_%d_%d", os.Getpid(), schemaSeq.Add(1))
	drop := func() {
		if _, err := pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
	}
	drop()
	t.Cleanup(drop)
	return name
}

// migrated holds schemas that were migrated for a test and emptied when it ended:
// migrating a new schema takes hundreds of milliseconds (PostgreSQL syncs each new
// index to disk), emptying one a few.
var migrated struct {
	sync.Mutex
	free []string
	all  []string
}

// emptySchema returns an empty, migrated schema for t's store, and makes it free again
// when t ends: emptied if t's store is closed by then, else dropped.
func emptySchema(t testing.TB) string {
	t.Helper()
	pool := sharedPool(t)
	migrated.Lock()
	var name string
	if n := len(migrated.free); n > 0 {
		name, migrated.free = migrated.free[n-1], migrated.free[:n-1]
	}
	migrated.Unlock()
	if name == "" {
		name = fmt.Sprintf("pricing_test_%d_%d", os.Getpid(), schemaSeq.Add(1))
		migrated.Lock()
		if len(migrated.all) == 0 {
			registerExit(dropMigrated)
		}
		migrated.all = append(migrated.all, name)
		migrated.Unlock()
	}
	t.Cleanup(func() {
		q := pgx.Identifier{name}.Sanitize()
		_, err := pool.Exec(context.Background(), "DELETE FROM "+q+".customer_group_members; DELETE FROM "+q+".customer_groups; DELETE FROM "+q+".prices; DELETE FROM "+q+".price_lists; "+
			"DELETE FROM "+q+".journal_items; DELETE FROM "+q+".journal_entries; UPDATE "+q+".journal_revision SET last = 0; "+
			"UPDATE "+q+".price_list_versions SET lists = 0")
		if err != nil {
			_, _ = pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+q+" CASCADE")
		}
		migrated.Lock()
		migrated.free = append(migrated.free, name)
		migrated.Unlock()
	})
	return name
}

// dropMigrated drops the schemas of emptySchema at the end of the process. It gives up
// after a while: a test that failed may have left a transaction open.
func dropMigrated() {
	migrated.Lock()
	defer migrated.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range migrated.all {
		_, _ = shared.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
	}
}

// newStore returns a Store on an empty schema of the shared pool (Options.Schema, if
// set, else one of emptySchema's), closed when t ends.
func newStore(t testing.TB, o *postgres.Options) *postgres.Store {
	t.Helper()
	var opts postgres.Options
	if o != nil {
		opts = *o
	}
	if opts.Schema == "" {
		opts.Schema = emptySchema(t)
	}
	s, err := postgres.New(t.Context(), sharedPool(t), &opts)
	if err != nil {
		t.Fatalf("postgres.New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
