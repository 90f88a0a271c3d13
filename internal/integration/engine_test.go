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
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/cite"
	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/testwait"
)

func TestIngestingTheCorpusStoresRealVectorsAndSearchesHybrid(t *testing.T) {
	srv := ollamatest.Shared(t)
	ctx := context.Background()
	src := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(src, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no text files in %s (%v)", src, err)
	}
	dataDir := t.TempDir()
	// Short passages without overlap: the tiny model's cost per token grows
	// with the passage length, and the corpus is 180 kB of mostly Japanese.
	cfg := testConfig(srv)
	cfg.ChunkSize, cfg.ChunkOverlap = 150, 0
	lib := openLibrary(t, dataDir, srv.URL, cfg)

	sum, err := lib.Ingest(ctx, "corpus", []string{src}, library.IngestOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != len(files) || len(sum.Failed) > 0 || sum.Lexical || sum.Chunks == 0 || sum.Vectors != sum.Chunks {
		t.Fatalf("summary %+v; want %d files added, none failed, a vector for each chunk", sum, len(files))
	}
	c := collection(t, lib, "corpus")
	if c.Chunks == 0 || c.Vectors != c.Chunks || c.EmbedModel != srv.EmbedModel || c.EmbedDim != srv.EmbedDim {
		t.Errorf("collection %+v; want Vectors == Chunks > 0 from %s (dim %d)", c, srv.EmbedModel, srv.EmbedDim)
	}
	docs, err := lib.Documents(ctx, "corpus")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if d.Status != store.StatusIndexed || d.Chunks == 0 {
			t.Errorf("%s: status %q with %d chunks, want indexed", d.Path, d.Status, d.Chunks)
		}
	}

	// The vectors are on disk: a fresh open loads every one of them.
	lib.Close()
	lib = openLibrary(t, dataDir, srv.URL, cfg)
	if _, index := lib.Internals(); index.Count(c.ActiveSet) != c.Chunks {
		t.Errorf("reopened index holds %d vectors, want %d", index.Count(c.ActiveSet), c.Chunks)
	}

	for _, q := range []string{"オープンソース", "오픈소스 생성형 AI"} {
		res, err := lib.Search(ctx, "corpus", q, library.SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mode != retrieve.ModeHybrid || res.Warning != "" || len(res.Passages) == 0 {
			t.Errorf("search %q: mode %q, warning %q, %d passages; want hybrid results", q, res.Mode, res.Warning, len(res.Passages))
			continue
		}
		if !slices.ContainsFunc(res.Passages, func(p retrieve.Passage) bool { return p.VecRank > 0 && p.LexRank > 0 }) {
			t.Errorf("search %q: no passage ranked by both keywords and vectors", q)
		}
	}
}

func TestAnAnswerStreamsTokensAndItsSourcesAreStoredPassages(t *testing.T) {
	srv := ollamatest.Shared(t)
	ctx := context.Background()
	lib := openLibrary(t, t.TempDir(), srv.URL, testConfig(srv))
	mustIngest(t, lib, "harbour", harbourFiles(t))

	var tokens []string
	res, err := lib.Ask(ctx, "harbour", "When does the harbour ferry leave?", nil, streamTo(func(tok string) error {
		tokens = append(tokens, tok)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) < 5 {
		t.Errorf("got %d tokens %q, want a stream", len(tokens), tokens)
	}
	if got := strings.Join(tokens, ""); got != res.Text || res.Text != ollamatest.ChatAnswer {
		t.Errorf("streamed %q, final text %q; want both %q", got, res.Text, ollamatest.ChatAnswer)
	}
	if len(res.Sources) == 0 || res.Search.Mode != retrieve.ModeHybrid {
		t.Fatalf("%d sources, search mode %q; want sources from a hybrid search", len(res.Sources), res.Search.Mode)
	}

	st, _ := lib.Internals()
	for i, s := range res.Sources {
		if s.N != i+1 || s.ID != res.Search.Passages[i].ID {
			t.Errorf("source %d is [%d] chunk %d, want [%d] chunk %d (search rank %d)", i, s.N, s.ID, i+1, res.Search.Passages[i].ID, i+1)
		}
		stored, err := st.Chunks(ctx, []int64{s.ID})
		if err != nil || len(stored) != 1 {
			t.Fatalf("source [%d]: chunk %d not in the store (%v)", s.N, s.ID, err)
		}
		if stored[0] != s.Chunk {
			t.Errorf("source [%d] = %+v, stored chunk %+v", s.N, s.Chunk, stored[0])
		}
		page, err := lib.Page(ctx, "harbour", s.Path, s.Page)
		if err != nil {
			t.Fatal(err)
		}
		if r := []rune(page); s.End > len(r) || string(r[s.Start:s.End]) != s.Text {
			t.Errorf("source [%d]: chars %d-%d of %s page %d are not its text %q", s.N, s.Start, s.End, s.Path, s.Page, s.Text)
		}
	}

	// The tiny model never cites; a real answer's [n] resolve to the
	// sources numbered n.
	text := fmt.Sprintf("The ferry leaves at nine [%d]. Tickets are sold at the kiosk [1, %d].", len(res.Sources), len(res.Sources))
	for _, n := range cite.Numbers(text) {
		if n < 1 || n > len(res.Sources) || res.Sources[n-1].N != n {
			t.Errorf("citation [%d] does not resolve to a source", n)
		}
	}
}

func TestCancellingAnAnswerStopsTheStreamAndSavesNothing(t *testing.T) {
	srv := ollamatest.Shared(t)
	// The answer reaches the client in one piece, as through a buffering
	// proxy or after a stall: when the cancel comes, the client already
	// holds tokens it has not delivered, and must not deliver them.
	burst := newBurstProxy(t, srv.URL)
	lib := openLibrary(t, t.TempDir(), burst.URL, testConfig(srv))
	mustIngest(t, lib, "harbour", harbourFiles(t))
	const question = "Who logs the ships?"
	noop := func(string) error { return nil }
	// A first answer loads the model and leaves an idle connection, so the
	// goroutine count below is the steady one.
	if _, err := lib.Ask(context.Background(), "harbour", question, nil, streamTo(noop)); err != nil {
		t.Fatal(err)
	}
	st, _ := lib.Internals()
	key := "token_scale:" + srv.ChatModel
	const mark = "0.9000" // a value no completed answer leaves behind
	if err := st.SetSetting(context.Background(), key, mark); err != nil {
		t.Fatal(err)
	}
	baseline := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu         sync.Mutex
		tokens     []string
		afterStop  int
		cancelledT time.Time
	)
	res, err := lib.Ask(ctx, "harbour", question, nil, streamTo(func(tok string) error {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil {
			afterStop++
		}
		tokens = append(tokens, tok)
		if len(tokens) == 1 {
			cancelledT = time.Now()
			cancel()
		}
		return nil
	}))
	returned := time.Since(cancelledT)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Ask after cancel: %v, want context.Canceled", err)
	}
	if returned > 2*time.Second {
		t.Errorf("Ask returned %s after the cancel, want promptly", returned)
	}
	mu.Lock()
	delivered := len(tokens)
	text := strings.Join(tokens, "")
	mu.Unlock()
	if afterStop > 0 {
		t.Errorf("%d tokens were delivered after the cancel (%q in all)", afterStop, text)
	}
	if res.Text != text {
		t.Errorf("partial answer %q, but %q was streamed", res.Text, text)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	if len(tokens) != delivered {
		t.Errorf("%d tokens arrived after Ask returned", len(tokens)-delivered)
	}
	mu.Unlock()

	if !testwait.Poll(t, func() bool { return runtime.NumGoroutine() <= baseline }) {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines: %d, %d before the cancelled answer\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
	}
	if v, err := st.Setting(context.Background(), key); err != nil || v != mark {
		t.Errorf("%s = %q (%v) after a cancelled answer, want it untouched (%s)", key, v, err, mark)
	}

	// The check above can see a save: a completed answer does calibrate.
	if _, err := lib.Ask(context.Background(), "harbour", question, nil, streamTo(noop)); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Setting(context.Background(), key); v == mark {
		t.Errorf("%s still %q after a completed answer: the check cannot see a save", key, v)
	}
}

func TestAMissingModelIsNamedWithTheCommandThatInstallsIt(t *testing.T) {
	srv := ollamatest.Shared(t)
	ctx := context.Background()
	dataDir := t.TempDir()
	lib := openLibrary(t, dataDir, srv.URL, testConfig(srv))
	src := harbourFiles(t)
	mustIngest(t, lib, "harbour", src)

	t.Run("an answer with a missing chat model comes from the documents and says how to pull it", func(t *testing.T) {
		cfg := lib.Config()
		cfg.ChatModel = "nope:latest"
		if err := lib.SetConfig(cfg); err != nil {
			t.Fatal(err)
		}
		res, err := lib.Ask(ctx, "harbour", "When does the ferry leave?", nil, library.AskEvents{})
		var missing *llm.ModelMissingError
		if err != nil || !errors.As(res.NoModel, &missing) || missing.Model != "nope:latest" {
			t.Fatalf("got %v, no model %v; want the answer from the documents, and why: *llm.ModelMissingError for nope:latest", err, res.NoModel)
		}
		if !res.Extractive || !strings.Contains(res.Text, "“The harbour ferry leaves the north pier at nine every morning.” [1]") || len(res.Sources) == 0 {
			t.Fatalf("answer %q with %d sources; want the sentence that answers, quoted and cited", res.Text, len(res.Sources))
		}
		if msg := cli.Message(res.NoModel); !strings.Contains(msg, "kura models pull nope:latest") {
			t.Errorf("message %q does not name `kura models pull nope:latest`", msg)
		}
		if res, err := lib.Search(ctx, "harbour", "ferry", library.SearchOptions{}); err != nil || len(res.Passages) == 0 {
			t.Errorf("search without the chat model: %d passages, %v", len(res.Passages), err)
		}
	})

	t.Run("an ingest with a missing embedding model keeps the vectors and goes lexical", func(t *testing.T) {
		before := collection(t, lib, "harbour")
		cfg := lib.Config()
		cfg.EmbedModel = "nope"
		if err := lib.SetConfig(cfg); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, "tides.txt"), []byte("The tide table hangs in the harbour office."), 0o644); err != nil {
			t.Fatal(err)
		}
		sum, err := lib.Ingest(ctx, "harbour", []string{src}, library.IngestOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var missing *llm.ModelMissingError
		if !sum.Lexical || sum.Added != 1 || !slices.ContainsFunc(sum.Warnings, func(w string) bool { return strings.Contains(w, `model "nope" is not installed`) }) ||
			!errors.As(sum.EmbedErr, &missing) || !strings.Contains(cli.Message(sum.EmbedErr), "kura models pull nope") {
			t.Errorf("summary %+v; want the new file added, lexical, a warning saying nope is missing, and EmbedErr that the CLI words as `kura models pull nope`", sum)
		}
		after := collection(t, lib, "harbour")
		if after.Vectors != before.Vectors || after.EmbedModel != srv.EmbedModel || after.Chunks <= before.Chunks {
			t.Errorf("collection before %+v, after %+v; want the vectors of %s untouched and the new chunks stored", before, after, srv.EmbedModel)
		}
		res, err := lib.Search(ctx, "harbour", "tide table", library.SearchOptions{})
		if err != nil || !slices.ContainsFunc(res.Passages, func(p retrieve.Passage) bool { return p.LexRank == 1 && filepath.Base(p.Path) == "tides.txt" }) {
			t.Errorf("the new file is not the best keyword match: %+v, %v", res.Passages, err)
		}
	})

	t.Run("search works by keywords when the embedding model cannot be reached", func(t *testing.T) {
		lib.Close()
		dead := openLibrary(t, dataDir, "http://127.0.0.1:1", testConfig(srv))
		res, err := dead.Search(ctx, "harbour", "lighthouse keeper", library.SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mode != retrieve.ModeLexical || res.Warning == "" || len(res.Passages) == 0 {
			t.Errorf("mode %q, warning %q, %d passages; want lexical results with a warning", res.Mode, res.Warning, len(res.Passages))
		}
	})
}

func TestAnIngestSurvivesTheRuntimeDyingAndARerunCompletesIt(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{})
	ctx := context.Background()
	files := map[string]string{}
	for i := range 30 {
		var b strings.Builder
		for p := range 6 {
			fmt.Fprintf(&b, "Paragraph %d of logbook %d, keyword word%02dx. ", p, i, i)
			b.WriteString(strings.Repeat("The tide rose along the harbour wall and the boats swung at their moorings. ", 3))
			b.WriteString("\n\n")
		}
		files[fmt.Sprintf("log%02d.txt", i)] = b.String()
	}
	src := writeFiles(t, files)
	dataDir := t.TempDir()
	lib := openLibrary(t, dataDir, srv.URL, testConfig(srv))

	var stopped atomic.Bool
	var readDone atomic.Bool
	sum, err := lib.Ingest(ctx, "logs", []string{src}, library.IngestOptions{}, func(p ingest.Progress) error {
		if p.Phase == ingest.PhaseEmbed && p.FilesDone == len(files) {
			readDone.Store(true)
		}
		if p.Phase == ingest.PhaseEmbed && p.VectorsDone >= 8 && !stopped.Swap(true) {
			srv.Stop() // the runtime dies while the vectors are computed
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !stopped.Load() || !readDone.Load() {
		t.Fatal("the job ended before the runtime was stopped in its embedding phase")
	}
	if len(sum.Failed) != 0 || !sum.Lexical || sum.VectorsMissing == 0 || len(sum.Warnings) == 0 ||
		!strings.Contains(sum.Warnings[0], "not reachable") {
		t.Fatalf("summary %+v; want no file failed, the job lexical with passages left without vectors and the runtime named", sum)
	}
	if sum.Added != len(files) {
		t.Fatalf("summary %+v; want every file counted added, its one outcome", sum)
	}
	docs, err := lib.Documents(ctx, "logs")
	if err != nil {
		t.Fatal(err)
	}
	indexed := 0
	for _, d := range docs {
		switch {
		case d.Status == store.StatusIndexed:
			indexed++
		case d.Status != store.StatusLexical || d.Chunks == 0:
			t.Errorf("%s: status %q with %d chunks, want indexed or stored for keywords", d.Path, d.Status, d.Chunks)
		}
	}
	t.Logf("the runtime died after %d of %d files had all their vectors; %d passages wait for theirs", indexed, len(files), sum.VectorsMissing)
	if len(docs) != len(files) || indexed < 1 || indexed == len(files) {
		t.Errorf("%d documents, %d indexed; want all %d stored, the first ones with vectors, not all", len(docs), indexed, len(files))
	}
	for path := range files {
		word := "word" + strings.TrimSuffix(strings.TrimPrefix(path, "log"), ".txt") + "x"
		res, err := lib.Search(ctx, "logs", word, library.SearchOptions{K: 3})
		if err != nil || len(res.Passages) == 0 || filepath.Base(res.Passages[0].Path) != path {
			t.Errorf("keyword %s: %+v, %v; want %s found first", word, res.Passages, err, path)
		}
	}
	partial := collection(t, lib, "logs")

	// A new runtime (the shared one, same models) and the same data folder.
	lib.Close()
	lib = openLibrary(t, dataDir, ollamatest.Shared(t).URL, testConfig(srv))
	again, err := lib.Ingest(ctx, "logs", []string{src}, library.IngestOptions{}, nil)
	if err != nil || len(again.Failed) > 0 || again.Lexical {
		t.Fatalf("re-run: %v, summary %+v", err, again)
	}
	c := collection(t, lib, "logs")
	if c.Vectors != c.Chunks || c.Chunks != partial.Chunks || again.Vectors != partial.Chunks-partial.Vectors {
		t.Errorf("after the re-run %+v (before %+v, %d vectors computed); want every chunk with a vector and none added", c, partial, again.Vectors)
	}
	docs, err = lib.Documents(ctx, "logs")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if d.Status != store.StatusIndexed {
			t.Errorf("%s: status %q after the re-run, want indexed", d.Path, d.Status)
		}
	}

	clean := openLibrary(t, t.TempDir(), srv.URL, testConfig(srv))
	if _, err := clean.Ingest(ctx, "logs", []string{src}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	if want := collection(t, clean, "logs"); c.Chunks != want.Chunks || c.Documents != want.Documents {
		t.Errorf("%d chunks in %d documents, a clean ingest gives %d in %d: duplicates or losses", c.Chunks, c.Documents, want.Chunks, want.Documents)
	}
}

func TestTheContextBudgetSetsNumCtxAndDropsTheLowestRankedPassages(t *testing.T) {
	srv := ollamatest.Shared(t)
	ctx := context.Background()

	// A chat model whose context holds only some of the quotes.
	const modelContext = 1536
	model := "kura-test-chat-1536"
	gguf := filepath.Join(t.TempDir(), model+".gguf")
	if err := ollamatest.WriteChatModel(gguf, ollamatest.ModelOptions{ContextLength: modelContext}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Client(t).Import(ctx, gguf, model, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Client(t).Delete(context.Background(), model) })

	proxy := newRecordingProxy(t, srv.URL)
	files := map[string]string{}
	for i := range 8 {
		var b strings.Builder
		for p := range 3 {
			fmt.Fprintf(&b, "Lighthouse log %d.%d: the keeper wrote down the ships, the weather and the lamp hours. ", i, p)
			b.WriteString(strings.Repeat("Fog came in from the sea and the horn sounded. ", 4))
			b.WriteString("\n\n")
		}
		files[fmt.Sprintf("log%d.txt", i)] = b.String()
	}
	src := writeFiles(t, files)
	cfg := testConfig(srv)
	cfg.ChatModel, cfg.ChunkSize, cfg.ChunkOverlap, cfg.TopK = model, 300, 0, 24
	lib := openLibrary(t, t.TempDir(), proxy.URL, cfg)
	mustIngest(t, lib, "logs", src)

	for _, tc := range []struct {
		name       string
		maxContext int
		wantNumCtx int
	}{
		{"the model's context length is the budget", 8192, modelContext},
		{"the configured maximum caps the model's context length", 1024, 1024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := lib.Config()
			cfg.MaxContext = tc.maxContext
			if err := lib.SetConfig(cfg); err != nil {
				t.Fatal(err)
			}
			proxy.reset()
			res, err := lib.Ask(ctx, "logs", "What did the lighthouse keeper write down?", nil, library.AskEvents{})
			if err != nil {
				t.Fatal(err)
			}
			req := proxy.lastChat(t)
			if req.Options.NumCtx != tc.wantNumCtx || res.NumCtx != tc.wantNumCtx {
				t.Errorf("num_ctx sent %d, reported %d; want %d", req.Options.NumCtx, res.NumCtx, tc.wantNumCtx)
			}
			passages := res.Search.Passages
			if len(passages) != cfg.TopK || res.Dropped == 0 || len(res.Sources) == 0 || len(res.Sources)+res.Dropped != len(passages) {
				t.Fatalf("%d retrieved, %d sources, %d dropped; want %d retrieved, some given and the rest dropped", len(passages), len(res.Sources), res.Dropped, cfg.TopK)
			}
			for i, s := range res.Sources {
				if s.ID != passages[i].ID {
					t.Errorf("source [%d] is chunk %d, want the rank-%d passage %d: dropped passages must be the lowest ranked", s.N, s.ID, i+1, passages[i].ID)
				}
			}
			var prompt strings.Builder
			for _, m := range req.Messages {
				prompt.WriteString(m.Content)
			}
			given := passageRe.FindAllStringSubmatch(prompt.String(), -1)
			if len(given) != len(res.Sources) {
				t.Fatalf("the prompt holds %d passages, want %d:\n%s", len(given), len(res.Sources), prompt.String())
			}
			for _, g := range given {
				n, _ := strconv.Atoi(g[1])
				if n < 1 || n > len(res.Sources) || g[2] != res.Sources[n-1].Text {
					t.Errorf("passage %s in the prompt is not whole source text:\n%q", g[1], g[2])
				}
			}
			for _, p := range passages[len(res.Sources):] {
				if head := p.Text[:min(40, len(p.Text))]; strings.Contains(prompt.String(), head) {
					t.Errorf("dropped passage %d (%q…) is in the prompt", p.ID, head)
				}
			}
		})
	}
}

// passageRe matches one passage as prompt.tmpl renders it.
var passageRe = regexp.MustCompile(`(?s)<passage n="(\d+)" source="[^"]*">\n(.*?)\n</passage>`)

// chatRequest is the part of an /api/chat body the tests read.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Options struct {
		NumCtx int `json:"num_ctx"`
	} `json:"options"`
}

// newBurstProxy forwards everything to target, each response in one piece
// once it is complete.
func newBurstProxy(t *testing.T, target string) *httptest.Server {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host, out.RequestURI = u.Scheme, u.Host, ""
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	}))
	t.Cleanup(p.Close)
	return p
}

// recordingProxy forwards everything to a real server and keeps the bodies
// of the chat requests that went through.
type recordingProxy struct {
	*httptest.Server
	mu    sync.Mutex
	chats []chatRequest
}

func newRecordingProxy(t *testing.T, target string) *recordingProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1 // stream tokens as they come
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/chat" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var req chatRequest
			if err := json.Unmarshal(body, &req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			p.mu.Lock()
			p.chats = append(p.chats, req)
			p.mu.Unlock()
			r.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *recordingProxy) reset() {
	p.mu.Lock()
	p.chats = nil
	p.mu.Unlock()
}

func (p *recordingProxy) lastChat(t *testing.T) chatRequest {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.chats) == 0 {
		t.Fatal("no chat request reached the server")
	}
	return p.chats[len(p.chats)-1]
}

// streamTo is the events of an answer whose tokens go to fn.
func streamTo(fn func(string) error) library.AskEvents { return library.AskEvents{Token: fn} }
