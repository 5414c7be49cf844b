package catalog

import "github.com/commercekit/pricing"

// BatchSize is the number of items of a batch query.
const BatchSize = 100

// Query is one draw of the query stream: a variant and a quantity to price for a
// customer (or an anonymous shopper) in a region.
type Query struct {
	Variant  int // index of the variant
	Customer int // index of the customer; -1 for an anonymous shopper
	Region   Region
	Quantity int64 // 1 to 20
}

// Pricing returns the pricing.Query of q at T0, and the variant's ID.
func (c *Catalog) Pricing(q Query) (pricing.Query, string) {
	return c.query(q.Customer, q.Region), c.variantIDs[q.Variant]
}

func (c *Catalog) query(customer int, r Region) pricing.Query {
	pq := pricing.Query{CurrencyCode: r.CurrencyCode, RegionID: r.ID, At: T0}
	if customer >= 0 {
		pq.CustomerID = CustomerID(customer)
	}
	return pq
}

// Stream is the seeded pseudo-random query stream of the specification. It is
// splitmix64 (Steele, Lea, Flood 2014), and a uniform draw in [0, n) takes the high 32
// bits x of the next output and returns x × n >> 32, so that other systems can replay
// the stream exactly. A Stream is not safe for concurrent use.
type Stream struct {
	c     *Catalog
	state uint64
}

// Queries returns the query stream of the catalog at scale factor s for the seed.
func Queries(seed uint64, s int) *Stream { return New(s).Queries(seed) }

// Queries returns the catalog's query stream for the seed.
func (c *Catalog) Queries(seed uint64) *Stream { return &Stream{c: c, state: seed} }

// Catalog returns the stream's catalog.
func (st *Stream) Catalog() *Catalog { return st.c }

func (st *Stream) next() uint64 {
	st.state += 0x9e3779b97f4a7c15
	z := st.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intN returns a uniform draw in [0, n), n < 2^32.
func (st *Stream) intN(n int) int { return int((st.next() >> 32) * uint64(n) >> 32) }

// customer draws a customer 80% of the time, else -1 (anonymous).
func (st *Stream) customer() int {
	if st.intN(100) < 80 {
		return st.intN(st.c.C)
	}
	return -1
}

// Next draws a query: the variant, the customer (a uniform draw below 80 of 100, then
// the customer's index; else anonymous), the region, then the quantity.
func (st *Stream) Next() Query {
	q := Query{Variant: st.intN(st.c.V)}
	q.Customer = st.customer()
	q.Region = Regions[st.intN(len(Regions))]
	q.Quantity = 1 + int64(st.intN(20))
	return q
}

// Batch is a batch query: BatchSize items for one customer in one region.
type Batch struct {
	Customer int // -1 for an anonymous shopper
	Region   Region
	Variants []int
	Items    []pricing.Item
}

// Query returns the pricing.Query of the batch, at T0.
func (b Batch) Query(c *Catalog) pricing.Query { return c.query(b.Customer, b.Region) }

// NextBatch draws a batch: the customer and the region as Next does, then for each of
// the BatchSize items the variant and the quantity.
func (st *Stream) NextBatch() Batch {
	b := Batch{Customer: st.customer(), Region: Regions[st.intN(len(Regions))]}
	b.Variants = make([]int, BatchSize)
	b.Items = make([]pricing.Item, BatchSize)
	for k := range BatchSize {
		v := st.intN(st.c.V)
		b.Variants[k] = v
		b.Items[k] = pricing.Item{VariantID: st.c.variantIDs[v], Quantity: 1 + int64(st.intN(20))}
	}
	return b
}
