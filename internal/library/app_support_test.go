package library

import (
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/store"
)

func TestHistoryKeepsOnlyQuestionsWithACompleteAnswer(t *testing.T) {
	u := func(s string) store.Message { return store.Message{Role: store.RoleUser, Text: s, Complete: true} }
	a := func(s string, complete bool) store.Message {
		return store.Message{Role: store.RoleAssistant, Text: s, Complete: complete}
	}
	for _, tc := range []struct {
		name string
		ms   []store.Message
		want []answer.Turn
	}{
		{"no messages", nil, nil},
		{"one complete turn", []store.Message{u("q1"), a("a1", true)}, []answer.Turn{{Question: "q1", Answer: "a1"}}},
		{"a stopped answer is left out with its question",
			[]store.Message{u("q1"), a("part", false), u("q2"), a("a2", true)}, []answer.Turn{{Question: "q2", Answer: "a2"}}},
		{"a question whose answer was never saved is left out",
			[]store.Message{u("q1"), u("q2"), a("a2", true)}, []answer.Turn{{Question: "q2", Answer: "a2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := history(tc.ms)
			if len(got) != len(tc.want) {
				t.Fatalf("history = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i].Question != tc.want[i].Question || got[i].Answer != tc.want[i].Answer {
					t.Fatalf("history = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// A turn is sent again with the quotes its question was sent with, so that
// the runtime finds the conversation in its cache.
func TestHistoryKeepsTheQuotesATurnWasSentWith(t *testing.T) {
	saved := `[{"n":1,"path":"/d/a.pdf","page":3,"start":10,"end":20,"text":"引用した文。","score":0.5,"cited":true,"passage_start":0,"passage_end":80}]`
	got := history([]store.Message{
		{Role: store.RoleUser, Text: "q1", Complete: true},
		{Role: store.RoleAssistant, Text: "a1 [1]", Sources: saved, Complete: true},
	})
	if len(got) != 1 || len(got[0].Sources) != 1 {
		t.Fatalf("history = %+v, want one turn with its source", got)
	}
	s := got[0].Sources[0]
	if s.N != 1 || s.Path != "/d/a.pdf" || s.Page != 3 || s.Start != 10 || s.End != 20 || s.Text != "引用した文。" || s.PassageEnd != 80 {
		t.Fatalf("source = %+v, want the saved quote", s)
	}
}

func TestTitleIsTheFirstLineOfTheQuestionShortened(t *testing.T) {
	for q, want := range map[string]string{
		"  How many respondents?\nThanks": "How many respondents?",
		"2024年の  調査の回答者数は？":               "2024年の 調査の回答者数は？",
		strings.Repeat("長", 80):           strings.Repeat("長", 59) + "…",
	} {
		if got := Title(q); got != want {
			t.Errorf("Title(%q) = %q, want %q", q, got, want)
		}
	}
}
