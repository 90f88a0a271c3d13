package extract

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Predefined CJK CMaps. A Type0 font may name its encoding instead of
// embedding it: /Encoding /90ms-RKSJ-H says "the shown bytes are Shift_JIS
// (Microsoft's variant); look the CIDs up in Adobe's table of that name".
// Japanese and Korean office software and older PDF writers (Acrobat
// Distiller, Ichitaro, Hangul) write such files, often with fonts that are
// not embedded and with no /ToUnicode map, so the text is there only
// through two tables: code -> CID (the named CMap) and CID -> Unicode
// (Adobe-Japan1-UCS2 and its siblings for Korea1, GB1 and CNS1).
//
// Both tables are Adobe's CMap resources (BSD 3-clause, cmaps/LICENSE), as
// pdf.js compresses and ships them in pdfjs-dist/cmaps (the frontend uses
// them to draw pages). cmaps/bcmaps.zip packs those 168 .bcmap files, about
// 1 MB; cmaps/gen.go rebuilds it. A CMap is unpacked and parsed the first
// time a file uses it and kept for the life of the process.

//go:generate go run ./cmaps/gen.go ../../frontend/node_modules/pdfjs-dist/cmaps cmaps

//go:embed cmaps/bcmaps.zip
var bcmapsZip []byte

var (
	bcmapsOnce sync.Once
	bcmaps     map[string]*zip.File
	bcmapsErr  error

	cmapCache sync.Map // name -> *cidCMap or error
	ucsCache  sync.Map // ordering -> *cidUnicode or error
)

// maxCMapRanges bounds what one CMap (embedded in a file or predefined) may
// define.
const maxCMapRanges = 1 << 18

// cidCMap maps character codes to CIDs.
type cidCMap struct {
	name     string
	vertical bool
	spaces   [4][]codeRange
	ranges   []cidRange // sorted by code length, then lo; they do not overlap
	parent   *cidCMap   // usecmap: consulted for what this one does not map
}

// cidRange maps codes lo..hi of n bytes to cid, cid+1, ...
type cidRange struct {
	n      int
	lo, hi uint32
	cid    uint32
}

// codeLen is the length of the code that starts raw, from the codespace
// ranges of m and its parents, or 0 when none matches.
func (m *cidCMap) codeLen(raw string) int {
	for c := m; c != nil; c = c.parent {
		for n := 1; n <= 4 && n <= len(raw); n++ {
			for _, r := range c.spaces[n-1] {
				if inCodeRange(raw[:n], r) {
					return n
				}
			}
		}
	}
	return 0
}

// cid is the CID of code, from m or its parents.
func (m *cidCMap) cid(code string) (uint32, bool) {
	if len(code) == 0 || len(code) > 4 {
		return 0, false
	}
	n, v := len(code), codeValue(code)
	for c := m; c != nil; c = c.parent {
		rs := c.ranges
		i := sort.Search(len(rs), func(i int) bool { return rs[i].n > n || rs[i].n == n && rs[i].lo > v }) - 1
		if i >= 0 && rs[i].n == n && rs[i].lo <= v && v <= rs[i].hi {
			return rs[i].cid + (v - rs[i].lo), true
		}
	}
	return 0, false
}

// root is the CMap at the bottom of the usecmap chain: for a vertical
// predefined CMap, the horizontal one it amends.
func (m *cidCMap) root() *cidCMap {
	for m.parent != nil {
		m = m.parent
	}
	return m
}

// cidUnicode maps the CIDs of one Adobe character collection to Unicode.
type cidUnicode struct {
	text []string // by CID; "" when unmapped
}

func (u *cidUnicode) lookup(cid uint32) string {
	if u == nil || int(cid) >= len(u.text) {
		return ""
	}
	return u.text[cid]
}

// bcmapFile returns the packed bytes of the predefined CMap name.
func bcmapFile(name string) ([]byte, error) {
	bcmapsOnce.Do(func() {
		zr, err := zip.NewReader(bytes.NewReader(bcmapsZip), int64(len(bcmapsZip)))
		if err != nil {
			bcmapsErr = fmt.Errorf("embedded CMaps: %w", err)
			return
		}
		bcmaps = make(map[string]*zip.File, len(zr.File))
		for _, f := range zr.File {
			bcmaps[f.Name] = f
		}
	})
	if bcmapsErr != nil {
		return nil, bcmapsErr
	}
	f, ok := bcmaps[name]
	if !ok {
		return nil, fmt.Errorf("no predefined CMap %q", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 4<<20))
}

// predefinedCMap returns the parsed predefined CMap name (code -> CID),
// loading it and the CMaps it uses on first call.
func predefinedCMap(name string) (*cidCMap, error) {
	return loadPredefined(name, 0)
}

func loadPredefined(name string, depth int) (*cidCMap, error) {
	if v, ok := cmapCache.Load(name); ok {
		if err, bad := v.(error); bad {
			return nil, err
		}
		return v.(*cidCMap), nil
	}
	m, err := parsePredefined(name, depth)
	if err != nil {
		err = fmt.Errorf("cmap %s: %w", name, err)
		cmapCache.Store(name, err)
		return nil, err
	}
	v, _ := cmapCache.LoadOrStore(name, m)
	return v.(*cidCMap), nil
}

func parsePredefined(name string, depth int) (*cidCMap, error) {
	if depth > 4 {
		return nil, errors.New("usecmap nested too deep")
	}
	data, err := bcmapFile(name)
	if err != nil {
		return nil, err
	}
	m := &cidCMap{name: name}
	var use string
	err = readBCMap(data, func(vertical bool) { m.vertical = vertical },
		func(n int, lo, hi uint32) {
			if n >= 1 && n <= 4 {
				m.spaces[n-1] = append(m.spaces[n-1], codeRange{codeString(lo, n), codeString(hi, n)})
			}
		},
		func(n int, lo, hi, cid uint32) {
			if len(m.ranges) < maxCMapRanges {
				m.ranges = append(m.ranges, cidRange{n, lo, hi, cid})
			}
		},
		nil,
		func(u string) { use = u })
	if err != nil {
		return nil, err
	}
	m.ranges = sortRanges(m.ranges)
	if use != "" {
		p, err := loadPredefined(use, depth+1)
		if err != nil {
			return nil, err
		}
		m.parent = p
	}
	return m, nil
}

// sortRanges orders ranges for cid's binary search. Adobe's CMaps have no
// overlapping ranges; where a CMap embedded in a file has them, the range
// that starts first keeps its codes and later ones are clipped.
func sortRanges(rs []cidRange) []cidRange {
	sort.SliceStable(rs, func(a, b int) bool {
		if rs[a].n != rs[b].n {
			return rs[a].n < rs[b].n
		}
		return rs[a].lo < rs[b].lo
	})
	overlap := false
	for i := 1; i < len(rs); i++ {
		if rs[i].n == rs[i-1].n && rs[i].lo <= rs[i-1].hi {
			overlap = true
			break
		}
	}
	if !overlap {
		return rs
	}
	out := rs[:0:0]
	for _, r := range rs {
		if k := len(out) - 1; k >= 0 && out[k].n == r.n && r.lo <= out[k].hi {
			if r.hi <= out[k].hi {
				continue
			}
			skip := out[k].hi + 1 - r.lo
			r.lo += skip
			r.cid += skip
		}
		out = append(out, r)
	}
	return out
}

// codeString writes the n-byte code v big-endian.
func codeString(v uint32, n int) string {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return string(b)
}

// adobeUnicode returns the CID -> Unicode table of an Adobe character
// collection ("Japan1", "Korea1", "GB1", "CNS1"), or nil for any other.
func adobeUnicode(ordering string) *cidUnicode {
	switch ordering {
	case "Japan1", "Korea1", "GB1", "CNS1":
	default:
		return nil
	}
	if v, ok := ucsCache.Load(ordering); ok {
		u, _ := v.(*cidUnicode)
		return u
	}
	u, err := parseUCS2("Adobe-" + ordering + "-UCS2")
	if err != nil {
		ucsCache.Store(ordering, err)
		return nil
	}
	v, _ := ucsCache.LoadOrStore(ordering, u)
	return v.(*cidUnicode)
}

func parseUCS2(name string) (*cidUnicode, error) {
	data, err := bcmapFile(name)
	if err != nil {
		return nil, err
	}
	u := &cidUnicode{}
	set := func(cid uint32, dst []byte) {
		if cid >= 1<<16 || len(dst)%2 != 0 {
			return
		}
		for int(cid) >= len(u.text) {
			u.text = append(u.text, make([]string, 1024)...)
		}
		u.text[cid] = utf16BE(string(dst))
	}
	err = readBCMap(data, nil, nil, nil, func(lo, hi uint32, dst []byte) {
		d := append([]byte(nil), dst...)
		for c := lo; c <= hi && c < 1<<16; c++ {
			set(c, d)
			// The last UTF-16 unit counts up through a range.
			if len(d) >= 2 {
				v := uint16(d[len(d)-2])<<8 | uint16(d[len(d)-1]) + 1
				d[len(d)-2], d[len(d)-1] = byte(v>>8), byte(v)
			}
		}
	}, nil)
	return u, err
}

// readBCMap decodes pdf.js's binary CMap format (pdf.js
// external/cmapscompress/README.md): a header byte (bit 0: vertical), then
// records whose first byte gives the type (bits 7-5), whether entries
// follow one another (bit 4) and the code size minus one (bits 3-0), then
// the entry count and entries stored as deltas from the previous one.
// Callbacks may be nil.
func readBCMap(data []byte, header func(vertical bool),
	space func(n int, lo, hi uint32),
	cidRange func(n int, lo, hi, cid uint32),
	bfRange func(lo, hi uint32, dst []byte),
	useCMap func(name string)) (err error) {

	r := &bcmapReader{data: data}
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(bcmapError); ok {
				err = e
				return
			}
			panic(p)
		}
	}()
	h := r.byte()
	if header != nil {
		header(h&1 == 1)
	}
	const maxSize = 16
	var start, end, tmp, code [maxSize]byte
	for !r.eof() {
		b := r.byte()
		typ := b >> 5
		if typ == 7 {
			s := r.string()
			if b&0x1f == 1 && useCMap != nil {
				useCMap(s)
			}
			continue
		}
		seq := b&0x10 != 0
		size := int(b & 15) // code size in bytes, minus one
		count := r.number()
		if count > maxCMapRanges {
			return bcmapError("too many entries")
		}
		n := size + 1
		switch typ {
		case 0: // codespacerange
			r.hex(start[:], size)
			r.hexNumber(end[:], size)
			addHex(end[:], start[:], size)
			emitSpace(space, n, start[:], end[:])
			for i := 1; i < count; i++ {
				incHex(end[:], size)
				r.hexNumber(start[:], size)
				addHex(start[:], end[:], size)
				r.hexNumber(end[:], size)
				addHex(end[:], start[:], size)
				emitSpace(space, n, start[:], end[:])
			}
		case 1: // notdefrange: read and dropped
			r.hex(start[:], size)
			r.hexNumber(end[:], size)
			addHex(end[:], start[:], size)
			r.number()
			for i := 1; i < count; i++ {
				incHex(end[:], size)
				r.hexNumber(start[:], size)
				addHex(start[:], end[:], size)
				r.hexNumber(end[:], size)
				addHex(end[:], start[:], size)
				r.number()
			}
		case 2: // cidchar
			r.hex(start[:], size)
			cid := uint32(r.number())
			emitCID(cidRange, n, start[:], start[:], cid)
			for i := 1; i < count; i++ {
				incHex(start[:], size)
				if !seq {
					r.hexNumber(tmp[:], size)
					addHex(start[:], tmp[:], size)
				}
				cid = uint32(int64(cid) + 1 + int64(r.signed()))
				emitCID(cidRange, n, start[:], start[:], cid)
			}
		case 3: // cidrange
			r.hex(start[:], size)
			r.hexNumber(end[:], size)
			addHex(end[:], start[:], size)
			cid := uint32(r.number())
			emitCID(cidRange, n, start[:], end[:], cid)
			for i := 1; i < count; i++ {
				incHex(end[:], size)
				if !seq {
					r.hexNumber(start[:], size)
					addHex(start[:], end[:], size)
				} else {
					start = end
				}
				r.hexNumber(end[:], size)
				addHex(end[:], start[:], size)
				cid = uint32(r.number())
				emitCID(cidRange, n, start[:], end[:], cid)
			}
		case 4: // bfchar: 2-byte source, size+1 byte destination
			r.hex(start[:], 1)
			r.hex(code[:], size)
			emitBF(bfRange, start[:], start[:], code[:n])
			for i := 1; i < count; i++ {
				incHex(start[:], 1)
				if !seq {
					r.hexNumber(tmp[:], 1)
					addHex(start[:], tmp[:], 1)
				}
				incHex(code[:], size)
				r.hexSigned(tmp[:], size)
				addHex(code[:], tmp[:], size)
				emitBF(bfRange, start[:], start[:], code[:n])
			}
		case 5: // bfrange
			r.hex(start[:], 1)
			r.hexNumber(end[:], 1)
			addHex(end[:], start[:], 1)
			r.hex(code[:], size)
			emitBF(bfRange, start[:], end[:], code[:n])
			for i := 1; i < count; i++ {
				incHex(end[:], 1)
				if !seq {
					r.hexNumber(start[:], 1)
					addHex(start[:], end[:], 1)
				} else {
					start = end
				}
				r.hexNumber(end[:], 1)
				addHex(end[:], start[:], 1)
				r.hex(code[:], size)
				emitBF(bfRange, start[:], end[:], code[:n])
			}
		default:
			return bcmapError(fmt.Sprintf("unknown record type %d", typ))
		}
	}
	return nil
}

func hexInt(a []byte, n int) uint32 {
	var v uint32
	for i := 0; i < n && i < 4; i++ {
		v = v<<8 | uint32(a[i])
	}
	return v
}

func emitSpace(f func(int, uint32, uint32), n int, lo, hi []byte) {
	if f != nil && n <= 4 {
		f(n, hexInt(lo, n), hexInt(hi, n))
	}
}

func emitCID(f func(int, uint32, uint32, uint32), n int, lo, hi []byte, cid uint32) {
	if f != nil && n <= 4 {
		if a, b := hexInt(lo, n), hexInt(hi, n); a <= b {
			f(n, a, b, cid)
		}
	}
}

func emitBF(f func(uint32, uint32, []byte), lo, hi, dst []byte) {
	if f != nil {
		if a, b := hexInt(lo, 2), hexInt(hi, 2); a <= b {
			f(a, b, dst)
		}
	}
}

// addHex adds the big-endian numbers a += b, of size+1 bytes.
func addHex(a, b []byte, size int) {
	c := 0
	for i := size; i >= 0; i-- {
		c += int(a[i]) + int(b[i])
		a[i] = byte(c)
		c >>= 8
	}
}

// incHex adds one to the big-endian number a of size+1 bytes.
func incHex(a []byte, size int) {
	c := 1
	for i := size; i >= 0 && c > 0; i-- {
		c += int(a[i])
		a[i] = byte(c)
		c >>= 8
	}
}

type bcmapError string

func (e bcmapError) Error() string { return "bcmap: " + string(e) }

type bcmapReader struct {
	data []byte
	pos  int
}

func (r *bcmapReader) eof() bool { return r.pos >= len(r.data) }

func (r *bcmapReader) byte() byte {
	if r.pos >= len(r.data) {
		panic(bcmapError("truncated"))
	}
	b := r.data[r.pos]
	r.pos++
	return b
}

// number reads an unsigned number, 7 bits per byte, high bit "more".
func (r *bcmapReader) number() int {
	n := 0
	for i := 0; ; i++ {
		if i > 5 {
			panic(bcmapError("number too long"))
		}
		b := r.byte()
		n = n<<7 | int(b&0x7f)
		if b&0x80 == 0 {
			return n
		}
	}
}

// signed reads a signed number: the low bit is the sign.
func (r *bcmapReader) signed() int {
	n := r.number()
	if n&1 != 0 {
		return ^(n >> 1)
	}
	return n >> 1
}

// hex reads size+1 raw bytes into num.
func (r *bcmapReader) hex(num []byte, size int) {
	for i := 0; i <= size; i++ {
		num[i] = r.byte()
	}
}

// hexNumber reads a number of size+1 bytes stored 7 bits per byte.
func (r *bcmapReader) hexNumber(num []byte, size int) {
	var stack [32]byte
	sp := 0
	for {
		if sp >= len(stack) {
			panic(bcmapError("number too long"))
		}
		b := r.byte()
		stack[sp] = b & 0x7f
		sp++
		if b&0x80 == 0 {
			break
		}
	}
	buf, bits := 0, 0
	for i := size; i >= 0; i-- {
		for bits < 8 && sp > 0 {
			sp--
			buf |= int(stack[sp]) << bits
			bits += 7
		}
		num[i] = byte(buf)
		buf >>= 8
		bits -= 8
	}
}

// hexSigned reads a signed number of size+1 bytes (two's complement after
// moving the sign from the low bit).
func (r *bcmapReader) hexSigned(num []byte, size int) {
	r.hexNumber(num, size)
	var sign byte
	if num[size]&1 != 0 {
		sign = 255
	}
	c := 0
	for i := 0; i <= size; i++ {
		c = (c&1)<<8 | int(num[i])
		num[i] = byte(c>>1) ^ sign
	}
}

// string reads a length and that many characters, each a number.
func (r *bcmapReader) string() string {
	n := r.number()
	if n > 256 {
		panic(bcmapError("string too long"))
	}
	var b strings.Builder
	for range n {
		b.WriteRune(rune(r.number()))
	}
	return b.String()
}

// cmapOrdering guesses the Adobe character collection of a predefined CMap
// from its name, for fonts whose CIDSystemInfo is missing or says
// "Identity".
func cmapOrdering(name string) string {
	switch {
	case strings.HasPrefix(name, "UniJIS"), strings.Contains(name, "RKSJ"),
		strings.HasPrefix(name, "78"), strings.HasPrefix(name, "83pv"), strings.HasPrefix(name, "90"),
		strings.HasPrefix(name, "Add-"), strings.HasPrefix(name, "Ext-"), strings.HasPrefix(name, "NWP-"),
		strings.HasPrefix(name, "EUC-"), name == "H" || name == "V",
		name == "Hankaku" || name == "Hiragana" || name == "Katakana" || name == "Roman" || name == "WP-Symbol":
		return "Japan1"
	case strings.HasPrefix(name, "KSC"), strings.HasPrefix(name, "UniKS"):
		return "Korea1"
	case strings.HasPrefix(name, "GB"), strings.HasPrefix(name, "UniGB"):
		return "GB1"
	case strings.HasPrefix(name, "B5"), strings.HasPrefix(name, "CNS"), strings.HasPrefix(name, "ETen"),
		strings.HasPrefix(name, "ETHK"), strings.HasPrefix(name, "HK"), strings.HasPrefix(name, "UniCNS"):
		return "CNS1"
	}
	return ""
}

// Unicode encoding forms of the Uni* CMaps, whose codes are the text
// itself.
const (
	uniNone = iota
	uniUTF16
	uniUTF8
	uniUTF32
)

// unicodeForm tells whether the CMap name takes Unicode codes, and in which
// form.
func unicodeForm(name string) int {
	if !strings.HasPrefix(name, "Uni") {
		return uniNone
	}
	switch {
	case strings.Contains(name, "-UCS2-"), strings.Contains(name, "-UTF16-"):
		return uniUTF16
	case strings.Contains(name, "-UTF8-"):
		return uniUTF8
	case strings.Contains(name, "-UTF32-"):
		return uniUTF32
	}
	return uniNone
}

// decodeUnicodeCode turns a code of a Uni* CMap into its text.
func decodeUnicodeCode(form int, code string) string {
	switch form {
	case uniUTF16:
		return utf16BE(code)
	case uniUTF8:
		if utf8.ValidString(code) {
			return code
		}
	case uniUTF32:
		if len(code) == 4 {
			r := rune(codeValue(code))
			if utf8.ValidRune(r) {
				return string(r)
			}
		}
	}
	return ""
}

// parseEmbeddedCMap reads an /Encoding CMap stream (the text form: cidrange,
// cidchar, codespacerange, usecmap). It returns nil when the stream maps
// nothing and names no predefined CMap to build on.
func parseEmbeddedCMap(data []byte) *cidCMap {
	m := &cidCMap{name: "embedded"}
	lx := cmapLexer{data: data}
	var operands []cmapToken
	var lastName string
	for {
		tok, ok := lx.next()
		if !ok {
			break
		}
		if tok.kind != tokKeyword {
			if tok.kind == tokName {
				lastName = tok.text
			}
			if len(operands) < 3*maxCMapRanges {
				operands = append(operands, tok)
			}
			continue
		}
		switch tok.text {
		case "usecmap":
			if p, err := predefinedCMap(lastName); err == nil {
				m.parent = p
			}
		case "def":
			if len(operands) == 2 && operands[0].kind == tokName && operands[0].text == "WMode" &&
				operands[1].kind == tokNumber && operands[1].text == "1" {
				m.vertical = true
			}
		case "endcodespacerange":
			for i := 0; i+1 < len(operands); i += 2 {
				lo, hi := operands[i].text, operands[i+1].text
				if operands[i].kind == tokString && len(lo) == len(hi) && len(lo) >= 1 && len(lo) <= 4 {
					m.spaces[len(lo)-1] = append(m.spaces[len(lo)-1], codeRange{lo, hi})
				}
			}
		case "endcidrange":
			for i := 0; i+2 < len(operands); i += 3 {
				m.addCIDRange(operands[i], operands[i+1], operands[i+2])
			}
		case "endcidchar":
			for i := 0; i+1 < len(operands); i += 2 {
				m.addCIDRange(operands[i], operands[i], operands[i+1])
			}
		}
		operands = operands[:0]
	}
	if len(m.ranges) == 0 && m.parent == nil {
		return nil
	}
	m.ranges = sortRanges(m.ranges)
	return m
}

func (m *cidCMap) addCIDRange(lo, hi, cid cmapToken) {
	n := len(lo.text)
	if lo.kind != tokString || hi.kind != tokString || cid.kind != tokNumber || n < 1 || n > 4 || len(hi.text) != n {
		return
	}
	var c uint64
	for _, d := range cid.text {
		if d < '0' || d > '9' || c > 1<<32 {
			return
		}
		c = c*10 + uint64(d-'0')
	}
	a, b := codeValue(lo.text), codeValue(hi.text)
	if b < a || len(m.ranges) >= maxCMapRanges {
		return
	}
	m.ranges = append(m.ranges, cidRange{n, a, b, uint32(c)})
}

// Fonts often draw one glyph for several code points: a CJK font's Kangxi
// radical ⽣ (U+2F63) and the ideograph 生 (U+751F), the radical
// supplement's ⺠ and 民, a tab and a space. A writer that builds the
// ToUnicode map by reversing the font's character map (Chromium's Skia,
// Qt) then picks one of them, often the lowest code point: the radical, the
// tab. The text reads the same but no longer matches what users type, so
// such characters are mapped back to what text means by them.

var (
	radicalsOnce sync.Once
	radicals     map[rune]rune // CJK Radicals Supplement -> unified ideograph
)

// radicalSupplement derives the CJK Radicals Supplement mapping from the
// embedded Adobe tables: a radical's CID in each collection's Unicode CMap,
// and that CID's preferred Unicode value, when it is an ideograph.
func radicalSupplement() map[rune]rune {
	radicalsOnce.Do(func() {
		radicals = map[rune]rune{}
		for _, c := range []struct{ cmap, ordering string }{
			{"UniJIS-UTF16-H", "Japan1"}, {"UniGB-UTF16-H", "GB1"}, {"UniCNS-UTF16-H", "CNS1"}, {"UniKS-UTF16-H", "Korea1"},
		} {
			m, err := predefinedCMap(c.cmap)
			u := adobeUnicode(c.ordering)
			if err != nil || u == nil {
				continue
			}
			for r := rune(0x2E80); r <= 0x2EF3; r++ {
				if _, done := radicals[r]; done {
					continue
				}
				cid, ok := m.cid(codeString(uint32(r), 2))
				if !ok {
					continue
				}
				if s := []rune(u.lookup(cid)); len(s) == 1 && isUnifiedIdeograph(s[0]) {
					radicals[r] = s[0]
				}
			}
		}
	})
	return radicals
}

func isUnifiedIdeograph(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r >= 0x20000 && r <= 0x3134F
}

// canonicalGlyphText maps the code points a glyph's text may wrongly carry
// (see above) to the intended ones: Kangxi and supplement radicals to
// ideographs, control characters to a space, the hyphenation point ‧ (which
// CJK fonts draw with the katakana middle dot's glyph, and Japanese text
// never uses) to ・, and Latin ligatures (ﬀ, ﬁ) to their letters. It
// returns s itself when nothing changes.
func canonicalGlyphText(s string) string {
	changed := false
	for _, r := range s {
		if r >= 0x2E80 && r <= 0x2FD5 || r < 0x20 || r == 0x2027 || r >= 0xFB00 && r <= 0xFB06 {
			changed = true
			break
		}
	}
	if !changed {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 0xFB00 && r <= 0xFB06:
			out = append(out, []rune(ligatures[r-0xFB00])...)
			continue
		case r == 0x2027:
			r = '・'
		case r < 0x20:
			r = ' '
		case r >= 0x2F00 && r <= 0x2FD5:
			// Kangxi radicals have compatibility decompositions (NFKC)
			// to the ideographs; the table is the block in order.
			r = kangxi[r-0x2F00]
		case r >= 0x2E80 && r <= 0x2EF3:
			if v, ok := radicalSupplement()[r]; ok {
				r = v
			}
		}
		out = append(out, r)
	}
	return string(out)
}

// ligatures are the letters of U+FB00 to U+FB06.
var ligatures = [...]string{"ff", "fi", "fl", "ffi", "ffl", "st", "st"}

// kangxi is the NFKC form of each Kangxi radical, U+2F00 to U+2FD5.
var kangxi = []rune("一丨丶丿乙亅二亠人儿入八冂冖冫几凵刀力勹匕匚匸十卜卩厂厶又口囗土士夂夊夕大女子宀寸小尢尸屮山巛工己巾干幺广廴廾弋弓彐彡彳心戈戶手支攴文斗斤方无日曰月木欠止歹殳毋比毛氏气水火爪父爻爿片牙牛犬玄玉瓜瓦甘生用田疋疒癶白皮皿目矛矢石示禸禾穴立竹米糸缶网羊羽老而耒耳聿肉臣自至臼舌舛舟艮色艸虍虫血行衣襾見角言谷豆豕豸貝赤走足身車辛辰辵邑酉釆里金長門阜隶隹雨靑非面革韋韭音頁風飛食首香馬骨高髟鬥鬯鬲鬼魚鳥鹵鹿麥麻黃黍黑黹黽鼎鼓鼠鼻齊齒龍龜龠")
