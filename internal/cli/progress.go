package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/pathtext"
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
	return &progressPrinter{w: w, tty: IsTerminal(w)}
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
		what := "embedding"
		if pr.Rebuild {
			what = "building vectors for " + pr.EmbedModel
		}
		line = fmt.Sprintf("keyword search ready · %s %d/%d passages%s  elapsed %s%s", what, pr.VectorsDone, pr.VectorsTotal,
			rate(pr.Rate, "passages"), dur(pr.Elapsed), eta(pr.ETA))
	default:
		ocr := ""
		if pr.OCRPagesTotal > 0 {
			ocr = fmt.Sprintf("  OCR %d/%d pages", pr.OCRPagesDone, pr.OCRPagesTotal)
		}
		line = fmt.Sprintf("reading %d/%d files%s  %d passages  %d failed%s  elapsed %s%s  %s", pr.FilesDone, pr.FilesTotal,
			rate(pr.Rate, "files"), pr.Chunks, pr.Failed, ocr, dur(pr.Elapsed), eta(pr.ETA), pathtext.Display(filepath.Base(pr.Current)))
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

// rate shows a measured rate ("  2.1 passages/s"), nothing before it is
// measured.
func rate(r float64, unit string) string {
	if r <= 0 {
		return ""
	}
	if r < 10 {
		return fmt.Sprintf("  %.1f %s/s", r, unit)
	}
	return fmt.Sprintf("  %.0f %s/s", r, unit)
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
