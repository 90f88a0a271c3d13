package app

import (
	"context"
	"path/filepath"

	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/library"
)

// WatchedFolders lists the folders the collections follow while Kura
// runs, with when each was last brought up to date.
func (a *App) WatchedFolders() ([]WatchedFolder, error) {
	ctx, cancel := a.ctx()
	defer cancel()
	ws, err := a.lib.Watches(ctx)
	if err != nil {
		return nil, a.fail(err)
	}
	out := make([]WatchedFolder, 0, len(ws))
	for _, w := range ws {
		out = append(out, WatchedFolder{Collection: w.Collection, Path: EncodePath(w.Path), Name: EncodePath(filepath.Base(w.Path)),
			AddedAt: w.AddedAt, LastSync: w.LastSync, LastError: w.LastError})
	}
	return out, nil
}

// StopWatching stops a collection following a folder; the documents it
// brought stay indexed.
func (a *App) StopWatching(collection, path string) error {
	if err := checkCollection(collection); err != nil {
		return err
	}
	ctx, cancel := a.ctx()
	defer cancel()
	return a.fail(a.lib.Unwatch(ctx, collection, DecodePath(path)))
}

// follow keeps the watched folders in sync while the app runs; each sync
// is a job of kind "sync", so the window shows what changed.
func (a *App) follow(ctx context.Context) {
	a.lib.Follow(ctx, library.FollowOptions{Sync: func(ctx context.Context, collection, folder string, changed []string) error {
		done := make(chan error, 1)
		run := a.indexJob(func(ctx context.Context, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
			return a.lib.Sync(ctx, collection, folder, changed, library.IngestOptions{}, onProgress)
		})
		a.jobs.start(ctx, JobSync, collection, true, func(jctx context.Context, j *job) (*JobSummary, error) {
			sum, err := run(jctx, j)
			done <- err
			return sum, err
		})
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
}
