package library_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/bench"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
)

// The crash test re-runs this test binary as an ingesting child process and
// kills it with SIGKILL at random moments.
const childEnv = "KURA_TEST_INGEST_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(packChildEnv); spec != "" {
		os.Exit(importChild(spec))
	}
	if spec := os.Getenv(childEnv); spec != "" {
		parts := strings.Split(spec, "|")
		data, folder, force := parts[0], parts[1], parts[2] == "force"
		lib := openLib(data)
		_, err := lib.Ingest(context.Background(), "default", []string{folder}, library.IngestOptions{NoEmbedding: true, Force: force}, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func openLib(data string) *library.Library {
	client, _ := llm.New("http://127.0.0.1:1")
	lib, err := library.Open(context.Background(), data, config.Default(), client)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return lib
}

// writeFolder writes n text files of mixed Japanese and English paragraphs.
func writeFolder(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(7))
	for i := range n {
		var b strings.Builder
		for range 12 {
			b.WriteString(bench.Sentence(rng, 60))
			b.WriteString("\n\n")
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc-%03d.txt", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func ingestChild(t *testing.T, data, folder string, force bool) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	mode := "normal"
	if force {
		mode = "force"
	}
	cmd.Env = append(os.Environ(), childEnv+"="+data+"|"+folder+"|"+mode)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func checkIndex(t *testing.T, data string) store.Collection {
	t.Helper()
	st, err := store.Open(filepath.Join(data, library.IndexFile))
	if err != nil {
		t.Fatalf("the index does not open after a kill: %v", err)
	}
	defer st.Close()
	if err := st.Check(context.Background()); err != nil {
		t.Fatalf("the index is inconsistent after a kill: %v", err)
	}
	c, err := st.Collection(context.Background(), "default")
	if err != nil {
		return store.Collection{}
	}
	return c
}

func TestKillingAnIngestAtAnyMomentLosesNothingAndDuplicatesNothing(t *testing.T) {
	const files = 300
	folder := writeFolder(t, files)

	// Reference: one uninterrupted ingest, timed to aim the kills.
	ref := t.TempDir()
	start := time.Now()
	if err := ingestChild(t, ref, folder, false).Wait(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	want := checkIndex(t, ref)
	if want.Documents != files || want.Chunks == 0 {
		t.Fatalf("reference ingest: %+v", want)
	}

	// Rounds 0-3 interrupt a first ingest that resumes each time; rounds
	// 4-7 interrupt a forced re-ingest, where every document's old version
	// is replaced in the same transaction as its new one is written.
	data := t.TempDir()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	prevDocs := 0
	for round := 0; round < 8; round++ {
		force := round >= 4
		if round == 4 {
			// The forced rounds replace complete documents: finish the
			// first ingest (on a busy machine the kills may all have come
			// early), so that every document has an old version.
			if err := ingestChild(t, data, folder, false).Wait(); err != nil {
				t.Fatalf("finishing the first ingest: %v", err)
			}
			if got := checkIndex(t, data); got.Chunks != want.Chunks {
				t.Fatalf("after finishing the first ingest: %d chunks, want %d", got.Chunks, want.Chunks)
			}
		}
		cmd := ingestChild(t, data, folder, force)
		delay := time.Duration(float64(took) * (0.1 + 0.8*rng.Float64()))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		got := checkIndex(t, data)
		t.Logf("round %d (force %v): killed after %v of ~%v with %d/%d documents, %d chunks", round, force, delay.Round(time.Millisecond), took.Round(time.Millisecond), got.Documents, want.Documents, got.Chunks)
		if force && got.Chunks != want.Chunks {
			t.Fatalf("a killed re-ingest left %d chunks, want %d: a document's old and new versions mixed", got.Chunks, want.Chunks)
		}
		if got.Documents < prevDocs {
			t.Fatalf("documents went from %d to %d: an interrupted ingest lost work", prevDocs, got.Documents)
		}
		prevDocs = got.Documents
	}
	if err := ingestChild(t, data, folder, false).Wait(); err != nil {
		t.Fatalf("re-run after the kills: %v", err)
	}
	got := checkIndex(t, data)
	if got.Documents != want.Documents || got.Chunks != want.Chunks {
		t.Fatalf("after re-running: %d documents, %d chunks; want %d and %d", got.Documents, got.Chunks, want.Documents, want.Chunks)
	}
	// The index opens with the engine too, and search works.
	lib := openLib(data)
	defer lib.Close()
	res, err := lib.Search(context.Background(), "default", "ID", library.SearchOptions{K: 3})
	if err != nil || len(res.Passages) == 0 {
		t.Fatalf("search after recovery: %v, %d passages", err, len(res.Passages))
	}
}
