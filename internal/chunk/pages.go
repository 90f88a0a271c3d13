package chunk

import (
	"strconv"
	"strings"
	"unicode"
)

// Passages across page breaks. A page break falls wherever the page is
// full, often inside a sentence ("…アクセスを民主化" | "することで、…"):
// chunked page by page, neither half is a passage anyone would find. So
// SplitPages treats a break that cuts a sentence as a line wrap: the end
// of one page and the start of the next form one paragraph, and the
// passage that holds it cites both pages. A break after a finished
// sentence stays a hard boundary, so passages cross pages only where they
// must.
//
// Page furniture (a page number on a line of its own, a running header or
// footer that repeats on many pages) would sit in the middle of such a
// sentence; it is recognised and left out of every passage (the page text
// keeps it, and the source view shows it).

// Page is the text of one page of a document.
type Page struct {
	Number int
	Text   string
}

// PageChunk is a passage of a paged document. It starts at code-point
// offset Start of page Page's text and ends before offset End of page
// EndPage's text; EndPage == Page for a passage within one page. Text is
// the passage as it reads: the spans of the page texts it covers, where a
// page break is joined like a line wrap ("" between Chinese or Japanese
// characters, " " otherwise) and page furniture is left out.
type PageChunk struct {
	Page, Start  int
	EndPage, End int
	Text         string
}

// segment is a span of one page's text placed in a section's text.
type pageSpan struct {
	page     int // index into pages
	from, to int // runes of the page text
	at       int // offset of from in the section text
}

// SplitPages cuts the pages of one document into passages: each page as
// Split would, except that a sentence cut by a page break is kept whole in
// one passage spanning both pages. Pages are in document order; blank
// pages give nothing. Every passage is at most opts.Size characters
// long (a joined sentence longer than that is cut like any other).
func SplitPages(pages []Page, opts Options) []PageChunk {
	runes := make([][]rune, len(pages))
	for i, p := range pages {
		runes[i] = []rune(p.Text)
	}
	bodies := pageBodies(pages, runes)
	var out []PageChunk
	for i := 0; i < len(pages); {
		// A section: pages joined where a sentence runs across the break.
		j := i
		for j+1 < len(pages) && continues(runes[j], bodies[j], runes[j+1], bodies[j+1]) {
			j++
		}
		out = append(out, splitSection(pages, runes, bodies, i, j, opts)...)
		i = j + 1
	}
	return out
}

// splitSection chunks the bodies of pages i..j, joined, and maps the
// passages back to page offsets.
func splitSection(pages []Page, runes [][]rune, bodies []span, i, j int, opts Options) []PageChunk {
	var text []rune
	var spans []pageSpan
	for k := i; k <= j; k++ {
		b := bodies[k]
		if b.end <= b.start {
			continue
		}
		if len(spans) > 0 {
			text = append(text, []rune(joiner(text, runes[k][b.start:b.end]))...)
		}
		spans = append(spans, pageSpan{page: k, from: b.start, to: b.end, at: len(text)})
		text = append(text, runes[k][b.start:b.end]...)
	}
	if len(spans) == 0 {
		return nil
	}
	var out []PageChunk
	for _, c := range Split(string(text), opts) {
		sp, so := locate(spans, c.Start, false)
		ep, eo := locate(spans, c.End, true)
		out = append(out, PageChunk{Page: pages[sp].Number, Start: so, EndPage: pages[ep].Number, End: eo, Text: c.Text})
	}
	return out
}

// locate maps an offset of the section text to a page index and an offset
// in that page's text. An end offset (exclusive) that falls on the border
// of two spans belongs to the earlier one.
func locate(spans []pageSpan, off int, end bool) (int, int) {
	for k := len(spans) - 1; k >= 0; k-- {
		s := spans[k]
		if off > s.at || off == s.at && !end || k == 0 {
			return s.page, min(s.from+off-s.at, s.to)
		}
	}
	return spans[0].page, spans[0].from
}

// joiner is what replaces a page break inside a sentence, as a line wrap:
// nothing between Chinese or Japanese characters, a space otherwise.
func joiner(before, after []rune) string {
	if len(before) == 0 || len(after) == 0 {
		return ""
	}
	a, b := before[len(before)-1], after[0]
	if isCJ(a) || isCJ(b) {
		return ""
	}
	return " "
}

// continues reports whether the text of page a runs on into page b: a's
// body does not end a sentence, and b's body does not start a heading or a
// list item.
func continues(a []rune, ab span, b []rune, bb span) bool {
	if ab.end <= ab.start || bb.end <= bb.start {
		return false
	}
	end := ab.end
	for end > ab.start && isCloser(a[end-1]) {
		end--
	}
	if end == ab.start {
		return false
	}
	switch a[end-1] {
	case '。', '！', '？', '｡', '.', '!', '?', '：', ':', '．':
		return false
	}
	switch b[bb.start] {
	case '#', '•', '●', '■', '◆', '▪', '・', '-', '*', '※':
		return false
	}
	return true
}

// isCJ reports whether r is a Chinese or Japanese character or CJK
// punctuation: scripts that put no spaces between words.
func isCJ(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF || r == 'ー'
}

// pageBodies finds each page's body: its text without the furniture on
// its first and last lines, trimmed of whitespace.
func pageBodies(pages []Page, runes [][]rune) []span {
	first := make([]string, len(pages))
	last := make([]string, len(pages))
	for i, r := range runes {
		first[i], last[i] = edgeLines(r)
	}
	header := furniture(pages, first)
	footer := furniture(pages, last)
	bodies := make([]span, len(pages))
	for i, r := range runes {
		b := trim(r, span{0, len(r)})
		if header[i] {
			if nl := indexRune(r, b.start, '\n'); nl >= 0 {
				b = trim(r, span{nl, b.end})
			}
		}
		if footer[i] {
			if nl := lastIndexRune(r, b.start, b.end, '\n'); nl >= 0 {
				b = trim(r, span{b.start, nl})
			}
		}
		bodies[i] = b
	}
	return bodies
}

// edgeLines returns the first and last non-blank lines of a page.
func edgeLines(r []rune) (string, string) {
	s := strings.TrimSpace(string(r))
	if s == "" {
		return "", ""
	}
	firstLine, _, _ := strings.Cut(s, "\n")
	lastLine := s[strings.LastIndexByte(s, '\n')+1:]
	return strings.TrimSpace(firstLine), strings.TrimSpace(lastLine)
}

// furniture marks the pages whose given edge line is a page number (a
// number on its own that tracks the page number, on at least three pages
// and a third of them) or a running header or footer (the same short line,
// digits aside, on at least three pages and half of them). Single-line
// pages have no furniture.
func furniture(pages []Page, lines []string) []bool {
	marks := make([]bool, len(pages))
	offsets := map[int]int{}
	shapes := map[string]int{}
	for i, l := range lines {
		if n, ok := pageNumber(l); ok {
			offsets[n-pages[i].Number]++
		}
		if l != "" {
			shapes[digitless(l)]++
		}
	}
	enough := func(n, share int) bool { return n >= 3 && share*n >= len(pages) }
	for i, l := range lines {
		if l == "" || !strings.Contains(strings.TrimSpace(pages[i].Text), "\n") {
			continue
		}
		if n, ok := pageNumber(l); ok && enough(offsets[n-pages[i].Number], 3) {
			marks[i] = true
		}
		if len([]rune(l)) <= 80 && enough(shapes[digitless(l)], 2) {
			marks[i] = true
		}
	}
	return marks
}

// pageNumber reads a page label line: "12", "- 12 -", "12 / 30", "p. 12",
// "Page 12", "12 ページ".
func pageNumber(line string) (int, bool) {
	s := strings.ToLower(strings.TrimSpace(line))
	for _, p := range []string{"page", "p.", "-", "—", "–"} {
		s = strings.TrimSpace(strings.TrimPrefix(s, p))
	}
	for _, p := range []string{"-", "—", "–", "ページ", "페이지", "頁"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, p))
	}
	if i := strings.IndexAny(s, "/"); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// digitless replaces each run of digits with one '#': running footers
// differ in their page numbers only.
func digitless(s string) string {
	var b strings.Builder
	inDigits := false
	for _, r := range s {
		if unicode.IsDigit(r) {
			if !inDigits {
				b.WriteByte('#')
			}
			inDigits = true
			continue
		}
		inDigits = false
		b.WriteRune(r)
	}
	return b.String()
}

func indexRune(r []rune, from int, c rune) int {
	for i := from; i < len(r); i++ {
		if r[i] == c {
			return i
		}
	}
	return -1
}

func lastIndexRune(r []rune, from, to int, c rune) int {
	for i := to - 1; i >= from; i-- {
		if r[i] == c {
			return i
		}
	}
	return -1
}
