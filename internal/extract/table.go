package extract

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// streamXLSX reads an Excel workbook with excelize: one Page per sheet,
// numbered by the sheet's position from 1, rows as lines and cells
// separated by tabs, each cell as Excel displays it (number formats
// applied, formulas as their cached results). Empty rows and trailing empty
// cells are dropped. excelize cannot be given a reader to guard, so the
// workbook's XML parts are read once through the same budgets as the other
// zip-based formats (expansion, token size, depth) before it opens them.
func streamXLSX(ctx context.Context, p string, opts Options, emit func(Page) error) (string, error) {
	if err := checkOLE(p); err != nil {
		return "", fmt.Errorf("xlsx: %w", err)
	}
	if err := prescanZip(ctx, p, opts); err != nil {
		return "", fmt.Errorf("xlsx: %w", err)
	}
	limit := opts.maxExpandBytes()
	f, err := excelize.OpenFile(p, excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, 16<<20)})
	if err != nil {
		return "", fmt.Errorf("xlsx: %w", excelizeError(err))
	}
	defer f.Close()

	title := ""
	if props, err := f.GetDocProps(); err == nil && props != nil {
		title = props.Title
	}
	for i, sheet := range f.GetSheetList() {
		if err := checkpoint(ctx); err != nil {
			return "", fmt.Errorf("xlsx: %w", err)
		}
		text, err := sheetText(ctx, f, sheet)
		if err != nil {
			return "", fmt.Errorf("xlsx: sheet %q: %w", sheet, err)
		}
		if err := emit(Page{Number: i + 1, Text: text}); err != nil {
			return "", err
		}
	}
	return title, nil
}

func sheetText(ctx context.Context, f *excelize.File, sheet string) (string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return "", excelizeError(err)
	}
	defer rows.Close()
	var b strings.Builder
	for n := 0; rows.Next(); n++ {
		if n%1024 == 0 {
			if err := checkpoint(ctx); err != nil {
				return "", err
			}
		}
		cells, err := rows.Columns()
		if err != nil {
			return "", excelizeError(err)
		}
		writeRow(&b, cells)
		if b.Len() > maxPageBytes {
			return "", fmt.Errorf("holds more than %s of text, the limit for one sheet: %w", formatSize(maxPageBytes), ErrTooLarge)
		}
	}
	if err := rows.Error(); err != nil {
		return "", excelizeError(err)
	}
	return b.String(), nil
}

// writeRow writes cells as one tab-separated line; line breaks inside a
// cell become spaces so that a row stays a line. Empty rows are skipped.
func writeRow(b interface {
	WriteString(string) (int, error)
	WriteByte(byte) error
}, cells []string) {
	last := len(cells) - 1
	for last >= 0 && strings.TrimSpace(cells[last]) == "" {
		last--
	}
	if last < 0 {
		return
	}
	for i, c := range cells[:last+1] {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(strings.Join(strings.Fields(c), " "))
	}
	b.WriteByte('\n')
}

// excelizeError maps excelize's errors to the package sentinels.
func excelizeError(err error) error {
	switch {
	case errors.Is(err, excelize.ErrWorkbookPassword):
		return fmt.Errorf("needs a password to open: %w", ErrEncrypted)
	case errors.Is(err, zip.ErrFormat), errors.Is(err, excelize.ErrWorkbookFileFormat),
		errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("not a readable workbook (%v): %w", err, ErrCorrupt)
	case strings.Contains(err.Error(), "size exceeds"):
		return fmt.Errorf("%v: %w", err, ErrTooLarge)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%v: %w", err, ErrCorrupt)
}

// streamCSV reads a CSV file (UTF-8, UTF-16 with a byte-order mark, or a
// legacy encoding; see charset.go) as a stream: rows as lines, cells
// separated by tabs, in sections when long. The delimiter is a comma unless
// the first line has none and has semicolons or tabs, as spreadsheets in
// some locales write. Quoting errors are tolerated; rows may have any
// number of cells, but one record may not exceed maxToken bytes (an
// unclosed quote would otherwise swallow the rest of the file).
func streamCSV(ctx context.Context, p string, opts Options, emit func(Page) error) (string, error) {
	text, closeFn, err := openText(ctx, p)
	if err != nil {
		return "", fmt.Errorf("csv: %w", err)
	}
	defer closeFn()
	guard := &recordGuard{r: text, limit: maxToken}
	br := bufio.NewReaderSize(guard, 64<<10)
	head, _ := br.Peek(64 << 10)
	if tooManyControls(string(head)) {
		return "", fmt.Errorf("csv: not a text file (binary): %w", ErrCorrupt)
	}
	r := csv.NewReader(br)
	r.Comma = sniffDelimiter(string(head))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	sec := newSectioner(opts.SectionBytes, emit)
	w := sectionWriter{sec}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := checkpoint(ctx); err != nil {
				return "", fmt.Errorf("csv: %w", err)
			}
		}
		guard.mark(br.Buffered())
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if errors.Is(err, ErrTooLarge) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("csv: %w", err)
		}
		if err != nil {
			return "", fmt.Errorf("csv: %v: %w", err, ErrCorrupt)
		}
		writeRow(w, rec)
		if w.err != nil {
			return "", w.err
		}
	}
	return "", sec.Close()
}

// sectionWriter lets writeRow write to a sectioner, keeping its first error.
type sectionWriter struct{ *sectioner }

func (w sectionWriter) WriteString(s string) (int, error) {
	if w.err == nil {
		w.err = w.sectioner.WriteString(s)
	}
	return len(s), nil
}

func (w sectionWriter) WriteByte(c byte) error {
	_, err := w.WriteString(string([]byte{c}))
	return err
}

// recordGuard fails once more than limit bytes were read since the last
// record ended (mark), so that one CSV record cannot grow without bound.
type recordGuard struct {
	r     io.Reader
	limit int64
	read  int64 // bytes read in all
	start int64 // where the current record starts
}

// mark records that a record starts after the buffered bytes not yet
// parsed.
func (g *recordGuard) mark(buffered int) { g.start = g.read - int64(buffered) }

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.read-g.start > g.limit {
		return 0, fmt.Errorf("a record longer than %s (an unclosed quote?): %w", formatSize(g.limit), ErrTooLarge)
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

// sniffDelimiter picks the field delimiter from the first line.
func sniffDelimiter(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	if strings.Contains(first, ",") {
		return ','
	}
	if strings.Count(first, ";") > strings.Count(first, "\t") {
		return ';'
	}
	if strings.Contains(first, "\t") {
		return '\t'
	}
	return ','
}
