package library

// Knowledge packs: a collection sealed into one file on a machine that read
// and embedded it (ExportPack), opened on another that only searches it
// (ImportPack). The format is package pack's; what a collection is, is the
// store's; this file joins them, carries the source files and the models,
// and keeps an import all-or-nothing.
//
// Where things go on the receiving side: a pack's source files are written
// below DIR/packs/<name>-<random>/files/ (DIR is the data folder), and the
// imported documents' paths point there, so the files handler and Source
// serve them as any document (and re-reading them works). Models are staged
// in DIR/packs/<name>-<random>/models/ until the runtime has installed them.
// While an import runs, DIR/packs/<name>-<random>.importing holds its
// process id; an import that was killed leaves the marker behind, and the
// next Open or import removes its files unless the index refers to them.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kura-app/kura/internal/ctxio"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/pack"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
	"github.com/kura-app/kura/internal/vectorize"
)

// PacksDir is the folder of the data folder that holds what packs
// brought: source files and staged models.
const PacksDir = "packs"

// Pack phases, as PackProgress reports them.
const (
	PackModels  = "models"  // copying model files
	PackFiles   = "files"   // copying source files
	PackIndex   = "index"   // documents, pages, passages and vectors
	PackInstall = "install" // import: installing the models in the runtime
	PackDone    = "done"
)

// PackProgress is where an export or import stands. Done counts the
// records handled so far and Total those the pack holds; BytesDone and
// BytesTotal measure the pack file (import: read of its size; export:
// written, the total unknown and 0).
type PackProgress struct {
	Phase                 string
	Current               string // the model or file being copied
	Done, Total           pack.Counts
	BytesDone, BytesTotal int64
	Elapsed               time.Duration
}

// ExportOptions choose what a pack carries besides the index.
type ExportOptions struct {
	Seal pack.Seal
	// WithFiles carries the documents' source files (those still as they
	// were indexed; the others are left out with a warning).
	WithFiles bool
	// WithModels carries the GGUF files of the chat model and of the
	// collection's embedding model, read from the runtime's store (which
	// must be on this machine).
	WithModels bool
}

// ExportSummary is what an export wrote.
type ExportSummary struct {
	Manifest pack.Manifest
	Bytes    int64
	Warnings []string
	Elapsed  time.Duration
}

// ExportPackFile exports the collection as a pack to the file out (see
// ExportPack). The pack is written beside its final name and renamed when
// complete, so a stopped or failed export leaves no file that looks whole;
// an existing out is replaced only by a complete pack.
func (l *Library) ExportPackFile(ctx context.Context, collection, out string, opts ExportOptions, onProgress func(PackProgress) error) (ExportSummary, error) {
	var sum ExportSummary
	err := writeWhole(out, func(w io.Writer) error {
		var err error
		sum, err = l.ExportPack(ctx, collection, w, opts, onProgress)
		return err
	})
	if err != nil {
		return ExportSummary{}, err
	}
	return sum, nil
}

// ExportPack writes the collection as a pack to dst, sealed with
// opts.Seal, calling onProgress (which may be nil; an error it returns
// stops the export) at least every thousand records and for every file.
// It reads the collection as it stood when the export began (ingests may
// go on meanwhile). On error dst holds an unusable partial pack: the caller
// removes it.
func (l *Library) ExportPack(ctx context.Context, collection string, dst io.Writer, opts ExportOptions, onProgress func(PackProgress) error) (ExportSummary, error) {
	start := time.Now()
	var sum ExportSummary
	x, err := l.store.Snapshot(ctx, collection)
	if err != nil {
		return sum, err
	}
	defer x.Close()
	c := x.Collection()
	cfg := l.Config()
	m := pack.Manifest{
		Created: time.Now().UTC(),
		Kura:    "Kura (index schema " + strconv.Itoa(store.SchemaVersion) + ")",
		Collection: pack.Collection{Name: c.Name, EmbedModel: c.ChosenEmbedModel,
			ChunkSize: cfg.ChunkSize, ChunkOverlap: cfg.ChunkOverlap, TopK: l.answerSettings(ctx, c.Name).TopK},
	}
	if c.ActiveSet != 0 {
		m.Vectors = &pack.VectorSet{Model: c.EmbedModel, Dim: c.EmbedDim}
	}
	pages, err := x.Pages(ctx)
	if err != nil {
		return sum, err
	}
	m.Counts = pack.Counts{Documents: c.Documents, Pages: pages, Chunks: c.Chunks, Vectors: c.Vectors}

	var docs []store.Document
	if err := x.EachDocument(ctx, func(d store.Document) error { docs = append(docs, d); return nil }); err != nil {
		return sum, err
	}
	var files map[int64]pack.File // document id -> its file in the pack
	if opts.WithFiles {
		files, sum.Warnings = carriedFiles(docs)
		for _, f := range files {
			m.Counts.Files++
			m.Counts.FileBytes += f.Size
		}
	}
	var models []modelToCarry
	if opts.WithModels {
		if models, err = l.modelsToCarry(ctx, c, l.chatModelFor(ctx, c.Name)); err != nil {
			return sum, err
		}
		for _, mc := range models {
			m.Counts.Models++
			m.Counts.ModelBytes += mc.src.Size
			if mc.role == pack.RoleChat {
				m.Collection.ChatModel = mc.src.Name
			}
		}
	}

	cw := &countWriter{w: dst}
	w, err := pack.NewWriter(cw, opts.Seal, m)
	if err != nil {
		return sum, err
	}
	sum.Manifest = w.Manifest()
	p := &packReporter{fn: onProgress, start: start, total: m.Counts, bytes: func() int64 { return cw.n }}
	for _, mc := range models {
		if err := p.report(PackModels, mc.src.Name, w.Written(), true); err != nil {
			return sum, err
		}
		err := copyFrom(ctx, mc.src.Path, func(r io.Reader) error {
			return w.Model(pack.Model{Name: mc.src.Name, Role: mc.role, Digest: mc.src.Digest, Size: mc.src.Size,
				Template: mc.src.Template, System: mc.src.System, License: mc.src.License, Parameters: mc.src.Parameters,
				Renderer: mc.src.Renderer, Parser: mc.src.Parser}, r)
		})
		if err != nil {
			return sum, fmt.Errorf("pack model %s: %w", mc.src.Name, err)
		}
	}
	for _, d := range docs {
		f, ok := files[d.ID]
		if !ok {
			continue
		}
		if err := p.report(PackFiles, d.Path, w.Written(), true); err != nil {
			return sum, err
		}
		if err := copyFrom(ctx, d.Path, func(r io.Reader) error { return w.File(f, r) }); err != nil {
			return sum, fmt.Errorf("pack %s: %w", d.Path, err)
		}
	}
	num := make(map[int64]int64, len(docs))
	for i, d := range docs {
		num[d.ID] = int64(i + 1)
		err := w.Document(pack.Document{ID: int64(i + 1), Path: d.Path, File: files[d.ID].Path, Hash: d.Hash, Size: d.Size,
			ModTime: d.ModTime, Status: d.Status, Error: d.Error, Title: d.Title, Pages: d.Pages, IndexedAt: d.IndexedAt})
		if err != nil {
			return sum, err
		}
	}
	step := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return p.report(PackIndex, "", w.Written(), false)
	}
	err = x.EachPage(ctx, func(doc int64, pg store.Page) error {
		if err := w.Page(pack.Page{Doc: num[doc], Page: pg.Number, Text: pg.Text, OCR: pg.OCR}); err != nil {
			return err
		}
		return step()
	})
	if err != nil {
		return sum, err
	}
	chunkNum := make(map[int64]int64, c.Chunks)
	err = x.EachChunk(ctx, func(k store.Chunk) error {
		n := int64(len(chunkNum) + 1)
		chunkNum[k.ID] = n
		endPage := 0
		if k.EndPage > k.Page {
			endPage = k.EndPage
		}
		if err := w.Chunk(pack.Chunk{ID: n, Doc: num[k.DocID], Page: k.Page, EndPage: endPage, Start: k.Start, End: k.End, Text: k.Text}); err != nil {
			return err
		}
		return step()
	})
	if err != nil {
		return sum, err
	}
	err = x.EachVector(ctx, func(v store.Vector) error {
		if err := w.Vector(pack.Vector{Chunk: chunkNum[v.ChunkID], Vec: v.Vec}); err != nil {
			return err
		}
		return step()
	})
	if err != nil {
		return sum, err
	}
	if err := w.Close(); err != nil {
		return sum, err
	}
	sum.Bytes, sum.Elapsed = cw.n, time.Since(start)
	if err := p.report(PackDone, "", w.Written(), true); err != nil {
		return sum, err
	}
	return sum, nil
}

// carriedFiles picks the source files a pack can carry: regular files
// whose size and modification time are still those indexed (their bytes
// are checked against the indexed hash as they are copied). Their pack
// paths are relative to the folder all documents share. The others are
// named in warnings.
func carriedFiles(docs []store.Document) (map[int64]pack.File, []string) {
	var root string
	for i, d := range docs {
		dir := filepath.Dir(d.Path)
		if i == 0 {
			root = dir
			continue
		}
		for root != filepath.Dir(root) && !strings.HasPrefix(dir+string(filepath.Separator), strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator)) {
			root = filepath.Dir(root)
		}
	}
	out := map[int64]pack.File{}
	var warnings []string
	for _, d := range docs {
		st, err := os.Stat(d.Path)
		switch {
		case err != nil || !st.Mode().IsRegular():
			warnings = append(warnings, fmt.Sprintf("%s is not carried: the file is missing", d.Path))
			continue
		case d.Hash == "" || st.Size() != d.Size || st.ModTime().Unix() != d.ModTime:
			warnings = append(warnings, fmt.Sprintf("%s is not carried: the file changed since it was indexed (index it again to carry it)", d.Path))
			continue
		}
		rel, err := filepath.Rel(root, d.Path)
		p := filepath.ToSlash(rel)
		if err != nil || !pack.ValidPath(p) {
			p = strconv.FormatInt(d.ID, 10) + "/" + filepath.Base(d.Path) // a name any system can hold
		}
		out[d.ID] = pack.File{Path: p, Size: d.Size, SHA256: d.Hash}
	}
	return out, warnings
}

type modelToCarry struct {
	role string
	src  llm.ModelSource
}

// modelsToCarry describes the chat model and the collection's embedding
// model (the one its vectors came from, else the one it would use).
func (l *Library) modelsToCarry(ctx context.Context, c store.Collection, chat string) ([]modelToCarry, error) {
	embed := c.EmbedModel
	if embed == "" {
		embed = l.embedModelFor(c)
	}
	var out []modelToCarry
	for _, m := range []struct{ role, name string }{{pack.RoleEmbedding, embed}, {pack.RoleChat, chat}} {
		if m.name == "" {
			continue
		}
		src, err := l.llm.ModelSource(ctx, m.name)
		if err != nil {
			return nil, fmt.Errorf("carry the %s model: %w", m.role, err)
		}
		out = append(out, modelToCarry{role: m.role, src: src})
	}
	return out, nil
}

// copyFrom opens path and hands it to write, stopping soon after ctx ends.
func copyFrom(ctx context.Context, path string, write func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return write(ctxio.NewReader(ctx, f))
}

// ImportOptions tune ImportPack.
type ImportOptions struct {
	// Name is the collection to create; "" takes the pack's name.
	Name string
	// Replace replaces a collection of that name; without it an existing
	// name fails with an error wrapping store.ErrExists.
	Replace bool
	// Size is the pack file's size, for progress (0: unknown).
	Size int64
}

// ImportSummary is what an import did.
type ImportSummary struct {
	Collection store.Collection
	Manifest   pack.Manifest
	Replaced   bool
	// Files is where the pack's source files were written ("" when it had
	// none); Models the models installed in the runtime.
	Files    string
	Models   []string
	Warnings []string
	Elapsed  time.Duration
}

// ImportPack reads the pack r (opened with pack.NewReader, which checked
// its key and manifest) into a new collection, or replaces one (see
// ImportOptions), reporting through onProgress (nil allowed; an error it
// returns stops the import). Nothing is searchable, and nothing the
// collection replaces is lost, until the whole pack has been read and
// authenticated: a damaged pack or a cancel leaves the data folder as it
// was, and so does a kill (see the comment at the top of this file).
// Models the pack carries are installed in the runtime afterwards; a model
// that cannot be installed is a warning, its GGUF file kept and named. The
// pack's embedding model becomes the collection's own, so its vectors are
// used as they are and never rebuilt for this machine's default.
func (l *Library) ImportPack(ctx context.Context, r *pack.Reader, opts ImportOptions, onProgress func(PackProgress) error) (ImportSummary, error) {
	start := time.Now()
	var sum ImportSummary
	l.sweepPacks(ctx)
	m := r.Manifest()
	sum.Manifest = m
	name := opts.Name
	if name == "" {
		name = m.Collection.Name
	}
	if !store.ValidName(name) {
		return sum, fmt.Errorf("collection name %q: use 1-64 letters, digits, spaces, '_', '.' or '-'", name)
	}
	old, err := l.store.Collection(ctx, name)
	switch {
	case err == nil && !opts.Replace:
		return sum, fmt.Errorf("collection %q %w", name, store.ErrExists)
	case err == nil:
		sum.Replaced = true
	case !errors.Is(err, store.ErrNotFound):
		return sum, err
	}

	work, err := newPackWork(l.dir, name)
	if err != nil {
		return sum, err
	}
	defer work.finish()
	p := &packReporter{fn: onProgress, start: start, total: m.Counts, bytes: r.Offset, size: opts.Size}

	embedModel := m.Collection.EmbedModel
	iopts := store.ImportOptions{Name: name, Replace: opts.Replace, EmbedModel: embedModel}
	if m.Vectors != nil {
		iopts.VectorModel, iopts.VectorDim, iopts.EmbedModel = m.Vectors.Model, m.Vectors.Dim, m.Vectors.Model
	}
	var im *store.Import
	begin := func() error {
		if im != nil {
			return nil
		}
		var err error
		im, err = l.store.BeginImport(ctx, iopts)
		return err
	}
	defer func() {
		if im != nil {
			im.Rollback()
		}
	}()
	staged := map[string]bool{}
	var models []stagedModel
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, err
		}
		switch {
		case rec.Model != nil:
			if err := p.report(PackModels, rec.Model.Name, r.Read(), true); err != nil {
				return sum, err
			}
			path, err := work.stage(ctx, filepath.Join("models", strings.TrimPrefix(rec.Model.Digest, "sha256:")+".gguf"), rec.Body)
			if err != nil {
				return sum, fmt.Errorf("model %s: %w", rec.Model.Name, err)
			}
			models = append(models, stagedModel{path: path, m: *rec.Model})
		case rec.File != nil:
			if err := p.report(PackFiles, rec.File.Path, r.Read(), true); err != nil {
				return sum, err
			}
			if _, err := work.stage(ctx, filepath.Join("files", filepath.FromSlash(rec.File.Path)), rec.Body); err != nil {
				return sum, fmt.Errorf("file %s: %w", rec.File.Path, err)
			}
			staged[rec.File.Path] = true
		case rec.Document != nil:
			if err := begin(); err != nil {
				return sum, err
			}
			d := rec.Document
			path := d.Path
			if d.File != "" {
				if !staged[d.File] {
					return sum, fmt.Errorf("%w (document %d names a file the pack does not hold)", pack.ErrDamaged, d.ID)
				}
				path = filepath.Join(work.dir, "files", filepath.FromSlash(d.File))
			}
			if _, err := im.Document(store.Document{Path: path, Hash: d.Hash, Size: d.Size, ModTime: d.ModTime, Status: d.Status,
				Error: d.Error, Title: d.Title, Pages: d.Pages, IndexedAt: d.IndexedAt}); err != nil {
				return sum, err
			}
		case rec.Page != nil:
			if err := im.Page(rec.Page.Doc, store.Page{Number: rec.Page.Page, Text: rec.Page.Text, OCR: rec.Page.OCR}); err != nil {
				return sum, err
			}
		case rec.Chunk != nil:
			k := rec.Chunk
			if _, err := im.Chunk(k.Doc, store.NewChunk{Page: k.Page, EndPage: k.EndPage, Start: k.Start, End: k.End, Text: k.Text, Terms: tokenize.IndexText(k.Text)}); err != nil {
				return sum, err
			}
		case rec.Vector != nil:
			if err := im.Vector(rec.Vector.Chunk, rec.Vector.Vec); err != nil {
				return sum, err
			}
		}
		if rec.Page != nil || rec.Chunk != nil || rec.Vector != nil {
			if err := p.report(PackIndex, "", r.Read(), false); err != nil {
				return sum, err
			}
		}
	}
	// The whole pack is authenticated: make it visible.
	if err := begin(); err != nil {
		return sum, err
	}
	var oldFiles []string
	if sum.Replaced {
		oldFiles = l.packFolders(ctx, old.ID)
	}
	c, replaced, err := im.Commit()
	im = nil
	if err != nil {
		return sum, err
	}
	work.committed = len(staged) > 0
	if len(staged) > 0 {
		sum.Files = filepath.Join(work.dir, "files")
	}
	sum.Collection = c
	// Memory follows the store: the replaced vectors out, the new ones in.
	l.index.Drop(replaced.ActiveSet)
	l.index.Drop(replaced.Building.ID)
	for _, dir := range oldFiles {
		os.RemoveAll(dir)
	}
	if c.ActiveSet != 0 && !l.noVectors {
		if err := vectorize.Load(context.WithoutCancel(ctx), l.store, l.index, c.ActiveSet); err != nil {
			return sum, fmt.Errorf("load the imported vectors: %w", err)
		}
	}
	sum.Models, sum.Warnings = l.installModels(ctx, models, m, p, r.Read())
	if w := l.applyPackSettings(ctx, c.Name, m.Collection, sum.Models, sum.Replaced); w != "" {
		sum.Warnings = append(sum.Warnings, w)
	}
	sum.Elapsed = time.Since(start)
	if err := p.report(PackDone, "", r.Read(), true); err != nil {
		return sum, err
	}
	return sum, nil
}

// applyPackSettings gives the imported collection the answer settings it
// had at the sender: its passages per answer, and the chat model the pack
// carried once installed. A replaced collection loses its old ones. What
// cannot be applied is returned as a warning ("" when all was).
func (l *Library) applyPackSettings(ctx context.Context, name string, pc pack.Collection, installed []string, replaced bool) string {
	s := AnswerSettings{TopK: min(max(pc.TopK, 0), MaxTopK)}
	if pc.ChatModel != "" && slices.ContainsFunc(installed, func(m string) bool { return SameModel(m, pc.ChatModel) }) {
		s.ChatModel = pc.ChatModel
	}
	if s == (AnswerSettings{}) && !replaced {
		return ""
	}
	if err := l.SetAnswerSettings(ctx, name, s); err != nil {
		return fmt.Sprintf("the collection's answer settings (%d passages, chat model %q) were not applied: %v", s.TopK, s.ChatModel, err)
	}
	return ""
}

type stagedModel struct {
	path string
	m    pack.Model
}

// installModels installs staged models in the runtime and, when the
// configured chat model is not installed, makes the pack's chat model the
// configured one. What fails is a warning that names the GGUF file, kept.
func (l *Library) installModels(ctx context.Context, models []stagedModel, man pack.Manifest, p *packReporter, done pack.Counts) (installed, warnings []string) {
	for _, sm := range models {
		_ = p.report(PackInstall, sm.m.Name, done, true) // installing is not cancelled halfway
		src := llm.ModelSource{Name: sm.m.Name, Digest: sm.m.Digest, Size: sm.m.Size, Template: sm.m.Template, System: sm.m.System,
			License: sm.m.License, Parameters: sm.m.Parameters, Renderer: sm.m.Renderer, Parser: sm.m.Parser}
		if err := l.llm.ImportSource(ctx, sm.path, src, nil); err != nil {
			kept := filepath.Join(l.dir, PacksDir, "models", strings.ReplaceAll(sm.m.Name, ":", "-")+".gguf")
			if os.MkdirAll(filepath.Dir(kept), 0o700) == nil && os.Rename(sm.path, kept) == nil {
				warnings = append(warnings, fmt.Sprintf("the %s model %s was not installed (%v); install it later with: kura models import %s --name %s",
					sm.m.Role, sm.m.Name, err, kept, sm.m.Name))
			} else {
				warnings = append(warnings, fmt.Sprintf("the %s model %s was not installed: %v", sm.m.Role, sm.m.Name, err))
			}
			continue
		}
		installed = append(installed, sm.m.Name)
		if sm.m.Role == pack.RoleChat {
			cfg := l.Config()
			if ok, err := l.Installed(ctx, cfg.ChatModel); err == nil && !ok && !SameModel(cfg.ChatModel, sm.m.Name) {
				cfg.ChatModel = sm.m.Name
				if err := l.SetConfig(cfg); err == nil {
					warnings = append(warnings, fmt.Sprintf("answers now use the pack's chat model %s (the configured one was not installed)", sm.m.Name))
				}
			}
		}
	}
	return installed, warnings
}

// packFolders lists the folders below DIR/packs that hold files of the
// collection's documents (those a pack brought).
func (l *Library) packFolders(ctx context.Context, collectionID int64) []string {
	root := filepath.Join(l.dir, PacksDir)
	docs, err := l.store.Documents(ctx, collectionID, root)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, d := range docs {
		rel, err := filepath.Rel(root, d.Path)
		if err != nil {
			continue
		}
		top, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		if top == "" || top == "." || top == ".." || seen[top] {
			continue
		}
		seen[top] = true
		out = append(out, filepath.Join(root, top))
	}
	return out
}

// packWork is an import's folder DIR/packs/<name>-<random> with its marker.
type packWork struct {
	dir       string
	marker    string
	committed bool // the index refers to dir/files: keep them
}

func newPackWork(dataDir, name string) (*packWork, error) {
	root := filepath.Join(dataDir, PacksDir)
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(root, folderName(name)+"-")
	if err != nil {
		return nil, err
	}
	w := &packWork{dir: dir, marker: dir + ".importing"}
	if err := os.WriteFile(w.marker, []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return w, nil
}

// stage writes body to rel below the work folder; rel must not exist.
func (w *packWork) stage(ctx context.Context, rel string, body io.Reader) (string, error) {
	path := filepath.Join(w.dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("%w (a file appears twice)", pack.ErrDamaged)
		}
		return "", err
	}
	_, err = io.Copy(f, ctxio.NewReader(ctx, body))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return path, err
}

// finish removes what the import staged (everything unless the index now
// refers to its files; the models always), then the marker.
func (w *packWork) finish() {
	if w.committed {
		os.RemoveAll(filepath.Join(w.dir, "models"))
	} else {
		os.RemoveAll(w.dir)
	}
	os.Remove(w.marker)
	os.Remove(filepath.Dir(w.dir)) // the packs folder, when nothing else is in it
}

// sweepPacks removes the folders of imports that were killed: those whose
// marker names a process that is gone, unless the index refers to their
// files (the kill came after the commit).
func (l *Library) sweepPacks(ctx context.Context) {
	root := filepath.Join(l.dir, PacksDir)
	markers, _ := filepath.Glob(filepath.Join(root, "*.importing"))
	for _, marker := range markers {
		b, err := os.ReadFile(marker)
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || perr != nil || processAlive(pid) {
			continue
		}
		dir := strings.TrimSuffix(marker, ".importing")
		if !l.referenced(ctx, dir) {
			os.RemoveAll(dir)
		} else {
			os.RemoveAll(filepath.Join(dir, "models"))
		}
		os.Remove(marker)
	}
	if len(markers) > 0 {
		os.Remove(root) // when nothing else is in it
	}
}

// referenced reports whether any document lives below dir.
func (l *Library) referenced(ctx context.Context, dir string) bool {
	cols, err := l.store.Collections(ctx)
	if err != nil {
		return true // unsure: keep the files
	}
	for _, c := range cols {
		docs, err := l.store.Documents(ctx, c.ID, dir)
		if err != nil || len(docs) > 0 {
			return true
		}
	}
	return false
}

// folderName turns a collection name into a folder name any system
// accepts.
func folderName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == ' ' || r == '.':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// packReporter calls a progress callback, at most every 200 ms unless
// forced.
type packReporter struct {
	fn    func(PackProgress) error
	start time.Time
	last  time.Time
	total pack.Counts
	bytes func() int64
	size  int64
}

func (p *packReporter) report(phase, current string, done pack.Counts, force bool) error {
	if p.fn == nil {
		return nil
	}
	now := time.Now()
	if !force && now.Sub(p.last) < 200*time.Millisecond {
		return nil
	}
	p.last = now
	return p.fn(PackProgress{Phase: phase, Current: current, Done: done, Total: p.total, BytesDone: p.bytes(), BytesTotal: p.size,
		Elapsed: now.Sub(p.start)})
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
