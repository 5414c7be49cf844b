package pricing

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// The encoding of a Change in a journal item: compact and cheap, since an operation
// that writes 100,000 prices writes 100,000 items. Every item starts with the version
// of its layout, so that a later version can change the layout and still read the
// items an earlier one wrote.
//
//	item       version (2) ‖ kind ‖ op ‖ str(ID) ‖ str(customer ID) ‖ flags ‖ [after] ‖ [before]
//	flags      bit 0: an after record follows; bit 1: a before record follows
//	price      str(list) ‖ str(variant) ‖ str(currency) ‖ str(region) ‖ varint(amount)
//	           ‖ varint(min) ‖ varint(max) ‖ bool(includes tax) ‖ uvarint(revision)
//	list       str(name) ‖ str(description) ‖ str(type) ‖ str(status) ‖ time(starts) ‖
//	           time(ends) ‖ strs(groups) ‖ strs(customers) ‖ strs(channels) ‖
//	           adjustment ‖ bool(includes tax) ‖ bytes(metadata JSON, empty for none) ‖
//	           time(created) ‖ time(updated) ‖ uvarint(revision)
//	strs       uvarint(n) ‖ n × str
//	adjustment 0 for none, else 1 ‖ uvarint(len) ‖ the percent as the shortest decimal
//	           text strconv writes ‖ str(rounding)
//	group      str(name) ‖ bytes(metadata JSON) ‖ time(created) ‖ time(updated) ‖
//	           uvarint(revision)
//	str, bytes uvarint(length) ‖ the bytes
//	time       0 for the zero time, else 1 ‖ varint(Unix seconds) ‖ uvarint(nanoseconds)
//
// The record's ID is the change's ID, so it is not repeated. Version 1, written before
// lists had customers, channels and adjustments, has a list without strs(customers),
// strs(channels) and adjustment; it is still read, with none of the three.

const changeCodecVersion = 2

var changeKinds = [...]ChangeKind{1: KindCustomerGroup, 2: KindMembership, 3: KindPriceList, 4: KindPrice}
var changeOps = [...]ChangeOp{1: OpCreate, 2: OpUpdate, 3: OpDelete}

func codeOf[T comparable](values []T, v T) byte {
	for i, x := range values {
		if i > 0 && x == v {
			return byte(i)
		}
	}
	return 0
}

// appendChange appends the encoding of c to b.
func appendChange(b []byte, c *Change) ([]byte, error) {
	b = append(b, changeCodecVersion, codeOf(changeKinds[:], c.Kind), codeOf(changeOps[:], c.Op))
	b = appendStr(b, c.ID)
	b = appendStr(b, c.CustomerID)
	var err error
	switch c.Kind {
	case KindPrice:
		b = append(b, presence(c.Price != nil, c.OldPrice != nil))
		if c.Price != nil {
			b = appendPriceRecord(b, c.Price)
		}
		if c.OldPrice != nil {
			b = appendPriceRecord(b, c.OldPrice)
		}
	case KindPriceList:
		b = append(b, presence(c.PriceList != nil, c.OldPriceList != nil))
		if c.PriceList != nil {
			if b, err = appendListRecord(b, c.PriceList); err != nil {
				return nil, err
			}
		}
		if c.OldPriceList != nil {
			if b, err = appendListRecord(b, c.OldPriceList); err != nil {
				return nil, err
			}
		}
	case KindCustomerGroup:
		b = append(b, presence(c.CustomerGroup != nil, c.OldCustomerGroup != nil))
		if c.CustomerGroup != nil {
			if b, err = appendGroupRecord(b, c.CustomerGroup); err != nil {
				return nil, err
			}
		}
		if c.OldCustomerGroup != nil {
			if b, err = appendGroupRecord(b, c.OldCustomerGroup); err != nil {
				return nil, err
			}
		}
	default:
		b = append(b, 0)
	}
	return b, nil
}

func presence(after, before bool) byte {
	var f byte
	if after {
		f |= 1
	}
	if before {
		f |= 2
	}
	return f
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendTimeCode(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = binary.AppendVarint(append(b, 1), t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendMetadata(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, 0), nil
	}
	js, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append(binary.AppendUvarint(b, uint64(len(js))), js...), nil
}

func appendPriceRecord(b []byte, p *Price) []byte {
	b = appendStr(b, p.PriceListID)
	b = appendStr(b, p.VariantID)
	b = appendStr(b, p.CurrencyCode)
	b = appendStr(b, p.RegionID)
	b = binary.AppendVarint(b, p.Amount)
	b = binary.AppendVarint(b, p.MinQuantity)
	b = binary.AppendVarint(b, p.MaxQuantity)
	b = appendBool(b, p.IncludesTax)
	return binary.AppendUvarint(b, uint64(p.Revision))
}

func appendListRecord(b []byte, pl *PriceList) ([]byte, error) {
	b = appendStr(b, pl.Name)
	b = appendStr(b, pl.Description)
	b = appendStr(b, string(pl.Type))
	b = appendStr(b, string(pl.Status))
	b = appendTimeCode(b, pl.StartsAt)
	b = appendTimeCode(b, pl.EndsAt)
	for _, ids := range [...][]string{pl.CustomerGroupIDs, pl.CustomerIDs, pl.ChannelIDs} {
		b = binary.AppendUvarint(b, uint64(len(ids)))
		for _, id := range ids {
			b = appendStr(b, id)
		}
	}
	if a := pl.Adjustment; a == nil {
		b = append(b, 0)
	} else {
		b = appendStr(append(b, 1), strconv.FormatFloat(a.Percent, 'g', -1, 64))
		b = appendStr(b, string(a.Rounding))
	}
	b = appendBool(b, pl.IncludesTax)
	b, err := appendMetadata(b, pl.Metadata)
	if err != nil {
		return nil, err
	}
	b = appendTimeCode(b, pl.CreatedAt)
	b = appendTimeCode(b, pl.UpdatedAt)
	return binary.AppendUvarint(b, uint64(pl.Revision)), nil
}

func appendGroupRecord(b []byte, g *CustomerGroup) ([]byte, error) {
	b = appendStr(b, g.Name)
	b, err := appendMetadata(b, g.Metadata)
	if err != nil {
		return nil, err
	}
	b = appendTimeCode(b, g.CreatedAt)
	b = appendTimeCode(b, g.UpdatedAt)
	return binary.AppendUvarint(b, uint64(g.Revision)), nil
}

// errBadChange reports an item that does not decode.
var errBadChange = errors.New("bad change encoding")

// changeDecoder reads the parts of an item in order; the first error sticks.
type changeDecoder struct {
	b   []byte
	err error
}

func (d *changeDecoder) fail() { d.err, d.b = errBadChange, nil }

func (d *changeDecoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *changeDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *changeDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *changeDecoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *changeDecoder) str() string { return string(d.bytes()) }

func (d *changeDecoder) bool() bool { return d.byte() == 1 }

func (d *changeDecoder) time() time.Time {
	if d.byte() == 0 {
		return time.Time{}
	}
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *changeDecoder) metadata() map[string]any {
	js := d.bytes()
	if d.err != nil || len(js) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil || m == nil {
		d.fail()
		return nil
	}
	return m
}

func (d *changeDecoder) price(id string) *Price {
	p := &Price{ID: id, PriceListID: d.str(), VariantID: d.str(), CurrencyCode: d.str(), RegionID: d.str(),
		Amount: d.varint(), MinQuantity: d.varint(), MaxQuantity: d.varint(), IncludesTax: d.bool()}
	p.Revision = int64(d.uvarint())
	return p
}

// strs reads a list of strings; none is nil.
func (d *changeDecoder) strs() []string {
	n := d.uvarint()
	if n == 0 {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *changeDecoder) adjustment() *Adjustment {
	if d.byte() == 0 {
		return nil
	}
	percent, err := strconv.ParseFloat(d.str(), 64)
	if err != nil {
		d.fail()
		return nil
	}
	return &Adjustment{Percent: percent, Rounding: Rounding(d.str())}
}

// list reads a list record of the given layout version.
func (d *changeDecoder) list(id string, version byte) *PriceList {
	pl := &PriceList{ID: id, Name: d.str(), Description: d.str(), Type: PriceListType(d.str()), Status: PriceListStatus(d.str()),
		StartsAt: d.time(), EndsAt: d.time()}
	pl.CustomerGroupIDs = d.strs()
	if version >= 2 {
		pl.CustomerIDs, pl.ChannelIDs = d.strs(), d.strs()
		pl.Adjustment = d.adjustment()
	}
	pl.IncludesTax = d.bool()
	pl.Metadata = d.metadata()
	pl.CreatedAt, pl.UpdatedAt = d.time(), d.time()
	pl.Revision = int64(d.uvarint())
	return pl
}

func (d *changeDecoder) group(id string) *CustomerGroup {
	g := &CustomerGroup{ID: id, Name: d.str(), Metadata: d.metadata(), CreatedAt: d.time(), UpdatedAt: d.time()}
	g.Revision = int64(d.uvarint())
	return g
}

// decodeChangeItem decodes what appendChange wrote.
func decodeChangeItem(b []byte, c *Change) error {
	d := changeDecoder{b: b}
	version := d.byte()
	if version < 1 || version > changeCodecVersion {
		return errors.New("unknown change encoding version")
	}
	kind, op := d.byte(), d.byte()
	if int(kind) >= len(changeKinds) || kind == 0 || int(op) >= len(changeOps) || op == 0 {
		return errBadChange
	}
	*c = Change{Kind: changeKinds[kind], Op: changeOps[op], ID: d.str(), CustomerID: d.str()}
	flags := d.byte()
	for i, present := range []bool{flags&1 != 0, flags&2 != 0} {
		if !present {
			continue
		}
		switch c.Kind {
		case KindPrice:
			p := d.price(c.ID)
			if i == 0 {
				c.Price = p
			} else {
				c.OldPrice = p
			}
		case KindPriceList:
			pl := d.list(c.ID, version)
			if i == 0 {
				c.PriceList = pl
			} else {
				c.OldPriceList = pl
			}
		case KindCustomerGroup:
			g := d.group(c.ID)
			if i == 0 {
				c.CustomerGroup = g
			} else {
				c.OldCustomerGroup = g
			}
		default:
			d.fail()
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return d.err
}
