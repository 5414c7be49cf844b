package bolt

import (
	"sync"

	bbolt "go.etcd.io/bbolt"
)

// notifier wakes the WaitJournal calls on one root bucket of one *bbolt.DB: every
// Store of this process on that bucket shares it (New on the same database and bucket
// twice, say), so that a commit through any of them wakes the waiters of all. No other
// process can write the file while this one has it open: bbolt locks the file
// exclusively (flock) for a process that opens it for writing, and one that opens it
// read-only cannot while another process holds it for writing.
type notifier struct {
	mu   sync.Mutex
	ch   chan struct{} // closed and replaced by notify
	refs int           // the Stores that use it; guarded by notifiers.mu
}

// notifiers holds the notifier of each root bucket of each database that an open
// Store uses. An entry goes when the last of its Stores closes.
var notifiers = struct {
	mu sync.Mutex
	m  map[*bbolt.DB]map[string]*notifier
}{m: map[*bbolt.DB]map[string]*notifier{}}

// acquireNotifier returns the notifier of root bucket root of db, for a new Store;
// the Store's Close gives it back with release.
func acquireNotifier(db *bbolt.DB, root string) *notifier {
	notifiers.mu.Lock()
	defer notifiers.mu.Unlock()
	byRoot := notifiers.m[db]
	if byRoot == nil {
		byRoot = map[string]*notifier{}
		notifiers.m[db] = byRoot
	}
	n := byRoot[root]
	if n == nil {
		n = &notifier{ch: make(chan struct{})}
		byRoot[root] = n
	}
	n.refs++
	return n
}

// release gives back the notifier that acquireNotifier returned for root of db.
func (n *notifier) release(db *bbolt.DB, root string) {
	notifiers.mu.Lock()
	defer notifiers.mu.Unlock()
	if n.refs--; n.refs > 0 {
		return
	}
	byRoot := notifiers.m[db]
	delete(byRoot, root)
	if len(byRoot) == 0 {
		delete(notifiers.m, db)
	}
}

// wait returns the channel that the next notify closes.
func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

// notify wakes every waiter: a revision committed, or a Store closed.
func (n *notifier) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	close(n.ch)
	n.ch = make(chan struct{})
}
