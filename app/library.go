package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
)

// Collections lists the collections by name.
func (a *App) Collections() ([]Collection, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	cs, err := a.lib.Collections(ctx)
	if err != nil {
		return nil, a.fail(err)
	}
	out := make([]Collection, 0, len(cs))
	for _, c := range cs {
		out = append(out, collectionDTO(c))
	}
	return out, nil
}

// CreateCollection creates a collection; an existing one is returned as is.
func (a *App) CreateCollection(name string) (Collection, error) {
	if err := checkCollection(name); err != nil {
		return Collection{}, err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	c, err := a.lib.CreateCollection(ctx, name)
	if err != nil {
		return Collection{}, a.fail(err)
	}
	return collectionDTO(c), nil
}

// DeleteCollection removes a collection and its documents from the index;
// the files are not touched.
func (a *App) DeleteCollection(name string) error {
	if err := checkCollection(name); err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	return a.fail(a.lib.DeleteCollection(ctx, name))
}

// Documents lists a collection's documents by path.
func (a *App) Documents(collection string) ([]Document, error) {
	if err := checkCollection(collection); err != nil {
		return nil, err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	ds, err := a.lib.Documents(ctx, collection)
	if library.IsNotFound(err) {
		// A collection nobody has added to yet (the default one on a first
		// start) is simply empty.
		return []Document{}, nil
	}
	if err != nil {
		return nil, a.fail(err)
	}
	out := make([]Document, 0, len(ds))
	for _, d := range ds {
		out = append(out, Document{Path: EncodePath(d.Path), Name: EncodePath(filepath.Base(d.Path)), Status: d.Status, Error: d.Error,
			ErrorCode: ingest.FailureKind(d.Error), Chunks: d.Chunks, Pages: d.Pages, Title: d.Title, IndexedAt: d.IndexedAt})
	}
	return out, nil
}

// RemoveDocument removes a document from the collection's index; the file
// is not touched.
func (a *App) RemoveDocument(collection, path string) error {
	if err := checkCollection(collection); err != nil {
		return err
	}
	path = DecodePath(path)
	if !filepath.IsAbs(path) {
		return badPath(path)
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if _, err := a.lib.Document(ctx, collection, path); err != nil {
		return a.fail(err)
	}
	return a.fail(a.lib.Remove(ctx, collection, path))
}

// ReindexDocument re-reads one document of the collection, even if its
// file is unchanged, as a job of kind "reindex".
func (a *App) ReindexDocument(collection, path string) (Job, error) {
	if err := checkCollection(collection); err != nil {
		return Job{}, err
	}
	path = DecodePath(path)
	ctx, cancel := a.ctx()
	defer cancel()
	if _, err := a.lib.Document(ctx, collection, path); err != nil {
		return Job{}, a.fail(err)
	}
	return a.jobs.start(a.base, JobReindex, collection, true, a.ingestJob(collection, []string{path}, library.IngestOptions{Force: true})), nil
}

// StartIngest indexes files and folders (absolute paths; a leading ~/ is
// the home folder) into the collection, created if needed. It returns the
// job at once; progress comes as job:progress events, the outcome as
// job:done.
func (a *App) StartIngest(collection string, paths []string) (Job, error) {
	if err := checkCollection(collection); err != nil {
		return Job{}, err
	}
	if len(paths) == 0 {
		return Job{}, invalid("choose at least one file or folder to add")
	}
	abs := make([]string, 0, len(paths))
	for _, p := range paths {
		p, err := absPath(DecodePath(p))
		if err != nil {
			return Job{}, err
		}
		abs = append(abs, p)
	}
	return a.jobs.start(a.base, JobIngest, collection, true, a.ingestJob(collection, abs, library.IngestOptions{})), nil
}

// ingestJob is the work of an ingest or reindex job.
// ReindexCollection re-reads every document of the collection (after a
// change of chunk size) and fills in missing vectors (after a change of
// embedding model), as one job.
func (a *App) ReindexCollection(collection string) (Job, error) {
	if err := checkCollection(collection); err != nil {
		return Job{}, err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if _, err := a.lib.Collection(ctx, collection); err != nil {
		return Job{}, a.fail(err)
	}
	run := func(ctx context.Context, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
		return a.lib.Reindex(ctx, collection, true, onProgress)
	}
	return a.jobs.start(a.base, JobReindex, collection, true, a.indexJob(run)), nil
}

func (a *App) ingestJob(collection string, paths []string, opts library.IngestOptions) jobFunc {
	return a.indexJob(func(ctx context.Context, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
		return a.lib.Ingest(ctx, collection, paths, opts, onProgress)
	})
}

// indexJob adapts an indexing run to a job: progress into job events, the
// summary into the job's result.
func (a *App) indexJob(run func(context.Context, func(ingest.Progress) error) (ingest.Summary, error)) jobFunc {
	return func(ctx context.Context, j *job) (*JobSummary, error) {
		sum, err := run(ctx, func(p ingest.Progress) error {
			return j.progress(ctx, func(d *Job) {
				d.Phase, d.FilesDone, d.FilesTotal, d.Chunks, d.Failed = p.Phase, p.FilesDone, p.FilesTotal, p.Chunks, p.Failed
				d.Current, d.EtaMs, d.Rate = EncodePath(p.Current), p.ETA.Milliseconds(), p.Rate
				d.BytesDone, d.BytesTotal = p.BytesDone, p.BytesTotal
				d.VectorsDone, d.VectorsTotal, d.EmbedModel, d.Rebuild = p.VectorsDone, p.VectorsTotal, p.EmbedModel, p.Rebuild
				d.OCRPagesDone, d.OCRPagesTotal = p.OCRPagesDone, p.OCRPagesTotal
			})
		})
		if err == nil {
			// Questions usually follow: load the chat model now.
			a.preload()
		}
		s := &JobSummary{Added: sum.Added, Updated: sum.Updated, Unchanged: sum.Unchanged, Removed: sum.Removed,
			Chunks: sum.Chunks, Vectors: sum.Vectors, LexicalOnly: sum.Lexical, Warnings: sum.Warnings}
		s.EmbedErrorCode, s.EmbedErrorParams = a.problem(sum.EmbedErr)
		for _, f := range sum.Failed {
			s.Failures = append(s.Failures, Failure{Path: EncodePath(f.Path), Reason: f.Reason, Code: ingest.FailureKind(f.Reason)})
		}
		return s, err
	}
}

// PauseJob pauses an indexing job: it stops when the files being read
// finish, and goes on with ResumeJob. Model downloads cannot be paused.
func (a *App) PauseJob(id string) error {
	j := a.jobs.find(id)
	if j == nil {
		return jobNotFound(id)
	}
	switch err := j.pause(); {
	case errors.Is(err, errJobNotPausable):
		return newError(CodeNotPausable, "Only indexing can be paused; cancel a model download instead (downloading it again resumes where it stopped).", nil)
	case errors.Is(err, errJobEnded):
		return newError(CodeJobEnded, "The job has already ended.", nil)
	}
	return nil
}

// ResumeJob lets a paused job go on.
func (a *App) ResumeJob(id string) error {
	j := a.jobs.find(id)
	if j == nil {
		return jobNotFound(id)
	}
	if err := j.unpause(); err != nil {
		return newError(CodeJobEnded, "The job has already ended.", nil)
	}
	return nil
}

// CancelJob stops a job; what it finished stays in the index. Cancelling
// an ended job does nothing.
func (a *App) CancelJob(id string) error {
	j := a.jobs.find(id)
	if j == nil {
		return jobNotFound(id)
	}
	j.cancel()
	return nil
}

// Jobs lists this session's running and finished jobs, newest first.
func (a *App) Jobs() ([]Job, error) { return a.jobs.all(), nil }

func jobNotFound(id string) error {
	return newError(CodeNotFound, sentence("job "+strconv.Quote(id)+" does not exist"), nil, "what", "job", "name", id)
}

// Search returns the k best passages for query (k 0: the configured
// number).
func (a *App) Search(collection, query string, k int) (SearchResult, error) {
	if err := checkCollection(collection); err != nil {
		return SearchResult{}, err
	}
	if strings.TrimSpace(query) == "" {
		return SearchResult{}, invalid("type something to search for")
	}
	if k < 0 || k > 100 {
		return SearchResult{}, invalid("the number of results must be between 1 and 100")
	}
	ctx, cancel := a.ctx()
	defer cancel()
	res, err := a.lib.Search(ctx, collection, query, library.SearchOptions{K: k})
	if err != nil {
		return SearchResult{}, a.fail(err)
	}
	out := SearchResult{Mode: res.Mode, Warning: res.Warning, WarningCode: res.Why, Passages: make([]Passage, 0, len(res.Passages))}
	for i, p := range res.Passages {
		out.Passages = append(out.Passages, passageDTO(i+1, p, false))
	}
	return out, nil
}

// Source returns the stored text of one page of a document (page 0 for
// formats without pages) and the URL of the original file.
func (a *App) Source(collection, path string, page int) (Source, error) {
	if err := checkCollection(collection); err != nil {
		return Source{}, err
	}
	path = DecodePath(path)
	if page < 0 {
		return Source{}, invalid("page numbers start at 1 (0 for documents without pages)")
	}
	ctx, cancel := a.ctx()
	defer cancel()
	d, err := a.lib.Document(ctx, collection, path)
	if err != nil {
		return Source{}, a.fail(err)
	}
	text, ocr, err := a.lib.PageSource(ctx, collection, path, page)
	if err != nil {
		return Source{}, a.fail(err)
	}
	return Source{Path: EncodePath(d.Path), Name: EncodePath(filepath.Base(d.Path)), Page: page, Pages: d.Pages, Text: text, OCR: ocr,
		IsPDF: strings.EqualFold(filepath.Ext(d.Path), ".pdf"), FileURL: a.fileURL(collection, d.Path)}, nil
}

// CollectionSettings returns the answer settings a collection overrides
// (chatModel "" and topK 0 follow the global settings).
func (a *App) CollectionSettings(collection string) (CollectionSettings, error) {
	if err := checkCollection(collection); err != nil {
		return CollectionSettings{}, err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	s := a.lib.AnswerSettings(ctx, collection)
	out := CollectionSettings{ChatModel: s.ChatModel, TopK: s.TopK}
	if c, err := a.lib.Collection(ctx, collection); err == nil {
		out.EmbedModel = c.ChosenEmbedModel
	}
	return out, nil
}

// SaveCollectionSettings sets the settings of a collection: its chat model
// ("" for the global one; it must be an installed chat model), its
// passages per answer (0 for the global number, else 1..50) and its
// embedding model ("" for the global one; an installed embedding model).
func (a *App) SaveCollectionSettings(collection string, s CollectionSettings) error {
	if err := checkCollection(collection); err != nil {
		return err
	}
	if s.TopK < 0 || s.TopK > library.MaxTopK {
		return outOfRange("topK", "Passages per answer", 0, library.MaxTopK)
	}
	s.ChatModel, s.EmbedModel = strings.TrimSpace(s.ChatModel), strings.TrimSpace(s.EmbedModel)
	for _, m := range []string{s.ChatModel, s.EmbedModel} {
		if m != "" {
			if err := checkModelName(m); err != nil {
				return err
			}
		}
	}
	ctx, cancel := a.ctx()
	defer cancel()
	c, err := a.lib.Collection(ctx, collection)
	if err != nil {
		return a.fail(err)
	}
	if !library.SameModel(c.ChosenEmbedModel, s.EmbedModel) {
		if _, err := a.lib.SetEmbedModel(ctx, collection, s.EmbedModel); err != nil {
			return a.fail(err)
		}
	}
	return a.fail(a.lib.SetAnswerSettings(ctx, collection, library.AnswerSettings{ChatModel: s.ChatModel, TopK: s.TopK}))
}

// fileURL is where the files handler serves a document's original file.
// It carries no token: under `kura serve` the page's cookie authorizes it,
// and a token in it would stay in the browser's history.
func (a *App) fileURL(collection, path string) string {
	q := url.Values{"collection": {collection}, "path": {EncodePath(path)}}
	return FilesPath + "?" + q.Encode()
}

func collectionDTO(c store.Collection) Collection {
	return Collection{Name: c.Name, Documents: c.Documents, Chunks: c.Chunks, Vectors: c.Vectors, EmbedModel: c.EmbedModel}
}

func passageDTO(n int, p retrieve.Passage, cited bool) Passage {
	return Passage{N: n, Path: EncodePath(p.Path), Name: EncodePath(filepath.Base(p.Path)), Page: p.Page, EndPage: max(p.EndPage, p.Page), OCR: p.OCR,
		Start: p.Start, End: p.End, Text: p.Text, Score: p.Score, Cited: cited, Hash: p.Hash}
}

func checkCollection(name string) error {
	if !store.ValidName(name) {
		return newError(CodeBadName, fmt.Sprintf("A collection name has 1 to 64 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit; %q does not.", name),
			nil, "what", "collection", "name", name)
	}
	return nil
}

func badPath(p string) error {
	return newError(CodeBadPath, fmt.Sprintf("Give the full path of the file or folder (starting with / or ~/), not %q.", p), nil, "path", p)
}

// absPath expands a leading ~/ and insists on an absolute path: the
// desktop app has no meaningful working folder.
func absPath(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", badPath(p)
		}
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) {
		return "", badPath(p)
	}
	return filepath.Clean(p), nil
}
