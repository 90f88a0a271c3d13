package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kura-app/kura/internal/corpustest"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/testwait"
)

// TestStartReadsScansThatWaitedForOCR stores an image as waiting for OCR,
// as an earlier run without an engine did, and checks that the page's
// Ready starts a job that reads it now that the engine is installed.
func TestStartReadsScansThatWaitedForOCR(t *testing.T) {
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Fatalf("pdftoppm is not installed (make deps installs poppler-utils): %v", err)
	}
	src := corpustest.Path(t, "pdf/004_8b294292eef632cb.pdf")
	h, rec := newTestApp(t, closedURL(t))
	a := h.App
	prefix := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(pdftoppm, "-f", "1", "-l", "1", "-singlefile", "-gray", "-png", "-r", "200", src, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	img := prefix + ".png"

	ctx := context.Background()
	st, _ := a.lib.Internals()
	c, err := st.EnsureCollection(ctx, "scans")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := st.PutDocument(ctx, store.Document{CollectionID: c.ID, Path: img, Size: info.Size(), ModTime: info.ModTime().Unix(),
		Status: store.StatusNeedsOCR, OCRPending: 1, Error: "needs OCR"}, nil, nil); err != nil {
		t.Fatal(err)
	}

	a.Ready()
	// OCR takes seconds a page; the deadline only guards against a hang.
	var done Job
	deadline := testwait.After(t)
	for done.ID == "" {
		if all := rec.all(EventJobDone); len(all) > 0 {
			done = all[0].(Job)
			break
		}
		select {
		case <-rec.added:
		case <-deadline:
			t.Fatalf("no job finished after Ready; events: %v", rec.names())
		}
	}
	if done.State != JobDone || done.Collection != "scans" || done.Summary == nil || done.Summary.Updated != 1 {
		t.Fatalf("job %+v, want the waiting image read in collection scans", done)
	}
	docs, err := a.Documents("scans")
	if err != nil || len(docs) != 1 || docs[0].Status != "lexical" || docs[0].Chunks == 0 {
		t.Fatalf("documents %+v, %v; want the image indexed", docs, err)
	}
}
