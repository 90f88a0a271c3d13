package extract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// streamHTMLFile reads an HTML file as one Page of its visible text (in
// sections when long). The file is parsed whole, up to maxMarkupBytes.
func streamHTMLFile(ctx context.Context, path string, opts Options, emit func(Page) error) (string, error) {
	data, err := readMarkup(ctx, path)
	if err != nil {
		return "", fmt.Errorf("html: %w", err)
	}
	if looksBinary(data) {
		return "", fmt.Errorf("html: not a text file: %w", ErrCorrupt)
	}
	title, text, err := htmlText(data)
	if err != nil {
		return "", fmt.Errorf("html: %w", err)
	}
	sec := newSectioner(opts.SectionBytes, emit)
	if err := sec.WriteString(text); err != nil {
		return "", err
	}
	return title, sec.Close()
}

// selfClosingRaw matches XHTML's self-closed raw-text elements, such as
// <script src="x.js"/>, which an HTML parser takes for an open tag that
// swallows the rest of the document.
var selfClosingRaw = regexp.MustCompile(`(?i)<(script|style|title|textarea|iframe|noscript|xmp|noembed|noframes)(\s[^<>]*?)?/>`)

// xhtmlText is htmlText for XHTML (EPUB chapters): self-closed raw-text
// elements are closed first.
func xhtmlText(data []byte) (title, text string, err error) {
	return htmlText(selfClosingRaw.ReplaceAll(data, []byte("<$1$2></$1>")))
}

// htmlText returns the <title> and the visible text of an HTML or XHTML
// document. The character set comes from a byte-order mark or a <meta>
// declaration; without either, a document that is valid UTF-8 throughout
// is UTF-8 and any other is detected (see charset.go). Script, style and
// hidden elements are skipped; block elements become paragraph breaks,
// table cells are separated by tabs and rows by line breaks, and <pre>
// keeps its spacing.
func htmlText(data []byte) (title, text string, err error) {
	// DetermineEncoding is certain only of a byte-order mark; it reads a
	// <meta> declaration in the first KiB, and without one it answers
	// Windows-1252, which tells nothing.
	var r io.Reader = bytes.NewReader(data)
	enc, name, certain := charset.DetermineEncoding(data, "text/html")
	switch {
	case certain || (name != "utf-8" && name != "windows-1252"):
		r = enc.NewDecoder().Reader(r)
	case utf8.Valid(data):
	default:
		legacy, _, ok := detectLegacy(data[:min(len(data), sampleBytes)])
		if !ok {
			return "", "", errNotText
		}
		r = legacy.NewDecoder().Reader(r)
	}
	root, err := html.Parse(r)
	if err != nil {
		return "", "", fmt.Errorf("parse: %v: %w", err, ErrCorrupt)
	}
	var w textWriter
	var walk func(n *html.Node, pre int)
	walk = func(n *html.Node, pre int) {
		switch n.Type {
		case html.TextNode:
			w.text(n.Data, pre > 0)
			return
		case html.ElementNode:
			if n.DataAtom == atom.Title || n.DataAtom == atom.Head {
				if t := findTitle(n); title == "" && t != nil {
					title = nodeText(t)
				}
				return
			}
			if skipElement(n) {
				return
			}
			switch n.DataAtom {
			case atom.Br:
				w.brk(1)
				return
			case atom.Pre, atom.Textarea, atom.Listing:
				pre++
			case atom.Td, atom.Th:
				w.cell()
			}
		}
		level := breakLevel(n)
		w.brk(level)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, pre)
		}
		w.brk(level)
	}
	walk(root, 0)
	return title, w.String(), nil
}

// findTitle returns the first <title> element at or under n.
func findTitle(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == atom.Title {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if t := findTitle(c); t != nil {
			return t
		}
	}
	return nil
}

// nodeText is the plain text content of n, whitespace collapsed.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return collapseSpaces(b.String())
}

// skipElement reports whether n and everything in it is invisible.
func skipElement(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head,
		atom.Svg, atom.Math, atom.Iframe, atom.Object, atom.Embed, atom.Canvas,
		atom.Select, atom.Button, atom.Audio, atom.Video, atom.Map:
		return true
	}
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "hidden":
			return true
		case "aria-hidden":
			if strings.EqualFold(a.Val, "true") {
				return true
			}
		case "style":
			s := strings.ToLower(strings.ReplaceAll(a.Val, " ", ""))
			if strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

// breakLevel is the break an element forces around itself: 2 for blocks
// (paragraph break), 1 for table rows, 0 for inline elements.
func breakLevel(n *html.Node) int {
	if n.Type != html.ElementNode {
		return 0
	}
	switch n.DataAtom {
	case atom.Tr, atom.Dt, atom.Dd, atom.Option:
		return 1
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Nav, atom.Aside, atom.Main, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5,
		atom.H6, atom.Ul, atom.Ol, atom.Li, atom.Dl, atom.Table, atom.Blockquote,
		atom.Pre, atom.Figure, atom.Figcaption, atom.Hr, atom.Address, atom.Details,
		atom.Summary, atom.Form, atom.Fieldset, atom.Legend, atom.Caption, atom.Body,
		atom.Center, atom.Listing, atom.Textarea, atom.Hgroup, atom.Menu:
		return 2
	}
	return 0
}

// textWriter renders text the way a browser lays it out in reading order:
// runs of whitespace collapse to one space outside <pre>, and breaks asked
// for by elements are merged (the strongest wins) and written only between
// pieces of text.
type textWriter struct {
	b       strings.Builder
	brkLvl  int  // pending break: 0 none, 1 line, 2 paragraph
	space   bool // pending space
	inCell  bool // a cell was written on the current line
	started bool
	last    rune // last rune written
	// segBreakOnly: the pending space stands only for line breaks in
	// the source.
	segBreakOnly bool
}

func (w *textWriter) brk(level int) {
	if level > w.brkLvl {
		w.brkLvl = level
	}
	if level > 0 {
		w.inCell = false
		w.space = false
	}
}

// cell starts a table cell: cells after the first on a line get a tab.
func (w *textWriter) cell() {
	if w.inCell && w.brkLvl == 0 {
		w.writeRaw("\t")
		w.space = false
		w.last = '\t'
	}
	w.inCell = true
}

func (w *textWriter) writeRaw(s string) {
	if w.brkLvl > 0 {
		if w.started {
			w.b.WriteString(strings.Repeat("\n", w.brkLvl))
		}
		w.brkLvl = 0
		w.space = false
	}
	w.b.WriteString(s)
	w.started = true
}

func (w *textWriter) text(s string, pre bool) {
	if pre {
		if s != "" {
			w.flushSpace(0)
			w.writeRaw(s)
		}
		return
	}
	for s != "" {
		r, size := utf8.DecodeRuneInString(s)
		if isHTMLSpace(r) {
			if !w.space {
				w.space, w.segBreakOnly = true, true
			}
			if r != '\n' && r != '\r' {
				w.segBreakOnly = false
			}
			s = s[size:]
			continue
		}
		end := strings.IndexFunc(s, isHTMLSpace)
		if end < 0 {
			end = len(s)
		}
		w.flushSpace(r)
		w.writeRaw(s[:end])
		w.last, _ = utf8.DecodeLastRuneInString(s[:end])
		s = s[end:]
	}
}

// isHTMLSpace reports whether r is collapsible white space. A no-break
// space is not.
func isHTMLSpace(r rune) bool { return unicode.IsSpace(r) && r != '\u00a0' }

// flushSpace writes the pending space before next. Following CSS Text 3, a
// source line break between two Chinese or Japanese characters is removed
// rather than shown as a space: those scripts do not separate words.
func (w *textWriter) flushSpace(next rune) {
	if w.space && w.brkLvl == 0 && w.started &&
		!(w.segBreakOnly && isCJ(w.last) && isCJ(next)) {
		w.b.WriteByte(' ')
	}
	w.space = false
}

func (w *textWriter) String() string { return w.b.String() }
