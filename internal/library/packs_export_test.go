package library_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/bench"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/pack"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vectorize"
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

// A pack exported while the collection was being embedded says how many
// passages it carries without a vector, and the receiver's background
// embedding is woken to compute them.
func TestAPackOfAHalfEmbeddedCollectionSaysSoAndTheReceiverEmbedsTheRest(t *testing.T) {
	ctx := context.Background()
	src := openCorpus(t)
	st, _ := src.Internals()
	c, err := src.Collection(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	set, err := st.EnsureVectorSet(ctx, c.ID, "synthetic-embed", 8)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := st.MissingVectors(ctx, set.ID, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	vs := make([]store.Vector, len(batch))
	for i, k := range batch {
		vs[i] = store.Vector{ChunkID: k.ID, Vec: textVector(k.Text, 8)}
	}
	if _, err := st.SetVectors(ctx, set.ID, vs); err != nil {
		t.Fatal(err)
	}
	if c, err = src.Collection(ctx, "default"); err != nil || c.Vectors != 30 {
		t.Fatalf("the source has %d vectors (%v), want 30", c.Vectors, err)
	}
	var out bytes.Buffer
	exp, err := src.ExportPack(ctx, "default", &out, library.ExportOptions{Seal: testKey.seal}, nil)
	if err != nil {
		t.Fatal(err)
	}
	missing := c.Chunks - 30
	said := fmt.Sprintf("%d of %d passages have no vector yet", missing, c.Chunks)
	if exp.Unembedded != missing || !slices.ContainsFunc(exp.Warnings, func(w string) bool { return strings.Contains(w, said) }) {
		t.Errorf("export: %d without a vector, warnings %q; want %d and a warning saying %q", exp.Unembedded, exp.Warnings, missing, said)
	}

	dst := emptyLibrary(t)
	statuses := make(chan vectorize.Status, 64)
	dst.WatchEmbedding(func(s vectorize.Status) {
		select {
		case statuses <- s:
		default:
		}
	})
	bg, stop := context.WithCancel(ctx)
	defer stop()
	go dst.RunBackground(bg)
	imp, err := importPack(dst, out.Bytes(), testKey.key, library.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Unembedded != missing || !slices.ContainsFunc(imp.Warnings, func(w string) bool { return strings.Contains(w, said) }) {
		t.Errorf("import: %d without a vector, warnings %q; want %d and a warning saying %q", imp.Unembedded, imp.Warnings, missing, said)
	}
	// The background pass takes the collection up (here it fails: this
	// library has no runtime; with one it computes the vectors).
	deadline := time.After(3 * time.Minute)
	for {
		select {
		case s := <-statuses:
			if s.Collection == "default" && s.Model == "synthetic-embed" {
				return
			}
		case <-deadline:
			t.Fatal("the background embedding never took up the imported passages")
		}
	}
}

// A pack import and an ingest of the same collection do not run at once:
// the second is refused with words, so local files never mix into the
// pack's collection.
func TestAPackImportAndAnIngestOfOneCollectionDoNotMix(t *testing.T) {
	ctx := context.Background()
	src := emptyLibrary(t)
	if _, err := src.Ingest(ctx, "mine", []string{writeFolder(t, 3)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	b := exportPack(t, src, "mine", library.ExportOptions{})
	lib := emptyLibrary(t)
	folder := writeFolder(t, 2)

	// An ingest that holds on in its progress callback, as a long one would.
	inIngest, letGo := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var once bool
		_, err := lib.Ingest(ctx, "mine", []string{folder}, library.IngestOptions{NoEmbedding: true}, func(p ingest.Progress) error {
			if !once {
				once = true
				close(inIngest)
				<-letGo
			}
			return nil
		})
		done <- err
	}()
	<-inIngest
	if _, err := importPack(lib, b, testKey.key, library.ImportOptions{Name: "mine", Replace: true}); !errors.Is(err, library.ErrBusy) || !strings.Contains(err.Error(), "being indexed") {
		t.Errorf("an import replacing a collection being indexed: %v, want ErrBusy", err)
	}
	close(letGo)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// An import that holds on in its progress callback.
	r, err := pack.NewReader(bytes.NewReader(b), testKey.key)
	if err != nil {
		t.Fatal(err)
	}
	inImport, letGo := make(chan struct{}), make(chan struct{})
	go func() {
		var once bool
		_, err := lib.ImportPack(ctx, r, library.ImportOptions{Name: "mine", Replace: true}, func(library.PackProgress) error {
			if !once {
				once = true
				close(inImport)
				<-letGo
			}
			return nil
		})
		done <- err
	}()
	<-inImport
	if _, err := lib.Ingest(ctx, "mine", []string{folder}, library.IngestOptions{NoEmbedding: true}, nil); !errors.Is(err, library.ErrBusy) || !strings.Contains(err.Error(), "imported") {
		t.Errorf("an ingest into a collection being imported: %v, want ErrBusy", err)
	}
	close(letGo)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	docs, _ := lib.Documents(ctx, "mine")
	for _, d := range docs {
		if strings.HasPrefix(d.Path, folder) {
			t.Errorf("a local file is in the imported collection: %s", d.Path)
		}
	}
}

// An import's progress counts the files done, as an export's does: the
// CLI's "file 2 of 1" came from counting the one being copied.
func TestImportProgressCountsTheFilesDone(t *testing.T) {
	src := emptyLibrary(t)
	if _, err := src.Ingest(context.Background(), "mine", []string{writeFolder(t, 2)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	b := exportPack(t, src, "mine", library.ExportOptions{WithFiles: true})
	r, err := pack.NewReader(bytes.NewReader(b), testKey.key)
	if err != nil {
		t.Fatal(err)
	}
	var seen []int
	_, err = emptyLibrary(t).ImportPack(context.Background(), r, library.ImportOptions{}, func(p library.PackProgress) error {
		if p.Phase == library.PackFiles {
			seen = append(seen, p.Done.Files)
			if p.Done.Files >= p.Total.Files {
				t.Errorf("copying a file with %d of %d done", p.Done.Files, p.Total.Files)
			}
		}
		return nil
	})
	if err != nil || !reflect.DeepEqual(seen, []int{0, 1}) {
		t.Errorf("files done as each was copied: %v (%v), want [0 1]", seen, err)
	}
}
