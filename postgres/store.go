package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commercekit/pricing"
)

// Errors of this package, matched with errors.Is. Errors of the pricing.Store contract
// wrap the pricing sentinels (pricing.ErrNotFound, pricing.ErrAlreadyExists,
// pricing.ErrClosed, pricing.ErrInvalid) instead.
var (
	// ErrSchemaTooNew reports a schema migrated by a newer version of this package.
	// Open and New leave such a schema untouched.
	ErrSchemaTooNew = errors.New("postgres: schema version too new")
	// ErrContention reports an Update that still failed with a serialization failure or
	// a deadlock, or on a lost connection, after Options.MaxRetries retries. The error
	// also wraps the last failure (a *pgconn.PgError for the first two).
	ErrContention = errors.New("postgres: transaction failed after its retries")
	// ErrCommitUnknown reports an Update whose connection was lost after it sent its
	// COMMIT and before the server answered: the Update may or may not have been
	// committed, and it is not retried.
	ErrCommitUnknown = errors.New("postgres: outcome of the commit unknown")
	// ErrCorrupt reports stored data that breaks the store's invariants. Check reports
	// every such problem.
	ErrCorrupt = errors.New("postgres: corrupt data")
)

// DefaultSchema is the schema of the store's tables when Options.Schema is empty.
const DefaultSchema = "pricing"

// DefaultMaxRetries is the number of retries of an Update when Options.MaxRetries is 0.
const DefaultMaxRetries = 10

// Options configures Open and New. The zero value, like a nil *Options, selects the
// defaults.
type Options struct {
	// Schema is the PostgreSQL schema that holds every table of the store; the store
	// touches nothing outside it. It must match ^[a-z_][a-z0-9_]{0,62}$ and not start
	// with "pg_". Empty means DefaultSchema. Two stores on different schemas of one
	// database are independent.
	Schema string
	// MaxRetries is how many times Update runs its function again after a
	// serialization failure, a deadlock, a unique-key race with another transaction, or
	// a connection lost before the commit. Zero means DefaultMaxRetries; a negative
	// value disables retries.
	MaxRetries int
	// ConfigurePool, when set, is called by Open with the pool's configuration, parsed
	// from the connection string, before the pool is created (to set its size, a
	// tracer, a custom dialer). New ignores it.
	ConfigurePool func(*pgxpool.Config)
}

func (o *Options) schema() string {
	if o == nil || o.Schema == "" {
		return DefaultSchema
	}
	return o.Schema
}

func (o *Options) maxRetries() int {
	switch {
	case o == nil || o.MaxRetries == 0:
		return DefaultMaxRetries
	case o.MaxRetries < 0:
		return 0
	}
	return o.MaxRetries
}

// Store is a pricing.Store on PostgreSQL. It is safe for concurrent use by multiple
// goroutines, and any number of Stores, in any number of processes, may share one
// schema.
type Store struct {
	pool       *pgxpool.Pool
	ownPool    bool // Close closes pool: Open created it
	schema     string
	st         *statements
	maxRetries int
	closed     atomic.Bool
	retries    atomic.Uint64
	terms      atomic.Pointer[termsCache] // every list's terms, for ReadCandidates
	feed       *feed                      // what WaitJournal waits on (feed.go)
}

var (
	_ pricing.Store           = (*Store)(nil)
	_ pricing.CandidateReader = (*Store)(nil)
)

var schemaPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// checkSchema validates a schema name: a lower-case SQL identifier that needs no
// quoting and is not reserved by PostgreSQL.
func checkSchema(name string) error {
	if !schemaPattern.MatchString(name) || len(name) >= 3 && name[:3] == "pg_" {
		return fmt.Errorf("postgres: schema name %q: want ^[a-z_][a-z0-9_]{0,62}$, not starting with pg_: %w", name, pricing.ErrInvalid)
	}
	return nil
}

// Open connects to the database of connString (a pgx connection string: a URL or
// key=value pairs) with a pool of its own, brings the store's schema up to date, and
// returns a Store on it. Close closes the pool. nil o selects the defaults.
func Open(ctx context.Context, connString string, o *Options) (*Store, error) {
	if err := checkSchema(o.schema()); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("postgres: connection string: %w", err)
	}
	if o != nil && o.ConfigurePool != nil {
		o.ConfigurePool(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s, err := New(ctx, pool, o)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.ownPool = true
	return s, nil
}

// New returns a Store whose tables live in the schema Options.Schema of the database
// of pool, a pool the host application owns and may use for its own tables. Like
// Open, it creates the schema or migrates it to the current version under an advisory
// lock, and refuses, with ErrSchemaTooNew, a schema migrated by a newer version of this
// package. The Store's Close does not close pool. nil o selects the defaults.
func New(ctx context.Context, pool *pgxpool.Pool, o *Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("postgres: New: nil *pgxpool.Pool")
	}
	schema := o.schema()
	if err := checkSchema(schema); err != nil {
		return nil, err
	}
	s := &Store{
		pool:       pool,
		schema:     schema,
		st:         newStatements(schema),
		maxRetries: o.maxRetries(),
		feed:       newFeed(),
	}
	if err := s.migrate(ctx, migrations); err != nil {
		return nil, err
	}
	return s, nil
}

// Pool returns the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the name of the store's schema.
func (s *Store) Schema() string { return s.schema }

// Stats are counters of a Store since it was made.
type Stats struct {
	// Retries counts the times an Update ran its function again (see
	// Options.MaxRetries).
	Retries uint64
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats { return Stats{Retries: s.retries.Load()} }

// Close marks the store closed: later View, Update and ReadCandidates calls return
// pricing.ErrClosed. If Open created the pool, Close waits for the connections in use to
// be released and closes it; a Store made by New leaves the host's pool open. Closing
// again returns nil.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.feed.close()
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}

// The statements that begin and end the store's own transactions.
const (
	beginView   = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
	beginUpdate = "BEGIN ISOLATION LEVEL SERIALIZABLE"
)

// View runs fn in a read-only transaction (REPEATABLE READ READ ONLY: one snapshot of
// the committed data). See pricing.Store. It does not retry: fn runs at most once.
func (s *Store) View(ctx context.Context, fn func(pricing.Tx) error) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.acquireError(err)
	}
	defer conn.Release()
	t := newTx(ctx, s.st, conn.Conn(), true)
	t.begin, t.commit, t.rollback = beginView, "COMMIT", "ROLLBACK"
	f, err := t.run(fn)
	if f != nil {
		return f.final()
	}
	return err
}

// Update runs fn in a SERIALIZABLE transaction and commits it when fn returns nil. When
// the transaction fails with a serialization failure or a deadlock, a unique key that a
// concurrent transaction took first, or a connection lost before the commit, Update
// rolls back and runs fn again, at most Options.MaxRetries times, after a pause that
// grows with each attempt (with jitter); so fn may run more than once, and must not
// have effects outside the transaction. From its fourth attempt on, an Update runs
// alone among the store's Updates on the schema, in every process: it waits for those
// in progress and holds off new ones, so that it cannot keep losing to them. See
// pricing.Store.
func (s *Store) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		f, err := s.updateOnce(ctx, fn, attempt >= aloneAfter)
		if f == nil {
			return err // nil, or fn's own error
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("postgres: %w, after: %w", err, f.final())
		}
		if !f.retry {
			return f.final()
		}
		if attempt >= s.maxRetries {
			return f.exhausted(attempt + 1)
		}
		s.retries.Add(1)
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return fmt.Errorf("postgres: %w while waiting to retry after: %w", err, f.final())
		}
		if s.closed.Load() {
			return pricing.ErrClosed
		}
	}
}

// aloneAfter is the number of failed attempts after which an Update runs alone.
const aloneAfter = 3

// updateOnce runs fn in one transaction. It returns fn's own error, or a failure of the
// transaction itself. Every Update locks the schema's transaction_lock table in ROW
// SHARE mode; alone, in EXCLUSIVE mode, so that it waits for the Updates in progress
// and holds off new ones: an Update that keeps losing to others finishes. The lock
// comes before the transaction's first query, so before its snapshot.
func (s *Store) updateOnce(ctx context.Context, fn func(pricing.Tx) error, alone bool) (*txFailure, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		if ctx.Err() == nil && !s.closed.Load() {
			return &txFailure{err: s.acquireError(err), retry: true, connLost: true}, nil
		}
		return nil, s.acquireError(err)
	}
	defer conn.Release()
	t := newTx(ctx, s.st, conn.Conn(), false)
	t.begin, t.commit, t.rollback = beginUpdate, "COMMIT", "ROLLBACK"
	t.lock = s.st.lockShared
	t.readsRevision = true
	if alone {
		t.lock = s.st.lockAlone
	}
	f, err := t.run(fn)
	if f == nil && err == nil && t.wroteEntry {
		s.feed.advance(t.rev) // committed: this process's waiters need not hear it from the server
	}
	return f, err
}

// acquireError maps the error of a pool's Acquire.
func (s *Store) acquireError(err error) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	return fmt.Errorf("postgres: acquiring a connection: %w", err)
}

// backoff returns the pause before retry number attempt (from 0): up to 1 ms before the
// first (the transaction that won has committed: a new snapshot sees it), then 1 ms
// doubled with each attempt up to 250 ms, with jitter of ±50%, so that two transactions
// that keep failing each other fall out of step.
func backoff(attempt int) time.Duration {
	if attempt == 0 {
		return rand.N(time.Millisecond)
	}
	d := min(time.Millisecond<<min(attempt-1, 8), 250*time.Millisecond)
	return d/2 + rand.N(d)
}

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// txFailure is a failure of the transaction itself, as opposed to an error that fn
// returned: the server or the connection failed a statement, or the commit.
type txFailure struct {
	err      error
	retry    bool // running fn again in a new transaction may succeed
	connLost bool // the connection failed, not a statement
	unique   bool // a unique constraint of the schema refused a write the cache allowed
}

func (f *txFailure) Error() string { return f.err.Error() }
func (f *txFailure) Unwrap() error { return f.err }

// final returns the error Update reports when it does not retry f.
func (f *txFailure) final() error {
	if f.unique {
		return fmt.Errorf("postgres: %w: %w", pricing.ErrAlreadyExists, f.err)
	}
	return f.err
}

// exhausted returns the error Update reports when its retries are spent.
func (f *txFailure) exhausted(attempts int) error {
	if f.unique {
		return fmt.Errorf("postgres: %w: a concurrent transaction took the key (%d attempts): %w", pricing.ErrAlreadyExists, attempts, f.err)
	}
	return fmt.Errorf("%w (%d attempts): %w", ErrContention, attempts, f.err)
}

// classify returns the failure of a statement, or of the connection, in a transaction.
func classify(ctx context.Context, conn interface{ IsClosed() bool }, err error) *txFailure {
	f := &txFailure{err: fmt.Errorf("postgres: %w", err)}
	if ctx.Err() != nil {
		return f
	}
	if errors.Is(err, errRevisionMoved) {
		f.retry = true
		return f
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "40001", pgErr.Code == "40P01": // serialization_failure, deadlock_detected
			f.retry = true
		case pgErr.Code == "23505": // unique_violation
			f.retry, f.unique = true, true
		case strings.HasPrefix(pgErr.Code, "08"), pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03":
			// connection exception, admin_shutdown, crash_shutdown, cannot_connect_now
			f.retry, f.connLost = true, true
		}
		return f
	}
	if conn != nil && conn.IsClosed() {
		f.retry, f.connLost = true, true
	}
	return f
}
