package cli

import (
	"context"
	"fmt"
)

// VersionJSON is `kura version --json`.
type VersionJSON struct {
	Version string `json:"version"`
}

// version prints Kura's version (`kura version`, `kura --version`). It
// opens nothing, so it works on a machine where nothing else was set up.
func (a *App) version(_ context.Context, args []string) int {
	var c Common
	fs := a.flags("version", "", &c)
	pos, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(pos) > 0 {
		return a.usageError(fs, "takes no arguments (got %q)", pos[0])
	}
	out := VersionJSON{Version: a.Version}
	if c.JSON {
		writeJSON(a.Stdout, out)
		return ExitOK
	}
	fmt.Fprintf(a.Stdout, "kura %s\n", out.Version)
	return ExitOK
}
