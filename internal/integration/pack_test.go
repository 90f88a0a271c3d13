package integration_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/ollamatest"
)

// packQuestions are some of the held retrieval questions
// (internal/library/retrieval_test.go), Japanese and Korean.
var packQuestions = []string{
	"オープンソースを名乗っているのに一部のコンポーネントを公開していないことを何と言いますか",
	"Is Open Source the Future of AI の論文のarXiv番号は？",
	"小さな会社がAIをオープンにすると不利になるのはなぜですか",
	"설문 응답자는 몇 명이고 오차 범위는 얼마인가요?",
	"생성형 AI 도입의 가장 큰 걸림돌은 무엇인가요?",
}

// searchResult is what must survive a pack: the passages in order, by
// file name (a carried file lives in the receiver's data folder).
type searchResult struct {
	Mode     string
	Passages []string
}

func searchJSON(t *testing.T, ollamaURL, data, q string) searchResult {
	t.Helper()
	out, errOut, code := runKura(t, unusedURL(t), "search", "--json", "--k", "6", "--data", data, "--ollama", ollamaURL, q)
	var res cli.SearchJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != cli.ExitOK {
		t.Fatalf("kura search: exit %d, %v; stderr %s", code, err, errOut)
	}
	sr := searchResult{Mode: res.Mode}
	for _, p := range res.Results {
		b, _ := json.Marshal([]any{filepath.Base(p.Path), p.Page, p.Start, p.End, p.Score, p.Text})
		sr.Passages = append(sr.Passages, string(b))
	}
	return sr
}

func TestAPackCarriesACollectionToALaptopThatEmbedsNothing(t *testing.T) {
	srv := ollamatest.Shared(t)
	free := unusedURL(t) // no Ollama there
	src := t.TempDir()
	if err := config.Save(src, testConfig(srv)); err != nil {
		t.Fatal(err)
	}
	corpus := smallCorpus(t)
	if _, errOut, code := runKura(t, free, "ingest", corpus, "--data", src, "--ollama", srv.URL); code != cli.ExitOK {
		t.Fatalf("ingest: exit %d: %s", code, errOut)
	}
	hybrid, lexical := map[string]searchResult{}, map[string]searchResult{}
	for _, q := range packQuestions {
		hybrid[q], lexical[q] = searchJSON(t, srv.URL, src, q), searchJSON(t, free, src, q)
		if hybrid[q].Mode != "hybrid" || lexical[q].Mode != "lexical" || len(lexical[q].Passages) == 0 {
			t.Fatalf("%s: the source searches %q and %q with %d passages", q, hybrid[q].Mode, lexical[q].Mode, len(lexical[q].Passages))
		}
	}
	passFile := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(passFile, []byte("two words\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	packFile := filepath.Join(t.TempDir(), "corpus.kpack")
	if _, errOut, code := runKura(t, free, "pack", "export", "--data", src, "--out", packFile, "--with-files",
		"--passphrase-file", passFile); code != cli.ExitOK {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}

	dst := t.TempDir()
	t.Run("imported with no Ollama reachable, keyword search returns the same passages", func(t *testing.T) {
		_, errOut, code := runKura(t, free, "pack", "import", packFile, "--data", dst, "--ollama", free, "--passphrase-file", passFile)
		if code != cli.ExitOK || !strings.Contains(errOut, `imported collection "default"`) {
			t.Fatalf("import: exit %d: %s", code, errOut)
		}
		for _, q := range packQuestions {
			if got := searchJSON(t, free, dst, q); !reflect.DeepEqual(got, lexical[q]) {
				t.Errorf("%s:\ngot  %v\nwant %v", q, got, lexical[q])
			}
		}
	})
	t.Run("hybrid search is on as soon as the embedding model answers, with the same passages", func(t *testing.T) {
		for _, q := range packQuestions {
			if got := searchJSON(t, srv.URL, dst, q); !reflect.DeepEqual(got, hybrid[q]) {
				t.Errorf("%s:\ngot  %v\nwant %v", q, got, hybrid[q])
			}
		}
	})
	t.Run("a cited passage's file is the original", func(t *testing.T) {
		out, _, _ := runKura(t, free, "search", "--json", "--data", dst, "--ollama", free, packQuestions[1])
		var res cli.SearchJSON
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Results) == 0 {
			t.Fatalf("search: %v", err)
		}
		p := res.Results[0].Path
		got, err := os.ReadFile(p)
		want, _ := os.ReadFile(filepath.Join(corpus, filepath.Base(p)))
		if err != nil || !bytes.Equal(got, want) || !strings.HasPrefix(p, dst) {
			t.Errorf("the passage's file %s (%v) is not a copy of the original in the data folder", p, err)
		}
	})
	t.Run("a wrong passphrase is refused by name and changes nothing", func(t *testing.T) {
		wrong := filepath.Join(t.TempDir(), "wrong")
		os.WriteFile(wrong, []byte("three words now\n"), 0o600)
		empty := t.TempDir()
		_, errOut, code := runKura(t, free, "pack", "import", packFile, "--data", empty, "--ollama", free, "--passphrase-file", wrong)
		if code != cli.ExitFailure || !strings.Contains(errOut, "wrong passphrase") {
			t.Errorf("exit %d, stderr %q; want a failure naming the wrong passphrase", code, errOut)
		}
		if entries, _ := os.ReadDir(empty); len(entries) != 0 {
			t.Errorf("the data folder holds %d entries after a refused import", len(entries))
		}
	})
	t.Run("an existing collection is not replaced unless asked", func(t *testing.T) {
		_, errOut, code := runKura(t, free, "pack", "import", packFile, "--data", dst, "--ollama", free, "--passphrase-file", passFile)
		if code != cli.ExitFailure || !strings.Contains(errOut, "--replace") {
			t.Errorf("exit %d, stderr %q; want a failure naming --replace", code, errOut)
		}
		_, errOut, code = runKura(t, free, "pack", "import", packFile, "--data", dst, "--ollama", free, "--passphrase-file", passFile, "--collection", "copy")
		if code != cli.ExitOK || !strings.Contains(errOut, `imported collection "copy"`) {
			t.Errorf("import under another name: exit %d: %s", code, errOut)
		}
	})

	t.Run("with its models, a laptop with an empty runtime searches hybrid and answers", func(t *testing.T) {
		withModels := filepath.Join(t.TempDir(), "models.kpack")
		if _, errOut, code := runKura(t, free, "pack", "export", "--data", src, "--out", withModels, "--with-models",
			"--passphrase-file", passFile, "--ollama", srv.URL); code != cli.ExitOK {
			t.Fatalf("export: exit %d: %s", code, errOut)
		}
		empty := ollamatest.Start(t, ollamatest.Options{NoModels: true})
		laptop := t.TempDir()
		_, errOut, code := runKura(t, free, "pack", "import", withModels, "--data", laptop, "--ollama", empty.URL, "--passphrase-file", passFile)
		if code != cli.ExitOK || !strings.Contains(errOut, "installed model: "+srv.EmbedModel) || !strings.Contains(errOut, "installed model: "+srv.ChatModel) {
			t.Fatalf("import: exit %d: %s", code, errOut)
		}
		list := modelsJSON(t, empty.URL, laptop)
		if list.ChatModel != srv.ChatModel || len(list.Missing) != 1 || list.Missing[0].Role != "embedding" {
			// The configured embedding model is the default one; the
			// collection uses the pack's, which is installed.
			t.Errorf("models %+v; want the pack's chat model configured", list)
		}
		if !slices.ContainsFunc(list.Models, func(m cli.ModelJSON) bool { return m.Name == srv.EmbedModel+":latest" && m.Kind == "embedding" }) {
			t.Errorf("models %+v; want %s installed", list.Models, srv.EmbedModel)
		}
		for _, q := range packQuestions {
			if got := searchJSON(t, empty.URL, laptop, q); !reflect.DeepEqual(got, hybrid[q]) {
				t.Errorf("%s:\ngot  %v\nwant %v", q, got, hybrid[q])
			}
		}
		out, errOut, code := runKura(t, free, "ask", "--json", "--data", laptop, "--ollama", empty.URL, packQuestions[1])
		if code != cli.ExitOK || !strings.Contains(out, ollamatest.ChatAnswer) {
			t.Errorf("ask: exit %d, %s %s", code, out, errOut)
		}
	})
}

// smallCorpus is the three smallest files of the shared corpus (Japanese
// and Korean, 33 kB): the tiny test model embeds about a kilobyte a
// second, and what is tested is what the pack keeps, not the corpus size.
func smallCorpus(t *testing.T) string {
	t.Helper()
	full := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(full, "00[234]_*.txt"))
	if len(files) != 3 {
		return full // the stand-in corpus is small already
	}
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
