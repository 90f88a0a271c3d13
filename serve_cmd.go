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
	token := fs.String("token", "", "token every request must carry; every user of this machine can read it in ps: prefer --token-file or $KURA_TOKEN (default: a new random one at each start)")
	tokenFile := fs.String("token-file", "", "read the token from the first line of this file (keep it chmod 600)")
	noToken := fs.Bool("no-token", false, "require no token (loopback only): any local process or user can then read your documents through the API")
	noBrowser := fs.Bool("no-browser", false, "do not open the address in a browser")
	fs.StringVar(&c.Data, "data", "", "data folder (default $KURA_DATA or the per-user data folder)")
	fs.StringVar(&c.Ollama, "ollama", "", "Ollama URL (default from settings, $OLLAMA_HOST, or http://127.0.0.1:11434)")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: kura serve [--addr HOST:PORT] [--token-file FILE | --token T | --no-token] [--no-browser]\n\nFlags:\n")
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
	given, err := givenToken(a, *token, *tokenFile)
	if err != nil {
		fmt.Fprintf(a.Stderr, "kura: %v\n", err)
		return cli.ExitUsage
	}
	tok, err := serve.Token(given, *noToken)
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
	// File URLs carry no token: the page has the cookie, and a URL with
	// the token would stay in the browser's history.
	host := app.New(lib, app.Options{Runtime: e.appRuntime(), Version: kuraVersion(), ReadyFile: os.Getenv("KURA_READY_FILE")})
	srv := serve.New(host, frontendDist(), *token)
	srv.Hosts = serveHosts(*addr)
	u := serve.URL(ln, *token)
	fmt.Fprintf(a.Stdout, "Kura is serving at %s (Ctrl-C stops it)\n", u)
	if *token == "" {
		fmt.Fprintln(a.Stderr, "note: no token (--no-token): any process or user on this machine can read your documents through this address")
	}
	if !*noBrowser && cli.IsTerminal(a.Stdout) {
		// A one-time code, not the token: every local user can read the
		// browser's command line.
		if open, err := srv.OpenURL(ln); err == nil {
			openBrowser(open)
		}
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

// givenToken is the token the user fixed: from --token-file, $KURA_TOKEN or
// --token (at most one of them), with a note on stderr where other users
// can read it.
func givenToken(a *cli.App, flagToken, file string) (string, error) {
	env := os.Getenv("KURA_TOKEN")
	n := 0
	for _, v := range []string{flagToken, file, env} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return "", errors.New("give the token one way: --token-file, KURA_TOKEN or --token")
	}
	switch {
	case file != "":
		tok, warn, err := serve.ReadTokenFile(file)
		if warn != "" {
			fmt.Fprintf(a.Stderr, "note: %s\n", warn)
		}
		return tok, err
	case flagToken != "":
		fmt.Fprintln(a.Stderr, "note: --token is visible to every user of this machine (ps); --token-file FILE or KURA_TOKEN are not")
		return flagToken, nil
	}
	return env, nil
}

// serveHosts are the host names, besides loopback and IP addresses, that
// requests may name: the one listened on and this machine's.
func serveHosts(addr string) []string {
	var hosts []string
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" && net.ParseIP(h) == nil {
		hosts = append(hosts, h)
	}
	if name, err := os.Hostname(); err == nil && name != "" {
		hosts = append(hosts, name, name+".local")
	}
	return hosts
}
