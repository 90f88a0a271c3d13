package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/kura-app/kura/app"
	"github.com/kura-app/kura/internal/cli"
	"github.com/kura-app/kura/internal/serve"
)

// serve runs `kura serve`: the app for a web browser, until SIGINT or
// SIGTERM; then it stops jobs and the bundled runtime like the window does.
func (e *engine) serve(a *cli.App, ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	var c cli.Common
	addr := fs.String("addr", serve.DefaultAddr, "address to listen on; anything but loopback requires a token")
	token := fs.String("token", os.Getenv("KURA_TOKEN"), "token every request must carry (default $KURA_TOKEN, else a new random one at each start)")
	noToken := fs.Bool("no-token", false, "require no token (loopback only): any local process or user can then read your documents through the API")
	noBrowser := fs.Bool("no-browser", false, "do not open the address in a browser")
	fs.StringVar(&c.Data, "data", "", "data folder (default $KURA_DATA or the per-user data folder)")
	fs.StringVar(&c.Ollama, "ollama", "", "Ollama URL (default from settings, $OLLAMA_HOST, or http://127.0.0.1:11434)")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: kura serve [--addr HOST:PORT] [--token T | --no-token] [--no-browser]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK // the usage was asked for
		}
		return cli.ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.Stderr, "kura serve: takes no arguments, only flags (got %q)\n\n", fs.Arg(0))
		fs.Usage()
		return cli.ExitUsage
	}
	tok, err := serve.Token(*token, *noToken)
	if err != nil {
		fmt.Fprintf(a.Stderr, "kura: %v\n", err)
		return cli.ExitUsage
	}
	*token = tok
	if err := serve.CheckAddr(*addr, *token); err != nil {
		fmt.Fprintf(a.Stderr, "kura: %v\n", err)
		return cli.ExitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(a.Stderr, "kura: %v\n", err)
		return cli.ExitFailure
	}
	lib, closeFn, err := e.open(ctx, c, a.Stderr)
	if err != nil {
		ln.Close()
		fmt.Fprintf(a.Stderr, "kura: %s\n", cli.Message(err))
		return cli.ExitFailure
	}
	defer closeFn()
	host := app.New(lib, app.Options{Runtime: e.appRuntime(), Version: kuraVersion(), FileToken: *token, ReadyFile: os.Getenv("KURA_READY_FILE")})
	srv := serve.New(host, frontendDist(), *token)
	u := serve.URL(ln, *token)
	fmt.Fprintf(a.Stdout, "Kura is serving at %s (Ctrl-C stops it)\n", u)
	if *token == "" {
		fmt.Fprintln(a.Stderr, "note: no token (--no-token): any process or user on this machine can read your documents through this address")
	}
	if !*noBrowser && cli.IsTerminal(a.Stdout) {
		openBrowser(u)
	}
	err = srv.Run(ctx, ln)
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	host.Close(stopCtx)
	if err != nil {
		fmt.Fprintf(a.Stderr, "kura: %v\n", err)
		return cli.ExitFailure
	}
	return cli.ExitOK
}

// openBrowser opens url in the user's browser where the system has a way
// to (on Linux, a desktop session); it never waits for it and never fails
// the server: the address is printed anyway.
func openBrowser(url string) {
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return
	}
	_ = app.OpenWithSystem(url)
}
