package pricing

import (
	"context"
	"errors"
	"iter"
	"slices"
	"time"
)

// PriceListChange is a change to a price list that PreviewPriceList previews: an
// update, as UpdatePriceList would apply it (publishing a draft is an update of its
// Status), or the deletion of the list. Exactly one of Update and Delete is set.
type PriceListChange struct {
	Update *PriceListUpdate `json:"update,omitempty"`
	Delete bool             `json:"delete,omitempty"`
}

// PreviewOptions tunes PreviewPriceList. The zero value previews at the Service's now.
type PreviewOptions struct {
	// At is the instant at which resolutions are compared. Zero (null in JSON): the
	// Service's now.
	At time.Time `json:"at"`
	// TaxRate is the tax rate of every query, as Query.TaxRate; nil: unknown.
	TaxRate *float64 `json:"tax_rate"`
	// Audiences are examined besides the default ones (anonymous, a customer in
	// exactly each group the list names before or after the change, each customer it
	// names): for example a customer in two groups, whose lists compete.
	Audiences []Audience `json:"audiences,omitempty"`
	// StartAfter, when set, skips the variants up to it, in ascending ID order: a host
	// that pages the preview passes the VariantID of the last change it showed, having
	// shown every change of that variant.
	StartAfter string `json:"start_after,omitempty"`
}

// PriceChange is a scenario whose resolution a change to a price list would change:
// the resolution before and after, and why, told by the list's own price for the
// scenario, before and after (nil when it has none: it prices another region or
// tier, or is deleted), with its outcome: calculated, original, the reason it lost, or
// the term of the list that keeps it out (draft list, not yet started, ended, channel,
// customer not in the audience).
type PriceChange struct {
	Scenario   Scenario   `json:"scenario"`
	Before     Resolution `json:"before"`
	After      Resolution `json:"after"`
	ListBefore *Candidate `json:"list_before"`
	ListAfter  *Candidate `json:"list_after"`
}

// previewChunkMin is the least number of variants a transaction of PreviewPriceList
// examines; previewChunks the most transactions it splits a preview into.
const (
	previewChunkMin = 256
	previewChunks   = 16
)

// errRollBack makes a store's Update roll back what a preview wrote.
var errRollBack = errors.New("pricing: preview done, rolling back")

// PreviewPriceList returns what a change to the price list listID would change in
// resolution, without writing anything: every scenario (variant, currency, region,
// audience, channel and tier of quantities, at opts.At) whose resolution differs,
// with the resolution before and after. It yields the changes in that order, by
// variant ID, currency, region, audience and channel as the package documentation
// ("Preview") says, then by quantity, and stops early when the loop stops. A change
// that is invalid, or that UpdatePriceList would refuse (a group that does not exist, a
// window that ends before it starts, an expected revision that is not the list's), is
// yielded as the only error, and so is ErrNotFound for a missing list. opts may be nil.
//
// The change is applied, resolved and rolled back in a write transaction of the store,
// some hundreds of variants at a time: the changes of one transaction are consistent,
// and a write committed while the preview runs shows in the variants after it.
func (s *Service) PreviewPriceList(ctx context.Context, listID string, change PriceListChange, opts *PreviewOptions) iter.Seq2[PriceChange, error] {
	return func(yield func(PriceChange, error) bool) {
		if err := s.preview(ctx, listID, change, opts, yield); err != nil {
			yield(PriceChange{}, err)
		}
	}
}

// previewRun is the state of one PreviewPriceList.
type previewRun struct {
	listID     string
	u          *listUpdate // nil for a deletion
	currencies []string    // the currencies of the list's prices, and of the base prices with an adjustment
	at         time.Time
	extra      []Audience
	e          *examiner
	prices     []Price            // the prices of the variant at hand in a currency
	applicable []Price            // those of them that can apply in the scenario at hand
	terms      [2]*PriceListTerms // the list's terms before the change and after it (nil for a deletion)
	spaces     []*space           // the spaces of the chunk, in order
	used       int                // how many of spaces the chunk uses
	before     []outcome          // the resolution of every scenario of the chunk before the change
	out        []PriceChange
	sc         Scenario // the scenario at hand
	scratch    outcome  // its outcome
}

// outcome is a resolution of a scenario and the list's price there, if it has one;
// skipped when the list applies in the scenario neither before the change nor after
// it, so that the resolution cannot change.
type outcome struct {
	res     Resolution
	list    Candidate
	priced  bool
	skipped bool
}

// listCandidate returns the list's price of the outcome, or nil.
func (o *outcome) listCandidate() *Candidate {
	if !o.priced {
		return nil
	}
	c := o.list
	return &c
}

func (s *Service) preview(ctx context.Context, listID string, change PriceListChange, opts *PreviewOptions, yield func(PriceChange, error) bool) error {
	if opts == nil {
		opts = &PreviewOptions{}
	}
	var fe fieldErrors
	checkID(&fe, "PriceListID", listID)
	switch {
	case change.Update == nil && !change.Delete:
		fe.add("Update", "required, unless Delete is set")
	case change.Update != nil && change.Delete:
		fe.add("Delete", "cannot be combined with Update")
	}
	ratio := checkTaxRate(&fe, opts.TaxRate)
	extra := checkAudiences(&fe, "Audiences", opts.Audiences)
	checkOptionalID(&fe, "StartAfter", opts.StartAfter)
	if err := fe.err(); err != nil {
		return err
	}
	p := &previewRun{listID: listID, at: utc(opts.At), extra: extra, e: newExaminer(s, opts.TaxRate, ratio)}
	if p.at.IsZero() {
		p.at = s.clock()
	}
	if change.Update != nil {
		u, err := s.checkListUpdate(*change.Update)
		if err != nil {
			return prefixFields(err, "Update.")
		}
		p.u = &u
	}
	var variants []string
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		variants, err = p.variants(tx, variants[:0])
		return err
	})
	if err != nil {
		return err
	}
	if opts.StartAfter != "" {
		i, found := slices.BinarySearch(variants, opts.StartAfter)
		if found {
			i++
		}
		variants = variants[i:]
	}
	size := max(previewChunkMin, (len(variants)+previewChunks-1)/previewChunks)
	for len(variants) > 0 {
		chunk := variants[:min(size, len(variants))]
		variants = variants[len(chunk):]
		err := s.store.Update(ctx, func(tx Tx) error {
			defer p.e.end()
			if err := p.chunk(tx, chunk); err != nil {
				return err
			}
			return errRollBack
		})
		if !errors.Is(err, errRollBack) {
			return err
		}
		for _, c := range p.out {
			if !yield(c, nil) {
				return nil
			}
		}
	}
	return nil
}

// variants returns, ascending, the variants whose resolution the change may change:
// those the list has prices for and, when the list has an adjustment before or after
// the change, every variant with base prices. It sets p.currencies to the currencies
// of those prices.
func (p *previewRun) variants(tx Tx, dst []string) ([]string, error) {
	old, after, err := p.lists(tx)
	if err != nil {
		return nil, err
	}
	p.currencies = p.currencies[:0]
	add := func(pr Price) bool {
		if len(dst) == 0 || dst[len(dst)-1] != pr.VariantID {
			dst = append(dst, pr.VariantID)
		}
		if !slices.Contains(p.currencies, pr.CurrencyCode) {
			p.currencies = append(p.currencies, pr.CurrencyCode)
		}
		return true
	}
	if err := tx.PricesOfList(p.listID, add); err != nil {
		return nil, err
	}
	if old.Adjustment != nil || after != nil && after.Adjustment != nil {
		if err := tx.PricesOfList("", add); err != nil {
			return nil, err
		}
	}
	slices.Sort(p.currencies)
	slices.Sort(dst)
	return slices.Compact(dst), nil
}

// lists returns the list before the change and after it (nil for a deletion).
func (p *previewRun) lists(tx Tx) (PriceList, *PriceList, error) {
	old, err := getList(tx, p.listID)
	if err != nil || p.u == nil {
		return old, nil, err
	}
	after, err := p.u.apply(tx, old)
	if err != nil {
		return old, nil, err
	}
	return old, &after, nil
}

// chunk previews the change for the variants of a chunk in the write transaction tx,
// which the caller rolls back: it resolves every scenario, applies the change as
// UpdatePriceList or DeletePriceList would, resolves every scenario again, and keeps
// in p.out the scenarios whose resolution differs. It starts over on every call, as
// Store.Update may call its function again.
func (p *previewRun) chunk(tx Tx, variants []string) error {
	p.out, p.before, p.used = p.out[:0], p.before[:0], 0
	old, after, err := p.lists(tx)
	if err != nil {
		return err
	}
	e := p.e
	if err := e.begin(tx); err != nil {
		return err
	}
	adjusted := old.Adjustment != nil || after != nil && after.Adjustment != nil
	oldTerms := old.Terms()
	p.terms = [2]*PriceListTerms{&oldTerms, nil}
	if after != nil {
		newTerms := after.Terms()
		p.terms[1] = &newTerms
	}
	for _, v := range variants {
		for _, cur := range p.currencies {
			if p.prices, err = tx.AppendVariantPrices(p.prices[:0], v, cur); err != nil {
				return err
			}
			sp, err := p.space(p.prices, adjusted, &oldTerms, after)
			if err != nil {
				return err
			}
			if sp == nil {
				continue
			}
			if err := p.resolveSpace(sp, p.prices, func(sc *Scenario, o *outcome) {
				p.before = append(p.before, *o)
			}); err != nil {
				return err
			}
		}
	}

	if after == nil {
		err = deleteList(tx, p.listID, 0)
	} else {
		err = putUpdatedList(tx, old, *after)
	}
	if err != nil {
		return err
	}
	if err := e.begin(tx); err != nil {
		return err
	}
	k := 0
	// The last change of p.out is open while the next tier may extend it.
	open := false
	var openSig changeSig
	flush := func() { open = false }
	for _, sp := range p.spaces[:p.used] {
		if p.prices, err = tx.AppendVariantPrices(p.prices[:0], sp.variantID, sp.currency); err != nil {
			return err
		}
		if err := p.resolveSpace(sp, p.prices, func(sc *Scenario, o *outcome) {
			b := &p.before[k]
			k++
			if sc.MinQuantity == sp.tiers[0] {
				flush() // a new region, audience or channel
			}
			if o.skipped || sigOf(&b.res) == sigOf(&o.res) {
				flush()
				return
			}
			sig := changeSig{sigOf(&b.res), sigOf(&o.res), b.listSig(), o.listSig()}
			if open && sig == openSig {
				p.out[len(p.out)-1].Scenario.MaxQuantity = sc.MaxQuantity
				return
			}
			p.out = append(p.out, PriceChange{Scenario: *sc, Before: b.res, After: o.res, ListBefore: b.listCandidate(), ListAfter: o.listCandidate()})
			last := &p.out[len(p.out)-1]
			last.Scenario.Audience.CustomerGroupIDs = slices.Clone(sc.Audience.CustomerGroupIDs) // sc's are the space's
			open, openSig = true, sig
		}); err != nil {
			return err
		}
		flush()
	}
	return nil
}

// changeSig is what tells two changes apart: consecutive tiers whose changes have
// the same changeSig are one change.
type changeSig struct {
	before, after         resolutionSig
	listBefore, listAfter candidateSig
}

// listSig is the candidateSig of the list's price of the outcome.
func (o *outcome) listSig() candidateSig {
	if !o.priced {
		return candidateSig{}
	}
	return candSig(&o.list)
}

// space returns the space of a variant's prices in one currency, or nil when the list
// has no price there before or after the change, written or derived. The regions and
// tiers are those of the prices that can apply at the instant: the base prices, the
// list's, and those of the lists in force (active, in their window).
func (p *previewRun) space(prices []Price, adjusted bool, old *PriceListTerms, after *PriceList) (*space, error) {
	priced := false
	for i := range prices {
		if id := prices[i].PriceListID; id == p.listID || id == "" && adjusted {
			priced = true
			break
		}
	}
	if !priced {
		return nil, nil
	}
	if p.used == len(p.spaces) {
		p.spaces = append(p.spaces, new(space))
	}
	sp := p.spaces[p.used]
	p.used++
	sp.reset(prices[0].VariantID, prices[0].CurrencyCode)
	var newTerms PriceListTerms
	if after != nil {
		newTerms = after.Terms()
	}
	// A list open to everyone, or to every channel, before or after the change meets
	// the audiences, or the channels, of the other lists in force.
	everyone := old.everyone() || after != nil && newTerms.everyone()
	everywhere := len(old.ChannelIDs) == 0 || after != nil && len(newTerms.ChannelIDs) == 0
	last, bases := "", false
	for i := range prices {
		pr := &prices[i]
		if id := pr.PriceListID; id != "" && id != p.listID {
			t, err := p.e.terms(id)
			if err != nil {
				return nil, err
			}
			if !p.e.inForce(t, p.at) {
				continue
			}
			if id != last && (everyone || everywhere) {
				sp.addCompetitor(t, everyone, everywhere)
				last = id
			}
		}
		bases = bases || pr.PriceListID == ""
		sp.addPrice(pr)
	}
	if bases && (everyone || everywhere) {
		// The lists with an adjustment compete through the prices they derive from
		// the base prices.
		if err := p.e.adjustedLists(func(t *PriceListTerms) {
			if t.ID != p.listID && p.e.inForce(t, p.at) {
				sp.addCompetitor(t, everyone, everywhere)
			}
		}); err != nil {
			return nil, err
		}
	}
	sp.addList(old)
	if after != nil {
		sp.addList(&newTerms)
	}
	sp.finish(p.extra)
	return sp, nil
}

// resolveSpace resolves every scenario of the space at the preview's instant, in the
// order of the report, and passes each with its outcome to fn, which must not keep
// them. A scenario where the list applies neither before the change nor after it is
// not resolved: its outcome is skipped.
func (p *previewRun) resolveSpace(sp *space, prices []Price, fn func(*Scenario, *outcome)) error {
	o, sc, e := &p.scratch, &p.sc, p.e
	for ri := range sp.regions {
		for ai := range sp.audiences {
			for ci := range sp.channels {
				*sc = sp.scenario(ri, ai, ci, 0)
				if err := e.set(sc, p.at); err != nil {
					return err
				}
				o.skipped = !e.applies(p.terms[0]) && (p.terms[1] == nil || !e.applies(p.terms[1]))
				var err error
				if !o.skipped {
					if p.applicable, err = e.applicable(p.applicable[:0], prices, p.listID); err != nil {
						return err
					}
				}
				for ti := range sp.tiers {
					*sc = sp.scenario(ri, ai, ci, ti)
					if o.skipped {
						fn(sc, o)
						continue
					}
					if o.res, err = e.resolve(p.applicable, sc); err != nil {
						return err
					}
					if o.list, o.priced, err = e.listPrice(p.applicable, p.listID, sc.MinQuantity); err != nil {
						return err
					}
					fn(sc, o)
				}
			}
		}
	}
	return nil
}

// prefixFields prefixes the field of every FieldError in err, an error of a
// validation, with prefix.
func prefixFields(err error, prefix string) error {
	var ve *ValidationError
	var fe *FieldError
	switch {
	case errors.As(err, &ve):
		for _, f := range ve.Fields {
			f.Field = prefix + f.Field
		}
	case errors.As(err, &fe):
		fe.Field = prefix + fe.Field
	}
	return err
}
