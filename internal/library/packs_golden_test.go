package library_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/pack"
)

// goldenTexts are the documents of testdata/v1.kpack.
var goldenTexts = map[string]string{
	"ferry-ja.txt": "港の渡し船は毎朝七時に出航します。\n\n潮位表は事務所の壁に掛かっています。\n",
	"ferry-ko.txt": "항구의 여객선은 매일 아침 일곱 시에 출항합니다.\n",
	"ferry-en.txt": "The harbour ferry leaves at seven every morning.\n",
}

// A pack made by this version (format 1) opens in every later one: it is
// Kura's promise to a laptop that carries packs for months. testdata/v1.kpack
// was written once by this test with KURA_WRITE_GOLDEN_PACK=1 (never
// otherwise); its secret key is testdata/v1.key.
func TestAVersion1PackStillOpens(t *testing.T) {
	golden, keyFile := filepath.Join("testdata", "v1.kpack"), filepath.Join("testdata", "v1.key")
	if os.Getenv("KURA_WRITE_GOLDEN_PACK") != "" {
		writeGoldenPack(t, golden, keyFile)
	}
	keyText, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := pack.ParseKeys(bytes.NewReader(keyText))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	dst := emptyLibrary(t)
	sum, err := importPack(dst, b, key, library.ImportOptions{})
	if err != nil {
		t.Fatalf("the version 1 pack no longer imports: %v", err)
	}
	c := sum.Collection
	if c.Name != "golden" || c.Documents != len(goldenTexts) || c.Vectors != c.Chunks || c.EmbedModel != "synthetic-embed" || c.EmbedDim != 8 {
		t.Fatalf("imported %+v; want golden's %d documents, every passage with its 8-dimension vector", c, len(goldenTexts))
	}
	if got := dst.AnswerSettings(context.Background(), "golden"); got.TopK != 0 {
		t.Errorf("answer settings %+v from a pack that carried none", got)
	}
	for name, text := range goldenTexts {
		first := strings.SplitN(strings.TrimSpace(text), "\n", 2)[0]
		res, err := dst.Search(context.Background(), "golden", first, library.SearchOptions{K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Passages) == 0 || filepath.Base(res.Passages[0].Path) != name || !strings.Contains(res.Passages[0].Text, first) {
			t.Errorf("searching %q: %+v; want %s first", first, res.Passages, name)
			continue
		}
		carried, err := os.ReadFile(res.Passages[0].Path)
		if err != nil || string(carried) != text {
			t.Errorf("the carried copy of %s: %v, %q", name, err, carried)
		}
	}
}

// writeGoldenPack writes testdata/v1.kpack and its key.
func writeGoldenPack(t *testing.T, golden, keyFile string) {
	t.Helper()
	src := emptyLibrary(t)
	dir := t.TempDir()
	for name, text := range goldenTexts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := src.Ingest(context.Background(), "golden", []string{dir}, library.IngestOptions{NoEmbedding: true}, nil); err != nil {
		t.Fatal(err)
	}
	embedSynthetic(t, src, "golden", 8)
	secret, public, err := pack.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	seal, err := pack.RecipientSeal([]string{public})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := src.ExportPack(context.Background(), "golden", &out, library.ExportOptions{Seal: seal, WithFiles: true}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
}
