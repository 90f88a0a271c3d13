package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kura-app/kura/internal/pdftest"
)

// textPDF writes a PDF with one page per line of text (Helvetica, ASCII).
func textPDF(lines ...string) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"}
	var kids string
	for _, l := range lines {
		content := fmt.Sprintf("BT /F1 12 Tf 72 700 Td (%s) Tj ET", l)
		objs = append(objs, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", len(objs)))
		kids += fmt.Sprintf("%d 0 R ", len(objs))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, len(lines))
	return pdftest.Write(objs, 1)
}

func TestASentenceCutByAPageBreakIsOnePassageOnBothPages(t *testing.T) {
	f := newFixture(t)
	p := filepath.Join(f.dir, "report.pdf")
	pdf := textPDF("An introduction that ends here.", "The survey shows that most companies now", "prefer open source tools for their work.", "A closing page.")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	f.runOCR(t, OCR{}, Options{}, p)
	got := f.find(t, "companies prefer open source")
	if len(got) == 0 {
		t.Fatal("nothing found")
	}
	c := got[0]
	const want = "The survey shows that most companies now prefer open source tools for their work."
	if c.Text != want || c.Page != 2 || c.EndPage != 3 || c.Start != 0 || c.End != len("prefer open source tools for their work.") {
		t.Errorf("passage %q on pages %d-%d (chars %d-%d), want %q on pages 2-3 ending at the end of page 3's sentence", c.Text, c.Page, c.EndPage, c.Start, c.End, want)
	}
	for _, q := range []string{"introduction", "closing page"} {
		if r := f.find(t, q); len(r) == 0 || r[0].EndPage != r[0].Page {
			t.Errorf("%q: a page that ends its sentence must stay a passage of its own: %+v", q, r)
		}
	}
}

func TestADamagedPDFKeepsItsReadablePagesAndNamesTheLostOnes(t *testing.T) {
	f := newFixture(t)
	pdf := textPDF("Page one is whole.", "Page two is whole.", "Page three is lost.")
	cut := pdf[:bytes.Index(pdf, []byte("(Page three"))-40]
	p := filepath.Join(f.dir, "cut.pdf")
	if err := os.WriteFile(p, cut, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := f.runOCR(t, OCR{}, Options{}, p)
	const lost = "page 3 of 3 could not be read: the file is cut short"
	if sum.Added != 1 || len(sum.Failed) != 1 || sum.Failed[0].Reason != lost {
		t.Fatalf("summary %+v, want the file added and reported with %q", sum, lost)
	}
	d, err := f.st.DocumentByPath(context.Background(), f.coll.ID, p)
	if err != nil || d.Error != lost || d.Chunks != 2 {
		t.Errorf("document %+v, %v; want 2 pages indexed and the loss recorded", d, err)
	}
	if sum.Failed[0].Kind != KindDamaged || d.ErrorKind != KindDamaged {
		t.Errorf("kind %q reported, %q stored; want %q", sum.Failed[0].Kind, d.ErrorKind, KindDamaged)
	}
	if r := f.find(t, "page two whole"); len(r) == 0 || r[0].Page != 2 {
		t.Errorf("page 2 not found: %+v", r)
	}
}
