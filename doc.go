// Package pricing keeps customer groups and price lists and resolves the price a
// customer pays, in the manner of Medusa's Customer Groups and Price Lists.
//
// A [Service] holds the rules and works over a [Store], which only persists and indexes:
// the memory package is an in-memory store for tests and small hosts, the bolt package a
// durable store on bbolt, and storetest checks any other store against the contract.
//
//	svc := pricing.New(memory.New())
//	wholesale, _ := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: "Wholesale"})
//	_ = svc.AddCustomers(ctx, wholesale.ID, []string{"cus_1"})
//	_, _ = svc.SetBasePrices(ctx, "shirt", []pricing.PriceInput{{CurrencyCode: "usd", Amount: 2000}})
//	_, _ = svc.CreatePriceList(ctx, pricing.NewPriceList{
//		Name: "Wholesale prices", Status: pricing.Active,
//		CustomerGroupIDs: []string{wholesale.ID},
//		Prices:           []pricing.PriceInput{{VariantID: "shirt", CurrencyCode: "usd", Amount: 1500}},
//	})
//	res, _ := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, "shirt", 1)
//	// res.CalculatedAmount == 1500, res.OriginalAmount == 2000
//
// # Customer groups
//
// A customer group has an ID, a name, metadata and timestamps. IDs are generated (UUID
// version 7) unless the caller gives one; a caller's ID, like every ID the library takes
// (customers, variants, regions), is 1 to 255 bytes of valid UTF-8 without control
// characters. Names are trimmed, 1 to 255 characters, and unique among groups compared
// case-insensitively, as strings.EqualFold compares: "VIP" and "vip" cannot both exist. Customers belong to the host:
// the library knows them only by ID, and a customer may belong to any number of groups.
//
// # Price lists and prices
//
// A price list has a type, [Sale] (the default) or [Override]; a status, [Draft] (the
// default) or [Active]; an optional window [StartsAt, EndsAt), where a zero bound is
// unbounded and, when both are set, StartsAt must come before EndsAt; an audience of
// customer groups (existing ones) and of customers named directly (the host's IDs),
// both empty meaning everyone, anonymous shoppers included; the sales channels it is
// limited to, empty meaning every channel; an optional [Adjustment]; and a tax flag,
// IncludesTax, that all of its written prices share.
//
// A list with an Adjustment derives a price from every base price of every variant: the
// same key (variant, currency, region, quantities) and tax basis, the amount changed by
// Adjustment.Percent and rounded to a minor unit (half away from zero, down or up, as
// Adjustment.Rounding says; exactly, never through a float). A price written into the
// list takes precedence over the derived one of its key, and only of its key: a written
// currency-wide price does not stop the derivation of region prices, which shadow it in
// their regions as rule 1 says. Derived prices are not stored: they follow the base
// prices, and their ID is [DerivedPriceID] of the list and the base price ("~" is kept
// for them: the IDs of new lists and prices cannot contain it). They take part in
// resolution as written prices do. Base prices, and the prices of lists, have no channel
// of their own: a channel's prices are the prices of lists limited to it.
//
// A price belongs to a list, or to no list: then it is a base price of its variant, with
// its own tax flag. It has a variant, a currency (an ISO 4217 code in any case, stored
// lower-case; other codes only when registered with [WithCurrencies]), an optional region
// (empty: every region that uses the currency), an amount in minor units (>= 0), and an
// optional quantity range [MinQuantity, MaxQuantity], inclusive, where 0 is unbounded.
// Within a list, or among the base prices of a variant, a price is identified by its key
// (variant, currency, region, MinQuantity, MaxQuantity): adding a price whose key exists
// updates that price and keeps its ID.
//
// # Operations
//
//   - Updates change only the fields they set. Metadata is merged: a key in the patch
//     overwrites, a key whose value is "" is removed. Metadata is what a JSON round trip
//     gives (numbers are float64), nil when empty; its JSON encoding must be valid UTF-8
//     (in every key and string, whatever the Go types that hold them), at most 64 KiB,
//     and nest at most 64 levels. A value JSON cannot encode (a cycle, a channel, NaN)
//     is invalid.
//   - Adding customers to a group is idempotent and all-or-nothing: members and repeated
//     IDs are fine, and one invalid ID adds nothing. Removing ignores non-members.
//   - Setting a customer's groups, or a list's audience, replaces the whole set.
//   - Deleting is idempotent: a missing ID is not an error. Deleting a list deletes its
//     prices; deleting a group deletes its memberships. A group that a price list still
//     names cannot be deleted ([ErrConflict], naming the lists): otherwise a wholesale
//     list whose last group went away would open to everyone. Detach it from the list
//     first, with an explicit update.
//   - Adding prices with replace deletes every other price of the list, in the same
//     transaction. Deleting prices by ID ignores IDs that are not in the list. Adding
//     is an upsert: an input's ID that names no price creates the price with that ID
//     (imports keep their IDs). [Service.BatchPrices] is the strict form: in one
//     transaction it deletes, then updates prices named by ID (an unknown ID is
//     ErrNotFound), then creates prices (a taken ID or key is ErrAlreadyExists).
//   - Every operation is atomic on every store: it happens whole or leaves no trace. Bad
//     input is an error matching [ErrInvalid] that names each bad field, and writes
//     nothing.
//   - Listings return a page and the total count of matches, newest first unless the
//     filter's Order says otherwise; ties are broken by ID. See Listing.
//
// # Listing
//
// [Service.ListPriceLists] and [Service.ListCustomerGroups] order by "created_at",
// "updated_at" or "name" (compared in lower case, [NameOrderKey]), ascending or, with
// a "-" prefix, descending; the default is "-created_at", newest first. Ties are
// broken by ID, and a descending order is the exact reverse of its ascending one, so
// the order is total and never depends on storage. Prices and a group's customers
// come in ascending ID order. Limit 0 means no limit; Offset skips that many matches.
//
// A page can also start after a cursor: the filter's After (or GroupCustomersAfter's
// after) takes the Next of a page that the ListPriceListsPage, ListCustomerGroupsPage,
// ListPricesPage or GroupCustomersAfter returned, and the page begins with the first
// match that the order puts after that page's last record; Offset then skips matches
// from there. A cursor holds a position, not a count, so records created or deleted
// before it do not shift the pages that follow, and the record it names may itself be
// gone. Next is "" when no match follows the page, or when the page has no Limit. A
// cursor is opaque; one that is malformed, or of another listing or order, is an
// [ErrInvalid] naming After. The count is always the number of matches of the whole
// filter, those before the cursor included.
//
// What a listing costs depends on the store: on one whose transactions have
// [PriceListOrderer] (memory, bolt and postgres), a page of price lists walks the
// store's index of the order up to the page's end and reads the full records of the
// page only; the count is a stored number when the filter selects every list, and
// otherwise a walk of the index that decides each list on its terms, without copying
// records. IDs and CustomerGroupIDs read the heads of the lists they name; Q, which
// searches descriptions and group names, reads every list. A deep Offset walks the
// entries before it, where a cursor seeks. [MemberPager] makes a cursor into a group's
// customers a seek. Stores without these capabilities (third-party ones) read every
// candidate record and sort, with the same results.
//
// # Resolution
//
// [Service.Resolve] and [Service.ResolveMany] answer: what does this customer pay for this
// variant, in this currency and region, at this quantity, at this instant? A quantity of
// 0 means 1; a zero Query.At means now.
//
// A price is eligible for an item when all of these hold:
//
//  1. it is for the item's variant and the query's currency;
//  2. its region is empty or the query's region;
//  3. the quantity is within its range;
//  4. it is a base price, or its list is active, At is within the list's window
//     (StartsAt included, EndsAt excluded, so that back-to-back lists hand over without a
//     gap or an overlap), the list applies in every channel or in Query.ChannelID, and
//     the list's audience is everyone, names Query.CustomerID, or shares a group with
//     the customer: the groups of Query.CustomerID together with Query.CustomerGroupIDs.
//
// Among the eligible prices:
//
//  1. Within one source, the base prices or one list, a price for the query's region
//     shadows the source's currency-wide prices. Among what is left the lowest amount
//     wins; that is how quantity tiers work.
//  2. The reference price is the lowest override-list price if there is one, otherwise
//     the base price. It is the original price of the result: an override sets the price
//     even above the base price, and the base price is then not reported at all.
//  3. The lowest sale-list price applies only when its amount is strictly lower than
//     the reference's: a "sale" that does not lower the price is not reported as one,
//     whatever the order of rule 6 says of the two. With no reference, the sale applies
//     and there is no original price.
//  4. The calculated price is the sale when it applies, else the reference; its type is
//     "sale", "override" or "default" (a base price).
//  5. When nothing is eligible there is no price: Resolve returns an error matching
//     [ErrNoPrice], and ResolveMany returns the item with Found false and resolves the
//     rest.
//  6. Ties are broken by a total order, never by storage order: the lower amount, then a
//     region price before a currency-wide one, then the list that started earlier (a
//     base price counts as started at the beginning of time), then the lower price ID.
//     The order chooses among prices of one kind (the best override, the best base
//     price, the best sale); it never decides whether a sale applies (rule 3).
//  7. Amounts that include tax and amounts that do not are compared only with
//     Query.TaxRate, a rate from 0 to 10 read as its shortest decimal rounded half to
//     even to 18 decimal places (0.15 is 15/100; 0.7/100, which a float64 holds as
//     0.006999999999999999, is that decimal): the exclusive amount is raised to
//     amount × (1 + rate), rounded half away from zero to a minor unit. The arithmetic
//     is exact for every amount, up to the largest int64, and two amounts of the same
//     basis are compared as they are. Without a rate they are not compared: a
//     candidate whose basis differs from the reference's is skipped. Where the
//     reference itself is chosen among prices of both bases, the basis is that of the
//     first of them in the order of rule 6 without the amount; so is the basis of the
//     sales when there is no reference.
//  8. With Query.Explain, the result lists every price of the variant with its
//     [Outcome]: chosen as calculated or original, or the reason it lost. That is the
//     merchant's view: it shows other groups' prices, drafts and scheduled lists.
//     Query.ExplainVisible lists only what the shopper may see: the base prices and
//     the prices of the lists that apply to the shopper at that instant.
//
// A store with the optional [CandidateReader] capability (one for a database server)
// gives the resolver a whole call's prices in one read; the rules are the same.
//
// # Preview
//
// [Service.PreviewPriceList] answers, before a change to a price list is made
// (publishing a draft, changing its window, audience, channels, type, tax flag or
// adjustment, deleting it): which resolved prices would change, and why? It writes
// nothing.
//
//  1. The change is applied as UpdatePriceList or DeletePriceList applies it, with the
//     same checks and errors (an invalid field, a group that does not exist, a window
//     that ends before it starts, an expected revision that is not the list's), in a
//     write transaction of the store that is always rolled back. Every scenario is
//     resolved by the resolver's own steps before the change and after it, in that
//     transaction, at PreviewOptions.At (zero: now).
//  2. A scenario is a variant, a currency, a region, an audience, a sales channel and a
//     tier of quantities. The variants are those the list has prices for and, when it
//     has an adjustment before or after the change, every variant with base prices;
//     the currencies, those of the list's prices, written or derived. Within them, the
//     scenarios are the values at which the rules can decide differently: the regions
//     of the prices that can apply at the instant (the base prices, the list's, those
//     of the lists in force), and "" for no region and every region without a price of
//     its own; the tiers between the quantities at which one of those prices starts or
//     stops applying; the anonymous shopper, a customer in exactly each group the list
//     names before or after the change, and each customer it names, with the groups
//     they belong to; no channel and each channel the list names. When the list is
//     open to everyone, or to every channel, before or after the change, the groups
//     and customers, or the channels, of the other lists in force are examined too,
//     those of lists with an adjustment included. PreviewOptions.Audiences adds
//     audiences.
//  3. "A customer in exactly group G" is a simplification: a customer in G and in
//     another group whose lists compete is examined only when PreviewOptions.Audiences
//     names those groups, or the customer.
//  4. A change is a scenario whose calculated price (found or not, its ID, amount, type
//     and tax basis) or original price differs; ValidUntil alone is no change. It
//     carries the resolution before and after, and the list's own price for the
//     scenario before and after, with its outcome: calculated, original, the reason it
//     lost, or the term of the list that keeps it out (a draft, not yet started, ended,
//     another channel, not in the audience). Consecutive tiers that change alike are one
//     change.
//  5. Changes come by variant ID, then currency, region ("" first), audience
//     (anonymous, groups, customers, the audiences added), channel ("" first) and
//     quantity. The variants are examined in at most 16 transactions of at least 256
//     variants each (the change is applied, then rolled back, once per transaction):
//     each is consistent, and a write committed during a preview shows in the variants
//     after it. On a store whose Updates run one at a time (memory, bolt), a large
//     preview delays writers by up to a sixteenth of its time at a stretch;
//     PreviewOptions.StartAfter resumes after a variant, for a host that pages or
//     previews by parts.
//
// # Overlaps
//
// [Service.Overlaps] reports where active lists compete for the same variant,
// currency, region, audience and time, and which wins; [Service.DeadWeight] reports
// the lists, and the prices, that never win: what a merchant with 400 lists needs to
// know before deleting some of them.
//
//  1. The lists examined are the active ones whose window meets OverlapOptions.Period
//     ([From, To); a zero From is now, a zero To unbounded). Drafts are not examined.
//  2. The scenarios are those of Preview, for the lists examined that price the
//     variant in the currency, written or derived: the regions and tiers of the base
//     prices and of theirs; the anonymous shopper, a customer in exactly each group
//     they name, each customer they name, and OverlapOptions.Audiences; no channel and
//     each channel they name. Time is cut at every bound of their windows within the
//     period; each period is resolved at its start, which it shares with every instant
//     up to its end.
//  3. An overlap is a scenario and period in which prices of two or more lists are
//     eligible. It carries the eligible prices, base prices included, with their
//     outcomes (rule 6 of Resolution decides ties: the report shows which), and the
//     resolution. Consecutive tiers, and consecutive periods, that resolve alike are one
//     overlap.
//  4. A price is chosen in a scenario when it is the calculated price or the original
//     one. A list is dead weight when none of its prices, written or derived, is chosen
//     in any scenario and period: its window does not meet the period, it prices
//     nothing, or its prices are never chosen (with the reasons they lost). The prices
//     never chosen of the other lists are reported one by one. A price chosen for one
//     tier, region, audience, channel or period is not dead.
//  5. Limits, from the audiences of rule 2: two lists of different groups compete only
//     for the audiences OverlapOptions.Audiences names; and a sale that loses for a
//     customer in its group alone could win for a customer also in a group whose
//     override raises the reference above the base price. For the prices of override
//     lists, and of lists open to everyone, a customer in several groups gives a price
//     no chance that a customer in one of them does not, when OverlapOptions.TaxRate is
//     set or all the prices have one tax basis: what DeadWeight then finds dead of them
//     is dead. Without a rate, prices of both bases are compared only with those of the
//     basis rule 7 picks, which another group's price can change; a price found dead
//     for that reason ("tax basis not comparable") may live for such a customer.
//
// Which of my 400 lists are dead weight?
//
//	dw, _ := svc.DeadWeight(ctx, nil)
//	for _, l := range dw.Lists {
//		fmt.Println(l.PriceListID, l.Reason, l.Outcomes) // pl_old never chosen [higher than the winner]
//	}
//
// # Revisions and the change feed
//
// On a store with a journal ([Journal]: the memory, bolt and postgres stores have
// one), every operation that changes anything commits as the store's next revision:
// 1, 2, 3, ... in commit order, so that a reader that has seen every change up to
// revision R never sees a change numbered R or less appear later. Groups, price lists
// and prices carry the revision that last changed them (Revision; a price list's does
// not move when only its prices change). [Service.Changes] returns what each revision
// after a given one changed, record by record, with the records before and after: a
// deleted list reports each of its prices, a deleted group each of its memberships, a
// price moved to another variant is deleted from the one and created in the other. An
// operation that fails, or changes nothing (adding a member again, deleting what is
// not there), takes no revision. [Service.WaitChanges] waits for the next revision,
// also from another process on a shared store. The journal keeps revisions for the
// retention ([WithRetention], 90 days by default); a reader that falls further behind
// gets [ErrTrimmed] and reads the store again.
//
// An update or a delete can state the revision it expects the record at
// (CustomerGroupUpdate.IfRevision, PriceListUpdate.IfRevision,
// [Service.DeleteCustomerGroupIf], [Service.DeletePriceListIf], PriceBatch.Revisions):
// when the record is at another, or gone, the error wraps [ErrConflict] and nothing is
// written, so that two editors never overwrite each other silently.
//
// Time changes prices too: Resolution.ValidUntil is the next instant at which a window
// of a list that prices the item opens or closes, and [Service.WindowChanges] lists the
// openings and closings of a period.
//
// # Lowest prior price
//
// With Query.PriorDays (30 for the EU rule: Directive 98/6/EC, article 6a), the
// resolution of a sale carries the lowest price that the same query (audience,
// currency, region, quantity) resolved to in the PriorDays days before the reduction
// began, computed from the journal: what was stored, and in force, at each instant.
//
//   - The reduction began at the earliest instant S such that the query resolved to a
//     sale at every instant from S to Query.At: back-to-back sales, and a sale whose
//     amount changed, are one reduction, referred to the price before the first. A
//     sale list stored while its window was already open begins when it was stored.
//   - The lowest prior price is the lowest calculated amount of the query at any
//     instant of [S - PriorDays, S) at which it found a price, whatever its type: an
//     earlier, separate sale counts; a price edited during the period counts with each
//     of its amounts; a customer's past groups count as they were.
//   - The journal knows what its retention keeps. A reduction that began before the
//     oldest revision it keeps has no lowest prior price (and no ReductionStart); when
//     only the start of the period is older, Resolution.PriorFrom says where the
//     examined period begins.
//
// # Errors
//
// Errors match the sentinels [ErrNotFound], [ErrAlreadyExists], [ErrInvalid],
// [ErrConflict], [ErrNoPrice] and [ErrClosed] with errors.Is. A taken group ID, list
// ID or group name is ErrAlreadyExists, and so is a price input whose ID names one
// price while its key (variant, currency, region, quantities) is held by another, or
// whose ID is a price of another list or variant. The Service's errors name the record
// in one message: `pricing: customer group "vip" not found`.
package pricing
