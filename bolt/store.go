package bolt

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
)

// Errors of this package, matched with errors.Is. Errors of the pricing.Store contract
// wrap the pricing sentinels (pricing.ErrNotFound, pricing.ErrAlreadyExists,
// pricing.ErrClosed) instead.
var (
	// ErrSchemaTooNew reports a file written by a newer version of this package. Open and
	// New leave such a file untouched.
	ErrSchemaTooNew = errors.New("bolt: schema version too new")
	// ErrLocked reports that Open could not lock the file within Options.Timeout, because
	// another process, or another Open in this process, holds it.
	ErrLocked = errors.New("bolt: database file is locked")
	// ErrCorrupt reports stored data that breaks the schema (an undecodable record, an
	// index entry that disagrees with its record) or a damaged file (a truncated one,
	// pages that bbolt cannot follow). Check reports every such problem it can see;
	// the package documentation says which it cannot.
	ErrCorrupt = errors.New("bolt: corrupt data")
)

// DefaultTimeout is how long Open waits for the file lock when Options.Timeout is zero.
const DefaultTimeout = time.Second

// defaultMmapSize is the initial size of the memory map when Options.Bolt does not set
// one: address space only (the file does not grow to it, except on Windows, where it
// stays 0). While the file fits, a commit never remaps the file, which would copy every
// node the transaction changed and wait for every running View.
var defaultMmapSize = func() int {
	if runtime.GOOS == "windows" || strconv.IntSize < 64 {
		return 0
	}
	return 1 << 30
}()

// flockRetry is how often bbolt retries to lock a locked file.
const flockRetry = 50 * time.Millisecond

// DefaultBucket is the name of the root bucket when Options.Bucket is empty.
const DefaultBucket = "pricing"

// Options configures Open and New. The zero value, like a nil *Options, selects the
// defaults.
type Options struct {
	// Timeout is how long Open waits for the lock on a file that another process (or
	// another Open in this process) holds, before it fails with ErrLocked. Zero means
	// DefaultTimeout; Open never waits forever. New ignores it.
	Timeout time.Duration
	// Bucket is the name of the root bucket under which the store keeps all its data,
	// so that it can share a file with a host application's own buckets. Empty means
	// DefaultBucket.
	Bucket string
	// NoSync skips the fsync after each commit and after each growth of the file
	// (bbolt's NoSync and NoGrowSync): faster, and a crash of the machine (not of the
	// process) can lose or corrupt committed transactions. For tests only. New ignores
	// it.
	NoSync bool
	// Bolt holds bbolt's own options for Open; nil means bbolt's defaults, except that
	// on 64-bit systems other than Windows a zero InitialMmapSize becomes 1 GiB of
	// address space (not of memory or file), so that a large commit does not remap the
	// file. Timeout and NoSync above take precedence over its fields of the same name
	// (NoSync is set when either says so). New ignores it.
	Bolt *bbolt.Options
}

func (o *Options) bucket() string {
	if o == nil || o.Bucket == "" {
		return DefaultBucket
	}
	return o.Bucket
}

// Store is a durable pricing.Store on a bbolt file, and a pricing.Journal: the
// Service's change feed, expected revisions and lowest prior price work on it (see The
// journal in the package documentation). It is safe for concurrent use; bbolt runs one
// Update at a time, and Views concurrently with it and with each other.
type Store struct {
	db     *bbolt.DB
	root   []byte
	ownDB  bool // Close closes db: Open opened it
	closed atomic.Bool
	terms  termsCaches
	// note wakes WaitJournal: shared by the Stores of this process on the same root
	// bucket of db.
	note *notifier
}

var _ pricing.Store = (*Store)(nil)

// Open opens the bbolt file at path, creating it with mode 0600 if it does not exist,
// and returns a Store on it. It brings an older schema up to date in one transaction,
// and fails with ErrSchemaTooNew, leaving the file untouched, on a file written by a
// newer version of this package. A file that another process holds fails with ErrLocked
// after Options.Timeout. Before bbolt maps the file, Open reads its meta pages itself
// and refuses, with an error wrapping ErrCorrupt, a file that bbolt would read past its
// end or choke on while opening: one shorter than the pages its meta page counts (a
// truncated file), one without a valid meta page, one whose freelist page is damaged
// (see the package documentation). nil opts selects the defaults.
func Open(path string, opts *Options) (*Store, error) {
	var bo bbolt.Options
	if opts != nil && opts.Bolt != nil {
		bo = *opts.Bolt
	}
	if opts != nil && opts.Timeout > 0 {
		bo.Timeout = opts.Timeout
	}
	if bo.Timeout <= 0 {
		bo.Timeout = DefaultTimeout
	}
	timeout := bo.Timeout
	// bbolt retries the lock every 50 ms and gives up at the last retry before its
	// timeout, up to 50 ms early; ask for 50 ms more so that Open waits Timeout.
	bo.Timeout += flockRetry
	if bo.InitialMmapSize == 0 && defaultMmapSize > 0 && !bo.Mlock {
		bo.InitialMmapSize = defaultMmapSize
	}
	if opts != nil && opts.NoSync {
		bo.NoSync = true
		bo.NoGrowSync = true
	}
	if err := checkFile(path); err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bo)
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("bolt: open %s: no lock after %v: %w (%w)", path, timeout, ErrLocked, err)
		}
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	s, err := New(db, opts)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	s.ownDB = true
	return s, nil
}

// New returns a Store that keeps its data in the root bucket Options.Bucket of db, an
// open bbolt database that the caller owns and may use for its own buckets. Like Open,
// it migrates an older schema and refuses a newer one, and refuses (ErrCorrupt) a file
// whose pages that every transaction reads are damaged. The Store's Close does not
// close db. nil opts selects the defaults; only Options.Bucket applies.
func New(db *bbolt.DB, opts *Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("bolt: New: nil *bbolt.DB")
	}
	root := []byte(opts.bucket())
	if err := checkRoot(db, root); err != nil {
		return nil, err
	}
	if err := protect(func() error { return migrate(db, root, migrations) }); err != nil {
		return nil, err
	}
	return &Store{db: db, root: root, note: acquireNotifier(db, string(root))}, nil
}

// DB returns the underlying bbolt database, for a host's own buckets and for backups
// (bbolt's Tx.WriteTo). Writing inside the Store's root bucket voids its guarantees.
func (s *Store) DB() *bbolt.DB { return s.db }

// View runs fn in a read-only transaction. See pricing.Store. On a damaged file, the Tx
// methods return errors wrapping ErrCorrupt (see Damaged files in the package
// documentation).
func (s *Store) View(ctx context.Context, fn func(pricing.Tx) error) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.transact(false, fn)
}

// Update runs fn in a read-write transaction, committed (and synced to disk unless
// Options.NoSync) when fn returns nil, rolled back when it returns an error or panics,
// or when a Tx method met a damaged page (ErrCorrupt). See pricing.Store.
func (s *Store) Update(ctx context.Context, fn func(pricing.Tx) error) error {
	if s.closed.Load() {
		return pricing.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.transact(true, fn)
}

// transact runs fn in a bbolt transaction, read-write if writable, and, if fn succeeds,
// applies its buffered writes. It runs with faults made panics: what bbolt raises on a
// damaged file becomes an error wrapping ErrCorrupt (guard.go), and what fn raises goes
// on up.
func (s *Store) transact(writable bool, fn func(pricing.Tx) error) (err error) {
	t := &tx{root: s.root, terms: &s.terms}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if t.inCaller {
			return // fn's panic, or none: recover would stop it
		}
		if r := recover(); r != nil {
			err = errDamaged(r)
		}
	}()
	run := func(btx *bbolt.Tx) error {
		t.btx = btx
		defer t.end()
		t.inCaller = true
		err := fn(t)
		t.inCaller = false
		if err != nil {
			return err
		}
		if t.failed != nil {
			return t.failed
		}
		return t.flushAll()
	}
	if writable {
		err := s.result(s.db.Update(run))
		if err == nil && t.entry != 0 {
			s.note.notify() // committed: wake WaitJournal
		}
		return err
	}
	return s.result(s.db.View(run))
}

// result maps the error of a bbolt transaction to the Store's.
func (s *Store) result(err error) error {
	if err != nil && errors.Is(err, berrors.ErrDatabaseNotOpen) {
		// Close ran between the check of View or Update and the transaction's start.
		return pricing.ErrClosed
	}
	return err
}

// Close closes the store: later View and Update calls return pricing.ErrClosed. If Open
// opened the bbolt file, Close waits for running transactions and closes it; a Store
// made by New leaves the caller's database open. Closing again returns nil.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.note.notify() // WaitJournal returns ErrClosed
	s.note.release(s.db, string(s.root))
	if s.ownDB {
		return s.db.Close()
	}
	return nil
}

// corrupt returns an error wrapping ErrCorrupt.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}
