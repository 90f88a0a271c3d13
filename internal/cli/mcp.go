package cli

import (
	"context"

	"github.com/kura-app/kura/internal/mcpserver"
)

// mcp serves the collection to other local tools over the Model Context
// Protocol on stdin and stdout (nothing else is written to stdout; notes go
// to stderr). It is read-only and serves until the client disconnects.
func (a *App) mcp(ctx context.Context, args []string) int {
	var c Common
	var within pathList
	fs := a.flags("mcp", "", &c)
	fs.Var(&within, "in", "serve only this document or folder (repeat for more)")
	rest, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(rest) > 0 {
		return a.usageError(fs, "kura mcp takes no arguments: an MCP client starts it and talks to it on stdin and stdout")
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	if err := lib.CheckWithin(ctx, c.Collection, within); err != nil {
		return a.fail(err)
	}
	if err := mcpserver.Serve(ctx, lib, mcpserver.Scope{Collection: c.Collection, Within: within}, a.versionText(), a.Stdin, a.Stdout); err != nil {
		return a.fail(err)
	}
	return ExitOK
}

// versionText is Kura's version as main.go gave it ("devel" when it gave none).
func (a *App) versionText() string {
	if a.Version != "" {
		return a.Version
	}
	return "devel"
}
