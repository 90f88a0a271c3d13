package answer

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
)

func passage(path, text string) retrieve.Passage {
	return retrieve.Passage{Chunk: store.Chunk{Path: path, Page: 1, Text: text}}
}

func TestBuildKeepsWholePassagesInRankOrderAndDropsTheRest(t *testing.T) {
	var ps []retrieve.Passage
	for i := range 10 {
		ps = append(ps, passage("/d.txt", strings.Repeat(string(rune('a'+i)), 400)))
	}
	b := NewBudget(2048, 1, Options{MaxContext: 8192, AnswerTokens: 256})
	msgs, srcs, dropped, err := Build("What?", ps, nil, b, Options{AnswerTokens: 256})
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) == 0 || dropped == 0 || len(srcs)+dropped != len(ps) {
		t.Fatalf("kept %d, dropped %d of %d: want some of each", len(srcs), dropped, len(ps))
	}
	user := msgs[len(msgs)-1].Content
	for i, s := range srcs {
		if s.N != i+1 || s.Text != ps[i].Text {
			t.Fatalf("source %d is not passage %d in rank order", s.N, i+1)
		}
		if !strings.Contains(user, ps[i].Text) {
			t.Fatalf("passage %d is not whole in the prompt", i+1)
		}
	}
	for _, p := range ps[len(srcs):] {
		if strings.Contains(user, p.Text[:50]) {
			t.Fatal("a dropped passage is (partly) in the prompt")
		}
	}
	total := 0
	for _, m := range msgs {
		total += b.Estimate(m.Content)
	}
	if total+256 > b.NumCtx {
		t.Fatalf("prompt estimate %d + answer reserve exceeds num_ctx %d", total, b.NumCtx)
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
			if got := NewBudget(tt.model, 1, Options{MaxContext: tt.max}).NumCtx; got != tt.at {
				t.Fatalf("NumCtx = %d, want %d", got, tt.at)
			}
		})
	}
}

func TestHistoryIsTrimmedFromTheOldestTurn(t *testing.T) {
	hist := []Turn{{"old question", strings.Repeat("x", 3000)}, {"recent question", "recent answer"}}
	b := NewBudget(2048, 1, Options{})
	msgs, _, _, err := Build("now?", []retrieve.Passage{passage("/a", "text")}, hist, b, Options{AnswerTokens: 256})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, m := range msgs {
		all = append(all, m.Content)
	}
	joined := strings.Join(all, "\n")
	if strings.Contains(joined, "old question") || !strings.Contains(joined, "recent question") {
		t.Fatalf("history kept the wrong turns: %d messages", len(msgs))
	}
	if msgs[0].Role != "system" || msgs[len(msgs)-1].Role != "user" {
		t.Fatal("the system prompt must come first and the question last")
	}
}

func TestCitations(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []int
	}{
		{"single citations in order of appearance", "A [2]. B [1]. C [2].", []int{2, 1}},
		{"a list inside one bracket", "Both [1, 3].", []int{1, 3}},
		{"Japanese comma lists", "両方です[1、2]。", []int{1, 2}},
		{"adjacent brackets", "See [1][2].", []int{1, 2}},
		{"no citations", "Nothing here [a].", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Citations(tt.text); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Citations(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
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

func TestCalibrateLearnsFromTheServerButStaysSafe(t *testing.T) {
	if got := Calibrate(1, 300, 1000); got < 0.37 || got > 0.38 {
		t.Fatalf("first calibration = %.3f, want 0.3 × 1.25", got)
	}
	if got := Calibrate(0.5, 10, 1000); got != 0.45 {
		t.Fatalf("a sudden low reading = %.3f, want at most a 10%% step down", got)
	}
	if got := Calibrate(0.2, 900, 1000); got != 1 {
		t.Fatalf("a high reading = %.3f, want capped at 1", got)
	}
	if got := Calibrate(0.4, 0, 0); got != 0.4 {
		t.Fatalf("no reading = %.3f, want unchanged", got)
	}
}

// chatFunc injects runtime behaviour, including faults.
type chatFunc func(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error)

func (f chatFunc) Chat(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error) {
	return f(ctx, req, onToken)
}

func TestAskWithNoPassagesSaysSoWithoutCallingTheModel(t *testing.T) {
	called := false
	chat := chatFunc(func(context.Context, llm.ChatRequest, func(string) error) (llm.ChatStats, error) {
		called = true
		return llm.ChatStats{}, nil
	})
	var got strings.Builder
	ans, err := Ask(context.Background(), chat, "m", "誤差は？", nil, nil, NewBudget(2048, 1, Options{}), Options{}, func(s string) error { got.WriteString(s); return nil })
	if err != nil || called || !ans.NoPassages || !strings.Contains(got.String(), "文書") {
		t.Fatalf("answer %+v, err %v, model called %v", ans, err, called)
	}
}

func TestAskRetriesAtTheSafeBoundWhenThePromptIsTooLong(t *testing.T) {
	var ctxs []int
	var sizes []int
	chat := chatFunc(func(_ context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error) {
		ctxs = append(ctxs, req.NumCtx)
		sizes = append(sizes, len(req.Messages[len(req.Messages)-1].Content))
		if len(ctxs) == 1 {
			return llm.ChatStats{}, llm.ErrInputTooLong
		}
		onToken("Yes [1].")
		return llm.ChatStats{PromptTokens: 100}, nil
	})
	var ps []retrieve.Passage
	for range 8 {
		ps = append(ps, passage("/a", strings.Repeat("word ", 100)))
	}
	ans, err := Ask(context.Background(), chat, "m", "q?", ps, nil, NewBudget(4096, 0.2, Options{}), Options{AnswerTokens: 256}, func(string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(ctxs) != 2 || sizes[1] >= sizes[0] {
		t.Fatalf("calls %d, prompt sizes %v: want a retry with fewer passages", len(ctxs), sizes)
	}
	if !ans.Sources[0].Cited || ans.Sources[1].Cited {
		t.Fatalf("citation marks: %+v", ans.Sources[:2])
	}
}

func TestAskReturnsThePartialAnswerWhenStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	chat := chatFunc(func(ctx context.Context, _ llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error) {
		onToken("partial")
		cancel()
		return llm.ChatStats{}, ctx.Err()
	})
	ans, err := Ask(ctx, chat, "m", "q", []retrieve.Passage{passage("/a", "t")}, nil, NewBudget(2048, 1, Options{}), Options{}, func(string) error { return nil })
	if !errors.Is(err, context.Canceled) || ans.Text != "partial" {
		t.Fatalf("answer %q, err %v", ans.Text, err)
	}
}
