// Package ingest turns files and folders into indexed documents: it walks
// the paths, skips files whose content has not changed, extracts text,
// chunks it, and stores each document in one transaction. A document is
// keyword-searchable the moment its transaction commits; its vectors are
// computed afterwards from the store (package vectorize), because on a
// laptop CPU embedding costs a thousand times more than reading.
//
// A job never stops for one bad file: every file ends as added, updated,
// unchanged, removed or failed (with a one-line reason), and a file that
// fails leaves the rest of the index as it was. Because each document is
// committed atomically, a job killed at any moment can simply be run again:
// finished documents are unchanged, the rest are done, none is duplicated.
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
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kura-app/kura/internal/chunk"
	"github.com/kura-app/kura/internal/ctxio"
	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/pathtext"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
	"github.com/kura-app/kura/internal/vector"
)

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
	// HeldText is how much text of one file is held to be chunked at
	// once; a longer file is written as a stream (see large.go). Default
	// 8 MiB.
	HeldText int
	// MaxPassages bounds the passages of one file; default 500,000.
	MaxPassages int
	FileTimeout time.Duration // extraction limit per file; default 5 min, plus a second per MiB of the file
	Workers     int           // files processed at once; default NumCPU, at most 4
	// ProgressEvery throttles progress reports between files; default
	// 200 ms, negative for a report after every file.
	ProgressEvery time.Duration
	// Force re-processes files even when their content is unchanged
	// (used after a chunking change).
	Force bool
	// Changes says the paths are what changed in a watched folder (files
	// or folders, present or gone): a path that is gone removes its
	// document and is no failure when it had none (a temporary file), and
	// a file the walk of its folder would pass over (hidden, of a type
	// not read, not a regular file) is passed over quietly.
	Changes bool
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
	if o.ProgressEvery == 0 {
		o.ProgressEvery = 200 * time.Millisecond
	}
	return o
}

// Phases of a job, in order. The embedding phase is not this package's
// (see vectorize) but callers report it through the same Progress.
const (
	PhaseScan  = "scanning"
	PhaseIndex = "reading"   // extracting and storing files: keyword search follows each file
	PhaseEmbed = "embedding" // computing vectors for the stored passages
	PhaseDone  = "done"
)

// Progress is a snapshot of a running job.
type Progress struct {
	Phase      string
	FilesDone  int
	FilesTotal int
	// BytesDone and BytesTotal measure the files to read (the ETA of the
	// reading phase comes from them: files differ in size a thousandfold).
	BytesDone, BytesTotal int64
	Chunks                int    // chunks written so far
	Current               string // file being processed
	Failed                int
	Elapsed               time.Duration
	ETA                   time.Duration // 0 when unknown
	// Rate is files per second while reading, passages per second while
	// embedding; 0 until measured.
	Rate float64
	// VectorsDone/VectorsTotal count the embedding phase: passages with a
	// vector, of all the collection's passages.
	VectorsDone, VectorsTotal int
	// EmbedModel is the model of the embedding phase; Rebuild is true when
	// it replaces another model's vectors (which answer until it is done).
	EmbedModel string
	Rebuild    bool
	// OCRPagesDone/OCRPagesTotal count the scanned pages (and images)
	// found so far and read so far, during the reading phase; the total
	// grows as files are read.
	OCRPagesDone, OCRPagesTotal int
}

// Consistent returns p with every total at least its count done: a file
// that grows between the walk and its reading, pages found as files are
// read, passages added while vectors are computed all move a count past a
// total measured earlier, and a progress line never says "2 of 1". Every
// snapshot a job or the embedding phase reports passes through it.
func (p Progress) Consistent() Progress {
	p.FilesTotal = max(p.FilesTotal, p.FilesDone)
	p.BytesTotal = max(p.BytesTotal, p.BytesDone)
	p.OCRPagesTotal = max(p.OCRPagesTotal, p.OCRPagesDone)
	p.VectorsTotal = max(p.VectorsTotal, p.VectorsDone)
	return p
}

// Failure is a file that could not be indexed (or was in part), and why:
// Reason in one line, and its Kind (a Kind constant, "" for none of them),
// which is also stored with the document (store.Document.ErrorKind).
type Failure struct {
	Path   string
	Reason string
	Kind   string
}

// Summary is the outcome of a job.
type Summary struct {
	Added, Updated, Unchanged, Removed int
	Failed                             []Failure
	Chunks                             int // chunks written by this job
	// KeywordReady is when every file read had been stored for keyword
	// search, from the start of the job.
	KeywordReady time.Duration
	// Vectors are the vectors computed by the embedding phase; Lexical is
	// true when it could not compute them all (VectorsMissing remain).
	Vectors        int
	VectorsMissing int
	Lexical        bool
	// EmbedErr is why the embedding phase stopped short (the model is
	// missing, the runtime is down), for callers that word a remedy; the
	// warning in Warnings says it too. Nil when it did not.
	EmbedErr error
	Warnings []string
	// Kept are folders given to the job that hold none of the files
	// indexed from them, nor any other: their documents were kept, not
	// removed (see KeptFolder).
	Kept     []KeptFolder
	Elapsed  time.Duration
	Canceled bool
}

// KeptFolder is a folder that holds none of the Documents indexed from it
// and no other file to index. A drive that is not mounted leaves an empty
// mount point, and a network share that did not connect an empty folder:
// the files are not gone, only out of reach, so the job keeps their
// documents, as it does for a folder that is not there at all, and says
// so. A user who did delete them all removes the documents explicitly.
type KeptFolder struct {
	Path      string
	Documents int
}

// KeptWarning says, in a summary's words, what happened to a kept
// folder's documents.
func KeptWarning(k KeptFolder) string {
	return fmt.Sprintf("%s holds none of the %d files indexed from it, nor any other (a drive not mounted, a share not connected?): "+
		"their documents stay indexed until the files are back; if you deleted them, remove the folder's documents", k.Path, k.Documents)
}

// Job is one ingest run over one collection.
type Job struct {
	Store      *store.Store
	Index      *vector.Index
	Collection store.Collection
	OCR        OCR // zero: no OCR engine; scans wait for one
	Options    Options
	// OnProgress, if set, receives snapshots at most every 200 ms, at
	// least once a second while the job runs, and always the final one; an
	// error it returns stops the job. Calls may come from several
	// goroutines but never at the same time.
	OnProgress func(Progress) error
	// Shared coordinates the jobs of one library (files being indexed,
	// memory of files being read); nil: the job's own.
	Shared *Shared

	mu       sync.Mutex
	prog     Progress
	sum      Summary
	start    time.Time
	lastSent time.Time
	sendMu   sync.Mutex // serialises OnProgress
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
	stopTick := j.tick()
	defer stopTick()

	files, roots, missing, failures, notes := scan(ctx, paths, j.Options.Changes)
	j.mu.Lock()
	j.sum.Failed = append(j.sum.Failed, failures...)
	j.sum.Warnings = append(j.sum.Warnings, notes...)
	files = j.withPendingOCR(ctx, files)
	j.prog.FilesTotal = len(files)
	for _, f := range files {
		if info, err := os.Stat(f); err == nil {
			j.prog.BytesTotal += info.Size()
		}
	}
	j.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return j.finish(err)
	}

	if err := j.removeGone(ctx, files, roots, missing); err != nil {
		return j.finish(err)
	}

	j.mu.Lock()
	j.prog.Phase = PhaseIndex
	j.mu.Unlock()
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
	return j.finish(nil)
}

// tick sends a snapshot every second while the job runs, so that progress
// (elapsed time, the ETA) moves while a large file is read; the returned
// function stops it.
func (j *Job) tick() func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				j.mu.Lock()
				due := time.Since(j.lastSent) >= 900*time.Millisecond
				j.mu.Unlock()
				if due {
					j.report(true)
				}
			}
		}
	}()
	return func() { close(stop); <-done }
}

func (j *Job) finish(err error) (Summary, error) {
	j.mu.Lock()
	j.sum.Elapsed = time.Since(j.start)
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		j.sum.Canceled = true
	}
	j.sum.KeywordReady = j.sum.Elapsed
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
	if !force && now.Sub(j.lastSent) < j.Options.ProgressEvery {
		j.mu.Unlock()
		return nil
	}
	j.lastSent = now
	p := j.prog.Consistent()
	p.Elapsed = now.Sub(j.start)
	if p.Phase == PhaseIndex && p.Elapsed > 0 {
		p.Rate = float64(p.FilesDone) / p.Elapsed.Seconds()
		// Bytes predict the time left better than files (a 300-page PDF
		// and a memo are one file each).
		if p.BytesDone > 0 && p.BytesDone < p.BytesTotal {
			p.ETA = time.Duration(float64(p.Elapsed) / float64(p.BytesDone) * float64(p.BytesTotal-p.BytesDone))
		}
	}
	j.mu.Unlock()
	j.sendMu.Lock()
	defer j.sendMu.Unlock()
	return j.OnProgress(p)
}

// scan resolves paths into the files to index. roots are the folders given
// (their vanished files get removed); missing are named files that do not
// exist (removed if indexed, otherwise failures); notes are warnings about
// what was left out of folders on purpose (links). With changes set (see
// Options.Changes), a path a folder's walk would pass over is passed over.
func scan(ctx context.Context, paths []string, changes bool) (files []string, roots []string, missing []string, failures []Failure, notes []string) {
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
			failures = append(failures, Failure{Path: p, Reason: err.Error(), Kind: kindOf(err)})
			continue
		}
		info, err := os.Stat(abs)
		if changes && (strings.HasPrefix(filepath.Base(abs), ".") || err == nil && !info.IsDir() && (!info.Mode().IsRegular() || !extract.Supported(abs))) {
			continue // what the walk of its folder would not read
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing = append(missing, abs)
			} else {
				failures = append(failures, Failure{Path: abs, Reason: reason(err), Kind: kindOf(err)})
			}
			continue
		}
		if !info.IsDir() {
			switch {
			case !info.Mode().IsRegular():
				// A named pipe, device or socket (or a link to one):
				// reading it could block forever or never end.
				failures = append(failures, Failure{Path: abs, Reason: notRegular(info.Mode())})
			case !extract.Supported(abs):
				failures = append(failures, Failure{Path: abs, Reason: "unsupported file type " + strings.ToLower(filepath.Ext(abs))})
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
				failures = append(failures, Failure{Path: path, Reason: reason(err), Kind: kindOf(err)})
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
				failures = append(failures, Failure{Path: path, Reason: notRegular(d.Type())})
			}
			return nil
		})
	}
	sort.Strings(files)
	return files, roots, missing, failures, notes
}

// removeGone deletes indexed documents under roots whose files no longer
// exist, and indexed documents named explicitly that are gone. A root
// that holds no file to index while every document indexed from it is
// gone keeps its documents (KeptFolder): emptiness alone is no proof that
// the files were deleted.
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
		var vanished []string
		for _, d := range docs {
			if !present[d.Path] {
				if _, err := os.Stat(d.Path); errors.Is(err, fs.ErrNotExist) || (err == nil && !extract.Supported(d.Path)) {
					vanished = append(vanished, d.Path)
				}
			}
		}
		if len(vanished) > 0 && len(vanished) == len(docs) && !slices.ContainsFunc(files, func(f string) bool { return pathtext.Within(f, root) }) {
			k := KeptFolder{Path: root, Documents: len(docs)}
			j.sum.Kept = append(j.sum.Kept, k)
			j.sum.Warnings = append(j.sum.Warnings, KeptWarning(k))
			continue
		}
		gone = append(gone, vanished...)
	}
	for _, m := range missing {
		if _, err := j.Store.DocumentByPath(ctx, j.Collection.ID, m); err == nil {
			gone = append(gone, m)
		} else if !j.Options.Changes {
			j.sum.Failed = append(j.sum.Failed, Failure{Path: m, Reason: "no such file or folder"})
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
		if err := j.Index.Remove(ctx, ids); err != nil {
			return err
		}
		j.sum.Removed++
	}
	return nil
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
	outcome, nChunks, note, err := j.indexFile(ctx, path)
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
	}
	if note.Reason != "" {
		// A failed file, or an indexed one with pages lost or waiting
		// for OCR: either way part of it cannot be found, so it is listed
		// with the failures.
		note.Path = path
		j.sum.Failed = append(j.sum.Failed, note)
		j.prog.Failed++
	}
	j.sum.Chunks += nChunks
	j.prog.Chunks += nChunks
	j.prog.FilesDone++
	if info, err := os.Stat(path); err == nil {
		j.prog.BytesDone += info.Size()
	}
	j.mu.Unlock()
	return j.report(false)
}

// indexFile indexes the file at path. fail is what is said of a file that
// failed or was indexed in part (its Path left empty), zero otherwise.
func (j *Job) indexFile(ctx context.Context, path string) (outcome string, nChunks int, fail Failure, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return "failed", 0, Failure{Reason: reason(err), Kind: kindOf(err)}, nil
	}
	if !info.Mode().IsRegular() {
		return "failed", 0, Failure{Reason: notRegular(info.Mode())}, nil
	}
	old, oldErr := j.Store.DocumentByPath(ctx, j.Collection.ID, path)
	exists := oldErr == nil
	if oldErr != nil && !errors.Is(oldErr, store.ErrNotFound) {
		return "", 0, Failure{}, oldErr
	}
	outcome = "added"
	if exists {
		outcome = "updated"
	}
	retry := exists && (old.Status == store.StatusFailed ||
		j.ocrReady() && (old.Status == store.StatusNeedsOCR || old.OCRPending > 0))
	if exists && !j.Options.Force && !retry && old.Size == info.Size() && old.ModTime == info.ModTime().Unix() {
		return "unchanged", 0, Failure{}, nil
	}
	hash, err := hashFile(ctx, path, j.maxBytes(path))
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, Failure{}, ctx.Err()
		}
		return j.storeFailure(ctx, path, info, "", outcome, err)
	}
	if exists && !j.Options.Force && !retry && old.Hash == hash {
		return "unchanged", 0, Failure{}, nil
	}

	release, err := j.Shared.reserve(ctx, path, info.Size())
	if err != nil {
		return "", 0, Failure{}, err
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
		return "", 0, Failure{}, ctx.Err()
	}
	if errors.Is(xerr, errLarge) {
		return j.indexLarge(ctx, xctx, path, info, hash, outcome)
	}
	if xerr != nil {
		return j.storeFailure(ctx, path, info, hash, outcome, xerr)
	}

	ocrRes, err := j.recognise(ctx, path, hash, &doc)
	if err != nil {
		return "", 0, Failure{}, err
	}
	notes := joinNotes(doc.Damage, ocrRes.notes)
	kind := ""
	switch {
	case doc.Damage != "":
		kind = KindDamaged
	case len(ocrRes.pending) > 0:
		kind = KindNeedsOCR
	case ocrRes.failed != nil:
		kind = kindOf(ocrRes.failed)
	}
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
	if len(chunks) > j.Options.MaxPassages {
		return j.storeFailure(ctx, path, info, hash, outcome, fmt.Errorf("more than %d passages, the limit for one file: %w", j.Options.MaxPassages, extract.ErrTooLarge))
	}

	d := store.Document{
		CollectionID: j.Collection.ID, Path: path, Hash: hash, Size: info.Size(),
		ModTime: info.ModTime().Unix(), Status: store.StatusLexical, Title: doc.Title, Pages: len(doc.Pages),
		Error: notes, ErrorKind: kind, OCRPending: len(ocrRes.pending), OCRPages: ocrRes.pages,
	}
	_, removed, _, err := j.Store.PutDocument(ctx, d, pages, chunks)
	if err != nil {
		return "", 0, Failure{}, err
	}
	if err := j.Index.Remove(ctx, removed); err != nil {
		return "", 0, Failure{}, err
	}
	return outcome, len(chunks), Failure{Reason: notes, Kind: kind}, nil
}

// storeFailure records a file that could not be read, replacing any earlier
// version: the index must not answer from text the file no longer holds.
// Its outcome is "failed", whether or not it was indexed before.
func (j *Job) storeFailure(ctx context.Context, path string, info os.FileInfo, hash, outcome string, cause error) (string, int, Failure, error) {
	status := store.StatusFailed
	if errors.Is(cause, extract.ErrNoText) {
		status = store.StatusNoText
	}
	fail := Failure{Reason: reason(j.timeoutWords(cause)), Kind: kindOf(cause)}
	d := store.Document{CollectionID: j.Collection.ID, Path: path, Hash: hash, Size: info.Size(),
		ModTime: info.ModTime().Unix(), Status: status, Error: fail.Reason, ErrorKind: fail.Kind}
	_, removed, _, err := j.Store.PutDocument(ctx, d, nil, nil)
	if err != nil {
		return "", 0, Failure{}, err
	}
	if err := j.Index.Remove(ctx, removed); err != nil {
		return "", 0, Failure{}, err
	}
	return "failed", 0, fail, nil
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

// streamedFormat reports whether path is of a format extraction reads as
// a stream (plain text, Markdown, CSV).
func streamedFormat(path string) bool {
	f, ok := extract.FormatOf(path)
	return ok && f.Streamed
}

// fileTimeout is the time one file may take: FileTimeout, plus a second
// per MiB of the file, whatever its format (a 200 MiB PDF gets 5 min and
// 200 s), so that a long file that is being read is not cut off.
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
	if _, err := io.Copy(h, ctxio.NewReader(ctx, f)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Kinds of failure a user can act on (Failure.Kind, store.Document.ErrorKind).
const (
	KindEncrypted   = "encrypted"   // needs a password, or DRM-protected
	KindNoText      = "no_text"     // nothing to read (a scan without OCR)
	KindTooLarge    = "too_large"   // over the size limit
	KindCorrupt     = "corrupt"     // damaged or not what its extension says
	KindUnsupported = "unsupported" // a format Kura does not read
	KindPermission  = "permission"  // the file may not be read
	KindMissing     = "missing"     // the file is gone
	KindTimeout     = "timeout"     // reading it took too long
	KindNeedsOCR    = "needs_ocr"   // scanned pages wait for an OCR engine
	KindDamaged     = "damaged"     // indexed, but some pages were lost
)

// kindOf is the kind of a failure, told from the error itself: extract's
// sentinels, a missing or unreadable file, a file that took too long ("",
// for none of the Kind constants). An error wrapping several sentinels
// takes the first in the order below.
func kindOf(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, extract.ErrEncrypted):
		return KindEncrypted
	case errors.Is(err, extract.ErrNoText):
		return KindNoText
	case errors.Is(err, extract.ErrTooLarge):
		return KindTooLarge
	case errors.Is(err, extract.ErrUnsupported):
		return KindUnsupported
	case errors.Is(err, extract.ErrCorrupt):
		return KindCorrupt
	case errors.Is(err, fs.ErrPermission):
		return KindPermission
	case errors.Is(err, fs.ErrNotExist):
		return KindMissing
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	}
	return ""
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
func (j *Job) storeNeedsOCR(ctx context.Context, path string, info os.FileInfo, hash, outcome string, pending int, msg string) (string, int, Failure, error) {
	d := store.Document{CollectionID: j.Collection.ID, Path: path, Hash: hash, Size: info.Size(),
		ModTime: info.ModTime().Unix(), Status: store.StatusNeedsOCR, Error: msg, ErrorKind: KindNeedsOCR, OCRPending: pending}
	_, removed, _, err := j.Store.PutDocument(ctx, d, nil, nil)
	if err != nil {
		return "", 0, Failure{}, err
	}
	if err := j.Index.Remove(ctx, removed); err != nil {
		return "", 0, Failure{}, err
	}
	return outcome, 0, Failure{Reason: msg, Kind: KindNeedsOCR}, nil
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
