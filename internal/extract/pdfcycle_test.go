package extract

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/pdftest"
)

// pdfWithCyclicTree is a one-page PDF whose page tree node lists itself
// among its kids.
func pdfWithCyclicTree() []byte {
	content := "BT /F1 12 Tf 72 720 Td (Only page) Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	return pdftest.Write(objs, 1)
}

func TestAPDFPageTreeThatPointsBackToItselfGivesEachPageOnce(t *testing.T) {
	doc, err := File(context.Background(), writeTemp(t, "cycle.pdf", pdfWithCyclicTree()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Pages) != 1 || doc.Pages[0].Number != 1 || !strings.Contains(doc.Pages[0].Text, "Only page") {
		t.Fatalf("got %d pages %+v, want the one page once", len(doc.Pages), doc.Pages[:min(len(doc.Pages), 3)])
	}
}
