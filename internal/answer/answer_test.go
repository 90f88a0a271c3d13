package answer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
)

// passage is a retrieved passage at offset start of page 1 of path.
func passage(path string, start int, text string) retrieve.Passage {
	n := len([]rune(text))
	return retrieve.Passage{Chunk: store.Chunk{Path: path, Page: 1, Start: start, End: start + n, Text: text}}
}

// prose is a passage of n sentences, the i-th naming topic i; match adds the
// question's words to sentence k.
func prose(n, k int, match string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "第%d節では別の話題を詳しく述べている。", i)
		if i == k {
			b.WriteString(match)
		}
	}
	return b.String()
}

func TestQuotesAreTheMatchingSentencesWithExactOffsets(t *testing.T) {
	text := prose(60, 37, "回答者数は三百二十名であった。")
	p := passage("/docs/survey.pdf", 500, text)
	got, err := Prepare("回答者数は何人ですか", []retrieve.Passage{p}, nil, nil, NewBudget(8192, 0, Options{}), Options{FreshTokens: 400})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Sources) != 1 {
		t.Fatalf("sources = %+v, want the one passage", got.Sources)
	}
	s := got.Sources[0]
	if !strings.Contains(s.Text, "回答者数は三百二十名であった。") {
		t.Fatalf("quote %q does not hold the matching sentence", s.Text)
	}
	if len([]rune(s.Text)) >= len([]rune(text)) {
		t.Fatalf("the whole passage was sent (%d characters) instead of a quote", len([]rune(s.Text)))
	}
	// The quote is exactly that span of the page: offsets are the
	// passage's plus the quote's place in it.
	at := strings.Index(text, s.Text)
	if at < 0 || s.Start != 500+len([]rune(text[:at])) || s.End != s.Start+len([]rune(s.Text)) {
		t.Fatalf("quote at %d-%d does not match its place in the page", s.Start, s.End)
	}
	if s.PassageStart != 500 || s.PassageEnd != 500+len([]rune(text)) {
		t.Fatalf("passage offsets %d-%d, want the whole passage's", s.PassageStart, s.PassageEnd)
	}
	if !strings.Contains(got.Messages[len(got.Messages)-1].Content, s.Text) {
		t.Fatal("the quote is not in the prompt")
	}
}

func TestTheTimeBudgetBoundsTheFreshTokensAndGrowsQuotesWhenThereIsRoom(t *testing.T) {
	var ps []retrieve.Passage
	for i := range 6 {
		ps = append(ps, passage(fmt.Sprintf("/d%d.txt", i), 0, prose(20, 10, "誤差範囲は三パーセントである。")))
	}
	preloaded := []llm.Message{{Role: "system", Content: SystemPrompt()}}
	small, err := Prepare("誤差範囲は", ps, nil, preloaded, NewBudget(8192, 0, Options{}), Options{FreshTokens: 250})
	if err != nil {
		t.Fatal(err)
	}
	large, err := Prepare("誤差範囲は", ps, nil, preloaded, NewBudget(8192, 0, Options{}), Options{FreshTokens: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if small.FreshTokens > 250 || large.FreshTokens > 2000 {
		t.Fatalf("fresh tokens %d and %d exceed their budgets 250 and 2000", small.FreshTokens, large.FreshTokens)
	}
	if len(large.Sources) <= len(small.Sources) && quoted(large) <= quoted(small) {
		t.Fatalf("a larger budget quoted no more: %d sources (%d chars) vs %d (%d chars)", len(large.Sources), quoted(large), len(small.Sources), quoted(small))
	}
	if small.Dropped+len(small.Sources) != len(ps) {
		t.Fatalf("dropped %d + sent %d != %d found", small.Dropped, len(small.Sources), len(ps))
	}
	for i, s := range small.Sources {
		if s.N != i+1 || s.Path != ps[i].Path {
			t.Fatalf("source %d is %s, want the passages in rank order", s.N, s.Path)
		}
	}
}

func quoted(p Prepared) int {
	n := 0
	for _, s := range p.Sources {
		n += len([]rune(s.Text))
	}
	return n
}

func TestOnePassageIsSentEvenWhenTheTimeBudgetIsTiny(t *testing.T) {
	p := passage("/a.txt", 0, prose(5, 2, "答えはここにある。"))
	got, err := Prepare("答えは", []retrieve.Passage{p}, nil, nil, NewBudget(8192, 0, Options{}), Options{FreshTokens: 1})
	if err != nil || len(got.Sources) != 1 {
		t.Fatalf("sources %+v, %v; want one quote against the time budget", got.Sources, err)
	}
}

func TestATinyTimeBudgetStillSendsTheBestSentenceOfEachTopPassage(t *testing.T) {
	// Issue 20: a busy machine's budget left one or two of six passages,
	// once without the one holding the answer (the third here).
	var ps []retrieve.Passage
	answers := []string{"誤差範囲は三パーセントである。", "誤差範囲は標本で変わる。", "誤差範囲の答えは第三の文書にある。"}
	for i := range 6 {
		match := ""
		if i < len(answers) {
			match = answers[i]
		}
		ps = append(ps, passage(fmt.Sprintf("/d%d.txt", i), 0, prose(20, 10, match)))
	}
	preloaded := []llm.Message{{Role: "system", Content: SystemPrompt()}}
	got, err := Prepare("誤差範囲は", ps, nil, preloaded, NewBudget(8192, 0, Options{}), Options{FreshTokens: 40})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Sources) < EvidenceFloor {
		t.Fatalf("%d quotes sent, want at least the best sentence of the top %d passages", len(got.Sources), EvidenceFloor)
	}
	for i := range EvidenceFloor {
		if got.Sources[i].Path != ps[i].Path || !strings.Contains(got.Sources[i].Text, answers[i]) {
			t.Fatalf("quote %d is %q from %s, want the best sentence of %s", i+1, got.Sources[i].Text, got.Sources[i].Path, ps[i].Path)
		}
	}
	// The floor is the best sentences, not grown quotes.
	for _, s := range got.Sources {
		if n := len(chunk.Sentences(s.Text, quoteMax)); n != 1 {
			t.Fatalf("quote %q has %d sentences past the time budget, want 1", s.Text, n)
		}
	}
}

func TestNotEvenOnePassageFitsTheContextSaysSo(t *testing.T) {
	p := passage("/a.txt", 0, strings.Repeat("長", 3000))
	_, err := Prepare("長?", []retrieve.Passage{p}, nil, nil, NewBudget(300, 0, Options{}), Options{})
	if err == nil || !strings.Contains(err.Error(), "not even one passage") {
		t.Fatalf("err = %v, want 'not even one passage fits'", err)
	}
}

func TestNumCtxFollowsTheModelCappedByMaxContext(t *testing.T) {
	tests := []struct {
		name           string
		model, max, at int
	}{
		{"a model with a small context uses all of it", 2048, 8192, 2048},
		{"a large model is capped to bound memory", 131072, 8192, 8192},
		{"a model that does not say gets the cap", 0, 4096, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NewBudget(tt.model, 0, Options{MaxContext: tt.max}).NumCtx; got != tt.at {
				t.Fatalf("NumCtx = %d, want %d", got, tt.at)
			}
		})
	}
}

// A conversation's earlier turns are sent exactly as before, so the
// runtime's cache holds them and a follow-up costs only its own tokens.
func TestAFollowUpReusesTheCachedConversation(t *testing.T) {
	b := NewBudget(8192, 0, Options{})
	o := Options{FreshTokens: 300} // the earlier question alone is more than half of it
	ps := []retrieve.Passage{passage("/a.txt", 0, prose(6, 2, "調査は二〇二三年に行われた。"))}
	first, err := Prepare("調査はいつ行われましたか", ps, nil, []llm.Message{{Role: "system", Content: SystemPrompt()}}, b, o)
	if err != nil {
		t.Fatal(err)
	}
	if first.FreshTokens >= first.PromptTokens {
		t.Fatalf("first question: fresh %d of %d tokens; want the preloaded system prompt counted as cached", first.FreshTokens, first.PromptTokens)
	}
	// The runtime's cache holds the prompt it read; the answer it wrote is
	// held as its own tokens, which the answer's text may not give back, so
	// the library counts only the prompt as cached (Library.remember).
	cached := first.Messages
	hist := []Turn{{Question: "調査はいつ行われましたか", Answer: "二〇二三年です[1]。", Sources: first.Sources}}
	ps2 := []retrieve.Passage{passage("/b.txt", 0, prose(6, 3, "回答者は三百名であった。"))}
	second, err := Prepare("回答者は何人でしたか", ps2, hist, cached, b, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range cached {
		if second.Messages[i] != m {
			t.Fatalf("message %d of the follow-up differs from what the runtime read: the cache would not be reused", i)
		}
	}
	own := b.Tokens.Count(second.Messages[len(second.Messages)-1].Content)
	ans := b.Tokens.Count(hist[0].Answer)
	if second.History != 1 || second.FreshTokens < own+ans || second.FreshTokens > own+ans+16 {
		t.Fatalf("follow-up: history %d turns, fresh tokens %d; want the earlier turn kept and only the earlier answer (%d) and its own message (%d) fresh",
			second.History, second.FreshTokens, ans, own)
	}
	// Another conversation's turns are not in the cache: they count.
	other, _ := Prepare("回答者は何人でしたか", ps2, hist, nil, b, o)
	if other.FreshTokens <= own {
		t.Fatalf("uncached history counted %d fresh tokens, want more than the question's %d", other.FreshTokens, own)
	}
}

func TestHistoryIsDroppedFromTheOldestTurnWhenItDoesNotFit(t *testing.T) {
	hist := []Turn{{Question: "old question", Answer: strings.Repeat("x", 3000)}, {Question: "recent question", Answer: "recent answer"}}
	got, err := Prepare("now?", []retrieve.Passage{passage("/a", 0, "text.")}, hist, nil, NewBudget(2048, 0, Options{}), Options{AnswerTokens: 256})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, m := range got.Messages {
		all = append(all, m.Content)
	}
	joined := strings.Join(all, "\n")
	if strings.Contains(joined, "old question") || !strings.Contains(joined, "recent question") || got.History != 1 {
		t.Fatalf("history kept the wrong turns (%d): %q", got.History, joined)
	}
	if got.Messages[0].Role != "system" || got.Messages[len(got.Messages)-1].Role != "user" {
		t.Fatal("the system prompt must come first and the question last")
	}
}

func TestTheSystemPromptIsTheSameInEveryLanguage(t *testing.T) {
	b := NewBudget(8192, 0, Options{})
	ps := []retrieve.Passage{passage("/a", 0, "Text.")}
	var sys []string
	for _, q := range []string{"What?", "何ですか", "무엇입니까"} {
		p, err := Prepare(q, ps, nil, nil, b, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sys = append(sys, p.Messages[0].Content)
		if !strings.Contains(p.Messages[len(p.Messages)-1].Content, "Answer in "+Language(q)) {
			t.Fatalf("%q: the user message does not ask for %s", q, Language(q))
		}
	}
	if sys[0] != sys[1] || sys[1] != sys[2] {
		t.Fatal("the system prompt changes with the question's language: the runtime's cache would miss")
	}
}

func TestLanguageFollowsTheQuestion(t *testing.T) {
	for q, want := range map[string]string{
		"What is the margin of error?": "English",
		"誤差範囲はどのくらいですか":                "Japanese",
		"오픈소스 모델의 장점은 무엇인가요?":          "Korean",
		"GPT-4とLlamaの違いは？":             "Japanese",
		"生成AI":                         "Japanese",
	} {
		if got := Language(q); got != want {
			t.Errorf("Language(%q) = %s, want %s", q, got, want)
		}
	}
}

func TestCalibrateLearnsTheScaleFromTheServer(t *testing.T) {
	if got := Calibrate(0, 300, 1000); got < 0.299 || got > 0.301 {
		t.Fatalf("first calibration = %.3f, want the observed 0.3", got)
	}
	if got := Calibrate(0.5, 100, 100); got != 0.5 {
		t.Fatalf("a reading matching the estimate = %.3f, want unchanged", got)
	}
	if got := Calibrate(0.5, 200, 100); got < 0.66 || got > 0.67 {
		t.Fatalf("a reading twice the estimate = %.3f, want a third of the way to 1.0", got)
	}
	if got := Calibrate(0.4, 0, 0); got != 0.4 {
		t.Fatalf("no reading = %.3f, want unchanged", got)
	}
	if got := Calibrate(4, 1000, 10); got != 5 {
		t.Fatalf("a wild reading = %.3f, want capped at 5", got)
	}
}

func TestTheEstimateKnowsScripts(t *testing.T) {
	e := Estimator{}
	ja, en := e.Count("生成AIの誤差について"), e.Count("about the margin of error")
	if ja < 8 || ja > 14 {
		t.Errorf("Japanese estimate %d, want about one token a character", ja)
	}
	if en < 5 || en > 12 {
		t.Errorf("English estimate %d, want about one token a word", en)
	}
	if got := (Estimator{Scale: 2}).Count("生成AI"); got < 2*e.Count("生成AI")-2 {
		t.Errorf("scale 2 gives %d, want about twice %d", got, e.Count("生成AI"))
	}
}

func TestPrefillRateAndBudget(t *testing.T) {
	if got := PrefillRate(0, 200, 10*time.Second); got != 20 {
		t.Fatalf("first reading = %.1f tok/s, want 20", got)
	}
	if got := PrefillRate(20, 10, time.Second); got != 20 {
		t.Fatalf("a tiny reading moved the rate to %.1f", got)
	}
	if got := PrefillRate(20, 400, 10*time.Second); got < 26.6 || got > 26.7 {
		t.Fatalf("a faster reading = %.2f, want a third of the way to 40", got)
	}
	if got := FreshBudget(20, 15*time.Second); got != 255 {
		t.Fatalf("budget = %d, want 20 tok/s x 15 s x 0.85", got)
	}
	if got := FreshBudget(1, 15*time.Second); got != 200 {
		t.Fatalf("budget on a very slow machine = %d, want the floor of 200", got)
	}
}

func TestTheWaitCountsTheModelsLoadAndTheMachinesCurrentSpeed(t *testing.T) {
	target := 20 * time.Second
	idle := Speed{Rate: 20, Share: 1, Loaded: true, Load: 30 * time.Second}
	if w := idle.Expect(340, target); w.Load != 0 || w.Read != 17*time.Second || w.Over() {
		t.Fatalf("loaded, idle: %+v, want 17 s of reading within the target", w)
	}
	if got := idle.Budget(300, target); got != FreshBudget(20, target) {
		t.Fatalf("loaded, idle budget = %d, want %d", got, FreshBudget(20, target))
	}
	// Two cores and a load of two: half the speed, twice the wait.
	busy := idle
	busy.Share = Share(2, 2)
	if busy.Share != 0.5 {
		t.Fatalf("Share(2 cores, load 2) = %.2f, want 0.5", busy.Share)
	}
	if w := busy.Expect(340, target); w.Read != 34*time.Second || !w.Over() {
		t.Fatalf("busy: %+v, want 34 s, over the target", w)
	}
	if got := busy.Budget(300, target); got != FreshBudget(10, target) {
		t.Fatalf("busy budget = %d, want that of 10 tokens/s", got)
	}
	// Not loaded: the load, and the system prompt into an empty cache.
	cold := idle
	cold.Loaded = false
	cold.Load = 5 * time.Second
	w := cold.Expect(200, target)
	if w.Load != 5*time.Second || w.Read != 10*time.Second || w.Total() != 15*time.Second {
		t.Fatalf("cold: %+v, want 5 s of loading and 10 s of reading", w)
	}
	if got, want := cold.Budget(100, target), FreshBudget(20, 10*time.Second); got != want {
		t.Fatalf("cold budget = %d, want %d (the target less the load and the system prompt)", got, want)
	}
	// A load longer than the target: the budget of a fifth, and a wait
	// that says it is over.
	cold.Load = 45 * time.Second
	if got, want := cold.Budget(100, target), FreshBudget(20, 4*time.Second); got != want {
		t.Fatalf("slow load budget = %d, want %d", got, want)
	}
	if w := cold.Expect(200, target); !w.Over() || w.Total() < 45*time.Second {
		t.Fatalf("slow load: %+v, want over the target by the load", w)
	}
	if got := LoadTime(0, 8*time.Second, 1); got != 8*time.Second {
		t.Fatalf("first load = %v", got)
	}
	if got := LoadTime(8*time.Second, 20*time.Millisecond, 1); got != 8*time.Second {
		t.Fatalf("an already loaded model moved the load time to %v", got)
	}
	if got := LoadTime(8*time.Second, 11*time.Second, 1); got != 9*time.Second {
		t.Fatalf("second load = %v, want a third of the way", got)
	}
	// A load of 300 ms on a machine giving a third of its speed: 100 ms
	// idle, kept (the runtime did load it).
	if got := LoadTime(0, 300*time.Millisecond, 1.0/3); got != 100*time.Millisecond {
		t.Fatalf("a busy load = %v, want the idle machine's 100 ms", got)
	}
}

// chatFunc injects runtime behaviour, including faults.
type chatFunc func(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error)

func (f chatFunc) Chat(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error) {
	return f(ctx, req, onToken)
}

func TestNoPassagesSaysSoInTheQuestionsLanguage(t *testing.T) {
	if a := NoPassages("誤差は？"); !a.NoPassages || !strings.Contains(a.Text, "文書") {
		t.Fatalf("answer %+v", a)
	}
}

func TestAskMarksCitedSourcesAndMeasuresTheFirstToken(t *testing.T) {
	var sent llm.ChatRequest
	chat := chatFunc(func(_ context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error) {
		sent = req
		onToken("Yes [1].")
		return llm.ChatStats{PromptTokens: 100, PromptDuration: time.Second}, nil
	})
	ps := []retrieve.Passage{passage("/a", 0, "One."), passage("/b", 0, "Two.")}
	p, err := Prepare("q?", ps, nil, nil, NewBudget(4096, 0, Options{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.Model = "m"
	ans, err := Ask(context.Background(), chat, p, Options{KeepAlive: time.Minute}, func(string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sent.Model != "m" || sent.NumCtx != p.NumCtx || sent.KeepAlive != time.Minute {
		t.Fatalf("request %+v", sent)
	}
	if !ans.Sources[0].Cited || ans.Sources[1].Cited || ans.PromptTokens != 100 || ans.FirstToken <= 0 {
		t.Fatalf("answer %+v", ans)
	}
}

func TestAskReturnsThePartialAnswerWhenStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	chat := chatFunc(func(ctx context.Context, _ llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error) {
		onToken("partial")
		cancel()
		return llm.ChatStats{}, ctx.Err()
	})
	p, _ := Prepare("q", []retrieve.Passage{passage("/a", 0, "t")}, nil, nil, NewBudget(2048, 0, Options{}), Options{})
	ans, err := Ask(ctx, chat, p, Options{}, func(string) error { return nil })
	if !errors.Is(err, context.Canceled) || ans.Text != "partial" {
		t.Fatalf("answer %q, err %v", ans.Text, err)
	}
}

func FuzzQuoteOffsetsStayInsideThePassage(f *testing.F) {
	f.Add("生成AIの誤差について。次の文。", "誤差", 3, 200)
	f.Add("No stops at all in this text", "stops", 0, 10)
	f.Add("", "x", 0, 0)
	f.Fuzz(func(t *testing.T, text, q string, start, fresh int) {
		if start < 0 || start > 1e6 {
			return
		}
		p := passage("/f", start, text)
		got, err := Prepare(q, []retrieve.Passage{p}, nil, nil, NewBudget(8192, 0, Options{}), Options{FreshTokens: fresh})
		if err != nil {
			return
		}
		runes := []rune(text)
		for _, s := range got.Sources {
			if s.Start < p.Start || s.End > p.End || s.Start > s.End {
				t.Fatalf("quote %d-%d outside the passage %d-%d", s.Start, s.End, p.Start, p.End)
			}
			if string(runes[s.Start-start:s.End-start]) != s.Text {
				t.Fatalf("quote text %q is not the page's span", s.Text)
			}
		}
	})
}
