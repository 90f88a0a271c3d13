// Package verify checks an answer against the quotes its model read, sentence
// by sentence, without a model call: a small model on a CPU invents numbers
// and cites the wrong quote often, and a reader should see where.
//
// Each sentence of the answer (Japanese, Korean and English punctuation,
// full-width included; a citation after the full stop belongs to the sentence
// before it) gets a verdict:
//
//   - Supported: its content terms (CJK bigrams and words, after NFKC and case
//     folding, as the lexical index cuts them; particles and English function
//     words left out) are covered by the quotes it cites — failing that, by the
//     quotes the model read — at SupportedCoverage or more;
//   - Partly: covered at PartlyCoverage or more;
//   - Unsupported: less, or any number in it (an amount, percentage, year,
//     date part; full-width digits, ％, thousands separators and 万/億/만/억
//     units normalised) found in no quote, whatever else matches.
//
// A citation of a quote that does not exist ([5] when four were read) is
// listed in Missing; one of a quote that does not support the sentence while
// another does is flagged with the quote that does (Suggest). Sentences with
// too little content to judge (a heading, "From your documents:") get no
// verdict and are not counted.
//
// The thresholds were chosen by measurement (TestThresholdsSeparateSupported
// FromUnsupported and docs/BENCHMARKS.md). Check is pure and safe for
// concurrent use; it costs well under a millisecond for a typical answer
// (BenchmarkCheck).
package verify

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/cite"
	"github.com/kura-app/kura/internal/tokenize"
)

// Verdicts. A sentence too short to judge has the empty verdict.
const (
	Supported   = "supported"
	Partly      = "partly"
	Unsupported = "unsupported"
)

// Coverage thresholds: the share of a sentence's content terms that must be
// found in the quotes. Chosen by measurement on sentences taken from the
// corpus (supported: reworded from the quote they cite; unsupported: the
// same kind of sentence from another document), see
// TestThresholdsSeparateSupportedFromUnsupported.
const (
	SupportedCoverage = 0.7
	PartlyCoverage    = 0.4
)

// minTerms is the fewest content terms a sentence needs to be judged.
const minTerms = 3

// Quote is one quote the model read, numbered as the prompt numbered it.
type Quote struct {
	N    int
	Text string
}

// Sentence is one sentence of an answer and its verdict.
//
// In JSON (saved with the message, `kura ask --json`, the UI) the offsets
// are left out: they are bytes, which JavaScript does not count; the UI
// finds each sentence's text in the answer in order.
type Sentence struct {
	Text       string `json:"text"` // as written, citations included
	Start, End int    `json:"-"`    // byte offsets in the answer
	Verdict    string `json:"verdict"`
	// Cited are the quote numbers the sentence cites, as written.
	Cited []int `json:"cited"`
	// Quotes are the quotes that support the sentence best, best first (the
	// one to open when the sentence is clicked); empty when none covers any
	// of it.
	Quotes []int `json:"quotes"`
	// Coverage is the share of the sentence's content terms found in the
	// quotes its verdict was judged against.
	Coverage float64 `json:"coverage"`
	// NumbersMissing are numbers of the sentence that no quote holds, as
	// written.
	NumbersMissing []string `json:"numbers_missing"`
	// Missing are cited numbers with no such quote.
	Missing []int `json:"missing_quotes"`
	// Suggest, when not 0, is a quote that supports the sentence while the
	// quotes it cites do not (or that holds a number they lack).
	Suggest int `json:"suggest,omitempty"`
}

// Report is the check of one answer.
type Report struct {
	Sentences []Sentence `json:"sentences"`
	// Judged counts the sentences with a verdict, Supported those supported.
	Judged    int `json:"judged"`
	Supported int `json:"supported"`
}

// Check splits answer into sentences and judges each against quotes.
func Check(answer string, quotes []Quote) Report {
	qs := make([]quoteFacts, len(quotes))
	byN := map[int]int{}
	for i, q := range quotes {
		qs[i] = quoteFacts{n: q.N, terms: termSet(q.Text), numbers: numberSet(q.Text)}
		byN[q.N] = i
	}
	r := Report{Sentences: []Sentence{}}
	for _, s := range Sentences(answer) {
		judge(&s, qs, byN)
		s.Cited = nonNil(s.Cited)
		s.Quotes = nonNil(s.Quotes)
		s.Missing = nonNil(s.Missing)
		if s.NumbersMissing == nil {
			s.NumbersMissing = []string{}
		}
		if s.Verdict != "" {
			r.Judged++
			if s.Verdict == Supported {
				r.Supported++
			}
		}
		r.Sentences = append(r.Sentences, s)
	}
	return r
}

type quoteFacts struct {
	n       int
	terms   map[string]bool
	numbers map[string]bool
}

func judge(s *Sentence, qs []quoteFacts, byN map[int]int) {
	plain := plainText(s.Text)
	terms := contentTerms(plain)
	nums := numbers(plain)
	var cited []quoteFacts
	for _, n := range s.Cited {
		if i, ok := byN[n]; ok {
			cited = append(cited, qs[i])
		} else {
			s.Missing = append(s.Missing, n)
		}
	}
	if len(terms) < minTerms && len(nums) == 0 {
		return
	}
	// Coverage against the cited quotes together, and each quote alone.
	covCited := coverage(terms, cited...)
	best, bestCov := 0, 0.0
	type scored struct {
		n   int
		cov float64
	}
	var each []scored
	for _, q := range qs {
		c := coverage(terms, q)
		each = append(each, scored{q.n, c})
		if c > bestCov {
			best, bestCov = q.n, c
		}
	}
	slices.SortStableFunc(each, func(a, b scored) int {
		switch {
		case a.cov > b.cov:
			return -1
		case a.cov < b.cov:
			return 1
		}
		return 0
	})
	covAll := coverage(terms, qs...)

	// Judge against the cited quotes; failing that, against all quotes read.
	s.Coverage = covCited
	if covCited < SupportedCoverage && covAll > covCited {
		s.Coverage = covAll
	}
	if len(terms) < minTerms {
		s.Coverage = 1 // judged on its numbers alone
	}
	s.Verdict = verdictFor(s.Coverage)

	// Every number must be in a quote it cites (or, uncited, in any quote).
	citedNums := numbersOf(cited)
	if len(s.Cited) == 0 {
		citedNums = numbersOf(qs)
	}
	allNums := numbersOf(qs)
	for _, n := range nums {
		switch {
		case citedNums[n.value]:
		case allNums[n.value]:
			if s.Suggest == 0 {
				s.Suggest = holderOf(qs, n.value)
			}
		default:
			s.NumbersMissing = append(s.NumbersMissing, n.text)
		}
	}
	if len(s.NumbersMissing) > 0 {
		s.Verdict = Unsupported
	}

	// A cited quote that does not support the sentence while another does.
	if len(s.Cited) > 0 && s.Suggest == 0 && covCited < SupportedCoverage && bestCov >= SupportedCoverage && !slices.Contains(s.Cited, best) {
		s.Suggest = best
	}
	for _, e := range each {
		if e.cov >= PartlyCoverage && len(s.Quotes) < 3 {
			s.Quotes = append(s.Quotes, e.n)
		}
	}
	if len(s.Quotes) == 0 && best != 0 && bestCov > 0 {
		s.Quotes = []int{best}
	}
}

func verdictFor(cov float64) string {
	switch {
	case cov >= SupportedCoverage:
		return Supported
	case cov >= PartlyCoverage:
		return Partly
	}
	return Unsupported
}

func numbersOf(qs []quoteFacts) map[string]bool {
	out := map[string]bool{}
	for _, q := range qs {
		for n := range q.numbers {
			out[n] = true
		}
	}
	return out
}

func holderOf(qs []quoteFacts, value string) int {
	for _, q := range qs {
		if q.numbers[value] {
			return q.n
		}
	}
	return 0
}

// coverage is the share of terms found in the union of the quotes' terms.
func coverage(terms []string, qs ...quoteFacts) float64 {
	if len(terms) == 0 || len(qs) == 0 {
		return 0
	}
	found := 0
	for _, t := range terms {
		for _, q := range qs {
			if q.terms[t] {
				found++
				break
			}
		}
	}
	return float64(found) / float64(len(terms))
}

// plainText is the sentence without its citations and Markdown emphasis.
func plainText(s string) string {
	var b strings.Builder
	for _, seg := range cite.Parse(s, nil) {
		if !seg.Cite() {
			b.WriteString(seg.Text)
		}
	}
	return strings.NewReplacer("**", "", "__", "", "`", "").Replace(b.String())
}

// termSet is every index term of a quote.
func termSet(text string) map[string]bool {
	out := map[string]bool{}
	for _, t := range tokenize.Terms(text) {
		out[t.Text] = true
	}
	return out
}

// contentTerms are the distinct units of a sentence that carry its meaning,
// each a term of the lexical index so a quote's term set can be looked up:
//   - Japanese (Han, katakana): the bigrams without hiragana, so particles
//     and inflections ("数は", "した") do not count, the compounds do;
//   - Korean: a word's first bigram, its stem (모델이 → 모델, 저렴합니다 →
//     저렴): the endings and particles that follow change with the grammar;
//   - other scripts: words, less English function words and numbers (numbers
//     are checked on their own).
func contentTerms(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	var word []rune
	var run []rune
	flushWord := func() {
		w := string(word)
		word = word[:0]
		if w == "" || stopWords[w] || strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			return
		}
		add(w)
	}
	flushRun := func() {
		defer func() { run = run[:0] }()
		if len(run) < 2 {
			return
		}
		if unicode.Is(unicode.Hangul, run[0]) {
			add(string(run[:2]))
			return
		}
		for i := 0; i+1 < len(run); i++ {
			if !unicode.Is(unicode.Hiragana, run[i]) && !unicode.Is(unicode.Hiragana, run[i+1]) {
				add(string(run[i : i+2]))
			}
		}
	}
	for _, r := range tokenize.Normalize(text) {
		switch {
		case tokenize.IsCJK(r):
			flushWord()
			if len(run) > 0 && unicode.Is(unicode.Hangul, run[0]) != unicode.Is(unicode.Hangul, r) {
				flushRun()
			}
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			flushRun()
			word = append(word, r)
		default:
			flushWord()
			flushRun()
		}
	}
	flushWord()
	flushRun()
	return out
}

// stopWords are English function words, which any quote contains.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if of to in on at by for from with without as
		is are was were be been being has have had do does did will would can could should may might must
		this that these those it its they them their there here which who whom whose what when where why how
		not no nor so than then too very also only just about into over under between among per via
		i we you he she our your his her my me us all any some more most other such each both either
		according says said report reports document documents source sources`) {
		m[w] = true
	}
	return m
}()

// number is a number as written in a sentence and its normalised value.
type number struct{ text, value string }

var numberRe = regexp.MustCompile(`\d+(?:,\d{3})*(?:\.\d+)?(?:\s?(万|億|兆|千|만|억|조|천))?`)

var units = map[string]float64{"千": 1e3, "천": 1e3, "万": 1e4, "만": 1e4, "億": 1e8, "억": 1e8, "兆": 1e12, "조": 1e12}

// numbers finds the numbers of a sentence (after NFKC, so full-width digits
// and ％ read as ASCII), leaving out digits inside Latin words ("qwen3",
// "GPT-4o" keeps 4 only when set apart) and list markers ("1. ").
func numbers(text string) []number {
	text = tokenize.Normalize(text)
	var out []number
	for _, m := range numberRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], m[1]
		if start > 0 {
			r := lastRune(text[:start])
			if (unicode.IsLetter(r) && !tokenize.IsCJK(r)) || r == '.' || r == ',' {
				continue
			}
		}
		lead := strings.TrimSpace(text[:start])
		rest := text[end:]
		if (lead == "" || strings.HasSuffix(lead, "\n")) && (strings.HasPrefix(rest, ". ") || strings.HasPrefix(rest, ") ")) {
			continue // a list marker
		}
		unit := ""
		if m[2] >= 0 {
			unit = text[m[2]:m[3]]
		}
		out = append(out, number{text: strings.TrimSpace(text[start:end]), value: value(text[start:end], unit)})
	}
	return out
}

// numberSet is the normalised values of every number in a quote.
func numberSet(text string) map[string]bool {
	out := map[string]bool{}
	for _, n := range numbers(text) {
		out[n.value] = true
		// "35万" in a quote also stands for the bare 35 a sentence may write
		// with the unit spelled out ("35 ten-thousands" is rare; "35万人" in
		// both is the norm, and "350,000" in either is normalised).
		out[value(n.text, "")] = true
	}
	return out
}

func value(s, unit string) string {
	digits := strings.Map(func(r rune) rune {
		if r == ',' || unicode.IsSpace(r) {
			return -1
		}
		if r >= '0' && r <= '9' || r == '.' {
			return r
		}
		return -1
	}, s)
	f, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		return digits
	}
	if m, ok := units[unit]; ok {
		f *= m
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func lastRune(s string) rune {
	r := []rune(s)
	if len(r) == 0 {
		return 0
	}
	return r[len(r)-1]
}

// Sentences cuts an answer into sentences with their citations: after
// sentence-ending punctuation (CJK full stops anywhere, Western ones before a
// space, a citation or the end, not after an abbreviation) and at line
// breaks (an answer's list items are sentences). A citation group written
// after the full stop ("… rose 5%. [2]") belongs to the sentence before it.
func Sentences(answer string) []Sentence {
	var out []Sentence
	cur := Sentence{Start: -1}
	hasContent := false
	flush := func(end int) {
		if cur.Start >= 0 && hasContent {
			cur.End = end
			cur.Text = strings.TrimSpace(answer[cur.Start:end])
			cur.Start += strings.Index(answer[cur.Start:end], cur.Text)
			cur.End = cur.Start + len(cur.Text)
			out = append(out, cur)
		}
		cur = Sentence{Start: -1}
		hasContent = false
	}
	for _, seg := range cite.Parse(answer, nil) {
		if seg.Cite() {
			if !hasContent && len(out) > 0 {
				// A citation after the full stop: the previous sentence's.
				prev := &out[len(out)-1]
				if strings.TrimSpace(answer[prev.End:seg.Start]) == "" && !strings.Contains(answer[prev.End:seg.Start], "\n") {
					prev.Cited = appendNew(prev.Cited, seg.Numbers...)
					prev.End = seg.End
					prev.Text = answer[prev.Start:prev.End]
					continue
				}
			}
			if cur.Start < 0 {
				cur.Start = seg.Start
			}
			cur.Cited = appendNew(cur.Cited, seg.Numbers...)
			continue
		}
		runes := []rune(seg.Text)
		off := seg.Start
		for i, r := range runes {
			size := len(string(r))
			if cur.Start < 0 && !unicode.IsSpace(r) {
				cur.Start = off
			}
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				hasContent = true
			}
			end := false
			switch {
			case r == '\n':
				end = true
			case r == '。' || r == '！' || r == '？' || r == '｡':
				end = !closer(runes, i+1)
			case r == '.' || r == '!' || r == '?':
				if r == '.' && chunk.Abbreviation(runes, 0, i) {
					break
				}
				if r == '.' && i > 0 && i+1 < len(runes) && unicode.IsDigit(runes[i-1]) && unicode.IsDigit(runes[i+1]) {
					break // 3.5
				}
				end = (i+1 == len(runes) || unicode.IsSpace(runes[i+1])) && !closer(runes, i+1)
			case isCloser(r):
				if i > 0 && strings.ContainsRune("。！？｡.!?", runes[i-1]) || (i > 1 && isCloser(runes[i-1]) && strings.ContainsRune("。！？｡.!?", runes[i-2])) {
					end = !closer(runes, i+1)
				}
			}
			off += size
			if end {
				flush(off)
			}
		}
	}
	flush(len(answer))
	return out
}

// closer reports whether runes[i] is a closing quote or bracket (which then
// ends the sentence instead of the full stop before it).
func closer(runes []rune, i int) bool {
	return i < len(runes) && isCloser(runes[i])
}

func isCloser(r rune) bool {
	return strings.ContainsRune("」』）)\"'”’", r)
}

func appendNew(to []int, ns ...int) []int {
	for _, n := range ns {
		if !slices.Contains(to, n) {
			to = append(to, n)
		}
	}
	return to
}

func nonNil(xs []int) []int {
	if xs == nil {
		return []int{}
	}
	return xs
}
