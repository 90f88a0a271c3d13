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

// recorder is a sync function that records the folders it was given and
// what a file held when it ran.
type recorder struct {
	mu    sync.Mutex
	calls []string
	sizes map[string]int64 // file -> size seen at the last sync
	watch []string         // files to look at when syncing
	ch    chan string
}

func newRecorder(files ...string) *recorder {
	return &recorder{sizes: map[string]int64{}, watch: files, ch: make(chan string, 100)}
}

func (r *recorder) sync(_ context.Context, folder string) error {
	r.mu.Lock()
	r.calls = append(r.calls, folder)
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
