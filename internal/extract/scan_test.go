package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kura-app/kura/internal/ocr/ocrtest"
	"github.com/kura-app/kura/internal/pdftest"
)

// greyJPEG writes a small grey JPEG and returns its path.
func greyJPEG(t *testing.T) string {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 60, 80))
	for i := range img.Pix {
		img.Pix[i] = uint8(200 + i%50)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, fmt.Sprintf("scan%d.jpg", len(t.Name())), b.Bytes())
}

func TestScannedPages(t *testing.T) {
	// A page-sized image plus a text line, as scanners stamp pages.
	stamped := func(text string) []byte {
		jpg, err := os.ReadFile(greyJPEG(t))
		if err != nil {
			t.Fatal(err)
		}
		content := fmt.Sprintf("q 595 0 0 842 0 0 cm /Im0 Do Q BT /F1 10 Tf 72 40 Td (%s) Tj ET", text)
		return pdftest.Write([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> /XObject << /Im0 6 0 R >> >> /Contents 4 0 R >>",
			pdfStream(content),
			"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
			fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 60 /Height 80 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", len(jpg), jpg),
		}, 1)
	}
	long := "This page has a photograph and a long caption that explains it in full sentences, which is text."
	for _, tc := range []struct {
		name        string
		pdf         []byte
		wantPages   []int
		wantScanned []int
	}{
		{"lists every page of an image-only PDF as scanned", ocrtest.ScannedPDF(t, greyJPEG(t), greyJPEG(t)), nil, []int{1, 2}},
		{"lists a page with only a stamp beside a page-sized image", stamped("Scan 0042"), []int{1}, []int{1}},
		{"keeps a page with an image and real text as text", stamped(long), []int{1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := File(context.Background(), writeTemp(t, "scan.pdf", tc.pdf), Options{})
			if err != nil {
				t.Fatalf("File: %v (a scan must not fail as having no text)", err)
			}
			var pages []int
			for _, p := range doc.Pages {
				pages = append(pages, p.Number)
			}
			if !slices.Equal(pages, tc.wantPages) || !slices.Equal(doc.Scanned, tc.wantScanned) || doc.Image {
				t.Errorf("pages %v scanned %v image %v; want pages %v scanned %v", pages, doc.Scanned, doc.Image, tc.wantPages, tc.wantScanned)
			}
		})
	}
}

func tiffHeader(w, h uint32) []byte { return tiffPages([2]uint32{w, h}) }

// tiffPages is a TIFF of the image directories of pages of the given
// width and height (8-bit grey), without pixels.
func tiffPages(sizes ...[2]uint32) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(8))
	for i, wh := range sizes {
		binary.Write(&b, binary.LittleEndian, uint16(2))
		for _, e := range [][2]uint32{{256, wh[0]}, {257, wh[1]}} {
			binary.Write(&b, binary.LittleEndian, uint16(e[0]))
			binary.Write(&b, binary.LittleEndian, uint16(4))
			binary.Write(&b, binary.LittleEndian, uint32(1))
			binary.Write(&b, binary.LittleEndian, e[1])
		}
		next := uint32(0)
		if i < len(sizes)-1 {
			next = uint32(b.Len()) + 4
		}
		binary.Write(&b, binary.LittleEndian, next)
	}
	return b.Bytes()
}

// pngHeader is a PNG of w×h pixels with the given bit depth and colour type
// (0 grey, 6 RGBA) in its header, for DecodeConfig.
func pngHeader(t *testing.T, w, h uint32, depth, colorType byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], w) // IHDR width and height
	binary.BigEndian.PutUint32(b[20:], h)
	b[24], b[25] = depth, colorType
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestImageFiles(t *testing.T) {
	var pngData bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	img.Set(3, 3, color.Gray{Y: 9})
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	jpg, err := os.ReadFile(greyJPEG(t))
	if err != nil {
		t.Fatal(err)
	}
	hugePNG := pngHeader(t, 20000, 20000, 8, 0)
	for _, tc := range []struct {
		name    string
		file    string
		data    []byte
		wantErr error
	}{
		{"takes a PNG as one scanned page", "note.png", pngData.Bytes(), nil},
		{"takes a JPEG as one scanned page", "photo.JPG", jpg, nil},
		{"takes a TIFF as one scanned page", "fax.tiff", tiffHeader(1700, 2200), nil},
		{"rejects a file that is not the image its name says", "fake.png", []byte("<html>not an image</html>"), ErrCorrupt},
		{"rejects an image too large to recognise", "huge.png", hugePNG, ErrTooLarge},
		{"rejects a TIFF without a directory", "cut.tif", []byte("II*\x00\x08\x00\x00\x00"), ErrCorrupt},
		// Issue 20: under the pixel limit, 16-bit RGBA took 1.4 GB to OCR.
		{"takes an 8-bit grey PNG of 48 million pixels", "grey.png", pngHeader(t, 8000, 6000, 8, 0), nil},
		{"rejects a 16-bit RGBA PNG of 48 million pixels (384 MB decoded)", "deep.png", pngHeader(t, 8000, 6000, 16, 6), ErrTooLarge},
		{"takes a TIFF of several pages within the limits", "book.tif", tiffPages([2]uint32{1700, 2200}, [2]uint32{1700, 2200}, [2]uint32{2480, 3508}), nil},
		{"rejects a TIFF whose second page is too large", "trap.tif", tiffPages([2]uint32{1700, 2200}, [2]uint32{20000, 20000}), ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if !Supported(p) {
				t.Fatalf("%s is not supported", tc.file)
			}
			doc, err := File(context.Background(), p, Options{})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !doc.Image || !slices.Equal(doc.Scanned, []int{1}) || len(doc.Pages) != 0 {
				t.Errorf("doc = %+v, want an image with page 1 scanned", doc)
			}
		})
	}
}
