package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Damaged PDFs. A PDF ends with a cross-reference table that gives the
// byte offset of every object; a download cut short loses it (and the
// objects after the cut), and a file edited as text or with bytes glued in
// front has offsets that point at the wrong places. Viewers then rebuild
// the table by scanning the file for "N G obj" headers, and so does
// repairPDF: it finds every object that is still there (the last
// definition of each number wins, as incremental updates append), opens
// the object streams among them for the objects they pack, and appends a
// new cross-reference stream, so the parsing library reads the file as if
// it were whole. Pages whose objects, fonts or contents were lost fail one
// by one and are named; the rest are read.
//
// The page list itself may be lost (LibreOffice writes it last). Then the
// page tree root is looked for among the surviving objects, and failing
// that the page objects found are read in object-number order, which is
// page order for the writers seen (LibreOffice, Chromium, pdfTeX).

const (
	maxRepairObjects = 4 << 20 // object headers taken from one file
	repairChunk      = 1 << 20 // bytes scanned at a time
)

// repairInfo describes a rebuilt file.
type repairInfo struct {
	truncated bool // no %%EOF at the end: the file is cut short
	// pageCount is the number of pages the surviving page tree root
	// declares, or 0 when no root survived.
	pageCount int
	// guessedOrder means the page list was lost and pages are read in
	// object order.
	guessedOrder bool
}

// objLoc is where an object is defined: at an offset, or as the index-th
// object of an object stream.
type objLoc struct {
	off    int64
	gen    int
	stream uint32 // object stream number, 0 for a direct object
	index  int
	pos    int64 // file position that decides which definition is newer
}

// repairPDF rebuilds the cross-reference section of the PDF in f (size
// bytes) and returns a reader over the repaired file. It fails when no
// PDF header or no page can be found.
func repairPDF(ctx context.Context, f io.ReaderAt, size int64) (*pdf.Reader, repairInfo, error) {
	var info repairInfo
	base, err := findHeader(f, size)
	if err != nil {
		return nil, info, err
	}
	body := io.NewSectionReader(f, base, size-base)
	vsize := size - base
	info.truncated = !hasEOFMarker(body, vsize)

	objs, hints, err := scanObjects(ctx, body, vsize)
	if err != nil {
		return nil, info, err
	}
	dropOutliers(objs)
	if len(objs) == 0 {
		return nil, info, fmt.Errorf("no objects found: %w", ErrCorrupt)
	}
	var src io.ReaderAt = body
	if hdr := make([]byte, 9); readFull(body, hdr, 0) && (bytes.HasPrefix(hdr, []byte("%PDF-2.")) || hdr[8] != '\n' && hdr[8] != '\r') {
		// The library wants "%PDF-1.x" and a line end; the syntax it reads
		// is the same in 2.0.
		src = patchedReaderAt{ReaderAt: body, patch: []byte("%PDF-1.7\n")}
	}

	// First pass: direct objects only, to open the object streams and
	// learn what each object is.
	kinds, streams, view, err := classify(ctx, src, vsize, objs, hints)
	if err != nil {
		return nil, info, err
	}
	if len(streams) > 0 {
		for _, sn := range streams {
			if err := checkpoint(ctx); err != nil {
				return nil, info, err
			}
			addStreamObjects(view, sn, objs)
		}
		if kinds, _, view, err = classify(ctx, src, vsize, objs, hints); err != nil {
			return nil, info, err
		}
	}

	// Choose the page tree.
	var extra []string
	root := uint32(0)
	if hints.root != 0 && kinds[hints.root] == "Catalog" && hasPageTree(view, hints.root) {
		root = hints.root
	}
	if root == 0 {
		for _, n := range byPosition(objs, kinds, "Catalog") {
			if hasPageTree(view, n) {
				root = n
			}
		}
	}
	next := maxObject(objs) + 1
	if root == 0 {
		// No catalog: take the page tree root with the most pages, or
		// else every page object found.
		best, bestCount := uint32(0), -1
		for _, n := range byPosition(objs, kinds, "Pages") {
			v := view.obj(n)
			if p := v.Key("Parent"); p.Kind() == pdf.Dict {
				continue
			}
			if c := int(v.Key("Count").Int64()); c > bestCount {
				best, bestCount = n, c
			}
		}
		pagesObj := best
		if best == 0 {
			var kids []uint32
			for n, k := range kinds {
				if k == "Page" {
					kids = append(kids, n)
				}
			}
			if len(kids) == 0 {
				return nil, info, fmt.Errorf("no page survived: %w", ErrCorrupt)
			}
			sort.Slice(kids, func(a, b int) bool { return kids[a] < kids[b] })
			var b strings.Builder
			for _, k := range kids {
				fmt.Fprintf(&b, "%d %d R ", k, objs[k].gen)
			}
			pagesObj = next
			next++
			extra = append(extra, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", b.String(), len(kids)))
			info.guessedOrder = true
		}
		root = next // the last object added: next is not used after it
		extra = append(extra, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	}
	final := appendXref(src, vsize, objs, hints, root, extra, nil)
	r, err := newPDFReader(final, final.size)
	if err != nil {
		return nil, info, fmt.Errorf("rebuilt file: %v: %w", trimPDFError(err), ErrCorrupt)
	}
	if !info.guessedOrder {
		info.pageCount = pageTreeCount(r)
	}
	return r, info, nil
}

func readFull(r io.ReaderAt, b []byte, off int64) bool {
	n, _ := r.ReadAt(b, off)
	return n == len(b)
}

// findHeader finds "%PDF-" in the first KiB: mail gateways and download
// tools sometimes put bytes in front of it.
func findHeader(f io.ReaderAt, size int64) (int64, error) {
	head := make([]byte, min(size, 1024))
	n, _ := f.ReadAt(head, 0)
	if i := bytes.Index(head[:n], []byte("%PDF-")); i >= 0 {
		return int64(i), nil
	}
	return 0, fmt.Errorf("no PDF header: %w", ErrCorrupt)
}

func hasEOFMarker(r io.ReaderAt, size int64) bool {
	tail := make([]byte, min(size, 4<<10))
	n, _ := r.ReadAt(tail, size-int64(len(tail)))
	return bytes.Contains(tail[:n], []byte("%%EOF"))
}

// trailerHints are the entries of the last trailer (or cross-reference
// stream dictionary) found in the file.
type trailerHints struct {
	root, info, encrypt uint32
	id                  string // the /ID array as written
}

var (
	reRoot    = regexp.MustCompile(`^/Root\s*(\d+)\s+\d+\s+R`)
	reInfo    = regexp.MustCompile(`^/Info\s*(\d+)\s+\d+\s+R`)
	reEncrypt = regexp.MustCompile(`^/Encrypt\s*(\d+)\s+\d+\s+R`)
	reID      = regexp.MustCompile(`^/ID\s*(\[\s*<[0-9A-Fa-f\s]*>\s*<[0-9A-Fa-f\s]*>\s*\])`)
)

// scanObjects finds the object headers "N G obj" in r and the last
// trailer entries. The scan reads r once, a chunk at a time.
func scanObjects(ctx context.Context, r io.ReaderAt, size int64) (map[uint32]objLoc, trailerHints, error) {
	objs := map[uint32]objLoc{}
	var hints trailerHints
	const overlap = 64
	buf := make([]byte, repairChunk+overlap)
	for start := int64(0); start < size; start += repairChunk {
		if err := checkpoint(ctx); err != nil {
			return nil, hints, err
		}
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-start)], start)
		if n == 0 && err != nil {
			return nil, hints, fmt.Errorf("read: %w", err)
		}
		chunk := buf[:n]
		limit := min(n, repairChunk) // headers starting in the overlap belong to the next chunk
		for i := 0; ; {
			k := bytes.Index(chunk[i:], []byte("obj"))
			if k < 0 {
				break
			}
			at := i + k
			i = at + 3
			if at+3 < len(chunk) && !isPDFSpace(chunk[at+3]) && !isPDFDelim(chunk[at+3]) {
				continue // "objstm", "object"
			}
			num, gen, hs, ok := objHeader(chunk, at)
			if !ok || hs >= limit {
				continue
			}
			if len(objs) >= maxRepairObjects {
				return nil, hints, fmt.Errorf("over %d objects: %w", maxRepairObjects, ErrTooLarge)
			}
			off := start + int64(hs)
			objs[num] = objLoc{off: off, gen: gen, pos: off}
		}
		for _, key := range []string{"/Root", "/Info", "/Encrypt", "/ID"} {
			for i := 0; ; {
				k := bytes.Index(chunk[i:limit], []byte(key))
				if k < 0 {
					break
				}
				at := i + k
				i = at + len(key)
				s := chunk[at:min(len(chunk), at+200)]
				switch key {
				case "/Root":
					if m := reRoot.FindSubmatch(s); m != nil {
						hints.root = atou32(m[1])
					}
				case "/Info":
					if m := reInfo.FindSubmatch(s); m != nil {
						hints.info = atou32(m[1])
					}
				case "/Encrypt":
					if m := reEncrypt.FindSubmatch(s); m != nil {
						hints.encrypt = atou32(m[1])
					}
				case "/ID":
					if m := reID.FindSubmatch(s); m != nil {
						hints.id = string(m[1])
					}
				}
			}
		}
	}
	return objs, hints, nil
}

// dropOutliers forgets object numbers far above the number of objects:
// writers number objects densely, so such a number comes from bytes that
// only look like a header (in binary stream data), and keeping it would
// make the cross-reference table (which the library allocates by the
// largest number) huge.
func dropOutliers(objs map[uint32]objLoc) {
	limit := uint32(2*len(objs) + 100_000)
	for n := range objs {
		if n > limit {
			delete(objs, n)
		}
	}
}

func atou32(b []byte) uint32 {
	v, err := strconv.ParseUint(string(b), 10, 32)
	if err != nil {
		return 0
	}
	return uint32(v)
}

// objHeader reads "N G " backwards from the "obj" at b[at:], returning the
// numbers and where the header starts.
func objHeader(b []byte, at int) (num uint32, gen int, start int, ok bool) {
	i := at
	skipSpace := func() bool {
		j := i
		for i > 0 && isPDFSpace(b[i-1]) {
			i--
		}
		return i < j
	}
	digits := func(max int) (string, bool) {
		j := i
		for i > 0 && b[i-1] >= '0' && b[i-1] <= '9' && j-i < max {
			i--
		}
		return string(b[i:j]), i < j
	}
	if !skipSpace() {
		return 0, 0, 0, false
	}
	g, ok := digits(5)
	if !ok || !skipSpace() {
		return 0, 0, 0, false
	}
	nstr, ok := digits(10)
	if !ok || i > 0 && (b[i-1] >= '0' && b[i-1] <= '9' || !isPDFSpace(b[i-1]) && !isPDFDelim(b[i-1])) {
		return 0, 0, 0, false
	}
	nv, err := strconv.ParseUint(nstr, 10, 32)
	if err != nil || nv == 0 {
		return 0, 0, 0, false
	}
	gv, _ := strconv.Atoi(g)
	return uint32(nv), gv, i, true
}

// classify opens the file with a cross-reference section built from objs
// and reads every object once: it returns each one's /Type (Catalog, Pages,
// Page, ObjStm, ...), the object streams in file order, and a view that
// looks objects up by number.
// Objects that cannot be parsed (cut off by truncation) are dropped from
// objs, so references to them read as null instead of failing.
func classify(ctx context.Context, src io.ReaderAt, size int64, objs map[uint32]objLoc, hints trailerHints) (map[uint32]string, []uint32, *repairView, error) {
	nums := make([]uint32, 0, len(objs))
	for n := range objs {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(a, b int) bool { return nums[a] < nums[b] })
	tmp := appendXref(src, size, objs, hints, 0, nil, nums)
	r, err := newPDFReader(tmp, tmp.size)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("rebuilt file: %v: %w", trimPDFError(err), ErrCorrupt)
	}
	all := r.Trailer().Key("KuraObjects")
	kinds := make(map[uint32]string, len(nums))
	var streams []uint32
	for i, n := range nums {
		if i%4096 == 0 {
			if err := checkpoint(ctx); err != nil {
				return nil, nil, nil, err
			}
		}
		kind, ok := objKind(all, i)
		if !ok {
			delete(objs, n)
			continue
		}
		kinds[n] = kind
		if kind == "ObjStm" && objs[n].stream == 0 {
			streams = append(streams, n)
		}
	}
	sort.Slice(streams, func(a, b int) bool { return objs[streams[a]].pos < objs[streams[b]].pos })
	return kinds, streams, &repairView{r: r, nums: nums}, nil
}

// objKind resolves the i-th object of the list and returns its /Type
// ("" for objects without one), or false when it cannot be read.
func objKind(all pdf.Value, i int) (kind string, ok bool) {
	defer func() {
		if recover() != nil {
			kind, ok = "", false
		}
	}()
	v := all.Index(i)
	if v.Kind() == pdf.Null {
		return "", false
	}
	if v.Kind() == pdf.Dict || v.Kind() == pdf.Stream {
		kind = v.Key("Type").Name()
		if kind == "" && v.Kind() == pdf.Dict && v.Key("Kids").Kind() == pdf.Array {
			kind = "Pages"
		}
		if kind == "" && v.Kind() == pdf.Dict && v.Key("Contents").Kind() != pdf.Null && v.Key("MediaBox").Kind() != pdf.Null {
			kind = "Page"
		}
	}
	return kind, true
}

// addStreamObjects reads the object numbers packed in object stream sn and
// records them, unless a direct definition later in the file supersedes
// them.
func addStreamObjects(view *repairView, sn uint32, objs map[uint32]objLoc) {
	defer func() { recover() }() // a damaged stream adds what it has
	v := view.obj(sn)
	n := int(v.Key("N").Int64())
	if n <= 0 || n > maxRepairObjects {
		return
	}
	data := streamBytes(v, 64<<20)
	lx := cmapLexer{data: data}
	pos := objs[sn].pos
	for i := 0; i < n; i++ {
		a, ok1 := lx.next()
		b, ok2 := lx.next()
		if !ok1 || !ok2 || a.kind != tokNumber || b.kind != tokNumber {
			return
		}
		num, err := strconv.ParseUint(a.text, 10, 32)
		if err != nil || num == 0 || num > uint64(2*len(objs)+100_000) {
			continue
		}
		if old, ok := objs[uint32(num)]; ok && old.pos > pos {
			continue
		}
		if len(objs) >= maxRepairObjects {
			return
		}
		objs[uint32(num)] = objLoc{stream: sn, index: i, pos: pos}
	}
}

// repairView is a reader over a rebuilt file whose trailer lists every
// object in number order (/KuraObjects), so that objects can be looked up
// by number: the library offers no such lookup.
type repairView struct {
	r    *pdf.Reader
	nums []uint32
}

func (v *repairView) obj(n uint32) pdf.Value {
	i := sort.Search(len(v.nums), func(i int) bool { return v.nums[i] >= n })
	if i == len(v.nums) || v.nums[i] != n {
		return pdf.Value{}
	}
	return v.r.Trailer().Key("KuraObjects").Index(i)
}

// hasPageTree reports whether catalog object n leads to a page tree.
func hasPageTree(v *repairView, n uint32) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return v.obj(n).Key("Pages").Kind() == pdf.Dict
}

func pageTreeCount(r *pdf.Reader) (count int) {
	defer func() {
		if recover() != nil {
			count = 0
		}
	}()
	return int(r.Trailer().Key("Root").Key("Pages").Key("Count").Int64())
}

// byPosition returns the objects of kind in file order.
func byPosition(objs map[uint32]objLoc, kinds map[uint32]string, kind string) []uint32 {
	var out []uint32
	for n, k := range kinds {
		if k == kind {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(a, b int) bool { return objs[out[a]].pos < objs[out[b]].pos })
	return out
}

func maxObject(objs map[uint32]objLoc) uint32 {
	var m uint32
	for n := range objs {
		m = max(m, n)
	}
	return m
}

// tailedReaderAt is a file with bytes appended.
type tailedReaderAt struct {
	src  io.ReaderAt
	n    int64 // bytes of src used
	tail []byte
	size int64
}

func (t *tailedReaderAt) ReadAt(b []byte, off int64) (int, error) {
	if off >= t.size {
		return 0, io.EOF
	}
	total := 0
	if off < t.n {
		k := min(int64(len(b)), t.n-off)
		n, err := t.src.ReadAt(b[:k], off)
		total += n
		if int64(n) < k {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return total, err
		}
		b = b[k:]
		off += k
	}
	if len(b) > 0 {
		n := copy(b, t.tail[off-t.n:])
		total += n
		if n < len(b) {
			return total, io.EOF
		}
	}
	return total, nil
}

// appendXref returns src with extra objects (numbered from the largest
// object number + 1), a cross-reference stream covering objs and them, and
// a trailer appended. root is the catalog (0: the hint). list, if set,
// goes into the trailer as /KuraObjects, an array of references that
// classify resolves one by one.
func appendXref(src io.ReaderAt, size int64, objs map[uint32]objLoc, hints trailerHints, root uint32, extra []string, list []uint32) *tailedReaderAt {
	var tail bytes.Buffer
	tail.WriteString("\n")
	next := maxObject(objs) + 1
	type entry struct {
		num uint32
		typ byte
		a   int64
		b   int
	}
	entries := make([]entry, 0, len(objs)+len(extra)+1)
	for n, o := range objs {
		if o.stream != 0 {
			entries = append(entries, entry{n, 2, int64(o.stream), o.index})
		} else {
			entries = append(entries, entry{n, 1, o.off, o.gen})
		}
	}
	for i, e := range extra {
		n := next + uint32(i)
		entries = append(entries, entry{n, 1, size + int64(tail.Len()), 0})
		fmt.Fprintf(&tail, "%d 0 obj\n%s\nendobj\n", n, e)
	}
	xrefNum := next + uint32(len(extra))
	xrefOff := size + int64(tail.Len())
	entries = append(entries, entry{xrefNum, 1, xrefOff, 0})
	sort.Slice(entries, func(a, b int) bool { return entries[a].num < entries[b].num })
	// Subsections of consecutive numbers (/Index): numbering has gaps.
	var data []byte
	var index strings.Builder
	for i := 0; i < len(entries); {
		j := i
		for j+1 < len(entries) && entries[j+1].num == entries[j].num+1 {
			j++
		}
		fmt.Fprintf(&index, "%d %d ", entries[i].num, j-i+1)
		for _, e := range entries[i : j+1] {
			var rec [8]byte
			rec[0] = e.typ
			var off [8]byte
			binary.BigEndian.PutUint64(off[:], uint64(e.a))
			copy(rec[1:6], off[3:8])
			binary.BigEndian.PutUint16(rec[6:8], uint16(e.b))
			data = append(data, rec[:]...)
		}
		i = j + 1
	}
	if root == 0 {
		root = hints.root
	}
	fmt.Fprintf(&tail, "%d 0 obj\n<< /Type /XRef /Size %d /Index [%s] /W [1 5 2] /Root %d 0 R", xrefNum, xrefNum+1, index.String(), root)
	if hints.info != 0 {
		if _, ok := objs[hints.info]; ok {
			fmt.Fprintf(&tail, " /Info %d 0 R", hints.info)
		}
	}
	if hints.encrypt != 0 {
		fmt.Fprintf(&tail, " /Encrypt %d 0 R", hints.encrypt)
	}
	if hints.id != "" {
		fmt.Fprintf(&tail, " /ID %s", hints.id)
	}
	if list != nil {
		tail.WriteString(" /KuraObjects [")
		for _, n := range list {
			fmt.Fprintf(&tail, "%d %d R ", n, objs[n].gen)
		}
		tail.WriteString("]")
	}
	fmt.Fprintf(&tail, " /Length %d >>\nstream\n", len(data))
	tail.Write(data)
	fmt.Fprintf(&tail, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xrefOff)
	return &tailedReaderAt{src: src, n: size, tail: tail.Bytes(), size: size + int64(tail.Len())}
}
