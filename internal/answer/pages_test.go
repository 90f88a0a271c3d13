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

// A quote from a passage across a page break is shown as the whole passage
// (its text is not one span of either page); a quote within one page keeps
// its own offsets.
func TestAQuoteAcrossAPageBreakIsPlacedOnBothPages(t *testing.T) {
	two := "The first sentence ends here. The second one runs over the break"
	ps := []retrieve.Passage{
		{Chunk: store.Chunk{Path: "/r.pdf", Page: 11, EndPage: 12, Start: 40, End: 25, Text: two}},
		{Chunk: store.Chunk{Path: "/s.pdf", Page: 2, EndPage: 2, Start: 100, End: 100 + len(two), Text: two}},
	}
	p, err := Prepare("Where does the second one run?", ps, nil, nil, NewBudget(8192, 0, Options{}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Sources {
		if s.Path == "/r.pdf" && (s.Start != 40 || s.End != 25 || s.Page != 11 || s.EndPage != 12) {
			t.Errorf("quote across pages at p.%d %d – p.%d %d, want the passage: p.11 40 – p.12 25", s.Page, s.Start, s.EndPage, s.End)
		}
		if s.Path == "/s.pdf" && (s.Start < 100 || s.End > 100+len(two) || s.End <= s.Start || s.End-s.Start != len([]rune(s.Text))) {
			t.Errorf("quote within a page at %d–%d (%q), want offsets of the quoted text inside 100–%d", s.Start, s.End, s.Text, 100+len(two))
		}
	}
	if len(p.Sources) < 2 {
		t.Fatalf("sources %+v, want both passages", p.Sources)
	}
}
