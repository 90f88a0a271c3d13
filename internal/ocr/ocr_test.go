package ocr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/corpustest"
	"github.com/kura-app/kura/internal/ocr/ocrtest"
)

// corpusFile is a PDF of the shared corpus, the real documents the scans
// are made of.
func corpusFile(t testing.TB, name string) string { return corpustest.Path(t, "pdf/"+name) }

// engine returns the installed engine; `make deps` installs it, and a
// machine without it fails here rather than skipping.
func engine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatalf("OCR engine: %v (make deps installs it)", err)
	}
	return e
}

func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// containsAll reports the words of want missing from text, whitespace
// ignored.
func missingWords(text string, want []string) []string {
	text = squash(text)
	var miss []string
	for _, w := range want {
		if !strings.Contains(text, squash(w)) {
			miss = append(miss, w)
		}
	}
	return miss
}

func TestRecognisesScannedPages(t *testing.T) {
	e := engine(t)
	for _, tc := range []struct {
		name  string
		pdf   string
		page  int
		words []string
	}{
		{
			name: "reads a Japanese report page",
			pdf:  "001_1473911884bdf481.pdf", page: 3,
			words: []string{"残念ながら、これらの革命は世界全体からほとんど知られていませんでした", "言語モデル", "オープンソースライセンス"},
		},
		{
			name: "reads a Korean summary page",
			pdf:  "004_8b294292eef632cb.pdf", page: 1,
			words: []string{"오픈소스", "생성형", "보고서"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := ocrtest.RenderPage(t, corpusFile(t, tc.pdf), tc.page, 200)
			texts, err := e.Image(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			if len(texts) != 1 {
				t.Fatalf("%d pages of text, want 1", len(texts))
			}
			if miss := missingWords(texts[0], tc.words); len(miss) > 0 {
				t.Errorf("OCR text lacks %q:\n%s", miss, texts[0])
			}
		})
	}
}

// Issue 20: a plainly printed Korean page scanned at 150 dpi came out as
// garbage. OSD called it Latin and English read "SEAAS WAS SEM" (mean word
// confidence 45); read again with the Korean model it is 90.
func TestAKoreanPageAt150DpiIsReadInKorean(t *testing.T) {
	e := engine(t)
	img := ocrtest.RenderPage(t, corpusFile(t, "004_8b294292eef632cb.pdf"), 1, 150)
	texts, err := e.Image(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 1 {
		t.Fatalf("%d pages of text, want 1", len(texts))
	}
	if miss := missingWords(texts[0], []string{"오픈소스와 폐쇄형", "리포트를 소개합니다", "비교를 진행하였습니다"}); len(miss) > 0 {
		t.Errorf("OCR text lacks %q:\n%s", miss, texts[0])
	}
}

func TestMeanConfidenceWeighsWordsByLength(t *testing.T) {
	const head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
	row := func(level int, conf float64, text string) string {
		return fmt.Sprintf("%d\t1\t1\t1\t1\t1\t0\t0\t10\t10\t%g\t%s\n", level, conf, text)
	}
	for _, tc := range []struct {
		name  string
		tsv   string
		want  float64
		words int
	}{
		{"no words", head + row(1, -1, ""), 0, 0},
		{"block rows and empty words are left out", head + row(2, -1, "") + row(5, 90, "오픈소스와") + row(5, 95, " "), 90, 1},
		{"a long word outweighs a short one", head + row(5, 90, "생성형") + row(5, 30, "A"), 75, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, words := MeanConfidence([]byte(tc.tsv)); got != tc.want || words != tc.words {
				t.Errorf("MeanConfidence = %.2f over %d words, want %.2f over %d", got, words, tc.want, tc.words)
			}
		})
	}
}

// A fax or a scanner's TIFF, made by poppler from a report page, is read
// like any other image.
func TestReadsATIFF(t *testing.T) {
	e := engine(t)
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Fatalf("pdftoppm is not installed (make deps installs poppler-utils): %v", err)
	}
	prefix := filepath.Join(t.TempDir(), "fax")
	if out, err := exec.Command(bin, "-f", "1", "-l", "1", "-singlefile", "-gray", "-tiff", "-r", "200",
		corpusFile(t, "004_8b294292eef632cb.pdf"), prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm -tiff: %v: %s", err, out)
	}
	texts, err := e.Image(context.Background(), prefix+".tif")
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 1 {
		t.Fatalf("%d pages of text, want 1", len(texts))
	}
	if miss := missingWords(texts[0], []string{"오픈소스", "생성형", "보고서"}); len(miss) > 0 {
		t.Errorf("OCR text of the TIFF lacks %q:\n%s", miss, texts[0])
	}
}

func TestReadsAPageOfAScannedPDF(t *testing.T) {
	e := engine(t)
	scan := filepath.Join(t.TempDir(), "scan.pdf")
	src := corpusFile(t, "004_8b294292eef632cb.pdf")
	pdf := ocrtest.ScannedPDF(t, ocrtest.RenderPage(t, src, 1, 200), ocrtest.RenderPage(t, src, 2, 200))
	if err := os.WriteFile(scan, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	text, err := e.PDFPage(context.Background(), scan, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Page 2 of the Korean summary ends with its conclusion.
	if miss := missingWords(text, []string{"결론"}); len(miss) > 0 {
		t.Errorf("page 2 text lacks %q:\n%s", miss, text)
	}
}

// TestReadsVerticalJapanese prints Japanese set vertically (columns from
// right to left) with Chromium, scans it and checks the columns come out
// whole and in reading order.
func TestReadsVerticalJapanese(t *testing.T) {
	e := engine(t)
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (make deps installs it): %v", err)
	}
	dir := t.TempDir()
	html := filepath.Join(dir, "vertical.html")
	const body = `<p>オープンソースは、高度な技術へのアクセスを民主化し、より迅速な進歩と堅牢なソリューションの実現を可能にする。</p>` +
		`<p>世界中の開発者による革新的なアプリケーション開発を促し、当初の期待を大きく上回る成果を生み出した。</p>`
	page := `<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>` +
		`body{writing-mode:vertical-rl;font-family:"Noto Serif CJK JP","Noto Sans CJK JP";font-size:16pt;line-height:1.8}</style></head><body>` + body + `</body></html>`
	if err := os.WriteFile(html, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	printed := filepath.Join(dir, "vertical.pdf")
	out, err := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--print-to-pdf="+printed, "file://"+html).CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v: %s", err, out)
	}
	texts, err := e.Image(context.Background(), ocrtest.RenderPage(t, printed, 1, 200))
	if err != nil {
		t.Fatal(err)
	}
	text := squash(texts[0])
	first, second := strings.Index(text, "高度な技術へのアクセスを民主化"), strings.Index(text, "世界中の開発者による革新的な")
	if first < 0 || second < 0 || first > second {
		t.Errorf("vertical columns not read in order (positions %d, %d):\n%s", first, second, texts[0])
	}
}

func TestMissingEngineSaysHowToInstallIt(t *testing.T) {
	_, err := New(context.Background(), Options{Tesseract: filepath.Join(t.TempDir(), "no-tesseract"), Pdftoppm: filepath.Join(t.TempDir(), "no-pdftoppm")})
	var me *MissingError
	if !errors.Is(err, ErrMissing) || !errors.As(err, &me) {
		t.Fatalf("err = %v, want a *MissingError", err)
	}
	if len(me.Missing) != 2 || !strings.Contains(err.Error(), "sudo apt install tesseract-ocr tesseract-ocr-jpn") {
		t.Errorf("err = %q, want both programs named and the apt command", err)
	}
	for goos, want := range map[string]string{"darwin": "brew install tesseract tesseract-lang poppler", "windows": "UB-Mannheim.TesseractOCR"} {
		if !strings.Contains(Fix(goos), want) {
			t.Errorf("Fix(%s) = %q, want it to mention %q", goos, Fix(goos), want)
		}
	}
}

// TestCancelKillsTheEngine cancels a recognition under way and checks
// that it returns the context's error and leaves no program running.
func TestCancelKillsTheEngine(t *testing.T) {
	e := engine(t)
	img := ocrtest.RenderPage(t, corpusFile(t, "001_1473911884bdf481.pdf"), 3, 300)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Image(ctx, img)
		done <- err
	}()
	// Wait until Tesseract is running, then cancel.
	for !childRunning(t, "tesseract") {
		select {
		case err := <-done:
			t.Fatalf("recognition ended before it could be cancelled: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if childRunning(t, "tesseract") {
		t.Error("tesseract still runs after the cancelled call returned")
	}
}

// childRunning reports whether a child process of this test named comm
// exists (Linux /proc).
func childRunning(t *testing.T, comm string) bool {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	me := os.Getpid()
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		openAt, closeAt := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if openAt < 0 || closeAt < 0 || s[openAt+1:closeAt] != comm {
			continue
		}
		var state string
		var ppid int
		if _, err := fmt.Sscan(s[closeAt+2:], &state, &ppid); err == nil && ppid == me && state != "Z" {
			return true
		}
	}
	return false
}

func TestClean(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"removes spaces between Japanese characters", "生成 AI の 調 査", "生成 AI の調査"},
		{"keeps spaces between Korean words", "생성형 AI 도입", "생성형 AI 도입"},
		{"keeps line breaks and one blank line between paragraphs", "一行目\n二行目\n\n\n\n次の段落  \n\f", "一行目\n二行目\n\n次の段落"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Clean(tc.in); got != tc.want {
				t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
