package retrieve

import (
	"testing"

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
