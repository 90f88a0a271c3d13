// Package integration_test drives Kura's engine and the kura binary against
// a real Ollama server running the tiny test models (package ollamatest).
// Nothing here is faked except where a real part cannot produce the fault on
// demand; a missing runtime fails the suite, it never skips.
//
// Run: go test -v -count=1 ./internal/integration/ (needs `make ollama`).
package integration_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamarun"
	"github.com/kura-app/kura/internal/ollamatest"
	"github.com/kura-app/kura/internal/store"
)

func TestMain(m *testing.M) {
	code := ollamatest.Main(m)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is the kura binary, built on first use so that a package that does
// not compile fails only the tests that run the binary.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// kuraBinary builds the kura binary, with build/bin/ollama linked next to
// it where a release ships it and ollamarun looks first, and returns its
// path.
func kuraBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		root, err := ollamarun.ModuleRoot()
		if err != nil {
			built.err = err
			return
		}
		ollama := filepath.Join(root, "build", "bin", "ollama")
		if _, err := os.Stat(ollama); err != nil {
			built.err = fmt.Errorf("%s is missing: run `make ollama` first", ollama)
			return
		}
		if built.dir, built.err = os.MkdirTemp("", "kura-integration-"); built.err != nil {
			return
		}
		path := filepath.Join(built.dir, "kura")
		build := exec.Command("go", "build", "-o", path, "github.com/kura-app/kura")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build kura: %v\n%s", err, out)
			return
		}
		built.err = os.Symlink(ollama, filepath.Join(built.dir, "ollama"))
		built.path = path
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// testConfig is the default configuration with the tiny models.
func testConfig(srv *ollamatest.Server) config.Config {
	cfg := config.Default()
	cfg.ChatModel, cfg.EmbedModel = srv.ChatModel, srv.EmbedModel
	return cfg
}

// openLibrary opens the library in dir against the Ollama at url, closed
// when the test ends (closing twice is harmless).
func openLibrary(t *testing.T, dir, url string, cfg config.Config) *library.Library {
	t.Helper()
	client, err := llm.New(url)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.Open(context.Background(), dir, cfg, client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	return lib
}

// writeFiles writes name -> content into a new temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// harbourFiles are a few short English documents for questions.
func harbourFiles(t *testing.T) string {
	return writeFiles(t, map[string]string{
		"ferry.txt": "The harbour ferry leaves the north pier at nine every morning. " +
			"Tickets for the ferry are sold at the kiosk beside the pier.\n\n" +
			"In winter the ferry runs only on weekdays, and the last crossing is at four.",
		"lighthouse.txt": "The lighthouse keeper logs every passing ship in a blue book. " +
			"The lamp of the lighthouse was replaced in 1998 by an electric one.\n\n" +
			"Visitors may climb the lighthouse stairs on Sundays.",
		"market.txt": "The fish market opens at dawn next to the harbour. " +
			"Fishermen sell the catch straight from their boats.",
	})
}

// mustIngest indexes dir into collection and fails the test on any error or
// failed file.
func mustIngest(t *testing.T, lib *library.Library, collection, dir string) {
	t.Helper()
	sum, err := lib.Ingest(context.Background(), collection, []string{dir}, library.IngestOptions{}, nil)
	if err != nil || len(sum.Failed) > 0 || sum.Lexical {
		t.Fatalf("ingest %s: %v; failed %+v, lexical %v, warnings %q", dir, err, sum.Failed, sum.Lexical, sum.Warnings)
	}
}

func collection(t *testing.T, lib *library.Library, name string) store.Collection {
	t.Helper()
	c, err := lib.Collection(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// corpusDir is the shared test corpus's text folder, or, when the corpus is
// not beside the repository, a few small Japanese and Korean files.
func corpusDir(t *testing.T) string {
	t.Helper()
	root, err := ollamarun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "..", "shared", "corpus", "text")
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	t.Logf("corpus %s is absent: using small Japanese and Korean files instead", dir)
	para := func(s string, n int) string { return strings.Repeat(s, n) }
	return writeFiles(t, map[string]string{
		"ja_report.txt": "# オープンソースの生成AIに関する調査\n\n" +
			para("オープンソースの生成AIは、企業の研究開発を加速させている。多くの組織が透明性とコストを理由に採用している。\n\n", 12),
		"ja_dialogue.txt": "拓海先生、オープンソースのAIを使うと何が変わるのですか。\n\n" +
			para("モデルの重みが公開されていれば、自社のデータで調整でき、外部に情報を出さずに運用できます。\n\n", 10),
		"ko_summary.txt": "2023년 오픈소스 생성형 AI 보고서\n\n" +
			para("오픈소스 생성형 AI는 기업의 혁신을 가속화하고 있으며, 투명성과 비용 절감이 주요 이유입니다.\n\n", 10),
	})
}
