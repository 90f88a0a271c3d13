package vector

import (
	"context"
	"math/rand"
	"testing"
)

func TestQueryReturnsNearestFirstAndClampsK(t *testing.T) {
	ctx := context.Background()
	x := New()
	err := x.Add(ctx, 1, []Item{{1, []float32{1, 0, 0}}, {2, []float32{0.9, 0.1, 0}}, {3, []float32{0, 0, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := x.Query(ctx, 1, []float32{1, 0, 0}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 3 || hits[0].ChunkID != 1 || hits[1].ChunkID != 2 || hits[2].ChunkID != 3 {
		t.Fatalf("hits = %+v, want 1, 2, 3", hits)
	}
}

func TestRemoveWithNoIDsRemovesNothing(t *testing.T) {
	ctx := context.Background()
	x := New()
	x.Add(ctx, 1, []Item{{1, []float32{1, 0}}, {2, []float32{0, 1}}})
	if err := x.Remove(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if x.Count(1) != 2 {
		t.Fatalf("count = %d after an empty remove, want 2", x.Count(1))
	}
	x.Remove(ctx, []int64{1, 99})
	if x.Count(1) != 1 {
		t.Fatalf("count = %d, want 1", x.Count(1))
	}
}

func TestMismatchedDimensionsAreRefused(t *testing.T) {
	ctx := context.Background()
	x := New()
	x.Add(ctx, 1, []Item{{1, []float32{1, 0}}})
	if err := x.Add(ctx, 1, []Item{{2, []float32{1, 0, 0}}}); err == nil {
		t.Fatal("adding a 3-d vector to a 2-d collection succeeded")
	}
	if _, err := x.Query(ctx, 1, []float32{1, 0, 0}, 1); err == nil {
		t.Fatal("querying with a 3-d vector succeeded")
	}
	if hits, err := x.Query(ctx, 7, []float32{1}, 3); err != nil || hits != nil {
		t.Fatalf("unknown collection: %v, %v", hits, err)
	}
}

func TestConcurrentQueriesAndRemovals(t *testing.T) {
	ctx := context.Background()
	x := New()
	rng := rand.New(rand.NewSource(1))
	var items []Item
	for i := range 200 {
		items = append(items, Item{int64(i), []float32{rng.Float32(), rng.Float32()}})
	}
	x.Add(ctx, 1, items)
	done := make(chan struct{})
	go func() {
		for i := range 200 {
			x.Remove(ctx, []int64{int64(i)})
		}
		close(done)
	}()
	for {
		select {
		case <-done:
			return
		default:
			if _, err := x.Query(ctx, 1, []float32{1, 1}, 50); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestRemoveReachesEverySetAndDropForgetsOne(t *testing.T) {
	ctx := context.Background()
	x := New()
	x.Add(ctx, 1, []Item{{1, []float32{1, 0}}, {2, []float32{0, 1}}})
	x.Add(ctx, 2, []Item{{1, []float32{1, 0, 0}}, {2, []float32{0, 1, 0}}})
	x.Remove(ctx, []int64{2})
	if x.Count(1) != 1 || x.Count(2) != 1 {
		t.Fatalf("counts = %d, %d; want the chunk gone from both sets", x.Count(1), x.Count(2))
	}
	x.Drop(1)
	if x.Count(1) != 0 || x.Count(2) != 1 {
		t.Fatalf("counts after dropping set 1 = %d, %d; want 0, 1", x.Count(1), x.Count(2))
	}
	if err := x.Add(ctx, 1, []Item{{5, []float32{1, 0, 0, 0}}}); err != nil {
		t.Fatalf("a dropped set takes vectors of any dimension again: %v", err)
	}
}

func TestQueryAmongRanksOnlyTheGivenChunks(t *testing.T) {
	ctx := context.Background()
	x := New()
	x.Add(ctx, 1, []Item{{1, []float32{1, 0, 0}}, {2, []float32{0.8, 0.6, 0}}, {3, []float32{0, 0.6, 0.8}}, {4, []float32{0, 0, 1}}})
	hits, err := x.QueryAmong(ctx, 1, []float32{2, 0, 0}, 10, []int64{4, 3, 99})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].ChunkID != 3 || hits[1].ChunkID != 4 || hits[0].Similarity < 0 {
		t.Fatalf("hits = %+v, want 3 then 4 (1 and 2 are nearer but not asked for; 99 has no vector)", hits)
	}
	if hits, _ := x.QueryAmong(ctx, 1, []float32{1, 0, 0}, 1, []int64{1, 2}); len(hits) != 1 || hits[0].ChunkID != 1 || hits[0].Similarity < 0.99 {
		t.Fatalf("k=1 hits = %+v, want chunk 1 with similarity 1", hits)
	}
	if _, err := x.QueryAmong(ctx, 1, []float32{1, 0}, 1, []int64{1}); err == nil {
		t.Fatal("a query vector of the wrong dimension succeeded")
	}
}
