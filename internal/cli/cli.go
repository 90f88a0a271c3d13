// Package cli is Kura's terminal interface: one function per subcommand,
// each parsing its own flags (flags follow the subcommand), calling the
// engine (package library) and printing for people or, with --json, for
// programs. It owns no logic of its own beyond formatting.
//
// Exit status: 0 success; 1 failure, including an ingest where any file
// failed; 2 bad usage; 130 interrupted (Ctrl-C).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
)

// Exit statuses.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// Common are the flags every subcommand that opens a library takes.
type Common struct {
	Data       string // --data, default $KURA_DATA or the per-user data folder
	Collection string // --collection, default "default"
	Ollama     string // --ollama, default from the config, $OLLAMA_HOST, or the local default
	JSON       bool   // --json
	// NoRuntime is set by commands that never talk to the model runtime,
	// so that no bundled runtime is started for them.
	NoRuntime bool
	// NoVectors is set by commands that never search (pack export and
	// import), so that the vectors are not loaded into memory for them.
	NoVectors bool
}

// Opener builds the engine for a subcommand; main.go provides it (it is the
// composition root). The returned close function releases everything
// (including a bundled runtime it may have started).
type Opener func(ctx context.Context, c Common, stderr io.Writer) (*library.Library, func(), error)

// App runs subcommands.
type App struct {
	Open   Opener
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Runtime describes the model runtime the last Open settled on, for
	// `kura runtime`; main.go provides it with Open. Nil means unknown.
	Runtime func() RuntimeInfo
	// Version is Kura's version, printed by `kura version` and `kura
	// --version`; main.go provides it (from the VERSION file).
	Version string
	// Extra are subcommands that need more than a library, provided by
	// main.go (the composition root): `app` (the desktop window) and
	// `serve` (the app for a browser). The rest are commands() here.
	Extra map[string]Command
}

// Command is a subcommand: it gets its arguments (after the name) and
// returns an exit status.
type Command struct {
	Summary string
	Run     func(a *App, ctx context.Context, args []string) int
}

func (a *App) commands() map[string]Command {
	cmds := map[string]Command{
		"ingest":      {"index files and folders into a collection", (*App).ingest},
		"search":      {"print the passages that best match a query", (*App).search},
		"ask":         {"answer a question from your documents, with sources", (*App).ask},
		"mcp":         {"serve a collection to other local tools (Model Context Protocol on stdio, read-only)", (*App).mcp},
		"eval":        {"measure search and quotes on your own questions (JSON Lines)", (*App).eval},
		"chat":        {"interactive questions and answers over a collection", (*App).chat},
		"collections": {"list collections", (*App).collections},
		"docs":        {"list the documents of a collection", (*App).docs},
		"rm":          {"remove documents from the index (files are not touched)", (*App).rm},
		"reindex":     {"fill in missing vectors (after a model change) or re-read all documents", (*App).reindex},
		"watch":       {"index folders, then apply their changes as they happen, until Ctrl-C", (*App).watch},
		"bench":       {"measure index open and query speed on a synthetic index", (*App).bench},
		"models":      {"list, pull, import (GGUF files, or a folder of them), choose and remove models", (*App).models},
		"runtime":     {"show the model runtime in use and the models it has loaded", (*App).runtime},
		"pack":        {"export a collection as a sealed knowledge pack, or import one", (*App).pack},
		"backup":      {"write one file with the library and settings, while Kura may run", (*App).backup},
		"restore":     {"put a backup into an empty data folder", (*App).restore},
		"version":     {"print Kura's version and where its data lives", (*App).version},
	}
	for k, v := range a.Extra {
		cmds[k] = v
	}
	return cmds
}

// Run runs the subcommand in args[0] and returns the exit status.
func (a *App) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		a.usage(a.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		// One line, as programs and package tests expect of --version;
		// `kura version` says where the data lives too.
		fmt.Fprintf(a.Stdout, "kura %s\n", a.Version)
		return ExitOK
	}
	cmd, ok := a.commands()[args[0]]
	if !ok {
		fmt.Fprintf(a.Stderr, "kura: unknown command %q\n\n", args[0])
		a.usage(a.Stderr)
		return ExitUsage
	}
	return cmd.Run(a, ctx, args[1:])
}

func (a *App) usage(w io.Writer) {
	fmt.Fprintln(w, "Kura: ask your documents, offline.\n\nUsage: kura COMMAND [flags] [args]\n\nCommands:")
	cmds := a.commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].Summary)
	}
	fmt.Fprintln(w, "\nCommon flags (after the command): --data DIR, --collection NAME, --ollama URL, --json.\nRun `kura COMMAND -h` for a command's flags.")
}

// flags returns a flag set with the common flags bound to c.
func (a *App) flags(name, usage string, c *Common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.StringVar(&c.Data, "data", "", "data folder (default $KURA_DATA or the per-user data folder)")
	fs.StringVar(&c.Collection, "collection", DefaultCollection, "collection name")
	fs.StringVar(&c.Ollama, "ollama", "", "Ollama URL (default from settings, $OLLAMA_HOST, or http://127.0.0.1:11434)")
	fs.BoolVar(&c.JSON, "json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: kura %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args allowing flags after positional arguments too
// ("kura ingest ./docs --collection x"). Asked for help (-h, --help), it
// prints the usage on stdout and returns flag.ErrHelp (see usageExit).
func (a *App) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	for _, arg := range args {
		if arg == "--" {
			break
		}
		if arg == "-h" || arg == "-help" || arg == "--help" {
			fs.SetOutput(a.Stdout)
			fs.Usage()
			return nil, flag.ErrHelp
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageExit is the exit status when parse failed: 0 when the user asked
// for help (the usage is printed), 2 for a bad flag (flag printed why).
func usageExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	return ExitUsage
}

// usageError says in one line what is wrong with a command's arguments,
// then prints its usage; it returns the exit status for bad usage.
func (a *App) usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(a.Stderr, "kura %s: %s\n\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.SetOutput(a.Stderr)
	fs.Usage()
	return ExitUsage
}

// fail prints err for a user and returns the matching exit status.
func (a *App) fail(err error) int {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(a.Stderr, "kura: stopped")
		return ExitInterrupted
	}
	fmt.Fprintf(a.Stderr, "kura: %s\n", Message(err))
	return ExitFailure
}

// DefaultCollection is the collection commands use without --collection.
const DefaultCollection = "default"

// missingCollection finds the name in the store's error for a collection
// that does not exist.
var missingCollection = regexp.MustCompile(`collection "([^"]*)": not found$`)

// Message turns an error into words for a user of the terminal: what went
// wrong and, where there is one, the command that sets it right.
func Message(err error) string {
	var mm *llm.ModelMissingError
	var down *llm.UnreachableError
	switch {
	case errors.As(err, &mm):
		return fmt.Sprintf("%s; get it with: kura models pull %s (offline: kura models import FILE.gguf --name %s)", err.Error(), mm.Model, mm.Model)
	case errors.As(err, &down):
		return err.Error() + " (start it, or set another URL with --ollama)"
	case errors.Is(err, llm.ErrUnreachable):
		return err.Error()
	case library.IsNotFound(err):
		msg := strings.TrimSuffix(err.Error(), ": not found") + " does not exist"
		if m := missingCollection.FindStringSubmatch(err.Error()); m != nil {
			if m[1] == DefaultCollection {
				return msg + ": nothing is indexed in this data folder yet; add documents with: kura ingest FOLDER"
			}
			return msg + fmt.Sprintf("; add documents to it with: kura ingest --collection %s FOLDER (kura collections lists the others)", m[1])
		}
		return msg
	}
	return err.Error()
}

func (a *App) open(ctx context.Context, c Common) (*library.Library, func(), bool) {
	lib, closeFn, err := a.Open(ctx, c, a.Stderr)
	if err != nil {
		a.fail(err)
		return nil, nil, false
	}
	return lib, closeFn, true
}

// IsTerminal reports whether w is a terminal (progress is redrawn in place
// on a terminal and printed as lines otherwise).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
