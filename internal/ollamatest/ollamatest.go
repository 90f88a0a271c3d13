// Package ollamatest runs a real Ollama server with two tiny models for
// tests: a chat model whose answer is known in advance (ChatAnswer) and an
// embedding model. It uses the pinned runtime Kura bundles, build/bin/ollama
// (`make ollama`), and fails the test when that is missing rather than
// skipping it: a suite that silently skips its integration tests proves
// nothing.
//
// Import it only from _test.go files. It is the one package besides llm that
// imports Ollama code, to write GGUF files.
//
// A server takes about a second to start and import both models. Start gives
// a test its own server; Main and Shared share one per test binary:
//
//	func TestMain(m *testing.M) { os.Exit(ollamatest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		srv := ollamatest.Shared(t)
//		client := srv.Client(t)
//		...
//	}
package ollamatest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/testwait"
)

// Names under which the tiny models are installed.
const (
	ChatModel  = "kura-test-chat"
	EmbedModel = "kura-test-embed"
)

// Options configures a test server; zero fields take the defaults.
type Options struct {
	// Models shapes both tiny models (context length, dimension, seed).
	Models ModelOptions
	// NoModels starts the server without importing any model.
	NoModels bool
	// Debug makes the server log at debug level (OLLAMA_DEBUG=1): what
	// its prompt cache reused, for one.
	Debug bool
}

// Server is a running Ollama with the tiny models installed.
type Server struct {
	URL        string // base URL for llm.New
	ChatModel  string // name of the chat model, ChatModel
	EmbedModel string // name of the embedding model, EmbedModel
	// EmbedDim is the length of the embedding model's vectors.
	EmbedDim int
	// ContextLength is what both models declare.
	ContextLength int
	// LogPath is the server's log file: read it when a test fails.
	LogPath string
	// Dir holds everything the server writes (models, HOME, log).
	Dir string

	rt  *ollamarun.Runtime
	log *os.File
}

// Start runs a server for tb and stops it when tb ends. It fails tb (never
// skips) when build/bin/ollama is missing or the server does not come up,
// and prints the end of the server's log if tb failed.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := start(tb.TempDir(), o)
	if err != nil {
		tb.Fatalf("ollamatest: %v", err)
	}
	tb.Cleanup(func() {
		s.Stop()
		if tb.Failed() {
			tb.Logf("ollama log %s (last lines):\n%s", s.LogPath, s.LogTail(40))
		}
	})
	return s
}

// Client is an llm.Client for the server.
func (s *Server) Client(tb testing.TB) *llm.Client {
	tb.Helper()
	c, err := llm.New(s.URL)
	if err != nil {
		tb.Fatalf("ollamatest: %v", err)
	}
	return c
}

// Stop ends the server now, for tests of a runtime that goes away. It is
// idempotent; Start's cleanup and Main call it anyway.
func (s *Server) Stop() {
	s.rt.Stop()
	if s.log != nil {
		s.log.Sync()
	}
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.rt.Pid() }

// CPUBackend is the CPU library the server computes with (confirmed from
// its log once a model has loaded).
func (s *Server) CPUBackend() ollamarun.CPUBackend { return s.rt.CPUBackend() }

// LogTail is the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// start launches a server whose files live in dir.
func start(dir string, o Options) (*Server, error) {
	root, err := ollamarun.ModuleRoot()
	if err != nil {
		return nil, fmt.Errorf("find the module root: %w", err)
	}
	bin := filepath.Join(root, "build", "bin", "ollama")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s is missing: run `make ollama` first (%v)", bin, err)
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "ollama.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	// Kura copies the child's output into the file (ollamarun watches it
	// for the CPU library), so the file stays open until Stop.

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := []string{
		"HOME=" + home, // the server writes ~/.ollama/id_ed25519
		"OLLAMA_NOPRUNE=1",
		"OLLAMA_KEEP_ALIVE=10m", // keep models loaded across a test binary
	}
	if o.Debug {
		env = append(env, "OLLAMA_DEBUG=1")
	}
	rt, err := ollamarun.Start(ctx, ollamarun.Options{DataDir: dir, Binary: bin, Log: logFile, Env: env})
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%w; log: %s", err, logPath)
	}
	mo := o.Models.withDefaults()
	s := &Server{
		URL: rt.URL, ChatModel: ChatModel, EmbedModel: EmbedModel,
		EmbedDim: mo.EmbeddingLength, ContextLength: mo.ContextLength,
		LogPath: logPath, Dir: dir, rt: rt, log: logFile,
	}
	if o.NoModels {
		s.ChatModel, s.EmbedModel = "", ""
		return s, nil
	}
	if err := s.importModels(ctx, mo); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w; log: %s", err, logPath)
	}
	return s, nil
}

// importModels writes both tiny models and installs them the way
// `kura models import` does.
func (s *Server) importModels(ctx context.Context, o ModelOptions) error {
	c, err := llm.New(s.URL)
	if err != nil {
		return err
	}
	ggufDir := filepath.Join(s.Dir, "gguf")
	if err := os.MkdirAll(ggufDir, 0o755); err != nil {
		return err
	}
	for _, m := range []struct {
		name  string
		write func(string, ModelOptions) error
	}{
		{ChatModel, WriteChatModel},
		{EmbedModel, WriteEmbedModel},
	} {
		path := filepath.Join(ggufDir, m.name+".gguf")
		if err := m.write(path, o); err != nil {
			return err
		}
		if err := c.Import(ctx, path, m.name, nil); err != nil {
			return err
		}
	}
	return nil
}

// ImportScripted installs, under name, a tiny chat model whose answer to
// anything is script joined (WriteScriptedChatModel), with the server's
// model options, and returns its name. The answer's tokens stream one piece
// at a time.
func (s *Server) ImportScripted(tb testing.TB, name string, script ...string) string {
	tb.Helper()
	c, err := llm.New(s.URL)
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(s.Dir, "gguf")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, name+".gguf")
	if err := WriteScriptedChatModel(path, ModelOptions{ContextLength: s.ContextLength}, script); err != nil {
		tb.Fatal(err)
	}
	if err := c.Import(testwait.Context(tb), path, name, nil); err != nil {
		tb.Fatalf("import %s: %v", name, err)
	}
	return name
}

var shared struct {
	sync.Mutex
	inMain bool
	srv    *Server
	err    error
	dir    string
}

// Main runs the tests of m, sharing one server (started by the first
// Shared call, not before) among them, and stops it afterwards. Call it from
// TestMain: os.Exit(ollamatest.Main(m)). When tests failed it prints the end
// of the server's log.
func Main(m *testing.M) int {
	shared.Lock()
	shared.inMain = true
	shared.Unlock()

	code := m.Run()

	shared.Lock()
	defer shared.Unlock()
	if shared.srv != nil {
		shared.srv.Stop()
		if code != 0 {
			fmt.Fprintf(os.Stderr, "ollamatest: shared server log (last lines):\n%s\n", shared.srv.LogTail(40))
		}
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	return code
}

// Shared is the test binary's shared server, started on first use. It fails
// tb unless TestMain calls Main (which stops the server at the end), and
// every later call fails too if the first start failed.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.inMain {
		tb.Fatal("ollamatest.Shared needs TestMain to call ollamatest.Main; or use ollamatest.Start")
	}
	if shared.srv == nil && shared.err == nil {
		shared.dir, shared.err = os.MkdirTemp("", "ollamatest-")
		if shared.err == nil {
			shared.srv, shared.err = start(shared.dir, Options{})
		}
	}
	if shared.err != nil {
		tb.Fatalf("ollamatest: shared server: %v", shared.err)
	}
	return shared.srv
}
