package library_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/bench"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/pack"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/vectorize"
)

// testKey is one X25519 key pair for the package's pack tests (a
// passphrase costs a second of scrypt per pack; its own tests are in
// package pack).
var testKey = func() struct {
	seal pack.Seal
	key  pack.Key
	text string
} {
	secret, public, err := pack.NewKeyPair()
	if err != nil {
		panic(err)
	}
	seal, err := pack.RecipientSeal([]string{public})
	if err != nil {
		panic(err)
	}
	key, err := pack.ParseKeys(strings.NewReader(secret))
	if err != nil {
		panic(err)
	}
	return struct {
		seal pack.Seal
		key  pack.Key
		text string
	}{seal, key, secret}
}()

// embedSynthetic gives every chunk of the collection a vector made from
// its text, as an embedding model would (the model's cost is not what is
// tested here), and returns the set's id.
func embedSynthetic(t *testing.T, lib *library.Library, collection string, dim int) int64 {
	t.Helper()
	ctx := context.Background()
	st, idx := lib.Internals()
	c, err := lib.Collection(ctx, collection)
	if err != nil {
		t.Fatal(err)
	}
	set, err := st.EnsureVectorSet(ctx, c.ID, "synthetic-embed", dim)
	if err != nil {
		t.Fatal(err)
	}
	for {
		batch, err := st.MissingVectors(ctx, set.ID, 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			if err := vectorize.Load(ctx, st, idx, set.ID); err != nil {
				t.Fatal(err)
			}
			return set.ID
		}
		vs := make([]store.Vector, len(batch))
		for i, k := range batch {
			vs[i] = store.Vector{ChunkID: k.ID, Vec: textVector(k.Text, dim)}
		}
		if _, err := st.SetVectors(ctx, set.ID, vs); err != nil {
			t.Fatal(err)
		}
	}
}

func textVector(text string, dim int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	return bench.RandomUnit(rand.New(rand.NewSource(int64(h.Sum64()))), dim)
}

// exportPack exports the collection of lib sealed with the test key.
func exportPack(t *testing.T, lib *library.Library, collection string, o library.ExportOptions) []byte {
	t.Helper()
	o.Seal = testKey.seal
	var out bytes.Buffer
	if _, err := lib.ExportPack(context.Background(), collection, &out, o, nil); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// importPack opens the pack b with key and imports it into lib.
func importPack(lib *library.Library, b []byte, key pack.Key, o library.ImportOptions) (library.ImportSummary, error) {
	r, err := pack.NewReader(bytes.NewReader(b), key)
	if err != nil {
		return library.ImportSummary{}, err
	}
	o.Size = int64(len(b))
	return lib.ImportPack(context.Background(), r, o, nil)
}

// emptyLibrary opens a library in a new folder with no model runtime.
func emptyLibrary(t *testing.T) *library.Library {
	t.Helper()
	client, err := llm.New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.Open(context.Background(), t.TempDir(), config.Default(), client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	return lib
}

// hit is what a search result must keep through a pack.
type hit struct {
	Name, Text       string
	Page, Start, End int
	Score            float64
}

func hits(res retrieve.Result) []hit {
	out := make([]hit, 0, len(res.Passages))
	for _, p := range res.Passages {
		out = append(out, hit{filepath.Base(p.Path), p.Text, p.Page, p.Start, p.End, p.Score})
	}
	return out
}

func TestAPackedCollectionSearchesTheSameOnAnotherLibrary(t *testing.T) {
	ctx := context.Background()
	src := openCorpus(t)
	setID := embedSynthetic(t, src, "default", 64)
	if err := src.SetAnswerSettings(ctx, "default", library.AnswerSettings{TopK: 3}); err != nil {
		t.Fatal(err)
	}
	b := exportPack(t, src, "default", library.ExportOptions{})

	dst := emptyLibrary(t)
	sum, err := importPack(dst, b, testKey.key, library.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := src.Collection(ctx, "default")
	got := sum.Collection
	if got.Name != "default" || got.Documents != want.Documents || got.Chunks != want.Chunks || got.Vectors != want.Chunks ||
		got.EmbedModel != "synthetic-embed" || got.EmbedDim != 64 {
		t.Fatalf("imported %+v; want the corpus' %d documents, %d chunks with vectors of synthetic-embed", got, want.Documents, want.Chunks)
	}
	if c, _ := dst.Collection(ctx, "default"); c.ChosenEmbedModel != "synthetic-embed" {
		t.Errorf("the collection's own embedding model is %q: the receiver would re-embed it for its default", c.ChosenEmbedModel)
	}
	if got := dst.AnswerSettings(ctx, "default"); got.TopK != 3 {
		t.Errorf("the imported collection answers with %+v, want its own 3 passages per question", got)
	}
	dstStore, dstIndex := dst.Internals()
	if err := dstStore.Check(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("keyword search returns the same passages in the same order", func(t *testing.T) {
		for _, tc := range bench.Questions {
			a, err := src.Search(ctx, "default", tc.Query, library.SearchOptions{K: 8})
			if err != nil {
				t.Fatal(err)
			}
			b, err := dst.Search(ctx, "default", tc.Query, library.SearchOptions{K: 8})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Passages) == 0 || !reflect.DeepEqual(hits(a), hits(b)) || a.Passages[0].Path != b.Passages[0].Path {
				t.Errorf("%s:\nsource %+v\nimport %+v", tc.Name, hits(a), hits(b))
			}
		}
	})
	t.Run("the vectors find the same passages, loaded into memory at once", func(t *testing.T) {
		srcStore, srcIndex := src.Internals()
		for _, tc := range bench.Questions[:6] {
			q := textVector(tc.Query, 64)
			a, err := srcIndex.Query(ctx, setID, q, 10)
			if err != nil {
				t.Fatal(err)
			}
			b, err := dstIndex.Query(ctx, got.ActiveSet, q, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != 10 || len(a) != len(b) {
				t.Fatalf("%d and %d vector hits", len(a), len(b))
			}
			for i := range a {
				ca, _ := srcStore.Chunks(ctx, []int64{a[i].ChunkID})
				cb, _ := dstStore.Chunks(ctx, []int64{b[i].ChunkID})
				if ca[0].Text != cb[0].Text || a[i].Similarity != b[i].Similarity {
					t.Errorf("%s, vector hit %d differs", tc.Name, i)
				}
			}
		}
	})
}

func TestAPackWithFilesBringsTheOriginalsIntoTheDataFolder(t *testing.T) {
	ctx := context.Background()
	src := openCorpus(t)
	b := exportPack(t, src, "default", library.ExportOptions{WithFiles: true})
	dst := emptyLibrary(t)
	sum, err := importPack(dst, b, testKey.key, library.ImportOptions{Name: "field"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files == "" || !strings.HasPrefix(sum.Files, filepath.Join(dst.Dir(), library.PacksDir)+string(filepath.Separator)) {
		t.Fatalf("files went to %q, want a folder in %s", sum.Files, filepath.Join(dst.Dir(), library.PacksDir))
	}
	srcDocs, _ := src.Documents(ctx, "default")
	docs, err := dst.Documents(ctx, "field")
	if err != nil || len(docs) != len(srcDocs) {
		t.Fatalf("%d documents (%v), want %d", len(docs), err, len(srcDocs))
	}
	for i, d := range docs {
		orig := srcDocs[i]
		if filepath.Base(d.Path) != filepath.Base(orig.Path) || !strings.HasPrefix(d.Path, sum.Files) {
			t.Errorf("document %s imported as %s", orig.Path, d.Path)
		}
		a, _ := os.ReadFile(orig.Path)
		b, err := os.ReadFile(d.Path)
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: the carried file differs from the original (%v)", d.Path, err)
		}
		if d.Hash != orig.Hash || d.Chunks != orig.Chunks {
			t.Errorf("%s: hash %s, %d chunks; want %s, %d", d.Path, d.Hash, d.Chunks, orig.Hash, orig.Chunks)
		}
	}
	// Re-reading the carried files finds them unchanged.
	rs, err := dst.Reindex(ctx, "field", true, nil)
	if err != nil || rs.Updated+rs.Added != len(docs) || len(rs.Failed) != 0 {
		t.Errorf("re-reading the carried files: %+v, %v", rs, err)
	}
	// Deleting the collection deletes the copies with it.
	if err := dst.DeleteCollection(ctx, "field"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(sum.Files)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the carried files outlived their collection: %v", err)
	}
}

func TestAnImportThatFailsChangesNothing(t *testing.T) {
	ctx := context.Background()
	src := openCorpus(t)
	b := exportPack(t, src, "default", library.ExportOptions{WithFiles: true})
	other, _, err := pack.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := pack.ParseKeys(strings.NewReader(other))
	flipped := append([]byte(nil), b...)
	flipped[len(flipped)*3/4] ^= 1

	tests := []struct {
		name string
		pack []byte
		key  pack.Key
		opts library.ImportOptions
		want error
	}{
		{"a pack sealed for another key", b, otherKey, library.ImportOptions{Name: "x"}, pack.ErrNoKey},
		{"a pack cut short", b[:len(b)-100], testKey.key, library.ImportOptions{Name: "x"}, pack.ErrDamaged},
		{"a pack with a bit flipped near its end", flipped, testKey.key, library.ImportOptions{Name: "x"}, pack.ErrDamaged},
		{"a pack over an existing collection without replace", b, testKey.key, library.ImportOptions{Name: "mine"}, store.ErrExists},
		{"a pack that replaces an existing collection but is cut short", b[:len(b)*2/3], testKey.key,
			library.ImportOptions{Name: "mine", Replace: true}, pack.ErrDamaged},
	}
	dst := emptyLibrary(t)
	if _, err := dst.Ingest(ctx, "mine", []string{writeFolder(t, 3)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	before := snapshotFolder(t, dst)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := importPack(dst, tt.pack, tt.key, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if after := snapshotFolder(t, dst); !reflect.DeepEqual(before, after) {
				t.Errorf("the data folder changed: %s", describeDiff(before, after))
			}
		})
	}
}

// Cancelling an import part way (the app's Cancel, Ctrl-C) leaves the data
// folder as it was, whether the pack was to add a collection or replace one.
func TestACancelledImportChangesNothing(t *testing.T) {
	ctx := context.Background()
	src := openCorpus(t)
	b := exportPack(t, src, "default", library.ExportOptions{WithFiles: true})
	dst := emptyLibrary(t)
	if _, err := dst.Ingest(ctx, "mine", []string{writeFolder(t, 3)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	before := snapshotFolder(t, dst)
	for _, tt := range []struct {
		name  string
		opts  library.ImportOptions
		phase string
	}{
		// (Progress during the passages is reported every 200 ms, after
		// the import of this small pack has ended; the kill test stops
		// imports there.)
		{"a new collection, while its files are copied", library.ImportOptions{Name: "x"}, library.PackFiles},
		{"a replacement, while its files are copied", library.ImportOptions{Name: "mine", Replace: true}, library.PackFiles},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := pack.NewReader(bytes.NewReader(b), testKey.key)
			if err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			cancelledIn := ""
			tt.opts.Size = int64(len(b))
			_, err = dst.ImportPack(cctx, r, tt.opts, func(p library.PackProgress) error {
				if p.Phase == tt.phase && cancelledIn == "" {
					cancelledIn = p.Phase
					cancel()
				}
				return nil
			})
			if cancelledIn == "" {
				t.Fatalf("the import never reported the phase %q", tt.phase)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled during %s: got %v, want context.Canceled", cancelledIn, err)
			}
			if after := snapshotFolder(t, dst); !reflect.DeepEqual(before, after) {
				t.Errorf("the data folder changed: %s", describeDiff(before, after))
			}
		})
	}
}

// snapshotFolder describes a library's data folder: its files (the
// index's journal aside) and, per collection, its counts and documents.
func snapshotFolder(t *testing.T, lib *library.Library) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	filepath.Walk(lib.Dir(), func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(lib.Dir(), p)
		if !strings.HasPrefix(filepath.Base(p), library.IndexFile) && rel != "." {
			out = append(out, rel)
		}
		return nil
	})
	cols, err := lib.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		out = append(out, c.Name+":"+fmt.Sprintf("%d/%d/%d", c.Documents, c.Chunks, c.Vectors))
		docs, _ := lib.Documents(ctx, c.Name)
		for _, d := range docs {
			out = append(out, c.Name+":"+d.Path+":"+d.Hash)
		}
	}
	sort.Strings(out)
	return out
}

// The kill test re-runs this test binary as a process that imports a pack
// and kills it with SIGKILL at random moments (see crash_test.go's
// TestMain).
const packChildEnv = "KURA_TEST_PACK_CHILD"

// importChild imports the pack named by spec ("data|pack|secret key
// file"), replacing the collection "default", and returns the exit status.
func importChild(spec string) int {
	parts := strings.Split(spec, "|")
	lib := openLib(parts[0])
	defer lib.Close()
	keyText, err := os.ReadFile(parts[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	key, err := pack.ParseKeys(bytes.NewReader(keyText))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := os.ReadFile(parts[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := importPack(lib, b, key, library.ImportOptions{Name: "default", Replace: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestKillingAPackImportAtAnyMomentLeavesTheDataFolderAsItWas(t *testing.T) {
	ctx := context.Background()
	// The pack: 300 files with their vectors and the files themselves.
	src := emptyLibrary(t)
	if _, err := src.Ingest(ctx, "default", []string{writeFolder(t, 300)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	embedSynthetic(t, src, "default", 256)
	packFile := filepath.Join(t.TempDir(), "big.kpack")
	if err := os.WriteFile(packFile, exportPack(t, src, "default", library.ExportOptions{WithFiles: true}), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(keyFile, []byte(testKey.text), 0o600); err != nil {
		t.Fatal(err)
	}
	// The receiving folder holds a collection of the same name, which the
	// import replaces: a kill must leave it whole.
	data := t.TempDir()
	before := func() []string {
		lib := openLib(data)
		defer lib.Close()
		return snapshotFolder(t, lib)
	}
	func() {
		lib := openLib(data)
		defer lib.Close()
		if _, err := lib.Ingest(ctx, "default", []string{writeFolder(t, 5)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
			t.Fatal(err)
		}
	}()
	want := before()
	run := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), packChildEnv+"="+data+"|"+packFile+"|"+keyFile)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}

	// Reference: an uninterrupted import into a copy, timed to aim the
	// kills.
	ref := t.TempDir()
	start := time.Now()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), packChildEnv+"="+ref+"|"+packFile+"|"+keyFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reference import: %v\n%s", err, out)
	}
	took := time.Since(start)

	pristine := filepath.Join(t.TempDir(), "pristine")
	copyDir(t, data, pristine)
	srcCol, _ := src.Collection(ctx, "default")
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	kills := 0
	for round := 0; round < 8; round++ {
		cmd := run()
		delay := time.Duration(float64(took) * (0.05 + 0.85*rng.Float64()))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		got := checkAndSnapshot(t, data)
		if reflect.DeepEqual(got, want) {
			kills++
			t.Logf("round %d: killed after %v of ~%v: as it was", round, delay.Round(time.Millisecond), took.Round(time.Millisecond))
			continue
		}
		// Otherwise the import must have committed, whole (the kill came
		// after that, or the import finished first), and nothing of the
		// old collection may be left.
		lib := openLib(data)
		c, cerr := lib.Collection(ctx, "default")
		docs, _ := lib.Documents(ctx, "default")
		lib.Close()
		if cerr != nil || c.Documents != srcCol.Documents || c.Chunks != srcCol.Chunks || c.Vectors != srcCol.Chunks {
			t.Fatalf("round %d (exit %v after %v): the collection is %+v, neither the old one nor the pack's %+v; folder: %s",
				round, err, delay, c, srcCol, describeDiff(want, got))
		}
		for _, d := range docs {
			if _, err := os.Stat(d.Path); err != nil {
				t.Fatalf("round %d: an imported document's file is missing: %v", round, err)
			}
		}
		t.Logf("round %d: the import had committed when killed after %v (exit %v)", round, delay.Round(time.Millisecond), err)
		os.RemoveAll(data)
		copyDir(t, pristine, data)
	}
	if kills == 0 {
		t.Error("no kill came before the import committed: the test proved nothing")
	}
	// Run to the end: the pack's collection replaces the old one.
	if err := run().Wait(); err != nil {
		t.Fatal(err)
	}
	lib := openLib(data)
	defer lib.Close()
	c, err := lib.Collection(ctx, "default")
	if err != nil || c.Documents != 300 || c.Vectors != c.Chunks {
		t.Fatalf("after a complete import: %+v, %v", c, err)
	}
}

// checkAndSnapshot opens the folder as the next Kura would (which clears
// what a killed import left), checks the index and describes the folder.
func checkAndSnapshot(t *testing.T, data string) []string {
	t.Helper()
	checkIndex(t, data)
	lib := openLib(data)
	defer lib.Close()
	return snapshotFolder(t, lib)
}

// copyDir copies the files of folder src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// describeDiff names a few entries only one of two folder descriptions has.
func describeDiff(a, b []string) string {
	in := func(xs []string, x string) bool {
		i := sort.SearchStrings(xs, x)
		return i < len(xs) && xs[i] == x
	}
	var gone, added []string
	for _, x := range a {
		if !in(b, x) && len(gone) < 5 {
			gone = append(gone, x)
		}
	}
	for _, x := range b {
		if !in(a, x) && len(added) < 5 {
			added = append(added, x)
		}
	}
	return fmt.Sprintf("%d entries before, %d after; gone %q; new %q", len(a), len(b), gone, added)
}
