package ingest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vector"
)

// hashEmbed is a deterministic stand-in for the embedding model: a vector
// of dimension dim from the text's hash. It can be switched to fail, to
// inject the faults a real runtime shows (unreachable, too long).
type hashEmbed struct {
	dim    int
	mu     sync.Mutex
	fail   error
	maxLen int // inputs longer than this fail with ErrInputTooLong
	calls  atomic.Int32
}

func (h *hashEmbed) setFail(err error) {
	h.mu.Lock()
	h.fail = err
	h.mu.Unlock()
}

func (h *hashEmbed) embed(_ context.Context, texts []string) ([][]float32, error) {
	h.calls.Add(1)
	h.mu.Lock()
	err := h.fail
	h.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if h.maxLen > 0 && len([]rune(t)) > h.maxLen {
			return nil, fmt.Errorf("embed: %w", llm.ErrInputTooLong)
		}
		f := fnv.New64a()
		f.Write([]byte(t))
		s := f.Sum64()
		v := make([]float32, h.dim)
		for j := range v {
			s = s*6364136223846793005 + 1442695040888963407
			v[j] = float32(s>>40)/float32(1<<24) - 0.5
		}
		out[i] = v
	}
	return out, nil
}

type fixture struct {
	st   *store.Store
	idx  *vector.Index
	coll store.Collection
	dir  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := st.EnsureCollection(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, idx: vector.New(), coll: c, dir: t.TempDir()}
}

func (f *fixture) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) run(t *testing.T, emb *Embedder, opts Options, paths ...string) Summary {
	t.Helper()
	c, err := f.st.Collection(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	j := &Job{Store: f.st, Index: f.idx, Collection: c, Embedder: emb, Options: opts}
	sum, err := j.Run(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestRerunOnlyProcessesChangedFilesAndRemovesDeletedOnes(t *testing.T) {
	f := newFixture(t)
	h := &hashEmbed{dim: 8}
	emb := &Embedder{Model: "m", Embed: h.embed}
	a := f.write(t, "a.txt", "最初の文書です。誤差について。")
	f.write(t, "sub/b.md", "# Title\n\nSecond document about ABC-123.")
	c := f.write(t, "c.txt", "Third.")

	s := f.run(t, emb, Options{}, f.dir)
	if s.Added != 3 || len(s.Failed) != 0 || s.Lexical {
		t.Fatalf("first run: %+v", s)
	}
	s = f.run(t, emb, Options{}, f.dir)
	if s.Unchanged != 3 || s.Added+s.Updated+s.Removed != 0 || s.Chunks != 0 {
		t.Fatalf("second run should change nothing: %+v", s)
	}
	os.WriteFile(a, []byte("書き換えた文書です。"), 0o644)
	os.Remove(c)
	s = f.run(t, emb, Options{}, f.dir)
	if s.Updated != 1 || s.Removed != 1 || s.Unchanged != 1 {
		t.Fatalf("third run: %+v, want 1 updated, 1 removed, 1 unchanged", s)
	}
	docs, _ := f.st.Documents(context.Background(), f.coll.ID, "")
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2", len(docs))
	}
	col, _ := f.st.Collection(context.Background(), "default")
	if col.Vectors != col.Chunks || f.idx.Count("default") != col.Chunks {
		t.Fatalf("chunks %d, stored vectors %d, in memory %d: want all equal", col.Chunks, col.Vectors, f.idx.Count("default"))
	}
}

func TestBadFilesFailWithAReasonAndTheRestIsIndexed(t *testing.T) {
	f := newFixture(t)
	good := f.write(t, "good.txt", "This one is fine.")
	tests := []struct {
		name, file, content, reason string
	}{
		{"an empty text file has no text", "empty.txt", "", "no text"},
		{"binary data named .txt is not text", "binary.txt", "\x00\x01\x02\xff\xfe\x00garbage", "not a text file"},
		{"random bytes named .pdf are corrupt", "corrupt.pdf", "this is not a pdf at all", "pdf"},
		{"a zip that is not a docx is corrupt", "fake.docx", "PK\x03\x04 not really a zip", "docx"},
		{"a file over the size limit is refused", "huge.pdf", strings.Repeat("big ", 400), "larger than"},
	}
	var paths []string
	for _, tt := range tests {
		paths = append(paths, f.write(t, tt.file, tt.content))
	}
	s := f.run(t, nil, Options{MaxFileBytes: 1000}, append(paths, good)...)
	if s.Added != 1 || len(s.Failed) != len(tests) {
		t.Fatalf("added %d, failed %d; want each file counted once, in its one outcome: %+v", s.Added, len(s.Failed), s)
	}
	for _, p := range paths {
		if d, err := f.st.DocumentByPath(context.Background(), f.coll.ID, p); err != nil || (d.Status != store.StatusFailed && d.Status != store.StatusNoText) {
			t.Errorf("%s: %+v (%v), want it recorded as failed", filepath.Base(p), d, err)
		}
	}
	reasons := map[string]string{}
	for _, fl := range s.Failed {
		reasons[filepath.Base(fl.Path)] = fl.Reason
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := reasons[tt.file]
			if !ok || !strings.Contains(strings.ToLower(r), tt.reason) {
				t.Fatalf("reason for %s = %q, want it to mention %q", tt.file, r, tt.reason)
			}
		})
	}
	d, err := f.st.DocumentByPath(context.Background(), f.coll.ID, good)
	if err != nil || d.Status != store.StatusLexical || d.Chunks != 1 {
		t.Fatalf("good file: %+v, %v", d, err)
	}
}

func TestUnsupportedAndMissingPathsAreReported(t *testing.T) {
	f := newFixture(t)
	img := f.write(t, "photo.jpg", "jpeg")
	s := f.run(t, nil, Options{}, img, filepath.Join(f.dir, "nope.txt"))
	if len(s.Failed) != 2 {
		t.Fatalf("failed = %+v, want the image and the missing file", s.Failed)
	}
}

func TestWithoutTheEmbeddingModelIndexingIsLexicalAndVectorsComeLater(t *testing.T) {
	f := newFixture(t)
	f.write(t, "a.txt", "一つ目の文書。")
	f.write(t, "b.txt", "二つ目の文書。")
	h := &hashEmbed{dim: 4}
	h.setFail(&llm.UnreachableError{URL: "http://127.0.0.1:1", Err: errors.New("refused")})
	emb := &Embedder{Model: "m", Embed: h.embed}
	s := f.run(t, emb, Options{}, f.dir)
	if !s.Lexical || len(s.Warnings) == 0 || s.Added != 2 || len(s.Failed) != 0 {
		t.Fatalf("lexical run: %+v", s)
	}
	h.setFail(nil)
	s = f.run(t, emb, Options{}, f.dir)
	if s.Lexical || s.Vectors != 2 || s.Unchanged != 2 {
		t.Fatalf("second run should fill the 2 vectors: %+v", s)
	}
	docs, _ := f.st.Documents(context.Background(), f.coll.ID, "")
	for _, d := range docs {
		if d.Status != store.StatusIndexed {
			t.Fatalf("%s is %s, want indexed", d.Path, d.Status)
		}
	}
}

func TestAChangeOfEmbeddingModelRebuildsAllVectors(t *testing.T) {
	f := newFixture(t)
	f.write(t, "a.txt", "Some text.")
	f.run(t, &Embedder{Model: "m1", Embed: (&hashEmbed{dim: 4}).embed}, Options{}, f.dir)
	s := f.run(t, &Embedder{Model: "m2", Embed: (&hashEmbed{dim: 6}).embed}, Options{}, f.dir)
	if s.Vectors != 1 || len(s.Warnings) == 0 || !strings.Contains(s.Warnings[0], "m2") {
		t.Fatalf("model change: %+v", s)
	}
	c, _ := f.st.Collection(context.Background(), "default")
	if c.EmbedModel != "m2" || c.EmbedDim != 6 || c.Vectors != 1 {
		t.Fatalf("collection %+v, want m2/6 with 1 vector", c)
	}
	if _, err := f.idx.Query(context.Background(), "default", make([]float32, 6), 1); err != nil {
		t.Fatalf("in-memory index still has the old dimension: %v", err)
	}
}

func TestEmbeddingFailureMidJobReportsEachFileAndKeepsThemForKeywordSearch(t *testing.T) {
	f := newFixture(t)
	f.write(t, "a.txt", "alpha")
	f.write(t, "b.txt", "beta")
	f.write(t, "c.txt", "gamma")
	h := &hashEmbed{dim: 4}
	emb := &Embedder{Model: "m", Embed: func(ctx context.Context, texts []string) ([][]float32, error) {
		if h.calls.Load() >= 2 { // the probe and the first file succeed, then the runtime dies
			return nil, &llm.UnreachableError{URL: "u", Err: errors.New("killed")}
		}
		return h.embed(ctx, texts)
	}}
	s := f.run(t, emb, Options{Workers: 1}, f.dir)
	if s.Added != 3 || len(s.Failed) != 0 {
		t.Fatalf("added %d, failed %+v; want the three stored and counted once", s.Added, s.Failed)
	}
	var notes []string
	for _, w := range s.Warnings {
		if strings.Contains(w, "keyword search only: embedding failed") {
			notes = append(notes, w)
		}
	}
	if len(notes) != 2 {
		t.Fatalf("warnings %q, want a note for b.txt and c.txt", s.Warnings)
	}
	for _, n := range notes {
		path, _, _ := strings.Cut(n, ": ")
		if !strings.Contains(n, "not reachable") {
			t.Fatalf("note %q", n)
		}
		d, _ := f.st.DocumentByPath(context.Background(), f.coll.ID, path)
		if d.Status != store.StatusLexical || d.Chunks != 1 {
			t.Fatalf("document %+v, want lexical with its chunk", d)
		}
	}
}

func TestOverLongChunksAreEmbeddedInPartsNotTruncated(t *testing.T) {
	f := newFixture(t)
	f.write(t, "long.txt", strings.Repeat("長い文章。", 60))
	h := &hashEmbed{dim: 4, maxLen: 50}
	s := f.run(t, &Embedder{Model: "m", Embed: h.embed}, Options{}, f.dir)
	if len(s.Failed) != 0 || s.Vectors == 0 || s.Lexical {
		t.Fatalf("summary %+v", s)
	}
}

func TestCancellingStopsTheJobAndKeepsFinishedDocuments(t *testing.T) {
	f := newFixture(t)
	for i := range 20 {
		f.write(t, fmt.Sprintf("f%02d.txt", i), fmt.Sprintf("document number %d", i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &hashEmbed{dim: 4}
	emb := &Embedder{Model: "m", Embed: func(ctx context.Context, texts []string) ([][]float32, error) {
		if h.calls.Load() > 5 { // the probe and five files
			cancel()
			return nil, ctx.Err()
		}
		return h.embed(ctx, texts)
	}}
	j := &Job{Store: f.st, Index: f.idx, Collection: f.coll, Embedder: emb, Options: Options{Workers: 1}}
	s, err := j.Run(ctx, []string{f.dir})
	if !errors.Is(err, context.Canceled) || !s.Canceled {
		t.Fatalf("err %v canceled %v", err, s.Canceled)
	}
	docs, _ := f.st.Documents(context.Background(), f.coll.ID, "")
	if len(docs) < 5 || len(docs) == 20 {
		t.Fatalf("%d documents stored, want the finished ones only", len(docs))
	}
	for _, d := range docs {
		if d.Chunks != 1 {
			t.Fatalf("%s has %d chunks", d.Path, d.Chunks)
		}
	}
}

func TestHiddenFilesAndFoldersAreSkipped(t *testing.T) {
	f := newFixture(t)
	f.write(t, ".git/notes.txt", "hidden")
	f.write(t, ".secret.txt", "hidden")
	f.write(t, "visible.txt", "shown")
	s := f.run(t, nil, Options{}, f.dir)
	if s.Added != 1 {
		t.Fatalf("added %d, want only the visible file", s.Added)
	}
}
