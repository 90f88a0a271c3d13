package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kura-app/kura/internal/tokenize"
)

func TestADocumentWrittenInPartsReplacesTheOldOneAtOnceOrNotAtAll(t *testing.T) {
	ctx := context.Background()
	s, c := openTest(t)
	doc := Document{CollectionID: c.ID, Path: "/docs/log.txt", Hash: "h1", Status: StatusLexical}
	_, _, old, err := s.PutDocument(ctx, doc, []Page{{Number: 0, Text: "古い版"}}, []NewChunk{chunk("古い版", nil)})
	if err != nil {
		t.Fatal(err)
	}
	fill := func(n int, fail error) func(AddPart) (string, int, error) {
		return func(add AddPart) (string, int, error) {
			for i := 1; i <= n; i++ {
				text := fmt.Sprintf("第%d節 section %d", i, i)
				if err := add(Page{Number: i, Text: text}, []NewChunk{{Page: i, End: len([]rune(text)), Text: text, Terms: tokenize.IndexText(text)}}); err != nil {
					return "", 0, err
				}
				if i == 2 && fail != nil {
					return "", 0, fail
				}
			}
			return "Log", n, nil
		}
	}

	t.Run("a fill that fails keeps the old version and says it was the fill", func(t *testing.T) {
		boom := errors.New("the file went away")
		doc.Hash = "h2"
		_, _, _, err := s.PutDocumentParts(ctx, doc, fill(5, boom))
		var fe *FillError
		if !errors.As(err, &fe) || !errors.Is(err, boom) {
			t.Fatalf("err = %v, want a *FillError wrapping the fill's error", err)
		}
		d, err := s.DocumentByPath(ctx, c.ID, doc.Path)
		if err != nil || d.Hash != "h1" || d.Chunks != 1 {
			t.Fatalf("document %+v (%v), want the old version untouched", d, err)
		}
	})

	t.Run("a fill that succeeds replaces the old version with every part", func(t *testing.T) {
		doc.Hash = "h3"
		_, removed, n, err := s.PutDocumentParts(ctx, doc, fill(5, nil))
		if err != nil {
			t.Fatal(err)
		}
		if n != 5 || len(removed) != 1 || removed[0] != old[0] {
			t.Fatalf("wrote %d chunks, removed %v; want 5 written and the old chunk removed", n, removed)
		}
		d, err := s.DocumentByPath(ctx, c.ID, doc.Path)
		if err != nil || d.Hash != "h3" || d.Title != "Log" || d.Pages != 5 || d.Chunks != 5 {
			t.Fatalf("document %+v (%v), want h3 titled Log with 5 pages and chunks", d, err)
		}
		pages, _ := s.Pages(ctx, d.ID)
		if len(pages) != 5 || pages[4].Number != 5 {
			t.Fatalf("pages %+v", pages)
		}
		hits, _ := s.SearchLexical(ctx, c.ID, tokenize.MatchQuery("第3節"), 10)
		if len(hits) == 0 {
			t.Fatal("the third section is not found")
		}
		if top, _ := s.Chunks(ctx, []int64{hits[0].ChunkID}); len(top) != 1 || top[0].Page != 3 {
			t.Fatalf("top hit %+v, want the third section", top)
		}
	})
}
