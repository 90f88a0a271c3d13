package answer

import (
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
)

func TestThePromptNamesThePagesOfEachPassage(t *testing.T) {
	ps := []retrieve.Passage{
		{Chunk: store.Chunk{Path: "/r.pdf", Page: 3, EndPage: 3, Text: "on one page"}},
		{Chunk: store.Chunk{Path: "/r.pdf", Page: 11, EndPage: 12, Text: "across a page break"}},
		{Chunk: store.Chunk{Path: "/n.md", Text: "no pages"}},
	}
	msgs, _, _, err := Build("What?", ps, nil, NewBudget(8192, 1, Options{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	user := msgs[len(msgs)-1].Content
	for _, want := range []string{`source="/r.pdf, page 3"`, `source="/r.pdf, pages 11–12"`, `source="/n.md"`} {
		if !strings.Contains(user, want) {
			t.Errorf("prompt lacks %s:\n%s", want, user)
		}
	}
}
