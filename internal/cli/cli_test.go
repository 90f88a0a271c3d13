package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kura-app/kura/internal/answer"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/corpustest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/pathtext"
	"github.com/kura-app/kura/internal/retrieve"
	"github.com/kura-app/kura/internal/store"
	"golang.org/x/text/width"
)

// testOpener wires the engine as main.go does, minus the model runtime:
// the Ollama URL points at a closed port, so everything runs lexically.
func testOpener(ctx context.Context, c Common, _ io.Writer) (*library.Library, func(), error) {
	cfg, err := config.Load(c.Data)
	if err != nil {
		return nil, nil, err
	}
	url := c.Ollama
	if url == "" {
		url = "http://127.0.0.1:1"
	}
	client, err := llm.New(url)
	if err != nil {
		return nil, nil, err
	}
	lib, err := library.Open(ctx, c.Data, cfg, client)
	if err != nil {
		return nil, nil, err
	}
	return lib, func() { lib.Close() }, nil
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &App{Open: testOpener, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	code = a.Run(context.Background(), args)
	return code, out.String(), errb.String()
}

func corpus(t *testing.T) (data, docs string) {
	t.Helper()
	data, docs = t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(docs, "ja.txt"), []byte("生成AIの誤差範囲は±4.7%でした。\n\n回答者は316人です。"), 0o644)
	os.WriteFile(filepath.Join(docs, "en.md"), []byte("# Tickets\n\nTicket ABC-1234 was closed on Monday."), 0o644)
	return data, docs
}

func TestIngestThenSearchPrintsTheDocumentedJSON(t *testing.T) {
	data, docs := corpus(t)
	if code, _, errs := run(t, "ingest", docs, "--data", data); code != ExitOK {
		t.Fatalf("ingest exit %d: %s", code, errs)
	}
	code, out, errs := run(t, "search", "--data", data, "--json", "abc-1234")
	if code != ExitOK {
		t.Fatalf("search exit %d: %s", code, errs)
	}
	var got struct {
		Mode    string `json:"mode"`
		Results []struct {
			Path    string   `json:"path"`
			Page    *int     `json:"page"`
			EndPage *int     `json:"end_page"`
			Text    string   `json:"text"`
			Score   *float64 `json:"score"`
			Start   *int     `json:"start"`
			End     *int     `json:"end"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("search --json is not one JSON object: %v\n%s", err, out)
	}
	if got.Mode != "lexical" || len(got.Results) == 0 {
		t.Fatalf("got %+v", got)
	}
	r := got.Results[0]
	if r.Path != filepath.Join(docs, "en.md") || r.Page != nil || r.Score == nil || r.Start == nil || r.End == nil || !strings.Contains(r.Text, "ABC-1234") {
		t.Fatalf("first result %+v", r)
	}
	if !strings.Contains(out, `"page": null`) || !strings.Contains(out, `"end_page": null`) || r.EndPage != nil {
		t.Fatal("page and end_page must be null for formats without pages")
	}
}

func TestIngestExitsNonZeroWhenAFileFails(t *testing.T) {
	data, docs := corpus(t)
	os.WriteFile(filepath.Join(docs, "broken.pdf"), []byte("not a pdf"), 0o644)
	code, out, errs := run(t, "ingest", docs, "--data", data, "--json")
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d", code, ExitFailure)
	}
	var sum struct {
		Added  int `json:"added"`
		Failed []struct{ Path, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Added != 2 || len(sum.Failed) != 1 || !strings.HasSuffix(sum.Failed[0].Path, "broken.pdf") {
		t.Fatalf("summary %s (%v), stderr %s", out, err, errs)
	}
}

func TestRemovedDocumentsAreNoLongerFound(t *testing.T) {
	data, docs := corpus(t)
	run(t, "ingest", docs, "--data", data)
	if code, _, errs := run(t, "rm", "--data", data, filepath.Join(docs, "ja.txt")); code != ExitOK {
		t.Fatalf("rm exit %d: %s", code, errs)
	}
	_, out, _ := run(t, "search", "--data", data, "誤差")
	if !strings.Contains(out, "No matching passages") {
		t.Fatalf("search after rm: %s", out)
	}
	_, out, _ = run(t, "docs", "--data", data, "--json")
	if strings.Contains(out, "ja.txt") || !strings.Contains(out, "en.md") {
		t.Fatalf("docs after rm: %s", out)
	}
	if code, _, errs := run(t, "rm", "--data", data, filepath.Join(docs, "ja.txt")); code != ExitFailure || !strings.Contains(errs, "does not exist") {
		t.Fatalf("second rm: exit %d, %s", code, errs)
	}
}

func TestAskWithoutARuntimeSaysWhatIsWrong(t *testing.T) {
	data, docs := corpus(t)
	run(t, "ingest", docs, "--data", data)
	code, _, errs := run(t, "ask", "--data", data, "誤差は？")
	if code != ExitFailure || !strings.Contains(errs, "not reachable") || !strings.Contains(errs, "127.0.0.1:1") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no command prints usage and fails", nil, ExitUsage},
		{"help succeeds", []string{"help"}, ExitOK},
		{"an unknown command is a usage error", []string{"frobnicate"}, ExitUsage},
		{"search without a query is a usage error", []string{"search"}, ExitUsage},
		{"an unknown flag is a usage error", []string{"docs", "--nope"}, ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, _ := run(t, tt.args...); code != tt.code {
				t.Fatalf("exit %d, want %d", code, tt.code)
			}
		})
	}
}

func TestNamesThatAreNotUTF8OrHoldANewlineRoundTripThroughTheCLI(t *testing.T) {
	data, docs := t.TempDir(), t.TempDir()
	latin1 := filepath.Join(docs, "caf\xe9.txt")
	newline := filepath.Join(docs, "two\nlines.txt")
	for _, p := range []string{latin1, newline} {
		if err := os.WriteFile(p, []byte("The margin of error was three percent."), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := run(t, "ingest", docs, "--data", data); code != ExitOK {
		t.Fatalf("ingest exit %d: %s", code, errs)
	}
	code, out, _ := run(t, "docs", "--data", data)
	if code != ExitOK {
		t.Fatalf("docs exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(out, `caf\xe9.txt"`) || !strings.Contains(out, `two\nlines.txt"`) {
		t.Fatalf("kura docs printed %d lines, want one per document with the odd names quoted:\n%s", len(lines), out)
	}
	_, out, _ = run(t, "docs", "--data", data, "--json")
	var list []struct{ Path string }
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 {
		t.Fatalf("docs --json %s (%v)", out, err)
	}
	got := map[string]bool{}
	for _, d := range list {
		got[pathtext.Decode(d.Path)] = true
	}
	if !got[latin1] || !got[newline] {
		t.Fatalf("decoded JSON paths %v, want %q and %q exactly", got, latin1, newline)
	}
	if code, _, errs := run(t, "rm", "--data", data, latin1); code != ExitOK {
		t.Fatalf("rm of the Latin-1 name: exit %d: %s", code, errs)
	}
}

// Asked for help, every command prints its usage on stdout and exits 0;
// `kura models -h` lists every subcommand.
// The unit Kura searches and quotes is a passage, in the CLI as in the
// window: never "chunk" in what a user reads.
func TestTheCLINamesTheUnitItSearchesAPassage(t *testing.T) {
	data, docs := corpus(t)
	run(t, "ingest", docs, "--data", data)
	var all strings.Builder
	for _, args := range [][]string{{"collections"}, {"docs"}, {"search", "誤差"}} {
		code, out, errs := run(t, append(args, "--data", data)...)
		if code != ExitOK {
			t.Fatalf("kura %v: exit %d, %s", args, code, errs)
		}
		all.WriteString(out + errs)
	}
	a := &App{Open: testOpener}
	for name := range a.commands() {
		_, out, _ := run(t, name, "-h")
		all.WriteString(out)
	}
	for _, line := range strings.Split(all.String(), "\n") {
		// The flag -chunks of kura bench keeps its name.
		if l := strings.ToLower(strings.ReplaceAll(line, "-chunks", "")); strings.Contains(l, "chunk") {
			t.Errorf("the CLI says chunk: %q", line)
		}
	}
	if !strings.Contains(all.String(), "passages") {
		t.Errorf("kura collections and docs do not count passages:\n%s", all.String())
	}
}

func TestHelpOfEveryCommandExitsZero(t *testing.T) {
	a := &App{Open: testOpener}
	for name := range a.commands() {
		for _, flag := range []string{"-h", "--help"} {
			t.Run(name+" "+flag, func(t *testing.T) {
				code, out, errs := run(t, name, flag)
				if code != ExitOK || !strings.Contains(strings.ToLower(out), "usage") || !strings.Contains(out, name) {
					t.Fatalf("kura %s %s: exit %d, stdout %q, stderr %q; want 0 and the usage on stdout", name, flag, code, out, errs)
				}
			})
		}
	}
	code, out, _ := run(t, "models", "-h")
	for _, sub := range []string{"list", "pull", "import", "use", "rm"} {
		if !strings.Contains(out, "kura models "+sub) && !(sub == "list" && strings.Contains(out, "kura models [list]")) {
			t.Errorf("kura models -h (exit %d) does not list %q:\n%s", code, sub, out)
		}
	}
	for _, sub := range []string{"import", "use", "pull", "rm", "list"} {
		if code, out, _ := run(t, "models", sub, "-h"); code != ExitOK || !strings.Contains(out, "kura models "+sub) {
			t.Errorf("kura models %s -h: exit %d, %q", sub, code, out)
		}
	}
}

// Arguments that are missing or wrong get one line saying what is wrong
// before the usage, and exit 2.
func TestBadUsageSaysWhatIsWrong(t *testing.T) {
	data := t.TempDir()
	gguf := filepath.Join(t.TempDir(), "x.gguf")
	os.WriteFile(gguf, []byte("GGUF"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"models", "import"}, "kura models import: give a .gguf file, or a folder of them"},
		{[]string{"models", "import", "/nonexistent/x.gguf"}, "no such file or folder"},
		{[]string{"models", "import", filepath.Dir(gguf), "--name", "x"}, "a folder's models are named after their files"},
		{[]string{"models", "import", "/a.gguf", "/b.gguf"}, "give one file or folder"},
		{[]string{"models", "use", "chat"}, "give the role (chat or embed) and an installed model's name"},
		{[]string{"models", "use", "answers-and-more", "x"}, `the role is chat`},
		{[]string{"models", "use", "chat", "x", "--collection", "notes"}, "--collection chooses a collection's embedding model"},
		{[]string{"models", "pull"}, "give one model name"},
		{[]string{"models", "rm"}, "give the names of the models to remove"},
		{[]string{"ask", "--data", data}, "kura ask: give a question"},
		{[]string{"search", "--data", data}, "kura search: give something to search for"},
		{[]string{"ingest", "--data", data}, "kura ingest: give the files or folders to index"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errs := run(t, tc.args...)
			if code != ExitUsage || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "Usage:") {
				t.Fatalf("exit %d, stderr %q; want 2, %q and the usage", code, errs, tc.want)
			}
		})
	}
}

// A file that cannot be read is listed with what to do about it.
func TestAFileThatCannotBeReadSaysWhatToDo(t *testing.T) {
	locked := corpustest.Path(t, "hard/user_password.pdf")
	code, _, errs := run(t, "ingest", "--data", t.TempDir(), "--no-embed", locked)
	if code != ExitFailure || !strings.Contains(errs, "needs a password") || !strings.Contains(errs, "save a copy without the password") {
		t.Fatalf("exit %d, stderr %q; want 1 and the remedy for a password-protected PDF", code, errs)
	}
}

func TestChatHandlesItsSlashCommandsWithoutAskingTheModel(t *testing.T) {
	data := t.TempDir()
	var out, errb bytes.Buffer
	a := &App{Open: testOpener, Stdin: strings.NewReader("/help\n/frobnicate\n/new\n/quit\nnever asked\n"), Stdout: &out, Stderr: &errb}
	code := a.Run(context.Background(), []string{"chat", "--data", data})
	if code != ExitOK {
		t.Fatalf("exit %d, want 0 after /quit; stderr %s", code, errb.String())
	}
	// Nothing reached the model: a question here would fail (no runtime,
	// no collection) with a "kura:" line.
	if errb.Len() > 0 {
		t.Fatalf("stderr %q, want nothing: a command was sent as a question", errb.String())
	}
	for _, want := range []string{"/new    start a new conversation", "/frobnicate is not a command of kura chat (nothing was asked)", "(a new conversation"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
}

func TestChatTellsCommandsFromQuestions(t *testing.T) {
	for line, want := range map[string]bool{
		"/help": true, "/HELP": true, "/x": true, "/?": true,
		"/etc/hosts とは？": false, "/usr/share/doc": false, "what does /help do": false, "/help me please": false,
	} {
		if _, got := chatCommand(line); got != want {
			t.Errorf("chatCommand(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestAskAndSearchInANewDataFolderSayHowToAddDocuments(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{{"search", "誤差"}, {"ask", "誤差は？"}} {
		code, _, errs := run(t, append(args, "--data", data)...)
		if code != ExitFailure || !strings.Contains(errs, "nothing is indexed in this data folder yet; add documents with: kura ingest FOLDER") {
			t.Errorf("%s in a new data folder: exit %d, stderr %q, want how to add documents", args[0], code, errs)
		}
	}
	code, _, errs := run(t, "search", "--data", data, "--collection", "規程", "誤差")
	if code != ExitFailure || !strings.Contains(errs, "kura ingest --collection 規程 FOLDER") {
		t.Errorf("search in a missing collection: exit %d, stderr %q", code, errs)
	}
}

func TestTheSourcesOfAnAnswerQuoteTheirSentence(t *testing.T) {
	lib, closeFn, err := testOpener(context.Background(), Common{Data: t.TempDir()}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	long := strings.Repeat("調査の回答者は316人で、誤差範囲は±4.7%でした。", 10)
	src := func(n int, path string, page int, text string) answer.Source {
		return answer.Source{N: n, Passage: retrieve.Passage{Chunk: store.Chunk{Path: path, Page: page, Start: 613, End: 670, Text: text}}}
	}
	ac := library.AskContext{
		Search: retrieve.Result{Passages: []retrieve.Passage{{}}},
		Prepared: answer.Prepared{Sources: []answer.Source{
			src(1, "/docs/report.pdf", 3, "The margin of error\nwas ±4.7%."),
			src(2, "/docs/調査.pdf", 12, long),
		}},
		Model: "qwen3:1.7b",
	}
	var out bytes.Buffer
	a := &App{Stdout: &out, Stderr: io.Discard}
	a.printSources(lib, ac)
	got := out.String()
	if strings.Contains(got, "chars 613-670") {
		t.Errorf("sources print offsets instead of the quote:\n%s", got)
	}
	if !strings.Contains(got, "[1] /docs/report.pdf, p. 3\n      “The margin of error was ±4.7%.”\n") {
		t.Errorf("source 1 lacks its page and quote on one line:\n%s", got)
	}
	var quote string
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "      “調査") {
			quote = l
		}
	}
	cols := 0
	for _, r := range strings.TrimSpace(quote) {
		cols++
		if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
			cols++
		}
	}
	if !strings.HasSuffix(quote, "…”") || cols > quoteColumns+2 || cols < quoteColumns-2 {
		t.Errorf("a long quote is %d columns, want it cut to %d columns with …:\n%s", cols, quoteColumns, quote)
	}
}

func TestTruncateCountsColumnsAndKeepsWordsWhole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"the quick brown fox jumps", 20, "the quick brown fox…"},
		{"abcdefghijklmnopqrstuvwxyz", 10, "abcdefghi…"},
		{"日本語の文章です", 9, "日本語の…"},
		{"日本語", 6, "日本語"},
	} {
		if got := truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
