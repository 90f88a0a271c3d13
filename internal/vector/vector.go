// Package vector is Kura's in-memory nearest-neighbour index, built on
// chromem-go. It holds no data of its own that is not also in the store: it
// is rebuilt from the stored vectors when a library opens, which takes well
// under a second for 100k chunks, and updated as documents change.
//
// chromem-go's persistent mode is deliberately not used (it names files by a
// 32-bit hash of the id, so colliding documents vanish, and one truncated file
// stops the whole database from opening). Its collections are given an
// embedding function that refuses to run, because chromem-go's default is a
// network call to OpenAI: every vector Kura adds or queries is computed by the
// local model runtime beforehand.
package vector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"

	"github.com/philippgille/chromem-go"
)

// errNoEmbedder is what chromem-go gets if it ever tries to embed by itself.
var errNoEmbedder = errors.New("vector: embeddings are computed by the model runtime, not the vector index")

func refuseEmbedding(context.Context, string) ([]float32, error) { return nil, errNoEmbedder }

// Index holds one chromem-go collection per vector set (the vectors one
// embedding model made for one Kura collection; see store.VectorSet), keyed
// by the set's id. Chunk ids are unique across sets and collections. It is
// safe for concurrent use.
type Index struct {
	mu  sync.RWMutex // writers exclude queries, so k never exceeds Count mid-query
	db  *chromem.DB
	dim map[int64]int
}

// New returns an empty index.
func New() *Index {
	return &Index{db: chromem.NewDB(), dim: map[int64]int{}}
}

func setName(set int64) string { return "set-" + strconv.FormatInt(set, 10) }

// Item is a vector keyed by its chunk id.
type Item struct {
	ChunkID int64
	Vec     []float32
}

// Add inserts or replaces items in the set. All vectors of a set must have
// the same dimension; a mismatch is an error and adds nothing.
func (x *Index) Add(ctx context.Context, set int64, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	dim := x.dim[set]
	for _, it := range items {
		if dim == 0 {
			dim = len(it.Vec)
		}
		if len(it.Vec) != dim || dim == 0 {
			return fmt.Errorf("vector for chunk %d has dimension %d, vector set %d has %d", it.ChunkID, len(it.Vec), set, dim)
		}
	}
	c, err := x.db.GetOrCreateCollection(setName(set), nil, refuseEmbedding)
	if err != nil {
		return err
	}
	ids := make([]string, len(items))
	vecs := make([][]float32, len(items))
	for i, it := range items {
		ids[i] = strconv.FormatInt(it.ChunkID, 10)
		vecs[i] = it.Vec
	}
	// Sequential add: chromem-go starts a goroutine per document otherwise.
	for i := range ids {
		if err := c.AddDocument(ctx, chromem.Document{ID: ids[i], Embedding: vecs[i]}); err != nil {
			return fmt.Errorf("add vector: %w", err)
		}
	}
	x.dim[set] = dim
	return nil
}

// Remove deletes chunk ids from every set; unknown ids are ignored.
// (chromem-go deletes everything when given an empty filter, so an empty
// id list returns early.)
func (x *Index) Remove(ctx context.Context, chunkIDs []int64) error {
	if len(chunkIDs) == 0 {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	ids := make([]string, len(chunkIDs))
	for i, id := range chunkIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	for set := range x.dim {
		c := x.db.GetCollection(setName(set), refuseEmbedding)
		if c == nil {
			continue
		}
		if err := c.Delete(ctx, nil, nil, ids...); err != nil {
			return err
		}
	}
	return nil
}

// Drop forgets a set's vectors (a set replaced by another model's, or of a
// deleted collection).
func (x *Index) Drop(set int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.dim, set)
	if x.db.GetCollection(setName(set), refuseEmbedding) == nil {
		return nil
	}
	return x.db.DeleteCollection(setName(set))
}

// Count is the number of vectors in the set.
func (x *Index) Count(set int64) int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.db.GetCollection(setName(set), refuseEmbedding)
	if c == nil {
		return 0
	}
	return c.Count()
}

// Hit is a nearest neighbour with its cosine similarity.
type Hit struct {
	ChunkID    int64
	Similarity float32
}

// Query returns up to k nearest chunks to vec in the set, most similar
// first. k larger than the set is clamped (chromem-go fails otherwise); an
// empty or unknown set returns no hits. A query vector of the wrong
// dimension is an error.
func (x *Index) Query(ctx context.Context, set int64, vec []float32, k int) ([]Hit, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.db.GetCollection(setName(set), refuseEmbedding)
	dim := x.dim[set]
	if c == nil || k <= 0 {
		return nil, nil
	}
	n := c.Count()
	if n == 0 {
		return nil, nil
	}
	if len(vec) != dim {
		return nil, fmt.Errorf("query vector has dimension %d, vector set %d has %d", len(vec), set, dim)
	}
	res, err := c.QueryEmbedding(ctx, vec, min(k, n), nil, nil)
	if err != nil {
		return nil, fmt.Errorf("vector query: %w", err)
	}
	out := make([]Hit, 0, len(res))
	for _, r := range res {
		id, err := strconv.ParseInt(r.ID, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, Hit{ChunkID: id, Similarity: r.Similarity})
	}
	return out, nil
}

// QueryAmong is Query restricted to the chunks ids (those without a vector
// in the set are skipped): it compares vec with each of their vectors, so
// its cost grows with len(ids), not with the set. A restricted question
// names a few documents, whose passages are a small part of the set.
func (x *Index) QueryAmong(ctx context.Context, set int64, vec []float32, k int, ids []int64) ([]Hit, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.db.GetCollection(setName(set), refuseEmbedding)
	if c == nil || k <= 0 || len(ids) == 0 {
		return nil, nil
	}
	if dim := x.dim[set]; len(vec) != dim {
		return nil, fmt.Errorf("query vector has dimension %d, vector set %d has %d", len(vec), set, dim)
	}
	q := Normalize(append([]float32(nil), vec...))
	out := make([]Hit, 0, len(ids))
	for i, id := range ids {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		d, err := c.GetByID(ctx, strconv.FormatInt(id, 10))
		if err != nil {
			continue // no vector yet
		}
		var dot float32
		for j, v := range d.Embedding {
			dot += v * q[j]
		}
		out = append(out, Hit{ChunkID: id, Similarity: dot})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Similarity != out[j].Similarity {
			return out[i].Similarity > out[j].Similarity
		}
		return out[i].ChunkID < out[j].ChunkID
	})
	return out[:min(k, len(out))], nil
}

// Normalize scales v to unit length in place and returns it (a zero vector
// stays zero). Kura stores unit vectors so that loading them into chromem-go,
// which works on unit vectors, costs no copy.
func Normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}
