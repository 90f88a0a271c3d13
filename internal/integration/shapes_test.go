package integration_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/ollamatest/shapes"
)

// The miniatures of the benchmark models' architectures (package shapes)
// load and run in the real Ollama, each in the runner the real model gets:
// qwen3 in Ollama's own engine, qwen2, gemma2 and the XLM-R style bert
// (tokenizer "t5") in llama.cpp.
func TestShapeMiniaturesRunInTheRunnerOfTheRealModels(t *testing.T) {
	srv := ollamatest.Shared(t)
	client := srv.Client(t)
	ctx := context.Background()
	dir := t.TempDir()

	for _, spec := range shapes.Miniatures() {
		t.Run(spec.Name, func(t *testing.T) {
			path, err := shapes.Write(ctx, dir, spec.Name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := client.Import(ctx, path, spec.Name, nil); err != nil {
				t.Fatalf("import: %v", err)
			}
			// The server is shared: unload and remove the miniature after,
			// so the tiny test models keep their places in memory.
			t.Cleanup(func() {
				unload(t, srv.URL, spec)
				if err := client.Delete(ctx, spec.Name); err != nil {
					t.Errorf("delete %s: %v", spec.Name, err)
				}
			})
			info, err := client.Show(ctx, spec.Name)
			if err != nil {
				t.Fatal(err)
			}
			if info.ContextLength != spec.ContextLength || info.Embedding != (spec.Role == "embed") {
				t.Errorf("show: context %d, embedding %v; want %d, %v", info.ContextLength, info.Embedding, spec.ContextLength, spec.Role == "embed")
			}

			if spec.Role == "chat" {
				chatStreams(t, client, spec.Name)
			} else {
				embedsAtTheModelsDimension(t, client, spec)
			}

			engine, ok := runnerOf(t, srv.LogPath, path)
			switch {
			case !ok:
				t.Errorf("no runner was started for %s (log %s)", path, srv.LogPath)
			case engine != (spec.Runner == "ollama"):
				t.Errorf("ran in Ollama's engine: %v; the real model runs in %s", engine, spec.Runner)
			}
		})
	}
}

// unload asks the server to unload the model now (keep_alive 0).
func unload(t *testing.T, url string, spec shapes.Spec) {
	t.Helper()
	path, body := "/api/generate", `{"model": "`+spec.Name+`", "keep_alive": 0}`
	if spec.Role == "embed" {
		path, body = "/api/embed", `{"model": "`+spec.Name+`", "input": [], "keep_alive": 0}`
	}
	resp, err := http.Post(url+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Errorf("unload %s: %v", spec.Name, err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("unload %s: %s", spec.Name, resp.Status)
	}
}

var errEnough = errors.New("enough tokens")

// chatStreams asks through Kura's own chat request (think off, no
// truncation) and stops after a few tokens: random weights never stop.
func chatStreams(t *testing.T, client *llm.Client, model string) {
	t.Helper()
	var pieces []string
	_, err := client.Chat(context.Background(), llm.ChatRequest{
		Model:  model,
		NumCtx: 512,
		Messages: []llm.Message{
			{Role: "system", Content: "Answer from the passages only."},
			{Role: "user", Content: "What does the harbour ferry cost? 日本語で答えてください。"},
		},
	}, func(s string) error {
		pieces = append(pieces, s)
		if len(pieces) == 8 {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		t.Fatalf("chat: %v after %d pieces %q; want a stream of at least 8", err, len(pieces), pieces)
	}
}

func embedsAtTheModelsDimension(t *testing.T, client *llm.Client, spec shapes.Spec) {
	t.Helper()
	inputs := []string{"the harbour ferry leaves at nine", "港のフェリーは九時に出る", "항구의 페리는 아홉 시에 떠난다"}
	vecs, err := client.Embed(context.Background(), spec.Name, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(inputs) {
		t.Fatalf("%d vectors for %d inputs", len(vecs), len(inputs))
	}
	for i, v := range vecs {
		var norm float64
		for _, x := range v {
			norm += float64(x) * float64(x)
		}
		if len(v) != spec.EmbeddingLength || math.IsNaN(norm) || norm == 0 {
			t.Errorf("vector %d: dimension %d (want %d), squared norm %g", i, len(v), spec.EmbeddingLength, norm)
		}
	}
}

// runnerOf reports whether the runner Ollama started for the model file
// at path ran in Ollama's own engine, from the "starting runner" line of
// the server's log (which names the model's blob).
func runnerOf(t *testing.T, logPath, path string) (ollamaEngine, found bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	blob := "sha256-" + hex.EncodeToString(h.Sum(nil))
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^.*msg="starting runner".*` + blob + `.*$`).Find(log)
	if line == nil {
		return false, false
	}
	return strings.Contains(string(line), "--ollama-engine"), true
}
