package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/pathtext"
	"golang.org/x/text/width"
)

// statusLine is a line of progress: redrawn in place on a terminal, printed
// as a new line otherwise (its users print those once a second).
type statusLine struct {
	w     io.Writer
	tty   bool
	last  time.Time // when a line was last drawn
	drawn bool      // a line is drawn in place and not ended yet
}

func newStatusLine(w io.Writer) statusLine { return statusLine{w: w, tty: IsTerminal(w)} }

func (l *statusLine) draw(line string) {
	if l.tty {
		fmt.Fprintf(l.w, "\r\033[K%s", truncate(line, 120))
		l.drawn = true
	} else {
		fmt.Fprintln(l.w, line)
	}
}

// done ends a line drawn in place, so that what follows starts on its own.
func (l *statusLine) done() {
	if l.drawn {
		fmt.Fprintln(l.w)
		l.drawn = false
	}
}

// progressPrinter draws ingest progress on stderr: redrawn in place on a
// terminal, one line per second otherwise.
type progressPrinter struct{ statusLine }

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{newStatusLine(w)}
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
	p.draw(line)
	return nil
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

// truncate shortens s to at most n terminal columns (a CJK character takes
// two), ending it with "…" when it was cut, at a space near the end where
// there is one so that a word is not split.
func truncate(s string, n int) string {
	cols := 0
	cut, space, spaceCol := -1, -1, 0
	for i, r := range s {
		w := 1
		if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
			w = 2
		}
		if cols+w > n-1 && cut < 0 {
			cut = i // where "…" goes if s turns out too long
		}
		if cols+w > n {
			atWord := s[cut] == ' ' || (cut > 0 && s[cut-1] == ' ')
			if !atWord && space > 0 && n-1-spaceCol <= n/5 {
				cut = space
			}
			return strings.TrimRight(s[:cut], " ") + "…"
		}
		if r == ' ' && cut < 0 {
			space, spaceCol = i, cols
		}
		cols += w
	}
	return s
}
