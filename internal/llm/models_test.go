package llm_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamatest"
)

// Model management runs against a real server with the tiny models; only
// the faults a real server will not produce on demand (a stream that breaks
// off) use a fake one.

func TestModelManagement(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{})
	c := srv.Client(t)
	ctx := context.Background()

	t.Run("the version is the pinned runtime's", func(t *testing.T) {
		v, err := c.Version(ctx)
		if err != nil || v == "" || v == "0.0.0" {
			t.Fatalf("Version = %q, %v; want the release the runtime was built as", v, err)
		}
	})

	t.Run("installed models are listed with their kind and context", func(t *testing.T) {
		models, err := c.Models(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]llm.Model{}
		for _, m := range models {
			byName[strings.TrimSuffix(m.Name, ":latest")] = m
		}
		for _, want := range []struct {
			name      string
			embedding bool
		}{
			{srv.ChatModel, false},
			{srv.EmbedModel, true},
		} {
			m, ok := byName[want.name]
			if !ok {
				t.Fatalf("%s not in %v", want.name, models)
			}
			if m.Embedding != want.embedding || m.ContextLength != srv.ContextLength || m.Family != "llama" || m.Size <= 0 || m.ParameterSize == "" {
				t.Errorf("%s: got %+v, want Embedding=%v ContextLength=%d Family=llama and a size", want.name, m, want.embedding, srv.ContextLength)
			}
		}
	})

	t.Run("a model in use is listed as running", func(t *testing.T) {
		if _, err := c.Embed(ctx, srv.EmbedModel, []string{"load it"}); err != nil {
			t.Fatal(err)
		}
		running, err := c.Running(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(running, func(m llm.RunningModel) bool { return strings.HasPrefix(m.Name, srv.EmbedModel) })
		if i < 0 {
			t.Fatalf("%s not in %+v", srv.EmbedModel, running)
		}
		if running[i].ContextLength != srv.ContextLength || running[i].Size <= 0 {
			t.Errorf("got %+v, want context %d and a size", running[i], srv.ContextLength)
		}
	})

	t.Run("a GGUF file is imported, re-imported without copying, and deleted", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "my-model.gguf")
		if err := ollamatest.WriteChatModel(path, ollamatest.ModelOptions{Seed: 42, ContextLength: 1024}); err != nil {
			t.Fatal(err)
		}
		var steps []string
		record := func(s string) error { steps = append(steps, s); return nil }
		if err := c.Import(ctx, path, "imported", record); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(steps, "copying into the model store") || steps[len(steps)-1] != "success" {
			t.Errorf("first import steps %q, want a copy and success last", steps)
		}
		info, err := c.Show(ctx, "imported")
		if err != nil || info.ContextLength != 1024 || info.Embedding {
			t.Errorf("Show = %+v, %v; want a chat model with context 1024", info, err)
		}
		// The weights are known by the file's digest, whatever the name:
		// how a model imported from a stick is recognised as a
		// recommended one.
		b, _ := os.ReadFile(path)
		if sum := sha256.Sum256(b); info.Weights != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("Show(imported).Weights = %q, want the file's sha256 %x", info.Weights, sum)
		}

		steps = nil
		if err := c.Import(ctx, path, "imported-again", record); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(steps, "copying into the model store") {
			t.Errorf("second import copied the file again: %q", steps)
		}

		for _, name := range []string{"imported", "imported-again"} {
			if err := c.Delete(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		var missing *llm.ModelMissingError
		if err := c.Delete(ctx, "imported"); !errors.As(err, &missing) || missing.Model != "imported" {
			t.Errorf("deleting a deleted model: got %v, want *ModelMissingError for imported", err)
		}
	})

	t.Run("importing a file that is not GGUF fails", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "notes.gguf")
		if err := os.WriteFile(path, []byte("these are not weights"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := c.Import(ctx, path, "broken", nil); err == nil {
			t.Fatal("imported a text file")
		}
		if err := c.Import(ctx, filepath.Join(t.TempDir(), "absent.gguf"), "absent", nil); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing file: got %v, want os.ErrNotExist", err)
		}
	})

	t.Run("an import stopped by its callback returns the callback's error", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "m.gguf")
		if err := ollamatest.WriteChatModel(path, ollamatest.ModelOptions{Seed: 9}); err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		if err := c.Import(ctx, path, "stopped", func(string) error { return stop }); err != stop {
			t.Errorf("got %v, want the callback's error", err)
		}
	})

	t.Run("a pull without network says so in one line", func(t *testing.T) {
		// Port 1 on loopback refuses: the same failure as a machine offline,
		// reached without the real registry.
		err := c.Pull(ctx, "127.0.0.1:1/library/nothing:latest", nil)
		want := `cannot download "127.0.0.1:1/library/nothing:latest": no network connection to the model registry`
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	})
}

func TestModelCallsOnADeadServerAreUnreachable(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Options{NoModels: true})
	c := srv.Client(t)
	srv.Stop()
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Version": func() error { _, err := c.Version(ctx); return err },
		"Models":  func() error { _, err := c.Models(ctx); return err },
		"Running": func() error { _, err := c.Running(ctx); return err },
		"Pull":    func() error { return c.Pull(ctx, "x", nil) },
		"Delete":  func() error { return c.Delete(ctx, "x") },
	} {
		if err := call(); !errors.Is(err, llm.ErrUnreachable) {
			t.Errorf("%s: got %v, want ErrUnreachable", name, err)
		}
	}
}

func TestPullStreamFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lines  []string // what the fake server streams
		cancel bool     // cancel ctx on the first progress
		stop   bool     // the callback fails on the first progress
		check  func(t *testing.T, err error, got []llm.PullProgress)
	}{
		{
			name:  "a complete pull reports every step",
			lines: []string{`{"status":"pulling manifest"}`, `{"status":"pulling abc","total":100,"completed":40}`, `{"status":"success"}`},
			check: func(t *testing.T, err error, got []llm.PullProgress) {
				if err != nil {
					t.Fatal(err)
				}
				want := []llm.PullProgress{{Status: "pulling manifest"}, {Status: "pulling abc", Completed: 40, Total: 100}, {Status: "success"}}
				if !slices.Equal(got, want) {
					t.Errorf("progress %+v, want %+v", got, want)
				}
			},
		},
		{
			name:  "a stream that ends before success is incomplete",
			lines: []string{`{"status":"pulling manifest"}`, `{"status":"pulling abc","total":100,"completed":40}`},
			check: func(t *testing.T, err error, _ []llm.PullProgress) {
				if !errors.Is(err, llm.ErrIncomplete) {
					t.Errorf("got %v, want ErrIncomplete", err)
				}
			},
		},
		{
			name:   "a cancelled pull returns the context's error",
			lines:  []string{`{"status":"pulling manifest"}`, `{"status":"success"}`},
			cancel: true,
			check: func(t *testing.T, err error, _ []llm.PullProgress) {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("got %v, want context.Canceled", err)
				}
			},
		},
		{
			name:  "a callback error stops the pull and comes back unchanged",
			lines: []string{`{"status":"pulling manifest"}`, `{"status":"success"}`},
			stop:  true,
			check: func(t *testing.T, err error, got []llm.PullProgress) {
				if err != errStop || len(got) != 1 {
					t.Errorf("got %v after %d steps, want errStop after 1", err, len(got))
				}
			},
		},
		{
			name:  "a registry that does not know the name says so",
			lines: []string{`{"status":"pulling manifest"}`, `{"error":"pull model manifest: file does not exist"}`},
			check: func(t *testing.T, err error, _ []llm.PullProgress) {
				want := `cannot download "some/model": the model registry has no model by that name`
				if err == nil || err.Error() != want {
					t.Errorf("got %v, want %s", err, want)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var req struct{ Model string }
				_ = json.NewDecoder(r.Body).Decode(&req)
				if r.URL.Path != "/api/pull" || req.Model != "some/model" {
					http.Error(w, "unexpected request", http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/x-ndjson")
				for _, l := range tc.lines {
					_, _ = w.Write([]byte(l + "\n"))
					w.(http.Flusher).Flush()
				}
			}))
			defer fake.Close()
			c, err := llm.New(fake.URL)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var got []llm.PullProgress
			err = c.Pull(ctx, "some/model", func(p llm.PullProgress) error {
				got = append(got, p)
				if tc.cancel {
					cancel()
				}
				if tc.stop {
					return errStop
				}
				return nil
			})
			tc.check(t, err, got)
		})
	}
}

var errStop = errors.New("stop")
