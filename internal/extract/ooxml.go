package extract

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Namespaces of the WordprocessingML and DrawingML elements read here, in
// the usual (transitional) flavour and in ISO 29500 strict, which Word
// writes when asked to save "Strict Open XML".
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsA       = "http://schemas.openxmlformats.org/drawingml/2006/main"
	nsAStrict = "http://purl.oclc.org/ooxml/drawingml/main"
	nsMC      = "http://schemas.openxmlformats.org/markup-compatibility/2006"
)

func isW(ns string) bool { return ns == nsW || ns == nsWStrict }
func isA(ns string) bool { return ns == nsA || ns == nsAStrict }

// streamDOCX reads the main document part of a Word file, then its
// footnotes and endnotes. Each paragraph becomes a paragraph; each table
// row becomes one paragraph with its cells separated by tabs. Deleted
// revisions, field codes and the fallback copies of text boxes are left
// out; headers, footers and comments too. A long document comes in
// sections (see sectioner).
func streamDOCX(ctx context.Context, p string, opts Options, emit func(Page) error) (string, error) {
	z, err := openZip(p, opts)
	if err != nil {
		return "", fmt.Errorf("docx: %w", err)
	}
	defer z.Close()

	main := "word/document.xml"
	if _, targets, err := z.relationships("_rels/.rels", "", "/officeDocument"); err == nil && len(targets) > 0 {
		main = targets[0]
	}
	if !z.has(main) {
		return "", fmt.Errorf("docx: not a Word document (no %s): %w", main, ErrCorrupt)
	}
	parts := []string{main}
	rels := partRels(main)
	for _, kind := range []string{"/footnotes", "/endnotes"} {
		if _, notes, err := z.relationships(rels, path.Dir(main), kind); err == nil {
			parts = append(parts, notes...)
		}
	}

	title := z.coreTitle()
	out := &paragraphs{sec: newSectioner(opts.SectionBytes, emit)}
	for i, part := range parts {
		if i > 0 && !z.has(part) {
			continue
		}
		if err := wordText(ctx, z, part, out); err != nil {
			if out.sec.err != nil {
				return "", out.sec.err
			}
			return "", fmt.Errorf("docx: %w", err)
		}
	}
	return title, out.sec.Close()
}

// paragraphs writes paragraphs separated by blank lines to a sectioner.
type paragraphs struct {
	sec   *sectioner
	wrote bool
}

func (o *paragraphs) add(s string) error {
	if o.wrote {
		if err := o.sec.WriteString("\n\n"); err != nil {
			return err
		}
	}
	o.wrote = true
	return o.sec.WriteString(s)
}

// wordText appends the paragraphs of one WordprocessingML part to out.
func wordText(ctx context.Context, z *zipDoc, part string, out *paragraphs) error {
	rc, err := z.open(part)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)

	var (
		para    strings.Builder // the paragraph being read
		row     []string        // cells of the table row being read
		cell    []string        // paragraphs of the cell being read
		depth   int             // table nesting
		inText  bool            // inside w:t
		skip    int             // inside an element whose text is not shown
		tokens  int
		inParaN int // paragraph nesting (text boxes inside paragraphs)
		inRun   int // inside w:r (w:tab also names tab stops in properties)
	)
	var werr error // the first error of out
	emit := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" || werr != nil {
			return
		}
		werr = out.add(s)
	}
	rowBytes := 0 // text held in row and cell
	endParagraph := func() {
		s := para.String()
		para.Reset()
		if depth > 0 {
			if t := strings.TrimSpace(s); t != "" {
				cell = append(cell, t)
				rowBytes += len(t)
			}
			if rowBytes > maxPageBytes {
				// A table row too long to hold: hand it on in parts.
				emit(strings.Join(append(row, strings.Join(cell, " ")), "\t"))
				row, cell, rowBytes = nil, nil, 0
			}
			return
		}
		emit(s)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return xmlError(part, err)
		}
		if tokens++; tokens%4096 == 0 {
			if err := checkpoint(ctx); err != nil {
				return err
			}
		}
		if werr != nil {
			return werr
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			switch {
			case t.Name.Space == nsMC && t.Name.Local == "Fallback",
				isW(t.Name.Space) && (t.Name.Local == "delText" || t.Name.Local == "instrText" ||
					t.Name.Local == "del" || t.Name.Local == "moveFrom"):
				skip = 1
			case !isW(t.Name.Space):
			case t.Name.Local == "p":
				if inParaN > 0 {
					// A text box inside a paragraph: close the text so far.
					endParagraph()
				}
				inParaN++
			case t.Name.Local == "r":
				inRun++
			case t.Name.Local == "t":
				inText = true
			case t.Name.Local == "tbl":
				if depth == 0 {
					row, cell = nil, nil
				}
				depth++
			case t.Name.Local == "tc" && depth == 1:
				cell = nil
			case inRun == 0: // the rest are run content
			case t.Name.Local == "tab":
				para.WriteByte('\t')
			case t.Name.Local == "br", t.Name.Local == "cr":
				para.WriteByte('\n')
			case t.Name.Local == "noBreakHyphen":
				para.WriteByte('-')
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if !isW(t.Name.Space) {
				continue
			}
			switch t.Name.Local {
			case "r":
				inRun = max(0, inRun-1)
			case "t":
				inText = false
			case "p":
				endParagraph()
				inParaN = max(0, inParaN-1)
			case "tc":
				if depth == 1 {
					row = append(row, strings.Join(cell, " "))
					cell = nil
				}
			case "tr":
				if depth == 1 {
					emit(strings.TrimRight(strings.Join(row, "\t"), "\t"))
					row, rowBytes = nil, 0
				}
			case "tbl":
				depth = max(0, depth-1)
			}
		case xml.CharData:
			if inText && skip == 0 {
				para.Write(t)
				if para.Len() > DefaultSectionBytes {
					// A paragraph too long to hold: hand it on in parts.
					endParagraph()
				}
			}
		}
	}
	endParagraph()
	return werr
}

// xmlError wraps a failure to read an XML part: size and corruption
// sentinels pass through, syntax errors become ErrCorrupt.
func xmlError(part string, err error) error {
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrCorrupt) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("parse %s: %v: %w", part, err, ErrCorrupt)
}

// streamPPTX reads a PowerPoint file: one Page per slide in presentation
// order, numbered from 1, with the slide's text (shapes as paragraphs,
// lines within a shape as lines) followed by its speaker notes. A slide's
// text is held whole, up to maxPageBytes.
func streamPPTX(ctx context.Context, p string, opts Options, emit func(Page) error) (string, error) {
	z, err := openZip(p, opts)
	if err != nil {
		return "", fmt.Errorf("pptx: %w", err)
	}
	defer z.Close()

	pres := "ppt/presentation.xml"
	if _, targets, err := z.relationships("_rels/.rels", "", "/officeDocument"); err == nil && len(targets) > 0 {
		pres = targets[0]
	}
	if !z.has(pres) {
		return "", fmt.Errorf("pptx: not a PowerPoint file (no %s): %w", pres, ErrCorrupt)
	}
	dir := path.Dir(pres)
	rels, _, err := z.relationships(partRels(pres), dir, "")
	if err != nil {
		return "", fmt.Errorf("pptx: %w", err)
	}
	data, err := z.read(pres)
	if err != nil {
		return "", fmt.Errorf("pptx: %w", err)
	}
	var presentation struct {
		Slides []struct {
			RID       string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
			RIDStrict string `xml:"http://purl.oclc.org/ooxml/officeDocument/relationships id,attr"`
		} `xml:"sldIdLst>sldId"`
	}
	if err := xml.Unmarshal(data, &presentation); err != nil {
		return "", fmt.Errorf("pptx: parse %s: %v: %w", pres, err, ErrCorrupt)
	}

	title := z.coreTitle()
	for i, s := range presentation.Slides {
		if err := checkpoint(ctx); err != nil {
			return "", fmt.Errorf("pptx: %w", err)
		}
		slide, ok := rels[s.RID+s.RIDStrict]
		if !ok || !z.has(slide) {
			continue
		}
		text, err := drawingText(z, slide)
		if err != nil {
			return "", fmt.Errorf("pptx: slide %d: %w", i+1, err)
		}
		sdir := path.Dir(slide)
		_, notes, _ := z.relationships(partRels(slide), sdir, "/notesSlide")
		for _, n := range notes {
			if !z.has(n) {
				continue
			}
			nt, err := drawingText(z, n)
			if err != nil {
				return "", fmt.Errorf("pptx: notes of slide %d: %w", i+1, err)
			}
			if nt != "" {
				text += "\n\n" + nt
			}
			if len(text) > maxPageBytes {
				return "", fmt.Errorf("pptx: slide %d holds more than %s of text, the limit for one slide: %w", i+1, formatSize(maxPageBytes), ErrTooLarge)
			}
		}
		if err := emit(Page{Number: i + 1, Text: text}); err != nil {
			return "", err
		}
	}
	return title, nil
}

// drawingText reads the DrawingML text of a slide or notes part: each
// paragraph (a:p) on its own line, each shape's text body a paragraph.
// Slide-number and date fields are left out.
func drawingText(z *zipDoc, part string) (string, error) {
	rc, err := z.open(part)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var (
		out    strings.Builder
		body   []string // paragraphs of the current text body
		held   int      // bytes in body
		para   strings.Builder
		inText bool
		skip   int
		inCell int // inside a:tc
		row    int // row index within the current table
		col    int // cell index within the current row
	)
	write := func(sep, s string) {
		if s == "" {
			return
		}
		if out.Len() > 0 {
			out.WriteString(sep)
		}
		out.WriteString(s)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", xmlError(part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			if t.Name.Space == nsMC && t.Name.Local == "Fallback" {
				skip = 1
				continue
			}
			if !isA(t.Name.Space) {
				continue
			}
			switch t.Name.Local {
			case "fld":
				if isAutoField(t) {
					skip = 1
				}
			case "t":
				inText = true
			case "br":
				para.WriteByte('\n')
			case "tbl":
				row = 0
			case "tr":
				col = 0
			case "tc":
				inCell++
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if !isA(t.Name.Space) && t.Name.Local != "txBody" { // p:txBody in shapes, a:txBody in cells
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if s := strings.TrimSpace(para.String()); s != "" {
					body = append(body, s)
					held += len(s) + 1
				}
				para.Reset()
			case "txBody":
				if inCell == 0 {
					write("\n\n", strings.Join(body, "\n"))
					body = nil
				}
			case "tc":
				inCell = max(0, inCell-1)
				cellText := strings.Join(body, " ")
				body = nil
				switch {
				case col > 0:
					out.WriteString("\t")
					out.WriteString(cellText)
				case row > 0:
					out.WriteString("\n")
					out.WriteString(cellText)
				default:
					if out.Len() > 0 {
						out.WriteString("\n\n")
					}
					out.WriteString(cellText)
				}
				col++
			case "tr":
				row++
			}
		case xml.CharData:
			if inText && skip == 0 {
				para.Write(t)
			}
		}
		if len(body) == 0 {
			held = 0
		}
		if out.Len()+held+para.Len() > maxPageBytes {
			return "", fmt.Errorf("%s holds more than %s of text, the limit for one slide: %w", part, formatSize(maxPageBytes), ErrTooLarge)
		}
	}
	write("\n\n", strings.Join(body, "\n"))
	return out.String(), nil
}

// isAutoField reports whether a DrawingML field is filled in by the
// application (slide number, date), which is noise for search.
func isAutoField(t xml.StartElement) bool {
	for _, a := range t.Attr {
		if a.Name.Local == "type" {
			return a.Value == "slidenum" || strings.HasPrefix(a.Value, "datetime")
		}
	}
	return false
}
