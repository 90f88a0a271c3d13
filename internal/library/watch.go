package library

// Watched folders: every folder added to a collection is followed while
// Kura runs (the desktop app, `kura serve`, `kura watch`), so files created,
// changed, renamed or deleted there are applied within seconds, and a start
// catches up with what changed while Kura was not running. Package watch
// says when a folder is due; a sync is an ordinary ingest of the folder.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kura-app/kura/internal/ingest"
	"github.com/kura-app/kura/internal/store"
	"github.com/kura-app/kura/internal/watch"
)

// Watches lists the folders the collections follow.
func (l *Library) Watches(ctx context.Context) ([]store.Watch, error) {
	return l.store.Watches(ctx)
}

// Unwatch stops the collection following folder; its documents stay
// indexed. A folder it does not follow is an error wrapping
// store.ErrNotFound.
func (l *Library) Unwatch(ctx context.Context, collection, folder string) error {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return err
	}
	if err := l.store.RemoveWatch(ctx, c.ID, folder); err != nil {
		return err
	}
	l.followers.each(func(f *follower) { f.refresh() })
	return nil
}

// watchFolders records the folders among paths as followed by c.
func (l *Library) watchFolders(ctx context.Context, c store.Collection, paths []string) {
	added := false
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		if isDir(abs) && l.store.AddWatch(ctx, c.ID, abs, isMountPoint(abs)) == nil {
			added = true
			l.followers.ingested(abs)
		}
	}
	if added {
		l.followers.each(func(f *follower) { f.refresh() })
	}
}

// synced records the watched folders among paths as brought up to date,
// or, for those whose documents the job kept because the folder was found
// empty, why they were not.
func (l *Library) synced(ctx context.Context, c store.Collection, paths []string, kept []ingest.KeptFolder) {
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil && isDir(abs) {
			msg := ""
			for _, k := range kept {
				if k.Path == abs {
					msg = ingest.KeptWarning(k)
				}
			}
			l.store.Synced(context.WithoutCancel(ctx), c.ID, abs, time.Now().Unix(), msg)
			l.followers.settled(abs)
		}
	}
}

// isMountPoint is mountPoint; tests replace it to unmount a drive.
var isMountPoint = mountPoint

// unmounted returns why the folder w follows is out of reach although it
// is there: it was seen as a mount point and is not one now, so the drive
// or share is not mounted and the empty folder under it says nothing about
// the files. Nil when there is no such evidence.
func unmounted(w store.Watch) error {
	if !w.MountPoint || isMountPoint(w.Path) {
		return nil
	}
	return fmt.Errorf("%s is not mounted (it was a mount point and is not one now): its documents stay indexed until it is back or you stop watching it", w.Path)
}

// outOfReach splits paths into those to ingest and the watched folders of
// c that are not mounted (see unmounted), with why.
func (l *Library) outOfReach(ctx context.Context, c store.Collection, paths []string) (keep []string, skipped map[string]error) {
	ws, err := l.store.Watches(ctx)
	if err != nil {
		return paths, nil
	}
	for _, p := range paths {
		var why error
		if abs, err := filepath.Abs(p); err == nil {
			for _, w := range ws {
				if w.Collection == c.Name && w.Path == abs {
					why = unmounted(w)
				}
			}
		}
		if why == nil {
			keep = append(keep, p)
			continue
		}
		if skipped == nil {
			skipped = map[string]error{}
		}
		skipped[p] = why
	}
	return keep, skipped
}

// SyncFunc brings one watched folder of a collection up to date: the
// changed paths in it, or all of it when changed is nil. Follow's default
// is Sync; the app runs it as a job so that the window shows it.
type SyncFunc func(ctx context.Context, collection, folder string, changed []string) error

// Sync brings the watched folder of the collection up to date: only the
// changed paths under it (files or folders, present or gone), or the whole
// folder, as an Ingest of it, when changed is nil or a folder among them
// is gone with documents under it (the whole folder's rules then judge
// whether they go: see ingest.KeptFolder, and an unmounted drive takes its
// subfolders away). A change costs the changed files, not a walk of the
// folder.
func (l *Library) Sync(ctx context.Context, collection, folder string, changed []string, opts IngestOptions, onProgress func(ingest.Progress) error) (ingest.Summary, error) {
	// A folder that now holds no file at all while several documents were
	// indexed from it is synced whole, whatever changed: when a drive is
	// unmounted its files' removals settle one by one, and the first alone
	// would be applied as a deletion before the folder is seen empty
	// (ingest keeps an emptied folder's documents). The last file of a
	// folder deleted by hand is one document: its removal is applied.
	if changed != nil && !l.folderGone(ctx, collection, changed) && !l.emptied(ctx, collection, folder) {
		opts.changesIn = folder
		return l.Ingest(ctx, collection, changed, opts, onProgress)
	}
	return l.Ingest(ctx, collection, []string{folder}, opts, onProgress)
}

// emptied reports whether folder holds no file while two or more documents
// of the collection were indexed from it.
func (l *Library) emptied(ctx context.Context, collection, folder string) bool {
	if !holdsNoFile(folder) {
		return false
	}
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return false
	}
	docs, err := l.store.Documents(ctx, c.ID, folder)
	return err == nil && len(docs) >= 2
}

// errFound stops a walk at the first file.
var errFound = errors.New("found")

// holdsNoFile reports whether folder (which exists) has no file anywhere
// under it; it stops at the first file it finds.
func holdsNoFile(folder string) bool {
	if st, err := os.Stat(folder); err != nil || !st.IsDir() {
		return false
	}
	err := filepath.WalkDir(folder, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			return errFound
		}
		return nil
	})
	return !errors.Is(err, errFound)
}

// folderGone reports whether a path among changed is gone and held
// documents of the collection under it (a folder).
func (l *Library) folderGone(ctx context.Context, collection string, changed []string) bool {
	c, err := l.store.Collection(ctx, collection)
	if err != nil {
		return false
	}
	for _, p := range changed {
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if docs, err := l.store.Documents(ctx, c.ID, p); err != nil || len(docs) > 0 {
			return true
		}
	}
	return false
}

// FollowOptions tune Follow.
type FollowOptions struct {
	// Only restricts following to these folders (and the collections that
	// watch them); nil follows every watched folder, including those added
	// later.
	Only []string
	// Fresh are folders the caller has just synced (an ingest of them):
	// they are followed without a catch-up sync at the start.
	Fresh []string
	// Sync replaces the default sync.
	Sync SyncFunc
	// Watch tunes the watcher (tests shorten its times).
	Watch watch.Options
}

// Follow keeps watched folders in sync until ctx ends, when it returns
// ctx.Err(). Every followed folder is synced at the start, after changes
// settle, and every few minutes; a folder that is gone or unreadable is
// reported in its watch's LastError and retried. Run at most one Follow per
// library.
func (l *Library) Follow(ctx context.Context, o FollowOptions) error {
	sync := o.Sync
	if sync == nil {
		sync = func(ctx context.Context, collection, folder string, changed []string) error {
			_, err := l.Sync(ctx, collection, folder, changed, IngestOptions{}, nil)
			return err
		}
	}
	f := &follower{l: l, only: o.Only, fresh: o.Fresh, refreshCh: make(chan struct{}, 1)}
	w, err := watch.New(func(ctx context.Context, folder string, changed []string) error {
		return f.syncFolder(ctx, folder, changed, sync)
	}, o.Watch)
	if err != nil {
		return fmt.Errorf("watch folders: %w", err)
	}
	f.w = w
	l.followers.add(f)
	defer l.followers.remove(f)
	f.reconcile(ctx, true) // catch up with what changed while Kura did not run
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-f.refreshCh:
				f.reconcile(ctx, false)
			}
		}
	}()
	err = w.Run(ctx)
	<-done
	return err
}

// follower is one running Follow.
type follower struct {
	l         *Library
	w         *watch.Watcher
	only      []string
	fresh     []string // synced by the caller just before: no catch-up
	refreshCh chan struct{}
}

func (f *follower) refresh() {
	select {
	case f.refreshCh <- struct{}{}:
	default:
	}
}

// reconcile makes the watcher follow exactly the watched folders; folders
// new to it are synced first when catchUp is set (at start), and otherwise
// only at their next change (they come from an ingest, which synced them).
func (f *follower) reconcile(ctx context.Context, catchUp bool) {
	ws, err := f.l.store.Watches(ctx)
	if err != nil {
		return
	}
	want := map[string]bool{}
	for _, w := range ws {
		if f.only == nil || slices.Contains(f.only, w.Path) {
			want[w.Path] = true
		}
	}
	have := map[string]bool{}
	for _, p := range f.w.Folders() {
		have[p] = true
		if !want[p] {
			f.w.Remove(p)
		}
	}
	for p := range want {
		if have[p] {
			continue
		}
		// A folder that cannot be fully watched is rescanned. A folder an
		// ingest of this library added is synced by that ingest, even when
		// it was added before this Follow's first look (a window opened
		// and a folder added at once).
		if catchUp && !slices.Contains(f.fresh, p) && !f.l.followers.fromIngest(p) {
			f.w.Add(p)
		} else {
			f.w.Follow(p)
		}
	}
}

// syncFolder syncs folder in every collection that watches it and records
// the outcome.
func (f *follower) syncFolder(ctx context.Context, folder string, changed []string, sync SyncFunc) error {
	ws, err := f.l.store.Watches(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, w := range ws {
		if w.Path != folder {
			continue
		}
		c, err := f.l.store.Collection(ctx, w.Collection)
		if err != nil {
			continue
		}
		var serr error
		if !isDir(folder) {
			serr = fmt.Errorf("the folder %s is not there (unplugged or moved?): its documents stay indexed until it is back or you stop watching it", folder)
		} else if serr = unmounted(w); serr == nil {
			serr = sync(ctx, w.Collection, folder, changed)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// A sync that succeeded was recorded by its ingest (which also
		// says when it kept an empty folder's documents).
		if serr != nil {
			msg, _, _ := strings.Cut(serr.Error(), "\n")
			errs = append(errs, serr)
			f.l.store.Synced(context.WithoutCancel(ctx), c.ID, folder, time.Now().Unix(), msg)
		}
	}
	return errors.Join(errs...)
}

// followers are the running Follows of a library, told when the watched
// folders change.
type followers struct {
	mu   sync.Mutex
	list []*follower
	// fresh are the folders an ingest of this library started following:
	// the catch-up at a Follow's start is for what changed while nothing
	// watched, which they are not while their ingest runs, nor after it
	// as long as the folder looks as that ingest left it.
	fresh map[string]*freshFolder
}

// freshFolder is how an ingest left a folder: done false while it runs;
// then the folder's modification time and whether it was a mount point.
type freshFolder struct {
	done  bool
	mtime time.Time
	mount bool
}

func (fs *followers) ingested(folder string) {
	fs.mu.Lock()
	if fs.fresh == nil {
		fs.fresh = map[string]*freshFolder{}
	}
	fs.fresh[folder] = &freshFolder{}
	fs.mu.Unlock()
}

// settled records how the ingest that added folder left it.
func (fs *followers) settled(folder string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f := fs.fresh[folder]; f != nil {
		f.done, f.mtime, f.mount = true, modTime(folder), isMountPoint(folder)
	}
}

// fromIngest reports whether folder is being ingested by this library, or
// was and has not changed since as far as its own entry shows (a file
// added or removed at its top, a drive unmounted): then a Follow starting
// now needs no catch-up sync of it. A change deeper in it is caught by the
// periodic rescan.
func (fs *followers) fromIngest(folder string) bool {
	fs.mu.Lock()
	f := fs.fresh[folder]
	fs.mu.Unlock()
	if f == nil {
		return false
	}
	return !f.done || (modTime(folder).Equal(f.mtime) && isMountPoint(folder) == f.mount)
}

func modTime(path string) time.Time {
	info, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return info.ModTime()
}

func (fs *followers) add(f *follower) {
	fs.mu.Lock()
	fs.list = append(fs.list, f)
	fs.mu.Unlock()
}

func (fs *followers) remove(f *follower) {
	fs.mu.Lock()
	fs.list = slices.DeleteFunc(fs.list, func(x *follower) bool { return x == f })
	fs.mu.Unlock()
}

func (fs *followers) each(fn func(*follower)) {
	fs.mu.Lock()
	list := slices.Clone(fs.list)
	fs.mu.Unlock()
	for _, f := range list {
		fn(f)
	}
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
