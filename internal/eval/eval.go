// Package eval measures retrieval and answer quality on a user's own
// documents and questions (`kura eval QA.jsonl`): whether the expected
// document and the expected evidence sentence are among the first k passages
// found, whether the evidence is in the quotes the model would read within
// its time budget, and how large that prompt is.
//
// The questions file is JSON Lines, one question per line (the format is in
// docs/EVAL.md): "question" (required), "doc" (a file name expected among the
// sources), "evidence" (a sentence expected in what the model reads),
// "answer", and "kind" ("unanswerable" marks a question the documents cannot
// answer). Other fields are ignored, so a file can carry notes.
//
// A run is reproducible: the same library and file give the same report,
// byte for byte, run after run (nothing timed is in it unless answers are
// asked for). Evidence matches after NFKC and case folding with white space
// and Markdown emphasis (* and #) removed, so a PDF's line breaks inside a
// sentence do not hide it.
package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/kura-app/kura/internal/tokenize"
)

// Unanswerable is the kind of a question the documents cannot answer.
const Unanswerable = "unanswerable"

// maxLine bounds one line of a questions file.
const maxLine = 1 << 20

// Item is one question of a questions file.
type Item struct {
	Line     int    `json:"line"`
	Question string `json:"question"`
	Doc      string `json:"doc,omitempty"`
	Evidence string `json:"evidence,omitempty"`
	Answer   string `json:"answer,omitempty"`
	Kind     string `json:"kind,omitempty"`
}

// Read parses a questions file. A line that is not a JSON object with a
// question fails the whole file with its line number; blank lines and lines
// starting with // are skipped.
func Read(r io.Reader) ([]Item, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	var out []Item
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var it Item
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON object: %w", n, err)
		}
		it.Line = n
		it.Question = strings.TrimSpace(it.Question)
		if it.Question == "" {
			return nil, fmt.Errorf("line %d: no \"question\"", n)
		}
		if it.Kind != "" && it.Kind != Unanswerable {
			return nil, fmt.Errorf("line %d: kind %q: the only kind is %q", n, it.Kind, Unanswerable)
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("a line is longer than %d bytes", maxLine)
		}
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no questions in the file")
	}
	return out, nil
}

// Hit is one passage a search found, best first.
type Hit struct {
	Path string
	Text string
}

// Prompt is what the model would read for a question: its quotes and the
// size of the whole prompt.
type Prompt struct {
	Quotes       []string
	PromptTokens int
	// Extract is the answer from the documents: the sentences shown at once
	// while the model reads (and the answer when there is no model).
	Extract []string
}

// Engine is the library as eval needs it: a search for the first k passages
// and the prompt the model would be given within a budget of new tokens
// (0: the configured one).
type Engine interface {
	Search(ctx context.Context, question string, k int) ([]Hit, error)
	Prompt(ctx context.Context, question string, budget int) (Prompt, error)
}

// Options are a run's settings.
type Options struct {
	// Ks are the cut-offs reported (default 1, 3, 5 and PerAnswer).
	Ks []int
	// PerAnswer is the passages per answer the library is configured with.
	PerAnswer int
	// Budget is the new prompt tokens the quotes may take (0: the
	// library's own, from the model's measured reading speed).
	Budget int
}

// At is a question's result at one cut-off k: nil where the question does
// not say what to expect.
type At struct {
	K        int   `json:"k"`
	Doc      *bool `json:"doc,omitempty"`
	Evidence *bool `json:"evidence,omitempty"`
}

// Result is one question's figures.
type Result struct {
	Item
	At               []At  `json:"at"`
	EvidenceInPrompt *bool `json:"evidence_in_prompt,omitempty"`
	// ExtractiveHasEvidence: the answer from the documents holds the
	// evidence.
	ExtractiveHasEvidence *bool `json:"extractive_has_evidence,omitempty"`
	PromptTokens          int   `json:"prompt_tokens"`
	Quotes                int   `json:"quotes"`
	// Found is the first passage's file, to see at a glance what came first.
	Found string `json:"found,omitempty"`
}

// Rate is a share of questions, over those that say what to expect.
type Rate struct {
	Hits  int     `json:"hits"`
	Of    int     `json:"of"`
	Share float64 `json:"share"`
}

// TotalAt is the totals at one cut-off.
type TotalAt struct {
	K        int  `json:"k"`
	Doc      Rate `json:"doc"`
	Evidence Rate `json:"evidence"`
}

// Totals sum a run.
type Totals struct {
	Questions        int       `json:"questions"`
	Unanswerable     int       `json:"unanswerable"`
	At               []TotalAt `json:"at"`
	EvidenceInPrompt Rate      `json:"evidence_in_prompt"`
	// ExtractiveHasEvidence is the share of answers from the documents that
	// hold the evidence.
	ExtractiveHasEvidence Rate `json:"extractive_has_evidence"`
	PromptTokensP50       int  `json:"prompt_tokens_p50"`
	PromptTokensP90       int  `json:"prompt_tokens_p90"`
}

// Report is a whole run: what `kura eval --json` prints and `--compare`
// reads.
type Report struct {
	Budget    int      `json:"budget"`
	PerAnswer int      `json:"per_answer"`
	Totals    Totals   `json:"totals"`
	Results   []Result `json:"results"`
}

// Run measures every item in order. progress, when not nil, is called after
// each question with the count done; an error from it stops the run.
func Run(ctx context.Context, e Engine, items []Item, opts Options, progress func(done int) error) (Report, error) {
	ks := opts.Ks
	if len(ks) == 0 {
		ks = []int{1, 3, 5}
		if opts.PerAnswer > 0 && !slices.Contains(ks, opts.PerAnswer) {
			ks = append(ks, opts.PerAnswer)
		}
	}
	slices.Sort(ks)
	maxK := ks[len(ks)-1]
	rep := Report{Budget: opts.Budget, PerAnswer: opts.PerAnswer}
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		hits, err := e.Search(ctx, it.Question, maxK)
		if err != nil {
			return rep, fmt.Errorf("line %d: %w", it.Line, err)
		}
		p, err := e.Prompt(ctx, it.Question, opts.Budget)
		if err != nil {
			return rep, fmt.Errorf("line %d: %w", it.Line, err)
		}
		rep.Results = append(rep.Results, measure(it, hits, p, ks))
		if progress != nil {
			if err := progress(i + 1); err != nil {
				return rep, err
			}
		}
	}
	rep.Totals = total(rep.Results, ks)
	return rep, nil
}

func measure(it Item, hits []Hit, p Prompt, ks []int) Result {
	r := Result{Item: it, PromptTokens: p.PromptTokens, Quotes: len(p.Quotes)}
	if len(hits) > 0 {
		r.Found = filepath.Base(filepath.FromSlash(hits[0].Path))
	}
	answerable := it.Kind != Unanswerable
	ev := Normalize(it.Evidence)
	for _, k := range ks {
		at := At{K: k}
		top := hits[:min(k, len(hits))]
		if answerable && it.Doc != "" {
			at.Doc = ptr(slices.ContainsFunc(top, func(h Hit) bool { return SameFile(h.Path, it.Doc) }))
		}
		if answerable && ev != "" {
			at.Evidence = ptr(slices.ContainsFunc(top, func(h Hit) bool { return strings.Contains(Normalize(h.Text), ev) }))
		}
		r.At = append(r.At, at)
	}
	if answerable && ev != "" {
		r.EvidenceInPrompt = ptr(slices.ContainsFunc(p.Quotes, func(q string) bool { return strings.Contains(Normalize(q), ev) }))
		r.ExtractiveHasEvidence = ptr(holds(p.Extract, ev))
	}
	return r
}

func total(rs []Result, ks []int) Totals {
	t := Totals{Questions: len(rs)}
	for _, k := range ks {
		t.At = append(t.At, TotalAt{K: k})
	}
	var tokens []int
	for _, r := range rs {
		if r.Kind == Unanswerable {
			t.Unanswerable++
		}
		for i, at := range r.At {
			count(&t.At[i].Doc, at.Doc)
			count(&t.At[i].Evidence, at.Evidence)
		}
		count(&t.EvidenceInPrompt, r.EvidenceInPrompt)
		count(&t.ExtractiveHasEvidence, r.ExtractiveHasEvidence)
		tokens = append(tokens, r.PromptTokens)
	}
	slices.Sort(tokens)
	if len(tokens) > 0 {
		t.PromptTokensP50 = tokens[(len(tokens)-1)/2]
		t.PromptTokensP90 = tokens[(len(tokens)-1)*9/10]
	}
	return t
}

func count(r *Rate, b *bool) {
	if b == nil {
		return
	}
	r.Of++
	if *b {
		r.Hits++
	}
	r.Share = float64(r.Hits) / float64(r.Of)
}

func ptr(b bool) *bool { return &b }

// holds reports whether the evidence is in the sentences, or spans two of
// them (evidence longer than one sentence of the answer).
func holds(sentences []string, ev string) bool {
	all := ""
	for _, s := range sentences {
		n := Normalize(s)
		if strings.Contains(n, ev) {
			return true
		}
		all += n
	}
	return len(sentences) > 1 && strings.Contains(all, ev)
}

// Normalize is the form evidence is matched in: NFKC, case-folded, with
// white space and Markdown emphasis (* and #) removed.
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '#' {
			return -1
		}
		return r
	}, tokenize.Normalize(s))
}

// SameFile reports whether path is the file a questions file names: the
// same base name (NFKC, case-folded), or the same trailing path when the
// name has folders ("reports/2024.pdf"). A name without an extension
// ("2024") matches every rendering of the document (2024.pdf, 2024.docx).
func SameFile(path, name string) bool {
	p := tokenize.Normalize(filepath.ToSlash(path))
	n := tokenize.Normalize(filepath.ToSlash(name))
	if filepath.Ext(n) == "" {
		p = strings.TrimSuffix(p, filepath.Ext(p))
	}
	if strings.Contains(n, "/") {
		return p == n || strings.HasSuffix(p, "/"+strings.TrimPrefix(n, "/"))
	}
	return p == n || strings.HasSuffix(p, "/"+n)
}
