// Package extract turns a document file into plain text, page by page, for
// indexing. It is pure Go: no cgo and no external programs at run time. It
// does not run OCR: it tells which pages are scans (Document.Scanned), and
// the caller (package ingest, with package ocr) recognises them.
//
// Formats, chosen by file extension (case-insensitive):
//
//	.txt .md .markdown  UTF-8, or UTF-16 with a byte-order mark; Markdown kept as written
//	.html .htm          visible text; block elements become paragraph breaks
//	.pdf                the text layer, one Page per page, wrapped lines joined;
//	                    pages that are scans are listed in Document.Scanned
//	.png .jpg .jpeg     images: no text of their own; the one page is Scanned
//	.tif .tiff          (a TIFF may hold several pages: OCR finds them)
//	.docx               paragraphs and tables of the main document, then footnotes
//	.pptx               one Page per slide, numbered by slide, with speaker notes
//	.xlsx               one Page per sheet; rows as lines, cells tab-separated
//	.csv                rows as lines, cells tab-separated
//	.epub               XHTML chapters in spine order
//
// Text is returned as the document has it: no Unicode normalisation and no
// case folding (matching normalises elsewhere). Only line ends, control
// characters, trailing spaces, form feeds and runs of blank lines are
// cleaned up, and PDF line wraps are joined (see JoinWrappedLines).
//
// Failure semantics: every error from File starts with the format, gives a
// one-line reason, and wraps one of these sentinels where one applies, so
// callers branch with errors.Is and can show the message to a user:
//
//	ErrUnsupported  the extension is not one of the above
//	ErrTooLarge     the file, or what a zip-based file expands to, is over the limit
//	ErrEncrypted    a PDF or Office file that needs a password; a DRM-protected EPUB
//	ErrNoText       the file was read but holds no text and no scanned page
//	ErrCorrupt      the file is truncated, malformed or not what its extension says,
//	                a parsing library panicked on it, or parsing got stuck
//
// I/O errors (a missing file) and a done context are returned wrapped, with
// no sentinel. File returns promptly when its context is done, even while a
// parsing library is stuck; see File.
package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxBytes is the size limit File applies when Options.MaxBytes is 0.
const DefaultMaxBytes int64 = 200 << 20

// Sentinel errors. Errors returned by File wrap at most one of them; test with
// errors.Is.
var (
	// ErrUnsupported means the file's extension is not a supported format.
	ErrUnsupported = errors.New("unsupported format")
	// ErrEncrypted means the document needs a password to be read (a PDF
	// with a user password, an encrypted Office file) or is DRM-protected
	// (an EPUB). PDFs that only restrict printing or copying (an owner
	// password) are read without one and do not fail.
	ErrEncrypted = errors.New("encrypted")
	// ErrNoText means the document was read but holds no extractable text.
	ErrNoText = errors.New("no text")
	// ErrTooLarge means the file, or an entry packed inside it, exceeds the
	// size limit.
	ErrTooLarge = errors.New("too large")
	// ErrCorrupt means the file is damaged, truncated or not in the format
	// its extension claims, or that its parser crashed or got stuck on it.
	ErrCorrupt = errors.New("corrupt")
)

// Page is one unit of text with a 1-based page number: the page of a PDF, the
// slide of a pptx, the sheet index of an xlsx. Number is 0 for formats
// without pages (txt, md, html, csv, docx, epub), which return one Page.
type Page struct {
	Number int
	Text   string
}

// Document is the text of one file. Title is the document's own title when
// it declares one (HTML <title>, PDF or OOXML metadata, EPUB dc:title) and
// empty otherwise; callers fall back to the file name. When File succeeds,
// Pages holds at least one Page or Scanned at least one page number; Pages
// are in document order, and only pages with text: a blank PDF page or an
// empty sheet is left out, and Page.Number still tells where each page is.
type Document struct {
	Title string
	Pages []Page
	// Scanned lists the pages that are images of text (a scan without a
	// text layer, or with only a stamp or page number beside a page-sized
	// image), for OCR; such a page may also be in Pages with its little
	// text. For an image file it is [1] and Pages is empty.
	Scanned []int
	// Image is set for an image file: OCR reads the file itself rather
	// than pages of a PDF.
	Image bool
	// Lost lists, in order, the pages of a damaged file that could not be
	// read (numbered like Page.Number), and Damage says what happened in
	// one line, naming them ("pages 20–26 of 26 could not be read: the
	// file is cut short"). Damage is empty for a whole file. Only PDFs
	// set them: a truncated PDF keeps the pages that can be read.
	Lost   []int
	Damage string
}

// Options tunes File. The zero value is ready to use.
type Options struct {
	// MaxBytes is the largest file File opens; larger files fail with
	// ErrTooLarge before any byte is read. It also bounds what zip-based
	// formats expand to: each entry of a docx, pptx or epub to MaxBytes, an
	// xlsx workbook as a whole to 4×MaxBytes. 0 means DefaultMaxBytes
	// (200 MiB).
	MaxBytes int64
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// extractor reads one format. It checks ctx between pages or parts and may
// panic: File recovers.
type extractor func(ctx context.Context, path string, opts Options) (Document, error)

// formats maps a lower-case extension to its extractor and its name in
// error messages.
var formats = map[string]struct {
	name string
	fn   extractor
}{
	".txt":      {"text", extractText},
	".md":       {"markdown", extractText},
	".markdown": {"markdown", extractText},
	".html":     {"html", extractHTMLFile},
	".htm":      {"html", extractHTMLFile},
	".pdf":      {"pdf", extractPDF},
	".docx":     {"docx", extractDOCX},
	".pptx":     {"pptx", extractPPTX},
	".xlsx":     {"xlsx", extractXLSX},
	".csv":      {"csv", extractCSV},
	".epub":     {"epub", extractEPUB},
	".png":      {"png", extractImage},
	".jpg":      {"jpeg", extractImage},
	".jpeg":     {"jpeg", extractImage},
	".tif":      {"tiff", extractImage},
	".tiff":     {"tiff", extractImage},
}

// Supported reports whether File can read path, judging by its extension
// alone (case-insensitive). It does not touch the file.
func Supported(path string) bool {
	_, ok := formats[strings.ToLower(filepath.Ext(path))]
	return ok
}

// File extracts the text of the document at path.
//
// It fails with ErrUnsupported for an unknown extension and with ErrTooLarge,
// before reading, for a file over opts.MaxBytes. Other failures wrap
// ErrEncrypted, ErrNoText or ErrCorrupt as described in the package comment;
// I/O errors (a missing file, a permission problem) are returned wrapped,
// with no sentinel. A panic inside a parsing library is recovered and
// returned as ErrCorrupt carrying the panic value.
//
// Cancellation: the extraction runs on its own goroutine and checks ctx
// between pages. If ctx is done first, File returns ctx.Err() (wrapped) at
// once, without waiting. A parsing library stuck in a loop on a malformed
// file cannot be interrupted in Go, so File also watches for progress: an
// extraction that reaches no checkpoint (a page, a chapter, a few thousand
// rows) for three minutes fails with ErrCorrupt. The trade-off of both: the
// abandoned goroutine, with the open file and memory it holds, lives on
// until the library returns by itself; it never touches the returned
// values.
//
// File is safe for concurrent use.
func File(ctx context.Context, path string, opts Options) (Document, error) {
	f, ok := formats[strings.ToLower(filepath.Ext(path))]
	if !ok {
		ext := filepath.Ext(path)
		if ext == "" {
			ext = "no extension"
		}
		return Document{}, fmt.Errorf("%s: %w", ext, ErrUnsupported)
	}
	if err := ctx.Err(); err != nil {
		return Document{}, fmt.Errorf("%s: %w", f.name, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return Document{}, fmt.Errorf("%s: %w", f.name, err)
	}
	if info.IsDir() {
		return Document{}, fmt.Errorf("%s: is a directory: %w", f.name, ErrCorrupt)
	}
	if max := opts.maxBytes(); info.Size() > max {
		return Document{}, fmt.Errorf("%s: file is %s, the limit is %s: %w",
			f.name, formatSize(info.Size()), formatSize(max), ErrTooLarge)
	}

	type result struct {
		doc Document
		err error
	}
	prog := &progress{}
	prog.last.Store(time.Now().UnixNano())
	// cancel tells an abandoned extraction to stop at its next checkpoint.
	ectx, cancel := context.WithCancel(context.WithValue(ctx, progressKey{}, prog))
	defer cancel()
	// Buffered so that an abandoned goroutine can still finish and exit.
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("%s: parser crashed: %v: %w", f.name, p, ErrCorrupt)}
				if debugPanics {
					r.err = fmt.Errorf("%w\n%s", r.err, debug.Stack())
				}
			}
			done <- r
		}()
		r.doc, r.err = f.fn(ectx, path, opts)
	}()

	watch := time.NewTicker(min(stallTimeout/4, time.Second))
	defer watch.Stop()
	for {
		select {
		case <-ctx.Done():
			return Document{}, fmt.Errorf("%s: %w", f.name, ctx.Err())
		case r := <-done:
			if r.err != nil {
				return Document{}, r.err
			}
			return finish(f.name, r.doc)
		case <-watch.C:
			if stalled := time.Since(time.Unix(0, prog.last.Load())); stalled > stallTimeout {
				return Document{}, fmt.Errorf("%s: no progress for %s, the parser is stuck on a malformed file: %w",
					f.name, stalled.Round(time.Second), ErrCorrupt)
			}
		}
	}
}

// stallTimeout is how long an extraction may go without reaching a
// checkpoint (a page, a chapter, a few thousand rows or XML tokens) before
// File gives up on it. Legitimate files take milliseconds per checkpoint;
// the margin covers one-shot steps such as parsing a whole HTML file or
// opening a large workbook on a slow machine. Tests shorten it.
var stallTimeout = 3 * time.Minute

type progressKey struct{}

// progress records when an extraction last reached a checkpoint.
type progress struct{ last atomic.Int64 } // Unix nanoseconds

// checkpoint records progress for File's watchdog and reports whether ctx
// is done. Extractors call it between pages and every few thousand rows or
// tokens.
func checkpoint(ctx context.Context) error {
	if p, ok := ctx.Value(progressKey{}).(*progress); ok {
		p.last.Store(time.Now().UnixNano())
	}
	return ctx.Err()
}

// debugPanics adds the stack to recovered panics; tests switch it on.
var debugPanics = false

// finish cleans every page, drops blank ones and rejects a document without
// text.
func finish(format string, doc Document) (Document, error) {
	doc.Title = strings.TrimSpace(collapseSpaces(doc.Title))
	pages := doc.Pages[:0]
	for _, p := range doc.Pages {
		if p.Text = cleanText(p.Text); p.Text != "" {
			pages = append(pages, p)
		}
	}
	doc.Pages = pages
	if len(pages) == 0 && len(doc.Scanned) == 0 {
		if format == "pdf" {
			// Neither text nor a scanned page: vector drawings only.
			return Document{}, fmt.Errorf("pdf: no text layer and no scanned page: %w", ErrNoText)
		}
		return Document{}, fmt.Errorf("%s: %w", format, ErrNoText)
	}
	return doc, nil
}

// formatSize writes n bytes the way a person reads it.
func formatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
