package library_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kura-app/kura/internal/library"
)

// A sync of changed paths reads those paths only: a new file is added
// without the folder's other files being looked at (none counts as
// unchanged), a temporary file already gone is no failure, a deleted file
// leaves the index, and a deleted subfolder takes its documents with it
// (judged by a sync of the whole folder).
func TestASyncOfChangedPathsReadsOnlyThem(t *testing.T) {
	ctx := context.Background()
	lib := emptyLibrary(t)
	folder := t.TempDir()
	write := func(rel, text string) string {
		p := filepath.Join(folder, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("a.txt", "The first memo.")
	write("b.txt", "The second memo.")
	sub := write(filepath.Join("sub", "c.txt"), "The third memo.")
	if _, err := lib.Ingest(ctx, "default", []string{folder}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	sync := func(changed ...string) (added, unchanged, removed, failed int) {
		t.Helper()
		sum, err := lib.Sync(ctx, "default", folder, changed, library.IngestOptions{NoEmbedding: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sum.Added, sum.Unchanged, sum.Removed, len(sum.Failed)
	}
	added := write("new.txt", "A new memo.")
	if a, u, r, f := sync(added, filepath.Join(folder, "~tmp123.txt"), filepath.Join(folder, ".hidden.txt")); a != 1 || u != 0 || r != 0 || f != 0 {
		t.Fatalf("sync of a new file and a gone temporary one: added %d, unchanged %d, removed %d, failed %d; want 1 added and nothing else", a, u, r, f)
	}
	os.Remove(added)
	if a, u, r, f := sync(added); a != 0 || u != 0 || r != 1 || f != 0 {
		t.Fatalf("sync of a deleted file: added %d, unchanged %d, removed %d, failed %d; want 1 removed", a, u, r, f)
	}
	os.RemoveAll(filepath.Dir(sub))
	if _, _, r, f := sync(filepath.Dir(sub)); r != 1 || f != 0 {
		t.Fatalf("sync of a deleted subfolder: removed %d, failed %d; want its document removed", r, f)
	}
	docs, _ := lib.Documents(ctx, "default")
	if len(docs) != 2 {
		t.Fatalf("documents %+v; want a.txt and b.txt", docs)
	}
}
