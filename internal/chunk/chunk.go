// Package chunk cuts page text into passages for retrieval. A passage is a
// contiguous span of the original page text, so its offsets point exactly at
// what a user sees and its text is never rewritten.
//
// Cuts are made at the largest boundary that keeps passages within Size:
// paragraphs (blank lines) first, then sentences (。！？ as well as . ! ?
// followed by a space, and line ends), then a hard cut. Neighbouring passages
// share up to Overlap characters of whole sentences or paragraphs so that a
// fact straddling a cut is still found whole in one of them.
//
// SplitPages does the same for the pages of one document, keeping a
// sentence cut by a page break whole in one passage that spans both pages
// (pages.go).
package chunk

import (
	"strings"
	"unicode"
)

// Options size the passages, in characters (Unicode code points).
type Options struct {
	Size    int // target maximum length; default 800
	Overlap int // characters shared by neighbours; default 120, at most Size/2
}

// DefaultOptions suit small multilingual embedding models: 800 characters is
// about 300 to 800 tokens depending on the script.
var DefaultOptions = Options{Size: 800, Overlap: 120}

func (o Options) normalized() Options {
	if o.Size <= 0 && o.Overlap <= 0 {
		return DefaultOptions
	}
	if o.Size <= 0 {
		o.Size = DefaultOptions.Size
	}
	if o.Size < 4 {
		o.Size = 4
	}
	if o.Overlap < 0 {
		o.Overlap = 0
	}
	if o.Overlap > o.Size/2 {
		o.Overlap = o.Size / 2
	}
	return o
}

// Chunk is one passage. Start and End are code-point offsets into the page
// text (End exclusive); Text equals that span of the page text.
type Chunk struct {
	Start, End int
	Text       string
}

// span is a piece of the text in rune offsets.
type span struct{ start, end int }

// Split cuts text into passages. Whitespace-only input gives none. Every
// passage is at most Size characters long (hard cuts make sure of it), no
// passage starts or ends with whitespace, and together they cover all of the
// non-whitespace text.
func Split(text string, opts Options) []Chunk {
	o := opts.normalized()
	runes := []rune(text)
	units := segment(runes, o.Size)
	if len(units) == 0 {
		return nil
	}
	var out []Chunk
	i := 0
	for i < len(units) {
		// Pack units greedily from i.
		j := i
		for j+1 < len(units) && units[j+1].end-units[i].start <= o.Size {
			j++
		}
		out = append(out, makeChunk(runes, units[i].start, units[j].end))
		if j == len(units)-1 {
			break
		}
		// Step back over trailing units that fit in the overlap, but always
		// move forward by at least one unit.
		next := j + 1
		for k := j; k > i; k-- {
			if units[j].end-units[k].start > o.Overlap {
				break
			}
			next = k
		}
		i = next
	}
	return out
}

func makeChunk(runes []rune, start, end int) Chunk {
	for start < end && unicode.IsSpace(runes[start]) {
		start++
	}
	for end > start && unicode.IsSpace(runes[end-1]) {
		end--
	}
	return Chunk{Start: start, End: end, Text: string(runes[start:end])}
}

// segment returns the units to pack: paragraphs no longer than size, else
// their sentences, else hard cuts of size characters. Units are trimmed of
// surrounding whitespace and in order.
func segment(runes []rune, size int) []span {
	var units []span
	for _, p := range paragraphs(runes) {
		if p.end-p.start <= size {
			units = append(units, p)
			continue
		}
		for _, s := range sentences(runes, p, true) {
			if s.end-s.start <= size {
				units = append(units, s)
				continue
			}
			for st := s.start; st < s.end; st += size {
				units = append(units, trim(runes, span{st, min(st+size, s.end)}))
			}
		}
	}
	// Drop units that were whitespace only after trimming.
	out := units[:0]
	for _, u := range units {
		if u.end > u.start {
			out = append(out, u)
		}
	}
	return out
}

func trim(runes []rune, s span) span {
	for s.start < s.end && unicode.IsSpace(runes[s.start]) {
		s.start++
	}
	for s.end > s.start && unicode.IsSpace(runes[s.end-1]) {
		s.end--
	}
	return s
}

// paragraphs splits at blank lines (a line break, optional spaces, another
// line break).
func paragraphs(runes []rune) []span {
	var out []span
	start := 0
	for i := 0; i < len(runes); i++ {
		if runes[i] != '\n' {
			continue
		}
		j := i + 1
		for j < len(runes) && runes[j] != '\n' && unicode.IsSpace(runes[j]) {
			j++
		}
		if j < len(runes) && runes[j] == '\n' {
			if p := trim(runes, span{start, i}); p.end > p.start {
				out = append(out, p)
			}
			for j < len(runes) && unicode.IsSpace(runes[j]) {
				j++
			}
			start = j
			i = j - 1
		}
	}
	if p := trim(runes, span{start, len(runes)}); p.end > p.start {
		out = append(out, p)
	}
	return out
}

// sentences splits a paragraph after sentence-ending punctuation (CJK full
// stops end a sentence anywhere; Western ones only before a space or the
// end), after closing quotes or brackets that follow it, and, with lines
// set, at line breaks.
func sentences(runes []rune, p span, lines bool) []span {
	var out []span
	start := p.start
	for i := p.start; i < p.end; i++ {
		r := runes[i]
		end := -1
		switch {
		case r == '\n' && lines:
			end = i
		case r == '。' || r == '！' || r == '？' || r == '｡':
			end = i + 1
		case r == '.' && abbreviation(runes, p.start, i):
			// "vs. 38%", "D. R. Smith": not the end of a sentence.
		case r == '.' || r == '!' || r == '?':
			if i+1 == p.end || unicode.IsSpace(runes[i+1]) || isCloser(runes[i+1]) {
				end = i + 1
			}
		}
		if end < 0 {
			continue
		}
		for end < p.end && isCloser(runes[end]) {
			end++
		}
		if s := trim(runes, span{start, end}); s.end > s.start {
			out = append(out, s)
		}
		start = end
		i = max(i, end-1)
	}
	if s := trim(runes, span{start, p.end}); s.end > s.start {
		out = append(out, s)
	}
	return out
}

// abbreviations end in a full stop that does not end a sentence.
var abbreviations = map[string]bool{
	"vs": true, "etc": true, "e.g": true, "i.e": true, "cf": true, "al": true, "approx": true,
	"dr": true, "mr": true, "mrs": true, "ms": true, "prof": true, "no": true, "nos": true,
	"fig": true, "figs": true, "vol": true, "pp": true, "p": true, "st": true, "jr": true, "sr": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "dept": true, "est": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true,
	"oct": true, "nov": true, "dec": true,
}

// Abbreviation reports whether the full stop at runes[i] closes an
// abbreviation ("vs.", "e.g.") or an initial ("D.") rather than a sentence,
// looking back no further than from. Sentence splitters outside this package
// (an answer's sentences, internal/verify) use it so the rule is one.
func Abbreviation(runes []rune, from, i int) bool { return abbreviation(runes, from, i) }

// abbreviation reports whether the full stop at runes[i] closes an
// abbreviation ("vs.", "e.g.") or an initial ("D."), looking back to the
// start of the word (not before from).
func abbreviation(runes []rune, from, i int) bool {
	j := i
	for j > from && (unicode.IsLetter(runes[j-1]) || runes[j-1] == '.') {
		j--
	}
	word := strings.ToLower(string(runes[j:i]))
	if word == "" {
		return false
	}
	if n := []rune(word); len(n) == 1 && unicode.IsUpper(runes[j]) {
		return true // an initial
	}
	return abbreviations[word]
}

func isCloser(r rune) bool {
	switch r {
	case '」', '』', '）', ')', '"', '\'', '”', '’', '】', ']':
		return true
	}
	return false
}

// Span is a piece of a text in code-point offsets, End exclusive.
type Span struct{ Start, End int }

// Sentences cuts text into sentences for quoting as evidence: after
// sentence-ending punctuation and at blank lines, but not at single line
// breaks, which text taken from PDFs has inside words and sentences. A
// sentence longer than max characters (a table, a list without stops) is cut
// into pieces of at most max (max <= 0: no limit). Spans are trimmed of
// white space and in order.
func Sentences(text string, max int) []Span {
	runes := []rune(text)
	var out []Span
	for _, p := range paragraphs(runes) {
		for _, s := range sentences(runes, p, false) {
			if max <= 0 || s.end-s.start <= max {
				out = append(out, Span{s.start, s.end})
				continue
			}
			for st := s.start; st < s.end; st += max {
				if t := trim(runes, span{st, min(st+max, s.end)}); t.end > t.start {
					out = append(out, Span{t.start, t.end})
				}
			}
		}
	}
	return out
}
