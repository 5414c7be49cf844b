package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// SetPollInterval sets the poll interval of the feeds that start from now on, and
// returns a function that restores it.
func SetPollInterval(d time.Duration) (restore func()) {
	old := pollNs.Swap(int64(d))
	return func() { pollNs.Store(old) }
}

// MigrateTo brings the schema of pool to version only (at most SchemaVersion), as the
// release of the package whose schema that version was did, without opening a Store.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, schema string, version int) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	s := &Store{pool: pool, schema: schema, st: newStatements(schema)}
	return s.migrate(ctx, migrations[:version])
}
