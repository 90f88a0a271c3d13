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
	MaxFileBytes int64 // default 200 MiB; plain text and CSV: MaxStreamBytes
	// MaxStreamBytes bounds plain-text and CSV files, which are read as a
	// stream; default 2 GiB (extract.DefaultMaxStreamBytes).
	MaxStreamBytes int64
	// MaxExpandBytes bounds what a zip-based file expands to; default
	// 256 MiB (extract.DefaultMaxExpandBytes).
	MaxExpandBytes int64
	// HeldText is how much text of one file is held to be chunked and
	// embedded at once; a longer file is written as a stream (see
	// large.go). Default 8 MiB.
	HeldText int
	// MaxPassages bounds the passages of one file; default 500,000.
	MaxPassages int
	FileTimeout time.Duration // extraction limit per file; default 5 min, plus a second per MiB streamed
	Workers     int           // files processed at once; default NumCPU, at most 4
	BatchSize   int           // chunks per embedding request; default 32
	// Force re-processes files even when their content is unchanged
	// (used after a chunking change).
	Force bool
}

func (o Options) normalized() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = 200 << 20
	}
	if o.MaxStreamBytes <= 0 {
		o.MaxStreamBytes = extract.DefaultMaxStreamBytes
	}
	if o.HeldText <= 0 {
		o.HeldText = 8 << 20
	}
	if o.MaxPassages <= 0 {
		o.MaxPassages = 500_000
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
	Options    Options
	// OnProgress, if set, receives snapshots at most every 200 ms and
	// always the final one; an error it returns stops the job.
	OnProgress func(Progress) error
	// Shared coordinates the jobs of one library (files being indexed,
	// memory of files being read); nil: the job's own.
	Shared *Shared

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
	if j.Shared == nil {
		j.Shared = NewShared(0)
	}
	j.start = time.Now()
	j.prog = Progress{Phase: PhaseScan}
	j.report(true)

	files, roots, missing, failures, notes := scan(ctx, paths)
	j.sum.Failed = append(j.sum.Failed, failures...)
	j.sum.Warnings = append(j.sum.Warnings, notes...)
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
// exist (removed if indexed, otherwise failures); notes are warnings about
// what was left out of folders on purpose (links).
func scan(ctx context.Context, paths []string) (files []string, roots []string, missing []string, failures []Failure, notes []string) {
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
			switch {
			case !info.Mode().IsRegular():
				// A named pipe, device or socket (or a link to one):
				// reading it could block forever or never end.
				failures = append(failures, Failure{abs, notRegular(info.Mode())})
			case !extract.Supported(abs):
				failures = append(failures, Failure{abs, "unsupported file type " + strings.ToLower(filepath.Ext(abs))})
			default:
				add(abs)
			}
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
			switch {
			case d.IsDir() || !extract.Supported(path):
			case d.Type().IsRegular():
				add(path)
			case d.Type()&fs.ModeSymlink != 0:
				// Links are not followed in folders (they could lead out
				// of the folder, or round in a loop); say so.
				notes = append(notes, path+": a symbolic link: links inside folders are not followed; add its target instead")
			default:
				failures = append(failures, Failure{path, notRegular(d.Type())})
			}
			return nil
		})
	}
	sort.Strings(files)
	return files, roots, missing, failures, notes
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
		if errors.Is(err, store.ErrNotFound) {
			continue // another job removed it: its removal, not ours
		}
		if err != nil {
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
//
// A file counts once, in the one outcome it had: added, updated, unchanged
// or failed (a failed file is recorded, but not counted as added). A note
// on a file that was stored (its vectors could not be computed) is a
// warning. A file another job is indexing is waited for (see Shared).
func (j *Job) file(ctx context.Context, path string) error {
	j.mu.Lock()
	j.prog.Current = path
	j.mu.Unlock()
	j.report(false)
	release, err := j.Shared.claim(ctx, j.Collection.ID, path)
	if err != nil {
		return err
	}
	outcome, nChunks, nVecs, note, err := j.indexFile(ctx, path)
	release()
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
	case "failed":
		j.sum.Failed = append(j.sum.Failed, Failure{path, note})
		j.prog.Failed++
	}
	if note != "" && outcome != "failed" {
		j.sum.Warnings = append(j.sum.Warnings, path+": "+note)
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
		return "failed", 0, 0, reason(err), nil
	}
	if !info.Mode().IsRegular() {
		return "failed", 0, 0, notRegular(info.Mode()), nil
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
	retry := exists && old.Status == store.StatusFailed
	if exists && !j.Options.Force && !retry && old.Size == info.Size() && old.ModTime == info.ModTime().Unix() {
		return "unchanged", 0, 0, "", nil
	}
	hash, err := hashFile(ctx, path, j.maxBytes(path))
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, 0, "", ctx.Err()
		}
		return j.storeFailure(ctx, path, info, "", outcome, err)
	}
	if exists && !j.Options.Force && !retry && old.Hash == hash {
		return "unchanged", 0, 0, "", nil
	}

	release, err := j.Shared.reserve(ctx, path, info.Size())
	if err != nil {
		return "", 0, 0, "", err
	}
	defer release()
	xctx, cancel := context.WithTimeout(ctx, j.fileTimeout(info.Size()))
	defer cancel()
	if streamedFormat(path) && info.Size() > int64(j.Options.HeldText) {
		// A plain text or CSV file holds about its size in text: too long
		// to hold, known without reading it.
		return j.indexLarge(ctx, xctx, path, info, hash, outcome)
	}
	doc, xerr := readHeld(xctx, path, j.extractOptions(), j.Options.HeldText)
	if ctx.Err() != nil {
		return "", 0, 0, "", ctx.Err()
	}
	if errors.Is(xerr, errLarge) {
		return j.indexLarge(ctx, xctx, path, info, hash, outcome)
	}
	if xerr != nil {
		return j.storeFailure(ctx, path, info, hash, outcome, j.timeoutWords(xerr))
	}

	pages := make([]store.Page, 0, len(doc.Pages))
	var chunks []store.NewChunk
	for _, p := range doc.Pages {
		pages = append(pages, store.Page{Number: p.Number, Text: p.Text})
		chunks = append(chunks, splitPage(p.Number, p.Text, j.Options.Chunk)...)
	}
	if len(chunks) == 0 {
		return j.storeFailure(ctx, path, info, hash, outcome, extract.ErrNoText)
	}
	if len(chunks) > j.Options.MaxPassages {
		return j.storeFailure(ctx, path, info, hash, outcome, fmt.Errorf("more than %d passages, the limit for one file: %w", j.Options.MaxPassages, extract.ErrTooLarge))
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
		// A heartbeat per batch: embedding one long file takes minutes on a
		// busy laptop, and the job's progress should not fall silent.
		vecs, err := embedAll(ctx, emb, texts, j.Options.BatchSize, func() { j.report(false) })
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
	d := store.Document{
		CollectionID: j.Collection.ID, Path: path, Hash: hash, Size: info.Size(),
		ModTime: info.ModTime().Unix(), Status: status, Title: doc.Title, Pages: len(doc.Pages),
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
// Its outcome is "failed", whether or not it was indexed before.
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
	return "failed", 0, 0, msg, nil
}

// extractOptions are the extraction budgets of the job.
func (j *Job) extractOptions() extract.Options {
	return extract.Options{MaxBytes: j.Options.MaxFileBytes, MaxStreamBytes: j.Options.MaxStreamBytes, MaxExpandBytes: j.Options.MaxExpandBytes}
}

// maxBytes is the size limit of path's format.
func (j *Job) maxBytes(path string) int64 {
	if streamedFormat(path) {
		return j.Options.MaxStreamBytes
	}
	return j.Options.MaxFileBytes
}

// streamedFormat reports whether path is plain text or CSV, which
// extraction reads as a stream.
func streamedFormat(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".txt", ".md", ".markdown", ".csv":
		return true
	}
	return false
}

// fileTimeout is the time one file may take: FileTimeout, plus a second
// per MiB for the long files that are read as a stream.
func (j *Job) fileTimeout(size int64) time.Duration {
	return j.Options.FileTimeout + time.Duration(size>>20)*time.Second
}

// timeoutWords says in words that a file took too long.
func (j *Job) timeoutWords(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("gave up after %s: the file takes too long to read", j.Options.FileTimeout)
	}
	return err
}

// notRegular is the reason a path that is not a regular file is refused.
func notRegular(m fs.FileMode) string {
	return extract.Kind(m) + ", not a regular file: not read"
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
		vecs, err := embedAll(ctx, j.Embedder, texts, j.Options.BatchSize, nil)
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
// silently truncated. onBatch, if set, is called after each batch.
func embedAll(ctx context.Context, emb *Embedder, texts []string, batch int, onBatch func()) ([][]float32, error) {
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
		if onBatch != nil {
			onBatch()
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

// hashFile is the SHA-256 of the regular file at path, read under ctx. It
// opens the file without blocking and checks what it opened (see
// extract.OpenFile), so a file swapped for a named pipe is refused, not
// waited on.
func hashFile(ctx context.Context, path string, maxBytes int64) (string, error) {
	f, info, err := extract.OpenFile(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
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
