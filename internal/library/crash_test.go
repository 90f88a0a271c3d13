package library_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/kura-app/kura/internal/bench"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/store"
)

// The crash test re-runs this test binary as an ingesting child process,
// which kills itself with SIGKILL at a chosen point of its progress.
const childEnv = "KURA_TEST_INGEST_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(packChildEnv); spec != "" {
		os.Exit(importChild(spec))
	}
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(ingestChildMain(spec))
	}
	os.Exit(m.Run())
}

// ingestChildMain ingests the folder named by spec ("data|folder|mode|kill
// point") and returns the exit status; at the kill point (see killAt) it
// SIGKILLs itself, so no deferred cleanup, no Close and no final commit
// runs, as when the power goes.
func ingestChildMain(spec string) int {
	parts := strings.Split(spec, "|")
	data, folder, force, point := parts[0], parts[1], parts[2] == "force", parts[3]
	lib := openLib(data)
	_, err := lib.Ingest(context.Background(), "default", []string{folder}, library.IngestOptions{NoEmbedding: true, Force: force}, func(p ingest.Progress) error {
		if killAt(point, p) {
			fmt.Fprintf(os.Stderr, "killed in phase %s with %d of %d files done\n", p.Phase, p.FilesDone, p.FilesTotal)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// killAt reports whether progress p is at the kill point: "" never,
// "scanning" while the folder is walked, "reading:N" at the first report
// with N files done (the other workers are then reading or committing
// theirs; reports are throttled, so it may come a file or two later, or in
// the done phase after the last file), "done" after every file is stored
// and before the folder's sync is recorded.
func killAt(point string, p ingest.Progress) bool {
	phase, n, _ := strings.Cut(point, ":")
	switch phase {
	case "":
		return false
	case ingest.PhaseIndex:
		k, _ := strconv.Atoi(n)
		return p.FilesDone >= k && (p.Phase == ingest.PhaseIndex || p.Phase == ingest.PhaseDone)
	}
	return p.Phase == phase
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

// ingestChild starts an ingest of folder into data in a child process,
// which kills itself at point (see killAt; "" runs to the end); what the
// child says goes to out, or to the test's stderr when out is nil.
func ingestChild(t *testing.T, data, folder string, force bool, point string, out io.Writer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	mode := "normal"
	if force {
		mode = "force"
	}
	cmd.Env = append(os.Environ(), childEnv+"="+data+"|"+folder+"|"+mode+"|"+point)
	cmd.Stderr = os.Stderr
	if out != nil {
		cmd.Stderr = out
	}
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

// An ingest killed with SIGKILL (a crash, the power going) at any point
// leaves an index that opens and is consistent, keeps every document it
// had stored, and finishes when run again without a document twice. The
// kill points are chosen across the phases, not at random moments: while
// scanning, in the reading phase from the first file to the last (other
// workers are then reading or committing their files), and after the last
// file, before the sync is recorded; a forced re-ingest, which replaces
// each document's old version in the transaction that writes the new one,
// is killed at the start, the middle and the end of its reading phase.
func TestKillingAnIngestAtAnyMomentLosesNothingAndDuplicatesNothing(t *testing.T) {
	const files = 40
	folder := writeFolder(t, files)

	// Reference: one uninterrupted ingest.
	ref := t.TempDir()
	if err := ingestChild(t, ref, folder, false, "", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	want := checkIndex(t, ref)
	if want.Documents != files || want.Chunks == 0 {
		t.Fatalf("reference ingest: %+v", want)
	}

	reading := func(n int) string { return fmt.Sprintf("%s:%d", ingest.PhaseIndex, n) }
	first := []string{ingest.PhaseScan, reading(0), reading(1), reading(files / 3), reading(2 * files / 3), reading(files - 3), ingest.PhaseDone}
	forced := []string{reading(0), reading(files / 2), reading(files - 3)}
	data := t.TempDir()
	prevDocs := 0
	kill := func(round int, point string, force bool) store.Collection {
		t.Helper()
		var said bytes.Buffer
		err := ingestChild(t, data, folder, force, point, &said).Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d (%s): the child ended with %v before its kill point\n%s", round, point, err, said.String())
		}
		got := checkIndex(t, data)
		t.Logf("round %d (force %v, kill at %s): %s; %d/%d documents, %d chunks", round, force, point, strings.TrimSpace(said.String()), got.Documents, want.Documents, got.Chunks)
		if got.Documents < prevDocs {
			t.Fatalf("documents went from %d to %d: an interrupted ingest lost work", prevDocs, got.Documents)
		}
		prevDocs = got.Documents
		return got
	}
	// A first ingest, killed and resumed at each point in turn.
	for i, point := range first {
		kill(i, point, false)
	}
	// The forced rounds replace complete documents: finish the first
	// ingest, so that every document has an old version.
	if err := ingestChild(t, data, folder, false, "", nil).Wait(); err != nil {
		t.Fatalf("finishing the first ingest: %v", err)
	}
	if got := checkIndex(t, data); got.Chunks != want.Chunks {
		t.Fatalf("after finishing the first ingest: %d chunks, want %d", got.Chunks, want.Chunks)
	}
	for i, point := range forced {
		if got := kill(len(first)+i, point, true); got.Chunks != want.Chunks {
			t.Fatalf("a killed re-ingest left %d chunks, want %d: a document's old and new versions mixed", got.Chunks, want.Chunks)
		}
	}
	if err := ingestChild(t, data, folder, false, "", nil).Wait(); err != nil {
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
