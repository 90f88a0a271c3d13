package answer

import (
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
)

func TestThePromptNamesThePagesOfEachPassage(t *testing.T) {
	ps := []retrieve.Passage{
		{Chunk: store.Chunk{Path: "/r.pdf", Page: 3, EndPage: 3, End: 11, Text: "on one page"}},
		{Chunk: store.Chunk{Path: "/r.pdf", Page: 11, EndPage: 12, End: 19, Text: "across a page break"}},
		{Chunk: store.Chunk{Path: "/n.md", End: 8, Text: "no pages"}},
	}
	p, err := Prepare("What?", ps, nil, nil, NewBudget(8192, 0, Options{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	user := p.Messages[len(p.Messages)-1].Content
	for _, want := range []string{`source="r p.3"`, `source="r pp.11–12"`, `source="n"`} {
		if !strings.Contains(user, want) {
			t.Errorf("prompt lacks %s:\n%s", want, user)
		}
	}
}
