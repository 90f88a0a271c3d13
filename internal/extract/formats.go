package extract

import (
	"path/filepath"
	"strings"
)

// Format is what Kura knows of one file format: a row of formatTable, the
// one place these facts are written. Reading (Stream), the file dialog,
// the content type a file is served with, how a place in a file is cited,
// and the memory reading it is expected to take all derive from it.
type Format struct {
	// Name names the format in error messages: "pdf", "markdown".
	Name string
	// Extensions are its file extensions, lower case with the dot; a file
	// is matched case-insensitively.
	Extensions []string
	// MIME is the content type the original file is served with (text as
	// UTF-8: the extractor reads it so).
	MIME string
	// Paged is true when the numbered parts of a document are pages (a
	// PDF's pages, slides, sheets, the pages of an image), cited "p. 3".
	// Otherwise the format has no pages (page 0) and a long text's
	// numbered parts are sections, cited "§ 3".
	Paged bool
	// Streamed formats are read as a stream and limited by
	// Options.MaxStreamBytes rather than MaxBytes.
	Streamed bool

	// memPerByte and memCap make MemoryEstimate.
	memPerByte, memCap int64
	fn                 extractor
	stream             streamer
}

// MemoryEstimate is a rough upper bound of the memory reading a file of
// size bytes takes: the text held (bounded by the extractors' own
// budgets), its passages and their terms. Text and CSV are streamed in
// sections; zip-based formats expand several times; a PDF's pages are
// held whole.
func (f Format) MemoryEstimate(size int64) int64 {
	if f.memCap > 0 {
		return min(size*f.memPerByte, f.memCap)
	}
	return size * f.memPerByte
}

// formatTable is every format Kura reads. Order is the file dialog's.
var formatTable = []Format{
	{Name: "text", Extensions: []string{".txt"}, MIME: "text/plain; charset=utf-8", Streamed: true, memPerByte: 6, memCap: 64 << 20, stream: titled(streamText)},
	{Name: "markdown", Extensions: []string{".md", ".markdown"}, MIME: "text/markdown; charset=utf-8", Streamed: true, memPerByte: 6, memCap: 64 << 20, stream: titled(streamText)},
	{Name: "html", Extensions: []string{".html", ".htm"}, MIME: "text/html; charset=utf-8", memPerByte: 12, memCap: 512 << 20, stream: titled(streamHTMLFile)},
	{Name: "pdf", Extensions: []string{".pdf"}, MIME: "application/pdf", Paged: true, memPerByte: 4, fn: extractPDF},
	{Name: "docx", Extensions: []string{".docx"}, MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", memPerByte: 20, memCap: 512 << 20, stream: titled(streamDOCX)},
	{Name: "pptx", Extensions: []string{".pptx"}, MIME: "application/vnd.openxmlformats-officedocument.presentationml.presentation", Paged: true, memPerByte: 20, memCap: 512 << 20, stream: titled(streamPPTX)},
	{Name: "xlsx", Extensions: []string{".xlsx"}, MIME: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Paged: true, memPerByte: 20, memCap: 512 << 20, stream: titled(streamXLSX)},
	{Name: "csv", Extensions: []string{".csv"}, MIME: "text/csv; charset=utf-8", Streamed: true, memPerByte: 6, memCap: 64 << 20, stream: titled(streamCSV)},
	{Name: "epub", Extensions: []string{".epub"}, MIME: "application/epub+zip", memPerByte: 20, memCap: 512 << 20, stream: titled(streamEPUB)},
	{Name: "png", Extensions: []string{".png"}, MIME: "image/png", Paged: true, memPerByte: 4, fn: extractImage},
	{Name: "jpeg", Extensions: []string{".jpg", ".jpeg"}, MIME: "image/jpeg", Paged: true, memPerByte: 4, fn: extractImage},
	{Name: "tiff", Extensions: []string{".tif", ".tiff"}, MIME: "image/tiff", Paged: true, memPerByte: 4, fn: extractImage},
}

// formats maps a lower-case extension to its row of formatTable.
var formats = func() map[string]Format {
	m := map[string]Format{}
	for _, f := range formatTable {
		for _, ext := range f.Extensions {
			m[ext] = f
		}
	}
	return m
}()

// Formats lists the formats Kura reads, in a fixed order. The slice is the
// caller's.
func Formats() []Format { return append([]Format(nil), formatTable...) }

// FormatOf is the format of path, judged by its extension alone
// (case-insensitive); ok is false for a format Kura does not read. It does
// not touch the file.
func FormatOf(path string) (f Format, ok bool) {
	f, ok = formats[strings.ToLower(filepath.Ext(path))]
	return f, ok
}

// Supported reports whether File can read path, judging by its extension
// alone (case-insensitive). It does not touch the file.
func Supported(path string) bool {
	_, ok := FormatOf(path)
	return ok
}

// Paged reports whether the numbered parts of the document at path are
// pages rather than sections of a long text (see Format.Paged). A path of
// no format Kura reads counts as paged.
func Paged(path string) bool {
	f, ok := FormatOf(path)
	return !ok || f.Paged
}
