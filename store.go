package pricing

import "context"

// Store persists and indexes customer groups, memberships, price lists and prices for a
// Service. A Store never decides a pricing rule: the Service validates every input, checks
// every reference and computes every index key before it writes, and the Store only keeps
// records and the indexes named below. Implementations live in the memory and bolt
// packages; storetest.Run checks any implementation against this contract.
//
// # Transactions
//
// All access happens inside a transaction. View runs fn in a read-only transaction that
// sees one consistent state. Update runs fn in a read-write transaction: if fn returns nil,
// every write it made is committed together and is durable when Update returns (as durable
// as the store promises); if fn returns an error or panics, none of its writes is visible,
// ever, and Update returns that error (or re-panics with the same value). Writes made
// inside an Update are visible to later reads of the same transaction. Update may run
// fn more than once: a store whose transactions can fail on a conflict with a
// concurrent one (a serialization failure) rolls the attempt back and runs fn again,
// so fn must start over on each run and have no effect outside the transaction but
// the results it sets. View runs fn once. A Tx must not be
// used after its function returns, nor from another goroutine; calling View or Update
// from inside fn may deadlock.
//
// # References
//
// A Store does not check references: AddMember, PutPriceList and PutPrice store what they
// are given whether or not the group or list exists, and the Service checks first. Reads
// about a group or list that does not exist (Members, CountMembers,
// AppendPriceListIDsOfGroup, PricesOfList) find nothing and return a nil error. The
// Service passes a list's CustomerGroupIDs ascending and without repeats.
//
// # Concurrency
//
// A Store is safe for concurrent use by multiple goroutines. Transactions are isolated:
// a View never sees a partial Update. Stores may serialize Updates.
//
// # Copies
//
// Values passed to a Store are never retained by reference: the store copies maps and
// slices it keeps; an empty map or slice may come back nil. Values returned by a Tx are
// the caller's to keep and change, with one exception on the resolver's path: the
// slices (CustomerGroupIDs, CustomerIDs, ChannelIDs) and the Adjustment of a
// PriceListTerms may be shared with the store and must be treated as read-only by the
// caller.
//
// # Errors
//
// View and Update return ErrClosed after Close, and the context's error, without running
// fn, when ctx is already done. Tx methods return an error wrapping ErrNotFound for a
// missing record, ErrAlreadyExists when a write would give a unique key (a group name key,
// a price key) to a second record, and any other error for a failure of the store itself.
// Close releases the store; calling it again returns nil.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is a transaction of a Store. Read methods work in every transaction; write methods
// return an error in a read-only one. Iteration methods call fn for each record in the
// order they name and stop early when fn returns false; fn must not use the Tx.
type Tx interface {
	// CustomerGroup returns the group with the given ID.
	CustomerGroup(id string) (CustomerGroup, error)
	// CustomerGroupIDByNameKey returns the ID of the group stored with that name key.
	CustomerGroupIDByNameKey(nameKey string) (string, error)
	// CustomerGroups calls fn for every group, in ascending ID order.
	CustomerGroups(fn func(CustomerGroup) bool) error
	// PutCustomerGroup inserts g, or replaces the group with g.ID, indexed under nameKey
	// (a group's previous name key is dropped). ErrAlreadyExists if another group holds
	// nameKey.
	PutCustomerGroup(g CustomerGroup, nameKey string) error
	// DeleteCustomerGroup deletes the group, its name key and its memberships.
	// ErrNotFound if there is no such group.
	DeleteCustomerGroup(id string) error

	// AddMember makes customerID a member of groupID; a no-op for a member.
	AddMember(groupID, customerID string) error
	// RemoveMember ends the membership; a no-op for a non-member.
	RemoveMember(groupID, customerID string) error
	// Members calls fn for every customer of the group, in ascending customer ID order,
	// starting after skipping the first offset of them.
	Members(groupID string, offset int, fn func(customerID string) bool) error
	// CountMembers returns the number of customers of the group.
	CountMembers(groupID string) (int, error)
	// AppendCustomerGroupIDs appends to dst the IDs of the groups customerID belongs to,
	// in ascending order, and returns the extended slice.
	AppendCustomerGroupIDs(dst []string, customerID string) ([]string, error)

	// PriceList returns the price list with the given ID.
	PriceList(id string) (PriceList, error)
	// PriceListTerms returns what the resolver needs of a price list. Its slices are
	// ascending, and they and its Adjustment are read-only.
	PriceListTerms(id string) (PriceListTerms, error)
	// PriceLists calls fn for every price list, in ascending ID order.
	PriceLists(fn func(PriceList) bool) error
	// AppendPriceListIDsOfGroup appends to dst, in ascending order, the IDs of the price
	// lists whose CustomerGroupIDs include groupID.
	AppendPriceListIDsOfGroup(dst []string, groupID string) ([]string, error)
	// PutPriceList inserts pl, or replaces the list with pl.ID, and indexes its
	// CustomerGroupIDs. It does not touch the list's prices.
	PutPriceList(pl PriceList) error
	// DeletePriceList deletes the list, its audience entries and all its prices.
	// ErrNotFound if there is no such list.
	DeletePriceList(id string) error

	// Price returns the price with the given ID.
	Price(id string) (Price, error)
	// PriceIDByKey returns the ID of the price stored under key.
	PriceIDByKey(key PriceKey) (string, error)
	// PutPrice inserts p, or replaces the price with p.ID, indexed under p.Key().
	// ErrAlreadyExists if another price holds that key.
	PutPrice(p Price) error
	// DeletePrice deletes the price. ErrNotFound if there is no such price.
	DeletePrice(id string) error
	// Prices calls fn for every price, in ascending ID order.
	Prices(fn func(Price) bool) error
	// PricesOfList calls fn for every price of the list, in ascending ID order. The list
	// ID "" selects the base prices.
	PricesOfList(listID string, fn func(Price) bool) error
	// PricesOfVariant calls fn for every price of the variant, base and list prices, in
	// ascending ID order.
	PricesOfVariant(variantID string, fn func(Price) bool) error
	// AppendVariantPrices appends to dst every price, base and list, of the variant in
	// the currency, in any order, and returns the extended slice. It is the resolver's
	// hot path: implementations should make it a single index lookup.
	AppendVariantPrices(dst []Price, variantID, currencyCode string) ([]Price, error)
}
