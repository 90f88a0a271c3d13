package library_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/kura-app/kura/internal/bench"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/retrieve"
)

func folderNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// What a killed export left beside its pack does not stop the next export
// to the same name; an export that fails removes what it wrote.
func TestAnExportIsNotBlockedByWhatAKilledOneLeft(t *testing.T) {
	ctx := context.Background()
	lib := emptyLibrary(t)
	if _, err := lib.Ingest(ctx, "default", []string{writeFolder(t, 2)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "docs.kpack")
	for _, stale := range []string{out + ".partial", out + ".12345.partial"} {
		if err := os.WriteFile(stale, []byte("kura-pack 1\nhalf"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := folderNames(t, dir)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := lib.ExportPackFile(cancelled, "default", out, library.ExportOptions{Seal: testKey.seal}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled export: %v", err)
	}
	if after := folderNames(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("a failed export left %v, the folder held %v", after, before)
	}

	if _, err := lib.ExportPackFile(ctx, "default", out, library.ExportOptions{Seal: testKey.seal}, nil); err != nil {
		t.Fatalf("an export beside a killed one's file: %v", err)
	}
	if after, want := folderNames(t, dir), append([]string{"docs.kpack"}, before...); !reflect.DeepEqual(after, want) {
		t.Errorf("after the export the folder holds %v, want %v", after, want)
	}
}

// A pack imported by another process (kura pack import beside a running
// kura serve) is searched with its vectors without a restart.
func TestVectorsImportedByAnotherProcessAreSearchedWithoutARestart(t *testing.T) {
	ctx := context.Background()
	src := openCorpus(t)
	embedSynthetic(t, src, "default", 64)
	b := exportPack(t, src, "default", library.ExportOptions{})

	serving := emptyLibrary(t)
	if _, err := serving.Ingest(ctx, "mine", []string{writeFolder(t, 1)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	client, err := llm.New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := library.Open(ctx, serving.Dir(), config.Default(), client) // the CLI's import
	if err != nil {
		t.Fatal(err)
	}
	sum, err := importPack(other, b, testKey.key, library.ImportOptions{})
	other.Close()
	if err != nil {
		t.Fatal(err)
	}
	res, err := serving.Search(ctx, "default", bench.Questions[0].Query, library.SearchOptions{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Why == retrieve.WhyNoVectors || res.Vectors != sum.Collection.Vectors {
		t.Errorf("search after another process imported %d vectors: %d vectors, %q", sum.Collection.Vectors, res.Vectors, res.Warning)
	}
}
