package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/corpustest"
	"github.com/kura-app/kura/internal/ocr"
	"github.com/kura-app/kura/internal/ocr/ocrtest"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/tokenize"
)

// corpusFile is a PDF of the shared corpus, the real documents the scans
// are made of.
func corpusFile(t testing.TB, name string) string { return corpustest.Path(t, "pdf/"+name) }

// countingEngine is the installed OCR engine behind a wrapper that logs
// every recognition it runs, so a test can tell whether a page was read
// by the engine or came from the cache. `make deps` installs the engine.
func countingEngine(t *testing.T) (*ocr.Engine, func() int) {
	t.Helper()
	real, err := exec.LookPath("tesseract")
	if err != nil {
		t.Fatalf("tesseract is not installed (make deps installs it): %v", err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "calls.log")
	wrapper := filepath.Join(dir, "tesseract")
	script := fmt.Sprintf("#!/bin/sh\ncase \"$1\" in --*) exec %q \"$@\";; esac\necho \"$1\" >> %q\nexec %q \"$@\"\n", real, log, real)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := ocr.New(context.Background(), ocr.Options{Tesseract: wrapper})
	if err != nil {
		t.Fatalf("OCR engine: %v (make deps installs it)", err)
	}
	return e, func() int {
		b, _ := os.ReadFile(log)
		return bytes.Count(b, []byte("\n"))
	}
}

func (f *fixture) runOCR(t *testing.T, o OCR, opts Options, paths ...string) Summary {
	t.Helper()
	c, err := f.st.Collection(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	j := &Job{Store: f.st, Index: f.idx, Collection: c, OCR: o, Options: opts}
	sum, err := j.Run(context.Background(), paths)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// find returns the passages a keyword search finds, best first.
func (f *fixture) find(t *testing.T, query string) []store.Chunk {
	t.Helper()
	ctx := context.Background()
	hits, err := f.st.SearchLexical(ctx, f.coll.ID, tokenize.MatchQuery(query), 5)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.ChunkID
	}
	chunks, err := f.st.Chunks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	return chunks
}

func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// TestScannedPDFIsReadByOCR scans two pages of the corpus, a Japanese
// report page and a Korean one, into an image-only PDF and indexes it.
func TestScannedPDFIsReadByOCR(t *testing.T) {
	f := newFixture(t)
	eng, calls := countingEngine(t)
	scan := filepath.Join(f.dir, "scan.pdf")
	pdf := ocrtest.ScannedPDF(t,
		ocrtest.RenderPage(t, corpusFile(t, "001_1473911884bdf481.pdf"), 3, 200),
		ocrtest.RenderPage(t, corpusFile(t, "004_8b294292eef632cb.pdf"), 2, 200))
	if err := os.WriteFile(scan, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	// OnProgress is called from the workers of a job at once.
	var mu sync.Mutex
	var last Progress
	c, _ := f.st.Collection(context.Background(), "default")
	j := &Job{Store: f.st, Index: f.idx, Collection: c, OCR: OCR{Engine: eng},
		OnProgress: func(p Progress) error { mu.Lock(); last = p; mu.Unlock(); return nil }}
	sum, err := j.Run(context.Background(), []string{scan})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 1 || len(sum.Failed) != 0 {
		t.Fatalf("summary %+v, want the scan added", sum)
	}
	if last.OCRPagesTotal != 2 || last.OCRPagesDone != 2 {
		t.Errorf("final progress counts %d of %d OCR pages, want 2 of 2", last.OCRPagesDone, last.OCRPagesTotal)
	}
	first := calls()

	for _, tc := range []struct {
		name, query, evidence string
		page                  int
	}{
		{"finds a Japanese sentence by keyword on page 1", "オープンソースライセンス 言語モデル", "オープンソースライセンスの下でその成果が公開された", 1},
		{"finds a Korean sentence by keyword on page 2", "중립적 거버넌스", "중립적거버넌스", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range f.find(t, tc.query) {
				if strings.Contains(squash(c.Text), squash(tc.evidence)) {
					if c.Page != tc.page || !c.OCR {
						t.Errorf("found on page %d (OCR %v), want page %d from OCR", c.Page, c.OCR, tc.page)
					}
					return
				}
			}
			t.Errorf("no passage among the first five holds %q", tc.evidence)
		})
	}
	t.Run("never reads a page twice: a forced re-run takes every page from the cache", func(t *testing.T) {
		sum := f.runOCR(t, OCR{Engine: eng}, Options{Force: true}, scan)
		if sum.Updated != 1 || calls() != first {
			t.Errorf("re-run: %+v; the engine ran %d more times, want 0", sum, calls()-first)
		}
	})
}

// TestScansWaitForAnEngineAndAreReadOnceOneIsInstalled indexes an image
// with no OCR engine, then runs a job with one, on no path at all.
func TestScansWaitForAnEngineAndAreReadOnceOneIsInstalled(t *testing.T) {
	f := newFixture(t)
	img := ocrtest.RenderPage(t, corpusFile(t, "004_8b294292eef632cb.pdf"), 1, 200)
	photo := filepath.Join(f.dir, "page.jpg")
	data, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, missing := ocr.New(context.Background(), ocr.Options{Tesseract: filepath.Join(t.TempDir(), "none")})
	if !errors.Is(missing, ocr.ErrMissing) {
		t.Fatalf("engine with a missing program: %v, want ErrMissing", missing)
	}

	sum := f.runOCR(t, OCR{Missing: missing}, Options{}, photo)
	if len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Reason, "needs OCR") || !strings.Contains(sum.Failed[0].Reason, "apt install tesseract-ocr") {
		t.Fatalf("failures %+v, want the image reported as needing OCR, with the install command", sum.Failed)
	}
	d, err := f.st.DocumentByPath(context.Background(), f.coll.ID, photo)
	if err != nil || d.Status != store.StatusNeedsOCR || d.OCRPending != 1 {
		t.Fatalf("document %+v, %v; want status needs_ocr with one page pending", d, err)
	}
	if sum.Failed[0].Kind != KindNeedsOCR || d.ErrorKind != KindNeedsOCR {
		t.Errorf("kind %q reported, %q stored; want %q", sum.Failed[0].Kind, d.ErrorKind, KindNeedsOCR)
	}
	if again := f.runOCR(t, OCR{Missing: missing}, Options{}, photo); again.Unchanged != 1 {
		t.Errorf("without an engine a re-run must leave it alone: %+v", again)
	}

	eng, _ := countingEngine(t)
	sum = f.runOCR(t, OCR{Engine: eng}, Options{})
	if sum.Updated != 1 || len(sum.Failed) != 0 {
		t.Fatalf("job with an engine and no paths: %+v, want the waiting image read", sum)
	}
	d, err = f.st.DocumentByPath(context.Background(), f.coll.ID, photo)
	if err != nil || d.Status != store.StatusLexical || d.OCRPending != 0 || d.Chunks == 0 {
		t.Fatalf("document %+v, %v; want it indexed from OCR", d, err)
	}
	found := false
	for _, c := range f.find(t, "오픈소스 생성형") {
		found = found || c.Path == photo && c.OCR
	}
	if !found {
		t.Error("a Korean keyword search does not find the image's text")
	}
}

// TestCancellingDuringOCRStopsTheJob cancels a job while a page is being
// read: the job ends cancelled and no engine process is left.
func TestCancellingDuringOCRStopsTheJob(t *testing.T) {
	f := newFixture(t)
	eng, calls := countingEngine(t)
	scan := filepath.Join(f.dir, "scan.pdf")
	src := corpusFile(t, "001_1473911884bdf481.pdf")
	pdf := ocrtest.ScannedPDF(t, ocrtest.RenderPage(t, src, 3, 200), ocrtest.RenderPage(t, src, 4, 200))
	if err := os.WriteFile(scan, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, _ := f.st.Collection(ctx, "default")
	// Cancel as soon as the engine has started on a page.
	go func() {
		for calls() == 0 && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	j := &Job{Store: f.st, Index: f.idx, Collection: c, OCR: OCR{Engine: eng}}
	sum, err := j.Run(ctx, []string{scan})
	if !errors.Is(err, context.Canceled) || !sum.Canceled {
		t.Fatalf("Run = %+v, %v; want a cancelled job", sum, err)
	}
	if _, err := f.st.DocumentByPath(context.Background(), f.coll.ID, scan); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a cancelled scan must not be stored half read: %v", err)
	}
	out, _ := exec.Command("pgrep", "-P", fmt.Sprint(os.Getpid())).Output()
	if len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("processes left behind by the cancelled job: %s", out)
	}
}
