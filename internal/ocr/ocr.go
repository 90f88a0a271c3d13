// Package ocr recognises text in images of pages: scanned PDF pages and
// image files (PNG, JPEG, TIFF), in Japanese (horizontal and vertical),
// Korean and English. It owns the OCR engine, Tesseract, and the PDF page
// renderer, Poppler's pdftoppm, and runs both as programs.
//
// Why the programs and not a Go binding: the Go bindings of Tesseract
// (gosseract) need cgo and Tesseract's headers at build time, and a crash
// inside Tesseract or Leptonica (they are C and C++ parsing arbitrary
// images) would take Kura's process down with it. A program crashes alone,
// is killed when the job is cancelled, and is found at run time, so a Kura
// binary without it still works and says what to install. The cost, a
// process per page, is small next to the seconds recognition takes.
//
// How a page is read: pdftoppm renders it in grey at about 300 dpi (the
// long side scaled to 3508 pixels, A4 at 300 dpi, which bounds memory on
// poster-sized pages); Tesseract's orientation and script detection (OSD)
// tells the script, which picks the language models (recognising with all
// four costs three times as long as with the right one or two); then
// Tesseract recognises the page with automatic page segmentation, which
// finds vertical Japanese columns when jpn_vert is loaded beside jpn. A page
// OSD finds turned is recognised with OSD on, so it is read upright. A
// reading whose words Tesseract is not confident of is tried again with all
// languages and other page segmentations, and the most confident kept
// (Engine.recognise).
//
// Concurrency: an Engine is safe for concurrent use and runs at most
// Options.Parallel recognitions at once (each Tesseract limited to one
// thread), so the files of a job and the pages of a file share the cores.
// Every program is killed when the context ends.
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrMissing means the OCR engine, the PDF renderer or needed language
// data is not installed. The error is a *MissingError, whose Fix says how
// to install them on this operating system.
var ErrMissing = errors.New("OCR engine not installed")

// MissingError names what is missing and how to install it.
type MissingError struct {
	Missing []string // "tesseract", "pdftoppm", "Japanese language data (jpn)", ...
	Fix     string   // one line: the command or download for this OS
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("OCR needs %s, which %s not installed; %s", strings.Join(e.Missing, ", "), isAre(len(e.Missing)), e.Fix)
}

func (e *MissingError) Is(target error) bool { return target == ErrMissing }

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// Fix is how to install everything OCR needs on goos ("linux", "darwin",
// "windows"), in one line.
func Fix(goos string) string {
	switch goos {
	case "darwin":
		return "install it with Homebrew: brew install tesseract tesseract-lang poppler"
	case "windows":
		return "install Tesseract with its Japanese, Japanese vertical and Korean data (winget install UB-Mannheim.TesseractOCR, " +
			"ticking those languages in the installer) and Poppler (winget install oschwartz10612.Poppler), then restart Kura"
	}
	return "install it with: sudo apt install tesseract-ocr tesseract-ocr-jpn tesseract-ocr-jpn-vert tesseract-ocr-kor poppler-utils " +
		"(Debian, Ubuntu) or sudo dnf install tesseract tesseract-langpack-jpn tesseract-langpack-jpn_vert tesseract-langpack-kor poppler-utils (Fedora)"
}

// Languages Kura recognises: Tesseract's names. jpn_vert is optional:
// without it vertical Japanese is read less well, everything else works.
var (
	requiredLangs = []string{"jpn", "kor", "eng"}
	optionalLangs = []string{"jpn_vert", "osd"}
	langNames     = map[string]string{"jpn": "Japanese", "kor": "Korean", "eng": "English"}
)

// Options configure New. The zero value finds the programs on PATH (and in
// their usual install folders) and uses every core.
type Options struct {
	Tesseract string // program name or path; default "tesseract"
	Pdftoppm  string // default "pdftoppm"
	Parallel  int    // recognitions at once; default runtime.NumCPU()
	// PageTimeout bounds the work on one page; default 3 minutes.
	PageTimeout time.Duration
}

// Engine runs OCR. Build it with New.
type Engine struct {
	tesseract, pdftoppm string
	version             string
	langs               map[string]bool
	sem                 chan struct{}
	pageTimeout         time.Duration
}

// New finds the OCR programs and language data. It fails with a
// *MissingError (errors.Is(err, ErrMissing)) when something is not
// installed; it takes a few tens of milliseconds (it runs Tesseract to list
// its languages), so callers can look again later, when the user may have
// installed it.
func New(ctx context.Context, o Options) (*Engine, error) {
	if o.Tesseract == "" {
		o.Tesseract = "tesseract"
	}
	if o.Pdftoppm == "" {
		o.Pdftoppm = "pdftoppm"
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.NumCPU()
	}
	if o.PageTimeout <= 0 {
		o.PageTimeout = 3 * time.Minute
	}
	e := &Engine{sem: make(chan struct{}, o.Parallel), pageTimeout: o.PageTimeout, langs: map[string]bool{}}
	var missing []string
	var err error
	if e.tesseract, err = findProgram(o.Tesseract); err != nil {
		missing = append(missing, "Tesseract (tesseract)")
	}
	if e.pdftoppm, err = findProgram(o.Pdftoppm); err != nil {
		missing = append(missing, "Poppler's pdftoppm")
	}
	if e.tesseract != "" {
		if e.version, err = e.tesseractVersion(ctx); err != nil {
			return nil, fmt.Errorf("ocr: %s does not run: %w", e.tesseract, err)
		}
		have, err := e.listLangs(ctx)
		if err != nil {
			return nil, fmt.Errorf("ocr: %s --list-langs: %w", e.tesseract, err)
		}
		for _, l := range requiredLangs {
			if !have[l] {
				missing = append(missing, fmt.Sprintf("Tesseract's %s data (%s)", langNames[l], l))
			}
			e.langs[l] = true
		}
		for _, l := range optionalLangs {
			e.langs[l] = have[l]
		}
	}
	if len(missing) > 0 {
		return nil, &MissingError{Missing: missing, Fix: Fix(runtime.GOOS)}
	}
	return e, nil
}

// findProgram looks for name on PATH and then where installers put it
// (a desktop app started from the Finder or the Start menu does not get
// the shell's PATH).
func findProgram(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if filepath.IsAbs(name) {
		return "", fmt.Errorf("%s: not found", name)
	}
	var dirs []string
	switch runtime.GOOS {
	case "darwin":
		dirs = []string{"/opt/homebrew/bin", "/usr/local/bin", "/opt/local/bin"}
	case "windows":
		pf := os.Getenv("ProgramFiles")
		dirs = []string{filepath.Join(pf, "Tesseract-OCR"), filepath.Join(os.Getenv("LOCALAPPDATA"), "Programs", "Tesseract-OCR")}
		if m, _ := filepath.Glob(filepath.Join(pf, "poppler*", "Library", "bin")); len(m) > 0 {
			dirs = append(dirs, m...)
		}
		name += ".exe"
	default:
		dirs = []string{"/usr/local/bin", "/usr/bin"}
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found", name)
}

func (e *Engine) tesseractVersion(ctx context.Context) (string, error) {
	out, err := e.run(ctx, e.tesseract, "--version")
	if err != nil {
		return "", err
	}
	// "tesseract 5.3.0\n leptonica-1.82.0 ..."
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(strings.TrimPrefix(first, "tesseract")), nil
}

func (e *Engine) listLangs(ctx context.Context) (map[string]bool, error) {
	out, err := e.run(ctx, e.tesseract, "--list-langs")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.Contains(l, " ") {
			have[l] = true
		}
	}
	return have, nil
}

// Parallel is the number of recognitions the engine runs at once.
func (e *Engine) Parallel() int { return cap(e.sem) }

// ID names the engine, its version, languages and the way pages are read:
// what a cached result depends on. A change of any of them reads pages
// again.
func (e *Engine) ID() string {
	var langs []string
	for l, ok := range e.langs {
		if ok {
			langs = append(langs, l)
		}
	}
	slices.Sort(langs)
	return fmt.Sprintf("tesseract %s [%s] osd-langs psm3-conf75-6-4 gray 3508px v2", e.version, strings.Join(langs, "+"))
}

// PDFPage recognises page n (1-based) of the PDF at path.
func (e *Engine) PDFPage(ctx context.Context, path string, n int) (string, error) {
	if err := e.acquire(ctx); err != nil {
		return "", err
	}
	defer e.release()
	ctx, cancel := context.WithTimeout(ctx, e.pageTimeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "kura-ocr-")
	if err != nil {
		return "", fmt.Errorf("ocr: %w", err)
	}
	defer os.RemoveAll(dir)
	page := fmt.Sprint(n)
	prefix := filepath.Join(dir, "page")
	if _, err := e.run(ctx, e.pdftoppm, "-f", page, "-l", page, "-singlefile", "-gray", "-png",
		"-scale-to", "3508", path, prefix); err != nil {
		return "", fmt.Errorf("ocr: render page %d: %w", n, e.timeout(ctx, err))
	}
	texts, err := e.recognise(ctx, prefix+".png")
	if err != nil {
		return "", fmt.Errorf("ocr: page %d: %w", n, err)
	}
	return strings.Join(texts, "\n\n"), nil
}

// Image recognises an image file: one text per page (a TIFF may hold
// several; PNG and JPEG hold one).
func (e *Engine) Image(ctx context.Context, path string) ([]string, error) {
	if err := e.acquire(ctx); err != nil {
		return nil, err
	}
	defer e.release()
	ctx, cancel := context.WithTimeout(ctx, e.pageTimeout)
	defer cancel()
	texts, err := e.recognise(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("ocr: %w", err)
	}
	return texts, nil
}

func (e *Engine) acquire(ctx context.Context) error {
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) release() { <-e.sem }

// recognise runs OSD, then recognition with the languages of the script
// found, and returns the text of each page of the image.
//
// Tesseract's own guesses sometimes misread a plainly printed page: OSD
// called a 150 dpi scan of the corpus' Korean report "Latin" (script
// confidence 0.01), and English read it as "SEAAS WAS SEM"; automatic page
// segmentation (psm 3) loses lines that a single block (psm 6) or a column
// of lines (psm 4) reads. So each reading is measured by the mean confidence
// Tesseract gives its words (its TSV output, written by the same run as the
// text), and a reading below GoodConfidence is tried again with every
// language, then as one block, then as lines, keeping the most confident;
// the tries stop at the first good one, after MaxTries, or when the page's
// time is up (the best reading so far is kept).
func (e *Engine) recognise(ctx context.Context, img string) ([]string, error) {
	langs, psm := e.allLangs(), "3"
	if e.langs["osd"] {
		if script, rotate, ok := e.detect(ctx, img); ok {
			langs = e.langsFor(script)
			if rotate != 0 {
				psm = "1" // recognise with OSD, which turns the page upright
			}
		} else if ctx.Err() != nil {
			return nil, e.timeout(ctx, ctx.Err())
		}
	}
	dir, err := os.MkdirTemp("", "kura-ocr-")
	if err != nil {
		return nil, fmt.Errorf("ocr: %w", err)
	}
	defer os.RemoveAll(dir)
	best, err := e.read(ctx, img, dir, langs, psm)
	if err != nil {
		return nil, e.timeout(ctx, err)
	}
	tries := []struct{ langs, psm string }{{e.allLangs(), psm}}
	if psm == "3" {
		tries = append(tries, struct{ langs, psm string }{"", "6"}, struct{ langs, psm string }{"", "4"})
	}
	// A page without a word (a photo, a blank) has nothing to read better.
	for i := 0; i < len(tries) && i < MaxTries-1 && best.conf < GoodConfidence && best.words > 0; i++ {
		t := tries[i]
		if t.langs == "" {
			t.langs = best.langs
		}
		if t.langs == best.langs && t.psm == best.psm {
			continue
		}
		r, err := e.read(ctx, img, dir, t.langs, t.psm)
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			break // out of time: the best reading so far
		}
		if err != nil {
			return nil, e.timeout(ctx, err)
		}
		if r.conf > best.conf {
			best = r
		}
	}
	return best.pages, nil
}

// GoodConfidence is the mean word confidence (0-100, Tesseract's) at which a
// reading is kept without trying another segmentation: clean print reads at
// 85-92, a misread script or layout at 40-60.
const GoodConfidence = 75

// MaxTries bounds the recognitions of one image (see recognise).
const MaxTries = 4

// reading is one recognition of an image: its pages' text, and the mean
// confidence of its words.
type reading struct {
	pages      []string
	conf       float64
	words      int
	langs, psm string
}

// read recognises img with langs and page segmentation psm, writing the text
// and the words' confidences (TSV) in one run.
func (e *Engine) read(ctx context.Context, img, dir, langs, psm string) (reading, error) {
	base := filepath.Join(dir, "out")
	if _, err := e.run(ctx, e.tesseract, img, base, "-l", langs, "--psm", psm, "txt", "tsv"); err != nil {
		return reading{}, err
	}
	txt, err := readLimited(base+".txt", maxOutput)
	if err != nil {
		return reading{}, err
	}
	tsv, err := readLimited(base+".tsv", 8*maxOutput)
	if err != nil {
		return reading{}, err
	}
	r := reading{langs: langs, psm: psm}
	r.conf, r.words = MeanConfidence(tsv)
	for _, p := range strings.Split(string(txt), "\f") {
		r.pages = append(r.pages, Clean(p))
	}
	// Tesseract ends every page with a form feed: drop the empty tail.
	if len(r.pages) > 1 && r.pages[len(r.pages)-1] == "" {
		r.pages = r.pages[:len(r.pages)-1]
	}
	return r, nil
}

// readLimited reads a file Tesseract wrote, refusing one past max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ocr: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("ocr: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("ocr: tesseract wrote more than %d bytes", max)
	}
	return b, nil
}

// MeanConfidence is the mean confidence of the words in Tesseract's TSV
// output, each weighted by its length in characters (a page of confident
// one-letter noise should not outweigh its sentences), and the number of
// words; 0 without words.
func MeanConfidence(tsv []byte) (conf float64, words int) {
	var sum, n float64
	for i, line := range strings.Split(string(tsv), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 12 || f[0] != "5" {
			continue // the header, and rows of blocks, paragraphs, lines
		}
		c, err := strconv.ParseFloat(f[10], 64)
		word := strings.TrimSpace(f[11])
		if err != nil || c < 0 || word == "" {
			continue
		}
		w := float64(utf8.RuneCountInString(word))
		sum += c * w
		n += w
		words++
	}
	if n == 0 {
		return 0, 0
	}
	return sum / n, words
}

// detect runs Tesseract's orientation and script detection. ok is false
// when it cannot tell (a page with little text).
func (e *Engine) detect(ctx context.Context, img string) (script string, rotate int, ok bool) {
	out, err := e.run(ctx, e.tesseract, img, "stdout", "--psm", "0")
	if err != nil {
		return "", 0, false
	}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, found := strings.Cut(l, ":")
		if !found {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Script":
			script = v
		case "Rotate":
			fmt.Sscan(v, &rotate)
		}
	}
	return script, rotate, script != ""
}

// langsFor picks the language models for a script OSD reported.
func (e *Engine) langsFor(script string) string {
	var l []string
	switch script {
	case "Japanese", "Han", "Katakana", "Hiragana":
		l = []string{"jpn", "jpn_vert", "eng"}
	case "Hangul", "Korean":
		l = []string{"kor", "eng"}
	case "Latin":
		l = []string{"eng"}
	default:
		return e.allLangs()
	}
	return e.join(l)
}

func (e *Engine) allLangs() string { return e.join([]string{"jpn", "jpn_vert", "kor", "eng"}) }

// join lists the installed ones of l, Tesseract style.
func (e *Engine) join(l []string) string {
	var have []string
	for _, x := range l {
		if e.langs[x] {
			have = append(have, x)
		}
	}
	return strings.Join(have, "+")
}

// maxOutput bounds what a program may print: a page of text is a few KB.
const maxOutput = 4 << 20

// run runs a program with the context, one thread for Tesseract's OpenMP,
// and returns its output. The program is killed when ctx ends.
func (e *Engine) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxOutput, 64<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := lastLine(stderr.String())
		if msg == "" {
			return nil, fmt.Errorf("%s: %w", filepath.Base(prog), err)
		}
		return nil, fmt.Errorf("%s: %w: %s", filepath.Base(prog), err, msg)
	}
	if stdout.over {
		return nil, fmt.Errorf("%s: more than %d bytes of output", filepath.Base(prog), maxOutput)
	}
	return stdout.Bytes(), nil
}

// timeout words a page that ran out of time.
func (e *Engine) timeout(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("gave up after %s on one page: %w", e.pageTimeout, err)
	}
	return err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room < len(p) {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

var _ io.Writer = (*limitedBuffer)(nil)

// Clean tidies Tesseract's text: spaces it puts between Chinese or
// Japanese characters are removed (those scripts do not space words),
// trailing spaces and runs of blank lines go. Line breaks stay: joining
// wrapped lines is the caller's (package extract's JoinWrappedLines).
func Clean(s string) string {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	blank := 0
	for _, l := range lines {
		l = strings.TrimRightFunc(despaceCJ(l), unicode.IsSpace)
		if strings.TrimSpace(l) == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			if blank > 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteString("\n")
			}
		}
		blank = 0
		b.WriteString(l)
	}
	return b.String()
}

// despaceCJ removes spaces between two Chinese or Japanese characters.
func despaceCJ(l string) string {
	r := []rune(l)
	out := r[:0]
	for i := 0; i < len(r); i++ {
		if r[i] == ' ' && len(out) > 0 && isCJ(out[len(out)-1]) {
			j := i
			for j < len(r) && r[j] == ' ' {
				j++
			}
			if j < len(r) && isCJ(r[j]) {
				i = j - 1
				continue
			}
		}
		out = append(out, r[i])
	}
	return string(out)
}

func isCJ(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF || r == 'ー'
}
