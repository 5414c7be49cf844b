package memory

import "github.com/commercekit/pricing"

// bucket holds the prices of one variant in one currency, by value, in no particular
// order, so that AppendVariantPrices is one copy. Most buckets are small (a variant's
// prices in a currency across its lists), and lookups scan them; a bucket that grows
// beyond smallBucket prices (thousands of tiers, or of lists pricing one variant) also
// indexes its prices by ID and by key, so that every operation stays O(1).
type bucket struct {
	prices []pricing.Price
	byID   map[string]int32    // price ID → position; nil while the bucket is small
	byKey  map[bucketKey]int32 // the rest of the price key → position; nil likewise
}

// bucketKey is the part of a price key that tells the prices of a bucket apart.
type bucketKey struct {
	list, region string
	min, max     int64
}

// smallBucket is the number of prices a bucket scans; beyond, it indexes them.
const smallBucket = 32

func keyOf(p *pricing.Price) bucketKey {
	return bucketKey{p.PriceListID, p.RegionID, p.MinQuantity, p.MaxQuantity}
}

// index returns the position of the price with the given ID.
func (b *bucket) index(id string) (int, bool) {
	if b.byID != nil {
		i, ok := b.byID[id]
		return int(i), ok
	}
	for i := range b.prices {
		if b.prices[i].ID == id {
			return i, true
		}
	}
	return 0, false
}

// find returns the position of the price stored under key, which must be of the
// bucket's variant and currency, or -1.
func (b *bucket) find(key *pricing.PriceKey) int {
	k := bucketKey{key.PriceListID, key.RegionID, key.MinQuantity, key.MaxQuantity}
	if b.byKey != nil {
		if i, ok := b.byKey[k]; ok {
			return int(i)
		}
		return -1
	}
	for i := range b.prices {
		if keyOf(&b.prices[i]) == k {
			return i
		}
	}
	return -1
}

// add appends a copy of p.
func (b *bucket) add(p *pricing.Price) {
	b.prices = append(b.prices, *p)
	switch n := len(b.prices); {
	case b.byID != nil:
		b.byID[p.ID], b.byKey[keyOf(p)] = int32(n-1), int32(n-1)
	case n > smallBucket:
		b.byID, b.byKey = make(map[string]int32, 2*n), make(map[bucketKey]int32, 2*n)
		for i := range b.prices {
			b.byID[b.prices[i].ID], b.byKey[keyOf(&b.prices[i])] = int32(i), int32(i)
		}
	}
}

// set replaces the price at position i with p, which has its ID.
func (b *bucket) set(i int, p *pricing.Price) {
	if b.byKey != nil {
		delete(b.byKey, keyOf(&b.prices[i]))
		b.byKey[keyOf(p)] = int32(i)
	}
	b.prices[i] = *p
}

// remove deletes the price at position i: the last price takes its place.
func (b *bucket) remove(i int) {
	last := len(b.prices) - 1
	if b.byID != nil {
		delete(b.byID, b.prices[i].ID)
		delete(b.byKey, keyOf(&b.prices[i]))
		if i != last {
			b.byID[b.prices[last].ID], b.byKey[keyOf(&b.prices[last])] = int32(i), int32(i)
		}
	}
	b.prices[i] = b.prices[last]
	b.prices[last] = pricing.Price{} // let the strings go
	b.prices = b.prices[:last]
	if len(b.prices) == 0 {
		b.prices, b.byID, b.byKey = nil, nil, nil
	}
}
