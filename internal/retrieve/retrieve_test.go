package retrieve

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kura-app/kura/internal/tokenize"

	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vector"
)

func TestFuse(t *testing.T) {
	lex := []store.Hit{{ChunkID: 1, Score: 9}, {ChunkID: 2, Score: 5}, {ChunkID: 3, Score: 1}}
	vec := []vector.Hit{{ChunkID: 3}, {ChunkID: 4}, {ChunkID: 2}}
	tests := []struct {
		name   string
		weight float64
		mode   string
		first  int64
	}{
		{"a chunk found by both rankings beats one found by one", 0.5, ModeHybrid, 3},
		{"a full lexical weight follows BM25", 1.0, ModeHybrid, 1},
		{"a small lexical weight follows the vectors", 0.05, ModeHybrid, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fuse(lex, vec, tt.weight, tt.mode)
			if len(got) != 4 || got[0].id != tt.first {
				t.Fatalf("fused = %+v, want chunk %d first", got, tt.first)
			}
		})
	}
	t.Run("lexical mode keeps the BM25 score", func(t *testing.T) {
		got := fuse(lex, nil, 0.5, ModeLexical)
		if got[0].id != 1 || got[0].score != 9 || got[0].lexRank != 1 || got[0].vecRank != 0 {
			t.Fatalf("fused = %+v", got)
		}
	})
}

func TestVeryCommonPhrasesAreLeftOutOfLargeCollections(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, _ := st.EnsureCollection(ctx, "c")
	var chunks []store.NewChunk
	for i := range 1200 {
		text := fmt.Sprintf("common filler %d", i)
		if i%2 == 0 {
			text += " usual"
		}
		if i == 7 {
			text += " rare"
		}
		chunks = append(chunks, store.NewChunk{Page: 1, Start: i, End: i + 1, Text: text, Terms: tokenize.IndexText(text)})
	}
	if _, _, _, err := st.PutDocument(ctx, store.Document{CollectionID: c.ID, Path: "/d", Status: store.StatusLexical}, nil, chunks); err != nil {
		t.Fatal(err)
	}
	c, _ = st.Collection(ctx, "c")
	s := &Searcher{Store: st}
	tests := []struct {
		name, query, want string
	}{
		{"a common word is dropped beside a rare one", "common rare", `"rare"*`},
		{"when all are common the rarest stays", "common usual", `"usual"*`},
		{"a single phrase is kept however common", "common", `"common"*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.lexicalExpr(ctx, c, tt.query)
			if err != nil || got != tt.want {
				t.Fatalf("lexicalExpr(%q) = %s, %v; want %s", tt.query, got, err, tt.want)
			}
		})
	}
}
