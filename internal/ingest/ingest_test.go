package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vector"
)

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

func (f *fixture) run(t *testing.T, opts Options, paths ...string) Summary {
	t.Helper()
	c, err := f.st.Collection(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	j := &Job{Store: f.st, Index: f.idx, Collection: c, Options: opts}
	sum, err := j.Run(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestRerunOnlyProcessesChangedFilesAndRemovesDeletedOnes(t *testing.T) {
	f := newFixture(t)
	a := f.write(t, "a.txt", "最初の文書です。誤差について。")
	f.write(t, "sub/b.md", "# Title\n\nSecond document about ABC-123.")
	c := f.write(t, "c.txt", "Third.")

	s := f.run(t, Options{}, f.dir)
	if s.Added != 3 || len(s.Failed) != 0 || s.Chunks != 3 {
		t.Fatalf("first run: %+v", s)
	}
	s = f.run(t, Options{}, f.dir)
	if s.Unchanged != 3 || s.Added+s.Updated+s.Removed != 0 || s.Chunks != 0 {
		t.Fatalf("second run should change nothing: %+v", s)
	}
	os.WriteFile(a, []byte("書き換えた文書です。"), 0o644)
	os.Remove(c)
	s = f.run(t, Options{}, f.dir)
	if s.Updated != 1 || s.Removed != 1 || s.Unchanged != 1 {
		t.Fatalf("third run: %+v, want 1 updated, 1 removed, 1 unchanged", s)
	}
	docs, _ := f.st.Documents(context.Background(), f.coll.ID, "")
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2", len(docs))
	}
	for _, d := range docs {
		if d.Status != store.StatusLexical || d.Chunks != 1 {
			t.Fatalf("%s: %s with %d chunks; want keyword-searchable with its chunk (vectors come later)", d.Path, d.Status, d.Chunks)
		}
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
	s := f.run(t, Options{MaxFileBytes: 1000}, append(paths, good)...)
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
	s := f.run(t, Options{}, img, filepath.Join(f.dir, "nope.txt"))
	if len(s.Failed) != 2 {
		t.Fatalf("failed = %+v, want the image and the missing file", s.Failed)
	}
}

func TestCancellingStopsTheJobAndKeepsFinishedDocuments(t *testing.T) {
	f := newFixture(t)
	for i := range 20 {
		f.write(t, fmt.Sprintf("f%02d.txt", i), fmt.Sprintf("document number %d", i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &Job{Store: f.st, Index: f.idx, Collection: f.coll, Options: Options{Workers: 1, ProgressEvery: -1}, OnProgress: func(p Progress) error {
		if p.FilesDone >= 5 {
			cancel()
		}
		return nil
	}}
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
	s := f.run(t, Options{}, f.dir)
	if s.Added != 1 {
		t.Fatalf("added %d, want only the visible file", s.Added)
	}
}

func TestProgressCountsBytesAndEndsWithTheFinalState(t *testing.T) {
	f := newFixture(t)
	f.write(t, "a.txt", strings.Repeat("あ", 1000))
	f.write(t, "b.txt", "short")
	var mu sync.Mutex
	var seen []Progress
	j := &Job{Store: f.st, Index: f.idx, Collection: f.coll, Options: Options{Workers: 1}, OnProgress: func(p Progress) error {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
		return nil
	}}
	if _, err := j.Run(context.Background(), []string{f.dir}); err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	if last.Phase != PhaseDone || last.FilesDone != 2 || last.BytesTotal != 3005 || last.BytesDone != last.BytesTotal {
		t.Fatalf("final progress %+v; want done with 2 files and all 3005 bytes", last)
	}
	for _, p := range seen {
		if p.BytesDone > p.BytesTotal || p.FilesDone > p.FilesTotal {
			t.Fatalf("progress beyond its total: %+v", p)
		}
	}
}

// A file that grows between the walk and its reading (a log being written,
// a file appended to in a watched folder) never puts a count past its
// total: progress once said "file 2 of 1" and more bytes read than there
// were.
func TestProgressNeverPassesItsTotalWhenAFileGrows(t *testing.T) {
	f := newFixture(t)
	f.write(t, "a.txt", "The first memo.")
	b := f.write(t, "b.txt", "The second memo.")
	var seen []Progress
	j := &Job{Store: f.st, Index: f.idx, Collection: f.coll, Options: Options{Workers: 1, ProgressEvery: -1}, OnProgress: func(p Progress) error {
		if p.FilesDone == 1 && len(seen) > 0 && seen[len(seen)-1].FilesDone == 0 {
			// a.txt is read, b.txt not yet: it grows now.
			fh, err := os.OpenFile(b, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			fh.WriteString(strings.Repeat(" It goes on.", 500))
			fh.Close()
		}
		seen = append(seen, p)
		return nil
	}}
	if _, err := j.Run(context.Background(), []string{f.dir}); err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	if last.FilesDone != 2 || last.BytesDone < 6000 {
		t.Fatalf("final progress %+v; want both files and the grown bytes read", last)
	}
	for _, p := range seen {
		if p.BytesDone > p.BytesTotal || p.FilesDone > p.FilesTotal || p.OCRPagesDone > p.OCRPagesTotal || p.VectorsDone > p.VectorsTotal {
			t.Fatalf("progress beyond its total: %+v", p)
		}
	}
}

// The kind of a failure is told from the error, not from its words, so the
// edges can word the remedy in the user's language.
func TestTheKindOfAFailureComesFromTheError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("pdf: needs a password to open: %w", extract.ErrEncrypted), KindEncrypted},
		{extract.ErrNoText, KindNoText},
		{fmt.Errorf("%w: big.pdf is larger than the 200 MiB limit", extract.ErrTooLarge), KindTooLarge},
		{fmt.Errorf("epub: the spine lists no readable chapter: %w", extract.ErrCorrupt), KindCorrupt},
		{fmt.Errorf(".xyz: %w", extract.ErrUnsupported), KindUnsupported},
		{&fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}, KindPermission},
		{&fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}, KindMissing},
		{fmt.Errorf("pdf: %w", context.DeadlineExceeded), KindTimeout},
		{fmt.Errorf("pdf: %s: %w", "fifo", extract.ErrNotRegular), ""},
		{errors.New("something else\nwith a second line"), ""},
	} {
		if got := kindOf(tc.err); got != tc.want {
			t.Errorf("kindOf(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
