package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// schemaState describes a schema: its relations with their files and the rows of its
// version table, so that two states differ if anything was created, dropped, rewritten
// or recorded.
func schemaState(t *testing.T, schema string) string {
	t.Helper()
	ctx := context.Background()
	pool := sharedPool(t)
	var state string
	err := pool.QueryRow(ctx, `SELECT coalesce(string_agg(c.relname || ':' || c.relkind::text || ':' || c.relfilenode::text, ',' ORDER BY c.relname), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`, schema).Scan(&state)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT version, name, applied_at::text FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()+` ORDER BY version`)
	if err != nil {
		return state + " (no version table: " + err.Error() + ")"
	}
	for rows.Next() {
		var v int
		var name, at string
		if err := rows.Scan(&v, &name, &at); err != nil {
			t.Fatal(err)
		}
		state += fmt.Sprintf(" v%d %s %s", v, name, at)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return state
}

// versions returns the versions recorded in the schema.
func versions(t *testing.T, schema string) []int {
	t.Helper()
	rows, err := sharedPool(t).Query(context.Background(), `SELECT version FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()+` ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func wantVersions(t *testing.T, schema string) {
	t.Helper()
	got := versions(t, schema)
	if len(got) != postgres.SchemaVersion {
		t.Fatalf("schema_migrations holds %v, want 1 to %d once each", got, postgres.SchemaVersion)
	}
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("schema_migrations holds %v, want 1 to %d once each", got, postgres.SchemaVersion)
		}
	}
}

// A new schema is created and migrated to SchemaVersion; opening it again changes
// nothing.
func TestMigrateFresh(t *testing.T) {
	schema := newSchema(t)
	s := newStore(t, &postgres.Options{Schema: schema})
	wantVersions(t, schema)
	if err := s.Check(t.Context()); err != nil {
		t.Fatalf("Check of a new schema: %v", err)
	}
	before := schemaState(t, schema)
	newStore(t, &postgres.Options{Schema: schema})
	if after := schemaState(t, schema); after != before {
		t.Errorf("opening a current schema changed it:\n before %s\n after  %s", before, after)
	}
	// A schema the host made (empty, version 0) is migrated too.
	empty := newSchema(t)
	if _, err := sharedPool(t).Exec(t.Context(), "CREATE SCHEMA "+empty); err != nil {
		t.Fatal(err)
	}
	newStore(t, &postgres.Options{Schema: empty})
	wantVersions(t, empty)
}

// Ten stores, each with a pool of its own, opened at once on a new schema: every Open
// succeeds, and each migration is recorded once (a second run would fail on the
// tables the first made).
func TestMigrateConcurrent(t *testing.T) {
	schema := newSchema(t)
	url := serverURL(t)
	const n = 10
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	stores := make([]*postgres.Store, n)
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(t.Context(), url, &postgres.Options{Schema: schema})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d of %d at once: %v", i, n, err)
		} else {
			defer stores[i].Close()
		}
	}
	wantVersions(t, schema)
}

// A schema that a newer version of the package migrated is refused with
// ErrSchemaTooNew, and left exactly as it was.
func TestMigrateNewerRefused(t *testing.T) {
	schema := newSchema(t)
	s := newStore(t, &postgres.Options{Schema: schema})
	ctx := t.Context()
	svc := pricing.New(s)
	if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "Kept"}); err != nil {
		t.Fatal(err)
	}
	future := postgres.SchemaVersion + 1
	if _, err := sharedPool(t).Exec(ctx, `INSERT INTO `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()+` (version, name) VALUES ($1, 'from the future')`, future); err != nil {
		t.Fatal(err)
	}
	before := schemaState(t, schema)
	_, err := postgres.New(ctx, sharedPool(t), &postgres.Options{Schema: schema})
	if !errors.Is(err, postgres.ErrSchemaTooNew) {
		t.Fatalf("New on a schema at version %d: got %v, want ErrSchemaTooNew", future, err)
	}
	t.Logf("the error: %v", err)
	_, err = postgres.Open(ctx, serverURL(t), &postgres.Options{Schema: schema})
	if !errors.Is(err, postgres.ErrSchemaTooNew) {
		t.Fatalf("Open on a schema at version %d: got %v, want ErrSchemaTooNew", future, err)
	}
	if after := schemaState(t, schema); after != before {
		t.Errorf("a refused schema changed:\n before %s\n after  %s", before, after)
	}
	var groups int
	if err := sharedPool(t).QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "customer_groups"}.Sanitize()).Scan(&groups); err != nil || groups != 1 {
		t.Errorf("the refused schema's data: %d groups, %v; want the 1 group it held", groups, err)
	}
}

// Schema names are validated before anything reaches the server: only lower-case
// identifiers that need no quoting, not reserved.
func TestSchemaNames(t *testing.T) {
	for _, name := range []string{`Pricing`, `pg_pricing`, `a;drop table x`, `a"b`, `1abc`, `with space`, `ünï`, `a-b`,
		"x\x00y", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd"} {
		_, err := postgres.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", &postgres.Options{Schema: name})
		if !errors.Is(err, pricing.ErrInvalid) {
			t.Errorf("Open with schema %q: got %v, want an error wrapping ErrInvalid", name, err)
		}
	}
	// Valid names reach the server.
	for _, name := range []string{"_p", "p_2", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghija"} {
		s := newStore(t, &postgres.Options{Schema: fmt.Sprintf("%s%02d", name, os.Getpid()%100)})
		if err := s.Check(t.Context()); err != nil {
			t.Errorf("schema %q: %v", name, err)
		}
		_, _ = sharedPool(t).Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{s.Schema()}.Sanitize()+" CASCADE")
	}
}

// Two stores on two schemas of one database are independent.
func TestSchemasIndependent(t *testing.T) {
	a, b := pricing.New(newStore(t, nil)), pricing.New(newStore(t, nil))
	ctx := t.Context()
	if _, err := a.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_1", Name: "Same"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_1", Name: "Same"}); err != nil {
		t.Fatalf("the same group in another schema: %v", err)
	}
	if err := a.DeleteCustomerGroup(ctx, "cg_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CustomerGroup(ctx, "cg_1"); err != nil {
		t.Errorf("deleting a group in one schema touched the other: %v", err)
	}
}

// The privileges the package doc lists are enough at run time: a role with USAGE on
// the schema and SELECT, INSERT, UPDATE, DELETE on its tables runs the Service, and
// cannot migrate.
func TestRuntimePrivileges(t *testing.T) {
	ctx := t.Context()
	pool := sharedPool(t)
	var super bool
	if err := pool.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		t.Fatal(err)
	}
	if !super {
		t.Skip("the test server's user is not a superuser: cannot create the role of this test")
	}
	schema := newSchema(t)
	newStore(t, &postgres.Options{Schema: schema})
	role := fmt.Sprintf("pricing_app_%d", os.Getpid())
	q := pgx.Identifier{schema}.Sanitize()
	r := pgx.Identifier{role}.Sanitize()
	for _, stmt := range []string{
		`DROP ROLE IF EXISTS ` + r,
		`CREATE ROLE ` + r + ` LOGIN`,
		`GRANT USAGE ON SCHEMA ` + q + ` TO ` + r,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + q + ` TO ` + r,
	} {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), `DROP OWNED BY `+r)
		_, _ = pool.Exec(context.Background(), `DROP ROLE IF EXISTS `+r)
	})
	u, err := url.Parse(serverURL(t))
	if err != nil || u.Scheme == "" {
		t.Skipf("PRICING_POSTGRES_URL is not a URL (%v): cannot connect as another role", err)
	}
	u.User = url.User(role)
	s, err := postgres.Open(ctx, u.String(), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatalf("Open as a role with the run-time privileges: %v", err)
	}
	defer s.Close()
	svc := pricing.New(s)
	g, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "Wholesale"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddCustomers(ctx, g.ID, []string{"cus_1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePriceList(ctx, pricing.NewPriceList{Name: "Trade", Status: pricing.Active, CustomerGroupIDs: []string{g.ID},
		Prices: []pricing.PriceInput{{VariantID: "v", CurrencyCode: "usd", Amount: 5}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, "v", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	// Migrating needs more: the same role cannot create a new schema.
	if _, err := postgres.Open(ctx, u.String(), &postgres.Options{Schema: newSchema(t)}); err == nil {
		t.Error("a role without CREATE on the database migrated a new schema")
	} else {
		t.Logf("migrating without the privilege: %v", err)
	}
}
