// Command kura is Kura's composition root: it reads the settings, builds the
// engine and then runs a CLI subcommand, the desktop window (no command, or
// `kura app`) or the same app for a browser (`kura serve`).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/kura-app/kura/app"
	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/config"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/llm"
	"github.com/kura-app/kura/internal/ollamarun"
)

func main() {
	sigs := []os.Signal{syscall.SIGTERM}
	if !cli.HandlesInterrupt(os.Args[1:]) {
		sigs = append(sigs, os.Interrupt)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	e := &engine{defaultURL: defaultOllamaURL()}
	cmd := &cli.App{Open: e.open, Runtime: e.runtime, Stdin: &stdinUntil{ctx: ctx, r: os.Stdin}, Stdout: os.Stdout, Stderr: os.Stderr,
		Version: kuraVersion(),
		Extra: map[string]cli.Command{
			"app":   {Summary: "open the desktop window (what `kura` alone does)", Run: e.desktop},
			"serve": {Summary: "serve the app to a web browser at --addr (loopback by default)", Run: e.serve},
		}}
	args := os.Args[1:]
	switch {
	case generatingBindings:
		args = []string{"app"}
	case desktopBuild && len(args) == 0:
		args = []string{"app"}
	case desktopBuild && strings.HasPrefix(args[0], "--") && args[0] != "--help" && args[0] != "--version":
		// `kura --data DIR` opens the window on that data folder.
		args = append([]string{"app"}, args...)
	}
	code := cmd.Run(ctx, args)
	stop()
	os.Exit(code)
}

// engine builds the engine for a subcommand and remembers which model
// runtime it settled on, for `kura runtime`. A kura process runs one
// subcommand, so "the runtime" is the one its last open chose.
type engine struct {
	defaultURL string // where Kura looks for Ollama when nobody configured a URL

	mu sync.Mutex
	rt cli.RuntimeInfo
}

func (e *engine) runtime() cli.RuntimeInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rt
}

// appRuntime is runtime() for the app package.
func (e *engine) appRuntime() app.RuntimeInfo {
	rt := e.runtime()
	return app.RuntimeInfo{URL: rt.URL, Bundled: rt.Bundled, Version: rt.Version, ModelsDir: rt.ModelsDir, Data: rt.Data}
}

// open wires the engine for a subcommand: settings from the data folder,
// the model runtime client, and the library.
func (e *engine) open(ctx context.Context, c cli.Common, stderr io.Writer) (*library.Library, func(), error) {
	loc, err := config.Locate(c.Data)
	if err != nil {
		return nil, nil, err
	}
	if err := loc.Prepare(); err != nil {
		return nil, nil, err
	}
	dir := loc.Data
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	url := c.Ollama
	if url == "" {
		url = cfg.ResolvedOllamaURL()
		if url == llm.DefaultURL {
			url = e.defaultURL
		}
	}
	info := cli.RuntimeInfo{URL: url, Data: loc}
	stopRuntime := func() {}
	if !c.NoRuntime {
		// An Ollama the user runs takes precedence; otherwise start the
		// bundled one. Without either, Kura still works lexically.
		rt, err := ollamarun.Ensure(ctx, ollamarun.Options{URL: url, DefaultURL: e.defaultURL, DataDir: dir, ModelsDir: loc.Models,
			Env: loc.RuntimeEnv(), Log: runtimeLog(loc.Logs)})
		if err != nil {
			fmt.Fprintf(stderr, "note: no model runtime: %v; keyword search still works\n", err)
		} else {
			url, stopRuntime = rt.URL, rt.Stop
			info = cli.RuntimeInfo{URL: rt.URL, Bundled: rt.Bundled, Version: rt.Version, ModelsDir: rt.ModelsDir, Pid: rt.Pid(), Data: loc}
			if rt.Bundled {
				info.CPUBackend = rt.CPUBackend
			}
		}
	}
	client, err := llm.New(url)
	if err != nil {
		stopRuntime()
		return nil, nil, err
	}
	var opts []library.Option
	if c.NoVectors {
		opts = append(opts, library.WithoutVectors())
	}
	lib, err := library.Open(ctx, dir, cfg, client, opts...)
	if err != nil {
		stopRuntime()
		return nil, nil, err
	}
	if u := lib.Upgraded(); u.From != 0 {
		fmt.Fprintf(stderr, "note: this Kura upgraded the library from schema %d to %d; a copy of it as it was is at %s (older Kura versions read only that copy)\n",
			u.From, u.To, u.Backup)
	}
	e.mu.Lock()
	e.rt = info
	e.mu.Unlock()
	return lib, func() { lib.Close(); stopRuntime() }, nil
}

// defaultOllamaURL is llm.DefaultURL, or $KURA_OLLAMA_DEFAULT_URL when set.
// The variable exists for tests only (internal/integration): it stands in
// for the local default address, so a test can have Kura find "nothing
// running at the default" or "an Ollama already there" without ever
// touching port 11434, which may hold the developer's own Ollama. It is not
// a user setting; users set --ollama, the config's ollama_url or
// $OLLAMA_HOST.
func defaultOllamaURL() string {
	if u := os.Getenv("KURA_OLLAMA_DEFAULT_URL"); u != "" {
		return u
	}
	return llm.DefaultURL
}

// stdinUntil reads r until ctx ends, then fails with ctx's error, so that a
// command waiting for input (`kura chat` at its prompt) ends on Ctrl-C or
// SIGTERM as on Ctrl-D, and the bundled runtime stops with it. A read from
// a terminal cannot be interrupted, so r is read in a goroutine, started on
// the first Read (commands that never read stdin do not consume it); the
// goroutine may stay blocked in that read until the process exits.
type stdinUntil struct {
	ctx  context.Context
	r    io.Reader
	once sync.Once
	pipe *io.PipeReader
}

func (s *stdinUntil) Read(p []byte) (int, error) {
	s.once.Do(func() {
		pr, pw := io.Pipe()
		go func() {
			_, err := io.Copy(pw, s.r)
			pw.CloseWithError(err) // nil: the reader sees io.EOF
		}()
		context.AfterFunc(s.ctx, func() { pw.CloseWithError(s.ctx.Err()) })
		s.pipe = pr
	})
	return s.pipe.Read(p)
}

// runtimeLog is where the bundled Ollama's output goes: a file in the logs
// folder, truncated at each start (nil if it cannot be created).
func runtimeLog(logs string) io.Writer {
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return nil
	}
	f, err := os.Create(filepath.Join(logs, "ollama.log"))
	if err != nil {
		return nil
	}
	return f
}
