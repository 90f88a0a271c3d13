package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// PDF text comes from github.com/ledongthuc/pdf, which parses the file
// (xref tables and streams, object streams, RC4 and AES-128 with the CF
// length in bytes), and from our own content-stream interpreter below,
// which places every glyph and rebuilds lines, spaces and paragraphs from
// the geometry (the library's own text methods split lines at every font
// change and invent characters). Files the library cannot decrypt (AES with
// a CF length in bits, AES-256) are decrypted in memory with pdfcpu using
// the empty user password, which opens every PDF that only has an owner
// password.

const (
	maxPDFPages      = 100_000   // more is a damaged page tree
	maxGlyphsPerPage = 2_000_000 // bounds memory on hostile content streams
	maxFormDepth     = 8         // nested form XObjects
	maxFormsPerPage  = 2_000
)

func extractPDF(ctx context.Context, path string, _ Options) (Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return Document{}, fmt.Errorf("pdf: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Document{}, fmt.Errorf("pdf: %w", err)
	}
	var res pdfResult
	r, err := openPDF(f, info.Size())
	if err == nil {
		res, err = readPDF(ctx, r)
	}
	if ctx.Err() != nil {
		return Document{}, fmt.Errorf("pdf: %w", ctx.Err())
	}
	if errors.Is(err, ErrEncrypted) {
		return Document{}, fmt.Errorf("pdf: %w", err)
	}
	// A file that does not open, or has pages that fail, may be damaged:
	// rebuild its cross-reference table and keep whichever reading got
	// more pages.
	var rinfo repairInfo
	if err != nil || len(res.failed) > 0 {
		rr, ri, rerr := repairPDF(ctx, f, info.Size())
		if ctx.Err() != nil {
			return Document{}, fmt.Errorf("pdf: %w", ctx.Err())
		}
		if rerr != nil && err != nil && ri.truncated {
			return Document{}, fmt.Errorf("pdf: the file is cut short and none of its pages could be recovered: %w", ErrCorrupt)
		}
		if rerr == nil {
			res2, err2 := readPDF(ctx, rr)
			if ctx.Err() != nil {
				return Document{}, fmt.Errorf("pdf: %w", ctx.Err())
			}
			if err2 == nil && (err != nil || res2.read() > res.read()) {
				res, err, rinfo = res2, nil, ri
			}
		}
	}
	if err != nil {
		return Document{}, fmt.Errorf("pdf: %w", err)
	}
	if res.read() == 0 && len(res.failed) > 0 {
		if rinfo.truncated {
			return Document{}, fmt.Errorf("pdf: the file is cut short and none of its pages could be recovered: %w", ErrCorrupt)
		}
		f := res.failed[0]
		return Document{}, fmt.Errorf("pdf: unreadable content: page %d: %s: %w", f.page, trimPDFError(f.err), ErrCorrupt)
	}
	doc := Document{Title: res.title, Pages: res.pages, Scanned: res.scanned}
	doc.Lost, doc.Damage = res.damage(rinfo)
	// Join wraps only now: whether the document spaces Latin words inside
	// Japanese text is decided once, from all its pages.
	var all strings.Builder
	for _, p := range doc.Pages {
		all.WriteString(p.Text)
		all.WriteString("\n\n")
	}
	spaced := spacedLatin(all.String())
	for i := range doc.Pages {
		doc.Pages[i].Text = joinWrapped(doc.Pages[i].Text, spaced)
	}
	return doc, nil
}

// pdfResult is one reading of a PDF's pages.
type pdfResult struct {
	title   string
	pages   []Page // pages read, text not yet joined
	scanned []int  // pages that are scans (see pdfPageText)
	failed  []pageFailure
	total   int // pages in the page tree
}

type pageFailure struct {
	page int
	err  error
}

// read is the number of pages read (with or without text).
func (r pdfResult) read() int { return r.total - len(r.failed) }

// readPDF lays out every page of r. Pages that fail are recorded, not
// fatal; only a missing page tree is.
func readPDF(ctx context.Context, r *pdf.Reader) (pdfResult, error) {
	res := pdfResult{title: pdfTitle(r)}
	pages, err := pdfPages(r)
	if err != nil {
		return res, err
	}
	res.total = len(pages)
	for i, p := range pages {
		if err := checkpoint(ctx); err != nil {
			return res, err
		}
		text, scanned, err := pdfPageText(ctx, p)
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if err != nil {
			res.failed = append(res.failed, pageFailure{i + 1, err})
			continue
		}
		res.pages = append(res.pages, Page{Number: i + 1, Text: text})
		if scanned {
			res.scanned = append(res.scanned, i+1)
		}
	}
	return res, nil
}

// damage lists the pages lost and says why in one line ("" for a whole
// file). Pages the surviving page tree declares but that were not found
// count as lost too.
func (r pdfResult) damage(info repairInfo) ([]int, string) {
	var lost []int
	for _, f := range r.failed {
		lost = append(lost, f.page)
	}
	for n := r.total + 1; n <= info.pageCount && n <= maxPDFPages; n++ {
		lost = append(lost, n)
	}
	total := max(r.total, info.pageCount)
	cause := "the file is damaged"
	if info.truncated {
		cause = "the file is cut short"
	}
	switch {
	case info.guessedOrder:
		msg := fmt.Sprintf("%s and its list of pages is lost: %d pages were recovered in the order they are stored; pages after them may be missing", cause, r.read())
		if len(lost) > 0 {
			msg += fmt.Sprintf("; %s of those found could not be read", PagesWord(lost))
		}
		return lost, msg
	case len(lost) == 0:
		if info.truncated {
			return nil, "the file is cut short, but every page was read"
		}
		return nil, ""
	}
	msg := fmt.Sprintf("%s of %d could not be read", PagesWord(lost), total)
	if info.truncated || info.pageCount > 0 {
		msg += ": " + cause
	} else if len(r.failed) > 0 {
		msg += ": " + trimPDFError(r.failed[0].err)
	}
	return lost, msg
}

// openPDF opens the PDF in f, decrypting it when it has only an owner
// password.
func openPDF(f io.ReaderAt, size int64) (*pdf.Reader, error) {
	f, size = tolerantPDF(f, size)
	r, err := newPDFReader(f, size)
	if err == nil {
		return r, nil
	}
	if !isEncryptionError(err) {
		return nil, fmt.Errorf("%v: %w", trimPDFError(err), ErrCorrupt)
	}
	plain, derr := decryptPDF(io.NewSectionReader(f, 0, size))
	if derr != nil {
		if errors.Is(derr, pdfcpu.ErrWrongPassword) {
			return nil, fmt.Errorf("needs a password to open: %w", ErrEncrypted)
		}
		return nil, fmt.Errorf("cannot decrypt: %v: %w", trimPDFError(derr), ErrEncrypted)
	}
	r, err = newPDFReader(bytes.NewReader(plain), int64(len(plain)))
	if err != nil {
		return nil, fmt.Errorf("after decryption: %v: %w", trimPDFError(err), ErrCorrupt)
	}
	return r, nil
}

// tolerantPDF smooths over two harmless quirks the library rejects: a
// PDF 2.0 header (it accepts only 1.x; the syntax it reads did not
// change), and bytes after the final %%EOF (writers and mail gateways
// append padding). A file with no %%EOF near its end is left alone: it is
// truncated, and fails.
func tolerantPDF(f io.ReaderAt, size int64) (io.ReaderAt, int64) {
	head := make([]byte, 8)
	if n, _ := f.ReadAt(head, 0); n == 8 && bytes.HasPrefix(head, []byte("%PDF-2.")) {
		f = patchedReaderAt{ReaderAt: f, patch: []byte("%PDF-1.7")}
	}
	const tailLen = 4 << 10
	tailStart := max(0, size-tailLen)
	tail := make([]byte, size-tailStart)
	if n, _ := f.ReadAt(tail, tailStart); n == len(tail) {
		trimmed := bytes.TrimRight(tail, "\r\n\t ") // as the library trims
		if !bytes.HasSuffix(trimmed, []byte("%%EOF")) {
			if i := bytes.LastIndex(tail, []byte("%%EOF")); i >= 0 {
				size = tailStart + int64(i) + 5
			}
		}
	}
	return f, size
}

// patchedReaderAt overlays patch on the first bytes of a ReaderAt.
type patchedReaderAt struct {
	io.ReaderAt
	patch []byte
}

func (p patchedReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.ReaderAt.ReadAt(b, off)
	for i := 0; i < n; i++ {
		if pos := off + int64(i); pos < int64(len(p.patch)) {
			b[i] = p.patch[pos]
		}
	}
	return n, err
}

// newPDFReader is pdf.NewReader with its panics turned into errors.
func newPDFReader(f io.ReaderAt, size int64) (r *pdf.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%v", p)
		}
	}()
	return pdf.NewReader(f, size)
}

func isEncryptionError(err error) bool {
	if errors.Is(err, pdf.ErrInvalidPassword) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "encrypt") || strings.Contains(msg, "missing ID in trailer")
}

// trimPDFError keeps an error message to one short line: library messages
// can embed whole dictionaries.
func trimPDFError(err error) string {
	msg := err.Error()
	if i := strings.IndexAny(msg, "\n<"); i > 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	const max = 160
	if len(msg) > max {
		msg = msg[:max] + "…"
	}
	return msg
}

var pdfcpuSetup sync.Once

// decryptPDF writes a decrypted copy of an encrypted PDF to memory, trying
// the empty user password. It fails with pdfcpu.ErrWrongPassword when the
// file needs a real password.
func decryptPDF(rs io.ReadSeeker) ([]byte, error) {
	pdfcpuSetup.Do(func() {
		// Keep pdfcpu from creating a configuration folder (with fonts) in
		// the user's config directory.
		model.ConfigPath = "disable"
	})
	conf := model.NewDefaultConfiguration()
	conf.UserPW = ""
	conf.OwnerPW = ""
	conf.ValidationMode = model.ValidationRelaxed
	var out bytes.Buffer
	if err := api.Decrypt(rs, &out, conf); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// pdfTitle is the document information dictionary's title.
func pdfTitle(r *pdf.Reader) (title string) {
	defer func() {
		if recover() != nil {
			title = ""
		}
	}()
	return r.Trailer().Key("Info").Key("Title").Text()
}

// pdfPages walks the page tree once and returns the page dictionaries in
// order. Each object of the tree is visited once, so a node that lists
// itself or an ancestor among its kids (a cycle in a damaged or hostile
// file) is not walked again; depth and count limits stay as a backstop.
func pdfPages(r *pdf.Reader) (pages []pdf.Page, err error) {
	defer func() {
		if p := recover(); p != nil {
			pages, err = nil, fmt.Errorf("damaged page tree: %v: %w", p, ErrCorrupt)
		}
	}()
	root := r.Trailer().Key("Root").Key("Pages")
	if root.Kind() != pdf.Dict {
		return nil, fmt.Errorf("no page tree: %w", ErrCorrupt)
	}
	visited := 0
	seen := map[[2]uint64]bool{}
	var walk func(node pdf.Value, ref bool, depth int)
	walk = func(node pdf.Value, ref bool, depth int) {
		visited++
		if depth > 64 || visited > 4*maxPDFPages || len(pages) >= maxPDFPages {
			return
		}
		if node.Kind() == pdf.Null && depth > 0 {
			// A kid whose object is gone (a damaged or truncated file):
			// keep its place, so later pages keep their numbers and it
			// is reported as lost.
			pages = append(pages, pdf.Page{V: node})
			return
		}
		if id, ok := objectID(node); ok && ref {
			if seen[id] {
				return
			}
			seen[id] = true
		}
		kids := node.Key("Kids")
		if node.Key("Type").Name() == "Page" || kids.Kind() != pdf.Array {
			if node.Kind() == pdf.Dict && node.Key("Type").Name() != "Pages" {
				pages = append(pages, pdf.Page{V: node})
			}
			return
		}
		for i := 0; i < kids.Len(); i++ {
			walk(kids.Index(i), isRef(kids, i), depth+1)
		}
	}
	walk(root, true, 0)
	if len(pages) == 0 {
		return nil, fmt.Errorf("no pages: %w", ErrCorrupt)
	}
	return pages, nil
}

// objectID is the object number and generation of an indirect object,
// which the library keeps unexported. A node written inline in its parent
// carries its parent's number (see isRef).
func objectID(v pdf.Value) ([2]uint64, bool) {
	ptr := reflect.ValueOf(v).FieldByName("ptr")
	if !ptr.IsValid() || ptr.Kind() != reflect.Struct || ptr.NumField() != 2 {
		return [2]uint64{}, false
	}
	id, gen := ptr.Field(0), ptr.Field(1)
	if !id.CanUint() || !gen.CanUint() || id.Uint() == 0 {
		return [2]uint64{}, false
	}
	return [2]uint64{id.Uint(), gen.Uint()}, true
}

// isRef reports whether element i of the array a is a reference to an
// indirect object rather than a value written inline (an inline node
// cannot lead back to itself, and shares its parent's object number).
func isRef(a pdf.Value, i int) bool {
	d := reflect.ValueOf(a).FieldByName("data")
	if !d.IsValid() || d.Kind() != reflect.Interface || d.IsNil() {
		return true
	}
	arr := d.Elem()
	if arr.Kind() != reflect.Slice || i >= arr.Len() {
		return true
	}
	e := arr.Index(i)
	if e.Kind() == reflect.Interface && !e.IsNil() {
		e = e.Elem()
	}
	return e.Kind() != reflect.Map
}

// pdfPageText lays out the text of one page, wrapped lines not yet joined,
// and tells whether the page is a scan: it draws an image and has no text,
// or a short text (a stamp, a page number) beside an image that covers half
// the page or more. A panic from the library (a malformed stream) becomes
// the page's error.
func pdfPageText(ctx context.Context, p pdf.Page) (text string, scanned bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			if a, ok := r.(abortPage); ok {
				text, scanned, err = "", false, a.err
				return
			}
			text, scanned, err = "", false, fmt.Errorf("%v", r)
		}
	}()
	if p.V.Kind() != pdf.Dict {
		return "", false, errors.New("the page is missing")
	}
	contents := p.V.Key("Contents")
	if contents.Kind() == pdf.Null && slices.Contains(p.V.Keys(), "Contents") {
		return "", false, errors.New("the page's content is missing")
	}
	in := newInterp(ctx)
	in.run(contents, p.Resources(), ident, 0)
	if len(in.glyphs) == 0 && in.unknownFont > 0 {
		return "", false, errors.New("the page's fonts are missing")
	}
	text = layout(in.glyphs)
	if in.images > 0 {
		n := len([]rune(strings.TrimSpace(text)))
		scanned = n == 0 || n < 40 && in.imageArea >= 0.5*pageArea(p.V)
	}
	return text, scanned, nil
}

// pageArea is the area of the page's MediaBox (inherited from its
// parents), in points², or US Letter's when it has none.
func pageArea(v pdf.Value) float64 {
	for i := 0; i < 32 && v.Kind() == pdf.Dict; i++ {
		if box, ok := nums(arrayValues(v.Key("MediaBox")), 4); ok {
			if a := math.Abs((box[2] - box[0]) * (box[3] - box[1])); a > 0 {
				return a
			}
		}
		v = v.Key("Parent")
	}
	return 612 * 792
}

// matrix is a PDF transformation matrix [a b 0; c d 0; e f 1].
type matrix [3][3]float64

var ident = matrix{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}

func (x matrix) mul(y matrix) matrix {
	var z matrix
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				z[i][j] += x[i][k] * y[k][j]
			}
		}
	}
	return z
}

// glyph is one shown character code, in device space.
type glyph struct {
	s              string
	x0, y0, x1, y1 float64 // origin before and after the advance
	dx, dy         float64 // baseline direction (unit vector)
	size           float64 // font size in device space
}

type gstate struct {
	ctm                 matrix
	tc, tw, th, tl, tfs float64
	trise               float64
	font                *pdfFont
}

// interp runs content streams and records the glyphs they show.
type interp struct {
	g      gstate
	stack  []gstate
	tm     matrix
	tlm    matrix
	glyphs []glyph
	forms  int
	fonts  map[string]*pdfFont // by resource scope and name
	scope  int
	ops    int
	ctx    context.Context
	// unknownFont counts strings shown in a font the resources do not
	// hold (lost from a damaged file).
	unknownFont int
	// images counts images drawn; imageArea is the largest one's area in
	// device space (points², as the page's MediaBox).
	images    int
	imageArea float64
}

// abortPage unwinds the content-stream interpreter when ctx is done.
type abortPage struct{ err error }

func newInterp(ctx context.Context) *interp {
	return &interp{fonts: map[string]*pdfFont{}, ctx: ctx}
}

// run interprets the content stream (or array of streams) strm with the
// resources res under the transformation ctm.
func (in *interp) run(strm, res pdf.Value, ctm matrix, depth int) {
	if strm.Kind() != pdf.Stream && strm.Kind() != pdf.Array {
		return
	}
	saved, savedStack := in.g, in.stack
	if depth == 0 {
		in.g = gstate{th: 1}
	}
	in.g.ctm = ctm // a form XObject inherits the rest of the state
	in.stack = nil
	in.scope++
	scope := in.scope
	in.tm, in.tlm = ident, ident

	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		if in.ops++; in.ops%4096 == 0 {
			if err := checkpoint(in.ctx); err != nil {
				panic(abortPage{err})
			}
		}
		if len(in.glyphs) >= maxGlyphsPerPage {
			return
		}
		in.do(op, args, res, scope, depth)
	})
	in.g, in.stack = saved, savedStack
}

func num(v pdf.Value) float64 {
	f := v.Float64()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func isNum(v pdf.Value) bool { return v.Kind() == pdf.Integer || v.Kind() == pdf.Real }

func nums(args []pdf.Value, n int) ([]float64, bool) {
	if len(args) < n {
		return nil, false
	}
	args = args[len(args)-n:]
	out := make([]float64, n)
	for i, a := range args {
		if !isNum(a) {
			return nil, false
		}
		out[i] = num(a)
	}
	return out, true
}

func toMatrix(v []float64) matrix {
	return matrix{{v[0], v[1], 0}, {v[2], v[3], 0}, {v[4], v[5], 1}}
}

func (in *interp) do(op string, args []pdf.Value, res pdf.Value, scope, depth int) {
	g := &in.g
	switch op {
	case "q":
		if len(in.stack) < 1024 {
			in.stack = append(in.stack, in.g)
		}
	case "Q":
		if n := len(in.stack); n > 0 {
			in.g = in.stack[n-1]
			in.stack = in.stack[:n-1]
		}
	case "cm":
		if v, ok := nums(args, 6); ok {
			g.ctm = toMatrix(v).mul(g.ctm)
		}
	case "BT":
		in.tm, in.tlm = ident, ident
	case "Tc":
		if v, ok := nums(args, 1); ok {
			g.tc = v[0]
		}
	case "Tw":
		if v, ok := nums(args, 1); ok {
			g.tw = v[0]
		}
	case "Tz":
		if v, ok := nums(args, 1); ok {
			g.th = v[0] / 100
		}
	case "TL":
		if v, ok := nums(args, 1); ok {
			g.tl = v[0]
		}
	case "Ts":
		if v, ok := nums(args, 1); ok {
			g.trise = v[0]
		}
	case "Tf":
		if len(args) >= 2 && isNum(args[1]) {
			g.tfs = num(args[1])
			g.font = in.font(res, args[len(args)-2].Name(), scope)
		}
	case "Td", "TD":
		if v, ok := nums(args, 2); ok {
			if op == "TD" {
				g.tl = -v[1]
			}
			in.tlm = matrix{{1, 0, 0}, {0, 1, 0}, {v[0], v[1], 1}}.mul(in.tlm)
			in.tm = in.tlm
		}
	case "Tm":
		if v, ok := nums(args, 6); ok {
			in.tm = toMatrix(v)
			in.tlm = in.tm
		}
	case "T*":
		in.nextLine()
	case "Tj":
		if len(args) >= 1 {
			in.show(args[len(args)-1].RawString())
		}
	case "'":
		if len(args) >= 1 {
			in.nextLine()
			in.show(args[len(args)-1].RawString())
		}
	case "\"":
		if len(args) >= 3 {
			g.tw, g.tc = num(args[len(args)-3]), num(args[len(args)-2])
			in.nextLine()
			in.show(args[len(args)-1].RawString())
		}
	case "TJ":
		if len(args) < 1 {
			return
		}
		a := args[len(args)-1]
		for i := 0; i < a.Len(); i++ {
			x := a.Index(i)
			if x.Kind() == pdf.String {
				in.show(x.RawString())
			} else if isNum(x) {
				adj := -num(x) / 1000 * g.tfs
				if g.font != nil && g.font.vertical {
					in.tm = matrix{{1, 0, 0}, {0, 1, 0}, {0, adj, 1}}.mul(in.tm)
				} else {
					in.tm = matrix{{1, 0, 0}, {0, 1, 0}, {adj * g.th, 0, 1}}.mul(in.tm)
				}
			}
		}
	case "BI", "ID": // an inline image
		in.images++
	case "Do":
		if len(args) < 1 || depth >= maxFormDepth || in.forms >= maxFormsPerPage {
			return
		}
		xo := res.Key("XObject").Key(args[len(args)-1].Name())
		if xo.Kind() == pdf.Stream && xo.Key("Subtype").Name() == "Image" {
			// An image fills the unit square mapped by the CTM.
			in.images++
			in.imageArea = math.Max(in.imageArea, math.Abs(g.ctm[0][0]*g.ctm[1][1]-g.ctm[0][1]*g.ctm[1][0]))
			return
		}
		if xo.Kind() != pdf.Stream || xo.Key("Subtype").Name() != "Form" {
			return
		}
		in.forms++
		m := ident
		if v, ok := nums(arrayValues(xo.Key("Matrix")), 6); ok {
			m = toMatrix(v)
		}
		formRes := xo.Key("Resources")
		if formRes.Kind() != pdf.Dict {
			formRes = res
		}
		tm, tlm := in.tm, in.tlm
		in.run(xo, formRes, m.mul(g.ctm), depth+1)
		in.tm, in.tlm = tm, tlm
	}
}

func arrayValues(a pdf.Value) []pdf.Value {
	out := make([]pdf.Value, 0, a.Len())
	for i := 0; i < a.Len() && i < 16; i++ {
		out = append(out, a.Index(i))
	}
	return out
}

func (in *interp) nextLine() {
	in.tlm = matrix{{1, 0, 0}, {0, 1, 0}, {0, -in.g.tl, 1}}.mul(in.tlm)
	in.tm = in.tlm
}

// font returns the font named name in res, loading it once per resource
// scope.
func (in *interp) font(res pdf.Value, name string, scope int) *pdfFont {
	key := fmt.Sprint(scope, "/", name)
	if f, ok := in.fonts[key]; ok {
		return f
	}
	v := res.Key("Font").Key(name)
	var f *pdfFont
	if v.Kind() == pdf.Dict {
		f = loadFont(v)
	}
	in.fonts[key] = f
	return f
}

// show places the glyphs of one shown string (PDF 32000-1 §9.4.4).
func (in *interp) show(raw string) {
	g := &in.g
	f := g.font
	if f == nil {
		if raw != "" {
			in.unknownFont++
		}
		return
	}
	for raw != "" && len(in.glyphs) < maxGlyphsPerPage {
		var code string
		code, raw = f.nextCode(raw)
		w := f.width(code) * f.scale
		trm := matrix{{g.tfs * g.th, 0, 0}, {0, g.tfs, 0}, {0, g.trise, 1}}.mul(in.tm).mul(g.ctm)
		x0, y0 := trm[2][0], trm[2][1]

		var tx, ty float64
		if f.vertical {
			ty = -(f.vAdv*f.scale*g.tfs + g.tc)
		} else {
			tx = w*g.tfs + g.tc
			if code == " " {
				tx += g.tw
			}
			tx *= g.th
		}
		in.tm = matrix{{1, 0, 0}, {0, 1, 0}, {tx, ty, 1}}.mul(in.tm)
		end := matrix{{g.tfs * g.th, 0, 0}, {0, g.tfs, 0}, {0, g.trise, 1}}.mul(in.tm).mul(g.ctm)
		x1, y1 := end[2][0], end[2][1]

		// Baseline direction: the advance, or for a zero-width glyph the
		// text matrix's x axis.
		dx, dy := x1-x0, y1-y0
		if math.Hypot(dx, dy) < 1e-6 {
			dx, dy = trm[0][0], trm[0][1]
		}
		if l := math.Hypot(dx, dy); l > 0 {
			dx, dy = dx/l, dy/l
		}
		size := math.Hypot(trm[1][0], trm[1][1])
		s := f.text(code)
		if s == "" {
			continue
		}
		in.glyphs = append(in.glyphs, glyph{s: s, x0: x0, y0: y0, x1: x1, y1: y1, dx: dx, dy: dy, size: size})
	}
}
