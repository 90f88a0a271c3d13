// Package ocrtest makes scanned documents for tests: it renders pages of
// real PDFs to images with Poppler's pdftoppm (as a scanner would produce
// them) and wraps images into a PDF that has no text layer, as scanners and
// "scan to PDF" features write them. Tests that use it need pdftoppm
// (`make deps` installs poppler-utils) and fail, saying so, without it.
package ocrtest

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/pdftest"
)

// RenderPage renders page n of the PDF at src to a greyscale JPEG at dpi
// and returns its path (in a temporary folder of t).
func RenderPage(t testing.TB, src string, n, dpi int) string {
	t.Helper()
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Fatalf("pdftoppm is not installed (make deps installs poppler-utils): %v", err)
	}
	prefix := filepath.Join(t.TempDir(), fmt.Sprintf("page%d", n))
	out, err := exec.Command(bin, "-f", fmt.Sprint(n), "-l", fmt.Sprint(n), "-singlefile", "-gray", "-jpeg",
		"-r", fmt.Sprint(dpi), src, prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm %s page %d: %v: %s", src, n, err, out)
	}
	return prefix + ".jpg"
}

// ScannedPDF writes a PDF with one A4 page per JPEG (greyscale or RGB),
// each image filling its page, and no text: a scan.
func ScannedPDF(t testing.TB, jpegs ...string) []byte {
	t.Helper()
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", ""}
	var kids []string
	for _, p := range jpegs {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		w, h, comps, err := jpegSize(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		cs := "/DeviceGray"
		if comps == 3 {
			cs = "/DeviceRGB"
		}
		img := len(objs) + 1
		objs = append(objs, fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "+
			"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", w, h, cs, len(data), data))
		content := "q 595 0 0 842 0 0 cm /Im0 Do Q"
		objs = append(objs, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "+
			"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", img, img+1))
		kids = append(kids, fmt.Sprintf("%d 0 R", img+2))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	return pdftest.Write(objs, 1)
}

// jpegSize reads a JPEG's dimensions and component count from its
// start-of-frame marker.
func jpegSize(b []byte) (w, h, comps int, err error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 0, 0, 0, fmt.Errorf("not a JPEG")
	}
	for i := 2; i+9 < len(b); {
		if b[i] != 0xFF {
			return 0, 0, 0, fmt.Errorf("bad JPEG marker at %d", i)
		}
		m := b[i+1]
		l := int(binary.BigEndian.Uint16(b[i+2:]))
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			return int(binary.BigEndian.Uint16(b[i+7:])), int(binary.BigEndian.Uint16(b[i+5:])), int(b[i+9]), nil
		}
		i += 2 + l
	}
	return 0, 0, 0, fmt.Errorf("no frame header")
}
