package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/pathtext"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/verify"
)

func (a *App) ingest(ctx context.Context, args []string) int {
	var c Common
	var force, lexical bool
	fs := a.flags("ingest", "PATH...", &c)
	fs.BoolVar(&force, "force", false, "re-read files even when unchanged")
	fs.BoolVar(&lexical, "no-embed", false, "index for keyword search only")
	paths, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(paths) == 0 {
		return a.usageError(fs, "give the files or folders to index")
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	pr := newProgressPrinter(a.Stderr)
	sum, err := lib.Ingest(ctx, c.Collection, paths, library.IngestOptions{Force: force, NoEmbedding: lexical}, pr.print)
	pr.done()
	return a.summary(c, sum, err)
}

func (a *App) reindex(ctx context.Context, args []string) int {
	var c Common
	var force bool
	fs := a.flags("reindex", "", &c)
	fs.BoolVar(&force, "force", false, "re-read every document (after a passage size change)")
	if _, err := a.parse(fs, args); err != nil {
		return usageExit(err)
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	pr := newProgressPrinter(a.Stderr)
	sum, err := lib.Reindex(ctx, c.Collection, force, pr.print)
	pr.done()
	return a.summary(c, sum, err)
}

// summary prints an ingest summary and returns the exit status: failure
// when the job failed or any file did.
func (a *App) summary(c Common, sum ingest.Summary, err error) int {
	if c.JSON {
		type failure struct {
			Path   string `json:"path"`
			Reason string `json:"reason"`
		}
		out := struct {
			Added     int       `json:"added"`
			Updated   int       `json:"updated"`
			Unchanged int       `json:"unchanged"`
			Removed   int       `json:"removed"`
			Failed    []failure `json:"failed"`
			Chunks    int       `json:"chunks"`
			Vectors   int       `json:"vectors"`
			Missing   int       `json:"vectors_missing"`
			Lexical   bool      `json:"lexical_only"`
			Warnings  []string  `json:"warnings"`
			Seconds   float64   `json:"seconds"`
			Keyword   float64   `json:"keyword_ready_seconds"`
			Canceled  bool      `json:"canceled"`
			Error     string    `json:"error,omitempty"`
		}{Added: sum.Added, Updated: sum.Updated, Unchanged: sum.Unchanged, Removed: sum.Removed, Chunks: sum.Chunks,
			Vectors: sum.Vectors, Missing: sum.VectorsMissing, Lexical: sum.Lexical, Warnings: sum.Warnings, Seconds: sum.Elapsed.Seconds(),
			Keyword: sum.KeywordReady.Seconds(), Canceled: sum.Canceled, Failed: []failure{}}
		for _, f := range sum.Failed {
			out.Failed = append(out.Failed, failure{pathtext.Encode(f.Path), f.Reason})
		}
		if err != nil {
			out.Error = Message(err)
		}
		writeJSON(a.Stdout, out)
	} else {
		w := a.Stderr
		fmt.Fprintf(w, "added %d, updated %d, unchanged %d, removed %d, failed %d; %d passages, %d vectors in %s",
			sum.Added, sum.Updated, sum.Unchanged, sum.Removed, len(sum.Failed), sum.Chunks, sum.Vectors, sum.Elapsed.Round(time.Millisecond))
		if sum.KeywordReady > 0 && sum.KeywordReady < sum.Elapsed {
			fmt.Fprintf(w, " (keyword search ready after %s)", sum.KeywordReady.Round(time.Millisecond))
		}
		fmt.Fprintln(w)
		if sum.VectorsMissing > 0 {
			fmt.Fprintf(w, "  %d passages still need vectors: keyword search covers them now; the next `kura ingest` or `kura reindex`, or the app while it runs, adds their vectors\n", sum.VectorsMissing)
		}
		for _, f := range sum.Failed {
			fmt.Fprintf(w, "  failed: %s: %s%s\n", pathtext.Display(f.Path), f.Reason, remedy(ingest.FailureKind(f.Reason)))
		}
		for _, wn := range sum.Warnings {
			fmt.Fprintf(w, "  note: %s\n", wn)
		}
		if sum.EmbedErr != nil {
			fmt.Fprintf(w, "  note: %s\n", Message(sum.EmbedErr))
		}
	}
	switch {
	case err != nil:
		return a.fail(err)
	case len(sum.Failed) > 0:
		return ExitFailure
	}
	return ExitOK
}

// SearchJSON is the shape of `kura search --json`.
type SearchJSON struct {
	Mode    string        `json:"mode"`
	Warning string        `json:"warning,omitempty"`
	Results []PassageJSON `json:"results"`
}

// PassageJSON is one search result. Page is the page the passage starts
// on (null for formats without pages) and EndPage the page it ends on: the
// same page, or a later one for a sentence cut by a page break. Start is an
// offset into Page's text, End into EndPage's. OCR is true when the
// passage's text was recognised from a scan.
type PassageJSON struct {
	Path    string  `json:"path"`
	Page    *int    `json:"page"`
	EndPage *int    `json:"end_page"`
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
	Start   int     `json:"start"`
	End     int     `json:"end"`
	OCR     bool    `json:"ocr"`
}

func passageJSON(p retrieve.Passage) PassageJSON {
	var page, end *int
	if p.Page > 0 {
		n, e := p.Page, max(p.EndPage, p.Page)
		page, end = &n, &e
	}
	return PassageJSON{Path: pathtext.Encode(p.Path), Page: page, EndPage: end, Text: p.Text, Score: p.Score, Start: p.Start, End: p.End, OCR: p.OCR}
}

func (a *App) search(ctx context.Context, args []string) int {
	var c Common
	var k int
	var within pathList
	fs := a.flags("search", "QUERY", &c)
	fs.IntVar(&k, "k", 0, "number of passages (default from settings)")
	fs.Var(&within, "in", "search only this document or folder (repeat for more)")
	rest, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	query := strings.TrimSpace(strings.Join(rest, " "))
	if query == "" {
		return a.usageError(fs, "give something to search for")
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	res, err := lib.Search(ctx, c.Collection, query, library.SearchOptions{K: k, Within: within})
	if err != nil {
		return a.fail(err)
	}
	if c.JSON {
		out := SearchJSON{Mode: res.Mode, Warning: res.Warning, Results: []PassageJSON{}}
		for _, p := range res.Passages {
			out.Results = append(out.Results, passageJSON(p))
		}
		writeJSON(a.Stdout, out)
		return ExitOK
	}
	if res.Warning != "" {
		fmt.Fprintf(a.Stderr, "note: %s\n", res.Warning)
	}
	if len(res.Passages) == 0 {
		fmt.Fprintln(a.Stdout, "No matching passages.")
		return ExitOK
	}
	for i, p := range res.Passages {
		fmt.Fprintf(a.Stdout, "[%d] %s  (score %.4f, chars %d-%d, %s%s)\n%s\n\n", i+1, where(p.Path, p.Page, p.EndPage), p.Score, p.Start, p.End, res.Mode, ocrNote(p.OCR), indent(p.Text))
	}
	return ExitOK
}

// morePassages is "1 more passage" or "N more passages".
func morePassages(n int) string {
	if n == 1 {
		return "1 more passage"
	}
	return fmt.Sprintf("%d more passages", n)
}

// remedy says what to do about a file that could not be read, by the kind
// of its failure ("" when there is nothing to say).
func remedy(kind string) string {
	switch kind {
	case ingest.KindEncrypted:
		return " (save a copy without the password, for a PDF by printing it to a new PDF, and index that)"
	case ingest.KindNoText:
		return " (it holds no text to search, and no scanned page to read)"
	case ingest.KindTooLarge:
		return " (split it into smaller files)"
	case ingest.KindCorrupt:
		return " (open it in its application and save it again)"
	case ingest.KindPermission:
		return " (check the file's permissions)"
	case ingest.KindMissing:
		return " (remove it with `kura rm`, or put it back)"
	case ingest.KindTimeout:
		return " (try again, or split it)"
	case ingest.KindDamaged:
		return " (the other pages are searchable)"
	}
	return ""
}

// where names a passage's place for a terminal: the path (quoted when it
// would not print as one line, see pathtext.Display) and its page ("p. 3",
// "pp. 11–12" for a passage across a page break), or its section for the
// long texts of formats without pages.
func where(path string, page, endPage int) string {
	if page > 0 {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".txt", ".md", ".markdown", ".csv", ".html", ".htm", ".docx", ".epub":
			return fmt.Sprintf("%s, section %d", pathtext.Display(path), page)
		}
		if endPage > page {
			return fmt.Sprintf("%s, pp. %d–%d", pathtext.Display(path), page, endPage)
		}
		return fmt.Sprintf("%s, p. %d", pathtext.Display(path), page)
	}
	return pathtext.Display(path)
}

// quoteColumns is how wide a quote in the list of an answer's sources may
// be: one line of a terminal, beside its indent.
const quoteColumns = 100

// quoteLine is a quote on one line in quotation marks, shortened to
// quoteColumns: the evidence a reader checks at a glance (the whole quote
// is in --json and --context-only).
func quoteLine(text string) string {
	return "“" + truncate(strings.Join(strings.Fields(text), " "), quoteColumns) + "”"
}

// parenthesized is " (note)" for a note that starts with ", ", or "".
func parenthesized(note string) string {
	if note == "" {
		return ""
	}
	return " (" + strings.TrimPrefix(note, ", ") + ")"
}

func ocrNote(ocr bool) string {
	if ocr {
		return ", text recognised by OCR"
	}
	return ""
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

func (a *App) ask(ctx context.Context, args []string) int {
	var c Common
	var within pathList
	fs := a.flags("ask", "QUESTION", &c)
	contextOnly := fs.Bool("context-only", false, "print what the model would be given (passages quoted, prompt size) without asking it")
	fs.Var(&within, "in", "answer only from this document or folder (repeat for more)")
	budget := fs.Int("budget", 0, "with --context-only: new prompt tokens the quotes may take (default: from the model's measured reading speed)")
	rest, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	q := strings.TrimSpace(strings.Join(rest, " "))
	if q == "" {
		return a.usageError(fs, "give a question")
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	if *budget < 0 || (*budget > 0 && !*contextOnly) {
		return a.usageError(fs, "--budget is a positive number of tokens, with --context-only")
	}
	if *contextOnly {
		return a.contextOnly(ctx, lib, c, q, *budget, within)
	}
	_, code := a.answer(ctx, lib, c, q, nil, within...)
	return code
}

// pathList is a repeatable flag of paths, made absolute.
type pathList []string

func (p *pathList) String() string { return strings.Join(*p, ", ") }

func (p *pathList) Set(v string) error {
	abs, err := filepath.Abs(v)
	if err != nil {
		return err
	}
	*p = append(*p, abs)
	return nil
}

// ContextJSON is the shape of `kura ask --context-only --json`: exactly the
// quotes the model would read (offsets into their page's text) and the
// estimated size of the whole prompt.
type ContextJSON struct {
	Passages     []ContextPassageJSON `json:"passages"`
	PromptTokens int                  `json:"prompt_tokens"`
}

// ContextPassageJSON is one quote given to the model.
type ContextPassageJSON struct {
	Path  string `json:"path"`
	Page  *int   `json:"page"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

func (a *App) contextOnly(ctx context.Context, lib *library.Library, c Common, q string, budget int, within []string) int {
	ac, err := lib.ContextWithin(ctx, c.Collection, q, budget, within...)
	if err != nil {
		return a.fail(err)
	}
	out := ContextJSON{Passages: []ContextPassageJSON{}, PromptTokens: ac.Prepared.PromptTokens}
	for _, s := range ac.Prepared.Sources {
		p := passageJSON(s.Passage)
		out.Passages = append(out.Passages, ContextPassageJSON{Path: p.Path, Page: p.Page, Start: p.Start, End: p.End, Text: p.Text})
	}
	if c.JSON {
		writeJSON(a.Stdout, out)
		return ExitOK
	}
	if ac.Search.Warning != "" {
		fmt.Fprintf(a.Stderr, "note: %s\n", ac.Search.Warning)
	}
	for _, s := range ac.Prepared.Sources {
		fmt.Fprintf(a.Stdout, "[%d] %s (chars %d-%d%s)\n%s\n\n", s.N, where(s.Path, s.Page, s.EndPage), s.Start, s.End, ocrNote(s.OCR), indent(s.Text))
	}
	fmt.Fprintf(a.Stdout, "prompt: about %d tokens (%d quotes", out.PromptTokens, len(ac.Prepared.Sources))
	if ac.Prepared.Dropped > 0 {
		fmt.Fprintf(a.Stdout, "; %s found, left out to start the answer within %s", morePassages(ac.Prepared.Dropped), lib.Config().FirstTokenTarget())
	}
	fmt.Fprintln(a.Stdout, ")")
	return ExitOK
}

// AnswerJSON is the shape of `kura ask --json`.
type AnswerJSON struct {
	Answer   string       `json:"answer"`
	Language string       `json:"language"`
	Mode     string       `json:"mode"`
	Model    string       `json:"model"`
	NumCtx   int          `json:"num_ctx"`
	Dropped  int          `json:"dropped_passages"`
	Sources  []SourceJSON `json:"sources"`
	// Sentences are the answer's sentences, each judged against the quotes
	// (verdict supported, partly, unsupported, or "" when too short to
	// judge); Supported of Judged were found in the sources.
	Sentences []verify.Sentence `json:"sentences"`
	Judged    int               `json:"judged"`
	Supported int               `json:"supported"`
}

// SourceJSON is a numbered passage given to the model.
type SourceJSON struct {
	N     int  `json:"n"`
	Cited bool `json:"cited"`
	PassageJSON
}

func (a *App) answer(ctx context.Context, lib *library.Library, c Common, q string, history []answer.Turn, within ...string) (library.AskResult, int) {
	ev := library.AskEvents{
		Sources: func(ac library.AskContext) error { a.printSources(lib, ac); return nil },
		Token:   func(t string) error { _, err := io.WriteString(a.Stdout, t); return err },
	}
	if c.JSON {
		ev = library.AskEvents{}
	}
	res, err := lib.Ask(ctx, c.Collection, q, history, ev, within...)
	if c.JSON && err == nil {
		out := AnswerJSON{Answer: res.Text, Language: res.Language, Mode: res.Search.Mode, Model: res.Model, NumCtx: res.NumCtx, Dropped: res.Dropped, Sources: []SourceJSON{},
			Sentences: res.Check.Sentences, Judged: res.Check.Judged, Supported: res.Check.Supported}
		if out.Sentences == nil {
			out.Sentences = []verify.Sentence{}
		}
		for _, s := range res.Sources {
			out.Sources = append(out.Sources, SourceJSON{N: s.N, Cited: s.Cited, PassageJSON: passageJSON(s.Passage)})
		}
		writeJSON(a.Stdout, out)
		return res, ExitOK
	}
	fmt.Fprintln(a.Stdout)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(a.Stderr, "(stopped)")
			return res, ExitInterrupted
		}
		return res, a.fail(err)
	}
	var cited []string
	for _, s := range res.Sources {
		if s.Cited {
			cited = append(cited, fmt.Sprintf("[%d]", s.N))
		}
	}
	if len(cited) > 0 {
		fmt.Fprintf(a.Stdout, "\ncited: %s\n", strings.Join(cited, " "))
	}
	printCheck(a.Stdout, res.Check)
	return res, ExitOK
}

// printCheck prints how many of the answer's sentences were found in the
// sources, and each one that was not, with the quote closest to it.
func printCheck(w io.Writer, r verify.Report) {
	if r.Judged == 0 {
		return
	}
	fmt.Fprintf(w, "%d of %d sentences found in the sources\n", r.Supported, r.Judged)
	for _, s := range r.Sentences {
		var notes []string
		switch s.Verdict {
		case verify.Unsupported:
			notes = append(notes, "not found in the sources")
		case verify.Partly:
			notes = append(notes, "partly found in the sources")
		}
		if len(s.NumbersMissing) > 0 {
			notes = append(notes, "no source says "+strings.Join(s.NumbersMissing, ", "))
		}
		for _, n := range s.Missing {
			notes = append(notes, fmt.Sprintf("cites [%d], which it was not given", n))
		}
		if s.Suggest > 0 {
			notes = append(notes, fmt.Sprintf("the source is [%d]", s.Suggest))
		} else if s.Verdict != verify.Supported && len(s.Quotes) > 0 {
			notes = append(notes, fmt.Sprintf("closest: [%d]", s.Quotes[0]))
		}
		if len(notes) == 0 {
			continue
		}
		fmt.Fprintf(w, "  ? %s\n    (%s)\n", truncate(strings.Join(strings.Fields(s.Text), " "), 100), strings.Join(notes, "; "))
	}
}

// printSources shows what the model is about to read, before the first
// token: on a laptop the model may read for many seconds, and the passages
// are the evidence a user checks anyway.
func (a *App) printSources(lib *library.Library, ac library.AskContext) {
	w := a.Stdout
	if ac.Search.Warning != "" {
		fmt.Fprintf(a.Stderr, "note: %s\n", ac.Search.Warning)
	}
	p := ac.Prepared
	if len(ac.Search.Passages) == 0 {
		return
	}
	fmt.Fprintln(w, "Sources:")
	for _, s := range p.Sources {
		fmt.Fprintf(w, "  [%d] %s%s\n      %s\n", s.N, where(s.Path, s.Page, s.EndPage), parenthesized(ocrNote(s.OCR)), quoteLine(s.Text))
	}
	if p.Dropped > 0 {
		fmt.Fprintf(w, "  (%s found, left out so the answer starts within about %s)\n", morePassages(p.Dropped), lib.Config().FirstTokenTarget())
	}
	quotes := "quotes"
	if len(p.Sources) == 1 {
		quotes = "quote"
	}
	line := fmt.Sprintf("reading %d %s, about %d new tokens", len(p.Sources), quotes, p.FreshTokens)
	if rate := lib.ReadingRate(context.Background(), ac.Model); rate > 0 {
		line += fmt.Sprintf(", about %s at %.0f tokens/s", (time.Duration(float64(p.FreshTokens) / rate * float64(time.Second))).Round(time.Second), rate)
	}
	fmt.Fprintf(a.Stderr, "(%s %s)\n", ac.Model, line)
	fmt.Fprintln(w)
}

// HandlesInterrupt reports whether the command in args handles Ctrl-C
// itself (main then leaves SIGINT to it): in `kura chat` Ctrl-C stops the
// answer being written, and ends the session only at the prompt.
func HandlesInterrupt(args []string) bool { return len(args) > 0 && args[0] == "chat" }

func (a *App) chat(ctx context.Context, args []string) int {
	var c Common
	fs := a.flags("chat", "", &c)
	if _, err := a.parse(fs, args); err != nil {
		return usageExit(err)
	}
	c.JSON = false
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	lines := make(chan string)
	go func() {
		in := bufio.NewScanner(a.Stdin)
		in.Buffer(make([]byte, 64<<10), 1<<20)
		for in.Scan() {
			lines <- in.Text()
		}
		close(lines)
	}()
	fmt.Fprintf(a.Stdout, "Kura chat over collection %q. Ask a question; /help lists the commands, /quit or Ctrl-D leaves, Ctrl-C stops an answer (at the prompt it leaves).\n", c.Collection)
	// Load the model and let it read the system prompt while the first
	// question is typed.
	go lib.Preload(ctx)
	var history []answer.Turn
	for {
		fmt.Fprint(a.Stdout, "\n> ")
		var q string
		select {
		case line, ok := <-lines:
			if !ok {
				fmt.Fprintln(a.Stdout)
				return ExitOK
			}
			q = strings.TrimSpace(line)
		case <-sig:
			fmt.Fprintln(a.Stdout)
			return ExitInterrupted
		case <-ctx.Done():
			fmt.Fprintln(a.Stdout)
			return ExitInterrupted
		}
		if q == "" {
			continue
		}
		if cmd, ok := chatCommand(q); ok {
			switch cmd {
			case "/quit", "/exit":
				return ExitOK
			case "/new", "/clear":
				history = nil
				fmt.Fprintln(a.Stdout, "(a new conversation: the earlier questions are forgotten)")
			case "/help", "/?":
				fmt.Fprint(a.Stdout, chatHelp)
			default:
				fmt.Fprintf(a.Stdout, "%s is not a command of kura chat (nothing was asked); /help lists them.\n", cmd)
			}
			continue
		}
		actx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			select {
			case <-sig:
				stop()
			case <-done:
			}
		}()
		res, code := a.answer(actx, lib, c, q, history)
		close(done)
		stop()
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		if code == ExitOK && res.Text != "" && !res.NoPassages {
			history = append(history, answer.Turn{Question: q, Answer: res.Text, Sources: res.Sources})
		}
	}
}

// chatHelp lists the commands of kura chat.
const chatHelp = `Commands (anything else is a question):
  /help   this list
  /new    start a new conversation: forget the earlier questions (also /clear)
  /quit   leave (also /exit, or Ctrl-D)
Ctrl-C stops an answer being written; at the prompt it leaves.
`

// chatCommand reports whether a line of kura chat is a command, handled
// here and never sent to the model: a slash and one word ("/help"), not a
// question that starts with a path ("/etc/hosts とは？").
func chatCommand(line string) (string, bool) {
	if !strings.HasPrefix(line, "/") || strings.ContainsAny(line, " \t") || strings.Count(line, "/") > 1 {
		return "", false
	}
	return strings.ToLower(line), true
}

func (a *App) collections(ctx context.Context, args []string) int {
	var c Common
	c.NoRuntime = true
	fs := a.flags("collections", "", &c)
	if _, err := a.parse(fs, args); err != nil {
		return usageExit(err)
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	cols, err := lib.Collections(ctx)
	if err != nil {
		return a.fail(err)
	}
	if c.JSON {
		type col struct {
			Name       string `json:"name"`
			Documents  int    `json:"documents"`
			Chunks     int    `json:"chunks"`
			Vectors    int    `json:"vectors"`
			EmbedModel string `json:"embed_model"`
			// Building is the model whose vectors are being built to
			// replace EmbedModel's, and how many it has.
			Building        string `json:"building,omitempty"`
			BuildingVectors int    `json:"building_vectors,omitempty"`
		}
		out := []col{}
		for _, x := range cols {
			out = append(out, col{x.Name, x.Documents, x.Chunks, x.Vectors, x.EmbedModel, x.Building.Model, x.Building.Vectors})
		}
		writeJSON(a.Stdout, out)
		return ExitOK
	}
	if len(cols) == 0 {
		fmt.Fprintln(a.Stdout, "No collections yet: add documents with `kura ingest PATH`.")
	}
	for _, x := range cols {
		model := x.EmbedModel
		if model == "" {
			model = "no vectors"
		}
		fmt.Fprintf(a.Stdout, "%-20s %5d documents %7d passages %7d vectors (%s)\n", x.Name, x.Documents, x.Chunks, x.Vectors, model)
		if x.Building.ID != 0 {
			fmt.Fprintf(a.Stdout, "%-20s %5s %7d of %d vectors of %s built; they replace the above when complete\n", "", "", x.Building.Vectors, x.Chunks, x.Building.Model)
		}
	}
	return ExitOK
}

func (a *App) docs(ctx context.Context, args []string) int {
	var c Common
	c.NoRuntime = true
	fs := a.flags("docs", "", &c)
	if _, err := a.parse(fs, args); err != nil {
		return usageExit(err)
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	docs, err := lib.Documents(ctx, c.Collection)
	if err != nil {
		return a.fail(err)
	}
	if c.JSON {
		type doc struct {
			Path   string `json:"path"`
			Status string `json:"status"`
			Chunks int    `json:"chunks"`
			Pages  int    `json:"pages"`
			Error  string `json:"error,omitempty"`
		}
		out := []doc{}
		for _, d := range docs {
			out = append(out, doc{pathtext.Encode(d.Path), d.Status, d.Chunks, d.Pages, d.Error})
		}
		writeJSON(a.Stdout, out)
		return ExitOK
	}
	for _, d := range docs {
		line := fmt.Sprintf("%-8s %5d passages  %s", d.Status, d.Chunks, pathtext.Display(d.Path))
		if d.Error != "" {
			line += "  (" + d.Error + ")"
		}
		fmt.Fprintln(a.Stdout, line)
	}
	return ExitOK
}

func (a *App) rm(ctx context.Context, args []string) int {
	var c Common
	c.NoRuntime = true
	fs := a.flags("rm", "PATH...", &c)
	paths, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(paths) == 0 {
		return a.usageError(fs, "give the documents to remove")
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	code := ExitOK
	for _, p := range paths {
		if err := lib.Remove(ctx, c.Collection, p); err != nil {
			code = a.fail(err)
			continue
		}
		fmt.Fprintf(a.Stderr, "removed %s\n", pathtext.Display(p))
	}
	return code
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
