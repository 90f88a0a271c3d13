package library_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/kura-app/kura/internal/library"
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
