package library_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/kura-app/kura/internal/bench"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
)

// Benchmarks at several sizes over the synthetic index of package bench
// (seeded); `kura bench` measures 100k chunks in a fresh process.
var sizes = []int{1000, 10000}

func buildIndex(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	if err := bench.Build(context.Background(), dir, n, 768, 1); err != nil {
		b.Fatal(err)
	}
	return dir
}

func BenchmarkOpen(b *testing.B) {
	client, _ := llm.New("http://127.0.0.1:1")
	for _, n := range sizes {
		dir := buildIndex(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				lib, err := library.Open(context.Background(), dir, config.Default(), client)
				if err != nil {
					b.Fatal(err)
				}
				lib.Close()
			}
		})
	}
}

func BenchmarkSearch(b *testing.B) {
	client, _ := llm.New("http://127.0.0.1:1")
	ctx := context.Background()
	for _, n := range sizes {
		dir := buildIndex(b, n)
		lib, err := library.Open(ctx, dir, config.Default(), client)
		if err != nil {
			b.Fatal(err)
		}
		c, _ := lib.Collection(ctx, bench.Collection)
		st, idx := lib.Internals()
		s := retrieve.Searcher{Store: st, Index: idx}
		rng := rand.New(rand.NewSource(3))
		embed := func(context.Context, string) ([]float32, error) {
			return bench.RandomUnit(rng, 768), nil
		}
		queries := make([]string, 64)
		for i := range queries {
			queries[i] = bench.Sentence(rng, 3)
		}
		for _, mode := range []string{"lexical", "hybrid"} {
			b.Run(fmt.Sprintf("%s/%d", mode, n), func(b *testing.B) {
				for i := range b.N {
					var e retrieve.EmbedFunc
					if mode == "hybrid" {
						e = embed
					}
					if _, err := s.Search(ctx, c, queries[i%len(queries)], e, retrieve.Options{K: 6}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		lib.Close()
	}
}
