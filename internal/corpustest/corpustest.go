// Package corpustest finds the shared corpus of real documents (Japanese
// and Korean reports with their PDF and DOCX renderings, hard cases) that
// sits beside the repository as ../shared/corpus, for tests. A test that
// needs it fails, naming the path, when it is missing: CI has the corpus,
// and a test that skipped there would test nothing.
package corpustest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kura-app/kura/internal/ollamarun"
)

// Path returns the absolute path of rel (slash-separated, e.g.
// "pdf/001_1473911884bdf481.pdf" or "text") inside the corpus, failing t
// when it does not exist.
func Path(t testing.TB, rel string) string {
	t.Helper()
	root, err := ollamarun.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "..", "shared", "corpus", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the shared corpus is needed beside the repository (../shared/corpus): %v", err)
	}
	return p
}
