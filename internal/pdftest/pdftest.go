// Package pdftest writes small PDF files for tests: objects laid out with a
// cross-reference table, as a PDF writer does, so tests can build exactly
// the structure they need (a page tree, a font with a CMap, a scanned
// page) without a PDF library.
package pdftest

import (
	"bytes"
	"fmt"
)

// Write lays out objs as objects 1..n, with a cross-reference table and a
// trailer naming object root as the catalog.
func Write(objs []string, root int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, root, xref)
	return b.Bytes()
}
