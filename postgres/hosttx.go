package postgres

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/commercekit/pricing"
)

// TxStore is a pricing.Store bound to a transaction that the host application holds
// (see Store.WithTx). Its View and Update run inside that transaction; committing or
// rolling it back is the host's. A TxStore serializes its own calls (a pgx.Tx is one
// connection), and must not be used after the host's transaction ends.
type TxStore struct {
	s      *Store
	mu     sync.Mutex
	tx     pgx.Tx
	closed atomic.Bool
	// changed is closed and replaced when an Update writes a journal entry, and at
	// Close: it wakes the TxStore's WaitJournal.
	changed chan struct{}
}

var (
	_ pricing.Store           = (*TxStore)(nil)
	_ pricing.CandidateReader = (*TxStore)(nil)
)

// The savepoint in which a TxStore's Update runs.
const (
	savepoint         = "SAVEPOINT pricing_update"
	releaseSavepoint  = "RELEASE SAVEPOINT pricing_update"
	rollbackSavepoint = "ROLLBACK TO SAVEPOINT pricing_update"
)

// WithTx returns a Store whose transactions run inside tx, a transaction the host holds
// on the database of s, so that the host can change its own tables and the pricing data
// together and commit once:
//
//	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
//		if _, err := tx.Exec(ctx, "INSERT INTO customers (id) VALUES ($1)", id); err != nil {
//			return err
//		}
//		return pricing.New(store.WithTx(tx)).AddCustomers(ctx, groupID, []string{id})
//	})
//
// Update runs fn in a savepoint of tx, released when fn succeeds and rolled back to when
// fn fails or panics, so that tx stays usable and holds none of fn's writes. View runs
// fn's reads in tx directly. Neither begins, commits nor retries anything: the
// isolation level is the host's (SERIALIZABLE keeps every guarantee of pricing.Store;
// at READ COMMITTED each statement sees what was committed when it started), and a
// serialization failure comes back as an error wrapping the *pgconn.PgError (SQLSTATE
// 40001) for the host to retry its whole transaction. After the result's Close, or
// s's, its calls return pricing.ErrClosed; Close does not end tx.
//
// The result keeps the journal (pricing.Journal) in tx: an Update that changes
// anything takes the next revision, and locks the journal's counter until tx ends, so
// keep tx short after it; the entry commits with tx, and its notification goes out
// then. WaitJournal returns when tx sees a later revision, which in a REPEATABLE READ
// or SERIALIZABLE transaction only its own Updates make: wait on s instead.
func (s *Store) WithTx(tx pgx.Tx) *TxStore {
	return &TxStore{s: s, tx: tx, changed: make(chan struct{})}
}

// View runs fn in the host's transaction. See WithTx.
func (h *TxStore) View(ctx context.Context, fn func(pricing.Tx) error) error {
	return h.run(ctx, fn, true)
}

// Update runs fn in a savepoint of the host's transaction. See WithTx.
func (h *TxStore) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	return h.run(ctx, fn, false)
}

func (h *TxStore) run(ctx context.Context, fn func(pricing.Tx) error, readOnly bool) error {
	if h.closed.Load() || h.s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := newTx(ctx, h.s.st, h.tx, readOnly)
	if !readOnly {
		t.begin, t.commit, t.rollback = savepoint, releaseSavepoint, rollbackSavepoint+"; "+releaseSavepoint
	}
	f, err := t.run(fn)
	if f == nil && err == nil && t.wroteEntry {
		h.wake()
	}
	if f != nil {
		return f.final()
	}
	return err
}

// wake wakes the TxStore's WaitJournal calls. The caller holds h.mu.
func (h *TxStore) wake() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// ReadCandidates implements pricing.CandidateReader in the host's transaction.
func (h *TxStore) ReadCandidates(ctx context.Context, req pricing.CandidateRequest, dst *pricing.Candidates) error {
	if h.closed.Load() || h.s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	err := readCandidates(ctx, h.tx, h.s.st, &h.s.terms, false, req, dst)
	if f, ok := err.(*txFailure); ok {
		return f.final()
	}
	return err
}

// Close implements pricing.Store: later calls return pricing.ErrClosed. It does not
// end the host's transaction, which is the host's to commit or roll back. Closing
// again returns nil.
func (h *TxStore) Close() error {
	h.closed.Store(true)
	h.mu.Lock()
	h.wake()
	h.mu.Unlock()
	return nil
}
