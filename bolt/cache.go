package bolt

import (
	"sync"
	"sync/atomic"

	"github.com/commercekit/pricing"
)

// termsCaches holds the cache of decoded price list terms for the newest snapshot that
// a read-only transaction has asked about. The resolver asks for the terms of every
// list that prices a variant, on every resolve, and they change rarely; bbolt gives
// every committed write transaction a new ID, and read-only transactions that share an
// ID see the same data, so terms decoded in one are right for every other one.
type termsCaches struct {
	cur atomic.Pointer[termsCache]
}

// termsCache is the terms of one snapshot, filled as they are read, and the IDs of its
// lists with an adjustment, once read.
type termsCache struct {
	txid int
	mu   sync.RWMutex
	m    map[string]pricing.PriceListTerms
	// adjusted holds the IDs of the adjusted lists when hasAdjusted is set.
	adjusted    []string
	hasAdjusted bool
}

// maxCachedTerms bounds a cache; past it, terms are decoded each time.
const maxCachedTerms = 1 << 16

// at returns the cache of snapshot txid, replacing an older one, or nil when a newer
// snapshot has the cache (an old, long transaction then decodes every time).
func (cs *termsCaches) at(txid int) *termsCache {
	for {
		c := cs.cur.Load()
		if c != nil && c.txid == txid {
			return c
		}
		if c != nil && c.txid > txid {
			return nil
		}
		if cs.cur.CompareAndSwap(c, &termsCache{txid: txid, m: map[string]pricing.PriceListTerms{}}) {
			continue // load what won
		}
	}
}

func (c *termsCache) get(id string) (pricing.PriceListTerms, bool) {
	c.mu.RLock()
	t, ok := c.m[id]
	c.mu.RUnlock()
	return t, ok
}

// adjustedIDs appends the IDs of the adjusted lists to dst, when they are cached.
func (c *termsCache) adjustedIDs(dst []string) ([]string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.hasAdjusted {
		return dst, false
	}
	return append(dst, c.adjusted...), true
}

// putAdjusted caches the IDs of the adjusted lists; the cache keeps ids.
func (c *termsCache) putAdjusted(ids []string) {
	c.mu.Lock()
	c.adjusted, c.hasAdjusted = ids, true
	c.mu.Unlock()
}

func (c *termsCache) put(t pricing.PriceListTerms) {
	c.mu.Lock()
	if len(c.m) < maxCachedTerms {
		c.m[t.ID] = t
	}
	c.mu.Unlock()
}
