package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// JoinWrappedLines undoes the line wrapping of laid-out text (a PDF's text
// layer) while keeping its paragraphs. Lines that contain only whitespace
// separate paragraphs; each run of them becomes one "\n\n", and blank lines
// at either end are dropped. Within a paragraph, the break between line a
// and line b becomes, by the first rule that applies:
//
//   - "\n", kept, when a ends a sentence (。．！？.!? or ｡, possibly followed
//     by closing brackets or quotes) or b starts with a bullet (•, ●, ■…);
//   - " " when a ends with whitespace: the writer broke the line at a space
//     it drew (LibreOffice does, except where the space would overhang the
//     margin);
//   - "" after a soft hyphen (U+00AD), which is dropped;
//   - " " between a Chinese or Japanese letter and a Latin word or number
//     (or its bracket) when the text itself mostly writes them with a space
//     ("生成 AI は"), "" when it writes them tight ("生成AIは"): a wrap hides
//     which, and writers are consistent within a document;
//   - "" when a ends or b starts with a Chinese or Japanese character (Han,
//     kana, CJK punctuation, full-width forms): those scripts put no spaces
//     between words, so "誤\n差" is the word "誤差";
//   - "" when a ends with a hyphen after a letter and b starts with a letter;
//     the hyphen is kept ("open-\nsource" is "open-source"): writers wrap
//     after real hyphens far more often than they hyphenate words;
//   - " " otherwise: Latin, Korean and numbers wrap at spaces.
//
// Hangul is deliberately not joined without a space. Korean separates words
// with spaces and wraps at them: in the corpus's Korean PDF every wrap
// between two syllables stood for a space, drawn or not.
//
// The middle dot ・ is not a bullet here: inside Japanese words ("公開・運用")
// a wrap before it is far more common than a list.
//
// Trailing whitespace of every line and leading whitespace of joined lines
// are removed; leading whitespace of a line that stays a line is kept. No
// other character is added, removed or changed, so the result is never
// longer than s, and the function is idempotent. Invalid UTF-8 passes
// through byte for byte. It is safe for concurrent use.
func JoinWrappedLines(s string) string {
	return joinWrapped(s, spacedLatin(s))
}

// joinWrapped is JoinWrappedLines with the spacing between Chinese or
// Japanese and Latin words decided by the caller (for a whole document).
func joinWrapped(s string, latinSpaced bool) string {
	var b strings.Builder
	b.Grow(len(s))
	prev := ""         // the last line, trailing whitespace removed
	prevSpace := false // the current line ended with whitespace
	havePrev := false  // prev holds a line of the current paragraph
	pendingPara := false

	flush := func() {
		if havePrev {
			b.WriteString(prev)
		}
	}
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSuffix(line, "\r") // CRLF is a line end, not a space
		trimmed := strings.TrimRightFunc(line, unicode.IsSpace)
		if strings.TrimLeftFunc(trimmed, unicode.IsSpace) == "" {
			// A blank line ends the paragraph.
			if havePrev {
				flush()
				havePrev = false
				pendingPara = true
			}
			continue
		}
		hadSpace := len(trimmed) < len(line)
		if !havePrev {
			if pendingPara {
				b.WriteString("\n\n")
				pendingPara = false
			}
			prev, prevSpace, havePrev = trimmed, hadSpace, true
			continue
		}
		body := strings.TrimLeftFunc(trimmed, unicode.IsSpace)
		switch sep := wrapSeparator(prev, prevSpace, body, latinSpaced); sep {
		case "\n":
			b.WriteString(prev)
			b.WriteString("\n")
			prev = trimmed
		case softHyphenJoin:
			b.WriteString(strings.TrimSuffix(prev, "\u00ad"))
			prev = body
		default:
			b.WriteString(prev)
			b.WriteString(sep)
			prev = body
		}
		prevSpace = hadSpace
	}
	flush()
	return b.String()
}

// softHyphenJoin is the separator value meaning "drop a's trailing soft
// hyphen and join without a space".
const softHyphenJoin = "\u00ad"

// wrapSeparator decides what replaces the line break between a (trailing
// whitespace removed; aSpace reports whether there was any) and b (leading
// whitespace removed). Both are non-empty.
func wrapSeparator(a string, aSpace bool, b string, latinSpaced bool) string {
	last, _ := utf8.DecodeLastRuneInString(a)
	first, _ := utf8.DecodeRuneInString(b)
	switch {
	case endsSentence(a) || isBullet(first):
		return "\n"
	case aSpace:
		return " "
	case last == '\u00ad':
		return softHyphenJoin
	case latinSpaced && spacedPair(last, first):
		return " "
	case isCJ(last) || isCJ(first):
		return ""
	case last == '-' && unicode.IsLetter(first) && letterBeforeHyphen(a):
		return ""
	}
	return " "
}

// endsSentence reports whether s ends with sentence-final punctuation,
// possibly followed by closing brackets and quotes.
func endsSentence(s string) bool {
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		switch {
		case isSentenceEnd(r):
			return true
		case isCloser(r):
			s = s[:len(s)-size]
		default:
			return false
		}
	}
	return false
}

func isSentenceEnd(r rune) bool {
	switch r {
	case '。', '．', '！', '？', '.', '!', '?', '｡':
		return true
	}
	return false
}

func isCloser(r rune) bool {
	switch r {
	case ')', ']', '}', '"', '\'', '”', '’', '»',
		'）', '］', '｝', '」', '』', '】', '〕', '〉', '》', '〗', '〙', '〛', '＂', '＇', '｣':
		return true
	}
	return false
}

// isBullet reports whether r is a list bullet that starts a new item.
func isBullet(r rune) bool {
	switch r {
	case '•', '◦', '▪', '▫', '●', '○', '■', '□', '◆', '◇', '‣', '⁃', '※':
		return true
	}
	return false
}

func letterBeforeHyphen(a string) bool {
	a = strings.TrimSuffix(a, "-")
	r, _ := utf8.DecodeLastRuneInString(a)
	return unicode.IsLetter(r)
}

// isCJ reports whether r belongs to a script written without spaces between
// words: Chinese and Japanese (Han, Hiragana, Katakana and their
// punctuation, marks and full-width forms). Hangul is not included; see
// JoinWrappedLines.
func isCJ(r rune) bool {
	switch {
	case r < 0x2E80:
		return false
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return true
	case r >= 0x3000 && r <= 0x303F: // CJK symbols and punctuation: 、。「」〜
		return r != 0x3000 // ideographic space is whitespace
	case r >= 0x3099 && r <= 0x30FF: // kana marks, ー, ・
		return true
	case r >= 0x31F0 && r <= 0x31FF: // Katakana phonetic extensions
		return true
	case r >= 0xFF01 && r <= 0xFF9F: // full-width forms and half-width katakana
		return true
	case r >= 0xFE30 && r <= 0xFE4F: // CJK compatibility forms
		return true
	}
	return false
}

// isCJLetter reports whether r is a Han or kana letter (not punctuation).
func isCJLetter(r rune) bool {
	return r >= 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || r == 'ー')
}

// spacedPair reports whether a and b, side by side, are a Chinese or
// Japanese letter and the end or start of a Latin word or number (with its
// brackets: "支持 (69%) を"), in either order: the pairs a writer either
// always or never separates with a space.
func spacedPair(a, b rune) bool {
	return isCJLetter(a) && (isLatinWord(b) || b == '(' || b == '[') ||
		isCJLetter(b) && (isLatinWord(a) || a == ')' || a == ']')
}

// isLatinWord reports whether r can end or start a word of a language
// written with spaces: a letter or digit that is not Asian, or a percent
// sign.
func isLatinWord(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '%') && !isAsian(r)
}

// isAsian reports whether r is Chinese, Japanese or Korean.
func isAsian(r rune) bool {
	return isCJ(r) || unicode.Is(unicode.Hangul, r)
}

// spacedLatin reports whether the text usually puts a space between
// Chinese or Japanese letters and Latin words or numbers ("生成 AI は"
// rather than "生成AIは"), judged from the places where the two meet
// within a line. Writers are consistent within a document, and a line
// wrap at such a place hides whether a space was there.
func spacedLatin(s string) bool {
	spaced, tight := 0, 0
	var p2, p1 rune // the two runes before r
	for _, r := range s {
		switch {
		case r == '\n':
			r = 0
		case p1 == ' ' && spacedPair(p2, r):
			spaced++
		case spacedPair(p1, r):
			tight++
		}
		p2, p1 = p1, r
	}
	return spaced > tight
}

// cleanText normalises whitespace the same way for every format: line ends
// become "\n", form feeds paragraph breaks, other control characters are
// dropped, trailing whitespace of lines is removed, runs of blank lines
// become one, and the text is trimmed of blank lines at either end.
// Invalid UTF-8 is replaced by U+FFFD.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	blank := 0 // pending blank lines
	started := false
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for line := range strings.SplitSeq(s, "\n") {
		for part := range strings.SplitSeq(line, "\r") {
			for i, seg := range strings.Split(part, "\f") {
				if i > 0 {
					blank++
				}
				seg = strings.TrimRightFunc(stripControls(seg), unicode.IsSpace)
				if seg == "" {
					blank++
					continue
				}
				if started {
					if blank > 0 {
						b.WriteString("\n\n")
					} else {
						b.WriteString("\n")
					}
				}
				b.WriteString(seg)
				started = true
				blank = 0
			}
		}
	}
	return b.String()
}

// stripControls removes C0 and C1 control characters other than tab, and
// the byte-order mark, which some writers leave inside text.
func stripControls(s string) string {
	clean := true
	for _, r := range s {
		if isDropped(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isDropped(r) {
			return -1
		}
		return r
	}, s)
}

func isDropped(r rune) bool {
	return r != '\t' && unicode.IsControl(r) || r == '\uFEFF'
}

// collapseSpaces turns every run of whitespace into one space.
func collapseSpaces(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
