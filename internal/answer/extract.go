package answer

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/tokenize"
)

// Extracted is a sentence of a retrieved passage that answers the question
// directly: the answer from the documents, shown at once while the model
// reads, and the whole answer when no model can be reached.
type Extracted struct {
	// Rank is the passage's place in the search (0 first).
	Rank int
	// Passage is where the sentence is; its Start, End and Text are the
	// sentence's (offsets on the page, like a quote's).
	Passage retrieve.Passage
	// PassageStart and PassageEnd are the whole passage's, for showing the
	// sentence in its context.
	PassageStart, PassageEnd int
	Score                    float64
}

// maxExtracted and extractChars bound the answer from the documents: a few
// sentences a reader takes in at a glance.
const (
	maxExtracted = 3
	extractChars = 420
)

// quantityRe marks a question that asks for a number, a date or an amount:
// sentences with digits then rank higher.
var quantityRe = regexp.MustCompile(`(?i)いくつ|いくら|何[%％人件回年月日歳割倍つ社名台]|どのくらい|どれくらい|どの程度|何パーセント|割合|比率|いつ|몇|얼마|언제|비율|how (many|much|long|often)|what (percent|share|proportion)|percentage|\bwhen\b|\bwhat year\b|number of|\brate\b`)

// Extract picks the one to three sentences of the passages (best first, as
// the search ranked them) that answer question most directly: those holding
// the most of its rare terms (weight gives a term's weight, nil: all 1),
// close together, in a higher-ranked passage, with a number when it asks for
// one. A sentence must hold at least one question term; none qualifies when
// nothing does (nil). It is pure and takes well under a millisecond for the
// passages of one answer.
func Extract(question string, passages []retrieve.Passage, weight func(string) float64) []Extracted {
	terms := queryTerms(question)
	if len(terms) == 0 {
		return nil
	}
	w := func(t string) float64 {
		if weight == nil {
			return 1
		}
		return weight(t)
	}
	total := 0.0
	for t := range terms {
		total += w(t)
	}
	quantity := quantityRe.MatchString(tokenize.Normalize(question))
	var cands []Extracted
	for rank, p := range passages {
		runes := []rune(p.Text)
		for _, sp := range chunk.Sentences(p.Text, quoteMax) {
			text := string(runes[sp.Start:sp.End])
			if len([]rune(text)) < 8 {
				continue
			}
			score := sentenceScore(text, terms, w, total, quantity)
			if score <= 0 {
				continue
			}
			score /= 1 + 0.15*float64(rank)
			e := Extracted{Rank: rank, Passage: p, PassageStart: p.Start, PassageEnd: p.End, Score: score}
			e.Passage.Start, e.Passage.End = quoteSpan(p.Chunk, sp.Start, sp.End)
			e.Passage.Text = text
			cands = append(cands, e)
		}
	}
	slices.SortStableFunc(cands, func(a, b Extracted) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	var out []Extracted
	chars := 0
	for _, c := range cands {
		if len(out) == maxExtracted || (len(out) > 0 && c.Score < 0.6*out[0].Score) {
			break
		}
		n := len([]rune(c.Passage.Text))
		if len(out) > 0 && chars+n > extractChars {
			continue
		}
		if slices.ContainsFunc(out, func(o Extracted) bool { return o.Passage.Text == c.Passage.Text }) {
			continue // the same sentence in two renderings of a document
		}
		out = append(out, c)
		chars += n
	}
	return out
}

// sentenceScore is how directly a sentence answers: the weight of the
// question's terms it holds (their share of the question's), raised when they
// stand close together and, for a question asking for a number, when the
// sentence has one. 0 when it holds none.
func sentenceScore(sentence string, terms map[string]bool, w func(string) float64, total float64, quantity bool) float64 {
	ts := tokenize.Terms(sentence)
	seen := map[string]bool{}
	first, last, hit := -1, -1, 0.0
	for i, t := range ts {
		if !terms[t.Text] {
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
		if !seen[t.Text] {
			seen[t.Text] = true
			hit += w(t.Text)
		}
	}
	if hit == 0 || total == 0 {
		return 0
	}
	share := hit / total
	// Proximity: the matched terms over the stretch of terms they span.
	prox := float64(len(seen)) / float64(last-first+1)
	score := share * (0.7 + 0.3*prox)
	if quantity && strings.IndexFunc(sentence, unicode.IsDigit) >= 0 {
		score *= 1.3
	}
	// A long sentence holds more terms by chance.
	if n := len(ts); n > 40 {
		score *= math.Sqrt(40 / float64(n))
	}
	return score
}

// fromDocuments opens the answer given from the documents alone, in the
// question's language.
var fromDocuments = map[string]string{
	"English":  "From your documents (no model was asked):",
	"Japanese": "文書から（モデルは使っていません）:",
	"Korean":   "문서에서 (모델을 사용하지 않았습니다):",
}

// FromDocuments is the answer when no chat model can be reached: the
// extracted sentences, quoted and each cited, as the sources [1], [2], … of
// the answer (nil ex: no answer, NoPassages). It asks no model.
func FromDocuments(question string, ex []Extracted) Answer {
	lang := Language(question)
	if len(ex) == 0 {
		return NoPassages(question)
	}
	var b strings.Builder
	b.WriteString(fromDocuments[lang])
	ans := Answer{Language: lang, Extractive: true}
	for i, x := range ex {
		n := i + 1
		fmt.Fprintf(&b, "\n\n“%s” [%d]", strings.TrimSpace(x.Passage.Text), n)
		ans.Sources = append(ans.Sources, Source{N: n, Passage: x.Passage, PassageStart: x.PassageStart, PassageEnd: x.PassageEnd, Cited: true})
	}
	ans.Text = b.String()
	return ans
}
