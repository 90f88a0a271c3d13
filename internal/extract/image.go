package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig for .jpg
	_ "image/png"  // and .png
	"io"
	"os"
)

// maxImagePixels bounds the images handed to OCR: a 600 dpi A4 scan is 35
// million pixels; OCR memory grows with the pixel count.
const maxImagePixels = 100_000_000

// extractImage checks that an image file is what its extension says and
// not too large to recognise, and returns it as one scanned page. The
// pixels are not decoded here: OCR reads the file.
func extractImage(ctx context.Context, path string, _ Options) (Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return Document{}, err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	var w, h int
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")), bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Document{}, err
		}
		cfg, _, err := image.DecodeConfig(f)
		if err != nil {
			return Document{}, fmt.Errorf("image: %v: %w", err, ErrCorrupt)
		}
		w, h = cfg.Width, cfg.Height
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		if w, h, err = tiffSize(f, head); err != nil {
			return Document{}, fmt.Errorf("tiff: %v: %w", err, ErrCorrupt)
		}
	default:
		return Document{}, fmt.Errorf("image: not a PNG, JPEG or TIFF image: %w", ErrCorrupt)
	}
	if err := checkpoint(ctx); err != nil {
		return Document{}, err
	}
	if w <= 0 || h <= 0 {
		return Document{}, fmt.Errorf("image: %d×%d pixels: %w", w, h, ErrCorrupt)
	}
	if int64(w)*int64(h) > maxImagePixels {
		return Document{}, fmt.Errorf("image: %d×%d pixels, the limit for OCR is %d million: %w", w, h, maxImagePixels/1_000_000, ErrTooLarge)
	}
	return Document{Scanned: []int{1}, Image: true}, nil
}

// tiffSize reads the width and height of a TIFF's first image from its
// first directory (tags 256 and 257).
func tiffSize(r io.ReaderAt, head []byte) (int, int, error) {
	if len(head) < 8 {
		return 0, 0, fmt.Errorf("truncated header")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if head[0] == 'M' {
		bo = binary.BigEndian
	}
	off := int64(bo.Uint32(head[4:8]))
	var cnt [2]byte
	if _, err := r.ReadAt(cnt[:], off); err != nil {
		return 0, 0, fmt.Errorf("no image directory")
	}
	n := int(bo.Uint16(cnt[:]))
	if n == 0 || n > 4096 {
		return 0, 0, fmt.Errorf("bad image directory")
	}
	entries := make([]byte, 12*n)
	if _, err := r.ReadAt(entries, off+2); err != nil {
		return 0, 0, fmt.Errorf("truncated image directory")
	}
	var w, h int
	for i := 0; i < n; i++ {
		e := entries[12*i:]
		tag, typ := bo.Uint16(e), bo.Uint16(e[2:])
		var v int
		switch typ {
		case 3: // SHORT
			v = int(bo.Uint16(e[8:]))
		case 4: // LONG
			v = int(bo.Uint32(e[8:]))
		default:
			continue
		}
		switch tag {
		case 256:
			w = v
		case 257:
			h = v
		}
	}
	return w, h, nil
}
