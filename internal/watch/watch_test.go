package watch

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kura-app/kura/internal/testwait"
)

// recorder is a sync function that records the folders it was given, the
// paths it was told changed, and what a file held when it ran.
type recorder struct {
	mu      sync.Mutex
	calls   []string
	changed map[string]int   // path -> times it was given as changed
	sizes   map[string]int64 // file -> size seen at the last sync
	watch   []string         // files to look at when syncing
	ch      chan string
}

func newRecorder(files ...string) *recorder {
	return &recorder{sizes: map[string]int64{}, changed: map[string]int{}, watch: files, ch: make(chan string, 1000)}
}

func (r *recorder) sync(_ context.Context, folder string, changed []string) error {
	r.mu.Lock()
	r.calls = append(r.calls, folder)
	for _, p := range changed {
		r.changed[p]++
	}
	for _, f := range r.watch {
		if info, err := os.Stat(f); err == nil {
			r.sizes[f] = info.Size()
		} else {
			r.sizes[f] = -1
		}
	}
	r.mu.Unlock()
	r.ch <- folder
	return nil
}

// next waits for a sync (the debounce is tens of milliseconds; the
// deadline only stops a hung run).
func (r *recorder) next(t *testing.T) string {
	t.Helper()
	return testwait.Recv(t, "a sync", r.ch)
}

func (r *recorder) size(f string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sizes[f]
}

func start(t *testing.T, r *recorder, o Options) *Watcher {
	t.Helper()
	w, err := New(r.sync, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

func TestAFolderIsSyncedAtStartAndAfterEachChange(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sub", "new.txt")
	r := newRecorder(file)
	w := start(t, r, Options{Debounce: 50 * time.Millisecond, Rescan: time.Hour})
	if err := w.Add(dir); err != nil {
		t.Fatal(err)
	}
	if got := r.next(t); got != dir {
		t.Fatalf("first sync of %s, want the catch-up of %s", got, dir)
	}
	// A folder made after the start, and a file in it.
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	r.next(t) // the new folder
	if err := os.WriteFile(file, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for r.size(file) != 5 {
		r.next(t)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	for r.size(file) != -1 {
		r.next(t)
	}
}

// A file written in pieces is synced once it has settled: the sync that
// follows the last piece sees all of it.
func TestAFileStillBeingWrittenIsReadOnceItSettles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "report.txt")
	r := newRecorder(file)
	w := start(t, r, Options{Debounce: 300 * time.Millisecond, Rescan: time.Hour})
	w.Add(dir)
	r.next(t)
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		f.Write([]byte("0123456789"))
		time.Sleep(20 * time.Millisecond)
	}
	f.Close()
	for r.size(file) != 100 {
		r.next(t)
	}
}

func TestARescanSyncsWithoutEvents(t *testing.T) {
	dir := t.TempDir()
	r := newRecorder()
	w := start(t, r, Options{Debounce: 10 * time.Millisecond, Rescan: 100 * time.Millisecond})
	w.Add(dir)
	r.next(t)
	r.next(t) // no change happened: the rescan made it due
}

func TestAFolderNoLongerFollowedIsNotSynced(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	r := newRecorder()
	w := start(t, r, Options{Debounce: 20 * time.Millisecond, Rescan: time.Hour})
	w.Add(a)
	w.Add(b)
	seen := map[string]bool{r.next(t): true, r.next(t): true}
	if !seen[a] || !seen[b] {
		t.Fatalf("synced %v, want both folders", seen)
	}
	w.Remove(a)
	os.WriteFile(filepath.Join(a, "x.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(b, "y.txt"), []byte("y"), 0o644)
	if got := r.next(t); got != b {
		t.Fatalf("synced %s after it was removed", got)
	}
	if len(w.Folders()) != 1 {
		t.Fatalf("folders = %v, want only %s", w.Folders(), b)
	}
}

func (r *recorder) timesChanged(p string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed[p]
}

// A file appended to without pause holds back only itself: a new file
// beside it is synced once it settles. The folder once settled as a
// whole, so one busy log kept every other change out of the index.
func TestAFileThatNeverSettlesHoldsBackOnlyItself(t *testing.T) {
	dir := t.TempDir()
	log, memo := filepath.Join(dir, "app.log.txt"), filepath.Join(dir, "memo.txt")
	r := newRecorder()
	w := start(t, r, Options{Debounce: 200 * time.Millisecond, Rescan: time.Hour, MaxDelay: time.Hour})
	w.Add(dir)
	r.next(t)
	stop := make(chan struct{})
	appended := make(chan struct{})
	go func() {
		defer close(appended)
		f, err := os.Create(log)
		if err != nil {
			return
		}
		defer f.Close()
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				f.WriteString("one more line\n")
			}
		}
	}()
	defer func() { close(stop); <-appended }()
	os.WriteFile(memo, []byte("a memo"), 0o644)
	for r.timesChanged(memo) == 0 {
		r.next(t)
	}
	if n := r.timesChanged(log); n != 0 {
		t.Fatalf("the file still being appended to was synced %d times; want it held back until it settles", n)
	}
}

// A watched folder removed and made again is watched again at once, not
// only at the next rescan: a file written in it after it is back is synced.
func TestAWatchedFolderMadeAgainIsWatchedAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	os.Mkdir(dir, 0o755)
	r := newRecorder()
	w := start(t, r, Options{Debounce: 50 * time.Millisecond, Rescan: time.Hour})
	w.Add(dir)
	r.next(t)
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	r.next(t) // the folder is gone: due whole, to say so
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "new.txt")
	os.WriteFile(file, []byte("back"), 0o644) // may come before the watch: the whole sync at re-arming covers it
	r.next(t)
	later := filepath.Join(dir, "later.txt")
	os.WriteFile(later, []byte("later"), 0o644)
	for r.timesChanged(later) == 0 {
		r.next(t)
	}
}
