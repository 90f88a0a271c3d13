package answer

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
)

// loopingModel writes first, then unit over and over until its stream is
// stopped (a fault: a model caught in a loop), or until max tokens.
func loopingModel(first, unit string, max int, sent *llm.ChatRequest) chatFunc {
	return chatFunc(func(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error) {
		*sent = req
		if err := onToken(first); err != nil {
			return llm.ChatStats{}, err
		}
		for n := 1; n < max; n++ {
			if err := ctx.Err(); err != nil {
				return llm.ChatStats{}, err
			}
			if err := onToken(unit); err != nil {
				return llm.ChatStats{}, err
			}
		}
		return llm.ChatStats{OutputTokens: max, DoneReason: "length"}, nil
	})
}

func TestALoopingAnswerIsStoppedWithANote(t *testing.T) {
	for _, tc := range []struct{ name, question, first, unit, note string }{
		{"a sentence repeated", "What is the margin?", "The margin is ±4.7% [1]. ", "The survey had 316 respondents [1]. ", "kept repeating itself"},
		{"a syllable repeated", "誤差は？", "誤差は±4.7%です[1]。", "です", "繰り返した"},
		{"a Korean phrase repeated", "오차는?", "오차는 ±4.7%입니다 [1]. ", "오차 범위 ", "반복해서"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sent llm.ChatRequest
			p, err := Prepare(tc.question, []retrieve.Passage{passage("/a", 0, "The margin is ±4.7%.")}, nil, nil, NewBudget(4096, 0, Options{}), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var streamed strings.Builder
			const forever = 1_000_000 // Stop would be the only way out before
			ans, err := Ask(context.Background(), loopingModel(tc.first, tc.unit, forever, &sent), p, Options{}, func(s string) error {
				streamed.WriteString(s)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if ans.Cut != CutLoop || !strings.Contains(ans.Text, tc.note) || streamed.String() != ans.Text {
				t.Fatalf("cut %q, answer (%d bytes) ends %q; want a loop note, streamed as saved", ans.Cut, len(ans.Text), tail(ans.Text))
			}
			if n := strings.Count(ans.Text, tc.unit); n > 3*loopRepeats*(1+loopWindow/len([]rune(tc.unit))) {
				t.Fatalf("the loop ran %d times before it was caught", n)
			}
			if !ans.Sources[0].Cited {
				t.Fatal("a stopped answer still cites its sources")
			}
		})
	}
}

func TestAnAnswerIsCappedAtTheSettingAndSaysSo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		o     Options
		limit int
	}{
		{"by default", Options{}, 1024},
		{"from the setting", Options{AnswerTokens: 300}, 300},
		{"below it by a benchmark", Options{AnswerTokens: 300, NumPredict: 16}, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sent llm.ChatRequest
			// A model that writes varied text until the runtime's cap.
			chat := chatFunc(func(ctx context.Context, req llm.ChatRequest, onToken func(string) error) (llm.ChatStats, error) {
				sent = req
				for i := range req.NumPredict {
					onToken(strings.Repeat("x", i%7+1) + " ")
				}
				return llm.ChatStats{OutputTokens: req.NumPredict, DoneReason: "length"}, nil
			})
			p, _ := Prepare("What is it?", []retrieve.Passage{passage("/a", 0, "t")}, nil, nil, NewBudget(4096, 0, Options{}), Options{})
			ans, err := Ask(context.Background(), chat, p, tc.o, func(string) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if sent.NumPredict != tc.limit {
				t.Fatalf("num_predict %d, want %d", sent.NumPredict, tc.limit)
			}
			if tc.o.NumPredict == 0 && (ans.Cut != CutLength || !strings.HasSuffix(ans.Text, "length limit of "+itoa(tc.limit)+" tokens.)")) {
				t.Fatalf("cut %q, answer ends %q; want the length note", ans.Cut, tail(ans.Text))
			}
		})
	}
}

func TestLoopingTellsLoopsFromRepetitiveAnswers(t *testing.T) {
	var table strings.Builder
	table.WriteString("| Item | Mentioned |\n|---|---|\n")
	for i := range 30 {
		table.WriteString("| item " + itoa(i) + " | not mentioned in the sources |\n")
	}
	var list strings.Builder
	for i := range 30 {
		list.WriteString("- The report says that figure " + itoa(i) + " is from 2024 [1].\n")
	}
	for text, want := range map[string]bool{
		strings.Repeat("The survey had 316 respondents. ", 25): true,
		"誤差は" + strings.Repeat("です", 300):                      true,
		table.String():              false,
		list.String():               false,
		strings.Repeat("short ", 5): false,
		strings.Repeat(" ", 2000):   false,
	} {
		if got := looping(text); got != want {
			t.Errorf("looping(%q…) = %v, want %v", text[:min(60, len(text))], got, want)
		}
	}
}

func tail(s string) string { return s[max(0, len(s)-120):] }

func itoa(n int) string { return strconv.Itoa(n) }
