package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kura-app/kura/internal/eval"
	"github.com/kura-app/kura/internal/library"
)

// evalEngine is the library as `kura eval` measures it.
type evalEngine struct {
	lib        *library.Library
	collection string
	within     []string
}

func (e evalEngine) Search(ctx context.Context, q string, k int) ([]eval.Hit, error) {
	res, err := e.lib.Search(ctx, e.collection, q, library.SearchOptions{K: k, Within: e.within})
	if err != nil {
		return nil, err
	}
	hits := make([]eval.Hit, len(res.Passages))
	for i, p := range res.Passages {
		hits[i] = eval.Hit{Path: p.Path, Text: p.Text}
	}
	return hits, nil
}

func (e evalEngine) Prompt(ctx context.Context, q string, budget int) (eval.Prompt, error) {
	ac, err := e.lib.ContextWithin(ctx, e.collection, q, budget, e.within...)
	if err != nil {
		return eval.Prompt{}, err
	}
	p := eval.Prompt{PromptTokens: ac.Prepared.PromptTokens}
	for _, s := range ac.Prepared.Sources {
		p.Quotes = append(p.Quotes, s.Text)
	}
	for _, x := range ac.Extract {
		p.Extract = append(p.Extract, x.Passage.Text)
	}
	return p, nil
}

func (a *App) eval(ctx context.Context, args []string) int {
	var c Common
	var within pathList
	fs := a.flags("eval", "QA.jsonl | --compare A.json B.json", &c)
	fs.Var(&within, "in", "search only this document or folder (repeat for more)")
	k := fs.Int("k", 0, "also report this cut-off (default: 1, 3, 5 and the passages per answer)")
	budget := fs.Int("budget", 0, "new prompt tokens the quotes may take (default: from the model's measured reading speed)")
	compare := fs.Bool("compare", false, "show two runs saved with --json side by side")
	rest, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if *compare {
		if len(rest) != 2 {
			return a.usageError(fs, "--compare takes two reports written by `kura eval --json`")
		}
		return a.evalCompare(rest[0], rest[1])
	}
	if len(rest) != 1 {
		return a.usageError(fs, "give one questions file (JSON Lines; see docs/EVAL.md)")
	}
	if *budget < 0 || *k < 0 {
		return a.usageError(fs, "--budget and -k are positive numbers")
	}
	f, err := openRegular(rest[0])
	if err != nil {
		return a.fail(err)
	}
	items, err := eval.Read(f)
	f.Close()
	if err != nil {
		return a.fail(fmt.Errorf("%s: %w", rest[0], err))
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	opts := eval.Options{PerAnswer: lib.Config().TopK, Budget: *budget}
	if *k > 0 {
		opts.Ks = []int{1, 3, 5, *k}
		if opts.PerAnswer > 0 {
			opts.Ks = append(opts.Ks, opts.PerAnswer)
		}
		opts.Ks = dedupe(opts.Ks)
	}
	status := newStatusLine(a.Stderr)
	start := time.Now()
	rep, err := eval.Run(ctx, evalEngine{lib, c.Collection, within}, items, opts, func(done int) error {
		el := time.Since(start)
		left := time.Duration(float64(el) / float64(done) * float64(len(items)-done))
		status.draw(fmt.Sprintf("question %d of %d · %s elapsed · %s", done, len(items), dur(el), eta(left)))
		return nil
	})
	status.done()
	if err != nil {
		return a.fail(err)
	}
	if c.JSON {
		writeJSON(a.Stdout, rep)
		return ExitOK
	}
	printEval(a.Stdout, rep)
	return ExitOK
}

func dedupe(xs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// openRegular opens a file that must be a regular file (not a FIFO or a
// device, which would block or never end).
func openRegular(path string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return os.Open(path)
}

func printEval(w io.Writer, rep eval.Report) {
	fmt.Fprintf(w, "%-5s %-52s %-12s %-12s %-7s %s\n", "line", "question", "doc@k", "evidence@k", "prompt", "tokens")
	ks := make([]string, 0, len(rep.Totals.At))
	for _, at := range rep.Totals.At {
		ks = append(ks, fmt.Sprint(at.K))
	}
	fmt.Fprintf(w, "%-5s %-52s %-12s %-12s\n", "", "", "k="+strings.Join(ks, ","), "k="+strings.Join(ks, ","))
	for _, r := range rep.Results {
		q := truncate(strings.Join(strings.Fields(r.Question), " "), 50)
		if r.Kind == eval.Unanswerable {
			q = truncate("(unanswerable) "+q, 50)
		}
		var doc, ev string
		for _, at := range r.At {
			doc += mark(at.Doc)
			ev += mark(at.Evidence)
		}
		fmt.Fprintf(w, "%-5d %-52s %-12s %-12s %-7s %d\n", r.Line, q, doc, ev, mark(r.EvidenceInPrompt), r.PromptTokens)
	}
	t := rep.Totals
	fmt.Fprintf(w, "\n%d questions (%d unanswerable)", t.Questions, t.Unanswerable)
	if rep.Budget > 0 {
		fmt.Fprintf(w, ", budget %d new tokens", rep.Budget)
	}
	fmt.Fprintln(w)
	for _, at := range t.At {
		fmt.Fprintf(w, "  @%-3d doc %s   evidence %s\n", at.K, share(at.Doc), share(at.Evidence))
	}
	fmt.Fprintf(w, "  evidence in what the model reads %s\n", share(t.EvidenceInPrompt))
	fmt.Fprintf(w, "  evidence in the answer from the documents %s\n", share(t.ExtractiveHasEvidence))
	fmt.Fprintf(w, "  prompt tokens p50 %d, p90 %d\n", t.PromptTokensP50, t.PromptTokensP90)
}

// mark is one character of a result: + found, · not found, blank: not asked.
func mark(b *bool) string {
	switch {
	case b == nil:
		return " "
	case *b:
		return "+"
	}
	return "·"
}

func share(r eval.Rate) string {
	if r.Of == 0 {
		return "  -  "
	}
	return fmt.Sprintf("%.2f (%d/%d)", r.Share, r.Hits, r.Of)
}

func (a *App) evalCompare(pa, pb string) int {
	var reps [2]eval.Report
	for i, p := range []string{pa, pb} {
		f, err := openRegular(p)
		if err != nil {
			return a.fail(err)
		}
		err = json.NewDecoder(io.LimitReader(f, 256<<20)).Decode(&reps[i])
		f.Close()
		if err != nil {
			return a.fail(fmt.Errorf("%s is not a report written by `kura eval --json`: %w", p, err))
		}
	}
	for _, row := range eval.Compare(reps[0], reps[1]) {
		fmt.Fprintf(a.Stdout, "%-34s %10s %10s %8s\n", row.Name, row.A, row.B, row.Delta)
	}
	if ch := eval.Changed(reps[0], reps[1]); len(ch) > 0 {
		fmt.Fprintln(a.Stdout, "\nquestions whose evidence in the prompt changed:")
		for _, c := range ch {
			fmt.Fprintf(a.Stdout, "  line %d: %s → %s  %s\n", c.Line, mark(c.A), mark(c.B), truncate(c.Question, 60))
		}
	}
	return ExitOK
}
