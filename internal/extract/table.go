package extract

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// extractXLSX reads an Excel workbook with excelize: one Page per sheet,
// numbered by the sheet's position from 1, rows as lines and cells
// separated by tabs, each cell as Excel displays it (number formats
// applied, formulas as their cached results). Empty rows and trailing empty
// cells are dropped.
func extractXLSX(ctx context.Context, p string, opts Options) (Document, error) {
	if err := checkOLE(p); err != nil {
		return Document{}, fmt.Errorf("xlsx: %w", err)
	}
	limit := 4 * opts.maxBytes()
	f, err := excelize.OpenFile(p, excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: min(limit, 16<<20)})
	if err != nil {
		return Document{}, fmt.Errorf("xlsx: %w", excelizeError(err))
	}
	defer f.Close()

	doc := Document{}
	if props, err := f.GetDocProps(); err == nil && props != nil {
		doc.Title = props.Title
	}
	for i, sheet := range f.GetSheetList() {
		if err := checkpoint(ctx); err != nil {
			return Document{}, fmt.Errorf("xlsx: %w", err)
		}
		text, err := sheetText(ctx, f, sheet)
		if err != nil {
			return Document{}, fmt.Errorf("xlsx: sheet %q: %w", sheet, err)
		}
		doc.Pages = append(doc.Pages, Page{Number: i + 1, Text: text})
	}
	return doc, nil
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
	}
	if err := rows.Error(); err != nil {
		return "", excelizeError(err)
	}
	return b.String(), nil
}

// writeRow writes cells as one tab-separated line; line breaks inside a
// cell become spaces so that a row stays a line. Empty rows are skipped.
func writeRow(b *strings.Builder, cells []string) {
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

// extractCSV reads a CSV file (UTF-8, or UTF-16 with a byte-order mark) as
// one Page: rows as lines, cells separated by tabs. The delimiter is a
// comma unless the first line has none and has semicolons or tabs, as
// spreadsheets in some locales write. Quoting errors are tolerated; rows
// may have any number of cells.
func extractCSV(ctx context.Context, p string, _ Options) (Document, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return Document{}, fmt.Errorf("csv: %w", err)
	}
	text, err := decodeText(data)
	if err != nil {
		return Document{}, fmt.Errorf("csv: %w", err)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffDelimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	var b strings.Builder
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := checkpoint(ctx); err != nil {
				return Document{}, fmt.Errorf("csv: %w", err)
			}
		}
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Document{}, fmt.Errorf("csv: %v: %w", err, ErrCorrupt)
		}
		writeRow(&b, rec)
	}
	return Document{Pages: []Page{{Text: b.String()}}}, nil
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
