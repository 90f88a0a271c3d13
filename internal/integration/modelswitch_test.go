package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/testwait"
	"github.com/kura-app/kura/internal/vectorize"
)

// Changing a collection's embedding model never leaves a gap: while the
// new model's vectors are built in the background, every search of the
// collection is hybrid, answered by the old model's vectors; Kura quitting
// midway keeps the finished batches, and the next start resumes without
// embedding any passage twice; once complete the new set replaces the old
// one. Another collection keeps its own model throughout.
func TestANewEmbeddingModelNeverLeavesAGapAndResumesAfterARestart(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{})
	ctx := context.Background()

	// A second embedding model, of another dimension than the first.
	const other, otherDim = "kura-embed-other", 96
	gguf := filepath.Join(t.TempDir(), "other.gguf")
	if err := ollamatest.WriteEmbedModel(gguf, ollamatest.ModelOptions{EmbeddingLength: otherDim, Seed: 7, ContextLength: srv.ContextLength}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Client(t).Import(ctx, gguf, other, nil); err != nil {
		t.Fatal(err)
	}
	counter := newEmbedCounter(t, srv.URL)

	files := map[string]string{}
	for i := range 12 {
		var b strings.Builder
		for p := range 3 {
			fmt.Fprintf(&b, "Harbour log %d.%d names the codeword kappa%02dx beside the cranes. ", i, p, i)
			b.WriteString(strings.Repeat("Tugs pushed the barge past the breakwater at dawn. ", 3))
			b.WriteString("\n\n")
		}
		files[fmt.Sprintf("harbour%02d.txt", i)] = b.String()
	}
	src := writeFiles(t, files)
	dataDir := t.TempDir()
	cfg := testConfig(srv)
	cfg.ChunkSize, cfg.ChunkOverlap = 300, 0
	lib := openLibrary(t, dataDir, counter.URL, cfg)
	for _, name := range []string{"harbour", "pier"} {
		sum, err := lib.Ingest(ctx, name, []string{src}, library.IngestOptions{}, nil)
		if err != nil || sum.VectorsMissing != 0 {
			t.Fatalf("ingest %s: %v, %+v", name, err, sum)
		}
	}
	before := collection(t, lib, "harbour")
	if before.EmbedModel != srv.EmbedModel || before.Vectors != before.Chunks || before.Chunks < 12 {
		t.Fatalf("before the change: %+v", before)
	}

	// searchBoth searches both collections as a user would while the new
	// vectors are built, and says what was wrong.
	var lib2 atomic.Pointer[library.Library]
	lib2.Store(lib)
	searchBoth := func() error {
		var errs []error
		for i, name := range []string{"harbour", "pier"} {
			word := fmt.Sprintf("kappa%02dx", 3+i)
			res, err := lib2.Load().Search(ctx, name, word+" cranes", library.SearchOptions{K: 5})
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			case res.Mode != retrieve.ModeHybrid:
				errs = append(errs, fmt.Errorf("%s: search mode %s (%s), want hybrid throughout the change", name, res.Mode, res.Warning))
			case !slices.ContainsFunc(res.Passages, func(p retrieve.Passage) bool { return strings.Contains(p.Text, word) }):
				// (The tiny model's vectors are random: the keyword side
				// finds the codeword, the fusion keeps it in the top 5.)
				errs = append(errs, fmt.Errorf("%s: %s not among the top 5: %+v", name, word, res.Passages))
			}
		}
		return errors.Join(errs...)
	}

	// Every batch of the new model waits for searches of both collections;
	// Kura quits during the third.
	var mu sync.Mutex
	var during []error
	var batches, searched atomic.Int32
	var stopped atomic.Bool
	bg, quit := context.WithCancel(ctx)
	setBefore := func(stopAt int32) {
		counter.mu.Lock()
		defer counter.mu.Unlock()
		counter.before = func(_ *http.Request, model string, texts []string) bool {
			if !llm.SameModel(model, other) || len(texts) == 0 {
				return true // the old model: queries, and the other collection
			}
			// batches counts passages: a batch of embedBatch passages is
			// committed whole, and goes out in requests of a few.
			before := batches.Add(int32(len(texts))) - int32(len(texts))
			if stopAt > 0 && before >= (stopAt-1)*embedBatch && !stopped.Swap(true) {
				quit()
				return false
			}
			err := searchBoth()
			searched.Add(1)
			mu.Lock()
			during = append(during, err)
			mu.Unlock()
			return true
		}
	}
	setBefore(3)

	chosen, err := lib.SetEmbedModel(ctx, "harbour", other)
	if err != nil || !llm.SameModel(chosen, other) {
		t.Fatalf("SetEmbedModel = %q, %v", chosen, err)
	}
	if c := collection(t, lib, "harbour"); c.ChosenEmbedModel != chosen || c.EmbedModel != srv.EmbedModel {
		t.Fatalf("after choosing: %+v; want the choice recorded and the old vectors still active", c)
	}
	runUntil(t, lib, bg)
	if searched.Load() < 2 {
		t.Fatalf("searched during %d batches of the new model, want 2 before Kura quit", searched.Load())
	}
	halfway := collection(t, lib, "harbour")
	if halfway.EmbedModel != srv.EmbedModel || halfway.Vectors != halfway.Chunks ||
		halfway.Building.Model != chosen || halfway.Building.Vectors == 0 || halfway.Building.Vectors >= halfway.Chunks {
		t.Fatalf("when Kura quit: %+v; want the old set whole and part of the new one built", halfway)
	}

	// Kura starts again: the old vectors answer, the new set is where it
	// was, and the background loop finishes it.
	lib.Close()
	lib = openLibrary(t, dataDir, counter.URL, cfg)
	lib2.Store(lib)
	if err := searchBoth(); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if c := collection(t, lib, "harbour"); c.Building.Vectors != halfway.Building.Vectors || c.ChosenEmbedModel != chosen {
		t.Fatalf("after the restart: %+v; want the %d new vectors kept", c, halfway.Building.Vectors)
	}
	switched := make(chan struct{})
	var once sync.Once
	lib.WatchEmbedding(func(s vectorize.Status) {
		if s.Collection == "harbour" && s.Model == chosen && s.State == vectorize.StateDone {
			once.Do(func() { close(switched) })
		}
	})
	batches.Store(0)
	stopped.Store(false)
	setBefore(0)
	bg, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { lib.RunBackground(bg); close(done) }()
	select {
	case <-switched:
	case <-testwait.After(t):
		t.Fatalf("the new model's vectors were not complete at the test's deadline: %+v", collection(t, lib, "harbour"))
	}
	stop()
	<-done
	counter.mu.Lock()
	counter.before = nil
	counter.mu.Unlock()

	mu.Lock()
	for _, err := range during {
		if err != nil {
			t.Error(err)
		}
	}
	n := len(during)
	mu.Unlock()
	if n < 3 {
		t.Errorf("searched during %d batches of the new model in all, want at least 3", n)
	}
	after := collection(t, lib, "harbour")
	if after.EmbedModel != chosen || after.EmbedDim != otherDim || after.Vectors != after.Chunks || after.Building.ID != 0 {
		t.Fatalf("after the switch: %+v; want every passage with a %d-dimension vector of %s and no set building", after, otherDim, other)
	}
	if pier := collection(t, lib, "pier"); pier.EmbedModel != srv.EmbedModel || pier.Vectors != pier.Chunks {
		t.Fatalf("the other collection: %+v; want its own model's vectors untouched", pier)
	}
	if err := searchBoth(); err != nil {
		t.Fatalf("after the switch: %v", err)
	}
	total, repeated := counter.embeddedWith(chosen, "Harbour log")
	if repeated != 0 || total != after.Chunks {
		t.Fatalf("the new model embedded %d passage texts, %d of them again; want each of the %d once", total, repeated, after.Chunks)
	}
	t.Logf("%d passages: %d new vectors before Kura quit, the rest after the restart; %d searches during the build, all hybrid", after.Chunks, halfway.Building.Vectors, n)
}

// runUntil runs the library's background loop until ctx ends (or the
// test's deadline).
func runUntil(t *testing.T, lib *library.Library, ctx context.Context) {
	t.Helper()
	done := make(chan struct{})
	go func() { lib.RunBackground(ctx); close(done) }()
	testwait.Recv(t, "the background loop to stop", done)
}

// From the terminal: `kura models use embed NAME --collection C` gives one
// collection its own embedding model; until `kura reindex --collection C`
// has built its vectors, the collection is still searched with the old
// ones, and another collection keeps the configured model.
func TestKuraModelsUseEmbedForOneCollection(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{})
	ctx := context.Background()
	const other = "kura-embed-other"
	gguf := filepath.Join(t.TempDir(), "other.gguf")
	if err := ollamatest.WriteEmbedModel(gguf, ollamatest.ModelOptions{EmbeddingLength: 96, Seed: 7, ContextLength: srv.ContextLength}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Client(t).Import(ctx, gguf, other, nil); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	cfgJSON, _ := json.Marshal(testConfig(srv))
	if err := os.WriteFile(filepath.Join(data, "config.json"), cfgJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	src := writeFiles(t, map[string]string{
		"ferry.txt": "The harbour ferry leaves at seven.",
		"tides.txt": "The harbour tide table hangs in the office.",
	})
	kura := func(args ...string) (string, string, int) {
		return runKura(t, unusedURL(t), append(args, "--data", data, "--ollama", srv.URL)...)
	}
	for _, c := range []string{"harbour", "pier"} {
		if _, errOut, code := kura("ingest", src, "--collection", c); code != cli.ExitOK {
			t.Fatalf("ingest %s: exit %d, %s", c, code, errOut)
		}
	}
	cols := func() map[string]map[string]any {
		t.Helper()
		out, errOut, code := kura("collections", "--json")
		var list []map[string]any
		if code != cli.ExitOK || json.Unmarshal([]byte(out), &list) != nil {
			t.Fatalf("collections: exit %d, %s %s", code, out, errOut)
		}
		m := map[string]map[string]any{}
		for _, c := range list {
			m[c["name"].(string)] = c
		}
		return m
	}
	mode := func(c string) string {
		t.Helper()
		out, errOut, code := kura("search", "ferry", "--json", "--collection", c)
		var res cli.SearchJSON
		if code != cli.ExitOK || json.Unmarshal([]byte(out), &res) != nil || len(res.Results) == 0 {
			t.Fatalf("search %s: exit %d, %s %s", c, code, out, errOut)
		}
		return res.Mode
	}

	out, errOut, code := kura("models", "use", "embed", other, "--collection", "harbour")
	if code != cli.ExitOK || !strings.Contains(out, other) {
		t.Fatalf("models use embed --collection: exit %d, %q %q", code, out, errOut)
	}
	if got := cols()["harbour"]; got["embed_model"] != srv.EmbedModel || mode("harbour") != "hybrid" {
		t.Fatalf("before the reindex harbour is %v, searched %s; want the old vectors, hybrid", got, mode("harbour"))
	}
	if _, errOut, code := kura("reindex", "--collection", "harbour"); code != cli.ExitOK {
		t.Fatalf("reindex: exit %d, %s", code, errOut)
	}
	all := cols()
	if h := all["harbour"]; !strings.HasPrefix(h["embed_model"].(string), other) || h["vectors"] != h["chunks"] || mode("harbour") != "hybrid" {
		t.Fatalf("after the reindex harbour is %v; want every vector from %s, hybrid", h, other)
	}
	if p := all["pier"]; p["embed_model"] != srv.EmbedModel || p["vectors"] != p["chunks"] {
		t.Fatalf("pier is %v; want the configured model's vectors kept", p)
	}
}
