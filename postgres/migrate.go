package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commercekit/pricing"
)

// The schema's migrations: migrations/NNNN_name.sql, applied in order of NNNN.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one step of the schema: the SQL that takes it from version-1 to version,
// and, for some, a step in Go that runs after the SQL, in the same transaction.
type migration struct {
	version int
	name    string
	sql     string
	step    func(ctx context.Context, tx pgx.Tx) error
}

// migrationSteps are the Go steps of the migrations that have one, by version: what SQL
// cannot compute as the store does.
var migrationSteps = map[int]func(ctx context.Context, tx pgx.Tx) error{
	4: migrateListOrder,
}

// migrateListOrder is the Go step of version 4: the name keys of the names beyond
// ASCII, and the count of the lists of each stripe.
func migrateListOrder(ctx context.Context, tx pgx.Tx) error {
	if err := fillNameKeys(ctx, tx); err != nil {
		return err
	}
	return countStripes(ctx, tx)
}

// countStripes sets the count of lists of each stripe of price_list_versions.
func countStripes(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT id FROM price_lists`)
	if err != nil {
		return err
	}
	var counts [numStripes]int64
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		counts[stripe(id)]++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE price_list_versions v SET lists = u.n FROM unnest($1::bigint[]) WITH ORDINALITY AS u(n, i)
		WHERE v.stripe = u.i - 1`, counts[:])
	return err
}

// fillNameKeys sets the name_key of every price list whose name has a character beyond
// ASCII to pricing.NameOrderKey of its name: the SQL of version 4 lowered the names
// under COLLATE "C", which is exact for ASCII only.
func fillNameKeys(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT id, name FROM price_lists WHERE octet_length(name) <> char_length(name)`)
	if err != nil {
		return err
	}
	var ids, keys []string
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return err
		}
		ids, keys = append(ids, id), append(keys, pricing.NameOrderKey(name))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE price_lists l SET name_key = u.key FROM unnest($1::text[], $2::text[]) AS u(id, key)
		WHERE l.id = u.id`, ids, keys)
	return err
}

// migrations are the embedded migrations, in order.
var migrations = mustLoadMigrations(migrationFiles)

// SchemaVersion is the version of the schema this package writes: the number of its
// migrations.
var SchemaVersion = len(migrations)

func mustLoadMigrations(fsys fs.FS) []migration {
	ms, err := loadMigrations(fsys)
	if err != nil {
		panic(err)
	}
	return ms
}

// loadMigrations reads migrations/*.sql; their numbers must run 1, 2, 3, ...
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, rest, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("postgres: migration %s: want NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: rest, sql: string(b), step: migrationSteps[v]})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: migration %d_%s: want version %d", m.version, m.name, i+1)
		}
	}
	return ms, nil
}

// lockKey returns the key of the advisory lock that serializes the migrations of a
// schema: a hash of the package's path and the schema name.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("github.com/commercekit/pricing/postgres\x00" + schema))
	return int64(h.Sum64())
}

// version returns the schema's version: 0 when its version table does not exist. It
// looks for the table with a query of pg_class, not by its name: a name that a
// connection once failed to find stays cached as missing until the connection next
// takes a relation lock, and a store waiting for another's migration must see the
// tables that migration made.
func (s *Store) version(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = 'schema_migrations')`, s.schema).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v int
	err := q.QueryRow(ctx, s.st.currentVersion).Scan(&v)
	return v, err
}

// migrate brings the schema to the version of ms. Every pending migration runs in one
// transaction, under a transaction-level advisory lock keyed by the schema, so that of
// stores starting at once on one schema exactly one migrates and the others find the
// work done. A schema at a newer version is refused with ErrSchemaTooNew before
// anything is written, and a schema already current takes no lock.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquiring a connection: %w", err)
	}
	defer conn.Release()
	var encoding string
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_encoding')`).Scan(&encoding); err != nil {
		return fmt.Errorf("postgres: reading the server's encoding: %w", err)
	}
	if encoding != "UTF8" {
		return fmt.Errorf("postgres: the database's encoding is %s; the store needs UTF8", encoding)
	}
	latest := len(ms)
	v, err := s.version(ctx, conn)
	if err != nil {
		return fmt.Errorf("postgres: reading the version of schema %q: %w", s.schema, err)
	}
	switch {
	case v > latest:
		return s.tooNew(v, latest)
	case v == latest:
		return nil
	}

	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrating schema %q: %w", s.schema, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey(s.schema)); err != nil {
		return fmt.Errorf("postgres: locking schema %q for its migration: %w", s.schema, err)
	}
	// Another store may have migrated while this one waited for the lock.
	if v, err = s.version(ctx, tx); err != nil {
		return fmt.Errorf("postgres: reading the version of schema %q: %w", s.schema, err)
	}
	switch {
	case v > latest:
		return s.tooNew(v, latest)
	case v == latest:
		return tx.Commit(ctx)
	}
	quoted := pgx.Identifier{s.schema}.Sanitize()
	var schemaExists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)`, s.schema).Scan(&schemaExists); err != nil {
		return fmt.Errorf("postgres: migrating schema %q: %w", s.schema, err)
	}
	if !schemaExists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+quoted); err != nil {
			return fmt.Errorf("postgres: creating schema %q: %w", s.schema, err)
		}
	}
	if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+quoted); err != nil {
		return fmt.Errorf("postgres: migrating schema %q: %w", s.schema, err)
	}
	for _, m := range ms[v:] {
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("postgres: migrating schema %q to version %d (%s): %w", s.schema, m.version, m.name, describe(err))
		}
		if m.step != nil {
			if err := m.step(ctx, tx); err != nil {
				return fmt.Errorf("postgres: migrating schema %q to version %d (%s), its Go step: %w", s.schema, m.version, m.name, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+quoted+`.schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return fmt.Errorf("postgres: migrating schema %q to version %d (%s): %w", s.schema, m.version, m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: committing the migration of schema %q: %w", s.schema, err)
	}
	return nil
}

func (s *Store) tooNew(v, latest int) error {
	return fmt.Errorf("%w: schema %q is at version %d, and this package knows versions up to %d: upgrade github.com/commercekit/pricing/postgres",
		ErrSchemaTooNew, s.schema, v, latest)
}

// describe adds the position of a server error to its message.
func describe(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Position > 0 {
		return fmt.Errorf("%w (at character %d)", err, pgErr.Position)
	}
	return err
}
