package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/corpustest"
	"github.com/kura-app/kura/internal/eval"
)

// evalLibrary indexes three small documents (keyword search: no runtime)
// and writes a questions file whose figures are counted by hand below.
func evalLibrary(t *testing.T) (data, qa string) {
	t.Helper()
	data, docs := t.TempDir(), t.TempDir()
	files := map[string]string{
		"a.txt": "What time is the boat? The ferry to Okushiri leaves at 7:40 every morning.\n\nTickets for the ferry cost 2,800 yen.",
		"b.md":  "# Clinic\n\nThe clinic in Esashi is open on Tuesdays and Fridays.",
		"c.txt": "The Okushiri ferry timetable changes in winter. Ferry service stops in January.",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(docs, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := run(t, "ingest", docs, "--data", data, "--no-embed"); code != ExitOK {
		t.Fatalf("ingest exit %d: %s", code, errs)
	}
	qa = filepath.Join(t.TempDir(), "qa.jsonl")
	lines := []string{
		`{"question": "What time does the ferry leave every morning?", "doc": "a.txt", "evidence": "The ferry to Okushiri leaves at 7:40 every morning."}`,
		`{"question": "Which days is the clinic in Esashi open?", "doc": "b.md", "evidence": "The **clinic** in Esashi is open\non Tuesdays and Fridays.", "note": "emphasis and a line break in the evidence still match"}`,
		``,
		`{"question": "When does the ferry service stop?", "doc": "c.txt", "evidence": "Ferry service stops in January."}`,
		`{"question": "What is the population of Hakodate?", "kind": "unanswerable"}`,
		`{"question": "How much do ferry tickets cost?", "doc": "c.txt", "evidence": "Tickets for the ferry cost 2,800 yen."}`,
	}
	if err := os.WriteFile(qa, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return data, qa
}

func TestEvalCountsWhatASearchFindsAsCountedByHand(t *testing.T) {
	data, qa := evalLibrary(t)
	code, out, errs := run(t, "eval", qa, "--data", data, "--budget", "2000", "--json")
	if code != ExitOK {
		t.Fatalf("eval exit %d: %s", code, errs)
	}
	var rep eval.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	tot := rep.Totals
	if tot.Questions != 5 || tot.Unanswerable != 1 || rep.Budget != 2000 {
		t.Fatalf("questions %d, unanswerable %d, budget %d", tot.Questions, tot.Unanswerable, rep.Budget)
	}
	// By hand: the fifth question expects c.txt, but a.txt holds the tickets
	// and comes first; c.txt (about the ferry too) is second. Every other
	// question's document comes first, and each evidence sentence is in the
	// first passage found and in what the model would read.
	want := map[int][2]eval.Rate{
		1: {{Hits: 3, Of: 4, Share: 0.75}, {Hits: 4, Of: 4, Share: 1}},
		3: {{Hits: 4, Of: 4, Share: 1}, {Hits: 4, Of: 4, Share: 1}},
		5: {{Hits: 4, Of: 4, Share: 1}, {Hits: 4, Of: 4, Share: 1}},
	}
	for _, at := range tot.At {
		w, ok := want[at.K]
		if !ok {
			continue
		}
		if at.Doc != w[0] || at.Evidence != w[1] {
			t.Errorf("@%d: doc %+v evidence %+v, want %+v %+v", at.K, at.Doc, at.Evidence, w[0], w[1])
		}
		delete(want, at.K)
	}
	if len(want) > 0 {
		t.Errorf("cut-offs missing from %+v", tot.At)
	}
	if tot.EvidenceInPrompt != (eval.Rate{Hits: 4, Of: 4, Share: 1}) {
		t.Errorf("evidence in prompt %+v, want 4 of 4", tot.EvidenceInPrompt)
	}
	if tot.PromptTokensP50 <= 0 {
		t.Errorf("prompt tokens p50 %d", tot.PromptTokensP50)
	}
	un := rep.Results[3]
	if un.Kind != eval.Unanswerable || un.EvidenceInPrompt != nil || un.At[0].Doc != nil {
		t.Errorf("the unanswerable question was scored: %+v", un)
	}
	if rep.Results[4].Found != "a.txt" || rep.Results[1].Line != 2 || rep.Results[2].Line != 4 {
		t.Errorf("lines and first files: %+v", rep.Results)
	}

	// Reproducible: a second run prints the same bytes.
	if _, again, _ := run(t, "eval", qa, "--data", data, "--budget", "2000", "--json"); again != out {
		t.Fatalf("a second run differs:\n%s\n---\n%s", out, again)
	}

	// A tight budget keeps fewer quotes; --compare shows both side by side.
	_, tight, _ := run(t, "eval", qa, "--data", data, "--budget", "20", "--json")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	os.WriteFile(a, []byte(out), 0o644)
	os.WriteFile(b, []byte(tight), 0o644)
	code, cmp, errs := run(t, "eval", "--compare", a, b)
	if code != ExitOK {
		t.Fatalf("compare exit %d: %s", code, errs)
	}
	for _, s := range []string{"doc@1", "evidence@5", "evidence in prompt", "prompt tokens p50", "budget (new tokens)"} {
		if !strings.Contains(cmp, s) {
			t.Errorf("--compare has no %q row:\n%s", s, cmp)
		}
	}

	// The table on a terminal names the totals.
	_, table, _ := run(t, "eval", qa, "--data", data, "--budget", "2000")
	if !strings.Contains(table, "5 questions (1 unanswerable)") || !strings.Contains(table, "0.75 (3/4)") {
		t.Errorf("table:\n%s", table)
	}
}

func TestEvalRefusesABadQuestionsFileByLine(t *testing.T) {
	data, _ := evalLibrary(t)
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte("{\"question\": \"ok?\"}\n{\"doc\": \"a.txt\"}\n"), 0o644)
	code, _, errs := run(t, "eval", bad, "--data", data)
	if code == ExitOK || !strings.Contains(errs, "line 2") || !strings.Contains(errs, "question") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// TestTheExampleQuestionsFileMeasuresTheCorpus runs the shipped example
// file over the corpus' text renderings on keywords alone (no runtime), as
// docs/EVAL.md shows, and checks that the figures are the ones a search
// that finds most evidence gives.
func TestTheExampleQuestionsFileMeasuresTheCorpus(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := run(t, "ingest", corpustest.Path(t, "text"), "--data", data, "--no-embed"); code != ExitOK {
		t.Fatalf("ingest exit %d: %s", code, errs)
	}
	qa := filepath.Join("..", "..", "docs", "examples", "corpus-questions.jsonl")
	for _, budget := range []string{"200", "680"} {
		code, out, errs := run(t, "eval", qa, "--data", data, "--budget", budget, "--json")
		if code != ExitOK {
			t.Fatalf("eval exit %d: %s", code, errs)
		}
		var rep eval.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		tot := rep.Totals
		var line []string
		for _, at := range tot.At {
			line = append(line, fmt.Sprintf("doc@%d %.2f evidence@%d %.2f", at.K, at.Doc.Share, at.K, at.Evidence.Share))
		}
		t.Logf("budget %s: %s; evidence in prompt %.2f (%d/%d); prompt p50 %d; answer from the documents %.2f (%d/%d)", budget, strings.Join(line, ", "),
			tot.EvidenceInPrompt.Share, tot.EvidenceInPrompt.Hits, tot.EvidenceInPrompt.Of, tot.PromptTokensP50,
			tot.ExtractiveHasEvidence.Share, tot.ExtractiveHasEvidence.Hits, tot.ExtractiveHasEvidence.Of)
		if tot.Questions != 40 || tot.Unanswerable != 4 || tot.At[0].Evidence.Of != 36 {
			t.Fatalf("questions %d, unanswerable %d, with evidence %d", tot.Questions, tot.Unanswerable, tot.At[0].Evidence.Of)
		}
		if at5 := tot.At[2]; at5.K != 5 || at5.Evidence.Share < 0.75 {
			t.Errorf("evidence@5 = %+v: the search lost evidence it finds", at5)
		}
	}
}
