// Package watch follows folders for changes, so that a library keeps
// itself right: files created, changed, renamed or deleted in a watched
// folder are picked up within seconds, without the user asking.
//
// It reports, for a watched folder, the paths that changed in it, each
// once it has settled (no event on that path for the debounce time, so a
// file still being written is read once it is complete, and a file that
// never stops changing holds back only itself: it is reported anyway once
// it has been changing for MaxDelay). The caller syncs those paths only; a
// path may be a file or a folder that appeared, or one that is gone.
//
// Events are not trusted to be complete (network drives deliver none,
// inotify has a limit on watches, an event queue can overflow): every
// folder is also due whole (changed nil) at start, catching up with what
// changed while Kura did not run, after an overflow, periodically, and
// when a watched folder that was removed appears again (its watch is set
// up anew).
package watch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
	// MaxDelay is the longest a changed path waits for its changes to
	// settle (a log appended to without pause); default 1 minute.
	MaxDelay time.Duration
}

// SyncFunc brings root up to date: the paths in changed (files or folders
// under it, present or gone), or all of it when changed is nil.
type SyncFunc func(ctx context.Context, root string, changed []string) error

// Watcher follows folders. Build it with New; it is safe for concurrent
// use.
type Watcher struct {
	o    Options
	fsw  *fsnotify.Watcher
	sync SyncFunc

	mu      sync.Mutex
	roots   map[string]*root
	changed chan struct{}
}

// root is a watched folder.
type root struct {
	whole   bool                 // due whole: nothing is known of what changed
	pending map[string]*settling // changed paths, waiting to settle
	// gone is set when the folder itself was removed: its watch went with
	// it, so the folder is looked for until it is back.
	gone bool
	// partial is set when not every subfolder could be watched (the
	// inotify limit, permissions): periodic rescans cover it.
	partial error
}

// settling is a changed path: when it first and last changed.
type settling struct{ first, last time.Time }

// New returns a watcher that calls sync with a root folder and what
// changed in it whenever that is due; sync runs one at a time, and a path
// that changes again while it runs is due again after it. An error sync
// returns is the caller's to report; the folder is tried again at the next
// change or rescan.
func New(sync SyncFunc, o Options) (*Watcher, error) {
	if o.Debounce <= 0 {
		o.Debounce = 2 * time.Second
	}
	if o.Rescan <= 0 {
		o.Rescan = 5 * time.Minute
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Minute
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
		r = &root{pending: map[string]*settling{}}
		w.roots[folder] = r
	}
	if due {
		r.whole = true
	}
	w.mu.Unlock()
	err := w.addTree(folder)
	info, serr := os.Stat(folder)
	w.mu.Lock()
	r.partial = err
	r.gone = serr != nil || !info.IsDir() // watched once it is there
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
			w.rearm()
		case <-w.changed:
		}
		for _, d := range w.due() {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			w.sync(ctx, d.root, d.changed)
		}
	}
}

// event records the path of an event as changed in its root, watches a
// folder that appeared, and notes a root that was removed.
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
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.roots[r]
	if st == nil {
		return
	}
	if ev.Name == r {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			st.gone, st.whole = true, true // its watch went with it
		}
		return
	}
	if p := st.pending[ev.Name]; p != nil {
		p.last = now
	} else {
		st.pending[ev.Name] = &settling{first: now, last: now}
	}
}

// rearm watches again the roots that were removed and are back, and makes
// them due whole.
func (w *Watcher) rearm() {
	w.mu.Lock()
	var back []string
	for f, r := range w.roots {
		if r.gone {
			if info, err := os.Stat(f); err == nil && info.IsDir() {
				r.gone = false
				back = append(back, f)
			}
		}
	}
	w.mu.Unlock()
	for _, f := range back {
		err := w.addTree(f)
		w.mu.Lock()
		if r := w.roots[f]; r != nil {
			r.whole, r.partial = true, err
		}
		w.mu.Unlock()
	}
}

func (w *Watcher) markAll() {
	w.mu.Lock()
	for _, r := range w.roots {
		r.whole = true
	}
	w.mu.Unlock()
}

// dueSync is one call of the sync function.
type dueSync struct {
	root    string
	changed []string // nil: the whole root
}

// due returns what is due: roots due whole, and in the others the changed
// paths that have settled (or waited MaxDelay), taking them off the
// waiting list: a change during their sync puts them back.
func (w *Watcher) due() []dueSync {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	var out []dueSync
	for f, r := range w.roots {
		if r.whole {
			r.whole = false
			clear(r.pending) // the whole folder covers them
			out = append(out, dueSync{root: f})
			continue
		}
		var settled []string
		for p, s := range r.pending {
			if now.Sub(s.last) >= w.o.Debounce || now.Sub(s.first) >= w.o.MaxDelay {
				settled = append(settled, p)
				delete(r.pending, p)
			}
		}
		if len(settled) > 0 {
			slices.Sort(settled)
			out = append(out, dueSync{root: f, changed: settled})
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
