package postgres

import (
	"slices"
	"strings"

	"github.com/commercekit/pricing"
)

// The cache of a transaction. A transaction sees one snapshot, which only its own
// writes change, so what it has read stays true once its own writes are applied to it.
// Before a statement reads the server, the transaction sends its buffered writes
// (tx.send), so the server's answers and the cache always agree.
//
// Groups and lists are cached by ID (present or absent), and group name keys by key.
// Prices are cached by ID, and indexed by key; besides, the cache knows ranges of IDs
// and ranges of keys in which it holds every price there is, and variants all of whose
// prices it holds. A lookup by ID that misses reads, in one round trip, the prices from
// that ID on, up to a limit, and so learns the whole range up to the last price read (to
// the end when fewer came back). A lookup by key of a list's price that misses reads the
// keys of the list from the key's variant on, the same way (a list's range ends where
// the list does); one of a base price reads every price of the key's variant. A bulk
// write of prices in any rough order of variants, or of IDs, thus costs a handful of
// round trips, not one per price; a write of one variant's base prices reads that
// variant once, and then knows all its prices (PricesOfVariant needs no read).

// groupEntry is a cached customer group, or its known absence.
type groupEntry struct {
	present bool
	row     groupRow
}

// listEntry is a cached price list, or its known absence.
type listEntry struct {
	present bool
	// ahead: read ahead of its lookup (readAhead), and not looked up since.
	ahead bool
	row   listRow
}

// span is the range [lo, hi) of a key space, or [lo, ∞) when open.
type span struct {
	lo, hi string
	open   bool
}

// spans is a set of disjoint ranges, sorted by lo, none touching another.
type spans []span

// contains reports whether a range holds x.
func (s spans) contains(x string) bool {
	i, found := slices.BinarySearchFunc(s, x, func(sp span, x string) int { return strings.Compare(sp.lo, x) })
	if found {
		return true
	}
	return i > 0 && (s[i-1].open || x < s[i-1].hi)
}

// add adds n, merging it with the ranges it overlaps or touches.
func (s *spans) add(n span) {
	out := (*s)[:0:0]
	placed := false
	for _, sp := range *s {
		switch {
		case !sp.open && sp.hi < n.lo: // wholly before n
			out = append(out, sp)
		case !n.open && n.hi < sp.lo: // wholly after n
			if !placed {
				out = append(out, n)
				placed = true
			}
			out = append(out, sp)
		default: // overlaps or touches: merge into n
			n.lo = min(n.lo, sp.lo)
			if sp.open || n.open {
				n.open, n.hi = true, ""
			} else {
				n.hi = max(n.hi, sp.hi)
			}
		}
	}
	if !placed {
		out = append(out, n)
	}
	*s = out
}

// priceRow is a cached price, or the known absence of one.
type priceRow struct {
	p       pricing.Price
	present bool
}

// The bounds of the number of prices one range read asks for.
const (
	minRangeLimit = 16
	maxRangeLimit = 16384
)

// priceCache is what a transaction knows of prices.
type priceCache struct {
	rows  map[string]priceRow         // by ID
	byKey map[pricing.PriceKey]string // the ID of every present price in rows, by key
	ids   spans                       // ranges of IDs whose every price is in rows
	keys  spans                       // ranges of encoded keys whose every price is in rows
	// variants holds, for each variant all of whose prices are in rows, the IDs of its
	// present prices.
	variants map[string]map[string]struct{}
	// limit is the number of prices the next range read asks for: doubled each time a
	// read comes back full, as a bulk write through a large list goes on.
	limit int
}

func newPriceCache() *priceCache {
	return &priceCache{rows: map[string]priceRow{}, byKey: map[pricing.PriceKey]string{},
		variants: map[string]map[string]struct{}{}, limit: minRangeLimit}
}

// byID returns what the cache knows of the price with the ID: the price and whether it
// exists, and whether the cache knows at all.
func (c *priceCache) byID(id string) (p pricing.Price, present, known bool) {
	if r, ok := c.rows[id]; ok {
		return r.p, r.present, true
	}
	return pricing.Price{}, false, c.ids.contains(id)
}

// idByKey returns the ID of the price with the key ("" for none), and whether the cache
// knows.
func (c *priceCache) idByKey(k *pricing.PriceKey) (id string, known bool) {
	if id, ok := c.byKey[*k]; ok {
		return id, true
	}
	if _, ok := c.variants[k.VariantID]; ok {
		return "", true
	}
	return "", c.keys.contains(encodeKey(k))
}

// variant returns the IDs of the present prices of the variant, and whether the cache
// knows them all.
func (c *priceCache) variant(id string) (map[string]struct{}, bool) {
	ids, ok := c.variants[id]
	return ids, ok
}

// learnVariant records that the cache holds every price of the variant: those read
// just now, after the transaction's writes were sent.
func (c *priceCache) learnVariant(variantID string, prices []pricing.Price) {
	ids := make(map[string]struct{}, len(prices))
	for i := range prices {
		c.learn(&prices[i])
		ids[prices[i].ID] = struct{}{}
	}
	c.variants[variantID] = ids
}

// learn records a price read from the server, unless the cache knows its ID already
// (then the two agree: the transaction sent its writes before the read).
func (c *priceCache) learn(p *pricing.Price) {
	if _, ok := c.rows[p.ID]; ok {
		return
	}
	c.rows[p.ID] = priceRow{p: *p, present: true}
	c.byKey[p.Key()] = p.ID
	if ids, ok := c.variants[p.VariantID]; ok {
		ids[p.ID] = struct{}{}
	}
}

// learnAbsent records that no price has the ID.
func (c *priceCache) learnAbsent(id string) {
	if _, ok := c.rows[id]; !ok {
		c.rows[id] = priceRow{}
	}
}

// learnRange records a range read: rows in order from lo, asked with limit. When fewer
// rows than the limit came back, the range runs to the end; else to the last row,
// whose position next returns (a string just above it).
func (c *priceCache) learnRange(set *spans, lo string, n, limit int, next func() string) {
	if n < limit {
		set.add(span{lo: lo, open: true})
		return
	}
	set.add(span{lo: lo, hi: next()})
	c.limit = min(2*c.limit, maxRangeLimit)
}

// put records a write of p: its old key, if the cache knows it, is free.
func (c *priceCache) put(p *pricing.Price) {
	c.forget(p.ID)
	c.rows[p.ID] = priceRow{p: *p, present: true}
	c.byKey[p.Key()] = p.ID
	if ids, ok := c.variants[p.VariantID]; ok {
		ids[p.ID] = struct{}{}
	}
}

// forget drops the price with the ID, if the cache holds it, from the key index and
// its variant.
func (c *priceCache) forget(id string) {
	old, ok := c.rows[id]
	if !ok || !old.present {
		return
	}
	if k := old.p.Key(); c.byKey[k] == id {
		delete(c.byKey, k)
	}
	if ids, ok := c.variants[old.p.VariantID]; ok {
		delete(ids, id)
	}
}

// remove records the deletion of the price with the ID.
func (c *priceCache) remove(id string) {
	c.forget(id)
	c.rows[id] = priceRow{}
}

// removeList records the deletion of every price of the list. The prices of the list
// the cache does not hold lie outside its ranges, and are read again from the server
// after the deletion is sent.
func (c *priceCache) removeList(listID string) {
	for id, r := range c.rows {
		if r.present && r.p.PriceListID == listID {
			c.remove(id)
		}
	}
}

// memberCache is what a read-write transaction knows of the members of groups, for
// IsMember: by group, the ranges of customer IDs whose membership it knows, and the
// members among them. The Service asks, before each membership it adds or removes,
// whether the customer is a member (the journal records only real changes), for one
// group and customers in ascending order: a miss reads the group's members from that
// customer on, up to a limit that doubles as the bulk goes on, so that adding ten
// thousand customers to a group costs a handful of reads (one, for a new group), and
// the serializable read locks cover that group's range of the primary key only.
type memberCache struct {
	groups map[string]*groupMembers
	limit  int
}

type groupMembers struct {
	known   spans           // ranges of customers read from the server
	members map[string]bool // the members read
	// written holds the memberships the transaction wrote (true) or ended (false),
	// which hold whatever the ranges say. (A range per write would make a bulk of
	// writes quadratic.)
	written map[string]bool
}

func newMemberCache() *memberCache {
	return &memberCache{groups: map[string]*groupMembers{}, limit: minRangeLimit}
}

// group returns the group's entry, made empty when missing.
func (c *memberCache) group(groupID string) *groupMembers {
	g := c.groups[groupID]
	if g == nil {
		g = &groupMembers{members: map[string]bool{}, written: map[string]bool{}}
		c.groups[groupID] = g
	}
	return g
}

// isMember returns whether the customer is a member, and whether the cache knows.
func (c *memberCache) isMember(groupID, customerID string) (member, known bool) {
	g := c.groups[groupID]
	if g == nil {
		return false, false
	}
	if member, ok := g.written[customerID]; ok {
		return member, true
	}
	if !g.known.contains(customerID) {
		return false, false
	}
	return g.members[customerID], true
}

// set records a membership written, or ended, by the transaction.
func (c *memberCache) set(groupID, customerID string, member bool) {
	c.group(groupID).written[customerID] = member
}

// removeGroup records the deletion of a group, and so of its memberships.
func (c *memberCache) removeGroup(groupID string) {
	c.groups[groupID] = &groupMembers{known: spans{{lo: "", open: true}}, members: map[string]bool{}, written: map[string]bool{}}
}
