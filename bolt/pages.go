package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// This file reads bbolt's own file layout itself, with plain reads of the file and
// bounds checks on every number it meets: the meta pages, which Open checks before
// bbolt maps the file, and the tree of pages, which Check walks before bbolt's checker
// runs. bbolt trusts its file: it maps it and follows every page ID, count and offset
// it finds there, and a number that points past the end of the file kills the process
// (SIGBUS), sends bbolt's checker (which runs in a goroutine of its own, where nothing
// can recover its panics) into a panic, or makes it loop. The layout is that of bbolt's
// file format version 2 (go.etcd.io/bbolt/internal/common), in the machine's byte
// order, as bbolt writes it:
//
//	page header  id uint64, flags uint16, count uint16, overflow uint32 (16 bytes); a
//	             page with overflow n spans n+1 pages of the file
//	meta         after the header of pages 0 and 1: magic uint32, version uint32, page
//	             size uint32, flags uint32, root bucket (root page uint64, sequence
//	             uint64), freelist page uint64, high water mark (pages in use) uint64,
//	             transaction ID uint64, FNV-64a checksum of the fields before it uint64
//	branch page  count elements of pos uint32, key size uint32, child page uint64
//	leaf page    count elements of flags uint32, pos uint32, key size uint32, value size
//	             uint32; an element's key starts pos bytes after the element, and its
//	             value follows the key
//	bucket       a leaf value with flag 1: root page uint64, sequence uint64, then, when
//	             the root page is 0 (an inline bucket), a leaf page of its own
//	freelist     count page IDs (uint64); a count of 0xFFFF means the first uint64
//	             holds the count

// The sizes and constants of bbolt's file format.
const (
	pageHeaderSize   = 16
	metaSize         = 64
	elementSize      = 16
	bucketHeaderSize = 16

	boltMagic   = 0xED0CDAED
	boltVersion = 2

	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01

	noFreelist = ^uint64(0) // the freelist page of a file whose free list is not written
)

// ne is the byte order of bbolt's files: the machine's.
var ne = binary.NativeEndian

// fileMeta is a meta page of a bbolt file.
type fileMeta struct {
	pageSize uint32
	root     uint64 // the root page of the root bucket
	freelist uint64 // the freelist page, or noFreelist
	pgid     uint64 // the high water mark: the pages in use
	txid     uint64
}

// parseMeta parses the meta page at the start of p and validates it as bbolt does:
// magic, version and checksum.
func parseMeta(p []byte) (fileMeta, error) {
	if len(p) < pageHeaderSize+metaSize {
		return fileMeta{}, berrors.ErrInvalid
	}
	m := p[pageHeaderSize : pageHeaderSize+metaSize]
	if ne.Uint32(m[0:]) != boltMagic {
		return fileMeta{}, berrors.ErrInvalid
	}
	if ne.Uint32(m[4:]) != boltVersion {
		return fileMeta{}, berrors.ErrVersionMismatch
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != ne.Uint64(m[56:]) {
		return fileMeta{}, berrors.ErrChecksum
	}
	return fileMeta{
		pageSize: ne.Uint32(m[8:]), root: ne.Uint64(m[16:]), freelist: ne.Uint64(m[32:]),
		pgid: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:]),
	}, nil
}

// metaAt reads and parses the meta page at offset off of r.
func metaAt(r io.ReaderAt, off int64) (fileMeta, error) {
	var buf [pageHeaderSize + metaSize]byte
	if n, err := r.ReadAt(buf[:], off); n < len(buf) {
		if err == nil || err == io.EOF {
			err = berrors.ErrInvalid
		}
		return fileMeta{}, err
	}
	return parseMeta(buf[:])
}

// readMeta returns the meta page that bbolt uses for the file r of size bytes, as
// bbolt chooses it: the page size from meta page 0 or, when that one is not valid, from
// the first valid meta page at a power of two from 1 KiB to 16 MiB; then, of meta pages
// 0 and 1, the valid one with the higher transaction ID. It checks that the file holds
// every page the meta page counts and that the root and freelist pages are among them.
// Its errors wrap ErrCorrupt.
func readMeta(r io.ReaderAt, size int64) (fileMeta, error) {
	m0, err0 := metaAt(r, 0)
	pageSize := int64(m0.pageSize)
	if err0 != nil {
		for i := range 15 {
			pos := int64(1024) << i
			if pos >= size-1024 {
				break
			}
			if m, err := metaAt(r, pos); err == nil {
				pageSize = int64(m.pageSize)
				break
			}
		}
	}
	if pageSize == 0 {
		return fileMeta{}, fmt.Errorf("%w: no valid meta page in %d bytes: not a bbolt file, or both meta pages are damaged (%w)", ErrCorrupt, size, err0)
	}
	if pageSize < pageHeaderSize+metaSize {
		return fileMeta{}, fmt.Errorf("%w: meta page: page size %d", ErrCorrupt, pageSize)
	}
	m1, err1 := metaAt(r, pageSize)
	m := m0
	switch {
	case err0 != nil && err1 != nil:
		return fileMeta{}, fmt.Errorf("%w: both meta pages are damaged: page 0: %w; page 1: %w", ErrCorrupt, err0, err1)
	case err0 != nil || (err1 == nil && m1.txid > m0.txid):
		m = m1
	}
	// bbolt finds every page with the page size it found first, whatever the other meta
	// page says.
	m.pageSize = uint32(pageSize)
	ps := uint64(pageSize)
	switch {
	case m.pgid < 2:
		return fileMeta{}, fmt.Errorf("%w: meta page (transaction %d) counts %d pages", ErrCorrupt, m.txid, m.pgid)
	case uint64(size)/ps < m.pgid:
		return fileMeta{}, fmt.Errorf("%w: the file is truncated: it has %d bytes, but its meta page (transaction %d) counts %d pages of %d bytes",
			ErrCorrupt, size, m.txid, m.pgid, ps)
	case m.root < 2 || m.root >= m.pgid:
		return fileMeta{}, fmt.Errorf("%w: meta page (transaction %d): root page %d is not among pages 2 to %d", ErrCorrupt, m.txid, m.root, m.pgid-1)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid):
		return fileMeta{}, fmt.Errorf("%w: meta page (transaction %d): freelist page %d is not among pages 2 to %d", ErrCorrupt, m.txid, m.freelist, m.pgid-1)
	}
	return m, nil
}

// pageHeader is the header of a page.
type pageHeader struct {
	id       uint64
	flags    uint16
	count    uint16
	overflow uint32
}

func parsePageHeader(b []byte) pageHeader {
	return pageHeader{id: ne.Uint64(b), flags: ne.Uint16(b[8:]), count: ne.Uint16(b[10:]), overflow: ne.Uint32(b[12:])}
}

// freelistSpan checks the header of the freelist page of m and returns where its page
// IDs start and how many there are. The file holds all m.pgid pages.
func freelistSpan(r io.ReaderAt, m fileMeta) (start, n uint64, err error) {
	ps := uint64(m.pageSize)
	var b [pageHeaderSize + 8]byte
	if _, err := r.ReadAt(b[:], int64(m.freelist*ps)); err != nil {
		return 0, 0, fmt.Errorf("bolt: read the freelist page %d: %w", m.freelist, err)
	}
	h := parsePageHeader(b[:])
	switch {
	case h.id != m.freelist:
		return 0, 0, fmt.Errorf("%w: freelist page %d has the header of page %d", ErrCorrupt, m.freelist, h.id)
	case h.flags != freelistPageFlag:
		return 0, 0, fmt.Errorf("%w: freelist page %d has type %#x", ErrCorrupt, m.freelist, h.flags)
	case m.freelist+uint64(h.overflow) >= m.pgid:
		return 0, 0, fmt.Errorf("%w: freelist page %d: %d overflow pages run past the %d pages of the file", ErrCorrupt, m.freelist, h.overflow, m.pgid)
	}
	start, n = pageHeaderSize, uint64(h.count)
	if h.count == 0xFFFF {
		start, n = pageHeaderSize+8, ne.Uint64(b[pageHeaderSize:])
	}
	if span := (uint64(h.overflow) + 1) * ps; n > (span-start)/8 {
		return 0, 0, fmt.Errorf("%w: freelist page %d: %d page IDs overflow its %d bytes", ErrCorrupt, m.freelist, n, span)
	}
	return m.freelist*ps + start, n, nil
}

// checkFile refuses, before bbolt maps it, a file that bbolt would read out of bounds
// at Open: a file shorter than the pages its meta page counts (bbolt maps it whole and
// reads its freelist page, which may lie past the end: SIGBUS), a file with no valid
// meta page, a damaged freelist page, and, for a file whose free list is not written
// (bbolt then walks every page to rebuild it, and panics in a goroutine of its own on
// what it does not expect), a damaged tree of pages. A missing or empty file passes:
// bbolt creates one. Its errors wrap ErrCorrupt, except those of reading the file.
func checkFile(path string) error {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return nil // bbolt creates the file, or says why it cannot open it
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	m, err := readMeta(f, fi.Size())
	if err != nil {
		return err
	}
	if m.freelist != noFreelist {
		_, _, err := freelistSpan(f, m)
		return err
	}
	if problems := walkPages(context.Background(), f, m); len(problems) > 0 {
		return fmt.Errorf("%w: the free list is not written, and bbolt cannot rebuild it from the damaged pages:\n%w",
			ErrCorrupt, errors.Join(problems...))
	}
	return nil
}

// maxTreeDepth bounds the depth of a bucket's tree of pages: bbolt's branch pages
// hold two children at least, so a sound tree is far shallower.
const maxTreeDepth = 64

// pageWalk is a walk of the tree of pages of a file, from the root bucket through every
// branch page, leaf page and nested bucket, that checks every page ID, count, overflow
// and element against the file before anything follows it, and reaches each page once.
// It goes depth first and keeps the path from the root, so that it tells a page that
// points back at one of its ancestors (a loop, which sends bbolt's cursors down for
// ever) from one that two pages share.
type pageWalk struct {
	ctx    context.Context
	r      io.ReaderAt
	m      fileMeta
	ps     uint64
	seen   []uint64 // a bit per page of the file: reached
	onPath []uint64 // a bit per page: on the path from the root to the current page
	// only, when set, limits the walk to the top-level tree and the tree of the
	// top-level bucket named only, whose buckets' headers it checks without walking
	// their trees (walkRoot).
	only     []byte
	stack    []pageRef
	buf      []byte
	problems []error
	steps    int
}

// pageRef is a page to visit: its ID, the page that refers to it, its depth in its
// bucket's tree, the depth of that bucket (0: the top-level tree), and whether it is
// the marker that the page's children are done.
type pageRef struct {
	id, from uint64
	depth    int
	level    int
	done     bool
}

func bitSet(bits []uint64, p uint64) bool { return bits[p/64]&(1<<(p%64)) != 0 }

// walkPages walks the tree of pages of the file r, whose meta page is m and which holds
// every page m counts. It returns the problems it finds (at most maxProblems): pages
// and elements out of bounds, pages of the wrong type or referenced twice, damaged meta
// page headers and freelist entries out of range. It does not look at keys or values
// beyond the bucket headers: bbolt's checker, which it makes safe to run, checks the
// key order, and Check's schema walk the values.
func walkPages(ctx context.Context, r io.ReaderAt, m fileMeta) []error {
	w := newPageWalk(ctx, r, m)
	for id := range uint64(2) {
		if b, ok := w.read(id*w.ps, pageHeaderSize); ok {
			if h := parsePageHeader(b); h.id != id || h.flags != metaPageFlag {
				w.add("meta page %d has the header of page %d of type %#x", id, h.id, h.flags)
			}
		}
		w.mark(id, 0)
	}
	w.freelist()
	return w.walk()
}

// walkRoot walks, as walkPages does, the pages that every transaction of a store with
// root bucket root reads before it reads a record: the top-level tree of the file, the
// tree of the root bucket, and the headers of the buckets in it and of their root
// pages. bbolt copies a bucket's header when it opens the bucket, as long as the
// header says it is, so a damaged one costs memory before any read can fail. It reads
// a few pages, and runs when a Store is made.
func walkRoot(r io.ReaderAt, m fileMeta, root []byte) []error {
	w := newPageWalk(context.Background(), r, m)
	w.only = root
	return w.walk()
}

func newPageWalk(ctx context.Context, r io.ReaderAt, m fileMeta) *pageWalk {
	words := (m.pgid + 63) / 64
	return &pageWalk{ctx: ctx, r: r, m: m, ps: uint64(m.pageSize), seen: make([]uint64, words), onPath: make([]uint64, words)}
}

// walk walks the tree from the root bucket's page.
func (w *pageWalk) walk() []error {
	w.stack = append(w.stack, pageRef{id: w.m.root})
	for len(w.stack) > 0 && len(w.problems) < maxProblems {
		if w.steps++; w.steps%4096 == 0 && w.ctx.Err() != nil {
			w.problems = append(w.problems, w.ctx.Err())
			break
		}
		p := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		if p.done {
			w.onPath[p.id/64] &^= 1 << (p.id % 64)
			continue
		}
		w.page(p)
	}
	return w.problems
}

func (w *pageWalk) add(format string, args ...any) {
	if len(w.problems) < maxProblems {
		w.problems = append(w.problems, fmt.Errorf("pages: "+format, args...))
	}
}

// read reads n bytes at offset off into the walk's buffer. The caller has checked that
// they lie in the file.
func (w *pageWalk) read(off, n uint64) ([]byte, bool) {
	if uint64(cap(w.buf)) < n {
		w.buf = make([]byte, n)
	}
	b := w.buf[:n]
	if _, err := w.r.ReadAt(b, int64(off)); err != nil {
		w.add("read %d bytes at offset %d: %v", n, off, err)
		return nil, false
	}
	return b, true
}

// mark marks the pages id to id+overflow reached, and reports whether none of them was.
func (w *pageWalk) mark(id uint64, overflow uint32) bool {
	fresh := true
	for p := id; p <= id+uint64(overflow); p++ {
		if w.seen[p/64]&(1<<(p%64)) != 0 {
			fresh = false
		}
		w.seen[p/64] |= 1 << (p % 64)
	}
	return fresh
}

// freelist checks the freelist page and the IDs it lists.
func (w *pageWalk) freelist() {
	if w.m.freelist == noFreelist {
		return
	}
	start, n, err := freelistSpan(w.r, w.m)
	if err != nil {
		w.add("%v", err)
		return
	}
	h, ok := w.read(w.m.freelist*w.ps, pageHeaderSize)
	if !ok {
		return
	}
	if !w.mark(w.m.freelist, parsePageHeader(h).overflow) {
		w.add("freelist page %d is a meta page", w.m.freelist)
	}
	const chunk = 4096
	for i := uint64(0); i < n; i += chunk {
		k := min(chunk, n-i)
		b, ok := w.read(start+8*i, 8*k)
		if !ok {
			return
		}
		for j := range k {
			if id := ne.Uint64(b[8*j:]); id < 2 || id >= w.m.pgid {
				w.add("freelist page %d lists page %d, not among pages 2 to %d", w.m.freelist, id, w.m.pgid-1)
				return
			}
		}
	}
}

// page checks the page p refers to, and queues its children and the roots of the
// buckets it holds.
func (w *pageWalk) page(p pageRef) {
	id, ps := p.id, w.ps
	if id < 2 || id >= w.m.pgid {
		w.add("page %d, referred to by page %d: not among pages 2 to %d", id, p.from, w.m.pgid-1)
		return
	}
	b, ok := w.read(id*ps, pageHeaderSize)
	if !ok {
		return
	}
	h := parsePageHeader(b)
	switch {
	case h.id != id:
		w.add("page %d, referred to by page %d, has the header of page %d", id, p.from, h.id)
		return
	case h.flags != branchPageFlag && h.flags != leafPageFlag:
		w.add("page %d, referred to by page %d, has type %#x, not a branch or leaf page", id, p.from, h.flags)
		return
	case id+uint64(h.overflow) >= w.m.pgid:
		w.add("page %d: %d overflow pages run past the %d pages of the file", id, h.overflow, w.m.pgid)
		return
	case bitSet(w.onPath, id):
		w.add("page %d, referred to by page %d, is one of its own ancestors: the tree loops", id, p.from)
		return
	case !w.mark(id, h.overflow):
		w.add("page %d (or one of its %d overflow pages), referred to by page %d, is in use elsewhere too", id, h.overflow, p.from)
		return
	case p.depth > maxTreeDepth:
		w.add("page %d is %d branch pages deep", id, p.depth)
		return
	case h.flags == branchPageFlag && h.count == 0:
		w.add("branch page %d has no elements", id)
		return
	}
	// The page stays on the path until its children are done.
	w.onPath[id/64] |= 1 << (id % 64)
	w.stack = append(w.stack, pageRef{id: id, done: true})
	span := (uint64(h.overflow) + 1) * ps
	n := uint64(h.count)
	if pageHeaderSize+n*elementSize > span {
		w.add("page %d: %d elements overflow its %d bytes", id, n, span)
		return
	}
	elems, ok := w.read(id*ps+pageHeaderSize, n*elementSize)
	if !ok {
		return
	}
	elems = append([]byte(nil), elems...) // w.buf is read into again below
	for i := range n {
		e := elems[i*elementSize:]
		at := pageHeaderSize + i*elementSize // the element's offset in the page
		if h.flags == branchPageFlag {
			pos, ksize, child := uint64(ne.Uint32(e)), uint64(ne.Uint32(e[4:])), ne.Uint64(e[8:])
			if at+pos+ksize > span {
				w.add("branch page %d: element %d: key of %d bytes at %d runs past the page", id, i, ksize, at+pos)
				return
			}
			w.stack = append(w.stack, pageRef{id: child, from: id, depth: p.depth + 1, level: p.level})
			continue
		}
		flags, pos, ksize, vsize := ne.Uint32(e), uint64(ne.Uint32(e[4:])), uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
		if at+pos+ksize+vsize > span {
			w.add("leaf page %d: element %d: key of %d bytes and value of %d bytes at %d run past the page", id, i, ksize, vsize, at+pos)
			return
		}
		if flags&bucketLeafFlag == 0 {
			continue
		}
		if vsize < bucketHeaderSize {
			w.add("leaf page %d: element %d: bucket of %d bytes", id, i, vsize)
			continue
		}
		if w.only != nil && p.level == 0 {
			k, ok := w.read(id*ps+at+pos, ksize)
			if !ok {
				return
			}
			if string(k) != string(w.only) {
				continue // a bucket of the host's
			}
		}
		v, ok := w.read(id*ps+at+pos+ksize, vsize)
		if !ok {
			return
		}
		w.bucket(id, i, v, p.level)
	}
}

// rootHeader checks the header of page id, the root page of a bucket whose header is
// on page from, without walking its tree.
func (w *pageWalk) rootHeader(id, from uint64) {
	if id < 2 || id >= w.m.pgid {
		w.add("page %d, referred to by page %d: not among pages 2 to %d", id, from, w.m.pgid-1)
		return
	}
	b, ok := w.read(id*w.ps, pageHeaderSize)
	if !ok {
		return
	}
	switch h := parsePageHeader(b); {
	case h.id != id:
		w.add("page %d, referred to by page %d, has the header of page %d", id, from, h.id)
	case h.flags != branchPageFlag && h.flags != leafPageFlag:
		w.add("page %d, referred to by page %d, has type %#x, not a branch or leaf page", id, from, h.flags)
	case id+uint64(h.overflow) >= w.m.pgid:
		w.add("page %d: %d overflow pages run past the %d pages of the file", id, h.overflow, w.m.pgid)
	}
}

// bucket checks the bucket header v, element i of leaf page id in a bucket of depth
// level: it queues the root page of a bucket that has one, and checks the page of an
// inline bucket.
func (w *pageWalk) bucket(id, i uint64, v []byte, level int) {
	if root := ne.Uint64(v); root != 0 {
		if w.only != nil && level > 0 {
			w.rootHeader(root, id)
			return
		}
		w.stack = append(w.stack, pageRef{id: root, from: id, level: level + 1})
		return
	}
	p := v[bucketHeaderSize:]
	if len(p) < pageHeaderSize {
		w.add("leaf page %d: element %d: inline bucket of %d bytes", id, i, len(v))
		return
	}
	h := parsePageHeader(p)
	n := uint64(h.count)
	switch {
	case h.flags != leafPageFlag:
		w.add("leaf page %d: element %d: inline bucket page of type %#x", id, i, h.flags)
		return
	case pageHeaderSize+n*elementSize > uint64(len(p)):
		w.add("leaf page %d: element %d: %d elements overflow the inline bucket's %d bytes", id, i, n, len(p))
		return
	}
	for j := range n {
		e := p[pageHeaderSize+j*elementSize:]
		at := pageHeaderSize + j*elementSize
		flags, pos, ksize, vsize := ne.Uint32(e), uint64(ne.Uint32(e[4:])), uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
		if at+pos+ksize+vsize > uint64(len(p)) {
			w.add("leaf page %d: element %d: inline bucket element %d runs past the bucket", id, i, j)
			return
		}
		if flags&bucketLeafFlag != 0 {
			// bbolt never writes a bucket inline when it holds a bucket.
			w.add("leaf page %d: element %d: inline bucket holds a bucket", id, i)
			return
		}
	}
}

// checkRoot walks, in a read-only transaction of db, the pages that every transaction
// of a store with root bucket root reads before it reads a record (walkRoot), reading
// the file itself. A file it cannot open (bbolt's Options.OpenFile may name something
// else) goes unchecked.
func checkRoot(db *bbolt.DB, root []byte) error {
	f, err := os.Open(db.Path())
	if err != nil {
		return nil
	}
	defer f.Close()
	return protect(func() error {
		return db.View(func(btx *bbolt.Tx) error {
			if problems := walkRoot(f, txMeta(btx), root); len(problems) > 0 {
				return fmt.Errorf("%w: the pages that every transaction reads are damaged:\n%w", ErrCorrupt, errors.Join(problems...))
			}
			return nil
		})
	})
}

// txMeta returns the meta page that btx started from, as far as a walk needs it.
func txMeta(btx *bbolt.Tx) fileMeta {
	ps := btx.DB().Info().PageSize
	txid := uint64(btx.ID())
	if btx.Writable() {
		txid--
	}
	return fileMeta{
		pageSize: uint32(ps), root: uint64(btx.Cursor().Bucket().Root()), freelist: noFreelist,
		pgid: uint64(btx.Size()) / uint64(ps), txid: txid,
	}
}
