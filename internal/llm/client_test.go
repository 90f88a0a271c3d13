package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/testwait"
)

// These tests pin the contracts of Embed, Chat and Show on the wire and on
// the failures a real server will not produce on demand: a dead server, a
// stream that breaks off, a server that answers nonsense. The fake servers
// speak Ollama's HTTP protocol (JSON for /api/embed and /api/show, NDJSON
// for /api/chat) as v0.17.4 writes it; models_test.go covers the same client
// against a real server.

func TestCallsOnAClosedPortAreUnreachable(t *testing.T) {
	// A listener closed at once leaves a port nobody answers on: the same
	// failure as Ollama not running.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := llm.New("http://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"an embedding request", func() error { _, err := c.Embed(ctx, "e", []string{"a"}); return err }},
		{"a chat", func() error {
			_, err := c.Chat(ctx, llm.ChatRequest{Model: "m", NumCtx: 2048}, func(string) error { return nil })
			return err
		}},
		{"a model description", func() error { _, err := c.Show(ctx, "m"); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, llm.ErrUnreachable) {
				t.Fatalf("got %v, want ErrUnreachable", err)
			}
			if !strings.Contains(err.Error(), "http://"+addr) {
				t.Errorf("%q does not name the URL http://%s", err, addr)
			}
		})
	}
}

func TestAMissingModelIsTypedAndNamesTheModel(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		path string
		call func(c *llm.Client) error
	}{
		{"an embedding request", "/api/embed", func(c *llm.Client) error {
			_, err := c.Embed(ctx, "x", []string{"a"})
			return err
		}},
		{"a chat", "/api/chat", func(c *llm.Client) error {
			_, err := c.Chat(ctx, llm.ChatRequest{Model: "x", NumCtx: 2048}, func(string) error { return nil })
			return err
		}},
		{"a model description", "/api/show", func(c *llm.Client) error {
			_, err := c.Show(ctx, "x")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := serve(t, tc.path, func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusNotFound, `{"error":"model \"x\" not found, try pulling it first"}`)
			})
			err := tc.call(c)
			var missing *llm.ModelMissingError
			if !errors.As(err, &missing) || missing.Model != "x" {
				t.Fatalf("got %v, want *ModelMissingError for x", err)
			}
			// The remedy depends on the surface (the CLI names a command,
			// the window a button): the edges add it.
			if !strings.Contains(err.Error(), `model "x" is not installed`) || strings.Contains(err.Error(), "kura ") {
				t.Errorf("%q does not say that x is missing, or names a command", err)
			}
		})
	}
}

// Lines of a chat stream as Ollama writes them.
const (
	chunkHel  = `{"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"Hel"},"done":false}`
	chunkLo   = `{"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"lo"},"done":false}`
	chunkDone = `{"model":"m","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":42,"eval_count":2}`
)

func TestChatStreams(t *testing.T) {
	errCallback := errors.New("the reader went away")
	for _, tc := range []struct {
		name       string
		serve      http.HandlerFunc
		onToken    func(string) error // nil accepts every token
		wantTokens []string
		check      func(t *testing.T, stats llm.ChatStats, err error)
	}{
		{
			name:       "a complete stream returns every token and the server's counts",
			serve:      func(w http.ResponseWriter, r *http.Request) { stream(w, chunkHel, chunkLo, chunkDone) },
			wantTokens: []string{"Hel", "lo"},
			check: func(t *testing.T, stats llm.ChatStats, err error) {
				want := llm.ChatStats{PromptTokens: 42, OutputTokens: 2, DoneReason: "stop"}
				if err != nil || stats != want {
					t.Errorf("got %+v, %v; want %+v, nil", stats, err, want)
				}
			},
		},
		{
			name: "an error in the middle of the stream is returned after the tokens before it",
			serve: func(w http.ResponseWriter, r *http.Request) {
				stream(w, chunkHel, chunkLo, `{"error":"an error was encountered while running the model: GGML_ASSERT failed"}`)
			},
			wantTokens: []string{"Hel", "lo"},
			check: func(t *testing.T, _ llm.ChatStats, err error) {
				if err == nil || !strings.Contains(err.Error(), "GGML_ASSERT failed") {
					t.Errorf("got %v, want the server's error", err)
				}
			},
		},
		{
			name:       "a stream that ends without done is incomplete",
			serve:      func(w http.ResponseWriter, r *http.Request) { stream(w, chunkHel, chunkLo) },
			wantTokens: []string{"Hel", "lo"},
			check:      wantIncomplete,
		},
		{
			name: "a connection dropped in the middle of the stream is incomplete",
			serve: func(w http.ResponseWriter, r *http.Request) {
				stream(w, chunkHel, chunkLo)
				drop(t, w)
			},
			wantTokens: []string{"Hel", "lo"},
			check:      wantIncomplete,
		},
		{
			name: "a connection dropped in the middle of a line is incomplete",
			serve: func(w http.ResponseWriter, r *http.Request) {
				// The api client hands a line it cannot parse back as the
				// error text; half a line must not become the message.
				stream(w, chunkHel)
				_, _ = io.WriteString(w, chunkLo[:40])
				_ = http.NewResponseController(w).Flush()
				drop(t, w)
			},
			wantTokens: []string{"Hel"},
			check:      wantIncomplete,
		},
		{
			name: "a callback error stops the stream and comes back unchanged",
			serve: func(w http.ResponseWriter, r *http.Request) {
				stream(w, chunkHel)
				// The rest would come only if the client kept reading.
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
					stream(w, chunkLo, chunkDone)
				}
			},
			onToken:    func(string) error { return errCallback },
			wantTokens: []string{"Hel"},
			check: func(t *testing.T, _ llm.ChatStats, err error) {
				if !errors.Is(err, errCallback) {
					t.Errorf("got %v, want the callback's error", err)
				}
			},
		},
		{
			name: "a callback error that looks like a network error is not blamed on the server",
			serve: func(w http.ResponseWriter, r *http.Request) {
				stream(w, chunkHel, chunkLo, chunkDone)
			},
			// What writing to a reader's closed socket returns.
			onToken:    func(string) error { return errBrokenPipe },
			wantTokens: []string{"Hel"},
			check: func(t *testing.T, _ llm.ChatStats, err error) {
				if err != errBrokenPipe {
					t.Errorf("got %v, want the callback's error unchanged", err)
				}
			},
		},
		{
			name: "a prompt longer than the context is refused, not truncated",
			serve: func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusBadRequest, `{"error":"the input length exceeds the context length"}`)
			},
			check: func(t *testing.T, _ llm.ChatStats, err error) {
				if !errors.Is(err, llm.ErrInputTooLong) {
					t.Errorf("got %v, want ErrInputTooLong", err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := serve(t, "/api/chat", tc.serve)
			var got []string
			stats, err := c.Chat(context.Background(), llm.ChatRequest{
				Model:    "m",
				Messages: []llm.Message{{Role: "user", Content: "hi"}},
				NumCtx:   2048,
			}, func(s string) error {
				got = append(got, s)
				if tc.onToken != nil {
					return tc.onToken(s)
				}
				return nil
			})
			if !slices.Equal(got, tc.wantTokens) {
				t.Errorf("tokens %q, want %q", got, tc.wantTokens)
			}
			tc.check(t, stats, err)
		})
	}
}

var errBrokenPipe = &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}

func wantIncomplete(t *testing.T, _ llm.ChatStats, err error) {
	t.Helper()
	if !errors.Is(err, llm.ErrIncomplete) {
		t.Errorf("got %v, want ErrIncomplete", err)
	}
}

func TestChatAsksForTheWholeContextWithoutTruncation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		numCtx  int
		wantCtx any // options.num_ctx as JSON decodes it; nil when absent
	}{
		{"a context size is sent as num_ctx", 8192, float64(8192)},
		{"no context size leaves the server's default", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bodies := make(chan map[string]any, 1)
			c := serve(t, "/api/chat", func(w http.ResponseWriter, r *http.Request) {
				bodies <- decode(t, r)
				stream(w, chunkHel, chunkDone)
			})
			stats, err := c.Chat(context.Background(), llm.ChatRequest{
				Model:    "m",
				Messages: []llm.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi"}},
				NumCtx:   tc.numCtx,
			}, func(string) error { return nil })
			if err != nil || stats.PromptTokens != 42 {
				t.Fatalf("got %+v, %v; want 42 prompt tokens", stats, err)
			}
			body := <-bodies
			opts, _ := body["options"].(map[string]any)
			if got := opts["num_ctx"]; got != tc.wantCtx {
				t.Errorf("options.num_ctx = %v, want %v", got, tc.wantCtx)
			}
			if got, ok := body["truncate"]; !ok || got != false {
				t.Errorf("truncate = %v (present: %v), want false", got, ok)
			}
			if body["stream"] != true || body["model"] != "m" {
				t.Errorf("stream = %v, model = %v; want a stream from m", body["stream"], body["model"])
			}
			if msgs, _ := body["messages"].([]any); len(msgs) != 2 {
				t.Errorf("messages = %v, want the system and user turns", body["messages"])
			}
		})
	}
}

func TestChatCancelledMidStreamReturnsPromptly(t *testing.T) {
	c := serve(t, "/api/chat", func(w http.ResponseWriter, r *http.Request) {
		// A slow model: a token every 50 ms for 5 s, until the client leaves.
		for range 100 {
			stream(w, chunkHel)
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		stream(w, chunkDone)
	})
	before := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelled time.Time
	_, err := c.Chat(ctx, llm.ChatRequest{Model: "m", NumCtx: 2048}, func(string) error {
		if cancelled.IsZero() {
			cancelled = time.Now()
			cancel()
		}
		return nil
	})
	if cancelled.IsZero() {
		t.Fatalf("no token arrived: %v", err)
	}
	if took := time.Since(cancelled); took > 2*time.Second {
		t.Errorf("Chat returned %v after the cancel, want under 2s", took)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}

	// The connection, its reader and the server's handler all end; allow
	// them a moment to notice.
	after := runtime.NumGoroutine()
	for deadline := testwait.Deadline(t); after > before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		after = runtime.NumGoroutine()
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before the chat, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestEmbed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply string // the server's answer; 200 unless status is set
		code  int
		check func(t *testing.T, vecs [][]float32, err error)
	}{
		{
			name:  "the vectors come back in the order of the inputs",
			reply: `{"model":"e","embeddings":[[1,0],[0,1],[0.5,0.5]]}`,
			check: func(t *testing.T, vecs [][]float32, err error) {
				want := [][]float32{{1, 0}, {0, 1}, {0.5, 0.5}}
				if err != nil || !slices.EqualFunc(vecs, want, slices.Equal) {
					t.Errorf("got %v, %v; want %v", vecs, err, want)
				}
			},
		},
		{
			name:  "an input longer than the context fails instead of being truncated",
			code:  http.StatusBadRequest,
			reply: `{"error":"the input length exceeds the context length"}`,
			check: func(t *testing.T, _ [][]float32, err error) {
				if !errors.Is(err, llm.ErrInputTooLong) {
					t.Errorf("got %v, want ErrInputTooLong", err)
				}
			},
		},
		{
			name:  "fewer vectors than inputs is an error",
			reply: `{"model":"e","embeddings":[[1,0],[0,1]]}`,
			check: wantEmbedError,
		},
		{
			name:  "more vectors than inputs is an error",
			reply: `{"model":"e","embeddings":[[1,0],[0,1],[1,1],[0,0]]}`,
			check: wantEmbedError,
		},
		{
			name:  "vectors of different dimensions are an error",
			reply: `{"model":"e","embeddings":[[1,0],[0,1,0],[1,1]]}`,
			check: wantEmbedError,
		},
		{
			name:  "empty vectors are an error",
			reply: `{"model":"e","embeddings":[[],[],[]]}`,
			check: wantEmbedError,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bodies := make(chan map[string]any, 3)
			c := serve(t, "/api/embed", func(w http.ResponseWriter, r *http.Request) {
				bodies <- decode(t, r)
				code := tc.code
				if code == 0 {
					code = http.StatusOK
				}
				reply(w, code, tc.reply)
			})
			vecs, err := c.Embed(context.Background(), "e", []string{"first", "second", "third"})
			tc.check(t, vecs, err)

			if n := len(bodies); n != 1 {
				t.Fatalf("%d requests, want all inputs in one", n)
			}
			body := <-bodies
			if got, ok := body["truncate"]; !ok || got != false {
				t.Errorf("truncate = %v (present: %v), want false", got, ok)
			}
			if got, _ := json.Marshal(body["input"]); string(got) != `["first","second","third"]` {
				t.Errorf("input = %s, want the three inputs in order", got)
			}
			if body["model"] != "e" {
				t.Errorf("model = %v, want e", body["model"])
			}
		})
	}

	t.Run("no inputs make no request", func(t *testing.T) {
		c := serve(t, "/api/embed", func(w http.ResponseWriter, r *http.Request) {
			t.Error("the server was asked")
		})
		if vecs, err := c.Embed(context.Background(), "e", nil); vecs != nil || err != nil {
			t.Errorf("got %v, %v; want nil, nil", vecs, err)
		}
	})
}

func wantEmbedError(t *testing.T, vecs [][]float32, err error) {
	t.Helper()
	if err == nil || vecs != nil {
		t.Errorf("got %v, %v; want an error and no vectors", vecs, err)
	}
}

func TestShow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply string
		want  llm.ModelInfo
	}{
		{
			name:  "the context length is the architecture's",
			reply: `{"model_info":{"general.architecture":"llama","llama.context_length":131072,"llama.embedding_length":3072},"capabilities":["completion","tools"]}`,
			want:  llm.ModelInfo{Name: "m", ContextLength: 131072},
		},
		{
			name:  "a rope scaling length is not the context length",
			reply: `{"model_info":{"general.architecture":"gemma3","gemma3.context_length":131072,"gemma3.rope.scaling.original_context_length":32768},"capabilities":["completion"]}`,
			want:  llm.ModelInfo{Name: "m", ContextLength: 131072},
		},
		{
			name: "a Modelfile num_ctx narrows it",
			reply: `{"parameters":"num_ctx                        4096\nstop                           \"<|eot_id|>\"",` +
				`"model_info":{"general.architecture":"llama","llama.context_length":131072},"capabilities":["completion"]}`,
			want: llm.ModelInfo{Name: "m", ContextLength: 4096},
		},
		{
			name: "a Modelfile num_ctx cannot widen it",
			reply: `{"parameters":"num_ctx                        262144",` +
				`"model_info":{"general.architecture":"qwen2","qwen2.context_length":32768},"capabilities":["completion"]}`,
			want: llm.ModelInfo{Name: "m", ContextLength: 32768},
		},
		{
			name:  "a Modelfile num_ctx is used when the model does not say",
			reply: `{"parameters":"num_ctx 2048","model_info":{"general.architecture":"llama"},"capabilities":["completion"]}`,
			want:  llm.ModelInfo{Name: "m", ContextLength: 2048},
		},
		{
			name:  "a model that does not say has no context length",
			reply: `{"model_info":{"general.architecture":"llama"},"capabilities":["completion"]}`,
			want:  llm.ModelInfo{Name: "m"},
		},
		{
			name:  "an embedding-only model is detected from its capabilities",
			reply: `{"model_info":{"general.architecture":"bert","bert.context_length":512,"bert.pooling_type":2},"capabilities":["embedding"]}`,
			want:  llm.ModelInfo{Name: "m", ContextLength: 512, Embedding: true},
		},
		{
			name:  "a model that can also complete is not embedding-only",
			reply: `{"model_info":{"general.architecture":"qwen3","qwen3.context_length":40960},"capabilities":["embedding","completion"]}`,
			want:  llm.ModelInfo{Name: "m", ContextLength: 40960},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bodies := make(chan map[string]any, 1)
			c := serve(t, "/api/show", func(w http.ResponseWriter, r *http.Request) {
				bodies <- decode(t, r)
				reply(w, http.StatusOK, tc.reply)
			})
			got, err := c.Show(context.Background(), "m")
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
			if body := <-bodies; body["model"] != "m" {
				t.Errorf("asked about %v, want m", body["model"])
			}
		})
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		wantURL string // "" when New must fail
	}{
		{"no URL means Ollama's default", "", llm.DefaultURL},
		{"a host and port without a scheme is http", "127.0.0.1:11434", "http://127.0.0.1:11434"},
		{"a host name without a scheme is http", "localhost:11434", "http://localhost:11434"},
		{"an https URL is kept", "https://ollama.lan:8443", "https://ollama.lan:8443"},
		{"an ftp URL is refused", "ftp://x", ""},
		{"a scheme without a host is refused", "http://", ""},
		{"words are refused", "not a url", ""},
		{"a broken escape is refused", "http://%zz", ""},
		{"a bare separator is refused", "://", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := llm.New(tc.in)
			switch {
			case tc.wantURL == "" && err == nil:
				t.Errorf("New(%q) = %s, want an error", tc.in, c.URL())
			case tc.wantURL != "" && err != nil:
				t.Errorf("New(%q): %v", tc.in, err)
			case tc.wantURL != "" && c.URL() != tc.wantURL:
				t.Errorf("New(%q).URL() = %s, want %s", tc.in, c.URL(), tc.wantURL)
			}
		})
	}
}

// serve starts a fake Ollama server for the test that answers path with h
// and anything else with an error, and returns a client for it.
func serve(t *testing.T, path string, h http.HandlerFunc) *llm.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != path {
			t.Errorf("fake ollama: unexpected %s %s", r.Method, r.URL.Path)
			reply(w, http.StatusTeapot, `{"error":"fake ollama: unexpected request"}`)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := llm.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// reply answers with one JSON document, as Ollama does outside streams.
func reply(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

// stream writes lines as NDJSON, flushing each so the client receives them
// one at a time, as from a model generating.
func stream(w http.ResponseWriter, lines ...string) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	for _, l := range lines {
		_, _ = io.WriteString(w, l+"\n")
		_ = http.NewResponseController(w).Flush()
	}
}

// drop closes the connection without ending the response, as a server that
// is killed does.
func drop(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("fake ollama: hijack: %v", err)
		return
	}
	conn.Close()
}

// decode reads a request body as generic JSON, so a test sees exactly which
// fields the client sent.
func decode(t *testing.T, r *http.Request) map[string]any {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Errorf("fake ollama: request body: %v", err)
	}
	return body
}
