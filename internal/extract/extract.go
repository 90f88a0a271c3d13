// Package extract turns a document file into plain text, page by page, for
// indexing. It is pure Go: no cgo and no external programs at run time. It
// does not run OCR: it tells which pages are scans (Document.Scanned), and
// the caller (package ingest, with package ocr) recognises them.
//
// Formats, chosen by file extension (case-insensitive):
//
//	.txt .md .markdown  UTF-8, UTF-16 with a byte-order mark, or a detected legacy
//	                    encoding (charset.go); read as a stream; Markdown kept as written
//	.html .htm          visible text; block elements become paragraph breaks
//	.pdf                the text layer, one Page per page, wrapped lines joined;
//	                    pages that are scans are listed in Document.Scanned
//	.png .jpg .jpeg     images: no text of their own; the one page is Scanned
//	.tif .tiff          (a TIFF may hold several pages: OCR finds them)
//	.docx               paragraphs and tables of the main document, then footnotes
//	.pptx               one Page per slide, numbered by slide, with speaker notes
//	.xlsx               one Page per sheet; rows as lines, cells tab-separated
//	.csv                rows as lines, cells tab-separated; encodings as .txt, streamed
//	.epub               XHTML chapters in spine order
//
// Text is returned as the document has it: no Unicode normalisation and no
// case folding (matching normalises elsewhere). Only line ends, control
// characters, trailing spaces, form feeds and runs of blank lines are
// cleaned up, and PDF line wraps are joined (see JoinWrappedLines).
//
// Memory and time are bounded per file by budgets counted where bytes enter
// (budget.go); Stream hands pages on as they are read, and long texts of
// formats without pages come as sections.
//
// Failure semantics: every error from File starts with the format, gives a
// one-line reason, and wraps one of these sentinels where one applies, so
// callers branch with errors.Is and can show the message to a user:
//
//	ErrUnsupported  the extension is not one of the above
//	ErrTooLarge     the file, what it expands to or a part of it is over a budget (named)
//	ErrEncrypted    a PDF or Office file that needs a password; a DRM-protected EPUB
//	ErrNoText       the file was read but holds no text and no scanned page
//	ErrCorrupt      the file is truncated, malformed or not what its extension says,
//	                a parsing library panicked on it, or parsing got stuck
//	ErrNotRegular   the path is a folder, a pipe, a device or a socket (after links)
//
// I/O errors (a missing file) and a done context are returned wrapped, with
// no sentinel. Stream and File return promptly when their context is done,
// even while a parsing library is stuck; see Stream.
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
	// ErrTooLarge means the file, what it expands to, or one of its parts
	// exceeds a budget; the message names which.
	ErrTooLarge = errors.New("too large")
	// ErrCorrupt means the file is damaged, truncated or not in the format
	// its extension claims, or that its parser crashed or got stuck on it.
	ErrCorrupt = errors.New("corrupt")
	// ErrNotRegular means the path (after following links) is not a
	// regular file: a folder, a named pipe, a device or a socket. Nothing
	// is read from it.
	ErrNotRegular = errors.New("not a regular file")
)

// Page is one unit of text with a 1-based page number: the page of a PDF, the
// slide of a pptx, the sheet index of an xlsx. Number is 0 for formats
// without pages (txt, md, html, csv, docx, epub), which return one Page,
// unless their text is longer than Options.SectionBytes: then it comes as
// sections numbered from 1, each cut at a paragraph or line break.
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

// Info is what Stream reports besides the pages: the document's title, how
// many pages (or sections) were handed to emit, and the scanned, lost and
// damage facts of Document.
type Info struct {
	Title   string
	Pages   int
	Scanned []int
	Image   bool
	Lost    []int
	Damage  string
}

// Options tunes File and Stream. The zero value is ready to use.
type Options struct {
	// MaxBytes is the largest file File opens, except plain text and CSV;
	// larger files fail with ErrTooLarge before any byte is read. It also
	// bounds each entry of a zip-based file. 0 means DefaultMaxBytes
	// (200 MiB).
	MaxBytes int64
	// MaxStreamBytes is the largest plain-text, Markdown or CSV file,
	// which is read as a stream. 0 means DefaultMaxStreamBytes (2 GiB).
	MaxStreamBytes int64
	// MaxExpandBytes bounds what all the entries of a docx, pptx, xlsx or
	// epub read expand to together. 0 means DefaultMaxExpandBytes
	// (256 MiB).
	MaxExpandBytes int64
	// SectionBytes is the size of the sections long texts without pages
	// are cut into. 0 means DefaultSectionBytes (1 MiB).
	SectionBytes int
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

func (o Options) maxStreamBytes() int64 {
	if o.MaxStreamBytes <= 0 {
		return DefaultMaxStreamBytes
	}
	return o.MaxStreamBytes
}

func (o Options) maxExpandBytes() int64 {
	if o.MaxExpandBytes <= 0 {
		return DefaultMaxExpandBytes
	}
	return o.MaxExpandBytes
}

// extractor reads one format whole. It checks ctx between pages or parts
// and may panic: Stream recovers.
type extractor func(ctx context.Context, path string, opts Options) (Document, error)

// streamer reads one format and hands its pages to emit as it goes; it
// returns what the document says of itself besides its pages (its Title,
// and for PDFs and images Scanned, Image, Lost and Damage; Pages empty).
// emit fails once the caller is gone.
type streamer func(ctx context.Context, path string, opts Options, emit func(Page) error) (Document, error)

// titleStreamer is a streamer of a format whose documents say nothing of
// themselves but their title.
type titleStreamer func(ctx context.Context, path string, opts Options, emit func(Page) error) (title string, err error)

// titled adapts a titleStreamer.
func titled(fn titleStreamer) streamer {
	return func(ctx context.Context, path string, opts Options, emit func(Page) error) (Document, error) {
		title, err := fn(ctx, path, opts, emit)
		return Document{Title: title}, err
	}
}

// File extracts the text of the document at path, collecting every page.
// It is Stream with a collecting emit; use Stream for files whose text may
// be too long to hold.
func File(ctx context.Context, path string, opts Options) (Document, error) {
	var doc Document
	info, err := Stream(ctx, path, opts, func(p Page) error {
		doc.Pages = append(doc.Pages, p)
		return nil
	})
	if err != nil {
		return Document{}, err
	}
	doc.Title, doc.Scanned, doc.Image, doc.Lost, doc.Damage = info.Title, info.Scanned, info.Image, info.Lost, info.Damage
	return doc, nil
}

// Stream extracts the text of the document at path and hands each page (or
// section) to emit as soon as it is read, cleaned, in document order; blank
// pages are left out. emit runs on the caller's goroutine, never after
// Stream returned; an error it returns stops the extraction and is returned.
//
// It fails with ErrUnsupported for an unknown extension, with ErrNotRegular
// for anything but a regular file (after links), and with ErrTooLarge,
// before reading, for a file over its size limit (Options). Other failures
// wrap ErrTooLarge (a budget named in the message), ErrEncrypted, ErrNoText
// or ErrCorrupt as described in the package comment; I/O errors (a missing
// file, a permission problem) are returned wrapped, with no sentinel. A
// panic inside a parsing library is recovered and returned as ErrCorrupt
// carrying the panic value.
//
// Cancellation: the extraction runs on its own goroutine and checks ctx
// between pages. If ctx is done first, Stream returns ctx.Err() (wrapped) at
// once, without waiting. A parsing library stuck in a loop on a malformed
// file cannot be interrupted in Go, so Stream also watches for progress: an
// extraction that reaches no checkpoint (a page, a chapter, a few thousand
// rows) for three minutes fails with ErrCorrupt. The trade-off of both: the
// abandoned goroutine, with the open file and memory it holds, lives on
// until the library returns by itself; it never touches the returned
// values. Time spent in emit does not count as a stall.
//
// Stream is safe for concurrent use.
func Stream(ctx context.Context, path string, opts Options, emit func(Page) error) (Info, error) {
	f, ok := FormatOf(path)
	if !ok {
		ext := filepath.Ext(path)
		if ext == "" {
			ext = "no extension"
		}
		return Info{}, fmt.Errorf("%s: %w", ext, ErrUnsupported)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("%s: %w", f.Name, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", f.Name, err)
	}
	if !info.Mode().IsRegular() {
		return Info{}, fmt.Errorf("%s: %s: %w", f.Name, Kind(info.Mode()), ErrNotRegular)
	}
	max := opts.maxBytes()
	if f.Streamed {
		max = opts.maxStreamBytes()
	}
	if info.Size() > max {
		return Info{}, fmt.Errorf("%s: file is %s, the limit is %s: %w",
			f.Name, formatSize(info.Size()), formatSize(max), ErrTooLarge)
	}
	run := f.stream
	if run == nil {
		run = collected(f.fn)
	}

	type result struct {
		meta Document
		err  error
	}
	prog := &progress{}
	prog.last.Store(time.Now().UnixNano())
	// cancel tells an abandoned extraction to stop at its next checkpoint.
	ectx, cancel := context.WithCancel(context.WithValue(ctx, progressKey{}, prog))
	defer cancel()
	pages := make(chan Page)
	// Buffered so that an abandoned goroutine can still finish and exit.
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("%s: parser crashed: %v: %w", f.Name, p, ErrCorrupt)}
				if debugPanics {
					r.err = fmt.Errorf("%w\n%s", r.err, debug.Stack())
				}
			}
			done <- r
		}()
		r.meta, r.err = run(ectx, path, opts, func(p Page) error {
			select {
			case pages <- p:
			case <-ectx.Done():
				return ectx.Err()
			}
			return checkpoint(ectx)
		})
	}()

	var out Info
	watch := time.NewTicker(min(stallTimeout/4, time.Second))
	defer watch.Stop()
	for {
		select {
		case <-ctx.Done():
			return Info{}, fmt.Errorf("%s: %w", f.Name, ctx.Err())
		case p := <-pages:
			if p.Text = cleanText(p.Text); p.Text == "" {
				continue
			}
			if err := emit(p); err != nil {
				return Info{}, err
			}
			out.Pages++
			prog.last.Store(time.Now().UnixNano())
		case r := <-done:
			if r.err != nil {
				if ctx.Err() != nil {
					return Info{}, fmt.Errorf("%s: %w", f.Name, ctx.Err())
				}
				return Info{}, r.err
			}
			if out.Pages == 0 && len(r.meta.Scanned) == 0 {
				if f.Name == "pdf" {
					// Neither text nor a scanned page: vector drawings only.
					return Info{}, fmt.Errorf("pdf: no text layer and no scanned page: %w", ErrNoText)
				}
				return Info{}, fmt.Errorf("%s: %w", f.Name, ErrNoText)
			}
			out.Title = strings.TrimSpace(collapseSpaces(r.meta.Title))
			out.Scanned, out.Image, out.Lost, out.Damage = r.meta.Scanned, r.meta.Image, r.meta.Lost, r.meta.Damage
			return out, nil
		case <-watch.C:
			if stalled := time.Since(time.Unix(0, prog.last.Load())); stalled > stallTimeout {
				return Info{}, fmt.Errorf("%s: no progress for %s, the parser is stuck on a malformed file: %w",
					f.Name, stalled.Round(time.Second), ErrCorrupt)
			}
		}
	}
}

// collected adapts an extractor that reads a whole document to a streamer.
func collected(fn extractor) streamer {
	return func(ctx context.Context, path string, opts Options, emit func(Page) error) (Document, error) {
		doc, err := fn(ctx, path, opts)
		if err != nil {
			return Document{}, err
		}
		for _, p := range doc.Pages {
			if err := emit(p); err != nil {
				return Document{}, err
			}
		}
		doc.Pages = nil
		return doc, nil
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
