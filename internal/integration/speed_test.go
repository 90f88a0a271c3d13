package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/testwait"
)

// embedCounter forwards to Ollama and counts the texts sent to /api/embed.
type embedCounter struct {
	*httptest.Server
	mu    sync.Mutex
	texts map[string]int // by model and text
	// before, if set, sees each request's model and texts before it is
	// forwarded; returning false drops the request once the client has
	// gone.
	before func(r *http.Request, model string, texts []string) bool
}

func newEmbedCounter(t *testing.T, target string) *embedCounter {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &embedCounter{texts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/embed" {
			body, _ := io.ReadAll(r.Body)
			var req struct {
				Model string   `json:"model"`
				Input []string `json:"input"`
			}
			json.Unmarshal(body, &req)
			c.mu.Lock()
			before := c.before
			c.mu.Unlock()
			if before != nil && !before(r, req.Model, req.Input) {
				<-r.Context().Done()
				return
			}
			c.mu.Lock()
			for _, s := range req.Input {
				c.texts[req.Model+"\x00"+s]++
			}
			c.mu.Unlock()
			r.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

// passagesEmbedded counts the embedding requests' texts that are passages
// of the test files (not probes or queries), and those sent more than once.
func (c *embedCounter) passagesEmbedded(marker string) (total, repeated int) {
	return c.embeddedWith("", marker)
}

// embeddedWith is passagesEmbedded for the texts model embedded (every
// model's for "").
func (c *embedCounter) embeddedWith(model, marker string) (total, repeated int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, n := range c.texts {
		m, s, _ := strings.Cut(key, "\x00")
		if (model == "" || m == model) && strings.Contains(s, marker) {
			total += n
			if n > 1 {
				repeated += n - 1
			}
		}
	}
	return total, repeated
}

// embedBatch is vectorize's default batch: the passages committed together.
const embedBatch = 8

// A document is keyword-searchable as soon as its text is stored; its
// vectors follow in batches that each commit, so a cancelled ingest keeps
// them and the next pass embeds only what is missing.
func TestDocumentsAreSearchableBeforeTheirVectorsAndVectorsResume(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{})
	counter := newEmbedCounter(t, srv.URL)
	ctx := context.Background()
	files := map[string]string{}
	for i := range 12 {
		var b strings.Builder
		for p := range 3 {
			fmt.Fprintf(&b, "Quay record %d.%d mentions the codeword zeta%02dq among the moorings. ", i, p, i)
			b.WriteString(strings.Repeat("Gulls circled the pier while the crane unloaded crates. ", 3))
			b.WriteString("\n\n")
		}
		files[fmt.Sprintf("quay%02d.txt", i)] = b.String()
	}
	src := writeFiles(t, files)
	dataDir := t.TempDir()
	cfg := testConfig(srv)
	cfg.ChunkSize, cfg.ChunkOverlap = 300, 0
	lib := openLibrary(t, dataDir, counter.URL, cfg)

	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The user stops the job two batches in: the third batch of passages
	// is held until the job's request goes away.
	var sent atomic.Int32
	var stopped atomic.Bool
	counter.mu.Lock()
	counter.before = func(r *http.Request, _ string, texts []string) bool {
		if len(texts) == 0 || !strings.Contains(texts[0], "Quay record") {
			return true // the probe, or a query
		}
		// Batches of embedBatch passages go out in requests of a few: the
		// first request of the third batch is held.
		if before := sent.Add(int32(len(texts))) - int32(len(texts)); before >= 2*embedBatch && !stopped.Swap(true) {
			cancel()
			return false
		}
		return true
	}
	counter.mu.Unlock()
	var checked atomic.Bool
	var searchErr error
	sum, err := lib.Ingest(jctx, "quay", []string{src}, library.IngestOptions{}, func(p ingest.Progress) error {
		if p.Phase == ingest.PhaseEmbed && !checked.Swap(true) {
			// Reading is done and no vector exists yet: every file must
			// be found by its codeword already.
			c := collection(t, lib, "quay")
			if c.Vectors != 0 || c.Chunks == 0 {
				searchErr = fmt.Errorf("at the start of embedding: %d vectors of %d passages, want none yet", c.Vectors, c.Chunks)
			}
			for i := range 12 {
				word := fmt.Sprintf("zeta%02dq", i)
				res, err := lib.Search(ctx, "quay", word, library.SearchOptions{K: 3})
				if err != nil || len(res.Passages) == 0 || !strings.Contains(res.Passages[0].Text, word) {
					searchErr = errors.Join(searchErr, fmt.Errorf("%s not found before the vectors: %v %+v", word, err, res.Passages))
				}
			}
		}
		return nil
	})
	if searchErr != nil {
		t.Fatal(searchErr)
	}
	if !checked.Load() {
		t.Fatal("the embedding phase never started")
	}
	counter.mu.Lock()
	counter.before = nil
	counter.mu.Unlock()
	if !errors.Is(err, context.Canceled) || !sum.Canceled || sum.Vectors != 2*embedBatch || sum.VectorsMissing == 0 {
		t.Fatalf("cancelled ingest: %v, summary %+v; want canceled with the finished batches kept and the rest missing", err, sum)
	}
	kept := collection(t, lib, "quay")
	if kept.Vectors != sum.Vectors {
		t.Fatalf("%d vectors stored, the summary says %d", kept.Vectors, sum.Vectors)
	}

	// Kura restarts; a reindex finishes the vectors without redoing any
	// finished batch.
	lib.Close()
	lib = openLibrary(t, dataDir, counter.URL, cfg)
	again, err := lib.Reindex(ctx, "quay", false, nil)
	if err != nil || again.VectorsMissing != 0 || again.Vectors != kept.Chunks-kept.Vectors {
		t.Fatalf("reindex: %v, summary %+v; want exactly the %d missing vectors", err, again, kept.Chunks-kept.Vectors)
	}
	c := collection(t, lib, "quay")
	if c.Vectors != c.Chunks {
		t.Fatalf("%d vectors for %d passages after the reindex", c.Vectors, c.Chunks)
	}
	// Nothing finished is embedded again (the batch cut off by the cancel
	// never reached the runtime).
	total, repeated := counter.passagesEmbedded("Quay record")
	if total != c.Chunks || repeated != 0 {
		t.Fatalf("%d passage embeddings (%d repeated) for %d passages: finished batches were redone", total, repeated, c.Chunks)
	}
	res, err := lib.Search(ctx, "quay", "codeword zeta03q", library.SearchOptions{})
	if err != nil || res.Mode != retrieve.ModeHybrid {
		t.Fatalf("search after the reindex: %v, mode %s; want hybrid", err, res.Mode)
	}
}

var cacheSlotRe = regexp.MustCompile(`loading cache slot.* prompt=(\d+) used=(\d+)`)

// cacheSlots returns, for each prompt the runtime read, its length and how
// much of it came from its cache (from the server's debug log).
func cacheSlots(t *testing.T, logPath string) (prompts, used []int) {
	t.Helper()
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cacheSlotRe.FindAllStringSubmatch(string(b), -1) {
		p, _ := strconv.Atoi(m[1])
		u, _ := strconv.Atoi(m[2])
		prompts, used = append(prompts, p), append(used, u)
	}
	return prompts, used
}

// The runtime reads a conversation's earlier turns from its cache: Kura
// sends them exactly as it did before, after a system prompt that is the
// same for every question and was read when the model was preloaded.
func TestAFollowUpQuestionIsReadFromTheRuntimesCache(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{Debug: true, Models: ollamatest.ModelOptions{ContextLength: 8192}})
	ctx := context.Background()
	lib := openLibrary(t, t.TempDir(), srv.URL, testConfig(srv))
	if _, err := lib.Ingest(ctx, "harbour", []string{harbourFiles(t)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	if err := lib.Preload(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := lib.Ask(ctx, "harbour", "When does the harbour ferry leave?", nil, library.AskEvents{})
	if err != nil {
		t.Fatal(err)
	}
	_, used := cacheSlots(t, srv.LogPath)
	if len(used) == 0 {
		t.Logf("log: %s", srv.LogTail(60))
	}
	if len(used) == 0 || used[len(used)-1] == 0 {
		t.Fatalf("the first question reused nothing (%v): the preloaded system prompt was not found in the cache", used)
	}
	turn := answer.Turn{Question: "When does the harbour ferry leave?", Answer: first.Text, Sources: first.Sources}
	second, err := lib.Ask(ctx, "harbour", "Who logs the ships?", []answer.Turn{turn}, library.AskEvents{})
	if err != nil {
		t.Fatal(err)
	}
	prompts, used := cacheSlots(t, srv.LogPath)
	last := len(used) - 1
	if prompts[last] != second.PromptTokens || used[last] < first.PromptTokens {
		t.Fatalf("the follow-up's %d prompt tokens reused %d from the cache; want at least the first question's %d",
			prompts[last], used[last], first.PromptTokens)
	}
	t.Logf("follow-up: %d prompt tokens, %d read from the cache, %d new", prompts[last], used[last], prompts[last]-used[last])
}

// Issue 20: the first question promised "about 20s" and its first word came
// after 77-100 s: the model was not loaded, and the estimate counted neither
// the load nor the system prompt that an empty cache must read again. The
// wait announced before the first token counts both, the load time is
// learned from the runtime's report, and a loaded model costs no load.
func TestTheWaitBeforeTheFirstWordCountsTheModelsLoad(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{Models: ollamatest.ModelOptions{ContextLength: 8192}})
	ctx := context.Background()
	lib := openLibrary(t, t.TempDir(), srv.URL, testConfig(srv))
	if _, err := lib.Ingest(ctx, "harbour", []string{harbourFiles(t)}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	client := srv.Client(t)
	ask := func() (library.AskContext, library.AskResult) {
		t.Helper()
		var ac library.AskContext
		res, err := lib.Ask(ctx, "harbour", "When does the harbour ferry leave?", nil, library.AskEvents{Sources: func(c library.AskContext) error {
			ac = c
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		return ac, res
	}
	sys := answer.Estimator{}.Count(answer.SystemPrompt())
	unload := func() {
		t.Helper()
		if err := client.Unload(ctx, srv.ChatModel); err != nil {
			t.Fatal(err)
		}
		// The runtime unloads in the background: wait until /api/ps no
		// longer lists the model (the deadline only stops a hung run).
		if !testwait.Poll(t, func() bool {
			running, err := client.Running(ctx)
			if err != nil {
				return false
			}
			for _, m := range running {
				if llm.SameModel(m.Name, srv.ChatModel) {
					return false
				}
			}
			return true
		}) {
			t.Fatal("the chat model is still loaded 2 minutes after it was unloaded")
		}
	}

	unload()
	cold, res := ask()
	if cold.Speed.Loaded || cold.Wait.Load <= 0 {
		t.Fatalf("an unloaded model: loaded %v, load %v in the wait; want the load counted", cold.Speed.Loaded, cold.Wait.Load)
	}
	if res.Stats.LoadDuration <= 0 {
		t.Fatalf("the runtime reported no load for an unloaded model")
	}
	warm, _ := ask()
	if !warm.Speed.Loaded || warm.Wait.Load != 0 {
		t.Fatalf("a loaded model: loaded %v, load %v in the wait; want loaded and no load", warm.Speed.Loaded, warm.Wait.Load)
	}
	if cold.Prepared.FreshTokens < warm.Prepared.FreshTokens+sys/2 {
		t.Fatalf("cold prompt: %d fresh tokens, warm %d: the system prompt (%d) an empty cache reads again was not counted",
			cold.Prepared.FreshTokens, warm.Prepared.FreshTokens, sys)
	}
	if cold.Wait.Total() <= warm.Wait.Total() {
		t.Fatalf("cold wait %v is not longer than warm %v", cold.Wait.Total(), warm.Wait.Total())
	}
	// The load time is learned: the next cold question expects about what
	// the runtime took, not the prior of seconds per billion parameters.
	unload()
	again, _ := ask()
	if again.Speed.Loaded {
		t.Fatal("the unloaded model counts as loaded")
	}
	if again.Prepared.FreshTokens < sys {
		t.Fatalf("after an unload, %d fresh tokens: the system prompt (%d) and the question the runtime read before count as cached, but its cache went with the model",
			again.Prepared.FreshTokens, sys)
	}
	share := again.Speed.Share
	if again.Wait.Load > time.Duration(float64(res.Stats.LoadDuration)/share)+time.Millisecond {
		t.Fatalf("the second cold wait expects a load of %v; the runtime took %v (share %.2f)", again.Wait.Load, res.Stats.LoadDuration, share)
	}
	t.Logf("warm wait %v; cold wait %v (load %v, prior); runtime load %v; learned %v",
		warm.Wait.Total(), cold.Wait.Total(), cold.Wait.Load, res.Stats.LoadDuration, again.Wait.Load)
}

// The Models view shows the speeds this machine measured: the embedding
// rate from the passes that embedded the documents, the reading speed from
// the answers. Both must be known after an ingest and two answers, with
// the tiny models too, whose reads take a few milliseconds (issue 21: the
// browser test saw "Speed not measured yet" right after two answers).
func TestTheSpeedsAreMeasuredByTheIngestAndTheAnswers(t *testing.T) {
	srv := ollamatest.Shared(t)
	ctx := context.Background()
	lib := openLibrary(t, t.TempDir(), srv.URL, testConfig(srv))
	if _, err := lib.Ingest(ctx, "harbour", []string{harbourFiles(t)}, library.IngestOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	var turns []answer.Turn
	for _, q := range []string{"When does the harbour ferry leave?", "Who logs the ships?"} {
		ans, err := lib.Ask(ctx, "harbour", q, turns, library.AskEvents{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q: %d prompt tokens read in %v", q, ans.PromptTokens, ans.Stats.PromptDuration)
		turns = append(turns, answer.Turn{Question: q, Answer: ans.Text, Sources: ans.Sources})
	}
	chat, embed := lib.ModelSpeed(ctx, srv.ChatModel), lib.ModelSpeed(ctx, srv.EmbedModel)
	t.Logf("reading %.1f tokens/s, embedding %.2f passages/s", chat.ReadTokensPerSec, embed.PassagesPerSec)
	if chat.ReadTokensPerSec <= 0 {
		t.Errorf("the chat model's reading speed is not known after two answers")
	}
	if embed.PassagesPerSec <= 0 {
		t.Errorf("the embedding model's speed is not known after an ingest embedded the documents")
	}
	// Listed by Ollama with its tag, the models have the same speeds.
	if lib.ModelSpeed(ctx, srv.ChatModel+":latest") != chat || lib.ModelSpeed(ctx, srv.EmbedModel+":latest") != embed {
		t.Errorf("the speeds differ under the names Ollama lists the models by")
	}
}
