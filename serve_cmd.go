package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
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
	addr := fs.String("addr", serve.DefaultAddr, "address to listen on; anything but loopback requires --token")
	token := fs.String("token", os.Getenv("KURA_TOKEN"), "token every request must carry (default $KURA_TOKEN)")
	fs.StringVar(&c.Data, "data", "", "data folder (default $KURA_DATA or the per-user data folder)")
	fs.StringVar(&c.Ollama, "ollama", "", "Ollama URL (default from settings, $OLLAMA_HOST, or http://127.0.0.1:11434)")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: kura serve [--addr HOST:PORT] [--token T]\n\nFlags:\n")
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
	host := app.New(lib, app.Options{Runtime: e.appRuntime(), FileToken: *token, ReadyFile: os.Getenv("KURA_READY_FILE")})
	srv := serve.New(host, frontendDist(), *token)
	fmt.Fprintf(a.Stdout, "Kura is serving at %s (Ctrl-C stops it)\n", serve.URL(ln, *token))
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
