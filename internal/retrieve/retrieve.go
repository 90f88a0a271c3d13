// Package retrieve finds the passages that answer a query: BM25 over the
// CJK-aware full-text index and cosine similarity over the vector index, run
// concurrently and fused with weighted reciprocal rank fusion (RRF).
//
// Lexical search catches exact terms, names and IDs that embeddings blur;
// vectors catch paraphrases and cross-language matches. RRF fuses ranks, not
// scores, so the two scales (BM25, cosine) need no calibration. When no
// embedding model is reachable, or the collection has no vectors yet, search
// runs lexical only and says so in Result.Mode and Result.Warning.
package retrieve

import (
	"context"
	"fmt"
	"sort"

	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
	"github.com/kura-app/kura/internal/vector"
)

// Modes a search ran in.
const (
	ModeHybrid  = "hybrid"
	ModeLexical = "lexical"
)

// EmbedFunc embeds a query with the model of the collection's active
// vector set.
type EmbedFunc func(ctx context.Context, query string) ([]float32, error)

// Options tune one search.
type Options struct {
	K int // passages to return; default 5
	// LexicalWeight in [0,1] is the share of the lexical ranking in the
	// fusion; the vector ranking gets the rest. Default 0.5.
	LexicalWeight float64
	// Depth is how many candidates each ranking contributes; default
	// max(50, 4K).
	Depth int
	// Docs restricts the search to these documents (ids); nil or empty
	// searches them all. Both rankings apply it before taking their best,
	// so a restricted search finds as many passages as the documents hold.
	Docs []int64
}

func (o Options) normalized() Options {
	if o.K <= 0 {
		o.K = 5
	}
	if o.LexicalWeight <= 0 || o.LexicalWeight > 1 {
		o.LexicalWeight = 0.5
	}
	if o.Depth <= 0 {
		o.Depth = max(50, 4*o.K)
	}
	return o
}

// rrfK damps the weight of top ranks; 60 is the value from the original
// RRF paper and works across corpora.
const rrfK = 60.0

// Passage is a retrieved chunk with where it came from.
type Passage struct {
	store.Chunk
	Score   float64 // fused score (lexical mode: BM25), higher is better
	LexRank int     // 1-based rank in the lexical list, 0 if absent
	VecRank int     // 1-based rank in the vector list, 0 if absent
}

// Result is what a search found and how.
type Result struct {
	Mode     string
	Passages []Passage
	Warning  string // why the search ran lexical only, if it did
	// Why names the reason for Warning, for callers that word it
	// themselves: WhyNoVectors, WhyEmbedFailed; "" when hybrid.
	Why string
	// Vectors of Chunks passages had a vector when the search ran: vector
	// search covers those, keywords cover all.
	Vectors, Chunks int
}

// Reasons a search ran on keywords alone.
const (
	WhyNoVectors   = "no_vectors"   // no passage has a vector yet
	WhyEmbedFailed = "embed_failed" // the query could not be embedded
)

// Searcher runs searches over one store and vector index.
type Searcher struct {
	Store *store.Store
	Index *vector.Index
}

// Search returns the best passages for query in collection c. embed may be
// nil (lexical only). An embedding failure is not an error: the search falls
// back to lexical and reports why in Warning. Errors are store failures or a
// cancelled context.
func (s *Searcher) Search(ctx context.Context, c store.Collection, query string, embed EmbedFunc, opts Options) (Result, error) {
	o := opts.normalized()
	type lexOut struct {
		hits []store.Hit
		err  error
	}
	lexCh := make(chan lexOut, 1)
	go func() {
		hits, err := s.lexical(ctx, c, query, o.Depth, o.Docs)
		lexCh <- lexOut{hits, err}
	}()

	res := Result{Mode: ModeLexical, Chunks: c.Chunks, Vectors: s.Index.Count(c.ActiveSet)}
	var vecHits []vector.Hit
	switch {
	case embed == nil || c.ActiveSet == 0 || res.Vectors == 0:
		res.Vectors = 0
		if c.Chunks > 0 {
			res.Why = WhyNoVectors
			res.Warning = "no passage has a vector yet: keyword search only (vectors are added after reading, when the embedding model is available)"
		}
	default:
		vec, err := embed(ctx, query)
		if err == nil {
			vecHits, err = s.vectorHits(ctx, c, vec, o.Depth, o.Docs)
		}
		if err != nil {
			if ctx.Err() != nil {
				return Result{}, ctx.Err()
			}
			res.Why = WhyEmbedFailed
			res.Warning = fmt.Sprintf("vector search unavailable, keyword search only: %v", err)
			vecHits = nil
		} else {
			res.Mode = ModeHybrid
		}
	}
	lex := <-lexCh
	if lex.err != nil {
		return Result{}, lex.err
	}
	ranked := fuse(lex.hits, vecHits, o.LexicalWeight, res.Mode)
	if len(ranked) > o.K {
		ranked = ranked[:o.K]
	}
	ids := make([]int64, len(ranked))
	for i, r := range ranked {
		ids[i] = r.id
	}
	chunks, err := s.Store.Chunks(ctx, ids)
	if err != nil {
		return Result{}, err
	}
	byID := make(map[int64]store.Chunk, len(chunks))
	for _, ch := range chunks {
		byID[ch.ID] = ch
	}
	for _, r := range ranked {
		ch, ok := byID[r.id]
		if !ok {
			continue // removed between ranking and reading
		}
		res.Passages = append(res.Passages, Passage{Chunk: ch, Score: r.score, LexRank: r.lexRank, VecRank: r.vecRank})
	}
	return res, nil
}

// Lexical returns up to depth BM25 hits for query, best first: the lexical
// half of Search.
func (s *Searcher) Lexical(ctx context.Context, c store.Collection, query string, depth int) ([]store.Hit, error) {
	return s.lexical(ctx, c, query, depth, nil)
}

func (s *Searcher) lexical(ctx context.Context, c store.Collection, query string, depth int, docs []int64) ([]store.Hit, error) {
	expr, err := s.lexicalExpr(ctx, c, query)
	if err != nil {
		return nil, err
	}
	if len(docs) > 0 {
		return s.Store.SearchLexicalIn(ctx, c.ID, expr, depth, docs)
	}
	return s.Store.SearchLexical(ctx, c.ID, expr, depth)
}

// vectorHits is the vector half of Search: the nearest passages of the
// collection's active set, or of the given documents' passages only.
func (s *Searcher) vectorHits(ctx context.Context, c store.Collection, vec []float32, depth int, docs []int64) ([]vector.Hit, error) {
	if len(docs) == 0 {
		return s.Index.Query(ctx, c.ActiveSet, vec, depth)
	}
	ids, err := s.Store.ChunkIDs(ctx, docs)
	if err != nil {
		return nil, err
	}
	return s.Index.QueryAmong(ctx, c.ActiveSet, vec, depth, ids)
}

// commonShare is the share of chunks above which a phrase is too common to
// help ranking: BM25 gives it almost no weight, but FTS5 would still score
// every chunk it appears in, which costs tens of milliseconds at 100k chunks.
const commonShare = 0.1

// lexicalExpr builds the FTS5 expression for query, leaving out phrases so
// common that they cannot change the ranking (like "the" or "データ" in a
// library about data); when all are that common, the rarest one stays.
func (s *Searcher) lexicalExpr(ctx context.Context, c store.Collection, query string) (string, error) {
	phrases := tokenize.ParseQuery(query)
	if len(phrases) < 2 || c.Chunks < 1000 {
		return tokenize.Expr(phrases), nil
	}
	var terms []string
	for _, p := range phrases {
		terms = append(terms, p.Terms...)
	}
	df, err := s.Store.DocFreq(ctx, c.ID, terms)
	if err != nil {
		return "", err
	}
	limit := int(commonShare * float64(c.Chunks))
	var kept []tokenize.Phrase
	best, bestDF := 0, c.Chunks+1
	for i, p := range phrases {
		rarest := c.Chunks
		for _, t := range p.Terms {
			rarest = min(rarest, df[t])
		}
		if rarest <= limit {
			kept = append(kept, p)
		}
		if rarest < bestDF {
			best, bestDF = i, rarest
		}
	}
	if len(kept) == 0 {
		// Only common phrases: the rarest one ranks as well as all of them
		// would (their weights are all near zero) at a fraction of the cost.
		kept = phrases[best : best+1]
	}
	return tokenize.Expr(kept), nil
}

type ranked struct {
	id               int64
	score            float64
	lexRank, vecRank int
}

// fuse merges the two rankings with weighted RRF. In lexical mode the BM25
// score is kept as the score so that users see a meaningful number.
func fuse(lex []store.Hit, vec []vector.Hit, lexWeight float64, mode string) []ranked {
	byID := map[int64]*ranked{}
	get := func(id int64) *ranked {
		r := byID[id]
		if r == nil {
			r = &ranked{id: id}
			byID[id] = r
		}
		return r
	}
	for i, h := range lex {
		r := get(h.ChunkID)
		r.lexRank = i + 1
		if mode == ModeLexical {
			r.score = h.Score
		} else {
			r.score += lexWeight / (rrfK + float64(i+1))
		}
	}
	for i, h := range vec {
		r := get(h.ChunkID)
		r.vecRank = i + 1
		r.score += (1 - lexWeight) / (rrfK + float64(i+1))
	}
	out := make([]ranked, 0, len(byID))
	for _, r := range byID {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].id < out[j].id
	})
	return out
}
