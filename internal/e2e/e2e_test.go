//go:build e2e

// Package e2e_test drives the whole of Kura the way a user does: Debian's
// Chromium, scripted with playwright-core (frontend/e2e/run.mjs), against
// `kura serve` and a real Ollama serving the tiny test models (package
// ollamatest). Nothing is faked.
//
// It is behind the e2e build tag so that `go test ./...` (the unit run) does
// not start a browser; `make test-e2e` (part of `make test`) runs it:
//
//	go test -tags e2e -v -count=1 ./internal/e2e/
//
// A missing piece (Chromium, Node, playwright-core, the kura binary or one
// built without the real frontend, build/bin/ollama, the corpus) fails the
// test: it never skips.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/testwait"
)

// chromium is Debian's browser; playwright never downloads one.
const chromium = "/usr/bin/chromium"

// Time limits. The script ties its waits for indexing and answers to the
// progress the page shows (see untilProgressing in run.mjs) and says which
// step hung; `kura serve` starting and the script as a whole are waited for
// until the test's deadline (testwait), a ceiling for a hang that leaves
// stopTimeout to stop the server. stopTimeout is the grace SIGTERM gets
// before a kill.
const stopTimeout = 30 * time.Second

// TestTheOfflineFirstRunInTheBrowser runs frontend/e2e/run.mjs against
// `kura serve` started on an empty data folder and a runtime with no model
// at all, as on a new laptop without a network: import the models from a
// folder of GGUF files (a USB stick), add documents (the text corpus, a PDF
// and a password-protected PDF), ask in Japanese, restrict a question to
// the PDF with an @-mention and open its supporting sentence highlighted on
// the PDF page, export the conversation, use the shortcuts, look at Models
// and Settings, and do it all again in Japanese. The script writes a
// screenshot of each view, in English and Japanese, to docs/screenshots.
func TestTheOfflineFirstRunInTheBrowser(t *testing.T) {
	root, err := ollamarun.ModuleRoot()
	if err != nil {
		t.Fatalf("find the module root: %v", err)
	}

	// Everything the run needs, checked first so a missing piece fails in
	// a second with a line that says what to install or build.
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is missing (apt-get install nodejs, or run `make deps`): %v", err)
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing (apt-get install chromium, or run `make deps`): %v", chromium, err)
	}
	script := filepath.Join(root, "frontend", "e2e", "run.mjs")
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("the browser script is missing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "frontend", "node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatalf("playwright-core is not installed: run `npm ci` in frontend/ (or `make build`): %v", err)
	}
	corpus := filepath.Clean(filepath.Join(root, "..", "shared", "corpus"))
	textDir := filepath.Join(corpus, "text")
	pdf := filepath.Join(corpus, "pdf", "003_0e01fdcfff4f2347.pdf")
	locked := filepath.Join(corpus, "hard", "user_password.pdf")
	for _, p := range []string{textDir, pdf, locked} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the test corpus is missing (CI has it beside the repository): %v", err)
		}
	}
	kura := kuraBinary(t, root)
	// The run adds a file to the corpus folder and deletes it, to see the
	// folder watched: it gets a copy, of the documents sized to the test.
	textDir = copyCorpus(t, textDir)

	// A runtime with no model, a folder of GGUF files to import them from
	// (the tiny models, with a context long enough for the default passage
	// size: a passage of Japanese is three byte tokens a character), and
	// an empty data folder: the defaults name models that are not there.
	srv := ollamatest.Start(t, ollamatest.Options{NoModels: true})
	usb := t.TempDir()
	models := ollamatest.ModelOptions{ContextLength: 8192}
	if err := ollamatest.WriteChatModel(filepath.Join(usb, "kura-chat-q8_0.gguf"), models); err != nil {
		t.Fatal(err)
	}
	if err := ollamatest.WriteEmbedModel(filepath.Join(usb, "kura-embed-f16.gguf"), models); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()

	base, token, serverLog := startServe(t, kura, data, srv.URL)
	authToken = token
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatalf("kura serve does not answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET / without the token = %d, want 401: kura serve requires its token by default", resp.StatusCode)
	}
	checkRealFrontend(t, base)
	waitReachable(t, base, serverLog)

	shots := filepath.Join(root, "docs", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	scriptDeadline := testwait.Deadline(t).Add(-stopTimeout)
	ctx, cancel := context.WithDeadline(context.Background(), scriptDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"BASE_URL="+base,
		"TOKEN="+token,
		"CORPUS_DIR="+textDir,
		"PDF_PATH="+pdf,
		"LOCKED_PDF="+locked,
		"MODELS_DIR="+usb,
		"SCREENSHOT_DIR="+shots,
		"CHROMIUM="+chromium,
		"EXPECT_ANSWER="+ollamatest.ChatAnswer,
		"HOME="+t.TempDir(), // Chromium writes crash reports and caches there
	)
	cmd.WaitDelay = 10 * time.Second // Chromium's children may hold the pipe open
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start).Round(100 * time.Millisecond)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (still running at %v, the test's deadline)", err, scriptDeadline.Format(time.TimeOnly))
		}
		t.Fatalf("node %s: %v after %v\n--- browser script output ---\n%s\n--- kura serve log (last lines) ---\n%s",
			filepath.Base(script), err, took, out.String(), tail(serverLog.String(), 40))
	}
	t.Logf("browser script passed in %v:\n%s", took, out.String())
}

// kuraBinary is $KURA_BIN, else build/bin/kura (`make build`). The test
// does not build it: the binary under test is the one with the real,
// embedded frontend, which only `make build` produces.
func kuraBinary(t *testing.T, root string) string {
	t.Helper()
	bin := os.Getenv("KURA_BIN")
	if bin == "" {
		bin = filepath.Join(root, "build", "bin", "kura")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the kura binary is missing: run `make build` (or set $KURA_BIN): %v", err)
	}
	return bin
}

var servingAt = regexp.MustCompile(`serving at (http://\S+) `)

// startServe runs `kura serve` on a free loopback port (--addr
// 127.0.0.1:0; the address is read from the line it prints, with the token
// it made for this start) and stops it with SIGTERM when the test ends. It
// returns the base URL, without a trailing slash, the token and the
// server's output.
func startServe(t *testing.T, kura, data, ollamaURL string) (string, string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(kura, "serve", "--addr", "127.0.0.1:0", "--data", data, "--ollama", ollamaURL)
	cmd.Env = kuraEnv(t)
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kura serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("kura serve did not stop cleanly on SIGTERM: %v\n%s", err, tail(log.String(), 20))
			}
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("kura serve still ran %v after SIGTERM; killed", stopTimeout)
		}
	})

	start, deadline := time.Now(), testwait.Deadline(t)
	for {
		if m := servingAt.FindStringSubmatch(log.String()); m != nil {
			u, err := url.Parse(m[1])
			if err != nil {
				t.Fatalf("kura serve printed an address that does not parse: %v", err)
			}
			token := u.Query().Get("token")
			if token == "" {
				t.Fatalf("kura serve printed %s: want a token in the address by default", m[1])
			}
			return u.Scheme + "://" + u.Host, token, log
		}
		select {
		case err := <-exited:
			t.Fatalf("kura serve exited before serving (%v):\n%s", err, log.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("kura serve printed no address in %v:\n%s", time.Since(start).Round(time.Second), log.String())
		}
	}
}

// kuraEnv is the environment for kura: nothing inherited that would point
// it at another Ollama or data folder, and a private HOME.
func kuraEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "OLLAMA_HOST", "OLLAMA_MODELS", "KURA_DATA", "KURA_TOKEN", "KURA_OLLAMA_DEFAULT_URL", "KURA_READY_FILE", "HOME":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+t.TempDir())
}

// checkRealFrontend fails when the binary embeds the placeholder page that
// `make build` writes before the frontend was ever built.
func checkRealFrontend(t *testing.T, base string) {
	t.Helper()
	body, err := get(base + "/")
	if err != nil {
		t.Fatalf("kura serve does not answer: %v", err)
	}
	if strings.Contains(body, "placeholder.js") || !strings.Contains(body, `id="app"`) {
		t.Fatalf("the kura binary embeds the placeholder page, not the frontend: run `make build`; page:\n%s", body)
	}
}

// waitReachable waits until the app reports the runtime reachable, with
// neither configured model installed: the state of a first run offline.
func waitReachable(t *testing.T, base string, log *syncBuffer) {
	t.Helper()
	var last string
	start, deadline := time.Now(), testwait.Deadline(t)
	for time.Now().Before(deadline) {
		var r struct {
			Result struct {
				Reachable           bool `json:"reachable"`
				ChatModelInstalled  bool `json:"chatModelInstalled"`
				EmbedModelInstalled bool `json:"embedModelInstalled"`
			} `json:"result"`
		}
		body, err := post(base+"/api/call/Status", "[]")
		if err == nil {
			err = json.Unmarshal([]byte(body), &r)
		}
		if err == nil && r.Result.Reachable {
			if r.Result.ChatModelInstalled || r.Result.EmbedModelInstalled {
				t.Fatalf("a first run already has a model installed: %s", body)
			}
			return
		}
		last = fmt.Sprintf("%v %s", err, body)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("kura serve did not report the runtime reachable in %v; last Status: %s\n%s",
		time.Since(start).Round(time.Second), last, tail(log.String(), 20))
}

var client = &http.Client{Timeout: 30 * time.Second}

// authToken is the token of the `kura serve` under test.
var authToken string

func get(u string) (string, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+authToken)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	return readBody(resp)
}

func post(u, body string) (string, error) {
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+authToken)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	return readBody(resp)
}

func readBody(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(resp.Status)
	}
	return string(b), err
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// syncBuffer is a bytes.Buffer that a child's output goroutines and the
// test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// corpusFileBytes is the most copyCorpus keeps of one file. The tiny
// embedding model reads a byte as a token, so each passage costs a second
// or more on a busy machine: the whole text corpus (623 passages with the
// PDF) took 6 min 41 s to embed under load, with nothing more to test.
const corpusFileBytes = 12 << 10

// corpusKeep is a line copyCorpus keeps wherever it is: the words of the
// script's first question (QUESTION in run.mjs), so its answer has the
// passage that holds them.
const corpusKeep = "誤差範囲"

// copyCorpus copies the text corpus of dir (its regular files, not its
// subfolders) into a new folder, keeping of each file its first
// corpusFileBytes, cut after a whole line, and every later line holding
// corpusKeep. The small files, among them the text of the PDF the script
// finds twice, are copied whole.
func copyCorpus(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var kept []byte
		for _, line := range bytes.SplitAfter(data, []byte("\n")) {
			if len(kept)+len(line) <= corpusFileBytes || bytes.Contains(line, []byte(corpusKeep)) {
				kept = append(kept, line...)
			}
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), kept, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
