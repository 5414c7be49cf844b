package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/postgres"
)

// storeFlags say which store a command works on: a bbolt file (--db), or a schema of
// a PostgreSQL database (--postgres). Another kind of store is one more flag here and
// one more case in openStore.
type storeFlags struct {
	db     string // the bbolt file
	bucket string // its root bucket
	pg     string // the PostgreSQL connection string
	schema string // its schema
	// set records the flags given on the command line (not taken from the
	// environment), so that --postgres overrides $PRICING_DB and --db $PRICING_POSTGRES.
	set map[string]bool
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	if f.set == nil {
		f.set = map[string]bool{}
		f.db = os.Getenv("PRICING_DB")
		f.pg = os.Getenv("PRICING_POSTGRES")
	}
	fs.Func("db", "the store's bbolt `file` (default $PRICING_DB)", func(s string) error { f.db, f.set["db"] = s, true; return nil })
	fs.StringVar(&f.bucket, "bucket", f.bucket, "the store's root bucket in the bbolt file (default \""+bolt.DefaultBucket+"\")")
	fs.Func("postgres", "the store's PostgreSQL database: a pgx connection `URL` (default $PRICING_POSTGRES)", func(s string) error {
		f.pg, f.set["postgres"] = s, true
		return nil
	})
	fs.StringVar(&f.schema, "schema", f.schema, "the store's schema in the PostgreSQL database (default \""+postgres.DefaultSchema+"\")")
}

// kind returns "bolt" or "postgres", the store the flags name, or an error when they
// name none or both.
func (f *storeFlags) kind() (string, error) {
	db, pg := f.db, f.pg
	switch {
	case db != "" && pg != "" && f.set["db"] && !f.set["postgres"]:
		pg = "" // --db given, $PRICING_POSTGRES in the environment
	case db != "" && pg != "" && f.set["postgres"] && !f.set["db"]:
		db = ""
	}
	switch {
	case db != "" && pg != "":
		return "", usagef("two stores: give --db FILE or --postgres URL, not both (or unset PRICING_DB or PRICING_POSTGRES)")
	case pg != "":
		return "postgres", nil
	case db != "":
		return "bolt", nil
	}
	return "", usagef("no store: give --db FILE (or set PRICING_DB), or --postgres URL (or set PRICING_POSTGRES)")
}

// store is an open store and the Service over it.
type store struct {
	svc  *pricing.Service
	name string // the file, for messages
	// bolt is the bbolt store, for check and compact; nil on postgres.
	bolt *bolt.Store
	// check verifies the store, nil when the store cannot.
	check func(context.Context) error
	close func() error
}

// errDamaged reports a store file that cannot even be opened because it is damaged.
var errDamaged = errors.New("the file is damaged")

// openStore opens the store the flags name. A readOnly store is opened so that it is
// never written: not migrated, not created.
func (e *env) openStore(readOnly bool) (*store, error) {
	f := e.store
	kind, err := f.kind()
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		return e.openPostgres(readOnly)
	}
	opts := &bolt.Options{Bucket: f.bucket}
	if readOnly {
		if _, err := os.Stat(f.db); err != nil {
			return nil, err // bbolt would create the file
		}
		opts.Bolt = &bbolt.Options{ReadOnly: true}
	}
	bs, err := bolt.Open(f.db, opts)
	if err != nil {
		if damaged(err) {
			return nil, fmt.Errorf("%w: %w", errDamaged, err)
		}
		return nil, err
	}
	return &store{svc: pricing.New(bs), name: f.db, bolt: bs, check: bs.Check, close: bs.Close}, nil
}

// openPostgres opens the schema of the PostgreSQL database that the flags name. A
// schema that is not at this tool's version is migrated only for a command that
// writes: one that only reads refuses it.
func (e *env) openPostgres(readOnly bool) (*store, error) {
	f := e.store
	schema := f.schema
	if schema == "" {
		schema = postgres.DefaultSchema
	}
	cfg, err := pgconn.ParseConfig(f.pg)
	if err != nil {
		return nil, usagef("--postgres: %v", err)
	}
	name := fmt.Sprintf("schema %s of postgres://%s:%d/%s", schema, cfg.Host, cfg.Port, cfg.Database)
	if readOnly {
		v, err := schemaVersion(e.ctx, f.pg, schema)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		switch {
		case v == 0:
			return nil, fmt.Errorf("%s: no store there (a command that writes, such as import, makes one)", name)
		case v < postgres.SchemaVersion:
			return nil, fmt.Errorf("%s is at version %d, and this tool's is %d: a command that writes (import) migrates it; this one only reads", name, v, postgres.SchemaVersion)
		}
	}
	ps, err := postgres.Open(e.ctx, f.pg, &postgres.Options{Schema: schema})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &store{svc: pricing.New(ps), name: name, check: ps.Check, close: ps.Close}, nil
}

// schemaVersion returns the version of the store's schema, 0 when there is none.
func schemaVersion(ctx context.Context, url, schema string) (int, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = 'schema_migrations')`, schema).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var v int
	err = conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&v)
	return v, err
}

// damaged reports whether bbolt refused to open a file because its pages are damaged.
func damaged(err error) bool {
	return errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrInvalidMapping) ||
		errors.Is(err, bolt.ErrCorrupt)
}

// withStore opens the store, runs fn and closes the store.
func (e *env) withStore(readOnly bool, fn func(*store) error) error {
	s, err := e.openStore(readOnly)
	if err != nil {
		return err
	}
	err = fn(s)
	if cerr := s.close(); err == nil {
		err = cerr
	}
	return err
}
