// Package library is Kura's engine: one data folder holding the durable
// index (package store), the in-memory vector index rebuilt from it
// (package vector), and the model runtime client (package llm). The CLI,
// the desktop app and `kura serve` all drive a *Library; none of them
// reaches below it.
//
// A Library is safe for concurrent use. Long operations take a context and
// report progress through callbacks; cancelling the context stops them
// cleanly, leaving the index consistent.
package library

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vector"
	"github.com/kura-app/kura/internal/vectorize"
)

// IndexFile is the name of the index inside the data folder.
const IndexFile = "index.db"

// Library is an open data folder.
type Library struct {
	dir    string
	store  *store.Store
	index  *vector.Index
	llm    *llm.Client
	worker *vectorize.Worker

	mu      sync.RWMutex
	cfg     config.Config
	ctxLens map[string]int // model -> context length, cached from Show
	// OpenDuration is how long Open took, vectors loaded.
	OpenDuration time.Duration
}

// Open opens the library in dir with configuration cfg, talking to the
// model runtime through client (which may point at a server that is not
// running: everything but embedding and answering works without it). It
// loads every stored vector into memory.
func Open(ctx context.Context, dir string, cfg config.Config, client *llm.Client) (*Library, error) {
	start := time.Now()
	st, err := store.Open(filepath.Join(dir, IndexFile))
	if err != nil {
		return nil, err
	}
	l := &Library{dir: dir, store: st, index: vector.New(), llm: client, cfg: cfg.Normalize(), ctxLens: map[string]int{}}
	l.worker = vectorize.New(st, l.index, client.EmbedPassages, vectorize.Options{Model: l.embedModelFor})
	cols, err := st.Collections(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	for _, c := range cols {
		if c.ActiveSet == 0 {
			continue
		}
		if err := vectorize.Load(ctx, st, l.index, c.ActiveSet); err != nil {
			st.Close()
			return nil, fmt.Errorf("load vectors of %q: %w", c.Name, err)
		}
	}
	l.OpenDuration = time.Since(start)
	return l, nil
}

// embedModelFor is the embedding model collection c should be embedded
// with: its own choice, else the configured one.
func (l *Library) embedModelFor(c store.Collection) string {
	if c.ChosenEmbedModel != "" {
		return c.ChosenEmbedModel
	}
	return l.Config().EmbedModel
}

// RunBackground fills in missing vectors in the background until ctx ends:
// those a cancelled or failed ingest left, and a new embedding model's
// (built beside the old vectors, which answer until the switch). The
// desktop app and `kura serve` run it; CLI commands embed in the
// foreground instead.
func (l *Library) RunBackground(ctx context.Context) { l.worker.Run(ctx) }

// WatchEmbedding sets a function that receives every change of a
// collection's embedding status, foreground or background.
func (l *Library) WatchEmbedding(fn func(vectorize.Status)) { l.worker.Watch(fn) }

// EmbeddingStatuses is the last known embedding status of each collection
// seen since the library opened.
func (l *Library) EmbeddingStatuses() []vectorize.Status { return l.worker.Statuses() }

// Close closes the index.
func (l *Library) Close() error { return l.store.Close() }

// Dir is the data folder.
func (l *Library) Dir() string { return l.dir }

// LLM is the model runtime client.
func (l *Library) LLM() *llm.Client { return l.llm }

// Config returns the configuration in use.
func (l *Library) Config() config.Config {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cfg
}

// SetConfig saves cfg to the data folder and uses it from now on. A change
// of embedding model builds the new model's vectors beside the old ones (in
// the background loop, or the next ingest or reindex); searches use the old
// vectors until the new ones are complete.
func (l *Library) SetConfig(cfg config.Config) error {
	cfg = cfg.Normalize()
	if err := config.Save(l.dir, cfg); err != nil {
		return err
	}
	l.mu.Lock()
	l.cfg = cfg
	l.mu.Unlock()
	l.worker.Wake() // a new embedding model starts building
	return nil
}

// Collections lists the collections with their counts.
func (l *Library) Collections(ctx context.Context) ([]store.Collection, error) {
	return l.store.Collections(ctx)
}

// Collection returns the named collection, or an error wrapping
// store.ErrNotFound.
func (l *Library) Collection(ctx context.Context, name string) (store.Collection, error) {
	return l.store.Collection(ctx, name)
}

// CreateCollection creates a collection (no-op if it exists).
func (l *Library) CreateCollection(ctx context.Context, name string) (store.Collection, error) {
	return l.store.EnsureCollection(ctx, name)
}

// DeleteCollection removes a collection and its documents from the index
// (the files themselves are not touched).
func (l *Library) DeleteCollection(ctx context.Context, name string) error {
	c, err := l.store.Collection(ctx, name)
	if err != nil {
		return err
	}
	if err := l.store.DeleteCollection(ctx, name); err != nil {
		return err
	}
	return errors.Join(l.index.Drop(c.ActiveSet), l.index.Drop(c.Building.ID))
}

// IngestOptions tune Ingest beyond the configuration.
type IngestOptions struct {
	Force       bool // re-process unchanged files
	NoEmbedding bool // index for keyword search only
}

// Ingest indexes paths into the collection (created if needed) in two
// phases: reading (ingest.Job.Run: every file keyword-searchable as soon as
// it is stored) and embedding (the collection's missing vectors, in batches
// that each commit). Progress reports both; the summary's KeywordReady says
// when the first phase ended. A cancel in either phase keeps what is done;
// an embedding model that cannot be used leaves the documents searchable by
// keyword, with a warning, and their vectors for later.
func (l *Library) Ingest(ctx context.Context, collection string, paths []string, opts IngestOptions, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
	start := time.Now()
	c, err := l.store.EnsureCollection(ctx, collection)
	if err != nil {
		return ingest.Summary{}, err
	}
	cfg := l.Config()
	var last ingest.Progress
	job := &ingest.Job{
		Store: l.store, Index: l.index, Collection: c,
		Options: ingest.Options{Chunk: chunk.Options{Size: cfg.ChunkSize, Overlap: cfg.ChunkOverlap}, Force: opts.Force},
		OnProgress: func(p ingest.Progress) error {
			last = p
			if onProgress == nil || (p.Phase == ingest.PhaseDone && !opts.NoEmbedding) {
				return nil // the embedding phase follows
			}
			return onProgress(p)
		},
	}
	sum, err := job.Run(ctx, paths)
	if err != nil {
		return sum, err
	}
	if opts.NoEmbedding {
		sum.Lexical = true
		sum.Warnings = append(sum.Warnings, "indexed for keyword search only, as asked")
		return sum, nil
	}
	return l.embedPhase(ctx, collection, sum, start, last, onProgress)
}

// embedPhase computes the collection's missing vectors in the foreground,
// reporting them as the job's embedding phase, and completes the summary.
func (l *Library) embedPhase(ctx context.Context, collection string, sum ingest.Summary, start time.Time, files ingest.Progress, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return sum, err
	}
	report := func(st vectorize.Status) ingest.Progress {
		p := files
		p.Phase, p.Current, p.ETA = ingest.PhaseEmbed, "", st.ETA
		p.VectorsDone, p.VectorsTotal, p.Rate = st.Done, st.Total, st.Rate
		p.EmbedModel, p.Rebuild = st.Model, st.Rebuild
		p.Elapsed = time.Since(start)
		return p
	}
	var last vectorize.Status
	res, err := l.worker.Pass(ctx, c, func(st vectorize.Status) error {
		last = st
		if onProgress == nil {
			return nil
		}
		return onProgress(report(st))
	})
	sum.Vectors, sum.VectorsMissing = res.Vectors, res.Missing
	sum.Elapsed = time.Since(start)
	switch {
	case err == nil:
	case errors.Is(err, vectorize.ErrNoModel):
		sum.Lexical = true
		sum.Warnings = append(sum.Warnings, "no embedding model configured: keyword search only")
	case ctx.Err() != nil:
		sum.Canceled, sum.Lexical = true, res.Missing > 0
		return sum, ctx.Err()
	default:
		sum.Lexical = true
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("embeddings unavailable (%v): every document is searchable by keyword now; "+
			"the %d passages without vectors get them when the model is available", err, res.Missing))
	}
	if onProgress != nil {
		p := files
		p.Phase, p.Current, p.ETA, p.Elapsed = ingest.PhaseDone, "", 0, sum.Elapsed
		p.VectorsDone, p.VectorsTotal, p.Rate, p.EmbedModel = last.Done, last.Total, last.Rate, last.Model
		if err := onProgress(p); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// Reindex fills in missing vectors of the collection (building a new
// model's set when the embedding model changed) and, with force, first
// re-reads every document (after a change of chunk size).
func (l *Library) Reindex(ctx context.Context, collection string, force bool, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return ingest.Summary{}, err
	}
	if !force {
		return l.embedPhase(ctx, collection, ingest.Summary{}, time.Now(), ingest.Progress{}, onProgress)
	}
	docs, err := l.store.Documents(ctx, c.ID, "")
	if err != nil {
		return ingest.Summary{}, err
	}
	paths := make([]string, 0, len(docs))
	for _, d := range docs {
		paths = append(paths, d.Path)
	}
	return l.Ingest(ctx, collection, paths, IngestOptions{Force: true}, onProgress)
}

// Documents lists the collection's documents.
func (l *Library) Documents(ctx context.Context, collection string) ([]store.Document, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return nil, err
	}
	return l.store.Documents(ctx, c.ID, "")
}

// Remove removes the document at path (made absolute) from the collection's
// index; the file is not touched.
func (l *Library) Remove(ctx context.Context, collection, path string) error {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	ids, err := l.store.RemoveDocument(ctx, c.ID, abs)
	if err != nil {
		return err
	}
	return l.index.Remove(ctx, ids)
}

// Page returns the stored text of one page of a document (page 0 for
// formats without pages), for showing a cited passage in context.
func (l *Library) Page(ctx context.Context, collection, path string, page int) (string, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return "", err
	}
	d, err := l.store.DocumentByPath(ctx, c.ID, path)
	if err != nil {
		return "", err
	}
	pages, err := l.store.Pages(ctx, d.ID)
	if err != nil {
		return "", err
	}
	for _, p := range pages {
		if p.Number == page {
			return p.Text, nil
		}
	}
	return "", fmt.Errorf("page %d of %s: %w", page, path, store.ErrNotFound)
}

// SearchOptions override the configured retrieval settings for one search.
type SearchOptions struct {
	K             int
	LexicalWeight float64
}

// Search finds the best passages for query. It works with no model runtime
// at all (lexical mode, with a warning saying why).
func (l *Library) Search(ctx context.Context, collection, query string, opts SearchOptions) (retrieve.Result, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return retrieve.Result{}, err
	}
	cfg := l.Config()
	if opts.K <= 0 {
		opts.K = cfg.TopK
	}
	if opts.LexicalWeight <= 0 {
		opts.LexicalWeight = cfg.LexicalWeight
	}
	var embed retrieve.EmbedFunc
	if c.EmbedModel != "" {
		// Query with the model of the active vectors, whatever the
		// configuration says now: vectors of two models never meet.
		model := c.EmbedModel
		embed = func(ctx context.Context, q string) ([]float32, error) {
			return l.llm.EmbedQuery(ctx, model, q)
		}
	}
	s := retrieve.Searcher{Store: l.store, Index: l.index}
	return s.Search(ctx, c, query, embed, retrieve.Options{K: opts.K, LexicalWeight: opts.LexicalWeight})
}

// AskResult is an answer with the search that fed it.
type AskResult struct {
	answer.Answer
	Search retrieve.Result
	Model  string
}

// Ask answers question from the collection's documents with the chat model,
// streaming tokens to onToken. A missing chat model is a
// *llm.ModelMissingError (search keeps working); a cancelled context stops
// the stream and returns the partial answer with ctx.Err().
func (l *Library) Ask(ctx context.Context, collection, question string, history []answer.Turn, onToken func(string) error) (AskResult, error) {
	// Embedding waits while an answer is written: both load the CPU, and
	// the person waiting for the answer comes first.
	release := l.worker.Gate().Hold()
	defer release()
	cfg := l.Config()
	model := cfg.ChatModel
	ctxLen, err := l.contextLength(ctx, model)
	if err != nil {
		return AskResult{Model: model}, err
	}
	res, err := l.Search(ctx, collection, question, SearchOptions{})
	if err != nil {
		return AskResult{Model: model}, err
	}
	tpb := l.tokensPerByte(ctx, model)
	opts := answer.Options{MaxContext: cfg.MaxContext}
	b := answer.NewBudget(ctxLen, tpb, opts)
	ans, err := answer.Ask(ctx, l.llm, model, question, res.Passages, history, b, opts, onToken)
	if err == nil && ans.PromptTokens > 0 {
		next := answer.Calibrate(tpb, ans.PromptTokens, ans.PromptBytes)
		l.store.SetSetting(context.WithoutCancel(ctx), "tokens_per_byte:"+model, strconv.FormatFloat(next, 'f', 4, 64))
	}
	return AskResult{Answer: ans, Search: res, Model: model}, err
}

func (l *Library) contextLength(ctx context.Context, model string) (int, error) {
	l.mu.RLock()
	n, ok := l.ctxLens[model]
	l.mu.RUnlock()
	if ok {
		return n, nil
	}
	info, err := l.llm.Show(ctx, model)
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	l.ctxLens[model] = info.ContextLength
	l.mu.Unlock()
	return info.ContextLength, nil
}

func (l *Library) tokensPerByte(ctx context.Context, model string) float64 {
	v, err := l.store.Setting(ctx, "tokens_per_byte:"+model)
	if err != nil || v == "" {
		return 1
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 1 {
		return 1
	}
	return f
}

// IsNotFound reports whether err means a collection or document does not
// exist.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// Internals exposes the store and vector index to the benchmark, which
// measures them directly.
func (l *Library) Internals() (*store.Store, *vector.Index) { return l.store, l.index }
