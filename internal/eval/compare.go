package eval

import (
	"fmt"
	"slices"
)

// Row is one line of a comparison of two runs.
type Row struct {
	Name, A, B, Delta string
}

// Compare lists the totals of two runs side by side: the cut-offs both have,
// evidence in the prompt and prompt sizes, with B − A.
func Compare(a, b Report) []Row {
	rows := []Row{{Name: "questions", A: fmt.Sprint(a.Totals.Questions), B: fmt.Sprint(b.Totals.Questions)}}
	rate := func(name string, x, y Rate) {
		r := Row{Name: name, A: "-", B: "-"}
		if x.Of > 0 {
			r.A = fmt.Sprintf("%.3f", x.Share)
		}
		if y.Of > 0 {
			r.B = fmt.Sprintf("%.3f", y.Share)
		}
		if x.Of > 0 && y.Of > 0 {
			r.Delta = fmt.Sprintf("%+.3f", y.Share-x.Share)
		}
		rows = append(rows, r)
	}
	for _, ta := range a.Totals.At {
		i := slices.IndexFunc(b.Totals.At, func(t TotalAt) bool { return t.K == ta.K })
		if i < 0 {
			continue
		}
		tb := b.Totals.At[i]
		rate(fmt.Sprintf("doc@%d", ta.K), ta.Doc, tb.Doc)
		rate(fmt.Sprintf("evidence@%d", ta.K), ta.Evidence, tb.Evidence)
	}
	rate("evidence in prompt", a.Totals.EvidenceInPrompt, b.Totals.EvidenceInPrompt)
	rate("answer from the documents", a.Totals.ExtractiveHasEvidence, b.Totals.ExtractiveHasEvidence)
	tokens := func(name string, x, y int) {
		rows = append(rows, Row{Name: name, A: fmt.Sprint(x), B: fmt.Sprint(y), Delta: fmt.Sprintf("%+d", y-x)})
	}
	tokens("prompt tokens p50", a.Totals.PromptTokensP50, b.Totals.PromptTokensP50)
	tokens("prompt tokens p90", a.Totals.PromptTokensP90, b.Totals.PromptTokensP90)
	rows = append(rows, Row{Name: "budget (new tokens)", A: budgetText(a.Budget), B: budgetText(b.Budget)})
	return rows
}

func budgetText(b int) string {
	if b <= 0 {
		return "measured"
	}
	return fmt.Sprint(b)
}

// Change is a question whose evidence-in-prompt differs between two runs.
type Change struct {
	Line     int
	Question string
	A, B     *bool
}

// Changed lists the questions (matched by line and text) whose evidence in
// the prompt differs between a and b.
func Changed(a, b Report) []Change {
	type key struct {
		line int
		q    string
	}
	byKey := map[key]Result{}
	for _, r := range b.Results {
		byKey[key{r.Line, r.Question}] = r
	}
	var out []Change
	for _, ra := range a.Results {
		rb, ok := byKey[key{ra.Line, ra.Question}]
		if !ok || same(ra.EvidenceInPrompt, rb.EvidenceInPrompt) {
			continue
		}
		out = append(out, Change{Line: ra.Line, Question: ra.Question, A: ra.EvidenceInPrompt, B: rb.EvidenceInPrompt})
	}
	return out
}

func same(x, y *bool) bool {
	return (x == nil) == (y == nil) && (x == nil || *x == *y)
}
