package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/kura-app/kura/internal/ingest"
)

// progressPrinter draws ingest progress on stderr: redrawn in place on a
// terminal, one line per second otherwise.
type progressPrinter struct {
	w     io.Writer
	tty   bool
	last  time.Time
	drawn bool
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, tty: isTerminal(w)}
}

func (p *progressPrinter) print(pr ingest.Progress) error {
	if !p.tty && time.Since(p.last) < time.Second && pr.Phase != ingest.PhaseDone {
		return nil
	}
	if pr.Phase == ingest.PhaseDone {
		return nil // the summary follows
	}
	p.last = time.Now()
	var line string
	switch pr.Phase {
	case ingest.PhaseScan:
		line = "scanning…"
	case ingest.PhaseEmbed:
		line = fmt.Sprintf("embedding %d/%d chunks  elapsed %s%s", pr.VectorsDone, pr.VectorsTotal, dur(pr.Elapsed), eta(pr.ETA))
	default:
		pct := 100
		if pr.FilesTotal > 0 {
			pct = pr.FilesDone * 100 / pr.FilesTotal
		}
		ocr := ""
		if pr.OCRPagesTotal > 0 {
			ocr = fmt.Sprintf("  OCR %d/%d pages", pr.OCRPagesDone, pr.OCRPagesTotal)
		}
		line = fmt.Sprintf("%d/%d files (%d%%)  %d chunks  %d failed%s  elapsed %s%s  %s", pr.FilesDone, pr.FilesTotal, pct, pr.Chunks, pr.Failed, ocr, dur(pr.Elapsed), eta(pr.ETA), filepath.Base(pr.Current))
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", truncate(line, 120))
		p.drawn = true
	} else {
		fmt.Fprintln(p.w, line)
	}
	return nil
}

func (p *progressPrinter) done() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func dur(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }

func eta(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return "  ETA " + d.Round(time.Second).String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
