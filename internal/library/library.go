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

	"golang.org/x/sync/errgroup"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ocr"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vector"
)

// IndexFile is the name of the index inside the data folder.
const IndexFile = "index.db"

// Library is an open data folder.
type Library struct {
	dir   string
	store *store.Store
	index *vector.Index
	llm   *llm.Client

	mu      sync.RWMutex
	ocr     *ocr.Engine // found once, kept: it limits recognitions across jobs
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
	cols, err := st.Collections(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	for _, c := range cols {
		if err := l.loadVectors(ctx, c); err != nil {
			st.Close()
			return nil, err
		}
	}
	l.OpenDuration = time.Since(start)
	return l, nil
}

// loadVectors fills the in-memory index from the store: one goroutine reads
// and decodes rows while another adds them, so both cores work at open.
func (l *Library) loadVectors(ctx context.Context, c store.Collection) error {
	const batch = 4096
	ch := make(chan []vector.Item, 4)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(ch)
		items := make([]vector.Item, 0, batch)
		err := l.store.EachVector(gctx, c.ID, func(v store.Vector) error {
			items = append(items, vector.Item{ChunkID: v.ChunkID, Vec: v.Vec})
			if len(items) == batch {
				select {
				case ch <- items:
				case <-gctx.Done():
					return gctx.Err()
				}
				items = make([]vector.Item, 0, batch)
			}
			return nil
		})
		if err == nil && len(items) > 0 {
			ch <- items
		}
		return err
	})
	g.Go(func() error {
		for items := range ch {
			if err := l.index.Add(gctx, c.Name, items); err != nil {
				for range ch {
				}
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return fmt.Errorf("load vectors of %q: %w", c.Name, err)
	}
	return nil
}

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
// of embedding model takes effect at the next ingest or reindex, which
// rebuilds the vectors; searches meanwhile use the model the vectors came
// from.
func (l *Library) SetConfig(cfg config.Config) error {
	cfg = cfg.Normalize()
	if err := config.Save(l.dir, cfg); err != nil {
		return err
	}
	l.mu.Lock()
	l.cfg = cfg
	l.mu.Unlock()
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
	if err := l.store.DeleteCollection(ctx, name); err != nil {
		return err
	}
	return l.index.Reset(name)
}

// embedder returns the ingest embedder for the configured model.
func (l *Library) embedder() *ingest.Embedder {
	model := l.Config().EmbedModel
	return &ingest.Embedder{Model: model, Embed: func(ctx context.Context, texts []string) ([][]float32, error) {
		return l.llm.Embed(ctx, model, texts)
	}}
}

// IngestOptions tune Ingest beyond the configuration.
type IngestOptions struct {
	Force       bool // re-process unchanged files
	NoEmbedding bool // index for keyword search only
}

// Ingest indexes paths into the collection (created if needed). See
// ingest.Job.Run for the contract.
func (l *Library) Ingest(ctx context.Context, collection string, paths []string, opts IngestOptions, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
	c, err := l.store.EnsureCollection(ctx, collection)
	if err != nil {
		return ingest.Summary{}, err
	}
	cfg := l.Config()
	job := &ingest.Job{
		Store: l.store, Index: l.index, Collection: c, OnProgress: onProgress, OCR: l.ocrEngine(ctx),
		Options: ingest.Options{Chunk: chunk.Options{Size: cfg.ChunkSize, Overlap: cfg.ChunkOverlap}, Force: opts.Force},
	}
	if !opts.NoEmbedding {
		job.Embedder = l.embedder()
	}
	return job.Run(ctx, paths)
}

// ocrEngine returns the OCR engine, looking for it again while it is
// missing: a user who installs it after starting Kura need not restart.
func (l *Library) ocrEngine(ctx context.Context) ingest.OCR {
	l.mu.RLock()
	e := l.ocr
	l.mu.RUnlock()
	if e != nil {
		return ingest.OCR{Engine: e}
	}
	e, err := ocr.New(ctx, ocr.Options{})
	if err != nil {
		return ingest.OCR{Missing: err}
	}
	l.mu.Lock()
	if l.ocr == nil {
		l.ocr = e
	}
	e = l.ocr
	l.mu.Unlock()
	return ingest.OCR{Engine: e}
}

// OCRAvailable returns nil when scanned pages and images can be read, and
// otherwise what is missing and how to install it (an error wrapping
// ocr.ErrMissing).
func (l *Library) OCRAvailable(ctx context.Context) error {
	return l.ocrEngine(ctx).Missing
}

// PendingOCR lists, by collection, the documents that wait for an OCR
// engine (scans and images indexed while none was installed).
func (l *Library) PendingOCR(ctx context.Context) (map[string][]string, error) {
	cols, err := l.store.Collections(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, c := range cols {
		docs, err := l.store.PendingOCR(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			out[c.Name] = append(out[c.Name], d.Path)
		}
	}
	return out, nil
}

// Reindex fills in missing vectors of the collection (rebuilding them all
// when the embedding model changed) and, with force, re-reads every
// document (after a change of chunk size).
func (l *Library) Reindex(ctx context.Context, collection string, force bool, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return ingest.Summary{}, err
	}
	var paths []string
	if force {
		docs, err := l.store.Documents(ctx, c.ID, "")
		if err != nil {
			return ingest.Summary{}, err
		}
		for _, d := range docs {
			paths = append(paths, d.Path)
		}
	}
	return l.Ingest(ctx, collection, paths, IngestOptions{Force: force}, onProgress)
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
	return l.index.Remove(ctx, c.Name, ids)
}

// Page returns the stored text of one page of a document (page 0 for
// formats without pages), for showing a cited passage in context.
func (l *Library) Page(ctx context.Context, collection, path string, page int) (string, error) {
	text, _, err := l.PageSource(ctx, collection, path, page)
	return text, err
}

// PageSource is Page, also telling whether the page's text was recognised
// by OCR (and so may hold recognition errors).
func (l *Library) PageSource(ctx context.Context, collection, path string, page int) (string, bool, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return "", false, err
	}
	d, err := l.store.DocumentByPath(ctx, c.ID, path)
	if err != nil {
		return "", false, err
	}
	pages, err := l.store.Pages(ctx, d.ID)
	if err != nil {
		return "", false, err
	}
	for _, p := range pages {
		if p.Number == page {
			ocr, err := l.store.OCRPages(ctx, d.ID)
			return p.Text, ocr[page], err
		}
	}
	return "", false, fmt.Errorf("page %d of %s: %w", page, path, store.ErrNotFound)
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
		// Query with the model the stored vectors came from, whatever the
		// configuration says now: vectors of two models never meet.
		model := c.EmbedModel
		embed = func(ctx context.Context, texts []string) ([][]float32, error) {
			return l.llm.Embed(ctx, model, texts)
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
