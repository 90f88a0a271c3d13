package cli

import (
	"context"
	"fmt"

	"github.com/kura-app/kura/internal/config"
)

// VersionJSON is `kura version --json`.
type VersionJSON struct {
	Version string           `json:"version"`
	Data    config.Locations `json:"data"`
}

// version prints Kura's version and where its data lives (`kura version`,
// `kura --version`). It opens nothing and creates nothing, so it works on
// a machine where nothing else was set up.
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
	out.Data, err = config.Locate(c.Data)
	if err != nil {
		return a.fail(err)
	}
	if c.JSON {
		writeJSON(a.Stdout, out)
		return ExitOK
	}
	fmt.Fprintf(a.Stdout, "kura %s\ndata: %s\n", out.Version, dataText(out.Data))
	return ExitOK
}

// dataText says where the data lives and what chose the folder.
func dataText(l config.Locations) string {
	switch l.From {
	case "":
		return "unknown"
	case "portable":
		return l.Data + " (portable: the kura-data folder beside kura; everything Kura writes stays there)"
	case "per-user":
		return l.Data + " (the per-user data folder)"
	default:
		return l.Data + " (set by " + l.From + ")"
	}
}
