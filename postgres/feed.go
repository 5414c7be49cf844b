package postgres

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// The feed of a Store: what WaitJournal waits on. It knows the last revision committed,
// as far as the Store has heard, and wakes the waiters when it goes up. It hears:
//
//   - the Store's own Updates, as they commit;
//   - the commits of every other Store on the schema, in this process or another: an
//     Update that writes an entry calls pg_notify on the schema's channel
//     (pricing_journal.<schema>) with its revision, which PostgreSQL delivers at the
//     commit, and the feed's listener LISTENs on a connection of its own;
//   - a poll of the counter, every pollInterval while a WaitJournal waits, so that a
//     notification lost (a listener reconnecting, a pooler that does not forward them)
//     delays a waiter by the interval at most.
//
// The listener starts with the first WaitJournal, and holds one connection from then
// until Close: taken from the pool and hijacked (the pool opens another in its place,
// so its size is unchanged; the connection is made as the pool's are). When the
// connection breaks (the server restarted), the listener connects again, with a pause
// that grows to pollInterval, LISTENs again, and reads the counter, so that what
// committed meanwhile wakes the waiters. Notifications need a session: behind a pooler
// in transaction mode (PgBouncer's), LISTEN is not heard, and waiters rely on the poll.
type feed struct {
	mu      sync.Mutex
	last    int64         // the last revision known committed
	changed chan struct{} // closed and replaced when last goes up, and at close
	waiters int           // WaitJournal calls in progress
	started bool
	closed  bool
	ready   chan struct{} // closed when the listener first LISTENs
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

// defaultPollInterval is how often a Store's feed reads the counter while a
// WaitJournal waits, and the longest pause between the listener's attempts to connect
// again.
const defaultPollInterval = 2 * time.Second

// pollNs is the poll interval in nanoseconds (tests change it).
var pollNs atomic.Int64

func init() { pollNs.Store(int64(defaultPollInterval)) }

func pollInterval() time.Duration { return time.Duration(pollNs.Load()) }

func newFeed() *feed {
	return &feed{changed: make(chan struct{}), ready: make(chan struct{})}
}

// advance records that revision rev is committed, and wakes the waiters if it is new.
func (f *feed) advance(rev int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rev > f.last && !f.closed {
		f.last = rev
		close(f.changed)
		f.changed = make(chan struct{})
	}
}

// state returns the last revision known, the channel closed when it changes, and
// whether the feed is closed.
func (f *feed) state() (int64, <-chan struct{}, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last, f.changed, f.closed
}

// wait counts a waiter in (+1) or out (-1).
func (f *feed) wait(d int) {
	f.mu.Lock()
	f.waiters += d
	f.mu.Unlock()
}

func (f *feed) waiting() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waiters > 0
}

// awaitReady waits until the listener first LISTENs, changed is closed, ctx is done,
// or d has passed.
func (f *feed) awaitReady(ctx context.Context, changed <-chan struct{}, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-f.ready:
	case <-changed:
	case <-ctx.Done():
	case <-timer.C:
	}
}

// start starts the listener and the poll, once.
func (f *feed) start(s *Store) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started || f.closed {
		return
	}
	f.started = true
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.done.Add(2)
	go func() {
		defer f.done.Done()
		s.listen(ctx)
	}()
	go func() {
		defer f.done.Done()
		s.poll(ctx)
	}()
}

// close stops the listener and the poll, waits for them, and wakes the waiters.
func (f *feed) close() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	f.closed = true
	cancel := f.cancel
	close(f.changed)
	f.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	f.done.Wait()
}

// listen runs the listener until ctx is done, connecting again when its connection
// breaks.
func (s *Store) listen(ctx context.Context) {
	pause := 50 * time.Millisecond
	for ctx.Err() == nil {
		if s.listenOnce(ctx) {
			pause = 50 * time.Millisecond
		}
		if sleep(ctx, pause) != nil {
			return
		}
		pause = min(2*pause, pollInterval())
	}
}

// listenOnce takes a connection, LISTENs on the channel, reads the counter, and
// passes the notifications on until the connection breaks or ctx is done. It
// reports whether it got as far as LISTEN.
func (s *Store) listenOnce(ctx context.Context) bool {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return false
	}
	conn := pc.Hijack()
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.st.channel}.Sanitize()); err != nil {
		return false
	}
	// What committed before the LISTEN was not notified.
	var last int64
	if err := conn.QueryRow(ctx, s.st.lastRevision).Scan(&last); err != nil {
		return true
	}
	s.feed.advance(last)
	s.feed.mu.Lock()
	select {
	case <-s.feed.ready:
	default:
		close(s.feed.ready)
	}
	s.feed.mu.Unlock()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true
		}
		if rev, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			s.feed.advance(rev)
		}
	}
}

// poll reads the counter every pollInterval while a WaitJournal waits.
func (s *Store) poll(ctx context.Context) {
	ticker := time.NewTicker(pollInterval())
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if !s.feed.waiting() {
			continue
		}
		var last int64
		if err := s.pool.QueryRow(ctx, s.st.lastRevision).Scan(&last); err == nil {
			s.feed.advance(last)
		}
	}
}
