// Package ingest turns files and folders into indexed documents: it walks
// the paths, skips files whose content has not changed, extracts text,
// chunks it, embeds the chunks, and stores each document in one transaction.
//
// A job never stops for one bad file: every file ends as added, updated,
// unchanged, removed or failed (with a one-line reason), and a file that
// fails leaves the rest of the index as it was. Because each document is
// committed atomically, a job killed at any moment can simply be run again:
// finished documents are unchanged, the rest are done, none is duplicated.
//
// When the embedding model is not reachable the job stores chunks without
// vectors (keyword search still works) and says so; the missing vectors are
// filled in by the next job that can reach the model.
//
// Scanned pages and images are read by OCR (ocr.go), page by page, each
// page cached by content so that no page is read twice. Without an OCR
// engine such files are stored as waiting for it, with the way to install
// it, and the first job that has an engine reads them, whatever paths it
// was given. Passages may run across a page break (chunk.SplitPages).
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
	"github.com/kura-app/kura/internal/vector"
)

// Embedder computes vectors with a named model. A nil *Embedder means
// lexical-only indexing.
type Embedder struct {
	Model string
	Embed func(ctx context.Context, texts []string) ([][]float32, error)
}

// Options tune a job. Zero values take the defaults.
type Options struct {
	Chunk        chunk.Options
	MaxFileBytes int64         // default 200 MiB
	FileTimeout  time.Duration // extraction limit per file; default 5 min
	Workers      int           // files processed at once; default NumCPU, at most 4
	BatchSize    int           // chunks per embedding request; default 32
	// Force re-processes files even when their content is unchanged
	// (used after a chunking change).
	Force bool
}

func (o Options) normalized() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 200 << 20
	}
	if o.FileTimeout <= 0 {
		o.FileTimeout = 5 * time.Minute
	}
	if o.Workers <= 0 {
		o.Workers = min(runtime.NumCPU(), 4)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 32
	}
	return o
}

// Phases of a job, in order.
const (
	PhaseScan  = "scanning"
	PhaseIndex = "indexing"
	PhaseEmbed = "embedding" // filling in vectors missing from earlier jobs
	PhaseDone  = "done"
)

// Progress is a snapshot of a running job.
type Progress struct {
	Phase      string
	FilesDone  int
	FilesTotal int
	Chunks     int    // chunks written so far
	Current    string // file being processed
	Failed     int
	Elapsed    time.Duration
	ETA        time.Duration // 0 when unknown
	// VectorsDone/VectorsTotal count the embedding phase.
	VectorsDone, VectorsTotal int
	// OCRPagesDone/OCRPagesTotal count the scanned pages (and images)
	// found so far and read so far, during the indexing phase; the total
	// grows as files are read.
	OCRPagesDone, OCRPagesTotal int
}

// Failure is a file that could not be indexed, and why.
type Failure struct {
	Path   string
	Reason string
}

// Summary is the outcome of a job.
type Summary struct {
	Added, Updated, Unchanged, Removed int
	Failed                             []Failure
	Chunks                             int // chunks written by this job
	Vectors                            int // vectors computed by this job
	Lexical                            bool
	Warnings                           []string
	Elapsed                            time.Duration
	Canceled                           bool
}

// Job is one ingest run over one collection.
type Job struct {
	Store      *store.Store
	Index      *vector.Index
	Collection store.Collection
	Embedder   *Embedder // nil: lexical only
	OCR        OCR       // zero: no OCR engine; scans wait for one
	Options    Options
	// OnProgress, if set, receives snapshots at most every 200 ms and
	// always the final one; an error it returns stops the job.
	OnProgress func(Progress) error

	mu       sync.Mutex
	prog     Progress
	sum      Summary
	start    time.Time
	lastSent time.Time
	embedErr error // first embedding failure; the job goes lexical after it
	probeOK  bool  // the embedding model answered when the job started
}

// Run indexes paths (files or folders, walked recursively) into the
// collection and removes documents of those folders whose files are gone.
// It returns a summary and an error only when the job as a whole could not
// run (cancelled, index unwritable); per-file problems are in
// Summary.Failed. A cancelled job returns its partial summary with
// Canceled set and ctx.Err().
func (j *Job) Run(ctx context.Context, paths []string) (Summary, error) {
	j.Options = j.Options.normalized()
	j.start = time.Now()
	j.prog = Progress{Phase: PhaseScan}
	j.report(true)

	files, roots, missing, failures := scan(ctx, paths)
	j.sum.Failed = append(j.sum.Failed, failures...)
	files = j.withPendingOCR(ctx, files)
	j.prog.FilesTotal = len(files)
	if err := ctx.Err(); err != nil {
		return j.finish(err)
	}

	if err := j.removeGone(ctx, files, roots, missing); err != nil {
		return j.finish(err)
	}
	j.prepareEmbedder(ctx)

	j.prog.Phase = PhaseIndex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(j.Options.Workers)
	for _, f := range files {
		g.Go(func() error { return j.file(gctx, f) })
	}
	if err := g.Wait(); err != nil {
		return j.finish(err)
	}
	if err := ctx.Err(); err != nil {
		return j.finish(err)
	}
	if j.Embedder != nil && j.embedErr == nil {
		if err := j.fillVectors(ctx); err != nil {
			return j.finish(err)
		}
	}
	return j.finish(nil)
}

func (j *Job) finish(err error) (Summary, error) {
	j.mu.Lock()
	j.sum.Elapsed = time.Since(j.start)
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		j.sum.Canceled = true
	}
	if j.embedErr != nil || j.Embedder == nil {
		j.sum.Lexical = true
	}
	j.prog.Phase = PhaseDone
	j.prog.Current = ""
	j.mu.Unlock()
	j.report(true)
	sort.Slice(j.sum.Failed, func(a, b int) bool { return j.sum.Failed[a].Path < j.sum.Failed[b].Path })
	return j.sum, err
}

// report sends a progress snapshot if 200 ms have passed or force is set.
func (j *Job) report(force bool) error {
	if j.OnProgress == nil {
		return nil
	}
	j.mu.Lock()
	now := time.Now()
	if !force && now.Sub(j.lastSent) < 200*time.Millisecond {
		j.mu.Unlock()
		return nil
	}
	j.lastSent = now
	p := j.prog
	p.Elapsed = now.Sub(j.start)
	if p.Phase == PhaseIndex && p.FilesDone > 0 && p.FilesDone < p.FilesTotal {
		p.ETA = time.Duration(float64(p.Elapsed) / float64(p.FilesDone) * float64(p.FilesTotal-p.FilesDone))
	}
	if p.Phase == PhaseEmbed && p.VectorsDone > 0 && p.VectorsDone < p.VectorsTotal {
		p.ETA = time.Duration(float64(p.Elapsed) / float64(p.VectorsDone) * float64(p.VectorsTotal-p.VectorsDone))
	}
	j.mu.Unlock()
	return j.OnProgress(p)
}

// scan resolves paths into the files to index. roots are the folders given
// (their vanished files get removed); missing are named files that do not
// exist (removed if indexed, otherwise failures).
func scan(ctx context.Context, paths []string) (files []string, roots []string, missing []string, failures []Failure) {
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			failures = append(failures, Failure{p, err.Error()})
			continue
		}
		info, err := os.Stat(abs)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing = append(missing, abs)
			} else {
				failures = append(failures, Failure{abs, reason(err)})
			}
			continue
		}
		if !info.IsDir() {
			if !extract.Supported(abs) {
				failures = append(failures, Failure{abs, "unsupported file type " + strings.ToLower(filepath.Ext(abs))})
				continue
			}
			add(abs)
			continue
		}
		roots = append(roots, abs)
		filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				failures = append(failures, Failure{path, reason(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if path != abs && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && extract.Supported(path) {
				add(path)
			}
			return nil
		})
	}
	sort.Strings(files)
	return files, roots, missing, failures
}

// removeGone deletes indexed documents under roots whose files no longer
// exist, and indexed documents named explicitly that are gone.
func (j *Job) removeGone(ctx context.Context, files, roots, missing []string) error {
	present := make(map[string]bool, len(files))
	for _, f := range files {
		present[f] = true
	}
	var gone []string
	for _, root := range roots {
		docs, err := j.Store.Documents(ctx, j.Collection.ID, root)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if !present[d.Path] {
				if _, err := os.Stat(d.Path); errors.Is(err, fs.ErrNotExist) || (err == nil && !extract.Supported(d.Path)) {
					gone = append(gone, d.Path)
				}
			}
		}
	}
	for _, m := range missing {
		if _, err := j.Store.DocumentByPath(ctx, j.Collection.ID, m); err == nil {
			gone = append(gone, m)
		} else {
			j.sum.Failed = append(j.sum.Failed, Failure{m, "no such file or folder"})
		}
	}
	for _, p := range gone {
		ids, err := j.Store.RemoveDocument(ctx, j.Collection.ID, p)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := j.Index.Remove(ctx, j.Collection.Name, ids); err != nil {
			return err
		}
		j.sum.Removed++
	}
	return nil
}

// prepareEmbedder probes the embedding model and records it on the
// collection. A change of model drops the old vectors (they are rebuilt);
// an unreachable or missing model makes the job lexical-only, with a warning.
func (j *Job) prepareEmbedder(ctx context.Context) {
	if j.Embedder == nil {
		j.sum.Warnings = append(j.sum.Warnings, "no embedding model configured: documents are indexed for keyword search only")
		return
	}
	vecs, err := j.Embedder.Embed(ctx, []string{"kura"})
	if err != nil {
		j.embedFailed(err)
		return
	}
	dim := len(vecs[0])
	dropped, err := j.Store.SetEmbedModel(ctx, j.Collection.ID, j.Embedder.Model, dim)
	if err != nil {
		j.embedFailed(err)
		return
	}
	if dropped || j.Collection.EmbedModel != j.Embedder.Model || j.Collection.EmbedDim != dim {
		if j.Collection.EmbedModel != "" {
			j.sum.Warnings = append(j.sum.Warnings, fmt.Sprintf("embedding model changed from %s to %s: rebuilding all vectors", j.Collection.EmbedModel, j.Embedder.Model))
		}
		j.Index.Reset(j.Collection.Name)
	}
	j.Collection.EmbedModel, j.Collection.EmbedDim = j.Embedder.Model, dim
	j.probeOK = true
}

func (j *Job) embedFailed(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.embedErr != nil {
		return
	}
	j.embedErr = err
	j.sum.Warnings = append(j.sum.Warnings, fmt.Sprintf("embeddings unavailable (%s): indexing for keyword search only; vectors are added by the next ingest or `kura reindex`", reason(err)))
}

func (j *Job) firstEmbedErr() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.embedErr
}

func (j *Job) embedder() *Embedder {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.embedErr != nil {
		return nil
	}
	return j.Embedder
}

// file indexes one file. Only errors that must stop the job (cancellation,
// an unwritable index) are returned; everything else is a Failure.
func (j *Job) file(ctx context.Context, path string) error {
	j.mu.Lock()
	j.prog.Current = path
	j.mu.Unlock()
	j.report(false)
	outcome, nChunks, nVecs, fail, err := j.indexFile(ctx, path)
	if err != nil {
		return err
	}
	j.mu.Lock()
	switch outcome {
	case "added":
		j.sum.Added++
	case "updated":
		j.sum.Updated++
	case "unchanged":
		j.sum.Unchanged++
	}
	if fail != "" {
		j.sum.Failed = append(j.sum.Failed, Failure{path, fail})
		j.prog.Failed++
	}
	j.sum.Chunks += nChunks
	j.sum.Vectors += nVecs
	j.prog.Chunks += nChunks
	j.prog.FilesDone++
	j.mu.Unlock()
	return j.report(false)
}

func (j *Job) indexFile(ctx context.Context, path string) (outcome string, nChunks, nVecs int, fail string, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", 0, 0, reason(err), nil
	}
	old, oldErr := j.Store.DocumentByPath(ctx, j.Collection.ID, path)
	exists := oldErr == nil
	if oldErr != nil && !errors.Is(oldErr, store.ErrNotFound) {
		return "", 0, 0, "", oldErr
	}
	outcome = "added"
	if exists {
		outcome = "updated"
	}
	retry := exists && (old.Status == store.StatusFailed ||
		j.ocrReady() && (old.Status == store.StatusNeedsOCR || old.OCRPending > 0))
	if exists && !j.Options.Force && !retry && old.Size == info.Size() && old.ModTime == info.ModTime().Unix() {
		return "unchanged", 0, 0, "", nil
	}
	hash, err := hashFile(ctx, path, j.Options.MaxFileBytes)
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, 0, "", ctx.Err()
		}
		return j.storeFailure(ctx, path, info, "", outcome, err)
	}
	if exists && !j.Options.Force && !retry && old.Hash == hash {
		return "unchanged", 0, 0, "", nil
	}

	xctx, cancel := context.WithTimeout(ctx, j.Options.FileTimeout)
	doc, xerr := extract.File(xctx, path, extract.Options{MaxBytes: j.Options.MaxFileBytes})
	cancel()
	if ctx.Err() != nil {
		return "", 0, 0, "", ctx.Err()
	}
	if xerr != nil {
		if errors.Is(xerr, context.DeadlineExceeded) {
			xerr = fmt.Errorf("gave up after %s: the file takes too long to read", j.Options.FileTimeout)
		}
		return j.storeFailure(ctx, path, info, hash, outcome, xerr)
	}

	ocrRes, err := j.recognise(ctx, path, hash, &doc)
	if err != nil {
		return "", 0, 0, "", err
	}
	notes := joinNotes(doc.Damage, ocrRes.notes)
	pages := make([]store.Page, 0, len(doc.Pages))
	cp := make([]chunk.Page, 0, len(doc.Pages))
	for _, p := range doc.Pages {
		pages = append(pages, store.Page{Number: p.Number, Text: p.Text})
		cp = append(cp, chunk.Page{Number: p.Number, Text: p.Text})
	}
	var chunks []store.NewChunk
	for _, c := range chunk.SplitPages(cp, j.Options.Chunk) {
		chunks = append(chunks, store.NewChunk{Page: c.Page, EndPage: c.EndPage, Start: c.Start, End: c.End, Text: c.Text, Terms: tokenize.IndexText(c.Text)})
	}
	if len(chunks) == 0 {
		switch {
		case len(ocrRes.pending) > 0:
			return j.storeNeedsOCR(ctx, path, info, hash, outcome, len(ocrRes.pending), ocrRes.notes)
		case ocrRes.failed != nil:
			return j.storeFailure(ctx, path, info, hash, outcome, fmt.Errorf("OCR failed: %w", ocrRes.failed))
		}
		return j.storeFailure(ctx, path, info, hash, outcome, extract.ErrNoText)
	}

	status := store.StatusLexical
	emb := j.embedder()
	if emb == nil && j.probeOK {
		// The model answered at the start and stopped since: each file
		// that misses its vectors is reported, not only the first.
		fail = "stored for keyword search only: embedding failed: " + reason(j.firstEmbedErr())
	}
	if emb != nil {
		texts := make([]string, len(chunks))
		for i, c := range chunks {
			texts[i] = c.Text
		}
		vecs, err := embedAll(ctx, emb, texts, j.Options.BatchSize)
		switch {
		case err == nil:
			for i := range chunks {
				chunks[i].Vector = vecs[i]
			}
			status = store.StatusIndexed
			nVecs = len(vecs)
		case ctx.Err() != nil:
			return "", 0, 0, "", ctx.Err()
		default:
			j.embedFailed(err)
			fail = "stored for keyword search only: embedding failed: " + reason(err)
		}
	}
	fail = joinNotes(notes, fail)
	d := store.Document{
		CollectionID: j.Collection.ID, Path: path, Hash: hash, Size: info.Size(),
		ModTime: info.ModTime().Unix(), Status: status, Title: doc.Title, Pages: len(doc.Pages),
		Error: notes, OCRPending: len(ocrRes.pending), OCRPages: ocrRes.pages,
	}
	_, removed, added, err := j.Store.PutDocument(ctx, d, pages, chunks)
	if err != nil {
		return "", 0, 0, "", err
	}
	if err := j.Index.Remove(ctx, j.Collection.Name, removed); err != nil {
		return "", 0, 0, "", err
	}
	if status == store.StatusIndexed {
		items := make([]vector.Item, len(added))
		for i, id := range added {
			items[i] = vector.Item{ChunkID: id, Vec: chunks[i].Vector}
		}
		if err := j.Index.Add(ctx, j.Collection.Name, items); err != nil {
			return "", 0, 0, "", err
		}
	}
	return outcome, len(chunks), nVecs, fail, nil
}

// storeFailure records a file that could not be read, replacing any earlier
// version: the index must not answer from text the file no longer holds.
func (j *Job) storeFailure(ctx context.Context, path string, info os.FileInfo, hash, outcome string, cause error) (string, int, int, string, error) {
	status := store.StatusFailed
	if errors.Is(cause, extract.ErrNoText) {
		status = store.StatusNoText
	}
	msg := reason(cause)
	d := store.Document{CollectionID: j.Collection.ID, Path: path, Hash: hash, Size: info.Size(),
		ModTime: info.ModTime().Unix(), Status: status, Error: msg}
	_, removed, _, err := j.Store.PutDocument(ctx, d, nil, nil)
	if err != nil {
		return "", 0, 0, "", err
	}
	if err := j.Index.Remove(ctx, j.Collection.Name, removed); err != nil {
		return "", 0, 0, "", err
	}
	return outcome, 0, 0, msg, nil
}

// fillVectors embeds chunks stored without vectors (from lexical-only jobs
// or after a model change).
func (j *Job) fillVectors(ctx context.Context) error {
	c, err := j.Store.Collection(ctx, j.Collection.Name)
	if err != nil {
		return err
	}
	missing := c.Chunks - c.Vectors
	if missing <= 0 {
		return nil
	}
	j.mu.Lock()
	j.prog.Phase = PhaseEmbed
	j.prog.VectorsTotal = missing
	j.mu.Unlock()
	for {
		batch, err := j.Store.MissingVectors(ctx, j.Collection.ID, j.Options.BatchSize*4)
		if err != nil || len(batch) == 0 {
			return err
		}
		texts := make([]string, len(batch))
		for i, c := range batch {
			texts[i] = c.Text
		}
		vecs, err := embedAll(ctx, j.Embedder, texts, j.Options.BatchSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			j.embedFailed(err)
			return nil
		}
		sv := make([]store.Vector, len(batch))
		items := make([]vector.Item, len(batch))
		for i, c := range batch {
			sv[i] = store.Vector{ChunkID: c.ID, Vec: vecs[i]}
			items[i] = vector.Item{ChunkID: c.ID, Vec: vecs[i]}
		}
		if err := j.Store.SetVectors(ctx, sv); err != nil {
			return err
		}
		if err := j.Index.Add(ctx, j.Collection.Name, items); err != nil {
			return err
		}
		j.mu.Lock()
		j.sum.Vectors += len(batch)
		j.prog.VectorsDone += len(batch)
		j.mu.Unlock()
		if err := j.report(false); err != nil {
			return err
		}
	}
}

// embedAll embeds texts in batches. A batch the model rejects as too long is
// retried text by text, and a single text that is too long is embedded in
// halves whose vectors are averaged, weighted by length: nothing is
// silently truncated.
func embedAll(ctx context.Context, emb *Embedder, texts []string, batch int) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for i := 0; i < len(texts); i += batch {
		part := texts[i:min(i+batch, len(texts))]
		vecs, err := emb.Embed(ctx, part)
		if errors.Is(err, llm.ErrInputTooLong) {
			vecs = make([][]float32, len(part))
			for k, t := range part {
				if vecs[k], err = embedOne(ctx, emb, t, 0); err != nil {
					return nil, err
				}
			}
		} else if err != nil {
			return nil, err
		}
		for _, v := range vecs {
			out = append(out, vector.Normalize(v))
		}
	}
	return out, nil
}

func embedOne(ctx context.Context, emb *Embedder, text string, depth int) ([]float32, error) {
	vecs, err := emb.Embed(ctx, []string{text})
	if err == nil {
		return vecs[0], nil
	}
	r := []rune(text)
	if !errors.Is(err, llm.ErrInputTooLong) || depth >= 8 || len(r) < 2 {
		return nil, err
	}
	mid := len(r) / 2
	a, err := embedOne(ctx, emb, string(r[:mid]), depth+1)
	if err != nil {
		return nil, err
	}
	b, err := embedOne(ctx, emb, string(r[mid:]), depth+1)
	if err != nil {
		return nil, err
	}
	wa, wb := float32(mid), float32(len(r)-mid)
	v := make([]float32, len(a))
	for i := range v {
		v[i] = (a[i]*wa + b[i]*wb) / (wa + wb)
	}
	return v, nil
}

func hashFile(ctx context.Context, path string, maxBytes int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if info.Size() > maxBytes {
		return "", fmt.Errorf("%w: %s is larger than the %d MiB limit", extract.ErrTooLarge, filepath.Base(path), maxBytes>>20)
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// reason turns an error into the one-line reason shown to users.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, fs.ErrPermission):
			return "permission denied"
		case errors.Is(err, fs.ErrNotExist):
			return "no such file"
		}
		return pe.Err.Error()
	}
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// storeNeedsOCR records a file whose text is all in scanned pages or an
// image while no OCR engine is installed: no chunks, the way to install
// one in Error, and the pages waiting counted, so the first job with an
// engine reads it.
func (j *Job) storeNeedsOCR(ctx context.Context, path string, info os.FileInfo, hash, outcome string, pending int, msg string) (string, int, int, string, error) {
	d := store.Document{CollectionID: j.Collection.ID, Path: path, Hash: hash, Size: info.Size(),
		ModTime: info.ModTime().Unix(), Status: store.StatusNeedsOCR, Error: msg, OCRPending: pending}
	_, removed, _, err := j.Store.PutDocument(ctx, d, nil, nil)
	if err != nil {
		return "", 0, 0, "", err
	}
	if err := j.Index.Remove(ctx, j.Collection.Name, removed); err != nil {
		return "", 0, 0, "", err
	}
	return outcome, 0, 0, msg, nil
}

// withPendingOCR adds to files the collection's documents that wait for
// OCR, when an engine is there now: installing one is enough for the next
// job to read them, whatever it was asked to index.
func (j *Job) withPendingOCR(ctx context.Context, files []string) []string {
	if !j.ocrReady() {
		return files
	}
	docs, err := j.Store.PendingOCR(ctx, j.Collection.ID)
	if err != nil || len(docs) == 0 {
		return files
	}
	have := make(map[string]bool, len(files))
	for _, f := range files {
		have[f] = true
	}
	for _, d := range docs {
		if info, err := os.Stat(d.Path); err == nil && info.Mode().IsRegular() && !have[d.Path] {
			files = append(files, d.Path)
			have[d.Path] = true
		}
	}
	sort.Strings(files)
	return files
}
