// Package cite is Kura's one citation grammar: how an answer cites the quotes
// it was given. The UI's parser (frontend/src/text/citations.ts) implements the
// same grammar, and both test suites read one table of cases,
// testdata/cases.json, so the two cannot drift apart.
//
// A citation is a bracket pair — ASCII [ ], full-width ［ ］ or lenticular
// 【 】 — holding one to three digit numbers (ASCII or full-width) separated by
// commas (, ， 、), semicolons (; ；) or a range dash (- – ~ 〜). [1], [1, 2],
// [1-3], ［１］, 【1】, and adjacent [1][2] are citations; [1](…) is a Markdown
// link and [2023] (four digits) is not a citation. A range expands when it is
// short (fewer than 20 numbers); otherwise its two ends are taken as written.
package cite

import (
	"regexp"
	"strings"
	"unicode"
)

// maxRange is the longest range [a-b] that is expanded to every number in it.
const maxRange = 20

// The grammar. Whitespace inside the brackets may be ASCII or the
// ideographic space (JavaScript's \s covers both).
var (
	citeRe = regexp.MustCompile(`[\[［【][\s\x{3000}]*([0-9０-９]{1,3}(?:[\s\x{3000}]*(?:[,，、;；]|[-–~〜])[\s\x{3000}]*[0-9０-９]{1,3})*)[\s\x{3000}]*[\]］】]`)
	listRe = regexp.MustCompile(`[\s\x{3000}]*[,，、;；][\s\x{3000}]*`)
	dashRe = regexp.MustCompile(`[\s\x{3000}]*[-–~〜][\s\x{3000}]*`)
)

// Segment is a run of an answer's text: plain text (Numbers is nil) or one
// citation group, whose Text is the citation as written ("[1, 2]").
// Start and End are byte offsets of the run in the parsed text.
type Segment struct {
	Text       string
	Numbers    []int
	Start, End int
}

// Cite reports whether the segment is a citation.
func (s Segment) Cite() bool { return s.Numbers != nil }

// Parse splits text into plain and citation segments, in order. valid, when
// not nil, keeps only the numbers it accepts; a citation with none left stays
// plain text (so "[7]" when four quotes were read is not shown as a chip).
// Parse never fails: text that does not follow the grammar is plain text.
func Parse(text string, valid func(int) bool) []Segment {
	var out []Segment
	last := 0
	for _, m := range citeRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], m[1]
		if strings.HasPrefix(text[end:], "(") {
			continue // [1](…) is a Markdown link
		}
		nums := numbers(text[m[2]:m[3]])
		if valid != nil {
			kept := nums[:0]
			for _, n := range nums {
				if valid(n) {
					kept = append(kept, n)
				}
			}
			nums = kept
		}
		if len(nums) == 0 {
			continue
		}
		if start > last {
			out = append(out, Segment{Text: text[last:start], Start: last, End: start})
		}
		out = append(out, Segment{Text: text[start:end], Numbers: nums, Start: start, End: end})
		last = end
	}
	if last < len(text) {
		out = append(out, Segment{Text: text[last:], Start: last, End: len(text)})
	}
	return out
}

// Numbers returns the distinct numbers cited in text, in order of first
// appearance (nil when there are none).
func Numbers(text string) []int {
	var out []int
	seen := map[int]bool{}
	for _, s := range Parse(text, nil) {
		for _, n := range s.Numbers {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// numbers reads the inside of a bracket ("1, 2", "2-4", "１、３") into its
// distinct positive numbers, in order.
func numbers(inner string) []int {
	var raw []int
	for _, part := range listRe.Split(inner, -1) {
		ends := dashRe.Split(part, -1)
		if len(ends) == 2 {
			a, b := atoi(ends[0]), atoi(ends[1])
			if b >= a && b-a < maxRange {
				for n := a; n <= b; n++ {
					raw = append(raw, n)
				}
			} else {
				raw = append(raw, a, b)
			}
			continue
		}
		for _, e := range ends {
			raw = append(raw, atoi(e))
		}
	}
	out := []int{}
	seen := map[int]bool{}
	for _, n := range raw {
		if n > 0 && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// atoi reads ASCII and full-width digits; the grammar admits nothing else.
func atoi(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n = n*10 + int(r-'0')
		case r >= '０' && r <= '９':
			n = n*10 + int(r-'０')
		case unicode.IsSpace(r):
		}
	}
	return n
}
