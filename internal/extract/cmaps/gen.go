//go:build ignore

// gen packs the predefined CJK CMaps that pdf.js ships (pdfjs-dist/cmaps:
// Adobe's CMap resources in pdf.js's compact binary form, BSD-licensed, see
// LICENSE) into bcmaps.zip, which package extract embeds. Run it after a
// pdfjs-dist upgrade, from internal/extract:
//
//	go generate   (runs: go run ./cmaps/gen.go ../../frontend/node_modules/pdfjs-dist/cmaps cmaps)
//
// The archive is deterministic: files in name order, no timestamps.
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run gen.go PDFJS_CMAPS_DIR OUT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	names, err := filepath.Glob(filepath.Join(dir, "*.bcmap"))
	if err != nil {
		return err
	}
	if len(names) < 100 {
		return fmt.Errorf("%s holds %d .bcmap files: not pdf.js's cmaps folder (run npm ci in frontend/)", dir, len(names))
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return err
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: strings.TrimSuffix(filepath.Base(n), ".bcmap"), Method: zip.Deflate})
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	lic, err := os.ReadFile(filepath.Join(dir, "LICENSE"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "LICENSE"), lic, 0o644); err != nil {
		return err
	}
	fmt.Printf("bcmaps.zip: %d CMaps, %d bytes\n", len(names), buf.Len())
	return os.WriteFile(filepath.Join(out, "bcmaps.zip"), buf.Bytes(), 0o644)
}
