// Package library is Kura's engine: one data folder holding the durable
// index (package store), the in-memory vector index rebuilt from it
// (package vector), and the model runtime client (package llm). The CLI,
// the desktop app and `kura serve` all drive a *Library; none of them
// holds the store, the vector index or the runtime client. What they need
// of the runtime itself (its status, installed models, a download) are
// methods here too (runtime.go); the one way below is Internals, for the
// benchmark, which measures the store and the index directly.
//
// A Library is safe for concurrent use. Long operations take a context and
// report progress through callbacks; cancelling the context stops them
// cleanly, leaving the index consistent.
package library

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/machine"
	"github.com/kura-app/kura/internal/ocr"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
	"github.com/kura-app/kura/internal/vector"
	"github.com/kura-app/kura/internal/vectorize"
	"github.com/kura-app/kura/internal/verify"
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
	// jobs is shared by the ingest jobs of this library: a file being
	// indexed by one is waited for by the others, and the memory of the
	// files read at once is budgeted across all of them.
	jobs *ingest.Shared
	// checked caches the files /files verified against their hash.
	checked verified

	mu     sync.RWMutex
	ocr    *ocr.Engine // found once, kept: it limits recognitions across jobs
	cfg    config.Config
	infos  map[string]llm.ModelInfo // model -> what Show said
	models map[string]*modelState   // chat model -> what answering taught

	answerCap atomic.Int64 // LimitAnswers
	followers followers    // running Follows
	// noVectors: opened WithoutVectors, the in-memory index stays empty.
	noVectors bool
	// loadMu makes one load at a time of vectors another process stored.
	loadMu sync.Mutex
	// use keeps a pack import and an ingest of one collection apart.
	use collectionUse
	// embedRates are the embedding speeds measured (see ModelSpeed).
	embedRates embedRates
	// OpenDuration is how long Open took, vectors loaded.
	OpenDuration time.Duration
}

// Option changes how Open opens a library.
type Option func(*Library)

// WithoutVectors opens a library without loading its vectors into memory,
// for a command that never searches (exporting a pack reads them from the
// index): opening is faster and costs no memory for them. Searches run on
// keywords only, and imported vectors are not loaded either.
func WithoutVectors() Option { return func(l *Library) { l.noVectors = true } }

// Open opens the library in dir with configuration cfg, talking to the
// model runtime through client (which may point at a server that is not
// running: everything but embedding and answering works without it). It
// loads every stored vector into memory (see WithoutVectors).
func Open(ctx context.Context, dir string, cfg config.Config, client *llm.Client, opts ...Option) (*Library, error) {
	start := time.Now()
	st, err := store.Open(filepath.Join(dir, IndexFile))
	if err != nil {
		return nil, err
	}
	l := &Library{dir: dir, store: st, index: vector.New(), llm: client, cfg: cfg.Normalize(),
		infos: map[string]llm.ModelInfo{}, models: map[string]*modelState{}, jobs: ingest.NewShared(0)}
	for _, o := range opts {
		o(l)
	}
	l.worker = vectorize.New(st, l.index, client.EmbedPassages, vectorize.Options{Model: l.embedModelFor})
	l.worker.Watch(l.noteEmbedding)
	cols, err := st.Collections(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	l.sweepPacks(ctx) // what a killed pack import left
	for _, c := range cols {
		if c.ActiveSet == 0 || l.noVectors {
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
func (l *Library) WatchEmbedding(fn func(vectorize.Status)) {
	l.worker.Watch(func(s vectorize.Status) {
		l.noteEmbedding(s)
		fn(s)
	})
}

// EmbeddingStatuses is the last known embedding status of each collection
// seen since the library opened.
func (l *Library) EmbeddingStatuses() []vectorize.Status { return l.worker.Statuses() }

// Close closes the index.
func (l *Library) Close() error { return l.store.Close() }

// Upgraded says whether opening brought an older index to this build's
// schema, and where the copy made first is (From is 0 when not).
func (l *Library) Upgraded() store.Upgrade { return l.store.Upgraded() }

// Dir is the data folder.
func (l *Library) Dir() string { return l.dir }

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

// DeleteCollection removes a collection and its documents from the index.
// The files themselves are not touched, except the copies a knowledge pack
// brought into the data folder, which go with it.
func (l *Library) DeleteCollection(ctx context.Context, name string) error {
	c, err := l.store.Collection(ctx, name)
	if err != nil {
		return err
	}
	carried := l.packFolders(ctx, c.ID)
	if err := l.store.DeleteCollection(ctx, name); err != nil {
		return err
	}
	for _, dir := range carried {
		os.RemoveAll(dir)
	}
	// A collection made again under this name starts from the defaults.
	_ = l.store.SetSetting(ctx, answerKey(name), "")
	return errors.Join(l.index.Drop(c.ActiveSet), l.index.Drop(c.Building.ID))
}

// IngestOptions tune Ingest beyond the configuration.
type IngestOptions struct {
	Force       bool // re-process unchanged files
	NoEmbedding bool // index for keyword search only
	// changesIn is the watched folder the paths changed in (Sync): they
	// are synced as changes (ingest.Options.Changes) and the folder's
	// watch records the outcome.
	changesIn string
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
	release, err := l.use.ingest(collection)
	if err != nil {
		return ingest.Summary{}, err
	}
	defer release()
	c, err := l.store.EnsureCollection(ctx, collection)
	if err != nil {
		return ingest.Summary{}, err
	}
	// roots are the folders whose watches record the outcome.
	roots := paths
	if opts.changesIn != "" {
		roots = []string{opts.changesIn}
	} else {
		l.watchFolders(ctx, c, paths)
	}
	// A watched drive that is not mounted is not read: its empty mount
	// point would look like a folder whose files were all deleted.
	roots, skipped := l.outOfReach(ctx, c, roots)
	switch {
	case opts.changesIn == "":
		paths = roots
	case len(roots) == 0:
		paths = nil
	}
	cfg := l.Config()
	var last ingest.Progress
	job := &ingest.Job{
		Store: l.store, Index: l.index, Collection: c, Shared: l.jobs, OCR: l.ocrEngine(ctx),
		Options: ingest.Options{Chunk: chunk.Options{Size: cfg.ChunkSize, Overlap: cfg.ChunkOverlap}, Force: opts.Force,
			Changes: opts.changesIn != ""},
		OnProgress: func(p ingest.Progress) error {
			last = p
			if onProgress == nil || (p.Phase == ingest.PhaseDone && !opts.NoEmbedding) {
				return nil // the embedding phase follows
			}
			return onProgress(p)
		},
	}
	sum, err := job.Run(ctx, paths)
	for p, why := range skipped {
		sum.Warnings = append(sum.Warnings, why.Error())
		if abs, err := filepath.Abs(p); err == nil {
			l.store.Synced(context.WithoutCancel(ctx), c.ID, abs, time.Now().Unix(), why.Error())
		}
	}
	if err != nil {
		return sum, err
	}
	l.synced(ctx, c, roots, sum.Kept)
	if opts.NoEmbedding {
		sum.Lexical = true
		sum.Warnings = append(sum.Warnings, "indexed for keyword search only, as asked")
		return sum, nil
	}
	return l.embedPhase(ctx, collection, sum, start, last, onProgress)
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
		return p.Consistent()
	}
	// Every document is searchable by keyword now: say so at once, before
	// the pass loads the embedding model (seconds on a laptop).
	if model := l.embedModelFor(c); onProgress != nil && model != "" {
		first := vectorize.Status{Collection: c.Name, Model: model, State: vectorize.StateEmbedding, Total: c.Chunks, Done: c.Vectors}
		if model != c.EmbedModel && c.EmbedModel != "" {
			first.Done, first.Rebuild = 0, true
			if c.Building.Model == model {
				first.Done = c.Building.Vectors
			}
		}
		if err := onProgress(report(first)); err != nil {
			return sum, err
		}
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
	case errors.Is(err, vectorize.ErrOtherPass):
		// Another job (an ingest beside a watched folder's sync) is
		// computing them: this job ends here rather than wait behind it
		// with a card frozen at its first count.
		sum.Warnings = append(sum.Warnings, "the vectors are being computed by another job")
		if c2, err := l.store.Collection(ctx, collection); err == nil {
			last = vectorize.Status{Model: l.embedModelFor(c2), Done: c2.Vectors, Total: c2.Chunks}
		}
	case errors.Is(err, vectorize.ErrNoModel):
		sum.Lexical = true
		sum.Warnings = append(sum.Warnings, "no embedding model configured: keyword search only")
	case ctx.Err() != nil:
		sum.Canceled, sum.Lexical = true, res.Missing > 0
		return sum, ctx.Err()
	default:
		sum.Lexical, sum.EmbedErr = true, err
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("embeddings unavailable (%v): every document is searchable by keyword now; "+
			"the %d passages without vectors get them when the model is available", err, res.Missing))
	}
	if onProgress != nil {
		p := files
		p.Phase, p.Current, p.ETA, p.Elapsed = ingest.PhaseDone, "", 0, sum.Elapsed
		p.VectorsDone, p.VectorsTotal, p.Rate, p.EmbedModel = last.Done, last.Total, last.Rate, last.Model
		if err := onProgress(p.Consistent()); err != nil {
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
	// A document whose file is not here (a pack brought it without the
	// file, or a drive is not mounted) keeps its text: read again it
	// would fail, and a failed read replaces what was indexed.
	paths := make([]string, 0, len(docs))
	missing := 0
	for _, d := range docs {
		if st, err := os.Stat(d.Path); err != nil || !st.Mode().IsRegular() {
			missing++
			continue
		}
		paths = append(paths, d.Path)
	}
	sum, err := l.Ingest(ctx, collection, paths, IngestOptions{Force: true}, onProgress)
	if missing > 0 {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d documents were kept as they are: their files are not on this machine", missing))
	}
	return sum, err
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
// index, or, when path is a folder, every document under it (the explicit
// way to drop the documents of a folder whose files were all deleted: an
// ingest keeps those, see ingest.KeptFolder); files are not touched. A
// path that names no document and no folder holding one is an error
// wrapping store.ErrNotFound.
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
	if IsNotFound(err) {
		docs, lerr := l.store.Documents(ctx, c.ID, abs)
		if lerr != nil || len(docs) == 0 {
			return err
		}
		for _, d := range docs {
			removed, err := l.store.RemoveDocument(ctx, c.ID, d.Path)
			if err != nil && !IsNotFound(err) {
				return err
			}
			ids = append(ids, removed...)
		}
	} else if err != nil {
		return err
	}
	return l.index.Remove(ctx, ids)
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
	// Within restricts the search to these documents and folders (absolute
	// paths: a document's own path, or a folder whose documents count);
	// empty searches the whole collection. A path that names no document
	// of the collection is an error wrapping store.ErrNotFound.
	Within []string
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
	docs, err := l.resolveWithin(ctx, c, opts.Within)
	if err != nil {
		return retrieve.Result{}, err
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
	l.loadVectorsStoredElsewhere(ctx, c)
	s := retrieve.Searcher{Store: l.store, Index: l.index}
	return s.Search(ctx, c, query, embed, retrieve.Options{K: opts.K, LexicalWeight: opts.LexicalWeight, Docs: docs})
}

// resolveWithin turns documents and folders into the ids of the
// collection's documents they name (nil for none: no restriction). A
// folder names the documents under it.
func (l *Library) resolveWithin(ctx context.Context, c store.Collection, within []string) ([]int64, error) {
	if len(within) == 0 {
		return nil, nil
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, p := range within {
		p = filepath.Clean(p)
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("restrict to %q: give an absolute path", p)
		}
		var docs []store.Document
		if d, err := l.store.DocumentByPath(ctx, c.ID, p); err == nil {
			docs = []store.Document{d}
		} else if !IsNotFound(err) {
			return nil, err
		} else if docs, err = l.store.Documents(ctx, c.ID, p); err != nil {
			return nil, err
		}
		if len(docs) == 0 {
			return nil, fmt.Errorf("document %s: %w", p, store.ErrNotFound) // nor a folder holding one
		}
		for _, d := range docs {
			if !seen[d.ID] {
				seen[d.ID] = true
				ids = append(ids, d.ID)
			}
		}
	}
	return ids, nil
}

// AskResult is an answer with the search that fed it.
type AskResult struct {
	answer.Answer
	Search retrieve.Result
	Model  string
	// Check is each sentence of the answer judged against the quotes the
	// model read (for a stopped answer, what was written).
	Check verify.Report
	// NoModel, when not nil, is why no model answered: the answer is from
	// the documents alone (Answer.Extractive).
	NoModel error
}

// NoChatModel reports whether err means no chat model can answer: the
// runtime is not reachable, or the model is not installed. Ask then gives
// the answer from the documents instead of failing.
func NoChatModel(err error) bool {
	var missing *llm.ModelMissingError
	return errors.Is(err, llm.ErrUnreachable) || errors.As(err, &missing)
}

// askFromDocuments answers without a model (why says why there is none):
// the sentences of the passages found that answer most directly, each cited
// (answer.FromDocuments), as the quotes shown; with none, why is the error.
func (l *Library) askFromDocuments(ctx context.Context, collection, question, model string, why error, ev AskEvents, within []string) (AskResult, error) {
	ac, err := l.askContext(ctx, collection, question, nil, model, 0, 0, within)
	if err != nil {
		return AskResult{Model: model}, err
	}
	if len(ac.Search.Passages) > 0 && len(ac.Extract) == 0 {
		return AskResult{Model: model, Search: ac.Search}, why
	}
	ans := answer.FromDocuments(question, ac.Extract)
	ac.Prepared.Sources, ac.Prepared.Dropped, ac.Model = ans.Sources, 0, ""
	ac.Wait = answer.Wait{}
	res := AskResult{Search: ac.Search, Answer: ans, NoModel: why}
	if ev.Sources != nil {
		if err := ev.Sources(ac); err != nil {
			return res, err
		}
	}
	if ev.Token != nil {
		if err := ev.Token(ans.Text); err != nil {
			return res, err
		}
	}
	if !ans.NoPassages {
		res.Check = CheckAnswer(ans.Text, ans.Sources)
	}
	return res, nil
}

// AskContext is what the model is given for a question: the passages found,
// the quotes chosen from them and the prompt, before the model reads it.
type AskContext struct {
	Search   retrieve.Result
	Prepared answer.Prepared
	Model    string
	// Budget is the fresh-token budget the prompt was sized to (0: none),
	// from the model's reading speed and the first-token target.
	Budget int
	// Speed is what the estimate knew of the model and the machine: its
	// idle reading speed, the share of it the machine gives now, whether
	// the model was loaded and how long loading it takes.
	Speed answer.Speed
	// Wait is the expected time to the first token (zero Read when the
	// reading speed is unknown); Wait.Over says the target cannot be kept
	// and why (Wait.Load: the model is loading).
	Wait answer.Wait
	// Extract is the answer from the documents: the one to three sentences
	// of the passages found that answer most directly (answer.Extract),
	// shown at once and given as the answer when no model can be reached.
	Extract []answer.Extracted
}

// AskEvents receive an answer as it is made; nil fields are skipped, and an
// error returned stops the answer.
type AskEvents struct {
	// Sources is called once the quotes are chosen, before the model reads
	// them: a user sees the evidence at once, not after the first token.
	Sources func(AskContext) error
	// Token is called for each piece of the answer, in order.
	Token func(string) error
}

// ChatKeepAlive keeps the chat model loaded between questions: loading
// takes seconds on a laptop, and the runtime's cache of the conversation
// so far is lost with the model.
const ChatKeepAlive = 30 * time.Minute

// modelState is what Kura learns about a chat model while using it.
type modelState struct {
	scale  float64       // token estimate scale (answer.Estimator)
	rate   float64       // prompt tokens read per second on an idle machine
	load   time.Duration // time to load the model (answer.LoadTime)
	cached []llm.Message // the last prompt the runtime read, with its answer
}

// Ask answers question from the collection's documents with the chat model:
// it searches, quotes from the passages found what fits the first-token
// target (see package answer), reports them through ev.Sources, then streams
// the answer through ev.Token. A missing chat model is a
// *llm.ModelMissingError (search keeps working); a cancelled context stops
// the stream and returns the partial answer with ctx.Err(). Embedding
// passages waits while it runs. With within set, only those documents and
// folders are searched (see SearchOptions.Within).
func (l *Library) Ask(ctx context.Context, collection, question string, history []answer.Turn, ev AskEvents, within ...string) (AskResult, error) {
	// Embedding waits while an answer is written: both load the CPU, and
	// the person waiting for the answer comes first.
	release := l.worker.Gate().Hold()
	defer release()
	// A collection that does not exist is said first: asking the runtime
	// about a model for it would hide the reason (a new data folder).
	if _, err := l.store.Collection(ctx, collection); err != nil {
		return AskResult{}, err
	}
	model := l.chatModelFor(ctx, collection)
	ctxLen, err := l.contextLength(ctx, model)
	if err != nil {
		if !NoChatModel(err) {
			return AskResult{Model: model}, err
		}
		return l.askFromDocuments(ctx, collection, question, model, err, ev, within)
	}
	ac, err := l.askContext(ctx, collection, question, history, model, ctxLen, 0, within)
	if err != nil {
		return AskResult{Model: model}, err
	}
	res := AskResult{Search: ac.Search, Model: model}
	if ev.Sources != nil {
		if err := ev.Sources(ac); err != nil {
			return res, err
		}
	}
	onToken := ev.Token
	if onToken == nil {
		onToken = func(string) error { return nil }
	}
	if len(ac.Search.Passages) == 0 {
		res.Answer = answer.NoPassages(question)
		return res, onToken(res.Answer.Text)
	}
	opts := l.answerOptions(ac.Budget)
	started := false
	share := ac.Speed.Share
	ans, err := answer.Ask(ctx, l.llm, ac.Prepared, opts, func(tok string) error {
		started = true
		return onToken(tok)
	})
	if answer.IsTooLong(err) && !started {
		// The estimate was short: learn from it and try once more with a
		// doubled one.
		l.learn(model, func(m *modelState) { m.scale = min(max(m.scale, 1)*2, 5) })
		if ac, err = l.askContext(ctx, collection, question, history, model, ctxLen, 0, within); err != nil {
			return res, err
		}
		ans, err = answer.Ask(ctx, l.llm, ac.Prepared, opts, onToken)
	}
	res.Answer = ans
	res.Check = CheckAnswer(ans.Text, ans.Sources)
	l.remember(ctx, model, ac.Prepared, ans, share)
	return res, err
}

// Context is what Ask would give the model for question, without asking
// it. It works with no model runtime at all: then the search is by keyword
// and the context window and reading speed are the defaults'.
func (l *Library) Context(ctx context.Context, collection, question string, history []answer.Turn, within ...string) (AskContext, error) {
	model := l.chatModelFor(ctx, collection)
	ctxLen, err := l.contextLength(ctx, model)
	if err != nil {
		ctxLen = 0 // unknown: the configured maximum
	}
	return l.askContext(ctx, collection, question, history, model, ctxLen, 0, within)
}

// ContextWithin is Context with the quotes' budget of new prompt tokens set
// by the caller instead of taken from the model's reading speed (budget <= 0:
// the library's own), for `kura ask --context-only --budget` and `kura eval`.
func (l *Library) ContextWithin(ctx context.Context, collection, question string, budget int, within ...string) (AskContext, error) {
	model := l.chatModelFor(ctx, collection)
	ctxLen, err := l.contextLength(ctx, model)
	if err != nil {
		ctxLen = 0 // unknown: the configured maximum
	}
	return l.askContext(ctx, collection, question, nil, model, ctxLen, budget, within)
}

// askContext searches and prepares the prompt; budget > 0 replaces the
// budget of new tokens derived from the model's reading speed.
func (l *Library) askContext(ctx context.Context, collection, question string, history []answer.Turn, model string, ctxLen, budget int, within []string) (AskContext, error) {
	res, err := l.Search(ctx, collection, question, SearchOptions{Within: within, K: l.answerSettings(ctx, collection).TopK})
	if err != nil {
		return AskContext{}, err
	}
	st := l.modelState(ctx, model)
	target := l.Config().FirstTokenTarget()
	sp := l.speed(ctx, model, st)
	if budget <= 0 {
		sys := answer.Estimator{Scale: st.scale}.Count(answer.SystemPrompt())
		budget = sp.Budget(sys, target)
	}
	opts := l.answerOptions(budget)
	if opts.TermWeight, err = l.TermWeights(ctx, collection, question); err != nil {
		return AskContext{}, err
	}
	cached := st.cached
	if !sp.Loaded {
		cached = nil // the runtime's cache went with the model
	}
	b := answer.NewBudget(ctxLen, st.scale, opts)
	p, err := answer.Prepare(question, res.Passages, history, cached, b, opts)
	if err != nil {
		return AskContext{}, err
	}
	p.Model = model
	return AskContext{Search: res, Prepared: p, Model: model, Budget: budget, Speed: sp, Wait: sp.Expect(p.FreshTokens, target),
		Extract: answer.Extract(question, res.Passages, opts.TermWeight)}, nil
}

// speed is what is known now of model's speed on this machine: its idle
// reading speed (measured, or the prior of readingRate), the share of it the
// machine's load leaves (answer.Share), whether the runtime holds the model
// (its /api/ps; an error counts as not loaded, the cautious side) and its
// load time (measured on an idle machine, or a prior of 2 s and 3 s per
// billion parameters), slowed like reading by the machine's load.
func (l *Library) speed(ctx context.Context, model string, st modelState) answer.Speed {
	sp := answer.Speed{Rate: l.readingRate(ctx, model, st), Share: answer.Share(runtime.NumCPU(), machine.Load()), Load: st.load}
	if running, err := l.llm.Running(ctx); err == nil {
		for _, m := range running {
			sp.Loaded = sp.Loaded || llm.SameModel(m.Name, model)
		}
	}
	if sp.Load <= 0 {
		params := l.paramsB(ctx, model)
		if params <= 0 {
			params = 3
		}
		sp.Load = time.Duration((2 + 3*params) * float64(time.Second))
	}
	sp.Load = time.Duration(float64(sp.Load) / sp.Share)
	return sp
}

func (l *Library) answerOptions(fresh int) answer.Options {
	cfg := l.Config()
	return answer.Options{MaxContext: cfg.MaxContext, AnswerTokens: cfg.AnswerTokens, FreshTokens: fresh, KeepAlive: ChatKeepAlive,
		NumPredict: int(l.answerCap.Load())}
}

// LimitAnswers caps every answer at n tokens from now on (0: no cap). It is
// for benchmarks, which time the start and the speed of answers, not their
// end.
func (l *Library) LimitAnswers(n int) { l.answerCap.Store(int64(n)) }

// TermWeights weighs the question's index terms by how rare they are in the
// collection (inverse document frequency over its passages), for choosing
// the sentences to quote.
func (l *Library) TermWeights(ctx context.Context, collection, question string) (func(string) float64, error) {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return nil, err
	}
	var terms []string
	for _, p := range tokenize.ParseQuery(question) {
		terms = append(terms, p.Terms...)
	}
	df, err := l.store.DocFreq(ctx, c.ID, terms)
	if err != nil {
		return nil, err
	}
	n := float64(max(c.Chunks, 1))
	return func(t string) float64 { return math.Log(1 + n/float64(df[t]+1)) }, nil
}

// Preload loads the chat model and has it read the system prompt, which
// every question starts with, so that the first question costs only its
// own tokens; it also measures the model's reading speed. The desktop app
// calls it when the chat view opens, `kura chat` when it starts. It takes
// as long as loading the model (seconds); errors are the runtime's.
func (l *Library) Preload(ctx context.Context) error {
	model := l.Config().ChatModel
	ctxLen, err := l.contextLength(ctx, model)
	if err != nil {
		return err
	}
	b := answer.NewBudget(ctxLen, 0, l.answerOptions(0))
	msgs := []llm.Message{{Role: "system", Content: answer.SystemPrompt()}}
	share := answer.Share(runtime.NumCPU(), machine.Load())
	stats, err := l.llm.Chat(ctx, llm.ChatRequest{Model: model, Messages: msgs, NumCtx: b.NumCtx, NumPredict: 1, KeepAlive: ChatKeepAlive},
		func(string) error { return nil })
	if err != nil {
		return err
	}
	l.learn(model, func(m *modelState) {
		if stats.PromptTokens > 0 {
			m.rate = answer.PrefillRate(m.rate, stats.PromptTokens, time.Duration(float64(stats.PromptDuration)*share))
		}
		m.load = answer.LoadTime(m.load, stats.LoadDuration, share)
		m.cached = msgs
	})
	l.saveModelState(ctx, model)
	return nil
}

// remember learns from an answer: the token scale from the server's count,
// the reading speed from the fresh tokens and the time they took, the load
// time if the model was loaded for it, and what the runtime's cache now
// holds. Times are scaled by share, the part of the machine the runtime had
// when the question came (answer.Share), so that what is kept is the idle
// machine's speed and a busy hour does not slow every later estimate.
func (l *Library) remember(ctx context.Context, model string, p answer.Prepared, ans answer.Answer, share float64) {
	if share <= 0 || share > 1 {
		share = 1
	}
	l.learn(model, func(m *modelState) {
		if ans.PromptTokens > 0 && p.PromptTokens > 0 {
			m.scale = answer.Calibrate(m.scale, ans.PromptTokens, p.PromptTokens)
			fresh := int(float64(p.FreshTokens) * float64(ans.PromptTokens) / float64(p.PromptTokens))
			m.rate = answer.PrefillRate(m.rate, fresh, time.Duration(float64(ans.Stats.PromptDuration)*share))
		}
		m.load = answer.LoadTime(m.load, ans.Stats.LoadDuration, share)
		// The runtime's cache holds the answer as the tokens it generated;
		// the answer replayed as text next time may tokenize otherwise
		// (measured: 180 of a follow-up's tokens read again), so only the
		// prompt counts as cached and the answer as fresh, which keeps a
		// follow-up within the time target.
		m.cached = p.Messages
	})
	if ans.PromptTokens > 0 {
		l.saveModelState(context.WithoutCancel(ctx), model)
	}
}

// modelState returns what is known of model, loading the learned figures
// from the index the first time.
func (l *Library) modelState(ctx context.Context, model string) modelState {
	l.mu.Lock()
	m, ok := l.models[model]
	l.mu.Unlock()
	if ok {
		return *m
	}
	loaded := &modelState{}
	if v, err := l.store.Setting(ctx, "token_scale:"+model); err == nil {
		loaded.scale, _ = strconv.ParseFloat(v, 64)
	}
	if v, err := l.store.Setting(ctx, "prefill_rate:"+model); err == nil {
		loaded.rate, _ = strconv.ParseFloat(v, 64)
	}
	if v, err := l.store.Setting(ctx, "load_time:"+model); err == nil {
		loaded.load, _ = time.ParseDuration(v)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if m, ok := l.models[model]; ok {
		return *m
	}
	l.models[model] = loaded
	return *loaded
}

func (l *Library) learn(model string, fn func(*modelState)) {
	l.modelState(context.Background(), model)
	l.mu.Lock()
	fn(l.models[model])
	l.mu.Unlock()
}

func (l *Library) saveModelState(ctx context.Context, model string) {
	m := l.modelState(ctx, model)
	if m.scale > 0 {
		l.store.SetSetting(ctx, "token_scale:"+model, strconv.FormatFloat(m.scale, 'f', 4, 64))
	}
	if m.rate > 0 {
		l.store.SetSetting(ctx, "prefill_rate:"+model, strconv.FormatFloat(m.rate, 'f', 2, 64))
	}
	if m.load > 0 {
		l.store.SetSetting(ctx, "load_time:"+model, m.load.Round(time.Millisecond).String())
	}
}

// ReadingRate is the chat model's measured reading speed in prompt tokens
// per second (0 before it has been measured).
func (l *Library) ReadingRate(ctx context.Context, model string) float64 {
	return l.modelState(ctx, model).rate
}

// readingRate is the measured speed, or before any measurement a prior
// from this machine's cores and the model's size: about 14 tokens a second
// per core for a billion parameters with AVX2 (measured: qwen2.5 1.5B and
// 3B shapes on 2 cores read 14-22 and 9-11 tokens a second).
func (l *Library) readingRate(ctx context.Context, model string, st modelState) float64 {
	if st.rate > 0 {
		return st.rate
	}
	params := l.paramsB(ctx, model)
	if params <= 0 {
		params = 3
	}
	return 14 * float64(runtime.NumCPU()) / params
}

func (l *Library) contextLength(ctx context.Context, model string) (int, error) {
	info, err := l.modelInfo(ctx, model)
	return info.ContextLength, err
}

// paramsB is the model's size in billions of parameters (0 when unknown).
func (l *Library) paramsB(ctx context.Context, model string) float64 {
	info, err := l.modelInfo(ctx, model)
	if err != nil {
		return 0
	}
	return info.ParamsB
}

func (l *Library) modelInfo(ctx context.Context, model string) (llm.ModelInfo, error) {
	l.mu.RLock()
	info, ok := l.infos[model]
	l.mu.RUnlock()
	if ok {
		return info, nil
	}
	info, err := l.llm.Show(ctx, model)
	if err != nil {
		return llm.ModelInfo{}, err
	}
	l.mu.Lock()
	l.infos[model] = info
	l.mu.Unlock()
	return info, nil
}

// IsNotFound reports whether err means a collection or document does not
// exist.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// Internals exposes the store and vector index to the benchmark, which
// measures them directly.
func (l *Library) Internals() (*store.Store, *vector.Index) { return l.store, l.index }
