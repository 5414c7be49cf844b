package bolt

import (
	"time"

	"github.com/commercekit/pricing"
)

// entryBuf gathers the items of a journal entry that a read returns, and makes the
// entry: its keys share one string, its data one slice. It is reused from entry to
// entry.
type entryBuf struct {
	keys, data []byte
	lens       []int // per item: the length of its key, then of its data
}

// add adds an item. key and data are copied.
func (b *entryBuf) add(key, data []byte) {
	b.keys = append(b.keys, key...)
	b.data = append(b.data, data...)
	b.lens = append(b.lens, len(key), len(data))
}

// entry returns the entry of revision rev at at, of the items added since the last
// call; the caller owns it.
func (b *entryBuf) entry(rev int64, at time.Time) pricing.JournalEntry {
	keys := string(b.keys)
	data := make([]byte, len(b.data))
	copy(data, b.data)
	items := make([]pricing.JournalItem, len(b.lens)/2)
	ko, do := 0, 0
	for i := range items {
		kl, dl := b.lens[2*i], b.lens[2*i+1]
		items[i] = pricing.JournalItem{Key: keys[ko : ko+kl], Data: data[do : do+dl : do+dl]}
		ko, do = ko+kl, do+dl
	}
	b.keys, b.data, b.lens = b.keys[:0], b.data[:0], b.lens[:0]
	return pricing.JournalEntry{Revision: rev, At: at, Items: items}
}
