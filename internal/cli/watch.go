package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
	"github.com/kura-app/kura/internal/pathtext"
)

// watch indexes the folders given (which the collection then follows),
// then keeps them, or every folder the collection follows, in sync until
// Ctrl-C. --list prints the followed folders, --stop stops following one.
func (a *App) watch(ctx context.Context, args []string) int {
	var c Common
	fs := a.flags("watch", "[FOLDER...]", &c)
	list := fs.Bool("list", false, "list the folders each collection follows, then exit")
	stop := fs.String("stop", "", "stop following FOLDER (its documents stay indexed), then exit")
	paths, err := a.parse(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if *list || *stop != "" {
		c.NoRuntime = true
	}
	lib, closeFn, ok := a.open(ctx, c)
	if !ok {
		return ExitFailure
	}
	defer closeFn()
	switch {
	case *list:
		return a.listWatches(ctx, lib, c)
	case *stop != "":
		abs, err := argPath(*stop)
		if err != nil {
			return a.fail(err)
		}
		if err := lib.Unwatch(ctx, c.Collection, abs); err != nil {
			return a.fail(err)
		}
		fmt.Fprintf(a.Stdout, "%s is no longer followed; its documents stay in %q\n", pathtext.Display(abs), c.Collection)
		return ExitOK
	}

	var only []string
	if len(paths) > 0 {
		if only, err = argPaths(paths); err != nil {
			return a.fail(err)
		}
	}
	if len(only) > 0 {
		pr := newProgressPrinter(a.Stderr)
		sum, err := lib.Ingest(ctx, c.Collection, only, library.IngestOptions{}, pr.print)
		pr.done()
		if code := a.summary(Common{}, sum, err); code == ExitInterrupted {
			return ExitOK // Ctrl-C is how watching ends
		}
	}
	ws, err := lib.Watches(ctx)
	if err != nil {
		return a.fail(err)
	}
	following := 0
	for _, w := range ws {
		if w.Collection == c.Collection && (only == nil || contains(only, w.Path)) {
			following++
			fmt.Fprintf(a.Stderr, "following %s\n", pathtext.Display(w.Path))
		}
	}
	if following == 0 {
		fmt.Fprintf(a.Stderr, "kura: collection %q follows no folder: give one, as in `kura watch ~/Documents/reports`\n", c.Collection)
		return ExitUsage
	}
	fmt.Fprintln(a.Stderr, "changes are applied within seconds; Ctrl-C stops")
	// The folders given were just ingested: no second sync at the start.
	fresh := only
	if only == nil {
		for _, w := range ws {
			if w.Collection == c.Collection {
				only = append(only, w.Path)
			}
		}
	}
	err = lib.Follow(ctx, library.FollowOptions{Only: only, Fresh: fresh, Sync: func(ctx context.Context, collection, folder string, changed []string) error {
		if collection != c.Collection {
			return nil
		}
		sum, err := lib.Sync(ctx, collection, folder, changed, library.IngestOptions{}, nil)
		if err != nil {
			return err
		}
		if sum.Added+sum.Updated+sum.Removed+len(sum.Failed) > 0 {
			fmt.Fprintf(a.Stderr, "%s %s: added %d, updated %d, removed %d, failed %d\n", time.Now().Format("15:04:05"),
				pathtext.Display(folder), sum.Added, sum.Updated, sum.Removed, len(sum.Failed))
			for _, f := range sum.Failed {
				fmt.Fprintf(a.Stderr, "  failed: %s: %s\n", pathtext.Display(f.Path), f.Reason)
			}
		}
		for _, k := range sum.Kept {
			fmt.Fprintf(a.Stderr, "%s %s\n", time.Now().Format("15:04:05"), ingest.KeptWarning(k))
		}
		printKept(a.Stderr, sum.Kept)
		return nil
	}})
	if errors.Is(err, context.Canceled) {
		return ExitOK
	}
	return a.fail(err)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (a *App) listWatches(ctx context.Context, lib *library.Library, c Common) int {
	ws, err := lib.Watches(ctx)
	if err != nil {
		return a.fail(err)
	}
	if c.JSON {
		type watchJSON struct {
			Collection string `json:"collection"`
			Path       string `json:"path"`
			LastSync   int64  `json:"last_sync"`
			LastError  string `json:"last_error"`
		}
		out := []watchJSON{}
		for _, w := range ws {
			out = append(out, watchJSON{w.Collection, pathtext.Encode(w.Path), w.LastSync, w.LastError})
		}
		writeJSON(a.Stdout, out)
		return ExitOK
	}
	if len(ws) == 0 {
		fmt.Fprintln(a.Stdout, "No folder is followed: every folder you add with `kura ingest` or `kura watch` is.")
	}
	for _, w := range ws {
		when := "not synced yet"
		if w.LastSync > 0 {
			when = "synced " + time.Unix(w.LastSync, 0).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(a.Stdout, "%-16s %s  (%s)\n", w.Collection, pathtext.Display(w.Path), when)
		if w.LastError != "" {
			fmt.Fprintf(a.Stdout, "                 last sync failed: %s\n", w.LastError)
		}
	}
	return ExitOK
}
