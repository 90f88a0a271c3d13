package extract

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pdfLine is one line of text being assembled, in its reading frame: a
// frame rotated so that the line's text runs along +x and later lines lie
// at lower y.
type pdfLine struct {
	rot      int     // quarter turns of the reading frame
	y        float64 // baseline
	size     float64 // largest font size on the line
	x0       float64 // start of the line
	lastX0   float64 // last glyph's origin
	lastX1   float64 // last glyph's end
	lastRune rune
	n        int // glyphs
	b        strings.Builder
	marks    []glyphMark // recent glyphs, to drop overprinted copies
}

type glyphMark struct {
	s    string
	x, y float64
}

// layout turns glyphs, in content-stream order, into text: glyphs on one
// baseline form a line, a gap wider than a space becomes " ", lines are
// separated by "\n", and by "\n\n" where the vertical gap, a change of font
// size or of direction shows a new paragraph. A line that ends with a space
// glyph keeps it, so JoinWrappedLines can tell a wrap at a space from a wrap
// inside a word.
//
// Stream order is kept rather than sorting by position: writers emit text
// in reading order far more often than not, and sorting breaks columns.
func layout(glyphs []glyph) string {
	var lines []*pdfLine
	var cur *pdfLine
	for _, g := range glyphs {
		rot := quarterTurns(g.dx, g.dy)
		x0, y := rotate(rot, g.x0, g.y0)
		x1, _ := rotate(rot, g.x1, g.y1)
		size := g.size
		if size <= 0 {
			size = 1
		}
		if cur != nil && cur.rot == rot && math.Abs(y-cur.y) <= 0.5*math.Max(size, cur.size) {
			if cur.overprinted(g.s, x0, y, size) {
				continue
			}
			if x0 >= cur.lastX0-0.5*size {
				cur.add(g.s, x0, x1, y, size)
				continue
			}
		}
		cur = &pdfLine{rot: rot, y: y, size: size, x0: x0, lastX0: x0, lastX1: x0}
		cur.add(g.s, x0, x1, y, size)
		lines = append(lines, cur)
	}
	if len(lines) == 0 {
		return ""
	}

	pitch := linePitches(lines)
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString(lineSeparator(lines[i-1], l, pitch[l.rot]))
		}
		b.WriteString(l.b.String())
	}
	return b.String()
}

// quarterTurns rounds a baseline direction to 0, 90, 180 or 270 degrees.
func quarterTurns(dx, dy float64) int {
	if math.Abs(dx) >= math.Abs(dy) {
		if dx >= 0 {
			return 0
		}
		return 2
	}
	if dy > 0 {
		return 1
	}
	return 3
}

// rotate maps a device-space point into the reading frame of rot.
func rotate(rot int, x, y float64) (float64, float64) {
	switch rot {
	case 1:
		return y, -x
	case 2:
		return -x, -y
	case 3:
		return -y, x
	}
	return x, y
}

// overprinted reports whether the same text was already drawn at almost
// the same place on this line: writers fake bold by drawing text twice.
func (l *pdfLine) overprinted(s string, x, y, size float64) bool {
	if x >= l.lastX1-0.1*size {
		return false
	}
	tol := 0.1 * size
	for _, m := range l.marks {
		if m.s == s && math.Abs(m.x-x) < tol && math.Abs(m.y-y) < tol {
			return true
		}
	}
	return false
}

func (l *pdfLine) add(s string, x0, x1, y, size float64) {
	first, _ := utf8.DecodeRuneInString(s)
	if l.b.Len() > 0 && x0-l.lastX1 > spaceGap(l.lastRune, first)*size &&
		!unicode.IsSpace(l.lastRune) && !unicode.IsSpace(first) {
		l.b.WriteByte(' ')
	}
	l.b.WriteString(s)
	l.n++
	l.lastRune, _ = utf8.DecodeLastRuneInString(s)
	l.lastX0 = x0
	l.lastX1 = math.Max(x1, x0)
	l.size = math.Max(l.size, size)
	if len(l.marks) >= 256 {
		l.marks = l.marks[:0]
	}
	l.marks = append(l.marks, glyphMark{s, x0, y})
}

// spaceGap is the gap, in ems, between two glyphs above which a space is
// assumed. Latin and Korean text may be set without space glyphs, so a small
// gap counts. Chinese and Japanese put no spaces between words, and
// justification must not turn into spaces. Writers also add about 1/5 em
// between Asian and Latin letters (LibreOffice's "autospace", measured on
// the corpus at 0.20-0.21 em), which is not a space either.
func spaceGap(prev, next rune) float64 {
	ap, an := isAsian(prev), isAsian(next)
	switch {
	case isCJ(prev) && isCJ(next):
		return 0.8
	case ap != an || ap && an && isCJ(prev) != isCJ(next):
		return 0.45
	}
	return 0.15
}

// linePitches finds, for each reading frame, the distance between the
// baselines of consecutive lines within a paragraph: the smallest distance,
// rounded to half a point, that occurs at least twice. (The most frequent
// one would be the paragraph gap on pages of short paragraphs.) Frames
// without such a distance are absent.
func linePitches(lines []*pdfLine) map[int]float64 {
	counts := map[int]map[float64]int{}
	for i := 1; i < len(lines); i++ {
		a, b := lines[i-1], lines[i]
		if a.rot != b.rot {
			continue
		}
		dy := a.y - b.y
		size := math.Max(a.size, b.size)
		if dy < 0.5*size || dy > 4*size {
			continue
		}
		if counts[a.rot] == nil {
			counts[a.rot] = map[float64]int{}
		}
		counts[a.rot][math.Round(dy*2)/2]++
	}
	pitch := map[int]float64{}
	for rot, c := range counts {
		for dy, n := range c {
			if n >= 2 && (pitch[rot] == 0 || dy < pitch[rot]) {
				pitch[rot] = dy
			}
		}
	}
	return pitch
}

// lineSeparator is "\n" between lines of one paragraph and "\n\n" between
// paragraphs.
func lineSeparator(a, b *pdfLine, pitch float64) string {
	// Vertical Japanese set glyph by glyph (as browsers print it) makes
	// one-glyph "lines" down the column, Latin words turned sideways
	// within it, and a jump back up one column to the left.
	vertical := a.n == 1 || b.n == 1
	if a.rot != b.rot {
		if vertical {
			return "\n"
		}
		return "\n\n"
	}
	size := math.Max(a.size, b.size)
	if math.Abs(a.size-b.size) > 0.15*size {
		return "\n\n" // a heading and its text
	}
	dy := a.y - b.y
	if dy < -0.5*size {
		if dx := a.x0 - b.x0; vertical && dx > 0.8*size && dx < 2.5*size {
			return "\n" // the next column of vertical text
		}
		return "\n\n" // back up the page: a new column or block
	}
	// A page of one-line paragraphs has no line pitch of its own (its
	// smallest regular gap is the paragraph gap): assume single spacing.
	if pitch <= 0 || pitch > 2.3*size {
		pitch = 1.2 * size
	}
	if dy > math.Max(1.35*pitch, 1.6*size) {
		return "\n\n"
	}
	return "\n"
}
