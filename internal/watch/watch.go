// Package watch follows folders for changes, so that a library keeps
// itself right: files created, changed, renamed or deleted in a watched
// folder are picked up within seconds, without the user asking.
//
// It reports folders, not files: when anything under a folder changes, the
// folder is due once the changes have settled (no event for the debounce
// time, so a file still being written is read once it is complete), and the
// caller syncs the whole folder. Syncing is cheap where nothing changed
// (ingest compares sizes and times before reading), and it makes renames,
// deletions and editors that replace files by renaming a temporary one all
// the same case.
//
// Events are not trusted to be complete (network drives deliver none,
// inotify has a limit on watches, an event queue can overflow): every
// folder is also due at start (catching up with what changed while Kura did
// not run) and periodically.
package watch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/kura-app/kura/internal/pathtext"
)

// errNoSpace is inotify's "too many watches" (fs.inotify.max_user_watches).
var errNoSpace error = syscall.ENOSPC

// Options tune a Watcher; zero fields take the defaults.
type Options struct {
	// Debounce is how long a folder must be quiet before it is due;
	// default 2 seconds.
	Debounce time.Duration
	// Rescan makes every folder due this often, whatever the events say;
	// default 5 minutes.
	Rescan time.Duration
}

// Watcher follows folders. Build it with New; it is safe for concurrent
// use.
type Watcher struct {
	o    Options
	fsw  *fsnotify.Watcher
	sync func(ctx context.Context, root string) error

	mu      sync.Mutex
	roots   map[string]*root
	changed chan struct{}
}

// root is a watched folder.
type root struct {
	dirty    bool
	lastSeen time.Time // last event under it
	// partial is set when not every subfolder could be watched (the
	// inotify limit, permissions): periodic rescans cover it.
	partial error
}

// New returns a watcher that calls sync with a root folder whenever it is
// due; sync runs one at a time, and a root that changes again while it runs
// is due again after it. An error sync returns is the caller's to report;
// the folder is tried again at the next change or rescan.
func New(sync func(ctx context.Context, root string) error, o Options) (*Watcher, error) {
	if o.Debounce <= 0 {
		o.Debounce = 2 * time.Second
	}
	if o.Rescan <= 0 {
		o.Rescan = 5 * time.Minute
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	return &Watcher{o: o, fsw: fsw, sync: sync, roots: map[string]*root{}, changed: make(chan struct{}, 1)}, nil
}

// Add starts following folder (and everything under it) and makes it due
// at once. Folders that cannot all be watched are still followed by
// rescans; Add returns that error for information.
func (w *Watcher) Add(folder string) error { return w.add(folder, true) }

// Follow starts following folder like Add, but does not make it due: for a
// folder just synced by other means (an ingest of it).
func (w *Watcher) Follow(folder string) error { return w.add(folder, false) }

func (w *Watcher) add(folder string, due bool) error {
	folder = filepath.Clean(folder)
	w.mu.Lock()
	r, ok := w.roots[folder]
	if !ok {
		r = &root{}
		w.roots[folder] = r
	}
	if due {
		r.dirty, r.lastSeen = true, time.Time{}
	}
	w.mu.Unlock()
	err := w.addTree(folder)
	w.mu.Lock()
	r.partial = err
	w.mu.Unlock()
	w.poke()
	return err
}

// Remove stops following folder. A sync already running finishes.
func (w *Watcher) Remove(folder string) {
	folder = filepath.Clean(folder)
	w.mu.Lock()
	delete(w.roots, folder)
	w.mu.Unlock()
	for _, p := range w.fsw.WatchList() {
		if pathtext.Within(p, folder) && w.rootOf(p) == "" {
			w.fsw.Remove(p)
		}
	}
}

// Folders lists the followed folders.
func (w *Watcher) Folders() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.roots))
	for f := range w.roots {
		out = append(out, f)
	}
	return out
}

// addTree watches dir and its subfolders, skipping hidden ones (as ingest
// does).
func (w *Watcher) addTree(dir string) error {
	var errs []error
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		if err := w.fsw.Add(p); err != nil {
			errs = append(errs, err)
			if errors.Is(err, errNoSpace) {
				return fs.SkipAll // the watch limit: rescans cover the rest
			}
		}
		return nil
	})
	return errors.Join(errs...)
}

// Run delivers due folders to sync until ctx ends. It always returns
// ctx.Err() then, after closing the watcher.
func (w *Watcher) Run(ctx context.Context) error {
	defer w.fsw.Close()
	tick := time.NewTicker(w.o.Debounce / 2)
	defer tick.Stop()
	rescan := time.NewTicker(w.o.Rescan)
	defer rescan.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return ctx.Err()
			}
			w.event(ev)
		case err, ok := <-w.fsw.Errors:
			if ok && errors.Is(err, fsnotify.ErrEventOverflow) {
				w.markAll() // events were lost: look at everything
			}
		case <-rescan.C:
			w.markAll()
		case <-tick.C:
		case <-w.changed:
		}
		for _, folder := range w.due() {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			w.sync(ctx, folder)
		}
	}
}

// event marks the root of an event's path dirty, and watches a folder that
// appeared.
func (w *Watcher) event(ev fsnotify.Event) {
	r := w.rootOf(ev.Name)
	if r == "" {
		return
	}
	if ev.Has(fsnotify.Create) {
		if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() && !strings.HasPrefix(filepath.Base(ev.Name), ".") {
			w.addTree(ev.Name)
		}
	}
	w.mu.Lock()
	if st := w.roots[r]; st != nil {
		st.dirty, st.lastSeen = true, time.Now()
	}
	w.mu.Unlock()
}

func (w *Watcher) markAll() {
	w.mu.Lock()
	for _, r := range w.roots {
		r.dirty = true
	}
	w.mu.Unlock()
}

// due returns the dirty roots that have been quiet for the debounce time,
// marking them clean: a change during their sync marks them again.
func (w *Watcher) due() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for f, r := range w.roots {
		if r.dirty && time.Since(r.lastSeen) >= w.o.Debounce {
			r.dirty = false
			out = append(out, f)
		}
	}
	return out
}

func (w *Watcher) poke() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// rootOf is the watched root that holds path ("" when none): the longest,
// so that nested roots each get their own events.
func (w *Watcher) rootOf(path string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	best := ""
	for f := range w.roots {
		if pathtext.Within(path, f) && len(f) > len(best) {
			best = f
		}
	}
	return best
}
