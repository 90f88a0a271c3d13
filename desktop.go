package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"runtime"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/kura-app/kura/app"
	"github.com/kura-app/kura/internal/cli"
)

// assets is the built frontend (`npm run build` writes frontend/dist; `make
// build` puts a placeholder there first so a fresh clone compiles). The
// desktop window and `kura serve` serve the same files.
//
//go:embed all:frontend/dist
var assets embed.FS

// appIcon is the window icon (Wails' generated build/appicon.png).
//
//go:embed build/appicon.png
var appIcon []byte

// frontendDist is assets rooted at frontend/dist.
func frontendDist() fs.FS {
	sub, err := fs.Sub(assets, "frontend/dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// desktop runs the desktop window: `kura` with no command, or `kura app`.
func (e *engine) desktop(a *cli.App, ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("app", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	var c cli.Common
	fs.StringVar(&c.Data, "data", "", "data folder (default $KURA_DATA or the per-user data folder)")
	fs.StringVar(&c.Ollama, "ollama", "", "Ollama URL (default from settings, $OLLAMA_HOST, or http://127.0.0.1:11434)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOK // the usage was asked for
		}
		return cli.ExitUsage
	}
	var host *app.Host
	if generatingBindings {
		// `wails generate module` runs this binary only to read the bound
		// types: no library, no runtime.
		host = app.New(nil, app.Options{})
	} else {
		if !desktopBuild {
			fmt.Fprintln(a.Stderr, "kura: this binary was built without the desktop window (`make build` builds it with the Wails tags); `kura serve` opens Kura in a browser")
			return cli.ExitFailure
		}
		if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			fmt.Fprintln(a.Stderr, "kura: no display for the desktop window; use `kura serve` to open Kura in a browser, or `kura help` for the commands")
			return cli.ExitUsage
		}
		lib, closeFn, err := e.open(ctx, c, a.Stderr)
		if err != nil {
			fmt.Fprintf(a.Stderr, "kura: %s\n", cli.Message(err))
			return cli.ExitFailure
		}
		defer closeFn()
		host = app.New(lib, app.Options{Runtime: e.appRuntime(), Version: kuraVersion(), ReadyFile: os.Getenv("KURA_READY_FILE")})
		host.QuitOn(ctx)
	}
	err := wails.Run(&options.App{
		Title:     "Kura",
		Width:     1200,
		Height:    800,
		MinWidth:  720,
		MinHeight: 480,
		AssetServer: &assetserver.Options{
			Assets:     frontendDist(),
			Handler:    host.Files(),
			Middleware: app.SecurityHeaders,
		},
		OnStartup:  host.Startup,
		OnShutdown: host.Shutdown,
		Bind:       []any{host.App},
		// A call rejects with {code, message, params}, as in `kura serve`.
		ErrorFormatter: app.FormatError,
		// Drops stay enabled in the web view (DisableWebViewDrop would
		// silently disable file drops too); Wails hands the paths to
		// host.Startup's OnFileDrop handler.
		DragAndDrop: &options.DragAndDrop{EnableFileDrop: true},
		Linux:       &linux.Options{Icon: appIcon, ProgramName: "kura"},
	})
	if err != nil {
		fmt.Fprintf(a.Stderr, "kura: desktop window: %v\n", err)
		return cli.ExitFailure
	}
	return cli.ExitOK
}
