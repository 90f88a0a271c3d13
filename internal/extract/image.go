package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // DecodeConfig for .jpg
	_ "image/png"  // and .png
	"io"
	"os"
)

// maxImagePixels bounds the images handed to OCR: a 600 dpi A4 scan is 35
// million pixels; OCR memory grows with the pixel count.
const maxImagePixels = 100_000_000

// maxImageBytes bounds an image's pixels as the OCR engine holds them
// decoded (Leptonica: a byte per 8-bit sample, colour as four samples,
// 16-bit samples twice that). The pixel limit alone let a 16-bit RGBA PNG
// take 1.4 GB (issue 20); 256 MiB keeps an 8-bit colour scan of 67 million
// pixels, a 600 dpi A4 page three times over.
const maxImageBytes = 256 << 20

// maxTIFFPages bounds the directories of a TIFF checked (and recognised):
// a fax is a few pages, a scanned book a few hundred.
const maxTIFFPages = 10_000

// imageSize is one page of an image: its pixels and the bytes per pixel
// OCR holds it in.
type imageSize struct {
	w, h          int
	bytesPerPixel int
}

// check fails a page the OCR engine cannot hold within the budgets; page
// is 0 for a single-page image.
func (s imageSize) check(page int) error {
	where := "image"
	if page > 0 {
		where = fmt.Sprintf("tiff: page %d", page)
	}
	if s.w <= 0 || s.h <= 0 {
		return fmt.Errorf("%s: %d×%d pixels: %w", where, s.w, s.h, ErrCorrupt)
	}
	px := int64(s.w) * int64(s.h)
	if px > maxImagePixels {
		return fmt.Errorf("%s: %d×%d pixels, the limit for OCR is %d million: %w", where, s.w, s.h, maxImagePixels/1_000_000, ErrTooLarge)
	}
	if b := px * int64(max(s.bytesPerPixel, 1)); b > maxImageBytes {
		return fmt.Errorf("%s: %d×%d pixels of %d bytes take %s decoded, the limit for OCR is %s: %w",
			where, s.w, s.h, s.bytesPerPixel, formatSize(b), formatSize(maxImageBytes), ErrTooLarge)
	}
	return nil
}

// bytesPerPixel is what a decoded pixel of model costs the OCR engine.
func bytesPerPixel(model color.Model) int {
	switch model {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	return 4 // colour, palettes (expanded), CMYK
}

// extractImage checks that an image file is what its extension says and
// not too large to recognise, every page of it, and returns it as one
// scanned page. The pixels are not decoded here: OCR reads the file.
func extractImage(ctx context.Context, path string, _ Options) (Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return Document{}, err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")), bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Document{}, err
		}
		cfg, _, err := image.DecodeConfig(f)
		if err != nil {
			return Document{}, fmt.Errorf("image: %v: %w", err, ErrCorrupt)
		}
		if err := (imageSize{cfg.Width, cfg.Height, bytesPerPixel(cfg.ColorModel)}).check(0); err != nil {
			return Document{}, err
		}
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		pages, err := tiffSizes(ctx, f, head)
		if err != nil {
			return Document{}, err
		}
		for i, p := range pages {
			if err := p.check(i + 1); err != nil {
				return Document{}, err
			}
		}
	default:
		return Document{}, fmt.Errorf("image: not a PNG, JPEG or TIFF image: %w", ErrCorrupt)
	}
	if err := checkpoint(ctx); err != nil {
		return Document{}, err
	}
	return Document{Scanned: []int{1}, Image: true}, nil
}

// tiffSizes reads the size of every page of a TIFF from its image
// directories (width 256, height 257, bits per sample 258, samples per
// pixel 277), following the chain of directories to its end. A chain that
// loops or passes maxTIFFPages is corrupt.
func tiffSizes(ctx context.Context, r io.ReaderAt, head []byte) ([]imageSize, error) {
	if len(head) < 8 {
		return nil, fmt.Errorf("tiff: truncated header: %w", ErrCorrupt)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if head[0] == 'M' {
		bo = binary.BigEndian
	}
	var pages []imageSize
	seen := map[int64]bool{}
	for off := int64(bo.Uint32(head[4:8])); off != 0; {
		if err := checkpoint(ctx); err != nil {
			return nil, err
		}
		if seen[off] || len(pages) >= maxTIFFPages {
			return nil, fmt.Errorf("tiff: more than %d pages, or directories in a loop: %w", maxTIFFPages, ErrCorrupt)
		}
		seen[off] = true
		size, next, err := tiffDirectory(r, bo, off)
		if err != nil {
			if len(pages) == 0 {
				return nil, fmt.Errorf("tiff: %v: %w", err, ErrCorrupt)
			}
			return nil, fmt.Errorf("tiff: page %d: %v: %w", len(pages)+1, err, ErrCorrupt)
		}
		pages = append(pages, size)
		off = next
	}
	return pages, nil
}

// tiffDirectory reads one image directory at off: the page's size and the
// offset of the next directory (0 at the end).
func tiffDirectory(r io.ReaderAt, bo binary.ByteOrder, off int64) (imageSize, int64, error) {
	var cnt [2]byte
	if _, err := r.ReadAt(cnt[:], off); err != nil {
		return imageSize{}, 0, fmt.Errorf("no image directory")
	}
	n := int(bo.Uint16(cnt[:]))
	if n == 0 || n > 4096 {
		return imageSize{}, 0, fmt.Errorf("bad image directory")
	}
	entries := make([]byte, 12*n+4)
	if _, err := r.ReadAt(entries, off+2); err != nil {
		return imageSize{}, 0, fmt.Errorf("truncated image directory")
	}
	bits, samples := 8, 1
	var s imageSize
	for i := 0; i < n; i++ {
		e := entries[12*i:]
		tag, typ := bo.Uint16(e), bo.Uint16(e[2:])
		var v int
		switch {
		case typ == 3 && tag == 258 && bo.Uint32(e[4:]) > 2:
			// Bits per sample of three or more samples: the values are
			// elsewhere; the first stands for all.
			var b [2]byte
			if _, err := r.ReadAt(b[:], int64(bo.Uint32(e[8:]))); err != nil {
				return imageSize{}, 0, fmt.Errorf("truncated bits per sample")
			}
			v = int(bo.Uint16(b[:]))
		case typ == 3: // SHORT
			v = int(bo.Uint16(e[8:]))
		case typ == 4: // LONG
			v = int(bo.Uint32(e[8:]))
		default:
			continue
		}
		switch tag {
		case 256:
			s.w = v
		case 257:
			s.h = v
		case 258:
			bits = v
		case 277:
			samples = v
		}
	}
	if samples >= 3 {
		samples = 4 // colour is held as 32 bits a pixel
	}
	s.bytesPerPixel = max(samples*bits/8, 1)
	return s, int64(bo.Uint32(entries[12*n:])), nil
}
