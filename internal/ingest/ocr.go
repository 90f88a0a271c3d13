package ingest

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/kura-app/kura/internal/extract"
	"github.com/kura-app/kura/internal/ocr"
)

// OCR is the engine that reads scanned pages and images. Engine is nil when
// none is installed; Missing then says what is missing and how to install
// it (an *ocr.MissingError), and scans are stored as waiting for OCR, to be
// read by the first job that has an engine.
type OCR struct {
	Engine  *ocr.Engine
	Missing error
}

// ocrResult is what OCR made of a file's scanned pages.
type ocrResult struct {
	pages   []int  // pages whose text now comes from OCR
	pending []int  // scanned pages left for later: no engine
	notes   string // one line for the user: pages waiting, pages that failed
	failed  error  // the first page that failed, when none was read
}

// recognise reads the scanned pages of doc (see extract.Document.Scanned)
// with the OCR engine, from the cache where a page was read before, and
// puts their text into doc.Pages. Each page is cached as soon as it is
// read, so a stopped job keeps its work. Only a cancelled job or an
// unwritable index return an error.
func (j *Job) recognise(ctx context.Context, path, hash string, doc *extract.Document) (ocrResult, error) {
	var res ocrResult
	if len(doc.Scanned) == 0 {
		return res, nil
	}
	eng := j.OCR.Engine
	if eng == nil {
		res.pending = slices.Clone(doc.Scanned)
		what := "the file is an image"
		if !doc.Image {
			what = fmt.Sprintf("%s %s scanned", extract.PagesWord(res.pending), isAre(len(res.pending)))
		}
		res.notes = fmt.Sprintf("needs OCR (%s): %s", what, reason(j.missingOCR()))
		return res, nil
	}
	id := eng.ID()
	texts := map[int]string{}
	var failures []string
	var firstErr error

	if doc.Image {
		cached, ok, err := j.Store.OCRText(ctx, hash, 0, id)
		if err != nil {
			return res, err
		}
		j.addOCRPages(1, 0)
		if err := j.report(true); err != nil {
			return res, err
		}
		var pages []string
		if ok {
			pages = strings.Split(cached, "\f")
		} else {
			if pages, err = eng.Image(ctx, path); err != nil {
				if ctx.Err() != nil {
					return res, ctx.Err()
				}
				j.addOCRPages(0, 1)
				res.failed = err
				res.notes = "OCR failed: " + reason(err)
				return res, nil
			}
			if err := j.Store.PutOCRText(ctx, hash, 0, id, strings.Join(pages, "\f")); err != nil {
				return res, err
			}
		}
		j.addOCRPages(0, 1)
		for i, t := range pages {
			texts[i+1] = t
		}
	} else {
		type page struct {
			n    int
			text string
			err  error
		}
		out := make([]page, len(doc.Scanned))
		j.addOCRPages(len(doc.Scanned), 0)
		if err := j.report(true); err != nil {
			return res, err
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(eng.Parallel())
		for i, n := range doc.Scanned {
			g.Go(func() error {
				text, ok, err := j.Store.OCRText(gctx, hash, n, id)
				if err != nil {
					return err
				}
				if !ok {
					text, err = eng.PDFPage(gctx, path, n)
					if gctx.Err() != nil {
						return gctx.Err()
					}
					if err != nil {
						out[i] = page{n: n, err: err}
						j.addOCRPages(0, 1)
						return j.report(false)
					}
					if err := j.Store.PutOCRText(gctx, hash, n, id, text); err != nil {
						return err
					}
				}
				out[i] = page{n: n, text: text}
				j.addOCRPages(0, 1)
				return j.report(false)
			})
		}
		if err := g.Wait(); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			return res, err
		}
		var failedPages []int
		for _, p := range out {
			if p.err != nil {
				failedPages = append(failedPages, p.n)
				if firstErr == nil {
					firstErr = p.err
				}
				continue
			}
			texts[p.n] = p.text
		}
		if len(failedPages) > 0 {
			failures = append(failures, fmt.Sprintf("OCR failed on %s: %s", extract.PagesWord(failedPages), reason(firstErr)))
		}
	}

	// Merge: OCR text replaces a scanned page's stamp, or adds the page.
	byNumber := map[int]int{}
	for i, p := range doc.Pages {
		byNumber[p.Number] = i
	}
	for n, t := range texts {
		t = extract.JoinWrappedLines(t)
		if strings.TrimSpace(t) == "" {
			continue
		}
		if i, ok := byNumber[n]; ok {
			doc.Pages[i].Text = t
		} else {
			doc.Pages = append(doc.Pages, extract.Page{Number: n, Text: t})
		}
		res.pages = append(res.pages, n)
	}
	slices.SortFunc(doc.Pages, func(a, b extract.Page) int { return a.Number - b.Number })
	slices.Sort(res.pages)
	res.notes = strings.Join(failures, "; ")
	if len(res.pages) == 0 && firstErr != nil {
		res.failed = firstErr
	}
	return res, nil
}

// missingOCR is why there is no engine, for a user.
func (j *Job) missingOCR() error {
	if j.OCR.Missing != nil {
		return j.OCR.Missing
	}
	return &ocr.MissingError{Missing: []string{"an OCR engine"}, Fix: ocr.Fix(runtime.GOOS)}
}

// ocrReady reports whether scans can be read now.
func (j *Job) ocrReady() bool { return j.OCR.Engine != nil }

// addOCRPages counts scanned pages found and read, for progress.
func (j *Job) addOCRPages(total, done int) {
	j.mu.Lock()
	j.prog.OCRPagesTotal += total
	j.prog.OCRPagesDone += done
	j.mu.Unlock()
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// joinNotes joins the non-empty notes with "; ".
func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "; ")
}
