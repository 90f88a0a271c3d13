package extract

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// pdfFont is what the text interpreter needs from a font: how to split a
// shown string into character codes, what text each code stands for, and
// how far each glyph advances.
type pdfFont struct {
	composite bool        // Type0: multi-byte codes, CID widths
	vertical  bool        // writing mode 1 (an -V CMap): glyphs advance downwards
	cmap      *cmap       // the font's /ToUnicode, or nil
	enc       *cidCMap    // Type0: code -> CID (predefined or embedded CMap); nil for Identity
	uniForm   int         // Type0 with a Uni* CMap: the codes are Unicode in this form
	cidText   *cidUnicode // Type0: CID -> Unicode of the font's Adobe character collection, or nil
	dict      pdf.Value
	simple    pdf.TextEncoding // simple fonts: the library's decoder, made on first use
	noSimple  bool             // making it failed

	first   int       // simple fonts: code of widths[0]
	widths  []float64 // glyph space units
	missing float64   // width of codes outside widths
	cidW    map[int]float64
	vAdv    float64 // composite vertical fonts: advance, glyph space units (positive)
	scale   float64 // glyph space to text space: 0.001, or FontMatrix[0] for Type3

	cache map[string]string // code -> text
}

// maxCMapEntries bounds the memory a hostile ToUnicode CMap or /W array can
// take.
const maxCMapEntries = 1 << 18

// loadFont reads the font dictionary v. It never fails: what cannot be read
// yields a font whose glyphs advance but produce no text.
func loadFont(v pdf.Value) *pdfFont {
	f := &pdfFont{scale: 0.001, missing: 500, cache: map[string]string{}, dict: v}
	subtype := v.Key("Subtype").Name()
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		f.cmap = parseCMap(tu)
	}
	switch subtype {
	case "Type0":
		f.composite = true
		d := v.Key("DescendantFonts").Index(0)
		f.loadCIDEncoding(v.Key("Encoding"), d)
		f.missing = 1000
		if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.missing = dw.Float64()
		}
		f.cidW = readCIDWidths(d.Key("W"))
		f.vAdv = 1000
		if dw2 := d.Key("DW2"); dw2.Len() == 2 {
			f.vAdv = -dw2.Index(1).Float64()
		}
	default:
		f.first = int(v.Key("FirstChar").Int64())
		w := v.Key("Widths")
		for i := 0; i < w.Len() && i < 256; i++ {
			f.widths = append(f.widths, w.Index(i).Float64())
		}
		if mw := v.Key("FontDescriptor").Key("MissingWidth"); mw.Kind() == pdf.Integer || mw.Kind() == pdf.Real {
			f.missing = mw.Float64()
		}
		if subtype == "Type3" {
			if m := v.Key("FontMatrix"); m.Len() == 6 && m.Index(0).Float64() != 0 {
				f.scale = m.Index(0).Float64()
			}
		}
	}
	return f
}

// loadCIDEncoding sets up how a Type0 font's codes become CIDs and text:
// the /Encoding CMap (a predefined name such as 90ms-RKSJ-H, or an
// embedded stream), and the CID -> Unicode table of the descendant font's
// character collection (its CIDSystemInfo, or else the one the CMap's name
// belongs to).
func (f *pdfFont) loadCIDEncoding(enc, descendant pdf.Value) {
	name := enc.Name()
	switch {
	case enc.Kind() == pdf.Stream:
		name = enc.Key("CMapName").Name()
		if data := streamBytes(enc, 4<<20); data != nil {
			f.enc = parseEmbeddedCMap(data)
		}
		if use := enc.Key("UseCMap").Name(); use != "" {
			if p, err := predefinedCMap(use); err == nil {
				if f.enc == nil {
					f.enc = &cidCMap{name: name}
				}
				f.enc.parent = p
			}
		}
		if f.enc != nil && f.enc.parent != nil && name == "" {
			name = f.enc.root().name
		}
	case name == "Identity-H", name == "Identity-V", name == "":
	default:
		if m, err := predefinedCMap(name); err == nil {
			f.enc = m
		}
	}
	f.vertical = strings.HasSuffix(name, "-V") || f.enc != nil && (f.enc.vertical || f.enc.root().vertical)
	f.uniForm = unicodeForm(name)
	if f.enc != nil && f.uniForm == uniNone {
		f.uniForm = unicodeForm(f.enc.root().name)
	}
	ordering := descendant.Key("CIDSystemInfo").Key("Ordering").RawString()
	if f.cidText = adobeUnicode(ordering); f.cidText == nil {
		if f.enc != nil {
			name = f.enc.root().name
		}
		f.cidText = adobeUnicode(cmapOrdering(name))
	}
}

// streamBytes reads up to limit bytes of a stream, or nil when the stream
// is damaged.
func streamBytes(v pdf.Value, limit int64) (data []byte) {
	defer func() {
		if recover() != nil {
			data = nil
		}
	}()
	rc := v.Reader()
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit))
	if err != nil && len(data) == 0 {
		return nil
	}
	return data
}

// cid is the CID a composite font's code selects: through the encoding
// CMap, or the code itself for Identity-H/V.
func (f *pdfFont) cid(code string) (uint32, bool) {
	if f.enc != nil {
		return f.enc.cid(code)
	}
	if len(code) > 4 {
		return 0, false
	}
	return codeValue(code), true
}

// textCID is the CID whose Unicode value is code's text. A vertical CMap
// maps some codes to vertical glyph variants (rotated brackets, a
// vertical long-vowel mark) whose Unicode values are presentation forms or
// absent; the horizontal CMap it builds on gives the character itself.
func (f *pdfFont) textCID(code string) (uint32, bool) {
	if f.enc != nil && f.vertical && f.enc.parent != nil {
		if c, ok := f.enc.root().cid(code); ok {
			return c, true
		}
	}
	return f.cid(code)
}

// readCIDWidths reads a CIDFont /W array: "c [w1 w2 ...]" and "c1 c2 w".
func readCIDWidths(w pdf.Value) map[int]float64 {
	m := map[int]float64{}
	for i := 0; i < w.Len() && len(m) < maxCMapEntries; {
		first := int(w.Index(i).Int64())
		next := w.Index(i + 1)
		if next.Kind() == pdf.Array {
			for j := 0; j < next.Len() && len(m) < maxCMapEntries; j++ {
				m[first+j] = next.Index(j).Float64()
			}
			i += 2
			continue
		}
		last := int(next.Int64())
		width := w.Index(i + 2).Float64()
		for c := first; c <= last && len(m) < maxCMapEntries; c++ {
			m[c] = width
		}
		i += 3
	}
	return m
}

// nextCode splits the first character code off raw.
func (f *pdfFont) nextCode(raw string) (code string, rest string) {
	if !f.composite {
		return raw[:1], raw[1:]
	}
	if f.enc != nil {
		n := f.enc.codeLen(raw)
		if n == 0 {
			n = 1 // a byte outside every codespace: skip it and resynchronise
		}
		return raw[:n], raw[n:]
	}
	if f.cmap != nil {
		if n := f.cmap.codeLen(raw); n > 0 {
			return raw[:n], raw[n:]
		}
	}
	n := min(2, len(raw))
	return raw[:n], raw[n:]
}

// text is the Unicode text for one character code; "" when unknown.
func (f *pdfFont) text(code string) string {
	if s, ok := f.cache[code]; ok {
		return s
	}
	s := canonicalGlyphText(f.decode(code))
	if len(f.cache) < 1<<16 {
		f.cache[code] = s
	}
	return s
}

func (f *pdfFont) decode(code string) string {
	if f.cmap != nil {
		if s, ok := f.cmap.lookup(code); ok {
			return s
		}
	}
	if f.composite {
		if f.uniForm != uniNone {
			if s := decodeUnicodeCode(f.uniForm, code); s != "" {
				return s
			}
		}
		if f.cidText != nil {
			if c, ok := f.textCID(code); ok {
				return f.cidText.lookup(c)
			}
		}
		return "" // CIDs of an unknown collection (glyph ids) carry no text
	}
	enc := f.simpleEncoding()
	if enc == nil {
		return ""
	}
	s := enc.Decode(code)
	if !utf8.ValidString(s) {
		return ""
	}
	return s
}

// simpleEncoding is the library's decoder for a simple font's /Encoding
// (standard encodings, Differences), or nil when the font's dictionary
// makes the library panic.
func (f *pdfFont) simpleEncoding() (enc pdf.TextEncoding) {
	if f.simple != nil || f.noSimple {
		return f.simple
	}
	defer func() {
		if recover() != nil {
			f.simple, f.noSimple, enc = nil, true, nil
		}
	}()
	font := pdf.Font{V: f.dict}
	f.simple = font.Encoder()
	return f.simple
}

// width is the advance of code in glyph space units.
func (f *pdfFont) width(code string) float64 {
	if f.composite {
		if c, ok := f.cid(code); ok {
			if w, ok := f.cidW[int(c)]; ok {
				return w
			}
		}
		return f.missing
	}
	c := 0
	for i := 0; i < len(code); i++ {
		c = c<<8 | int(code[i])
	}
	if i := c - f.first; i >= 0 && i < len(f.widths) && f.widths[i] > 0 {
		return f.widths[i]
	}
	return f.missing
}

func utf16BE(s string) string {
	if len(s)%2 != 0 {
		return ""
	}
	u := make([]uint16, len(s)/2)
	for i := range u {
		u[i] = uint16(s[2*i])<<8 | uint16(s[2*i+1])
	}
	return string(utf16.Decode(u))
}

// cmap is a parsed /ToUnicode CMap.
type cmap struct {
	spaces [4][]codeRange     // codespace ranges by code length - 1
	chars  map[cmapKey]string // bfchar entries, and bfrange entries given as arrays
	ranges []cmapRange        // bfrange entries that count up from a start
}

type codeRange struct{ lo, hi string }

type cmapKey struct {
	n    int
	code uint32
}

type cmapRange struct {
	n      int
	lo, hi uint32
	dst    []uint16 // first destination, UTF-16; the last unit counts up
}

// codeLen is the length of the code at the start of raw per the codespace
// ranges, or 0 when none matches.
func (m *cmap) codeLen(raw string) int {
	for n := 1; n <= 4 && n <= len(raw); n++ {
		for _, r := range m.spaces[n-1] {
			if inCodeRange(raw[:n], r) {
				return n
			}
		}
	}
	return 0
}

// inCodeRange checks a code against a codespace range byte by byte, as
// the CMap specification defines it.
func inCodeRange(code string, r codeRange) bool {
	for i := 0; i < len(code); i++ {
		if code[i] < r.lo[i] || code[i] > r.hi[i] {
			return false
		}
	}
	return true
}

func codeValue(s string) uint32 {
	var c uint32
	for i := 0; i < len(s) && i < 4; i++ {
		c = c<<8 | uint32(s[i])
	}
	return c
}

func (m *cmap) lookup(code string) (string, bool) {
	if len(code) == 0 || len(code) > 4 {
		return "", false
	}
	k := cmapKey{len(code), codeValue(code)}
	if s, ok := m.chars[k]; ok {
		return s, true
	}
	for _, r := range m.ranges {
		if r.n == k.n && r.lo <= k.code && k.code <= r.hi {
			dst := append([]uint16(nil), r.dst...)
			dst[len(dst)-1] += uint16(k.code - r.lo)
			return string(utf16.Decode(dst)), true
		}
	}
	return "", false
}

// parseCMap reads the bfchar, bfrange and codespacerange sections of a
// ToUnicode CMap. It tolerates junk: anything it does not understand is
// skipped. It returns nil when the stream holds no mapping at all.
func parseCMap(strm pdf.Value) (m *cmap) {
	defer func() {
		if recover() != nil { // a damaged stream
			m = nil
		}
	}()
	rc := strm.Reader()
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 16<<20))
	if err != nil && len(data) == 0 {
		return nil
	}
	return parseCMapData(data)
}

// parseCMapData parses the text of a ToUnicode CMap; see parseCMap.
func parseCMapData(data []byte) *cmap {
	m := &cmap{chars: map[cmapKey]string{}}
	lx := cmapLexer{data: data}
	var operands []cmapToken
	for {
		tok, ok := lx.next()
		if !ok {
			break
		}
		if tok.kind != tokKeyword {
			if len(operands) < 3*maxCMapEntries {
				operands = append(operands, tok)
			}
			continue
		}
		switch tok.text {
		case "endcodespacerange":
			for i := 0; i+1 < len(operands); i += 2 {
				lo, hi := operands[i].text, operands[i+1].text
				if operands[i].kind == tokString && len(lo) == len(hi) && len(lo) >= 1 && len(lo) <= 4 {
					m.spaces[len(lo)-1] = append(m.spaces[len(lo)-1], codeRange{lo, hi})
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(operands); i += 2 {
				src, dst := operands[i], operands[i+1]
				if src.kind == tokString && len(src.text) >= 1 && len(src.text) <= 4 && len(m.chars) < maxCMapEntries {
					m.chars[cmapKey{len(src.text), codeValue(src.text)}] = utf16BE(dst.text)
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(operands); i += 3 {
				m.addRange(operands[i], operands[i+1], operands[i+2])
			}
		}
		operands = operands[:0]
	}
	if len(m.chars) == 0 && len(m.ranges) == 0 {
		return nil
	}
	return m
}

func (m *cmap) addRange(lo, hi, dst cmapToken) {
	n := len(lo.text)
	if lo.kind != tokString || hi.kind != tokString || n < 1 || n > 4 || len(hi.text) != n {
		return
	}
	a, b := codeValue(lo.text), codeValue(hi.text)
	if b < a {
		return
	}
	if dst.kind == tokArray {
		for i, s := range dst.items {
			if a+uint32(i) > b || len(m.chars) >= maxCMapEntries {
				break
			}
			m.chars[cmapKey{n, a + uint32(i)}] = utf16BE(s)
		}
		return
	}
	if dst.kind != tokString || len(dst.text) < 2 || len(dst.text)%2 != 0 {
		return
	}
	units := make([]uint16, len(dst.text)/2)
	for i := range units {
		units[i] = uint16(dst.text[2*i])<<8 | uint16(dst.text[2*i+1])
	}
	if len(m.ranges) < maxCMapEntries {
		m.ranges = append(m.ranges, cmapRange{n: n, lo: a, hi: b, dst: units})
	}
}

const (
	tokKeyword = iota
	tokString
	tokNumber
	tokName
	tokArray
)

type cmapToken struct {
	kind  int
	text  string
	items []string // tokArray: its strings
}

// cmapLexer splits a CMap into the few token kinds a ToUnicode map uses.
type cmapLexer struct {
	data []byte
	pos  int
}

func (lx *cmapLexer) next() (cmapToken, bool) {
	d := lx.data
	for lx.pos < len(d) {
		c := d[lx.pos]
		switch {
		case c == '%':
			for lx.pos < len(d) && d[lx.pos] != '\n' && d[lx.pos] != '\r' {
				lx.pos++
			}
		case isPDFSpace(c):
			lx.pos++
		case c == '<' && lx.pos+1 < len(d) && d[lx.pos+1] == '<', c == '>' && lx.pos+1 < len(d) && d[lx.pos+1] == '>':
			lx.pos += 2
			return cmapToken{kind: tokName, text: string(d[lx.pos-2 : lx.pos])}, true
		case c == '<':
			return cmapToken{kind: tokString, text: lx.hexString()}, true
		case c == '(':
			return cmapToken{kind: tokString, text: lx.literalString()}, true
		case c == '[':
			lx.pos++
			var items []string
			for {
				tok, ok := lx.next()
				if !ok || tok.kind == tokKeyword && tok.text == "]" {
					break
				}
				if tok.kind == tokString && len(items) < maxCMapEntries {
					items = append(items, tok.text)
				}
			}
			return cmapToken{kind: tokArray, items: items}, true
		case c == ']':
			lx.pos++
			return cmapToken{kind: tokKeyword, text: "]"}, true
		case c == '/':
			lx.pos++
			return cmapToken{kind: tokName, text: lx.word()}, true
		default:
			w := lx.word()
			if w == "" { // a stray delimiter
				lx.pos++
				continue
			}
			if _, err := strconv.ParseFloat(w, 64); err == nil {
				return cmapToken{kind: tokNumber, text: w}, true
			}
			return cmapToken{kind: tokKeyword, text: w}, true
		}
	}
	return cmapToken{}, false
}

func (lx *cmapLexer) word() string {
	start := lx.pos
	for lx.pos < len(lx.data) && !isPDFSpace(lx.data[lx.pos]) && !isPDFDelim(lx.data[lx.pos]) {
		lx.pos++
	}
	return string(lx.data[start:lx.pos])
}

func (lx *cmapLexer) hexString() string {
	lx.pos++ // '<'
	var b []byte
	var hi byte
	half := false
	for lx.pos < len(lx.data) {
		c := lx.data[lx.pos]
		lx.pos++
		if c == '>' {
			break
		}
		v, ok := hexValue(c)
		if !ok {
			continue
		}
		if half {
			b = append(b, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		b = append(b, hi<<4)
	}
	return string(b)
}

func (lx *cmapLexer) literalString() string {
	lx.pos++ // '('
	var b bytes.Buffer
	depth := 1
	for lx.pos < len(lx.data) {
		c := lx.data[lx.pos]
		lx.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return b.String()
			}
		case '\\':
			if lx.pos < len(lx.data) {
				c = lx.data[lx.pos]
				lx.pos++
				switch c {
				case 'n':
					c = '\n'
				case 'r':
					c = '\r'
				case 't':
					c = '\t'
				case 'b':
					c = '\b'
				case 'f':
					c = '\f'
				case '0', '1', '2', '3', '4', '5', '6', '7':
					v := c - '0'
					for k := 0; k < 2 && lx.pos < len(lx.data) && lx.data[lx.pos] >= '0' && lx.data[lx.pos] <= '7'; k++ {
						v = v*8 + lx.data[lx.pos] - '0'
						lx.pos++
					}
					c = v
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isPDFSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', 0:
		return true
	}
	return false
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}
