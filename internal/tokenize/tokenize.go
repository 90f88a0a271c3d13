// Package tokenize turns text into the terms Kura's lexical index stores and
// queries. It exists because Japanese and Korean have no spaces between
// words: a word tokenizer sees a whole sentence as one "word" and exact-term
// search fails. Runs of CJK characters (Han, Hiragana, Katakana, Hangul) are
// therefore indexed as overlapping character bigrams, which find any word of
// two or more characters without a dictionary; other scripts are split into
// runs of letters and digits.
//
// Matching is insensitive to width and case: text is NFKC-normalised and
// case-folded before it is cut into terms. This is for matching only: callers
// keep and display the original text.
package tokenize

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

var folder = cases.Fold()

// Normalize returns s in the form used for matching: NFKC, then case-folded.
// Full-width "ＡＢＣ１２３" and "abc123" normalise to the same string, as do
// half-width and full-width katakana.
func Normalize(s string) string {
	return folder.String(norm.NFKC.String(s))
}

// IsCJK reports whether r belongs to a script written without spaces between
// words (Han, Hiragana, Katakana) or one Kura treats the same way (Hangul,
// whose space-separated words carry attached particles).
func IsCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) ||
		r == 'ー' // the prolonged sound mark is Common, but part of katakana words
}

// Kind tells how a term was cut, which decides how a query may match it.
type Kind uint8

const (
	Word    Kind = iota // a run of letters and digits outside CJK scripts
	Bigram              // two adjacent CJK characters
	Unigram             // a CJK run of a single character
)

// Term is one index term, with its kind.
type Term struct {
	Text string
	Kind Kind
}

// Terms cuts s into index terms in order of appearance: normalised words for
// non-CJK text, overlapping bigrams for CJK runs (a run of one character
// yields that character). Everything that is neither a letter nor a digit
// separates terms. It never fails; empty or symbol-only input yields nil.
func Terms(s string) []Term {
	s = Normalize(s)
	var out []Term
	var word strings.Builder
	var run []rune
	flushWord := func() {
		if word.Len() > 0 {
			out = append(out, Term{word.String(), Word})
			word.Reset()
		}
	}
	flushRun := func() {
		switch len(run) {
		case 0:
		case 1:
			out = append(out, Term{string(run), Unigram})
		default:
			for i := 0; i+1 < len(run); i++ {
				out = append(out, Term{string(run[i : i+2]), Bigram})
			}
		}
		run = run[:0]
	}
	for _, r := range s {
		switch {
		case IsCJK(r):
			flushWord()
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			flushRun()
			word.WriteRune(r)
		default:
			flushWord()
			flushRun()
		}
	}
	flushWord()
	flushRun()
	return out
}

// IndexText returns the terms of s joined by spaces: the form stored in the
// full-text index, whose own tokenizer then only needs to split on spaces.
func IndexText(s string) string {
	terms := Terms(s)
	var b strings.Builder
	b.Grow(len(s) * 2)
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// MatchQuery builds an SQLite FTS5 MATCH expression for a user's query.
//
// The query is cut into pieces where the script changes (kanji, katakana,
// hiragana, Hangul, other) as well as at spaces, because a Japanese
// question has no spaces: taken whole it would be one long phrase no passage
// contains. Each CJK piece becomes a phrase of its bigrams ("日本語" matches
// "日本" "本語" in sequence), and its bigrams also count on their own, so a
// compound the text writes differently ("回答者数" against "回答者の数") is
// still found, ranked below exact matches; a single CJK character matches
// as a prefix of the bigrams that start with it. Hiragana pieces are mostly
// particles and endings and are left out unless nothing else remains; a
// trailing Korean particle (은, 를, ...) is dropped from a word. Non-CJK
// words joined by symbols form one phrase ("ABC-123" is "abc" "123"
// adjacent) whose last word also matches as a prefix ("16403" finds
// "16403v1"). Pieces are OR-ed and BM25 ranks passages that match more of
// them higher. It returns "" when the query has no searchable terms.
func MatchQuery(q string) string {
	return Expr(ParseQuery(q))
}

// Phrase is one piece of a query: terms that must appear adjacent, in
// order. With Prefix set the last term also matches as a prefix.
type Phrase struct {
	Terms  []string
	Prefix bool
}

// Expr renders phrases as an FTS5 MATCH expression, OR-ed.
func Expr(ps []Phrase) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = quote(strings.Join(p.Terms, " "))
		if p.Prefix {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, " OR ")
}

// ParseQuery cuts a query into phrases as MatchQuery describes, without
// duplicates, in order of appearance.
func ParseQuery(q string) []Phrase {
	var parts, hira []Phrase
	seen := map[string]bool{}
	add := func(list *[]Phrase, p Phrase) {
		key := strings.Join(p.Terms, " ")
		if p.Prefix {
			key += "*"
		}
		if !seen[key] {
			seen[key] = true
			*list = append(*list, p)
		}
	}
	for _, field := range strings.Fields(Normalize(q)) {
		var words []string // non-CJK words of the current symbol-joined run
		flush := func() {
			if len(words) > 0 {
				add(&parts, Phrase{Terms: words, Prefix: true})
				words = nil
			}
		}
		for _, seg := range splitScript(field) {
			if seg.class == classOther {
				ws := Terms(seg.text)
				if len(ws) == 0 {
					flush()
				}
				for _, w := range ws {
					words = append(words, w.Text)
				}
				continue
			}
			flush()
			text := seg.text
			if seg.class == classHangul {
				text = trimParticle(text)
			}
			terms := Terms(text)
			if len(terms) == 0 {
				continue
			}
			p := Phrase{Terms: make([]string, len(terms))}
			for i, t := range terms {
				p.Terms[i] = t.Text
			}
			p.Prefix = len(terms) == 1 && terms[0].Kind == Unigram
			if seg.class == classHiragana {
				add(&hira, p)
			} else {
				add(&parts, p)
				if len(p.Terms) > 1 {
					for _, t := range p.Terms {
						add(&parts, Phrase{Terms: []string{t}})
					}
				}
			}
		}
		flush()
	}
	if len(parts) == 0 {
		parts = hira
	}
	return parts
}

// Korean particles that attach to the end of a word; a query word keeps
// its stem so that "모델은" also finds "모델이".
var particles = []string{"에서", "으로", "에게", "까지", "부터", "은", "는", "이", "가", "을", "를", "의", "에", "도", "로", "와", "과", "만"}

func trimParticle(w string) string {
	r := []rune(w)
	if len(r) < 3 {
		return w
	}
	for _, p := range particles {
		if strings.HasSuffix(w, p) && len(r)-len([]rune(p)) >= 2 {
			return strings.TrimSuffix(w, p)
		}
	}
	return w
}

// Script classes for cutting queries.
const (
	classOther = iota
	classHan
	classKatakana
	classHiragana
	classHangul
)

func scriptClass(r rune) int {
	switch {
	case unicode.Is(unicode.Han, r):
		return classHan
	case unicode.Is(unicode.Katakana, r) || r == 'ー':
		return classKatakana
	case unicode.Is(unicode.Hiragana, r):
		return classHiragana
	case unicode.Is(unicode.Hangul, r):
		return classHangul
	}
	return classOther
}

type segment struct {
	text  string
	class int
}

// splitScript cuts s where its script class changes.
func splitScript(s string) []segment {
	var out []segment
	start, class := 0, -1
	for i, r := range s {
		c := scriptClass(r)
		if class >= 0 && c != class {
			out = append(out, segment{s[start:i], class})
			start = i
		}
		class = c
	}
	if start < len(s) {
		out = append(out, segment{s[start:], class})
	}
	return out
}

// quote makes s an FTS5 string literal. Terms hold only letters, digits and
// spaces, but quoting keeps keywords such as OR or NEAR literal.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
