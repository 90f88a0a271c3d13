package ollamatest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
)

// The tests speak the wire protocol directly, so they check the tiny models
// and the server, not Kura's client.

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestTinyModelsServe(t *testing.T) {
	srv := Shared(t)

	t.Run("chat streams the alphabet and stops", func(t *testing.T) {
		for _, msgs := range [][]message{
			{{"user", "Say something."}},
			{{"system", "Answer briefly."}, {"user", "Hi"}, {"assistant", "abc"}, {"user", "Continue from w"}},
		} {
			r := chat(t, srv, msgs, true)
			if r.err != "" || !r.done {
				t.Fatalf("%v: error %q, done %v", msgs, r.err, r.done)
			}
			if len(r.chunks) < 2 {
				t.Errorf("%v: got %d chunks, want a stream of several", msgs, len(r.chunks))
			}
			if got := strings.Join(r.chunks, ""); got != ChatAnswer {
				t.Errorf("%v: answer %q, want %q", msgs, got, ChatAnswer)
			}
		}
	})

	t.Run("the whole conversation counts against the context", func(t *testing.T) {
		last := message{"user", "And now?"}
		alone := chat(t, srv, []message{last}, false).promptTokens
		turn := []message{{"user", strings.Repeat("words ", 50)}, {"assistant", ChatAnswer}}
		history := append(append([]message{{"system", "Be brief."}}, turn...), last)
		if got := chat(t, srv, history, false).promptTokens; got < alone+300 {
			t.Errorf("prompt tokens with history %d, alone %d: history not rendered", got, alone)
		}
		for tokens := 0; tokens < 2*srv.ContextLength; tokens += 300 { // each turn is over 300 tokens
			history = slices.Concat(turn, history)
		}
		if r := chat(t, srv, history, false); !strings.Contains(r.err, "context length") {
			t.Errorf("a conversation twice the context: error %q (prompt tokens %d), want one about the context length", r.err, r.promptTokens)
		}
	})

	t.Run("embed returns one vector of the model's dimension per input", func(t *testing.T) {
		inputs := []string{"the cat sat on the mat", "the cat sat on a mat", "quarterly revenue grew 7%", "", "x"}
		var resp struct {
			Embeddings [][]float32 `json:"embeddings"`
		}
		if code, msg := post(t, srv, "/api/embed", map[string]any{"model": srv.EmbedModel, "input": inputs, "truncate": false}, &resp); code != http.StatusOK {
			t.Fatalf("status %d: %s", code, msg)
		}
		if len(resp.Embeddings) != len(inputs) {
			t.Fatalf("got %d vectors for %d inputs", len(resp.Embeddings), len(inputs))
		}
		for i, v := range resp.Embeddings {
			if len(v) != srv.EmbedDim {
				t.Errorf("vector %d has dimension %d, want %d", i, len(v), srv.EmbedDim)
			}
		}
		near, far := cosine(resp.Embeddings[0], resp.Embeddings[1]), cosine(resp.Embeddings[0], resp.Embeddings[2])
		if near <= far {
			t.Errorf("similar texts not nearer: cos(similar)=%.3f, cos(unrelated)=%.3f", near, far)
		}
	})

	t.Run("an over-long embed input fails instead of being truncated", func(t *testing.T) {
		long := strings.Repeat("qz", srv.ContextLength) // one token per byte: twice the context
		code, msg := post(t, srv, "/api/embed", map[string]any{"model": srv.EmbedModel, "input": []string{"short", long}, "truncate": false}, nil)
		if code == http.StatusOK {
			t.Fatal("over-long input was embedded")
		}
		if !strings.Contains(msg, "context length") {
			t.Errorf("status %d, error %q does not mention the context length", code, msg)
		}
	})

	t.Run("the embedding model is not offered for chat", func(t *testing.T) {
		var show struct {
			Capabilities []string `json:"capabilities"`
		}
		if code, msg := post(t, srv, "/api/show", map[string]any{"model": srv.EmbedModel}, &show); code != http.StatusOK {
			t.Fatalf("status %d: %s", code, msg)
		}
		if strings.Join(show.Capabilities, ",") != "embedding" {
			t.Errorf("capabilities %v, want [embedding]", show.Capabilities)
		}
	})
}

func TestModelShapeIsConfigurable(t *testing.T) {
	srv := Start(t, Options{Models: ModelOptions{ContextLength: 256, EmbeddingLength: 48, Layers: 1}})
	var resp struct {
		Embeddings [][]float32 `json:"embeddings"`
	}
	if code, msg := post(t, srv, "/api/embed", map[string]any{"model": srv.EmbedModel, "input": "a short text"}, &resp); code != http.StatusOK {
		t.Fatalf("status %d: %s", code, msg)
	}
	if len(resp.Embeddings) != 1 || len(resp.Embeddings[0]) != 48 || srv.EmbedDim != 48 {
		t.Errorf("got %d vectors, first of dimension %d, EmbedDim %d; want 1 of 48", len(resp.Embeddings), len(resp.Embeddings[0]), srv.EmbedDim)
	}
	over := strings.Repeat("q", 300) // fits 2048, not 256
	if code, _ := post(t, srv, "/api/embed", map[string]any{"model": srv.EmbedModel, "input": over, "truncate": false}, nil); code == http.StatusOK {
		t.Error("a 300-token input fit a 256-token model")
	}
	if r := chat(t, srv, []message{{"user", "Hello"}}, false); !r.done || strings.Join(r.chunks, "") != ChatAnswer {
		t.Errorf("chat answered %q (done=%v, error %q), want %q", strings.Join(r.chunks, ""), r.done, r.err, ChatAnswer)
	}
}

func TestModelFilesAreDeterministicAndLoadable(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		write func(string, ModelOptions) error
	}{
		{"chat", WriteChatModel},
		{"embed", WriteEmbedModel},
	} {
		a, b := filepath.Join(dir, tc.name+"-a.gguf"), filepath.Join(dir, tc.name+"-b.gguf")
		o := ModelOptions{ContextLength: 512, EmbeddingLength: 32, Layers: 1, Seed: 7}
		for _, p := range []string{a, b} {
			if err := tc.write(p, o); err != nil {
				t.Fatal(err)
			}
		}
		da, _ := os.ReadFile(a)
		db, _ := os.ReadFile(b)
		if !bytes.Equal(da, db) {
			t.Errorf("%s: same options wrote different files", tc.name)
		}
		f, err := os.Open(a)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ggml.Decode(f, -1)
		f.Close()
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.name, err)
		}
		if got := m.KV().ContextLength(); got != 512 {
			t.Errorf("%s: context length %d, want 512", tc.name, got)
		}
		if got := m.KV().EmbeddingLength(); got != 32 {
			t.Errorf("%s: embedding length %d, want 32", tc.name, got)
		}
	}
	if err := WriteChatModel(filepath.Join(dir, "x.gguf"), ModelOptions{EmbeddingLength: 16}); err == nil {
		t.Error("chat model with 16 dimensions was written; it cannot hold the alphabet")
	}
}

type message struct{ Role, Content string }

type chatResult struct {
	chunks       []string
	done         bool
	promptTokens int
	err          string
}

// chat sends msgs with streaming and truncation off, and collects the
// answer; a server error ends up in err.
func chat(t *testing.T, srv *Server, msgs []message, sample bool) chatResult {
	t.Helper()
	wire := make([]map[string]string, len(msgs))
	for i, m := range msgs {
		wire[i] = map[string]string{"role": m.Role, "content": m.Content}
	}
	opts := map[string]any{"temperature": 0}
	if sample {
		opts = map[string]any{"temperature": 1, "seed": 3}
	}
	body, _ := json.Marshal(map[string]any{
		"model": srv.ChatModel, "messages": wire, "stream": true, "truncate": false, "options": opts,
	})
	resp, err := http.Post(srv.URL+"/api/chat", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res chatResult
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var r struct {
			Message         struct{ Content string } `json:"message"`
			Done            bool                     `json:"done"`
			PromptEvalCount int                      `json:"prompt_eval_count"`
			Error           string                   `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("chat: %v in %q", err, sc.Text())
		}
		if r.Error != "" {
			res.err = r.Error
			return res
		}
		if r.Message.Content != "" {
			res.chunks = append(res.chunks, r.Message.Content)
		}
		if r.Done {
			res.done, res.promptTokens = true, r.PromptEvalCount
			return res
		}
	}
	return res
}

// post sends a JSON request and decodes a 200 answer into out; it returns
// the status and, for errors, the server's message.
func post(t *testing.T, srv *Server, path string, req, out any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(req)
	resp, err := http.Post(srv.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, ""
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}
