package extract

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// Budgets. Every byte an extraction reads is counted where it enters: the
// file's size is checked before it is opened, what zip-based files expand to
// is counted across all their entries, XML is read as a stream of tokens of
// bounded size and depth, and text is handed on in sections rather than held
// whole. Each limit fails with ErrTooLarge and a message that names it.
const (
	// DefaultMaxStreamBytes bounds plain-text and CSV files, which are read
	// as a stream (their text never sits in memory whole).
	DefaultMaxStreamBytes int64 = 2 << 30
	// DefaultMaxExpandBytes bounds what the entries of one zip-based file
	// (docx, pptx, xlsx, epub) expand to, all entries together.
	DefaultMaxExpandBytes int64 = 256 << 20
	// DefaultSectionBytes is the size of the sections that long texts of
	// formats without pages are cut into.
	DefaultSectionBytes = 1 << 20
	// maxToken bounds one XML token (a run of text, a tag with its
	// attributes, a comment): an XML decoder holds a token whole.
	maxToken = 4 << 20
	// maxDepth bounds XML nesting: a decoder keeps a stack of open
	// elements, and real documents nest a few dozen levels.
	maxDepth = 10_000
	// maxPageBytes bounds the text of one page, slide or sheet: pages are
	// held whole (their number is where a citation points).
	maxPageBytes = 32 << 20
	// maxMarkupBytes bounds an HTML file or EPUB chapter, which is parsed
	// into a tree whole.
	maxMarkupBytes = 32 << 20
	// maxMetaBytes bounds the small XML parts that are decoded whole
	// (relationships, the slide list, an EPUB's package document).
	maxMetaBytes = 16 << 20
)

// expansion counts the bytes read out of the entries of one zip-based
// file against its budget.
type expansion struct {
	left atomic.Int64
	max  int64
}

func newExpansion(max int64) *expansion {
	e := &expansion{max: max}
	e.left.Store(max)
	return e
}

// take records n more bytes and fails once the budget is spent.
func (e *expansion) take(n int) error {
	if e.left.Add(-int64(n)) < 0 {
		return fmt.Errorf("expands to more than %s: %w", formatSize(e.max), ErrTooLarge)
	}
	return nil
}

// tokenGuard passes XML through and fails, before a decoder would buffer
// it, on a token (text run, tag, comment, CDATA section) longer than limit
// bytes or on elements nested deeper than maxDepth. It tracks just enough
// of the XML syntax to know where tokens end.
type tokenGuard struct {
	r        io.Reader
	name     string
	limit    int
	depthOff bool // HTML (EPUB chapters) has void elements that never close
	err      error

	state int
	run   int // bytes in the current token
	depth int
	quote byte   // the quote that opened an attribute value, in a tag
	prev  byte   // the byte before, in a tag (a '/' before '>' closes it)
	end   string // the terminator of a comment, CDATA section or PI
	match int    // bytes of end (or of a "<!" prefix) matched so far
	bang  []byte // bytes after "<!" while deciding what it opens
}

const (
	gText = iota
	gOpen // just after '<'
	gTag
	gEndTag
	gBang // after "<!"
	gUntil
)

func newTokenGuard(r io.Reader, name string) *tokenGuard {
	return &tokenGuard{r: r, name: name, limit: maxToken}
}

func (g *tokenGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		g.step(c)
		if g.run > g.limit {
			g.err = fmt.Errorf("%s holds a piece of XML longer than %s without markup: %w", g.name, formatSize(int64(g.limit)), ErrTooLarge)
			return 0, g.err
		}
		if g.depth > maxDepth && !g.depthOff {
			g.err = fmt.Errorf("%s nests elements more than %d levels deep: %w", g.name, maxDepth, ErrTooLarge)
			return 0, g.err
		}
	}
	return n, err
}

func (g *tokenGuard) step(c byte) {
	g.run++
	switch g.state {
	case gText:
		if c == '<' {
			g.state, g.run = gOpen, 1
		}
	case gOpen:
		switch c {
		case '!':
			g.state, g.bang = gBang, g.bang[:0]
		case '?':
			g.until("?>")
		case '/':
			g.state = gEndTag
		default:
			g.state, g.quote, g.prev = gTag, 0, c
		}
	case gTag:
		switch {
		case g.quote != 0:
			if c == g.quote {
				g.quote = 0
			}
		case c == '"' || c == '\'':
			g.quote = c
		case c == '>':
			if g.prev != '/' {
				g.depth++
			}
			g.state, g.run = gText, 0
		}
		g.prev = c
	case gEndTag:
		if c == '>' {
			g.depth = max(0, g.depth-1)
			g.state, g.run = gText, 0
		}
	case gBang:
		g.bang = append(g.bang, c)
		switch s := string(g.bang); {
		case s == "--":
			g.until("-->")
		case s == "[CDATA[":
			g.until("]]>")
		case strings.HasPrefix("--", s) || strings.HasPrefix("[CDATA[", s):
		default:
			g.until(">") // a declaration such as DOCTYPE
			if c == '>' {
				g.state, g.run = gText, 0
			}
		}
	case gUntil:
		switch {
		case c == g.end[g.match]:
			g.match++
			if g.match == len(g.end) {
				g.state, g.run = gText, 0
			}
		case c == g.end[0] && g.match >= 1 && len(g.end) == 3 && g.end[0] == g.end[1]:
			// "--->" ends a comment and "]]]>" a CDATA section: a run of
			// the first character keeps two of them matched.
			g.match = 2
		case c == g.end[0]:
			g.match = 1
		default:
			g.match = 0
		}
	}
}

func (g *tokenGuard) until(end string) { g.state, g.end, g.match = gUntil, end, 0 }

// sectioner collects the text of a format without pages and hands it on in
// sections of about size bytes, cut at a paragraph break where there is
// one, else at a line break, else between characters. A text that never
// reaches size is one Page numbered 0, as a short document always was;
// a longer one is sections numbered from 1, so memory stays bounded by the
// section size whatever the document's length.
type sectioner struct {
	emit func(Page) error
	size int
	buf  strings.Builder
	n    int   // sections emitted
	err  error // the first error of emit, for writers that cannot return one
}

func newSectioner(size int, emit func(Page) error) *sectioner {
	if size <= 0 {
		size = DefaultSectionBytes
	}
	return &sectioner{emit: emit, size: size}
}

// Len is the text held and not yet handed on.
func (s *sectioner) Len() int { return s.buf.Len() }

// WriteString adds text; full sections are handed on at once.
func (s *sectioner) WriteString(t string) error {
	for len(t) > 0 {
		room := 2*s.size - s.buf.Len()
		if room <= 0 {
			if err := s.cut(); err != nil {
				return err
			}
			continue
		}
		part := t
		if len(part) > room {
			part = part[:room]
		}
		s.buf.WriteString(part)
		t = t[len(part):]
		if s.buf.Len() >= 2*s.size {
			if err := s.cut(); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteByte adds one byte.
func (s *sectioner) WriteByte(c byte) error { return s.WriteString(string([]byte{c})) }

// cut hands on the first section of what is held.
func (s *sectioner) cut() error {
	text := s.buf.String()
	at := CutPoint(text, s.size)
	s.n++
	if err := s.emit(Page{Number: s.n, Text: text[:at]}); err != nil {
		return err
	}
	rest := text[at:]
	s.buf.Reset()
	s.buf.WriteString(rest)
	return nil
}

// CutPoint is where to end a section of text that should be about size
// bytes: after the last paragraph break in its second half, else the last
// line break there, else the last character boundary before size. It is
// never 0 for a non-empty text, so cutting always progresses.
func CutPoint(text string, size int) int {
	if len(text) <= size {
		return len(text)
	}
	head := text[:size]
	if i := strings.LastIndex(head, "\n\n"); i > size/2 {
		return i + 2
	}
	if i := strings.LastIndexByte(head, '\n'); i > size/2 {
		return i + 1
	}
	at := size
	for at > 0 && !utf8.RuneStart(text[at]) {
		at--
	}
	if at == 0 {
		return size
	}
	return at
}

// Close hands on what is left: the whole text as page 0 when no section
// was cut, else the last section.
func (s *sectioner) Close() error {
	if s.n == 0 {
		text := s.buf.String()
		s.buf.Reset()
		if text == "" {
			return nil
		}
		return s.emit(Page{Text: text})
	}
	for s.buf.Len() > s.size {
		if err := s.cut(); err != nil {
			return err
		}
	}
	if s.buf.Len() == 0 {
		return nil
	}
	s.n++
	text := s.buf.String()
	s.buf.Reset()
	return s.emit(Page{Number: s.n, Text: text})
}
